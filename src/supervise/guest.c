/* guest.c - what the machine's agent says, and what it means for the
 * machine: READY (pool up -d returns, pool run's command goes out), the
 * command's output and exit status, a reboot's notice, the guest's
 * errors. Every frame comes from the guest and is hostile: it arrives
 * checked by agent.c and frame.c, the command's output passes the
 * terminal filter when it reaches a terminal, and the guest's text is
 * made printable and bounded before anyone sees it. */
#include "supervise/sup.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/agent_msg.h"
#include "common/log.h"
#include "util/cleanup.h"

/* A guest's words on pool's stderr: printable only, and at most
 * GUEST_TEXT_MAX of them in a machine's life, so a guest cannot flood it. */
#define GUEST_TEXT_MAX 20
static void print_guest_text(const char *what, const uint8_t *p, size_t n)
{
	static unsigned printed;
	char buf[256];
	size_t o = 0;

	if (printed == GUEST_TEXT_MAX)
		log_warnx("%s: more messages from the guest are not shown", what);
	if (printed++ >= GUEST_TEXT_MAX) {
		printed = GUEST_TEXT_MAX + 1;
		return;
	}

	for (size_t i = 0; i < n && o + 1 < sizeof buf; i++)
		buf[o++] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '?';
	buf[o] = '\0';
	log_warnx("%s: %s", what, buf);
}

/* The EXEC payload is encoded before the machine boots, so a command
 * that cannot be sent is refused before any work is done. */
int encode_exec(struct sup *s, struct pool_err *e)
{
	struct agent_exec x = { 0 };
	long n;

	x.flags = s->req->exec_flags;
	x.ws = s->req->ws;
	x.cwd = s->p->m->workdir ? s->p->m->workdir : "";
	x.argv = (const char **)s->req->argv;
	x.argc = (size_t)s->req->argc;
	x.env = (const char **)s->req->env;
	x.envc = s->req->nenv;
	s->exec = malloc(FRAME_PAYLOAD_MAX);
	if (!s->exec)
		return pool_err_sys(e, "exec");
	n = agent_exec_encode(s->exec, FRAME_PAYLOAD_MAX, &x);
	if (n < 0)
		return pool_err_usage(e, "run: the command (%d arguments) is longer than the agent takes (%u bytes) or has an empty name",
				      s->req->argc, FRAME_PAYLOAD_MAX);
	s->exec_len = (size_t)n;
	return 0;
}

static int send_exec(struct sup *s, struct pool_err *e)
{
	if (agent_conn_send(&s->agent, AGENT_EXEC, RUN_SID, s->exec, s->exec_len, e) < 0)
		return -1;
	s->exec_sent = true;
	s->stdin_open = true;
	/* A command with a terminal of its own: the guest's pty does the
	 * line editing, the echo and the signals; what is typed goes as it
	 * is, Ctrl-C too. The privileged side saved the modes and puts them
	 * back however this process ends. */
	if (s->req->exec_flags & AGENT_EXEC_TTY)
		tty_raw(&s->tty, 0);
	return 0;
}

void send_winsize(struct sup *s)
{
	struct agent_winsize w;
	uint8_t p[AGENT_WINSIZE_LEN];
	uint32_t sid;
	int fd = isatty(0) ? 0 : 1;

	if (s->req->argv && !(s->req->exec_flags & AGENT_EXEC_TTY))
		return;	/* a command with pipes has no size */
	if (s->req->detached || !s->agent_open || !s->agent.ready || s->have_exit)
		return;
	sid = s->req->argv ? RUN_SID : 0;	/* pool up: the serial console's */
	if (tty_size(fd, &w.rows, &w.cols) && agent_winsize_encode(p, &w) == 0)
		agent_conn_send(&s->agent, AGENT_WINSIZE, sid, p, sizeof p, &s->err);
}

void mesh_relay(struct sup *s, int fd)
{
	struct pool_err e = { 0 };
	_cleanup_free_ uint8_t *buf = NULL;
	struct stat st;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > FRAME_PAYLOAD_MAX ||
	    !(buf = malloc((size_t)st.st_size)) || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		log_warnx("mesh: the files from the privileged side could not be read");
		goto out;
	}
	/* a guest that is rebooting asks again at its READY */
	if (s->agent_open && s->qemu > 0 && !s->restarting &&
	    agent_conn_send(&s->agent, AGENT_MESH_FILES, 0, buf, (size_t)st.st_size, &e) < 0)
		log_warnx("mesh: %s", e.msg);
	explicit_bzero(buf, (size_t)st.st_size);
out:
	close(fd);
}

int on_frame(void *ctx, const struct frame_hdr *h, const uint8_t *p)
{
	struct sup *s = ctx;
	struct pool_err *e = &s->err;
	const char *why;
	int st;

	switch (h->type) {
	case AGENT_READY:
		ctl_exec_lost(s);	/* a second READY: the agent restarted */
		console_booted(s);
		log_debug("guest ready: init at %.3f s, modules %.3f s, agent %.3f s (kernel time)",
			  (double)s->agent.times.init_ns / 1e9, (double)s->agent.times.modules_ns / 1e9,
			  (double)s->agent.times.ready_ns / 1e9);
		{
			char times[160];

			snprintf(times, sizeof times,
				 "boot times: init %.3f s, modules %.3f s, ready %.3f s (guest), %.3f s (host)",
				 (double)s->agent.times.init_ns / 1e9, (double)s->agent.times.modules_ns / 1e9,
				 (double)s->agent.times.ready_ns / 1e9, (double)(now_ms() - s->start_ms) / 1e3);
			/* pool up -d prints them itself: this stderr is its log */
			if (getenv("POOL_BOOT_TIMES") && !s->req->detached)
				fprintf(stderr, "pool: %s\n", times);
			if (s->req->times) {
				s->req->times->ready_ns = real_ns();
				s->req->times->guest = s->agent.times;
			}
			spare_ready(s);
			if (s->mesh.on)	/* the privileged side sends its files, if this boot lacks them */
				tell_mesh_ready(s);
			if (!s->ready_told) {	/* pool up -d returns now */
				tell_ready(s, times);
				s->ready_told = true;
			}
		}
		if (!s->req->argv)
			send_winsize(s);	/* pool up: the console's size, at once */
		if (s->req->argv && !s->exec_sent)
			return send_exec(s, e);
		if (s->req->argv && !s->have_exit) {
			/* pool-init restarted a dead agent: the command is gone. */
			log_warnx("the guest agent restarted; the command was lost");
			s->have_exit = true;
			s->exit_status = 1;
			begin_shutdown(s, e);
		}
		return 0;
	case AGENT_STDOUT:
	case AGENT_STDERR:
		if (h->sid != RUN_SID) {
			ctl_from_guest(s, h, p);
			return 0;
		}
		if (h->len == 0)
			return 0;
		/* Filtered on a terminal, untouched as data (supervisor.c). */
		if (termout_write(&s->out[h->type == AGENT_STDOUT ? 0 : 1], p, h->len) < 0) {
			/* Nobody reads any more (| head): stop, as a pipeline would. */
			if (errno != EPIPE)
				log_warn("writing the command's output");
			if (!s->interrupted && !s->have_exit)
				s->interrupted = SIGPIPE;
			begin_shutdown(s, e);
		}
		return 0;
	case AGENT_EXIT:
		if (h->sid != RUN_SID) {
			ctl_from_guest(s, h, p);
			return 0;
		}
		if (s->have_exit)
			return 0;
		if (agent_exit_decode(p, h->len, &st, &why) < 0) {
			log_warnx("agent: bad EXIT from the guest: %s", why);
			st = 1;
		}
		s->have_exit = true;
		s->exit_status = st;
		s->stdin_open = false;
		if (s->req->times)
			s->req->times->exit_ns = real_ns();
		/* The terminal as it was, before pool says more on it. */
		termout_flush(&s->out[0]);
		termout_flush(&s->out[1]);
		tty_restore(&s->tty);
		begin_shutdown(s, e);
		return 0;
	case AGENT_SHUTDOWN:
		s->reboot_notice = h->len == 1 && p[0] == 1;
		return 0;
	case AGENT_ERROR:
		if (h->sid != RUN_SID && h->sid != 0) {
			ctl_from_guest(s, h, p);
			return 0;
		}
		print_guest_text("guest agent", p, h->len);
		if (h->sid == RUN_SID && !s->have_exit) {
			s->have_exit = true;
			s->exit_status = 1;
			begin_shutdown(s, e);
		}
		return 0;
	default:
		return 0;	/* frames the host does not take from a guest are dropped */
	}
}
