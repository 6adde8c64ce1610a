/* agent.c - the host's end of the agent connection: frames in, frames out.
 * Everything read here comes from the guest and is checked as hostile. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

#define OUT_MAX (8u << 20)

void agent_conn_init(struct agent_conn *a, int fd)
{
	memset(a, 0, sizeof *a);
	a->fd = fd;
	frame_reader_init(&a->rd);
}

void agent_conn_free(struct agent_conn *a)
{
	free(a->out);
	a->out = NULL;
	a->outlen = a->outcap = 0;
}

static int reserve(struct agent_conn *a, size_t n, struct pool_err *e)
{
	if (a->outlen + n <= a->outcap)
		return 0;
	if (a->outlen + n > OUT_MAX)
		return pool_err_fail(e, "agent: the guest is not reading (%zu bytes queued)", a->outlen);
	size_t cap = a->outcap ? a->outcap : 65536;
	while (cap < a->outlen + n)
		cap *= 2;
	uint8_t *nb = realloc(a->out, cap);
	if (!nb)
		return pool_err_sys(e, "agent");
	a->out = nb;
	a->outcap = cap;
	return 0;
}

int agent_conn_send(struct agent_conn *a, uint16_t type, uint32_t sid, const void *p,
		    size_t n, struct pool_err *e)
{
	long len;

	if (reserve(a, FRAME_HDR_LEN + n, e) < 0)
		return -1;
	len = frame_encode(a->out + a->outlen, a->outcap - a->outlen, type, sid, p, n);
	if (len < 0)
		return pool_err_fail(e, "agent: frame of %zu bytes does not fit", n);
	a->outlen += (size_t)len;
	return 0;
}

int agent_conn_send_exec(struct agent_conn *a, uint32_t sid, const struct agent_exec *x,
			 struct pool_err *e)
{
	_cleanup_free_ uint8_t *buf = malloc(FRAME_PAYLOAD_MAX);
	long n;

	if (!buf)
		return pool_err_sys(e, "agent");
	n = agent_exec_encode(buf, FRAME_PAYLOAD_MAX, x);
	if (n < 0)
		return pool_err_usage(e, "the command and its environment do not fit in %u bytes",
				      FRAME_PAYLOAD_MAX);
	return agent_conn_send(a, AGENT_EXEC, sid, buf, (size_t)n, e);
}

int agent_conn_flush(struct agent_conn *a, struct pool_err *e)
{
	size_t off = 0;

	while (off < a->outlen) {
		ssize_t n = write(a->fd, a->out + off, a->outlen - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return pool_err_sys(e, "agent: write");
		}
		off += (size_t)n;
	}
	memmove(a->out, a->out + off, a->outlen - off);
	a->outlen -= off;
	return 0;
}

int agent_conn_read(struct agent_conn *a, agent_frame_fn fn, void *ctx, struct pool_err *e)
{
	uint8_t buf[65536];
	ssize_t n = read(a->fd, buf, sizeof buf);
	size_t off = 0;

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		return pool_err_sys(e, "agent: read");
	}
	if (n == 0)
		return 1;
	while (off < (size_t)n) {
		struct frame_hdr h;
		const uint8_t *payload;
		const char *why;
		int got;

		off += frame_reader_feed(&a->rd, buf + off, (size_t)n - off);
		while ((got = frame_reader_next(&a->rd, &h, &payload, &why)) == 1) {
			if (h.type == AGENT_READY) {
				if (agent_ready_decode(payload, h.len, &a->times, &why) < 0)
					return pool_err_fail(e, "agent: bad READY from the guest: %s", why);
				a->ready = true;
			}
			if (fn(ctx, &h, payload) < 0)
				return -1;
		}
		if (got < 0)
			return pool_err_fail(e, "agent: bad frame from the guest: %s", why);
	}
	return 0;
}
