/* usage.c - every subcommand's usage, written once: main's help, each
 * command's --help, and each command's usage errors read it here. */
#include "cmd/usage.h"

#include <stdio.h>
#include <string.h>

static const struct cmd_usage usages[] = {
	{ "run", "[-e VAR[=VALUE]]... [--env-file FILE] [-w DIR] [-t|-T] [--warm] [--allow-path DIR]... [--allow-lan] [--network none] [-p|--publish [HOST_IP:]HOST_PORT:GUEST_PORT[/proto]]... [SPEC] [--] CMD [ARG...]", "boot, run CMD in the guest, power off; exit with CMD's status" },
	{ "up", "[-d [--warm]] [--allow-path DIR]... [--allow-lan] [--network none] [-p|--publish [HOST_IP:]HOST_PORT:GUEST_PORT[/proto]]... [SPEC]", "boot and attach the console (Ctrl-] powers off); -d: leave it running, print name, address and published ports" },
	{ "down", "NAME [--timeout S]", "power off; killed after S seconds (default 10)" },
	{ "ls", "[--json]", "machines: name, address, pid, state, uptime, memory, published ports" },
	{ "egress", "NAME [--json]", "names resolved for the machine's allow list, their addresses and TTLs; refused names; dropped connections" },
	{ "exec", "[-e VAR[=VALUE]]... [--env-file FILE] [-w DIR] [-t|-T] NAME [--] CMD [ARG...]", "run CMD on a running machine; exit with its status" },
	{ "cp", "[NAME:]SRC [NAME:]DST", "copy a file or folder between this host and a running machine" },
	{ "console", "NAME", "attach the serial console (Ctrl-] detaches)" },
	{ "logs", "[-f] [--last] [--raw] NAME", "the machine's console log and its exec sessions' output; -f follows it, --last is the last one's after it ended" },
	{ "ssh", "[-i KEY] NAME [-- CMD...]", "ssh to the machine as its first user with keys" },
	{ "check", "[--allow-path DIR]... [--allow-lan] [--network none] [-p|--publish [HOST_IP:]HOST_PORT:GUEST_PORT[/proto]]... [SPEC]", "validate, print the resolved plan; boots nothing" },
	{ "channel", "up|down|status [NAME | --name NAME] [--uplink IF|auto] [--subnet CIDR]", "the host network for machines" },
	{ "doctor", "", "host prerequisites, each with its fix" },
	{ "mkpasswd", "< PASSWORD", "read a password on stdin, print its yescrypt hash" },
	{ "mesh init", "NET [--subnet CIDR]", "this host's Nebula CA for mesh NET (POOL_DATA_DIR)" },
	{ "mesh ca", "NET", "print this host's CA certificate of mesh NET (PEM)" },
	{ "mesh trust", "NET FILE", "trust another host's CA certificate" },
	{ "mesh grant", "NET DIR --ip IP/PREFIX [--groups A,B] [--lighthouse OVERLAY=HOST:PORT]...", "let the spec in DIR join NET with that address, groups and lighthouses" },
	{ "mesh revoke", "NET DIR", "take DIR's grant away" },
	{ "mesh status", "NET", "CAs, grants, the lighthouse and this host's machines on NET" },
	{ "mesh lighthouse", "NET --ip IP --listen ADDR:PORT [-d] | NET --stop", "run NET's lighthouse on this host, unprivileged, without tun" },
	{ "version", "", "print pool's version" },
	{ "help", "", "this text" },
};

const struct cmd_usage *cmd_usages(size_t *n)
{
	*n = sizeof usages / sizeof usages[0];
	return usages;
}

const char *cmd_args(const char *name)
{
	static char verbs[256];
	size_t n = strlen(name), o = 0;

	for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
		if (strcmp(usages[i].name, name) == 0)
			return usages[i].args;
	/* a command of several ("mesh"): its verbs */
	for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
		if (strncmp(usages[i].name, name, n) == 0 && usages[i].name[n] == ' ' &&
		    o + strlen(usages[i].name + n) + 1 < sizeof verbs)
			o += (size_t)snprintf(verbs + o, sizeof verbs - o, "%s%s", o ? "|" : "",
					      usages[i].name + n + 1);
	if (o && o + 12 < sizeof verbs)
		snprintf(verbs + o, sizeof verbs - o, " NET ...");
	return o ? verbs : "";
}

int cmd_usage_error(struct pool_err *e, const char *name, const char *what)
{
	const char *args = cmd_args(name);

	if (what)
		return pool_err_usage(e, "%s: %s (usage: pool %s%s%s)", name, what, name, *args ? " " : "",
				      args);
	return pool_err_usage(e, "usage: pool %s%s%s", name, *args ? " " : "", args);
}

int unexpected(struct pool_err *e, const char *name, const char *arg)
{
	char what[96];

	snprintf(what, sizeof what, "unexpected argument %.60s", arg);
	return cmd_usage_error(e, name, what);
}

const char *cmd_option(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);
	const char *a = argv[*i];

	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=' && opt[1] == '-')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}
