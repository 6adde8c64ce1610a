/* ctl.c - the machine's control socket, server side: pool ls, down, exec
 * and console talk to the supervisor through it (common/ctl_msg.h has the
 * conversation rule). Every client is root; every one is still bounded:
 * slots, sessions, idle time, queued output. */
#include "supervise/sup.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/agent_msg.h"
#include "common/log.h"

int ctl_listen(struct sup *s, struct pool_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", s->p->state_dir,
			     CTL_SOCKET) >= sizeof sa.sun_path)
		return pool_err_usage(e, "POOL_STATE_DIR is too long for a socket path");
	s->cl = calloc(CTL_CLIENTS_MAX, sizeof *s->cl);
	if (!s->cl)
		return pool_err_sys(e, "control socket");
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
		s->cl[i].fd = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pool_err_sys(e, "control socket");
	/* The folder is 0700 and root's: the socket is never reachable by
	 * anyone else, even before the chmod. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, CTL_CLIENTS_MAX) < 0) {
		pool_err_sys(e, "%s", sa.sun_path);
		close(fd);
		return -1;
	}
	s->ctl_fd = fd;
	return 0;
}

void ctl_drop(struct sup *s, struct ctl_client *c)
{
	struct pool_err ignore = { 0 };

	if (c->fd < 0)
		return;
	spare_client_gone(s, c);
	/* A command whose client went away gets end-of-input and a hang-up,
	 * as a command whose terminal closed would. */
	if (c->conv.kind == CTL_EXEC && c->gsid && s->agent_open) {
		static const uint8_t hup[4] = { 0, 0, 0, SIGHUP };
		char line[80];

		snprintf(line, sizeof line, "exec %u: its client went away; the command is hung up (what it still says stays here)",
			 (unsigned)c->gsid);
		log_note(s, line);
		if (!c->unlogged)
			s->orphan[s->orphan_next++ % CTL_SESSIONS_MAX] = c->gsid;
		agent_conn_send(&s->agent, AGENT_STDIN, c->gsid, NULL, 0, &ignore);
		agent_conn_send(&s->agent, AGENT_SIGNAL, c->gsid, hup, sizeof hup, &ignore);
	}
	if (s->console_cl == c - s->cl)
		s->console_cl = -1;
	close(c->fd);
	agent_conn_free(&c->conn);
	*c = (struct ctl_client){ .fd = -1 };
}

/* Queue a frame for a client; one that has stopped reading is dropped. */
void ctl_send_to(struct sup *s, struct ctl_client *c, uint16_t type, uint32_t sid,
			const void *p, size_t n)
{
	struct pool_err ignore = { 0 };

	if (c->fd < 0)
		return;
	if (c->conn.outlen + n > CTL_OUT_MAX ||
	    agent_conn_send(&c->conn, type, sid, p, n, &ignore) < 0) {
		log_warnx("control client of %s reads nothing: dropped", s->p->m->name);
		ctl_drop(s, c);
	}
}

void ctl_send_status(struct sup *s, struct ctl_client *c)
{
	char text[CTL_STATUS_MAX];
	struct ctl_status st;
	long n;

	status_fill(s, &st);
	n = ctl_status_encode(text, sizeof text, &st);
	if (n > 0)
		ctl_send_to(s, c, CTL_MSG_STATUS, 0, text, (size_t)n);
}

static void ctl_refuse_text(struct sup *s, struct ctl_client *c, const char *msg)
{
	ctl_send_to(s, c, AGENT_ERROR, c->conv.kind == CTL_EXEC ? c->conv.sid : 0, msg, strlen(msg));
	c->closing = true;
}

/* Refuse a client's request with one line, and close once it is sent. */
#define ctl_refuse(s, c, ...)                                   \
	do {                                                    \
		char refusal_[256];                             \
		snprintf(refusal_, sizeof refusal_, __VA_ARGS__); \
		ctl_refuse_text((s), (c), refusal_);            \
	} while (0)

void ctl_accept(struct sup *s)
{
	for (;;) {
		int fd = accept4(s->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ucred cr;
		socklen_t len = sizeof cr;
		size_t i;

		if (fd < 0)
			return;
		/* Root's folder already keeps others out; check anyway. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != 0) {
			close(fd);
			continue;
		}
		for (i = 0; i < CTL_CLIENTS_MAX && s->cl[i].fd >= 0; i++)
			;
		if (i == CTL_CLIENTS_MAX) {
			uint8_t f[80];
			long n = frame_encode(f, sizeof f, AGENT_ERROR, 0,
						    "too many control connections", 28);

			if (n > 0 && write(fd, f, (size_t)n) < 0)
				log_debug("control socket: %s", strerror(errno));
			close(fd);
			continue;
		}
		s->cl[i] = (struct ctl_client){ .s = s, .fd = fd, .accepted_ms = now_ms() };
		agent_conn_init(&s->cl[i].conn, fd);
	}
}

/* "exec SID in CWD: ARGV...", printable and bounded, for the log. */
static void session_line(char *out, size_t cap, uint32_t sid, const struct agent_exec *x)
{
	size_t o = (size_t)snprintf(out, cap, "exec %u in %s:", (unsigned)sid, x->cwd[0] ? x->cwd : "~");

	for (size_t i = 0; i < x->argc && o + 2 < cap; i++) {
		out[o++] = ' ';
		for (const char *p = x->argv[i]; *p && o + 1 < cap; p++)
			out[o++] = *p >= 32 && *p < 127 ? *p : '?';
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/* An EXEC from a client: the machine's workdir when it names none, and a
 * session id of the supervisor's own towards the guest. */
static void ctl_exec(struct sup *s, struct ctl_client *c, const uint8_t *p, size_t n)
{
	struct agent_exec x;
	const char *why;
	uint8_t *buf;
	long len;

	if (!s->agent_open || !s->agent.ready || s->shutting_down) {
		ctl_refuse(s, c, "machine %s is %s", s->p->m->name,
			   s->shutting_down ? "stopping" : "not ready yet");
		return;
	}
	if (agent_exec_decode(p, n, &x, &why) < 0) {
		ctl_refuse(s, c, "exec: %s", why);
		return;
	}
	if (!x.cwd[0] && s->p->m->workdir)
		x.cwd = s->p->m->workdir;
	c->unlogged = x.flags & AGENT_EXEC_UNLOGGED;
	x.flags &= (uint8_t)~AGENT_EXEC_UNLOGGED;	/* the guest never sees it */
	buf = malloc(FRAME_PAYLOAD_MAX);
	len = buf ? agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x) : -1;
	agent_exec_free(&x);
	if (len < 0) {
		free(buf);
		ctl_refuse(s, c, "exec: the command does not fit in one frame");
		return;
	}
	if (++s->next_sid <= RUN_SID)
		s->next_sid = RUN_SID + 1;
	c->gsid = s->next_sid;
	if (agent_conn_send(&s->agent, AGENT_EXEC, c->gsid, buf, (size_t)len, &s->err) < 0) {
		ctl_refuse(s, c, "exec: %s", s->err.msg);
	} else {
		struct agent_exec y;

		/* the log says which command a session's lines are of */
		if (c->unlogged) {
			char line[100];

			snprintf(line, sizeof line, "exec %u: a copy (pool cp), its stream not kept here",
				 (unsigned)c->gsid);
			log_note(s, line);
		} else if (agent_exec_decode(buf, (size_t)len, &y, &why) == 0) {
			char line[400];

			session_line(line, sizeof line, c->gsid, &y);
			log_note(s, line);
			agent_exec_free(&y);
		}
	}
	free(buf);
}

static int on_ctl_frame(void *ctx, const struct frame_hdr *h, const uint8_t *p)
{
	struct ctl_client *c = ctx;
	struct sup *s = c->s;
	enum ctl_kind was = c->conv.kind;
	const char *why;

	if (c->closing || c->fd < 0)
		return 0;
	if (ctl_conv_step(&c->conv, h, p, &why) < 0) {
		ctl_refuse(s, c, "control socket: %s", why);
		return 0;
	}
	if ((was == CTL_NEW || was == CTL_CLAIM) && (c->conv.kind == CTL_EXEC || c->conv.kind == CTL_CONSOLE)) {
		size_t sessions = 0;

		if (spare_refuses(s, c, was))
			return 0;

		for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
			sessions += s->cl[i].fd >= 0 && &s->cl[i] != c &&
				    (s->cl[i].conv.kind == CTL_EXEC || s->cl[i].conv.kind == CTL_CONSOLE);
		if (sessions >= CTL_SESSIONS_MAX) {
			c->conv.kind = CTL_STATUS;	/* nothing more from it */
			ctl_refuse(s, c, "machine %s has %d sessions already", s->p->m->name,
				   CTL_SESSIONS_MAX);
			return 0;
		}
	}
	switch (c->conv.kind) {
	case CTL_STATUS:
		ctl_send_status(s, c);
		c->closing = true;
		return 0;
	case CTL_DOWN: {
		uint64_t deadline = now_ms() + (uint64_t)c->conv.down_s * 1000;

		log_info("%s: asked to power off (killed after %u s)", s->p->m->name, c->conv.down_s);
		s->down_asked = true;
		begin_shutdown(s, &s->err);
		if (deadline < s->deadline_ms)
			s->deadline_ms = deadline;
		return 0;	/* the connection ends with the supervisor */
	}
	case CTL_CLAIM:
		spare_claim(s, c, p, h->len);
		return 0;
	case CTL_EXEC:
		if (was == CTL_NEW || was == CTL_CLAIM)
			ctl_exec(s, c, p, h->len);
		else if (c->gsid && s->agent_open)
			agent_conn_send(&s->agent, h->type, c->gsid, p, h->len, &s->err);
		return 0;
	case CTL_CONSOLE:
		if (was == CTL_NEW) {
			if (s->console_cl >= 0 || (!s->req->argv && !s->req->detached)) {
				ctl_refuse(s, c, "the console of %s is already attached", s->p->m->name);
				return 0;
			}
			s->console_cl = (int)(c - s->cl);
			/* What the console showed last, so the prompt is there. */
			ctl_send_to(s, c, CTL_MSG_CONSOLE, 0, s->tail, s->tail_len);
			return 0;
		}
		if (h->type == AGENT_WINSIZE) {
			/* the user's terminal's size, for the serial console (checked) */
			if (s->agent_open && s->agent.ready)
				agent_conn_send(&s->agent, AGENT_WINSIZE, 0, p, h->len, &s->err);
			return 0;
		}
		if (h->len > sizeof s->conq - s->conq_len) {
			ctl_refuse(s, c, "console input faster than the machine takes it");
			return 0;
		}
		memcpy(s->conq + s->conq_len, p, h->len);
		s->conq_len += h->len;
		return 0;
	case CTL_NEW:
	default:
		return 0;
	}
}

/* What a session's frame leaves in the machine's log: its output, marked,
 * and how it ended. */
static void log_from_session(struct sup *s, bool unlogged, const struct frame_hdr *h, const uint8_t *p)
{
	char line[300];
	int st;
	const char *why;

	switch (h->type) {
	case AGENT_STDOUT:
	case AGENT_STDERR:
		if (!unlogged)
			log_session(s, h->sid, h->type == AGENT_STDERR, p, h->len);
		break;
	case AGENT_EXIT:
		if (agent_exit_decode(p, h->len, &st, &why) == 0) {
			snprintf(line, sizeof line, "exec %u exited with status %d", (unsigned)h->sid, st);
			log_note(s, line);
		}
		break;
	case AGENT_ERROR: {
		size_t o = (size_t)snprintf(line, sizeof line, "exec %u: ", (unsigned)h->sid);

		for (size_t i = 0; i < h->len && o + 1 < sizeof line; i++)
			line[o++] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '?';
		line[o] = '\0';
		log_note(s, line);
		break;
	}
	default:
		break;
	}
}

/* A frame of an exec session that belongs to a control client. */
void ctl_from_guest(struct sup *s, const struct frame_hdr *h, const uint8_t *p)
{
	const char *why;

	if (h->sid == 0 || frame_payload_check(h->type, p, h->len, &why) < 0)
		return;
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0 || c->conv.kind != CTL_EXEC || c->gsid != h->sid)
			continue;
		log_from_session(s, c->unlogged, h, p);
		ctl_send_to(s, c, h->type, c->conv.sid, p, h->len);
		if (h->type == AGENT_EXIT || h->type == AGENT_ERROR) {
			c->closing = true;
			c->gsid = 0;
		}
		return;
	}
	/* A command whose client went away (one that took its hang-up in
	 * its stride, a server run with nohup): its output stays in the log. */
	for (size_t i = 0; i < CTL_SESSIONS_MAX; i++) {
		if (s->orphan[i] != h->sid)
			continue;
		log_from_session(s, false, h, p);
		if (h->type == AGENT_EXIT || h->type == AGENT_ERROR)
			s->orphan[i] = 0;
		return;
	}
}

/* The guest's agent restarted or went away: its sessions are gone. */
void ctl_exec_lost(struct sup *s)
{
	static const char msg[] = "the guest agent went away (power-off, reboot or restart); the command was lost";

	if (!s->cl)
		return;
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0 || c->conv.kind != CTL_EXEC || !c->gsid)
			continue;
		c->gsid = 0;
		ctl_send_to(s, c, AGENT_ERROR, c->conv.sid, msg, sizeof msg - 1);
		c->closing = true;
	}
}

void ctl_client_io(struct sup *s, struct ctl_client *c, short revents)
{
	struct pool_err ignore = { 0 };

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		int r = agent_conn_read(&c->conn, on_ctl_frame, c, &ignore);

		if (r != 0) {	/* gone, or broke the protocol */
			ctl_drop(s, c);
			return;
		}
	}
	if (c->fd >= 0 && c->conn.outlen && agent_conn_flush(&c->conn, &ignore) < 0) {
		ctl_drop(s, c);
		return;
	}
	if (c->fd >= 0 && c->closing && c->conn.outlen == 0)
		ctl_drop(s, c);
}

void ctl_close(struct sup *s)
{
	if (s->cl)
		for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
			ctl_drop(s, &s->cl[i]);
	free(s->cl);
	s->cl = NULL;
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	s->ctl_fd = -1;
}

/* The clients' clocks, once a round: a connection that says nothing holds
 * a slot for nothing; one that stopped reading slows the machine's agent
 * for every session, and after CTL_STALL_MS it is let go (its command
 * hangs up, like one whose terminal went away). */
void ctl_timers(struct sup *s)
{
	for (size_t c = 0; c < CTL_CLIENTS_MAX; c++) {
		struct ctl_client *cl = &s->cl[c];

		if (cl->fd >= 0 && cl->conv.kind == CTL_NEW && now_ms() - cl->accepted_ms > CTL_IDLE_MS)
			ctl_drop(s, cl);
		if (cl->fd >= 0 && cl->conn.outlen > CTL_OUT_HIGH) {
			if (!cl->stalled_ms || cl->conn.outlen < cl->stalled_len) {
				cl->stalled_ms = now_ms();	/* new, or it read some */
				cl->stalled_len = cl->conn.outlen;
			} else if (now_ms() - cl->stalled_ms > CTL_STALL_MS) {
				log_warnx("%s: an exec client read nothing for %d s: dropped",
					  s->p->m->name, CTL_STALL_MS / 1000);
				ctl_drop(s, cl);
			}
		} else if (cl->fd >= 0) {
			cl->stalled_ms = 0;
		}
	}
}

/* Whether an exec client lags: the guest's output then waits, as a
 * pipe's writer would. */
bool ctl_lagging(const struct sup *s)
{
	for (size_t c = 0; c < CTL_CLIENTS_MAX; c++)
		if (s->cl[c].fd >= 0 && s->cl[c].conv.kind == CTL_EXEC && s->cl[c].conn.outlen > CTL_OUT_HIGH)
			return true;
	return false;
}
