/* frame.c - frame headers, the stream reassembler and the per-type payload
 * checks (libc only: also in pool-init). */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

#include "agent_msg.h"
#include "be.h"

const char *frame_type_name(unsigned type)
{
	static const char *const names[] = {
		[AGENT_READY] = "READY",
		[AGENT_EXEC] = "EXEC",
		[AGENT_STDIN] = "STDIN",
		[AGENT_STDOUT] = "STDOUT",
		[AGENT_STDERR] = "STDERR",
		[AGENT_EXIT] = "EXIT",
		[AGENT_SHUTDOWN] = "SHUTDOWN",
		[AGENT_ERROR] = "ERROR",
		[CTL_MSG_STATUS] = "STATUS",
		[CTL_MSG_CONSOLE] = "CONSOLE",
		[CTL_MSG_DOWN] = "DOWN",
		[AGENT_SIGNAL] = "SIGNAL",
		[CTL_MSG_CLAIM] = "CLAIM",
		[AGENT_WINSIZE] = "WINSIZE",
		[AGENT_MESH_FILES] = "MESH_FILES",
	};

	if (type == 0 || type > FRAME_TYPE_MAX)
		return "?";
	return names[type];
}

/* The payload length rules that the header alone can check. */
static int len_check(unsigned type, size_t len, const char **why)
{
	switch (type) {
	case AGENT_READY:
		if (len != AGENT_READY_LEN) {
			*why = "READY payload is not 24 bytes";
			return -1;
		}
		return 0;
	case AGENT_EXEC:
		if (len < AGENT_EXEC_FIXED_LEN) {
			*why = "EXEC payload shorter than 6 bytes";
			return -1;
		}
		return 0;
	case AGENT_EXIT:
		if (len != AGENT_EXIT_LEN) {
			*why = "EXIT payload is not 4 bytes";
			return -1;
		}
		return 0;
	case AGENT_SHUTDOWN:
		if (len != AGENT_SHUTDOWN_LEN) {
			*why = "SHUTDOWN payload is not 1 byte";
			return -1;
		}
		return 0;
	case CTL_MSG_DOWN:
		if (len != CTL_DOWN_LEN) {
			*why = "DOWN payload is not 4 bytes";
			return -1;
		}
		return 0;
	case CTL_MSG_CLAIM:
		if (len != CTL_CLAIM_LEN) {
			*why = "CLAIM payload is not 33 bytes";
			return -1;
		}
		return 0;
	case AGENT_SIGNAL:
		if (len != AGENT_SIGNAL_LEN) {
			*why = "SIGNAL payload is not 4 bytes";
			return -1;
		}
		return 0;
	case AGENT_WINSIZE:
		if (len != AGENT_WINSIZE_LEN) {
			*why = "WINSIZE payload is not 4 bytes";
			return -1;
		}
		return 0;
	case AGENT_MESH_FILES:
		if (len < AGENT_MESH_FILES_MIN_LEN) {
			*why = "MESH_FILES payload shorter than 28 bytes";
			return -1;
		}
		return 0;
	case AGENT_STDIN:
	case AGENT_STDOUT:
	case AGENT_STDERR:
	case AGENT_ERROR:
	case CTL_MSG_STATUS:
	case CTL_MSG_CONSOLE:
		return 0;
	default:
		*why = "unknown frame type";
		return -1;
	}
}

void frame_hdr_encode(uint8_t out[FRAME_HDR_LEN], const struct frame_hdr *h)
{
	put_be32(out, h->len);
	put_be16(out + 4, h->type);
	put_be16(out + 6, h->flags);
	put_be32(out + 8, h->sid);
}

int frame_hdr_decode(const uint8_t *buf, size_t n, struct frame_hdr *h, const char **why)
{
	struct frame_hdr d;

	if (n < FRAME_HDR_LEN) {
		*why = "frame header truncated";
		return -1;
	}
	d.len = get_be32(buf);
	d.type = get_be16(buf + 4);
	d.flags = get_be16(buf + 6);
	d.sid = get_be32(buf + 8);
	if (d.type == 0 || d.type > FRAME_TYPE_MAX) {
		*why = "unknown frame type";
		return -1;
	}
	if (d.flags != 0) {
		*why = "reserved frame flags set";
		return -1;
	}
	if (d.len > FRAME_PAYLOAD_MAX) {
		*why = "frame payload too long";
		return -1;
	}
	if (len_check(d.type, d.len, why) < 0)
		return -1;
	if ((d.type == AGENT_READY || d.type == AGENT_SHUTDOWN || d.type == CTL_MSG_STATUS ||
	     d.type == CTL_MSG_CONSOLE || d.type == CTL_MSG_DOWN || d.type == CTL_MSG_CLAIM ||
	     d.type == AGENT_MESH_FILES) && d.sid != 0) {
		*why = "READY/SHUTDOWN/STATUS/CONSOLE/DOWN/MESH_FILES frame with a session id";
		return -1;
	}
	if (d.type == AGENT_SIGNAL && d.sid == 0) {
		*why = "SIGNAL frame without a session id";
		return -1;
	}
	*h = d;
	return 0;
}

int frame_payload_check(unsigned type, const uint8_t *p, size_t n, const char **why)
{
	struct agent_mesh_files mf;
	int status;
	unsigned mode;
	struct agent_winsize ws;

	if (len_check(type, n, why) < 0)
		return -1;
	switch (type) {
	case AGENT_EXEC:
		if (p[0] & ~AGENT_EXEC_FLAGS) {
			*why = "unknown EXEC flags";
			return -1;
		}
		if (p[1] != 0) {
			*why = "reserved EXEC byte set";
			return -1;
		}
		if ((p[0] & AGENT_EXEC_WINSIZE) && !(p[0] & AGENT_EXEC_TTY)) {
			*why = "EXEC with a window size but no terminal";
			return -1;
		}
		if ((p[0] & AGENT_EXEC_WINSIZE) && n < AGENT_EXEC_FIXED_LEN + AGENT_WINSIZE_LEN) {
			*why = "EXEC shorter than its window size";
			return -1;
		}
		return 0;
	case AGENT_WINSIZE:
		return agent_winsize_decode(p, n, &ws, why);
	case AGENT_EXIT:
		return agent_exit_decode(p, n, &status, why);
	case AGENT_SHUTDOWN:
		return agent_shutdown_decode(p, n, &mode, why);
	case AGENT_MESH_FILES:
		return agent_mesh_files_decode(p, n, &mf, why);
	case AGENT_ERROR:
	case CTL_MSG_STATUS:
		if (n > 0 && memchr(p, 0, n)) {
			*why = "NUL byte in ERROR or STATUS text";
			return -1;
		}
		return 0;
	case CTL_MSG_DOWN:
		if (get_be32(p) > CTL_DOWN_MAX_S) {
			*why = "DOWN timeout past 3600 s";
			return -1;
		}
		return 0;
	case CTL_MSG_CLAIM:
		if (p[CTL_CLAIM_HASH_LEN] != CTL_CLAIM_RUN && p[CTL_CLAIM_HASH_LEN] != CTL_CLAIM_UP) {
			*why = "CLAIM: how is neither run nor up";
			return -1;
		}
		return 0;
	case AGENT_SIGNAL:
		if (get_be32(p) == 0 || get_be32(p) > AGENT_SIGNAL_MAX) {
			*why = "SIGNAL number outside 1..64";
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

void frame_reader_init(struct frame_reader *r)
{
	r->have = 0;
	r->off = 0;
	r->err = NULL;
}

size_t frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n)
{
	size_t room;

	if (r->err || n == 0)
		return 0;
	if (r->off == r->have) {
		r->off = 0;
		r->have = 0;
	} else if (r->off > 0 && sizeof(r->buf) - r->have < n) {
		memmove(r->buf, r->buf + r->off, r->have - r->off);
		r->have -= r->off;
		r->off = 0;
	}
	room = sizeof(r->buf) - r->have;
	if (n > room)
		n = room;
	if (n > 0) {
		memcpy(r->buf + r->have, p, n);
		r->have += n;
	}
	return n;
}

int frame_reader_next(struct frame_reader *r, struct frame_hdr *h,
		      const uint8_t **payload, const char **why)
{
	struct frame_hdr d;
	size_t avail;

	if (r->err) {
		*why = r->err;
		return -1;
	}
	avail = r->have - r->off;
	if (avail < FRAME_HDR_LEN)
		return 0;
	if (frame_hdr_decode(r->buf + r->off, avail, &d, why) < 0) {
		r->err = *why;
		return -1;
	}
	/* d.len <= FRAME_PAYLOAD_MAX: no overflow. */
	if (avail - FRAME_HDR_LEN < d.len)
		return 0;
	*h = d;
	*payload = r->buf + r->off + FRAME_HDR_LEN;
	r->off += FRAME_HDR_LEN + d.len;
	return 1;
}

long frame_encode(uint8_t *out, size_t cap, uint16_t type, uint32_t sid,
			const void *payload, size_t len)
{
	struct frame_hdr h = { .type = type, .flags = 0, .sid = sid };

	if (len > FRAME_PAYLOAD_MAX || cap < FRAME_HDR_LEN || cap - FRAME_HDR_LEN < len)
		return -1;
	h.len = (uint32_t)len;
	frame_hdr_encode(out, &h);
	if (len > 0)
		memmove(out + FRAME_HDR_LEN, payload, len);
	return (long)(FRAME_HDR_LEN + len);
}

/* argv[0] must not be empty; env entries are KEY=VALUE with a key. */
