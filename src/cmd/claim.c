/* claim.c - pool run's and pool up -d's side of a spare: look at the
 * machine of the name before a cold boot; claim a spare of the same plan
 * and run the command on it through its control socket (as pool exec
 * does, in one session that ends the machine), discard a spare of another
 * plan, wait out a machine that is stopping. */
#include "cmd/claim.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/attach.h"
#include "cmd/ctl_client.h"
#include "common/parse.h"
#include "common/agent_msg.h"
#include "common/be.h"
#include "common/log.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/termout.h"
#include "util/tty.h"

#define CLAIM_SID 1u
#define STOP_WAIT_MS 30000	/* a machine's grace time (10 s), its kill and teardown */

static uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Until no supervisor of name lives (at most ms): 1 when it went. */
static int wait_gone(const char *root, const char *name, unsigned ms)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (unsigned waited = 0;; waited += 20) {
		struct pool_err ignore = { 0 };
		struct machine_entry m;

		if (machine_probe(root, name, &m, &ignore) != 0 || !m.alive)
			return 1;
		if (waited >= ms)
			return 0;
		nanosleep(&tick, NULL);
	}
}

/* The machine is going away: wait for it, and say so when it lingers. */
static void wait_stopped(const struct claim_request *r)
{
	if (!wait_gone(r->root, r->name, STOP_WAIT_MS))
		log_warnx("machine %s is still stopping after %d s", r->name, STOP_WAIT_MS / 1000);
}

static int discard(const struct claim_request *r)
{
	static const uint8_t now[CTL_DOWN_LEN] = { 0, 0, 0, 10 };
	struct pool_err ignore = { 0 };
	int fd = ctl_connect(r->root, r->name, &ignore);

	if (fd >= 0) {
		ctl_send(fd, CTL_MSG_DOWN, 0, now, sizeof now, &ignore);
		wait_stopped(r);
		close(fd);
	}
	return 0;
}

/* --- the command on the claimed machine --- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

struct run_client {
	const struct claim_request *r;
	struct termout out[2];	/* stdout, stderr: filtered where a terminal */
};

/* A signal to pool run ends the run, as it does on a cold machine: the
 * connection closes and the machine powers off. */
static int run_before(struct attach *a, struct pool_err *e)
{
	(void)a;
	(void)e;
	return got_signal ? 128 + got_signal : 0;
}

static int run_frame(struct attach *a, const struct frame_hdr *h, const uint8_t *p, struct pool_err *e)
{
	struct run_client *x = a->ctx;
	const char *why;
	char text[256];

	switch (h->type) {
	case AGENT_STDOUT:
	case AGENT_STDERR:
		if (h->sid != CLAIM_SID || !h->len)
			return 0;
		if (termout_write(&x->out[h->type == AGENT_STDOUT ? 0 : 1], p, h->len) == 0)
			return 0;
		if (errno != EPIPE)
			return pool_err_sys(e, "writing the command's output");
		a->result = 128 + SIGPIPE;	/* nobody reads any more (| head) */
		return 1;
	case AGENT_EXIT:
		if (agent_exit_decode(p, h->len, &a->result, &why) < 0)
			return pool_err_fail(e, "run: bad EXIT: %s", why);
		if (x->r->times)
			x->r->times->exit_ns = real_ns();
		return 1;
	case AGENT_ERROR:
		return pool_err_fail(e, "machine %s: %s", x->r->name, ctl_text(p, h->len, text, sizeof text));
	default:
		return pool_err_fail(e, "run: unexpected %s frame", frame_type_name(h->type));
	}
}

static int run_closed(struct attach *a, struct pool_err *e)
{
	struct run_client *x = a->ctx;

	return pool_err_fail(e, "machine %s stopped before the command finished", x->r->name);
}

static const struct attach_ops run_ops = {
	.before = run_before, .frame = run_frame, .closed = run_closed,
};

static int run_command(int fd, const struct claim_request *r, struct pool_err *e)
{
	static struct attach a;
	_cleanup_free_ uint8_t *buf = malloc(FRAME_PAYLOAD_MAX);
	struct agent_exec x = {
		.flags = r->exec_flags, .ws = r->ws,
		.cwd = r->cwd ? r->cwd : "", .argv = (const char **)r->argv, .argc = (size_t)r->argc,
		.env = (const char **)r->env, .envc = r->nenv,
	};
	struct tty_saved tty = { .raw = false };
	int st;
	struct run_client rc = { .r = r };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART: poll wakes */
	long n;

	if (!buf)
		return pool_err_sys(e, "run");
	n = agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x);
	if (n < 0)
		return pool_err_usage(e, "run: the command (%d arguments) is longer than the agent takes (%u bytes) or has an empty name",
				      r->argc, FRAME_PAYLOAD_MAX);
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (ctl_send(fd, AGENT_EXEC, CLAIM_SID, buf, (size_t)n, e) < 0)
		return -1;
	/* guest bytes reach a terminal through the filter, as on a cold boot */
	termout_init(&rc.out[0], 1, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	termout_init(&rc.out[1], 2, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	a = (struct attach){ .fd = fd, .in_type = AGENT_STDIN, .sid = CLAIM_SID, .eof_frame = true,
			     .in_open = true, .ops = &run_ops, .ctx = &rc };
	if (r->exec_flags & AGENT_EXEC_TTY) {
		/* the guest's pty does the echo and the signals (exec.c) */
		tty_raw(&tty, 0);
		attach_follow_winsize(&a, isatty(0) ? 0 : 1, false);
	}
	st = attach_run(&a, e);
	termout_flush(&rc.out[0]);
	termout_flush(&rc.out[1]);
	tty_restore(&tty);
	return st;
}

/* --- the claim --- */

/* Send the claim and wait for the answer: 1 granted, 0 refused or gone. */
static int claim(int fd, const struct claim_request *r, struct pool_err *e)
{
	static uint8_t buf[FRAME_MAX];
	uint8_t c[CTL_CLAIM_LEN];
	struct frame_hdr h;
	int k;

	if (parse_hex(r->hash, c, CTL_CLAIM_HASH_LEN) < 0)
		return pool_err_fail(e, "claim: a plan hash that is not one");
	c[CTL_CLAIM_HASH_LEN] = r->how == CLAIM_FOR_RUN ? CTL_CLAIM_RUN : CTL_CLAIM_UP;
	if (ctl_send(fd, CTL_MSG_CLAIM, 0, c, sizeof c, e) < 0)
		return 0;
	/* A spare still booting answers at its READY; it ends itself past
	 * its boot timeout, which closes this. */
	k = ctl_recv(fd, buf, &h, -1, e);
	if (k <= 0)
		return 0;
	if (h.type == CTL_MSG_STATUS)
		return 1;
	if (h.type == AGENT_ERROR) {
		char text[256];

		ctl_text(buf, h.len, text, sizeof text);
		if (strstr(text, "another plan") || strstr(text, "its ports"))
			log_info("%s; booting anew", text);
		else
			log_debug("%s", text);
	}
	return 0;
}

/* One look at the machine of the name: CLAIM_DONE (used, *status set),
 * CLAIM_BOOT (nothing to take: boot), CLAIM_AGAIN (it was stopping or
 * starting, and is waited out: look again). */
enum look { LOOK_DONE, LOOK_BOOT, LOOK_AGAIN };

static enum look look(const struct claim_request *r, int *status, struct pool_err *e)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct pool_err ignore = { 0 };
	struct machine_entry m;
	struct ctl_status st;
	_cleanup_close_ int fd = -1;
	int granted;

	if (machine_probe(r->root, r->name, &m, &ignore) != 0 || !m.alive)
		return LOOK_BOOT;
	if (ctl_query(r->root, r->name, &st, &ignore) < 0) {
		/* between its lock and its socket (a spare starting), or wedged */
		nanosleep(&tick, NULL);
		return LOOK_AGAIN;
	}
	if (st.state == CTL_STOPPING) {
		wait_stopped(r);
		return LOOK_AGAIN;
	}
	if (st.state != CTL_SPARE)
		return LOOK_BOOT;	/* it runs: the boot refuses it, as ever */
	if (r->how == CLAIM_DISCARD) {
		discard(r);
		return LOOK_AGAIN;
	}
	fd = ctl_connect(r->root, r->name, &ignore);
	if (fd < 0)
		return LOOK_AGAIN;
	granted = claim(fd, r, &ignore);
	if (granted <= 0) {
		/* Refused: a spare of another plan powers off now (waited out,
		 * then looked at again); one that another run took runs. */
		if (ctl_query(r->root, r->name, &st, &ignore) < 0 || st.state == CTL_STOPPING) {
			wait_stopped(r);
			return LOOK_AGAIN;
		}
		return LOOK_BOOT;
	}
	if (r->times)
		r->times->ready_ns = real_ns();
	if (r->how == CLAIM_FOR_UP) {
		printf("%s\n", r->up_line ? r->up_line : r->name);
		*status = 0;
		return LOOK_DONE;
	}
	*status = run_command(fd, r, e);
	return LOOK_DONE;
}

#define LOOKS_MAX 40	/* the last machine stopping, the next spare starting: seconds, not more */

int claim_spare(const struct claim_request *r, int *status, struct pool_err *e)
{
	*status = 0;
	for (int i = 0; i < LOOKS_MAX; i++) {
		switch (look(r, status, e)) {
		case LOOK_DONE:
			return *status < 0 ? -1 : 1;
		case LOOK_BOOT:
			return 0;
		case LOOK_AGAIN:
			break;
		}
	}
	return 0;
}
