/* fuzz-agent.c - agent frames: the stream reassembler against a one-shot parse, and every payload decoder (WINSIZE and EXEC's window size, MESH_FILES too). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/common/agent_msg.h"
#include "src/common/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/check.h"

static struct frame_reader reader;
static uint8_t scratch[FRAME_MAX];
static uint8_t repeated[3 * FRAME_MAX];

/* A decoder that accepts must be the exact inverse of its encoder. */
static void check_exec(const uint8_t *p, size_t n)
{
	struct agent_exec x;
	const char *why = NULL;
	size_t i;
	long m;

	if (agent_exec_decode(p, n, &x, &why) < 0) {
		CHECK(why != NULL);
		CHECK(x.argv == NULL && x.env == NULL);
		return;
	}
	CHECK(x.argc >= 1 && x.argc + x.envc <= AGENT_ARGS_MAX);
	CHECK(x.argv[x.argc] == NULL && x.env[x.envc] == NULL);
	CHECK(x.argv[0][0] != '\0');
	for (i = 0; i < x.envc; i++)
		CHECK((const uint8_t *)x.env[i] >= p && (const uint8_t *)x.env[i] < p + n);
	CHECK(frame_payload_check(AGENT_EXEC, p, n, &why) == 0);
	if (x.flags & AGENT_EXEC_WINSIZE)
		CHECK((x.flags & AGENT_EXEC_TTY) && x.ws.rows >= 1 && x.ws.rows <= AGENT_WINSIZE_MAX &&
		      x.ws.cols >= 1 && x.ws.cols <= AGENT_WINSIZE_MAX);
	m = agent_exec_encode(scratch, sizeof(scratch), &x);
	CHECK(m >= 0 && (size_t)m == n);
	CHECK(memcmp(scratch, p, n) == 0);
	agent_exec_free(&x);
}

static void check_mesh_files(const uint8_t *p, size_t n)
{
	struct agent_mesh_files f;
	const char *why = NULL;
	long m;

	if (agent_mesh_files_decode(p, n, &f, &why) < 0) {
		CHECK(why != NULL);
		CHECK(f.data[0] == NULL);
		return;
	}
	CHECK(f.signed_at >= 1 && f.signed_at <= AGENT_MESH_TIME_MAX);
	for (unsigned i = 0; i < AGENT_MESH_NFILES; i++) {
		CHECK(f.len[i] >= 1 && f.len[i] <= AGENT_MESH_FILE_MAX);
		CHECK(f.data[i] >= p && f.data[i] + f.len[i] <= p + n);
		CHECK(!memchr(f.data[i], 0, f.len[i]));
	}
	CHECK(memcmp(f.data[AGENT_MESH_KEY], AGENT_MESH_KEY_BEGIN, strlen(AGENT_MESH_KEY_BEGIN)) == 0);
	m = agent_mesh_files_encode(scratch, sizeof(scratch), &f);
	CHECK(m >= 0 && (size_t)m == n);
	CHECK(memcmp(scratch, p, n) == 0);
}

static void check_payload(const struct frame_hdr *h, const uint8_t *p)
{
	const char *why = NULL;
	int ok = frame_payload_check(h->type, p, h->len, &why) == 0;

	CHECK(ok || why != NULL);
	CHECK(frame_type_name(h->type)[0] != '?');
	switch (h->type) {
	case AGENT_EXEC:
		check_exec(p, h->len);
		break;
	case AGENT_READY: {
		struct agent_ready r;

		CHECK(agent_ready_decode(p, h->len, &r, &why) == 0);
		agent_ready_encode(scratch, &r);
		CHECK(memcmp(scratch, p, AGENT_READY_LEN) == 0);
		break;
	}
	case AGENT_EXIT: {
		int st = -1;

		if (agent_exit_decode(p, h->len, &st, &why) == 0) {
			CHECK(ok && st >= 0 && st <= 255);
			CHECK(agent_exit_encode(scratch, st) == 0);
			CHECK(memcmp(scratch, p, AGENT_EXIT_LEN) == 0);
		} else {
			CHECK(!ok);
		}
		break;
	}
	case AGENT_SHUTDOWN: {
		unsigned mode;

		CHECK((agent_shutdown_decode(p, h->len, &mode, &why) == 0) == ok);
		break;
	}
	case AGENT_ERROR:
	case CTL_MSG_STATUS:
		CHECK(ok == (h->len == 0 || !memchr(p, 0, h->len)));
		break;
	case CTL_MSG_DOWN:
		CHECK(ok == (((unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
			      (unsigned)p[2] << 8 | p[3]) <= CTL_DOWN_MAX_S));
		break;
	case AGENT_MESH_FILES: {
		struct agent_mesh_files f;

		CHECK(ok == (agent_mesh_files_decode(p, h->len, &f, &why) == 0));
		check_mesh_files(p, h->len);
		break;
	}
	case AGENT_SIGNAL: {
		unsigned sig = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];

		CHECK(ok == (sig >= 1 && sig <= AGENT_SIGNAL_MAX));
		break;
	}
	case AGENT_WINSIZE: {
		struct agent_winsize w = { 0, 0 };

		CHECK((agent_winsize_decode(p, h->len, &w, &why) == 0) == ok);
		if (ok) {
			CHECK(w.rows >= 1 && w.rows <= AGENT_WINSIZE_MAX && w.cols >= 1 &&
			      w.cols <= AGENT_WINSIZE_MAX);
			CHECK(agent_winsize_encode(scratch, &w) == 0);
			CHECK(memcmp(scratch, p, AGENT_WINSIZE_LEN) == 0);
		}
		break;
	}
	default:
		CHECK(ok);
	}
}

/* data as a stream, in chunks whose sizes the data picks: the byte at the
 * start of each chunk. Every frame the reader gives out must be the one a
 * straight parse of the whole stream finds. */
static void run_stream(const uint8_t *data, size_t size)
{
	size_t pos = 0, ref = 0;
	struct frame_hdr rh;
	const char *why;
	int failed = 0;

	frame_reader_init(&reader);
	while (pos < size && !failed) {
		uint8_t b = data[pos];
		size_t n = b < 0xf0 ? 1 + (b & 0x3fu) : 1 + (b & 0x0fu) * 8191u;

		if (n > size - pos)
			n = size - pos;
		while (n > 0 && !failed) {
			size_t took = frame_reader_feed(&reader, data + pos, n);
			struct frame_hdr h;
			const uint8_t *p;
			size_t frames = 0;
			int rc;

			CHECK(took <= n);
			pos += took;
			n -= took;
			while ((rc = frame_reader_next(&reader, &h, &p, &why)) == 1) {
				CHECK(h.len <= FRAME_PAYLOAD_MAX);
				CHECK(p >= reader.buf && p + h.len <= reader.buf + sizeof(reader.buf));
				CHECK(frame_hdr_decode(data + ref, size - ref, &rh, &why) == 0);
				CHECK(rh.len == h.len && rh.type == h.type && rh.sid == h.sid && rh.flags == 0);
				CHECK(size - ref - FRAME_HDR_LEN >= h.len);
				CHECK(memcmp(p, data + ref + FRAME_HDR_LEN, h.len) == 0);
				ref += FRAME_HDR_LEN + h.len;
				check_payload(&h, p);
				frames++;
			}
			if (rc < 0) {
				CHECK(why != NULL);
				CHECK(size - ref >= FRAME_HDR_LEN);
				CHECK(frame_hdr_decode(data + ref, size - ref, &rh, &why) < 0);
				CHECK(frame_reader_feed(&reader, data, size) == 0);
				failed = 1;
			} else {
				/* full, yet no whole frame: must never happen */
				CHECK(took > 0 || frames > 0);
			}
		}
	}
	if (!failed && size - ref >= FRAME_HDR_LEN) {
		/* what is left is one incomplete frame with a good header */
		CHECK(frame_hdr_decode(data + ref, size - ref, &rh, &why) == 0);
		CHECK(size - ref - FRAME_HDR_LEN < rh.len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;

	/* The raw input as an EXEC payload, and as MESH_FILES. */
	check_exec(data, size);
	check_mesh_files(data, size);

	run_stream(data, size);

	/* Inputs stay small, but the reader only has to make room once its
	 * 64 KiB are nearly full: when the last byte says so, also run the
	 * input repeated over three frames' worth. */
	if (size == 0 || !(data[size - 1] & 0x80))
		return 0;
	for (n = 0; n < sizeof(repeated); n += size)
		memcpy(repeated + n, data, size < sizeof(repeated) - n ? size : sizeof(repeated) - n);
	run_stream(repeated, sizeof(repeated));
	return 0;
}

#include "tests/fuzz/replay.h"
