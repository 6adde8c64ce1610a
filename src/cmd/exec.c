/* exec.c - pool exec [-e VAR[=VALUE]]... [--env-file FILE] [-w DIR] [-t|-T]
 * NAME [--] CMD [ARG...]: run a command on a running machine through its
 * supervisor, with exactly the environment named; stdio streamed (the
 * output through the terminal filter where it reaches a terminal,
 * untouched to a pipe or a file), its status returned. On a terminal the
 * command gets one of its own in the guest (a pty; the user's terminal
 * raw meanwhile, its size followed). Several at once on one machine each
 * get their own session. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common/be.h"
#include "cmd/command.h"
#include "cmd/usage.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/termout.h"
#include "util/tty.h"
#include "cmd/attach.h"

#define EXEC_SID 1u
#define SIGNALS_MAX 3	/* the third Ctrl-C stops waiting for the command */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* The EXEC payload, encoded before anything connects: a command that
 * cannot be sent is refused first. Its folder: -w, or "" for the
 * machine's workdir (the supervisor fills it in). */
static long encode_exec(uint8_t *buf, char **cmd, int ncmd, const char *cwd, char **env, size_t nenv,
			uint8_t flags, const struct agent_winsize *ws, struct pool_err *e)
{
	struct agent_exec x = { .flags = flags, .ws = *ws, .cwd = cwd ? cwd : "", .argv = (const char **)cmd,
				.argc = (size_t)ncmd, .env = (const char **)env, .envc = nenv };
	long n = agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x);

	if (n < 0)
		return pool_err_usage(e, "exec: the command and its environment are longer than the agent takes (%u bytes), or the command has an empty name",
				      FRAME_PAYLOAD_MAX);
	return n;
}

struct exec_client {
	const char *name;
	int signals;
	/* stdout and stderr: filtered each on a terminal, untouched as data */
	struct termout out[2];
};

/* Ctrl-C and friends go to the command (its process group), as they
 * would on a local terminal; the third one stops waiting. */
static int exec_before(struct attach *a, struct pool_err *e)
{
	struct exec_client *x = a->ctx;
	uint8_t sig[4];
	int got = got_signal;

	if (!got)
		return 0;
	if (++x->signals >= SIGNALS_MAX)
		return pool_err_fail(e, "%s: stopped waiting for the command (signal %d three times)", x->name,
				     got);
	got_signal = 0;
	put_be32(sig, (uint32_t)got);
	attach_queue(a, AGENT_SIGNAL, sig, sizeof sig);
	return 0;
}

static int exec_frame(struct attach *a, const struct frame_hdr *h, const uint8_t *p, struct pool_err *e)
{
	struct exec_client *x = a->ctx;
	const char *why;
	char text[256];

	switch (h->type) {
	case AGENT_STDOUT:
	case AGENT_STDERR:
		if (h->sid != EXEC_SID || !h->len)
			return 0;
		if (termout_write(&x->out[h->type == AGENT_STDOUT ? 0 : 1], p, h->len) == 0)
			return 0;
		if (errno != EPIPE)
			return pool_err_sys(e, "writing the output");
		a->result = 128 + SIGPIPE;
		return 1;
	case AGENT_EXIT:
		if (agent_exit_decode(p, h->len, &a->result, &why) < 0)
			return pool_err_fail(e, "exec: bad EXIT: %s", why);
		return 1;
	case AGENT_ERROR:
		return pool_err_fail(e, "%s: %s", x->name, ctl_text(p, h->len, text, sizeof text));
	default:
		return pool_err_fail(e, "exec: unexpected %s frame", frame_type_name(h->type));
	}
}

static int exec_closed(struct attach *a, struct pool_err *e)
{
	struct exec_client *x = a->ctx;

	if (machine_stays_up(state_root(), x->name, 3000))
		return pool_err_fail(e, "machine %s: the supervisor closed the connection (see its supervisor.log)",
				     x->name);
	return pool_err_fail(e, "machine %s stopped before the command finished", x->name);
}

static const struct attach_ops exec_ops = {
	.before = exec_before, .frame = exec_frame, .closed = exec_closed,
};

/* Options before NAME and between NAME and the command (or --); the
 * command starts at the first argument after NAME that is not one. */
static int exec_args(int argc, char **argv, struct exec_client *x, struct command_opts *o, int *at,
		     struct pool_err *e)
{
	int i;

	for (i = 1; i < argc; i++) {
		int r = command_option(argc, argv, &i, argv[0], o, e);

		if (r < 0)
			return -1;
		if (r == 1)
			continue;
		if (x->name && strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (argv[i][0] == '-')
			return unexpected(e, argv[0], argv[i]);
		if (x->name)
			break;
		x->name = argv[i];
	}
	if (!x->name || i >= argc)
		return cmd_usage_error(e, argv[0], NULL);
	*at = i;
	return 0;
}

int cmd_exec(int argc, char **argv, struct pool_err *e)
{
	struct exec_client x = { 0 };
	struct command_opts o = { 0 };
	struct agent_winsize ws = { 0, 0 };
	struct tty_saved tty = { .raw = false };
	uint8_t flags = 0;
	static struct attach a;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	char **env = NULL;
	size_t nenv = 0;
	long n;
	int at = 0, r;

	if (exec_args(argc, argv, &x, &o, &at, e) < 0 || command_terminal(&o, argv[0], &flags, &ws, e) < 0 ||
	    command_env(&o, &env, &nenv, e) < 0)
		return -1;
	buf = malloc(FRAME_PAYLOAD_MAX);
	n = buf ? encode_exec(buf, argv + at, argc - at, o.workdir, env, nenv, flags, &ws, e)
		: pool_err_sys(e, "exec");
	command_env_free(&env, &nenv);
	if (n < 0)
		return -1;
	fd = ctl_connect(state_root(), x.name, e);
	if (fd < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if (ctl_send(fd, AGENT_EXEC, EXEC_SID, buf, (size_t)n, e) < 0)
		return -1;
	{
		struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: poll wakes */
		static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			sigaction(sigs[i], &sa, NULL);
	}
	termout_init(&x.out[0], 1, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	termout_init(&x.out[1], 2, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	a = (struct attach){ .fd = fd, .in_type = AGENT_STDIN, .sid = EXEC_SID, .eof_frame = true,
			     .in_open = true, .ops = &exec_ops, .ctx = &x };
	explicit_bzero(buf, (size_t)n);	/* the environment may hold a token */
	if (flags & AGENT_EXEC_TTY) {
		/* The guest's pty does the line editing, the echo and the
		 * signals: what is typed goes as it is, Ctrl-C too. */
		tty_raw(&tty, 0);
		attach_follow_winsize(&a, isatty(0) ? 0 : 1, false);
	}
	r = attach_run(&a, e);
	/* What the command left on (colours, modes) is put back, then the
	 * terminal's modes, however the command ended. */
	termout_flush(&x.out[0]);
	termout_flush(&x.out[1]);
	tty_restore(&tty);
	return r;
}
