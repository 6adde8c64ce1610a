/* exec.c - pool exec NAME [--] CMD [ARG...]: run a command on a
 * running machine through its supervisor; stdio streamed (the output
 * through the terminal filter where it reaches a terminal, untouched to
 * a pipe or a file), its status returned. Several at once on one machine
 * each get their own session. */
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
#include "cmd/usage.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/termout.h"
#include "cmd/attach.h"

#define EXEC_SID 1u
#define SIGNALS_MAX 3	/* the third Ctrl-C stops waiting for the command */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int send_exec(int fd, char **cmd, int ncmd, struct pool_err *e)
{
	_cleanup_free_ uint8_t *buf = malloc(FRAME_PAYLOAD_MAX);
	const char *env[2] = { NULL, NULL };
	const char *term = getenv("TERM");
	char termv[128];
	struct agent_exec x = { .cwd = "", .argv = (const char **)cmd, .argc = (size_t)ncmd, .env = env };
	long n;

	if (!buf)
		return pool_err_sys(e, "exec");
	if (term && strlen(term) < 100 && !strchr(term, '=')) {
		snprintf(termv, sizeof termv, "TERM=%s", term);
		env[x.envc++] = termv;
	}
	n = agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x);
	if (n < 0)
		return pool_err_usage(e, "exec: the command is longer than the agent takes (%u bytes) or has an empty name",
				      FRAME_PAYLOAD_MAX);
	return ctl_send(fd, AGENT_EXEC, EXEC_SID, buf, (size_t)n, e);
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

int cmd_exec(int argc, char **argv, struct pool_err *e)
{
	struct exec_client x = { 0 };
	static struct attach a;
	_cleanup_close_ int fd = -1;
	int at = 2, r;

	if (argc < 3)
		return cmd_usage_error(e, argv[0], NULL);
	x.name = argv[1];
	if (strcmp(argv[2], "--") == 0)
		at = 3;
	if (at >= argc)
		return cmd_usage_error(e, argv[0], NULL);
	fd = ctl_connect(state_root(), x.name, e);
	if (fd < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if (send_exec(fd, argv + at, argc - at, e) < 0)
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
	r = attach_run(&a, e);
	/* What the command left on (colours, modes) is put back. */
	termout_flush(&x.out[0]);
	termout_flush(&x.out[1]);
	return r;
}
