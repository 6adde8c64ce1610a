/* main.c - pool's command table: each subcommand is one file in src/cmd/. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/usage.h"
#include "config.h"
#include "common/log.h"

static int cmd_version(int argc, char **argv, struct pool_err *e);
static int cmd_help(int argc, char **argv, struct pool_err *e);

/* The subcommands by name; their usage is in cmd/usage.c. */
static const struct command {
	const char *name;
	cmd_fn fn;
} commands[] = {
	{ "run", cmd_run }, { "up", cmd_up }, { "down", cmd_down }, { "ls", cmd_ls },
	{ "exec", cmd_exec }, { "cp", cmd_cp }, { "console", cmd_console }, { "logs", cmd_logs }, { "egress", cmd_egress }, { "ssh", cmd_ssh },
	{ "check", cmd_check }, { "channel", cmd_channel }, { "doctor", cmd_doctor },
	{ "mkpasswd", cmd_mkpasswd }, { "mesh", cmd_mesh }, { "version", cmd_version }, { "help", cmd_help },
};

static void usage(FILE *out)
{
	size_t n;
	const struct cmd_usage *u = cmd_usages(&n);

	fprintf(out, "usage: pool COMMAND [ARG...]\n\n");
	for (size_t i = 0; i < n; i++) {
		char head[256];

		snprintf(head, sizeof head, "%s %s", u[i].name, u[i].args);
		fprintf(out, "  pool %-36s %s\n", head, u[i].purpose);
	}
	fprintf(out, "\nSPEC is a machine spec file (default: the nearest pool.yaml or pool.yml up to the\n"
		"repository's root; without one, the embedded default). Its keys: man pool.yaml.\n"
		"Environment: POOL_STATE_DIR, POOL_CACHE_DIR, POOL_ACCEL (auto|kvm|tcg), POOL_KERNEL, ...\n"
		"(every one in man pool).\n"
		"Exit status: the guest command's for run and exec; 2 for a bad spec or usage; 1 for other failures.\n");
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
	const char *debug = getenv("POOL_DEBUG");
	struct pool_err e = { 0 };
	int status;

	log_prog = "pool";
	if (debug && *debug)
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
			const char *args = cmd_args(commands[i].name);

			printf("usage: pool %s%s%s\n", commands[i].name, *args ? " " : "", args);
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
