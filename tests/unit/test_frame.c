/* test_frame.c - frames: codecs, header rejects, stream reassembly, EXEC rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/common/agent_msg.h"
#include "src/common/frame.h"
#include "tests/unit/main.h"

/* Deterministic PRNG (xorshift64*) so a failure replays the same way. */
static uint64_t rng_state;

static void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ull;
}

static uint32_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static struct frame_reader *new_reader(void)
{
	struct frame_reader *r = malloc(sizeof(*r));

	assert_non_null(r);
	frame_reader_init(r);
	return r;
}

/* Feeds all of p (taking frames out whenever the reader is full) and
 * returns the next frame result, for single-frame tests. */
static int feed_all_next(struct frame_reader *r, const uint8_t *p, size_t n,
			 struct frame_hdr *h, const uint8_t **pl, const char **why)
{
	size_t took = frame_reader_feed(r, p, n);

	assert_int_equal(took, n);
	return frame_reader_next(r, h, pl, why);
}

/* ---- header ---- */

static void test_hdr_wire_format(void **state)
{
	/* Hand-written bytes: the format is big-endian on the wire. */
	static const uint8_t wire[FRAME_HDR_LEN] = {
		0x00, 0x00, 0x01, 0x02,	/* len 258 */
		0x00, 0x04,		/* STDOUT */
		0x00, 0x00,		/* flags */
		0xa1, 0xb2, 0xc3, 0xd4,	/* sid */
	};
	struct frame_hdr h = { 0 };
	uint8_t out[FRAME_HDR_LEN];
	const char *why = NULL;

	(void)state;
	assert_int_equal(frame_hdr_decode(wire, sizeof(wire), &h, &why), 0);
	assert_int_equal(h.len, 258);
	assert_int_equal(h.type, AGENT_STDOUT);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.sid, 0xa1b2c3d4u);
	frame_hdr_encode(out, &h);
	assert_memory_equal(out, wire, sizeof(wire));
}

/* A header's fields, good or bad. */
struct bad_hdr {
	uint32_t len;
	uint16_t type, flags;
	uint32_t sid;
};

/* Encode c as *h, decode that into *out: what frame_hdr_decode says. */
static int hdr_roundtrip(const struct bad_hdr *c, struct frame_hdr *h, struct frame_hdr *out,
			 const char **why)
{
	uint8_t buf[FRAME_HDR_LEN];

	*h = (struct frame_hdr){ .len = c->len, .type = c->type, .flags = c->flags, .sid = c->sid };
	*out = (struct frame_hdr){ 0 };
	frame_hdr_encode(buf, h);
	return frame_hdr_decode(buf, sizeof(buf), out, why);
}

static void test_hdr_rejects(void **state)
{
	static const struct bad_hdr bad[] = {
		{ 0, 0, 0, 1 },				/* type 0 */
		{ 0, FRAME_TYPE_MAX + 1, 0, 1 },	/* type past the last */
		{ 0, 0xffff, 0, 1 },
		{ 0, 0x0100 | AGENT_STDOUT, 0, 1 },	/* type bytes swapped */
		{ 0, AGENT_STDOUT, 1, 1 },		/* flags */
		{ 0, AGENT_STDOUT, 0x8000, 1 },
		{ FRAME_PAYLOAD_MAX + 1, AGENT_STDOUT, 0, 1 },
		{ 0xffffffffu, AGENT_STDIN, 0, 1 },
		{ AGENT_READY_LEN - 1, AGENT_READY, 0, 0 },
		{ AGENT_READY_LEN + 1, AGENT_READY, 0, 0 },
		{ AGENT_READY_LEN, AGENT_READY, 0, 7 },	/* READY with a sid */
		{ 3, AGENT_EXIT, 0, 1 },
		{ 5, AGENT_EXIT, 0, 1 },
		{ 0, AGENT_SHUTDOWN, 0, 0 },
		{ 2, AGENT_SHUTDOWN, 0, 0 },
		{ 1, AGENT_SHUTDOWN, 0, 1 },		/* SHUTDOWN with a sid */
		{ 5, AGENT_EXEC, 0, 1 },
		{ 0, AGENT_EXEC, 0, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame_hdr h, out;
		const char *why = NULL;

		if (hdr_roundtrip(&bad[i], &h, &out, &why) != -1)
			fail_msg("bad header %zu accepted", i);
		assert_non_null(why);
	}
}

static void test_hdr_accepts_bounds(void **state)
{
	static const struct bad_hdr good[] = {
		{ FRAME_PAYLOAD_MAX, AGENT_STDOUT, 0, 1 },
		{ 0, AGENT_STDIN, 0, 1 },
		{ 0, AGENT_ERROR, 0, 0 },
		{ AGENT_READY_LEN, AGENT_READY, 0, 0 },
		{ AGENT_EXIT_LEN, AGENT_EXIT, 0, 0xffffffffu },
		{ AGENT_SHUTDOWN_LEN, AGENT_SHUTDOWN, 0, 0 },
		{ AGENT_EXEC_FIXED_LEN, AGENT_EXEC, 0, 1 },
		{ FRAME_PAYLOAD_MAX, AGENT_EXEC, 0, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct frame_hdr h, out;
		const char *why = NULL;

		if (hdr_roundtrip(&good[i], &h, &out, &why) != 0)
			fail_msg("good header %zu rejected: %s", i, why);
		assert_memory_equal(&out, &h, sizeof(h));
	}
}

static void test_hdr_short(void **state)
{
	struct frame_hdr h = { .len = 0, .type = AGENT_STDIN, .sid = 1 }, out;
	uint8_t buf[FRAME_HDR_LEN];
	const char *why = NULL;
	size_t n;

	(void)state;
	frame_hdr_encode(buf, &h);
	for (n = 0; n < FRAME_HDR_LEN; n++) {
		why = NULL;
		assert_int_equal(frame_hdr_decode(buf, n, &out, &why), -1);
		assert_non_null(why);
	}
	assert_int_equal(frame_hdr_decode(buf, FRAME_HDR_LEN, &out, &why), 0);
}

static void test_frame_encode_limits(void **state)
{
	uint8_t *big = calloc(1, FRAME_MAX + 16);
	uint8_t small[FRAME_HDR_LEN + 3];

	(void)state;
	assert_non_null(big);
	assert_int_equal(frame_encode(big, FRAME_MAX, AGENT_STDOUT, 1,
					    big + FRAME_HDR_LEN, FRAME_PAYLOAD_MAX),
			 (long)FRAME_MAX);
	assert_int_equal(frame_encode(big, FRAME_MAX + 16, AGENT_STDOUT, 1,
					    big, FRAME_PAYLOAD_MAX + 1), -1);
	assert_int_equal(frame_encode(small, sizeof(small), AGENT_STDIN, 1, "abcd", 4), -1);
	assert_int_equal(frame_encode(small, sizeof(small), AGENT_STDIN, 1, "abc", 3),
			 (long)sizeof(small));
	assert_int_equal(frame_encode(small, FRAME_HDR_LEN - 1, AGENT_STDIN, 1, NULL, 0), -1);
	free(big);
}

/* ---- round trips, one per type, through encode -> reader -> decode ---- */

static void test_roundtrip_ready(void **state)
{
	struct agent_ready in = { 123456789ull, 0x0102030405060708ull, UINT64_MAX }, out;
	uint8_t pl[AGENT_READY_LEN], fr[64];
	struct frame_reader *r = new_reader();
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	long n;

	(void)state;
	agent_ready_encode(pl, &in);
	/* be64: most significant byte first */
	assert_int_equal(pl[8], 0x01);
	assert_int_equal(pl[15], 0x08);
	n = frame_encode(fr, sizeof(fr), AGENT_READY, 0, pl, sizeof(pl));
	assert_int_equal(n, FRAME_HDR_LEN + AGENT_READY_LEN);
	assert_int_equal(feed_all_next(r, fr, (size_t)n, &h, &p, &why), 1);
	assert_int_equal(h.type, AGENT_READY);
	assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
	assert_int_equal(agent_ready_decode(p, h.len, &out, &why), 0);
	assert_true(out.init_ns == in.init_ns);
	assert_true(out.modules_ns == in.modules_ns);
	assert_true(out.ready_ns == in.ready_ns);
	assert_int_equal(agent_ready_decode(p, h.len - 1, &out, &why), -1);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 0);
	free(r);
}

/* pool cp's flag: it decodes, and a bit beside it still does not. */
static void test_exec_unlogged(void **state)
{
	const char *argv[] = { "tar", NULL };
	struct agent_exec in = { .flags = AGENT_EXEC_TTY | AGENT_EXEC_UNLOGGED, .cwd = "",
				 .argv = argv, .argc = 1 };
	struct agent_exec out;
	uint8_t pl[64];
	const char *why = NULL;
	long n;

	(void)state;
	n = agent_exec_encode(pl, sizeof pl, &in);
	assert_true(n > 0);
	assert_int_equal(agent_exec_decode(pl, (size_t)n, &out, &why), 0);
	assert_int_equal(out.flags, AGENT_EXEC_TTY | AGENT_EXEC_UNLOGGED);
	agent_exec_free(&out);
	assert_int_equal(frame_payload_check(AGENT_EXEC, pl, (size_t)n, &why), 0);
	pl[0] |= 0x40;
	assert_int_equal(agent_exec_decode(pl, (size_t)n, &out, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_EXEC, pl, (size_t)n, &why), -1);
	in.flags = 0x40;
	assert_int_equal(agent_exec_encode(pl, sizeof pl, &in), -1);
}

static void test_roundtrip_exec(void **state)
{
	const char *argv[] = { "/bin/sh", "-c", "echo hi", "", NULL };
	const char *env[] = { "PATH=/usr/bin:/bin", "EMPTY=", "A==b", NULL };
	struct agent_exec in = { .flags = AGENT_EXEC_TTY, .cwd = "/work",
				 .argv = argv, .argc = 4, .env = env, .envc = 3 };
	struct agent_exec out;
	uint8_t pl[256], fr[300];
	struct frame_reader *r = new_reader();
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	long n, f;
	size_t i;

	(void)state;
	n = agent_exec_encode(pl, sizeof(pl), &in);
	assert_true(n > 0);
	/* fixed part: flags, 0, be16 argc, be16 envc */
	assert_int_equal(pl[0], AGENT_EXEC_TTY);
	assert_int_equal(pl[1], 0);
	assert_int_equal(pl[2] << 8 | pl[3], 4);
	assert_int_equal(pl[4] << 8 | pl[5], 3);
	assert_string_equal((const char *)pl + 6, "/work");
	f = frame_encode(fr, sizeof(fr), AGENT_EXEC, 42, pl, (size_t)n);
	assert_true(f > 0);
	assert_int_equal(feed_all_next(r, fr, (size_t)f, &h, &p, &why), 1);
	assert_int_equal(h.type, AGENT_EXEC);
	assert_int_equal(h.sid, 42);
	assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
	if (agent_exec_decode(p, h.len, &out, &why) != 0)
		fail_msg("exec decode: %s", why);
	assert_int_equal(out.flags, AGENT_EXEC_TTY);
	assert_string_equal(out.cwd, "/work");
	assert_int_equal(out.argc, 4);
	assert_int_equal(out.envc, 3);
	for (i = 0; i < 4; i++)
		assert_string_equal(out.argv[i], argv[i]);
	assert_null(out.argv[4]);
	for (i = 0; i < 3; i++)
		assert_string_equal(out.env[i], env[i]);
	assert_null(out.env[3]);
	/* strings point into the payload, not copies */
	assert_true((const uint8_t *)out.cwd >= p && (const uint8_t *)out.cwd < p + h.len);
	assert_true((const uint8_t *)out.argv[0] >= p && (const uint8_t *)out.argv[0] < p + h.len);
	assert_true((const uint8_t *)out.env[2] >= p && (const uint8_t *)out.env[2] < p + h.len);
	agent_exec_free(&out);
	assert_null(out.argv);
	assert_null(out.env);
	free(r);
}

static void test_roundtrip_exec_minimal(void **state)
{
	const char *argv[] = { "true", NULL };
	struct agent_exec in = { .argv = argv, .argc = 1 }, out;
	static const uint8_t want[] = { 0, 0, 0, 1, 0, 0, 0, 't', 'r', 'u', 'e', 0 };
	uint8_t pl[64];
	const char *why = NULL;
	long n;

	(void)state;
	n = agent_exec_encode(pl, sizeof(pl), &in);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(pl, want, sizeof(want));
	assert_int_equal(agent_exec_decode(pl, (size_t)n, &out, &why), 0);
	assert_int_equal(out.flags, 0);
	assert_string_equal(out.cwd, "");
	assert_int_equal(out.argc, 1);
	assert_string_equal(out.argv[0], "true");
	assert_null(out.argv[1]);
	assert_int_equal(out.envc, 0);
	assert_non_null(out.env);
	assert_null(out.env[0]);
	agent_exec_free(&out);
}

static void test_roundtrip_stdio(void **state)
{
	static const uint16_t types[] = { AGENT_STDIN, AGENT_STDOUT, AGENT_STDERR };
	static const uint8_t data[] = { 0, 1, 2, 0xff, '\n', 0 };
	struct frame_reader *r = new_reader();
	uint8_t fr[64];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct frame_hdr h;
		const uint8_t *p;
		const char *why = NULL;
		long n;

		/* data, then the empty EOF frame */
		n = frame_encode(fr, sizeof(fr), types[i], 7, data, sizeof(data));
		assert_int_equal(n, FRAME_HDR_LEN + sizeof(data));
		assert_int_equal(feed_all_next(r, fr, (size_t)n, &h, &p, &why), 1);
		assert_int_equal(h.type, types[i]);
		assert_int_equal(h.sid, 7);
		assert_int_equal(h.len, sizeof(data));
		assert_memory_equal(p, data, sizeof(data));
		assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);

		n = frame_encode(fr, sizeof(fr), types[i], 7, NULL, 0);
		assert_int_equal(n, FRAME_HDR_LEN);
		assert_int_equal(feed_all_next(r, fr, (size_t)n, &h, &p, &why), 1);
		assert_int_equal(h.type, types[i]);
		assert_int_equal(h.len, 0);
		assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
	}
	free(r);
}

static void test_roundtrip_exit(void **state)
{
	static const int statuses[] = { 0, 1, 127, 128 + 9, 255 };
	struct frame_reader *r = new_reader();
	uint8_t pl[AGENT_EXIT_LEN], fr[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct frame_hdr h;
		const uint8_t *p;
		const char *why = NULL;
		int st = -1;
		long n;

		assert_int_equal(agent_exit_encode(pl, statuses[i]), 0);
		n = frame_encode(fr, sizeof(fr), AGENT_EXIT, 3, pl, sizeof(pl));
		assert_int_equal(feed_all_next(r, fr, (size_t)n, &h, &p, &why), 1);
		assert_int_equal(h.type, AGENT_EXIT);
		assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
		assert_int_equal(agent_exit_decode(p, h.len, &st, &why), 0);
		assert_int_equal(st, statuses[i]);
	}
	free(r);
}

static void test_exit_rejects(void **state)
{
	static const uint8_t big[] = { 0, 0, 1, 0 };	/* 256 */
	static const uint8_t neg[] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t ok[] = { 0, 0, 0, 255, 0 };
	uint8_t pl[AGENT_EXIT_LEN];
	const char *why = NULL;
	int st;

	(void)state;
	assert_int_equal(agent_exit_encode(pl, 256), -1);
	assert_int_equal(agent_exit_encode(pl, -1), -1);
	assert_int_equal(agent_exit_decode(big, 4, &st, &why), -1);
	assert_non_null(why);
	assert_int_equal(agent_exit_decode(neg, 4, &st, &why), -1);
	assert_int_equal(agent_exit_decode(ok, 3, &st, &why), -1);
	assert_int_equal(agent_exit_decode(ok, 5, &st, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_EXIT, big, 4, &why), -1);
	assert_int_equal(agent_exit_decode(ok, 4, &st, &why), 0);
	assert_int_equal(st, 255);
}

static void test_roundtrip_shutdown(void **state)
{
	struct frame_reader *r = new_reader();
	uint8_t fr[32], mode;
	const char *why = NULL;

	(void)state;
	for (mode = 0; mode <= 1; mode++) {
		struct frame_hdr h;
		const uint8_t *p;
		unsigned m = 99;
		long n;

		n = frame_encode(fr, sizeof(fr), AGENT_SHUTDOWN, 0, &mode, 1);
		assert_int_equal(feed_all_next(r, fr, (size_t)n, &h, &p, &why), 1);
		assert_int_equal(h.type, AGENT_SHUTDOWN);
		assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
		assert_int_equal(agent_shutdown_decode(p, h.len, &m, &why), 0);
		assert_int_equal(m, mode);
	}
	mode = 2;
	assert_int_equal(agent_shutdown_decode(&mode, 1, &(unsigned){ 0 }, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_SHUTDOWN, &mode, 1, &why), -1);
	mode = 0;
	assert_int_equal(frame_payload_check(AGENT_SHUTDOWN, &mode, 0, &why), -1);
	free(r);
}

static void test_roundtrip_error(void **state)
{
	static const char msg[] = "exec: /bin/nope: No such file or directory";
	static const uint8_t nul[] = { 'b', 'a', 0, 'd' };
	struct frame_reader *r = new_reader();
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	uint8_t fr[128];
	long n;

	(void)state;
	n = frame_encode(fr, sizeof(fr), AGENT_ERROR, 5, msg, strlen(msg));
	assert_int_equal(feed_all_next(r, fr, (size_t)n, &h, &p, &why), 1);
	assert_int_equal(h.type, AGENT_ERROR);
	assert_int_equal(h.len, strlen(msg));
	assert_memory_equal(p, msg, strlen(msg));
	assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
	why = NULL;
	assert_int_equal(frame_payload_check(AGENT_ERROR, nul, sizeof(nul), &why), -1);
	assert_non_null(why);
	assert_int_equal(frame_payload_check(AGENT_ERROR, NULL, 0, &why), 0);
	free(r);
}

static void test_payload_check_types(void **state)
{
	static const uint8_t exec_bad_flags[] = { 0x02, 0, 0, 1, 0, 0 };
	static const uint8_t exec_bad_res[] = { 0, 1, 0, 1, 0, 0 };
	static const uint8_t exec_ok[] = { 1, 0, 0, 1, 0, 0 };
	uint8_t zero[32] = { 0 };
	const char *why = NULL;

	(void)state;
	assert_int_equal(frame_payload_check(0, zero, 0, &why), -1);
	assert_int_equal(frame_payload_check(FRAME_TYPE_MAX + 1, zero, 0, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_READY, zero, 23, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_READY, zero, 24, &why), 0);
	assert_int_equal(frame_payload_check(AGENT_EXEC, zero, 5, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_EXEC, exec_bad_flags, 6, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_EXEC, exec_bad_res, 6, &why), -1);
	assert_int_equal(frame_payload_check(AGENT_EXEC, exec_ok, 6, &why), 0);
	assert_string_equal(frame_type_name(AGENT_EXEC), "EXEC");
	assert_string_equal(frame_type_name(AGENT_ERROR), "ERROR");
	assert_string_equal(frame_type_name(0), "?");
	assert_string_equal(frame_type_name(FRAME_TYPE_MAX + 1), "?");
}

/* Control-socket frames: no session id, DOWN is be32 seconds up to an hour,
 * STATUS is text, CONSOLE is bytes. */
static void test_signal_frame(void **state)
{
	uint8_t f[64], sig[4] = { 0, 0, 0, 2 };
	struct frame_hdr h;
	const char *why;
	long n;

	(void)state;
	/* a session's command gets the signal: sid required, 4 bytes, 1..64 */
	n = frame_encode(f, sizeof f, AGENT_SIGNAL, 7, sig, sizeof sig);
	assert_true(n > 0);
	assert_int_equal(frame_hdr_decode(f, (size_t)n, &h, &why), 0);
	assert_int_equal(h.type, AGENT_SIGNAL);
	assert_int_equal(frame_payload_check(AGENT_SIGNAL, sig, 4, &why), 0);
	n = frame_encode(f, sizeof f, AGENT_SIGNAL, 0, sig, sizeof sig);
	assert_true(n > 0);
	assert_int_equal(frame_hdr_decode(f, (size_t)n, &h, &why), -1);
	assert_non_null(strstr(why, "session"));
	n = frame_encode(f, sizeof f, AGENT_SIGNAL, 7, sig, 3);
	assert_int_equal(frame_hdr_decode(f, (size_t)n, &h, &why), -1);
	sig[3] = 0;
	assert_int_equal(frame_payload_check(AGENT_SIGNAL, sig, 4, &why), -1);
	sig[3] = 65;
	assert_int_equal(frame_payload_check(AGENT_SIGNAL, sig, 4, &why), -1);
	sig[3] = 64;
	assert_int_equal(frame_payload_check(AGENT_SIGNAL, sig, 4, &why), 0);
	sig[0] = 1;	/* big-endian: 0x01000040 is no signal */
	assert_int_equal(frame_payload_check(AGENT_SIGNAL, sig, 4, &why), -1);
	assert_string_equal(frame_type_name(AGENT_SIGNAL), "SIGNAL");
}

/* WINSIZE: exactly 4 bytes, rows and columns 1..9999, any session (0 is
 * the console); and EXEC carrying one beside its terminal flag. */
static void test_winsize_frame(void **state)
{
	struct agent_winsize w = { .rows = 24, .cols = 80 }, got = { 0, 0 };
	uint8_t pl[AGENT_WINSIZE_LEN], f[64];
	struct frame_hdr h;
	const char *why = NULL;
	long n;

	(void)state;
	assert_int_equal(agent_winsize_encode(pl, &w), 0);
	/* big-endian on the wire */
	assert_int_equal(pl[0] << 8 | pl[1], 24);
	assert_int_equal(pl[2] << 8 | pl[3], 80);
	assert_int_equal(agent_winsize_decode(pl, sizeof pl, &got, &why), 0);
	assert_int_equal(got.rows, 24);
	assert_int_equal(got.cols, 80);
	assert_int_equal(frame_payload_check(AGENT_WINSIZE, pl, sizeof pl, &why), 0);
	for (uint32_t sid = 0; sid < 3; sid++) {
		n = frame_encode(f, sizeof f, AGENT_WINSIZE, sid, pl, sizeof pl);
		assert_true(n > 0);
		assert_int_equal(frame_hdr_decode(f, (size_t)n, &h, &why), 0);
		assert_int_equal(h.type, AGENT_WINSIZE);
	}
	n = frame_encode(f, sizeof f, AGENT_WINSIZE, 1, pl, 3);
	assert_int_equal(frame_hdr_decode(f, (size_t)n, &h, &why), -1);
	n = frame_encode(f, sizeof f, AGENT_WINSIZE, 1, "12345", 5);
	assert_int_equal(frame_hdr_decode(f, (size_t)n, &h, &why), -1);
	assert_int_equal(agent_winsize_decode(pl, 3, &got, &why), -1);
	/* the bounds, each side */
	{
		static const struct { uint16_t r, c; int ok; } cases[] = {
			{ 1, 1, 0 }, { 9999, 9999, 0 }, { 0, 80, -1 }, { 24, 0, -1 },
			{ 10000, 80, -1 }, { 24, 10000, -1 }, { 65535, 65535, -1 },
		};

		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			struct agent_winsize c = { cases[i].r, cases[i].c };

			pl[0] = (uint8_t)(c.rows >> 8);
			pl[1] = (uint8_t)c.rows;
			pl[2] = (uint8_t)(c.cols >> 8);
			pl[3] = (uint8_t)c.cols;
			assert_int_equal(agent_winsize_decode(pl, sizeof pl, &got, &why), cases[i].ok);
			assert_int_equal(frame_payload_check(AGENT_WINSIZE, pl, sizeof pl, &why), cases[i].ok);
			assert_int_equal(agent_winsize_encode(f, &c), cases[i].ok);
		}
	}
	assert_string_equal(frame_type_name(AGENT_WINSIZE), "WINSIZE");
}

static void test_exec_winsize(void **state)
{
	const char *argv[] = { "sh", NULL };
	struct agent_exec in = { .flags = AGENT_EXEC_TTY | AGENT_EXEC_WINSIZE, .ws = { 50, 132 },
				 .cwd = "/w", .argv = argv, .argc = 1 };
	struct agent_exec out;
	uint8_t pl[64];
	const char *why = NULL;
	long n;

	(void)state;
	n = agent_exec_encode(pl, sizeof pl, &in);
	/* 6 fixed, 4 of size, "/w\0sh\0" */
	assert_int_equal(n, 6 + 4 + 3 + 3);
	assert_int_equal(pl[6] << 8 | pl[7], 50);
	assert_int_equal(pl[8] << 8 | pl[9], 132);
	assert_string_equal((const char *)pl + 10, "/w");
	assert_int_equal(frame_payload_check(AGENT_EXEC, pl, (size_t)n, &why), 0);
	if (agent_exec_decode(pl, (size_t)n, &out, &why) != 0)
		fail_msg("exec decode: %s", why);
	assert_int_equal(out.flags, AGENT_EXEC_TTY | AGENT_EXEC_WINSIZE);
	assert_int_equal(out.ws.rows, 50);
	assert_int_equal(out.ws.cols, 132);
	assert_string_equal(out.cwd, "/w");
	assert_string_equal(out.argv[0], "sh");
	agent_exec_free(&out);

	/* a size without a terminal: refused both ways */
	pl[0] = AGENT_EXEC_WINSIZE;
	assert_int_equal(agent_exec_decode(pl, (size_t)n, &out, &why), -1);
	assert_non_null(strstr(why, "no terminal"));
	assert_int_equal(frame_payload_check(AGENT_EXEC, pl, (size_t)n, &why), -1);
	in.flags = AGENT_EXEC_WINSIZE;
	assert_int_equal(agent_exec_encode(pl, sizeof pl, &in), -1);
	/* a size out of bounds */
	in.flags = AGENT_EXEC_TTY | AGENT_EXEC_WINSIZE;
	in.ws.rows = 0;
	assert_int_equal(agent_exec_encode(pl, sizeof pl, &in), -1);
	in.ws.rows = 50;
	n = agent_exec_encode(pl, sizeof pl, &in);
	pl[8] = 0x27;	/* 0x2710 = 10000 columns */
	pl[9] = 0x10;
	assert_int_equal(agent_exec_decode(pl, (size_t)n, &out, &why), -1);
	/* cut inside the size: 6..9 bytes */
	for (size_t k = 6; k < 10; k++) {
		assert_int_equal(agent_exec_decode(pl, k, &out, &why), -1);
		assert_int_equal(frame_payload_check(AGENT_EXEC, pl, k, &why), -1);
	}
	/* the terminal alone, without a size, is still the old layout */
	in.flags = AGENT_EXEC_TTY;
	n = agent_exec_encode(pl, sizeof pl, &in);
	assert_int_equal(n, 6 + 3 + 3);
	assert_int_equal(agent_exec_decode(pl, (size_t)n, &out, &why), 0);
	assert_int_equal(out.ws.rows, 0);
	agent_exec_free(&out);
}

static void test_ctl_frames(void **state)
{
	static const struct bad_hdr bad[] = {
		{ 0, CTL_MSG_STATUS, 0, 1 },
		{ 0, CTL_MSG_CONSOLE, 0, 1 },
		{ CTL_DOWN_LEN, CTL_MSG_DOWN, 0, 1 },
		{ CTL_DOWN_LEN, CTL_MSG_DOWN, 0, 0xffffffffu },
		{ 0, CTL_MSG_DOWN, 0, 0 },
		{ 3, CTL_MSG_DOWN, 0, 0 },
		{ 5, CTL_MSG_DOWN, 0, 0 },
		{ 0, CTL_MSG_STATUS, 1, 0 },		/* flags */
	};
	static const struct bad_hdr good[] = {
		{ 0, CTL_MSG_STATUS, 0, 0 },
		{ 1024, CTL_MSG_STATUS, 0, 0 },
		{ 0, CTL_MSG_CONSOLE, 0, 0 },
		{ FRAME_PAYLOAD_MAX, CTL_MSG_CONSOLE, 0, 0 },
		{ CTL_DOWN_LEN, CTL_MSG_DOWN, 0, 0 },
	};
	static const uint8_t d0[4] = { 0, 0, 0, 0 }, d3600[4] = { 0, 0, 0x0e, 0x10 },
			     d3601[4] = { 0, 0, 0x0e, 0x11 }, dmax[4] = { 0xff, 0xff, 0xff, 0xff },
			     dle[4] = { 0x10, 0x0e, 0, 0 };	/* 3600 little-endian */
	static const uint8_t text[] = "name=web\nstate=running\n";
	static const uint8_t nul[] = { 'a', '=', 0, '\n' };
	uint8_t buf[FRAME_HDR_LEN];
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame_hdr h = { .len = bad[i].len, .type = bad[i].type,
				       .flags = bad[i].flags, .sid = bad[i].sid };
		struct frame_hdr out;

		why = NULL;
		frame_hdr_encode(buf, &h);
		if (frame_hdr_decode(buf, sizeof(buf), &out, &why) != -1)
			fail_msg("bad control header %zu (%s) accepted", i, frame_type_name(h.type));
		assert_non_null(why);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct frame_hdr h = { .len = good[i].len, .type = good[i].type };
		struct frame_hdr out = { 0 };

		why = NULL;
		frame_hdr_encode(buf, &h);
		if (frame_hdr_decode(buf, sizeof(buf), &out, &why) != 0)
			fail_msg("good control header %zu rejected: %s", i, why);
		assert_memory_equal(&out, &h, sizeof(h));
	}

	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, d0, 4, &why), 0);
	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, d3600, 4, &why), 0);
	why = NULL;
	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, d3601, 4, &why), -1);
	assert_non_null(why);
	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, dmax, 4, &why), -1);
	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, dle, 4, &why), -1);
	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, d0, 3, &why), -1);
	assert_int_equal(frame_payload_check(CTL_MSG_DOWN, d0, 0, &why), -1);

	assert_int_equal(frame_payload_check(CTL_MSG_STATUS, NULL, 0, &why), 0);
	assert_int_equal(frame_payload_check(CTL_MSG_STATUS, text, sizeof(text) - 1, &why), 0);
	why = NULL;
	assert_int_equal(frame_payload_check(CTL_MSG_STATUS, nul, sizeof(nul), &why), -1);
	assert_non_null(why);
	/* console bytes are anything, NUL included */
	assert_int_equal(frame_payload_check(CTL_MSG_CONSOLE, nul, sizeof(nul), &why), 0);
	assert_int_equal(frame_payload_check(CTL_MSG_CONSOLE, NULL, 0, &why), 0);

	assert_string_equal(frame_type_name(CTL_MSG_STATUS), "STATUS");
	assert_string_equal(frame_type_name(CTL_MSG_CONSOLE), "CONSOLE");
	assert_string_equal(frame_type_name(CTL_MSG_DOWN), "DOWN");
}

/* ---- the stream reassembler ---- */

#define NFRAMES 40

struct stream {
	uint8_t *bytes;
	size_t len;
	size_t off[NFRAMES];	/* where each frame starts */
	uint32_t plen[NFRAMES];
	uint16_t type[NFRAMES];
};

/* A stream of frames of every type and of varied sizes, some large. */
static void stream_build(struct stream *s)
{
	size_t i, cap = NFRAMES * 4096;
	uint8_t *pl = malloc(4000);

	assert_non_null(pl);
	s->bytes = malloc(cap);
	assert_non_null(s->bytes);
	s->len = 0;
	for (i = 0; i < NFRAMES; i++) {
		uint16_t type = (uint16_t)(i % FRAME_TYPE_MAX + 1);
		uint32_t sid = type == AGENT_READY || type == AGENT_SHUTDOWN || type == CTL_MSG_STATUS ||
					type == CTL_MSG_CONSOLE || type == CTL_MSG_DOWN ||
					type == CTL_MSG_CLAIM || type == AGENT_MESH_FILES ? 0 : (uint32_t)i + 1;
		size_t n, k;
		long f;

		switch (type) {
		case AGENT_READY:
			n = AGENT_READY_LEN;
			break;
		case AGENT_EXIT:
			n = AGENT_EXIT_LEN;
			break;
		case AGENT_SHUTDOWN:
			n = 1;
			break;
		case CTL_MSG_DOWN:
			n = CTL_DOWN_LEN;
			break;
		case AGENT_SIGNAL:
		case AGENT_WINSIZE:
			n = 4;
			break;
		case CTL_MSG_CLAIM:
			n = CTL_CLAIM_LEN;
			break;
		case AGENT_EXEC:
			n = 6 + i;
			break;
		case AGENT_MESH_FILES:
			n = AGENT_MESH_FILES_MIN_LEN + i;
			break;
		default:
			n = (i * 977) % 4000;
		}
		for (k = 0; k < n; k++)
			pl[k] = (uint8_t)(i * 31 + k * 7 + 1);
		if (type == AGENT_EXIT || type == CTL_MSG_DOWN)
			memset(pl, 0, n);
		if (type == AGENT_SHUTDOWN)
			pl[0] = (uint8_t)(i & 1);
		if (type == AGENT_SIGNAL) {
			memset(pl, 0, n);
			pl[3] = 15;
		}
		if (type == CTL_MSG_CLAIM)
			pl[CTL_CLAIM_HASH_LEN] = (uint8_t)(i & 1);
		f = frame_encode(s->bytes + s->len, cap - s->len, type, sid, pl, n);
		assert_true(f > 0);
		s->off[i] = s->len;
		s->plen[i] = (uint32_t)n;
		s->type[i] = type;
		s->len += (size_t)f;
	}
	free(pl);
}

/* Takes out every whole frame and checks it against the next expected one. */
static void drain(struct frame_reader *r, const struct stream *s, size_t *next)
{
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	int rc;

	while ((rc = frame_reader_next(r, &h, &p, &why)) == 1) {
		assert_true(*next < NFRAMES);
		assert_int_equal(h.type, s->type[*next]);
		assert_int_equal(h.len, s->plen[*next]);
		assert_memory_equal(p, s->bytes + s->off[*next] + FRAME_HDR_LEN, h.len);
		(*next)++;
	}
	assert_int_equal(rc, 0);
}

static void run_chunked(const struct stream *s, size_t (*chunk)(void))
{
	struct frame_reader *r = new_reader();
	size_t pos = 0, next = 0;

	while (pos < s->len) {
		size_t n = chunk();

		if (n > s->len - pos)
			n = s->len - pos;
		/* a chunk may not fit: take frames out, then feed the rest */
		while (n > 0) {
			size_t took = frame_reader_feed(r, s->bytes + pos, n);

			pos += took;
			n -= took;
			drain(r, s, &next);
			if (took == 0)
				assert_true(frame_reader_feed(r, s->bytes + pos, n) > 0);
		}
	}
	drain(r, s, &next);
	assert_int_equal(next, NFRAMES);
	free(r);
}

static size_t chunk_one(void)
{
	return 1;
}

static size_t chunk_random(void)
{
	/* mostly small, sometimes far bigger than a frame */
	uint32_t v = rng_next();

	if (v % 8 == 0)
		return 1 + rng_next() % 70000;
	return 1 + v % 300;
}

static void test_reader_byte_by_byte(void **state)
{
	struct stream s;

	(void)state;
	stream_build(&s);
	run_chunked(&s, chunk_one);
	free(s.bytes);
}

static void test_reader_random_chunks(void **state)
{
	struct stream s;
	uint64_t seed;

	(void)state;
	stream_build(&s);
	for (seed = 1; seed <= 20; seed++) {
		rng_seed(seed * 0x5851f42d4c957f2dull);
		run_chunked(&s, chunk_random);
	}
	free(s.bytes);
}

static void test_reader_two_frames_one_chunk(void **state)
{
	uint8_t buf[64];
	struct frame_reader *r = new_reader();
	struct frame_hdr h;
	const uint8_t *p1, *p2;
	const char *why = NULL;
	long a, b;

	(void)state;
	a = frame_encode(buf, sizeof(buf), AGENT_STDOUT, 1, "hello", 5);
	b = frame_encode(buf + a, sizeof(buf) - (size_t)a, AGENT_STDERR, 2, "oops", 4);
	assert_int_equal(frame_reader_feed(r, buf, (size_t)(a + b)), (size_t)(a + b));
	assert_int_equal(frame_reader_next(r, &h, &p1, &why), 1);
	assert_int_equal(h.type, AGENT_STDOUT);
	assert_int_equal(h.sid, 1);
	assert_int_equal(h.len, 5);
	assert_int_equal(frame_reader_next(r, &h, &p2, &why), 1);
	assert_int_equal(h.type, AGENT_STDERR);
	assert_int_equal(h.sid, 2);
	assert_int_equal(h.len, 4);
	/* taking frames out moves nothing: both payloads still valid */
	assert_memory_equal(p1, "hello", 5);
	assert_memory_equal(p2, "oops", 4);
	assert_int_equal(frame_reader_next(r, &h, &p1, &why), 0);
	free(r);
}

static void test_reader_frame_max(void **state)
{
	size_t cap = 2 * FRAME_MAX + 64, pos, i, took;
	uint8_t *buf = malloc(cap), *pl = malloc(FRAME_PAYLOAD_MAX);
	struct frame_reader *r = new_reader();
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	long a, b, c;

	(void)state;
	assert_non_null(buf);
	assert_non_null(pl);
	for (i = 0; i < FRAME_PAYLOAD_MAX; i++)
		pl[i] = (uint8_t)(i * 13 + 5);
	/* a small frame first, so the big one does not start at the buffer's
	 * beginning and the reader has to make room for it */
	a = frame_encode(buf, cap, AGENT_STDIN, 9, "xy", 2);
	b = frame_encode(buf + a, cap - (size_t)a, AGENT_STDOUT, 9, pl, FRAME_PAYLOAD_MAX);
	assert_int_equal(b, (long)FRAME_MAX);
	c = frame_encode(buf + a + b, cap - (size_t)(a + b), AGENT_STDOUT, 9, pl, FRAME_PAYLOAD_MAX);
	assert_int_equal(c, (long)FRAME_MAX);

	/* everything in one call: the reader takes what fits */
	took = frame_reader_feed(r, buf, (size_t)(a + b + c));
	assert_int_equal(took, FRAME_MAX);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 1);
	assert_int_equal(h.len, 2);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 0);
	pos = took;
	took = frame_reader_feed(r, buf + pos, (size_t)(a + b + c) - pos);
	assert_int_equal(took, (size_t)a);	/* room made by the small frame */
	pos += took;
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 1);
	assert_int_equal(h.type, AGENT_STDOUT);
	assert_int_equal(h.len, FRAME_PAYLOAD_MAX);
	assert_memory_equal(p, pl, FRAME_PAYLOAD_MAX);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 0);
	/* the last frame, byte by byte */
	while (pos < (size_t)(a + b + c)) {
		assert_int_equal(frame_reader_feed(r, buf + pos, 1), 1);
		pos++;
		if (pos < (size_t)(a + b + c))
			assert_int_equal(frame_reader_next(r, &h, &p, &why), 0);
	}
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 1);
	assert_int_equal(h.len, FRAME_PAYLOAD_MAX);
	assert_memory_equal(p, pl, FRAME_PAYLOAD_MAX);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 0);
	free(r);
	free(pl);
	free(buf);
}

static void test_reader_oversize_rejected_at_header(void **state)
{
	struct frame_hdr bad = { .len = FRAME_PAYLOAD_MAX + 1, .type = AGENT_STDOUT, .sid = 1 };
	struct frame_reader *r = new_reader();
	uint8_t hdr[FRAME_HDR_LEN];
	size_t i;
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;

	(void)state;
	frame_hdr_encode(hdr, &bad);
	for (i = 0; i + 1 < FRAME_HDR_LEN; i++) {
		assert_int_equal(frame_reader_feed(r, hdr + i, 1), 1);
		assert_int_equal(frame_reader_next(r, &h, &p, &why), 0);
	}
	assert_int_equal(frame_reader_feed(r, hdr + i, 1), 1);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), -1);
	assert_non_null(why);
	/* sticky: no resynchronising */
	why = NULL;
	assert_int_equal(frame_reader_next(r, &h, &p, &why), -1);
	assert_non_null(why);
	assert_int_equal(frame_reader_feed(r, hdr, 1), 0);
	free(r);
}

static void test_reader_bad_frame_after_good(void **state)
{
	struct frame_hdr bad = { .len = 0, .type = 0, .sid = 1 };
	struct frame_reader *r = new_reader();
	uint8_t buf[64];
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	long a;

	(void)state;
	a = frame_encode(buf, sizeof(buf), AGENT_STDOUT, 1, "ok", 2);
	frame_hdr_encode(buf + a, &bad);
	assert_int_equal(frame_reader_feed(r, buf, (size_t)a + FRAME_HDR_LEN),
			 (size_t)a + FRAME_HDR_LEN);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 1);
	assert_memory_equal(p, "ok", 2);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), -1);
	assert_non_null(why);
	free(r);
}

/* ---- EXEC decode rejects ---- */

/* Builds an EXEC payload by hand: fixed part, then raw string bytes. */
static size_t exec_raw(uint8_t *out, uint8_t flags, uint8_t res, uint16_t argc, uint16_t envc,
		       const void *strs, size_t slen)
{
	out[0] = flags;
	out[1] = res;
	out[2] = (uint8_t)(argc >> 8);
	out[3] = (uint8_t)argc;
	out[4] = (uint8_t)(envc >> 8);
	out[5] = (uint8_t)envc;
	memcpy(out + 6, strs, slen);
	return 6 + slen;
}

#define S(lit) lit, sizeof(lit) - 1

static void expect_exec_reject(const uint8_t *p, size_t n, const char *what)
{
	struct agent_exec x;
	const char *why = NULL;

	if (agent_exec_decode(p, n, &x, &why) != -1)
		fail_msg("EXEC accepted: %s", what);
	assert_non_null(why);
	assert_null(x.argv);
	assert_null(x.env);
	agent_exec_free(&x);	/* harmless after a failure */
}

static void test_exec_rejects(void **state)
{
	uint8_t b[128];
	size_t n;
	struct agent_exec x;
	const char *why = NULL;

	(void)state;
	/* the well-formed base case, so each reject below differs by one thing */
	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0K=V\0"));
	assert_int_equal(agent_exec_decode(b, n, &x, &why), 0);
	agent_exec_free(&x);

	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0K=V"));
	expect_exec_reject(b, n, "missing final NUL");
	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0K=V\0x"));
	expect_exec_reject(b, n, "bytes after the last NUL");
	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0K=V\0\0"));
	expect_exec_reject(b, n, "an extra empty string");
	n = exec_raw(b, 0, 0, 0, 0, S("/\0"));
	expect_exec_reject(b, n, "argc 0");
	n = exec_raw(b, 0, 0, 0, 1, S("/\0K=V\0"));
	expect_exec_reject(b, n, "argc 0 with env");
	n = exec_raw(b, 0, 0, 3, 1, S("/\0ls\0-l\0K=V\0"));
	expect_exec_reject(b, n, "argc larger than the strings");
	n = exec_raw(b, 0, 0, 1, 0, S("/\0ls\0-l\0"));
	expect_exec_reject(b, n, "argc smaller than the strings");
	n = exec_raw(b, 0, 0, 2, 2, S("/\0ls\0-l\0K=V\0"));
	expect_exec_reject(b, n, "envc larger than the strings");
	n = exec_raw(b, 0, 0, 2, 1, S("/\0\0-l\0K=V\0"));
	expect_exec_reject(b, n, "empty argv[0]");
	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0KV\0"));
	expect_exec_reject(b, n, "env without '='");
	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0=V\0"));
	expect_exec_reject(b, n, "env with an empty key");
	n = exec_raw(b, 0, 0, 2, 1, S("/\0ls\0-l\0\0"));
	expect_exec_reject(b, n, "empty env entry");
	n = exec_raw(b, 0x40, 0, 2, 1, S("/\0ls\0-l\0K=V\0"));
	expect_exec_reject(b, n, "unknown flag bit");
	n = exec_raw(b, 0, 1, 2, 1, S("/\0ls\0-l\0K=V\0"));
	expect_exec_reject(b, n, "reserved byte");
	n = exec_raw(b, 0, 0, 1, 0, S(""));
	expect_exec_reject(b, n, "no strings at all");
	expect_exec_reject(b, 5, "shorter than the fixed part");
	expect_exec_reject(b, 0, "empty");
}

static void test_exec_args_max(void **state)
{
	/* cwd "", then up to ARGS_MAX + 1 strings of at most 3 bytes */
	size_t cap = 6 + 1 + 3 * (AGENT_ARGS_MAX + 1), n, i;
	uint8_t *b = malloc(cap);
	struct agent_exec x;
	const char *why = NULL;

	(void)state;
	assert_non_null(b);
	/* exactly AGENT_ARGS_MAX: accepted */
	n = exec_raw(b, 0, 0, AGENT_ARGS_MAX, 0, "", 1);
	for (i = 0; i < AGENT_ARGS_MAX; i++) {
		b[n++] = 'a';
		b[n++] = 0;
	}
	if (agent_exec_decode(b, n, &x, &why) != 0)
		fail_msg("ARGS_MAX rejected: %s", why);
	assert_int_equal(x.argc, AGENT_ARGS_MAX);
	assert_null(x.argv[AGENT_ARGS_MAX]);
	agent_exec_free(&x);
	/* split between argv and env, one over: rejected though every
	 * string is there */
	n = exec_raw(b, 0, 0, 1, AGENT_ARGS_MAX, "", 1);
	b[n++] = 'a';
	b[n++] = 0;
	for (i = 0; i < AGENT_ARGS_MAX; i++) {
		b[n++] = 'K';
		b[n++] = '=';
		b[n++] = 0;
	}
	assert_true(n <= cap);
	expect_exec_reject(b, n, "argc + envc = ARGS_MAX + 1");
	free(b);
}

static void test_exec_encode_rejects(void **state)
{
	const char *argv[] = { "prog", NULL };
	const char *empty[] = { "", NULL };
	const char *badenv[] = { "NOEQUALS", NULL };
	const char *keyless[] = { "=v", NULL };
	struct agent_exec x = { .argv = argv, .argc = 1 };
	uint8_t b[64];
	char *huge;
	long n;

	(void)state;
	n = agent_exec_encode(b, sizeof(b), &x);
	assert_int_equal(n, 6 + 1 + 5);
	/* exactly enough room, one byte short */
	assert_int_equal(agent_exec_encode(b, (size_t)n, &x), n);
	assert_int_equal(agent_exec_encode(b, (size_t)n - 1, &x), -1);
	x.argc = 0;
	assert_int_equal(agent_exec_encode(b, sizeof(b), &x), -1);
	x.argc = 1;
	x.argv = empty;
	assert_int_equal(agent_exec_encode(b, sizeof(b), &x), -1);
	x.argv = argv;
	x.env = badenv;
	x.envc = 1;
	assert_int_equal(agent_exec_encode(b, sizeof(b), &x), -1);
	x.env = keyless;
	assert_int_equal(agent_exec_encode(b, sizeof(b), &x), -1);
	x.env = NULL;
	x.envc = 0;
	x.flags = 0x40;
	assert_int_equal(agent_exec_encode(b, sizeof(b), &x), -1);
	x.flags = 0;
	x.argc = AGENT_ARGS_MAX + 1;
	assert_int_equal(agent_exec_encode(b, sizeof(b), &x), -1);
	x.argc = 1;

	/* a cwd that makes the payload exceed FRAME_PAYLOAD_MAX, with room */
	huge = malloc(FRAME_MAX * 2);
	assert_non_null(huge);
	memset(huge, 'd', FRAME_PAYLOAD_MAX);
	huge[FRAME_PAYLOAD_MAX - 6 - 5 - 1] = 0;	/* fits exactly */
	x.cwd = huge;
	{
		uint8_t *out = malloc(FRAME_MAX * 2);
		struct agent_exec y;
		const char *why = NULL;

		assert_non_null(out);
		n = agent_exec_encode(out, FRAME_MAX * 2, &x);
		assert_int_equal(n, (long)FRAME_PAYLOAD_MAX);
		assert_int_equal(agent_exec_decode(out, (size_t)n, &y, &why), 0);
		assert_int_equal(strlen(y.cwd), FRAME_PAYLOAD_MAX - 12);
		agent_exec_free(&y);
		huge[FRAME_PAYLOAD_MAX - 6 - 5 - 1] = 'd';
		huge[FRAME_PAYLOAD_MAX - 6 - 5] = 0;	/* one over */
		assert_int_equal(agent_exec_encode(out, FRAME_MAX * 2, &x), -1);
		free(out);
	}
	free(huge);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_exec_unlogged),
	cmocka_unit_test(test_hdr_wire_format),
	cmocka_unit_test(test_hdr_rejects),
	cmocka_unit_test(test_hdr_accepts_bounds),
	cmocka_unit_test(test_hdr_short),
	cmocka_unit_test(test_frame_encode_limits),
	cmocka_unit_test(test_roundtrip_ready),
	cmocka_unit_test(test_roundtrip_exec),
	cmocka_unit_test(test_roundtrip_exec_minimal),
	cmocka_unit_test(test_roundtrip_stdio),
	cmocka_unit_test(test_roundtrip_exit),
	cmocka_unit_test(test_exit_rejects),
	cmocka_unit_test(test_roundtrip_shutdown),
	cmocka_unit_test(test_roundtrip_error),
	cmocka_unit_test(test_payload_check_types),
	cmocka_unit_test(test_ctl_frames),
	cmocka_unit_test(test_signal_frame),
	cmocka_unit_test(test_winsize_frame),
	cmocka_unit_test(test_exec_winsize),
	cmocka_unit_test(test_reader_byte_by_byte),
	cmocka_unit_test(test_reader_random_chunks),
	cmocka_unit_test(test_reader_two_frames_one_chunk),
	cmocka_unit_test(test_reader_frame_max),
	cmocka_unit_test(test_reader_oversize_rejected_at_header),
	cmocka_unit_test(test_reader_bad_frame_after_good),
	cmocka_unit_test(test_exec_rejects),
	cmocka_unit_test(test_exec_args_max),
	cmocka_unit_test(test_exec_encode_rejects))
