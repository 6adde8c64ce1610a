/* console.c - pool console NAME: attach to a running machine's serial
 * console; Ctrl-] (or the end of input) detaches and the machine keeps
 * running. One console at a time: the supervisor refuses a second. What
 * the console prints passes the terminal filter when stdout is a
 * terminal; the terminal's size goes to the console, and follows it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/termout.h"
#include "util/tty.h"
#include "cmd/attach.h"

#define CTRL_RBRACKET 0x1d

struct console_client {
	const char *name;
	bool detached;
	bool replayed;		/* the first frame, the console's last lines, is in */
	struct termout out;	/* the console to stdout, filtered on a terminal */
	uint8_t answers[TERMOUT_ANSWERS_MAX];
	size_t answers_len;	/* waiting to go out as console input */
};

/* Ctrl-] detaches: what came before it still goes to the machine. */
static int console_input(struct attach *a, uint8_t *buf, size_t *n)
{
	struct console_client *c = a->ctx;
	uint8_t *esc = memchr(buf, CTRL_RBRACKET, *n);

	if (!esc)
		return 0;
	*n = (size_t)(esc - buf);
	c->detached = true;
	return 1;
}

/* pool's answers to the queries the user's terminal did not see go to
 * the machine as console input, a frame of their own between the
 * user's: nushell asks for the cursor position before every prompt and
 * would wait 2 s each time (termout.c says what pool answers). */
static int console_before(struct attach *a, struct pool_err *e)
{
	struct console_client *c = a->ctx;

	(void)e;
	if (c->answers_len && attach_queue(a, CTL_MSG_CONSOLE, c->answers, c->answers_len))
		c->answers_len = 0;
	return 0;
}

static int console_frame(struct attach *a, const struct frame_hdr *h, const uint8_t *p, struct pool_err *e)
{
	struct console_client *c = a->ctx;
	size_t n;

	if (h->type == AGENT_ERROR) {
		char text[256];

		return pool_err_fail(e, "%s", ctl_text(p, h->len, text, sizeof text));
	}
	if (h->type != CTL_MSG_CONSOLE)
		return 0;
	if (termout_write(&c->out, p, h->len) < 0)
		return pool_err_sys(e, "stdout");
	/* The first frame replays what the console showed before. Its
	 * latest query of each kind may still wait for an answer (pool-init
	 * asks the console's size as the shell starts, for 2 s); older ones
	 * were asked long ago, and their answers would be typed into
	 * whatever reads the console by now. */
	n = termout_answers(&c->out, c->replayed ? TERMFILTER_QUERIES_MAX : 1, c->answers + c->answers_len,
			    sizeof c->answers - c->answers_len);
	c->replayed = true;
	c->answers_len += n;
	/* Attached (a refusal would have come instead): from now on the
	 * end of input detaches. */
	a->eof_detach = true;
	return 0;
}

static int console_closed(struct attach *a, struct pool_err *e)
{
	const char *name = ((struct console_client *)a->ctx)->name;

	if (machine_stays_up(state_root(), name, 3000))
		return pool_err_fail(e, "machine %s: the supervisor closed the console (see its supervisor.log)",
				     name);
	fprintf(stderr, "\r\npool: %s powered off\r\n", name);
	return 0;
}

static const struct attach_ops console_ops = {
	.before = console_before, .input = console_input, .frame = console_frame,
	.closed = console_closed,
};

int cmd_console(int argc, char **argv, struct pool_err *e)
{
	static struct attach a;
	struct console_client c;
	struct tty_saved tty;
	_cleanup_close_ int fd = -1;
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(e, argv[0], NULL);
	fd = ctl_connect(state_root(), argv[1], e);
	if (fd < 0 || ctl_send(fd, CTL_MSG_CONSOLE, 0, NULL, 0, e) < 0)
		return -1;
	if (isatty(0))
		fprintf(stderr, "pool: %s: console attached (Ctrl-] detaches)\r\n", argv[1]);
	tty_raw(&tty, 0);
	c = (struct console_client){ .name = argv[1] };
	termout_init(&c.out, 1, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	a = (struct attach){ .fd = fd, .in_type = CTL_MSG_CONSOLE, .in_open = true, .ops = &console_ops,
			     .ctx = &c };
	attach_follow_winsize(&a, isatty(0) ? 0 : 1, true);
	r = attach_run(&a, e);
	/* What the guest left on (mouse reporting, the alternate screen,
	 * colours) is put back before the terminal's modes are. */
	termout_flush(&c.out);
	tty_restore(&tty);
	if (r == 0 && c.detached)
		fprintf(stderr, "\r\npool: detached from %s (it keeps running)\r\n", argv[1]);
	return r;
}
