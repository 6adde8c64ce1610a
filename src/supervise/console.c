/* console.c - the machine's serial console: what it prints goes to the
 * console log (rotated, as it came), to the user's terminal in pool up
 * (through the terminal filter), and to an attached pool console (which
 * filters it itself); typed input goes to it without blocking.
 * QEMU's own messages go to qemu.log, bounded. */
#include "supervise/sup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/logline.h"
#include "util/fsutil.h"

static void tail_add(struct sup *s, const char *buf, size_t n)
{
	if (n >= sizeof s->tail) {
		memcpy(s->tail, buf + n - sizeof s->tail, sizeof s->tail);
		s->tail_len = sizeof s->tail;
		return;
	}
	if (s->tail_len + n > sizeof s->tail) {
		size_t drop = s->tail_len + n - sizeof s->tail;

		memmove(s->tail, s->tail + drop, s->tail_len - drop);
		s->tail_len -= drop;
	}
	memcpy(s->tail + s->tail_len, buf, n);
	s->tail_len += n;
}

static void log_bytes(struct sup *s, const char *buf, size_t n)
{
	if (s->log_fd < 0 || n == 0)
		return;
	/* Once past its size the privileged side makes a fresh one (it looks
	 * at the file itself, so only after the bytes are in); meanwhile, and
	 * should it never come, at most LOG_MAX more. */
	if (s->log_size + n > 2 * LOG_MAX)
		return;
	if (write_all(s->log_fd, buf, n) == 0) {
		s->log_size += n;
		s->log_mid = buf[n - 1] != '\n';
	}
	if (s->log_size >= LOG_MAX)
		log_rotate(s);
}

/* What the guest's stream holds back (logline.h), out as it came. */
static void log_held(struct sup *s)
{
	char out[LOGLINE_OUT_MAX(0)];

	log_bytes(s, out, logline_flush(&s->logl, (uint8_t *)out, sizeof out));
}

/* Another writer takes the log: what the last one held goes first, and a
 * line it left unfinished is ended. */
static void log_switch(struct sup *s, uint64_t who)
{
	log_held(s);
	if (s->log_who != who && s->log_mid)
		log_bytes(s, "\r\n", 2);
	s->log_who = who;
}

/* pool's own bytes (a note, a session's mark) as writer who. */
static void log_write_as(struct sup *s, uint64_t who, const char *buf, size_t n)
{
	if (n == 0)
		return;
	log_switch(s, who);
	log_bytes(s, buf, n);
}

/* The guest's bytes (the console, or an exec session's stream): never
 * passing for pool's own lines (logline.h). */
static void log_guest(struct sup *s, uint64_t who, const char *buf, size_t n)
{
	char out[LOGLINE_OUT_MAX(4096)];

	if (s->log_who != who)
		log_switch(s, who);
	while (n > 0) {
		size_t take = n < 4096 ? n : 4096;

		log_bytes(s, out, logline_feed(&s->logl, (const uint8_t *)buf, take, (uint8_t *)out, sizeof out));
		buf += take;
		n -= take;
	}
	s->log_fed_mid = buf[-1] != '\n';
}

void log_end(struct sup *s)
{
	log_held(s);
}

static void log_write(struct sup *s, const char *buf, size_t n)
{
	if (n)
		log_guest(s, LOG_CONSOLE, buf, n);
}

void log_session(struct sup *s, uint32_t sid, bool err, const uint8_t *p, size_t n)
{
	uint64_t who = (uint64_t)sid << 1 | err;
	char mark[32];
	int ml = snprintf(mark, sizeof mark, "[exec %u%s] ", (unsigned)sid, err ? " err" : "");

	while (n > 0) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;

		/* a line of its own starts with the session's mark (what the
		 * guest fed, held back or not, says where its line is) */
		if (s->log_who != who || !s->log_fed_mid)
			log_write_as(s, who, mark, (size_t)ml);
		log_guest(s, who, (const char *)p, take);
		p += take;
		n -= take;
	}
}

/* A line of pool's own, on a line of its own. */
static void log_pool_line(struct sup *s, const char *line)
{
	char buf[700];
	int n = snprintf(buf, sizeof buf, "pool: %s\r\n", line);

	if (n > 0)
		log_write_as(s, LOG_POOL, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void log_note(struct sup *s, const char *line)
{
	log_pool_line(s, line);
}

void console_note(struct sup *s, const char *line)
{
	log_pool_line(s, line);
	/* pool up's terminal is raw: its own line ending */
	fprintf(stderr, "pool: %s%s\n", line, s->req->argv ? "" : "\r");
}

/* The last few console lines, made printable, for an error message. */
void tail_lines(const struct sup *s, char *out, size_t cap, int lines)
{
	size_t start = s->tail_len, o = 0;
	int seen = 0;

	while (start > 0) {
		if (s->tail[start - 1] == '\n' && start != s->tail_len && ++seen > lines)
			break;
		start--;
	}
	for (size_t i = start; i < s->tail_len && o + 2 < cap; i++) {
		unsigned char c = (unsigned char)s->tail[i];

		if (c == '\r')
			continue;
		out[o++] = (c == '\n' || (c >= 32 && c < 127)) ? (char)c : '?';
	}
	while (o > 0 && out[o - 1] == '\n')
		o--;
	out[o] = '\0';
}

/* pool up: the queries the user's terminal did not see (the filter
 * dropped them) get pool's answers (termout.c), typed into the console
 * ahead of what the user types next: nushell asks for the cursor
 * position before every prompt and would wait 2 s each time. */
static void answer_queries(struct sup *s)
{
	uint8_t a[TERMOUT_ANSWERS_MAX];
	size_t n = termout_answers(&s->out[0], TERMFILTER_QUERIES_MAX, a, sizeof a);

	if (n && s->con >= 0 && n <= sizeof s->conq - s->conq_len) {
		memcpy(s->conq + s->conq_len, a, n);
		s->conq_len += n;
	}
}

/* What the console printed, to its log, the user and an attached console. */
static void console_show(struct sup *s, const char *buf, size_t n)
{
	if (n == 0)
		return;
	tail_add(s, buf, n);
	log_write(s, buf, n);
	if (!s->req->argv && !s->req->detached) {	/* pool up: the console is the user's */
		termout_write(&s->out[0], buf, n);
		answer_queries(s);
	}
	if (s->console_cl >= 0)
		ctl_send_to(s, &s->cl[s->console_cl], CTL_MSG_CONSOLE, 0, buf, n);
}

/* The kernel's line on every boot of a microvm (it has no PCI, and says
 * so at error level): dropped while the machine boots. Until then the
 * console is passed on a whole line at a time; once the line is gone or
 * the agent is ready, everything as it comes. */
#define BOOT_NOISE "PCI: Fatal: No config space access function found"

void console_booted(struct sup *s)
{
	if (s->boot_quiet)
		return;
	s->boot_quiet = true;
	console_show(s, s->boot_line, s->boot_line_len);
	s->boot_line_len = 0;
}

static void console_boot(struct sup *s, const char *buf, size_t n)
{
	while (n > 0 && !s->boot_quiet) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) + 1 : n;

		if (take > sizeof s->boot_line - s->boot_line_len) {
			console_booted(s);	/* no line of the kernel's: stop looking */
			break;
		}
		memcpy(s->boot_line + s->boot_line_len, buf, take);
		s->boot_line_len += take;
		buf += take;
		n -= take;
		if (!nl)
			return;	/* the rest of the line comes later */
		if (memmem(s->boot_line, s->boot_line_len, BOOT_NOISE, sizeof BOOT_NOISE - 1)) {
			s->boot_line_len = 0;
			console_booted(s);
		} else {
			console_show(s, s->boot_line, s->boot_line_len);
			s->boot_line_len = 0;
		}
	}
	console_show(s, buf, n);
}

/* Read what the console has; all of it when drain is set. */
void console_in(struct sup *s, bool drain)
{
	char buf[16384];

	do {
		ssize_t n = read(s->con, buf, sizeof buf);
		bool gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);

		if (gone)
			console_booted(s);
		if (n <= 0) {
			if (gone) {
				close(s->con);
				s->con = -1;
			}
			return;
		}
		console_boot(s, buf, (size_t)n);
	} while (drain);
}

/* Typed input to the console, without blocking and without losing any. */
void console_out(struct sup *s)
{
	while (s->conq_len && s->con >= 0) {
		ssize_t n = write(s->con, s->conq, s->conq_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				s->conq_len = 0;
			return;
		}
		memmove(s->conq, s->conq + n, s->conq_len - (size_t)n);
		s->conq_len -= (size_t)n;
	}
}

/* QEMU's own messages: into qemu.log, bounded. */
void qemu_err_in(struct sup *s)
{
	char buf[4096];
	ssize_t n = read(s->qemu_err, buf, sizeof buf);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(s->qemu_err);
			s->qemu_err = -1;
		}
		return;
	}
	if (s->qemu_log_size + (size_t)n <= QEMU_LOG_MAX && write_all(s->qemu_log_fd, buf, (size_t)n) == 0)
		s->qemu_log_size += (size_t)n;
	/* Its last line, for the error when it ends. */
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (s->qemu_cur_len + 1 < sizeof s->qemu_cur)
				s->qemu_cur[s->qemu_cur_len++] = (buf[i] >= 32 && buf[i] < 127) ? buf[i] : '?';
		} else if (s->qemu_cur_len) {
			memcpy(s->qemu_last, s->qemu_cur, s->qemu_cur_len);
			s->qemu_last[s->qemu_cur_len] = '\0';
			s->qemu_cur_len = 0;
		}
	}
}
