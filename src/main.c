/* main.c - pool's command table: each subcommand is one cmd_*.c file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config.h"
#include "common/log.h"

static int cmd_version(int argc, char **argv, struct pool_err *e);
static int cmd_help(int argc, char **argv, struct pool_err *e);

static const struct command {
	const char *name;
	cmd_fn fn;
	const char *usage;
} commands[] = {
	{ "run", cmd_run, "run [SPEC] [--] CMD [ARG...]   boot, run CMD in the guest, power off; exit with CMD's status" },
	{ "up", cmd_up, "up [-d] [SPEC]                 boot and attach the console (Ctrl-] powers off); -d: leave it running, print name and address" },
	{ "down", cmd_down, "down NAME [--timeout S]        power off; killed after S seconds (default 10)" },
	{ "ls", cmd_ls, "ls [--json]                    machines: name, address, pid, state, uptime, memory" },
	{ "exec", cmd_exec, "exec NAME [--] CMD [ARG...]    run CMD on a running machine; exit with its status" },
	{ "console", cmd_console, "console NAME                   attach the serial console (Ctrl-] detaches)" },
	{ "logs", cmd_logs, "logs [--raw] NAME              the machine's console log" },
	{ "ssh", cmd_ssh, "ssh [-i KEY] NAME [-- CMD...]  ssh to the machine as its first user with keys" },
	{ "check", cmd_check, "check [SPEC]                   validate, print the resolved plan; boots nothing" },
	{ "channel", cmd_channel, "channel up|down|status [...]   host network: --name pool0 --uplink IF|auto --subnet CIDR" },
	{ "doctor", cmd_doctor, "doctor                         host prerequisites, each with its fix" },
	{ "mkpasswd", cmd_mkpasswd, "mkpasswd                       read a password on stdin, print its yescrypt hash" },
	{ "version", cmd_version, "version                        print pool's version" },
	{ "help", cmd_help, "help                           this text" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pool COMMAND [ARG...]\n\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  pool %s\n", commands[i].usage);
	fprintf(out, "\nSPEC is a machine spec file (default ./pool.yaml; without one, the embedded default).\n"
		"Environment: POOL_STATE_DIR, POOL_CACHE_DIR, POOL_ACCEL (auto|kvm|tcg), POOL_KERNEL.\n"
		"Exit status: the guest command's for run; 2 for a bad spec or usage; 1 for other failures.\n");
}

static int cmd_version(int argc, char **argv, struct pool_err *e)
{
	(void)argc;
	(void)argv;
	(void)e;
	printf("pool %s\n", POOL_VERSION);
	return 0;
}

static int cmd_help(int argc, char **argv, struct pool_err *e)
{
	(void)argc;
	(void)argv;
	(void)e;
	usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct pool_err e = { 0 };
	int status;

	log_prog = "pool";
	if (getenv("POOL_DEBUG") && *getenv("POOL_DEBUG"))
		log_verbose = 2;
	/* A closed 0, 1 or 2 would be reused by the next open() and a socket
	 * would be taken for stdin: keep all three open. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return POOL_EXIT_FAIL;
	if (argc < 2) {
		usage(stderr);
		return POOL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1, &e);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1, &e);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			printf("usage: pool %s\n", commands[i].usage);
			return 0;
		}
		status = commands[i].fn(argc - 1, argv + 1, &e);
		if (status < 0) {
			fprintf(stderr, "pool: %s\n", e.msg[0] ? e.msg : "failed");
			return e.status ? e.status : POOL_EXIT_FAIL;
		}
		return status;
	}
	fprintf(stderr, "pool: %s: unknown command (pool --help lists them)\n", argv[1]);
	return POOL_EXIT_USAGE;
}
