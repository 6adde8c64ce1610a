/* test_ctl_msg.c - control socket: which frames a client may send when, and the STATUS text codec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/common/ctl_msg.h"
#include "tests/unit/main.h"

/* ---- conversations, frame by frame through the reader as the supervisor does ---- */

struct frame {
	uint16_t type;
	uint32_t sid;
	const void *p;
	size_t len;
};

static uint8_t wire[FRAME_MAX];

/* Sends f[0..n) to a fresh conversation c; returns how many were accepted
 * before the first refusal (n when all were). Every frame must pass the
 * reader (header rules): these tests are about the conversation rule. */
static size_t converse(struct ctl_conv *c, const struct frame *f, size_t n, const char **why)
{
	struct frame_reader *r = malloc(sizeof(*r));
	size_t i;

	assert_non_null(r);
	frame_reader_init(r);
	memset(c, 0, sizeof(*c));
	c->kind = CTL_NEW;
	for (i = 0; i < n; i++) {
		struct frame_hdr h;
		const uint8_t *p;
		long m = frame_encode(wire, sizeof(wire), f[i].type, f[i].sid, f[i].p, f[i].len);

		assert_true(m > 0);
		assert_int_equal(frame_reader_feed(r, wire, (size_t)m), (size_t)m);
		if (frame_reader_next(r, &h, &p, why) != 1)
			fail_msg("frame %zu (%s) not passed by the reader", i, frame_type_name(f[i].type));
		*why = NULL;
		if (ctl_conv_step(c, &h, p, why) < 0) {
			if (!*why)
				fail_msg("frame %zu refused without a reason", i);
			break;
		}
	}
	free(r);
	return i;
}

/* A well-formed EXEC payload: `sh -c "echo hi"` with one env entry. */
static size_t exec_payload(uint8_t *out, size_t cap)
{
	const char *argv[] = { "sh", "-c", "echo hi", NULL };
	const char *env[] = { "TERM=xterm", NULL };
	struct agent_exec x = { .cwd = "/work", .argv = argv, .argc = 3, .env = env, .envc = 1 };
	long n = agent_exec_encode(out, cap, &x);

	assert_true(n > 0);
	return (size_t)n;
}

static const uint8_t down30[] = { 0, 0, 0, 30 };

static void test_status_conversation(void **state)
{
	struct frame f[] = { { CTL_MSG_STATUS, 0, NULL, 0 } };
	struct ctl_conv c;
	const char *why;

	(void)state;
	assert_int_equal(converse(&c, f, 1, &why), 1);
	assert_int_equal(c.kind, CTL_STATUS);
}

/* f alone does not open a conversation. */
static void assert_not_opening(const struct frame *f)
{
	struct ctl_conv c;
	const char *why;

	assert_int_equal(converse(&c, f, 1, &why), 0);
	assert_int_equal(c.kind, CTL_NEW);
}

/* An EXIT frame's payload for status 0. */
static const uint8_t *exit0(void)
{
	static uint8_t p[AGENT_EXIT_LEN];

	assert_int_equal(agent_exit_encode(p, 0), 0);
	return p;
}

static void test_status_request_not_empty(void **state)
{
	static const struct frame f = { CTL_MSG_STATUS, 0, "name=x\n", 7 };

	(void)state;
	assert_not_opening(&f);
}

/* After STATUS or DOWN, any further frame ends the conversation. */
static void test_nothing_after_status_or_down(void **state)
{
	uint8_t ex[256];
	size_t exn = exec_payload(ex, sizeof(ex));
	const struct frame firsts[] = {
		{ CTL_MSG_STATUS, 0, NULL, 0 },
		{ CTL_MSG_DOWN, 0, down30, 4 },
	};
	const struct frame seconds[] = {
		{ CTL_MSG_STATUS, 0, NULL, 0 },
		{ CTL_MSG_DOWN, 0, down30, 4 },
		{ CTL_MSG_CONSOLE, 0, NULL, 0 },
		{ CTL_MSG_CONSOLE, 0, "x", 1 },
		{ AGENT_EXEC, 1, ex, exn },
		{ AGENT_STDIN, 1, "x", 1 },
		{ AGENT_STDIN, 0, NULL, 0 },
		{ AGENT_ERROR, 0, "oops", 4 },
	};
	struct ctl_conv c;
	const char *why;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++)
		for (j = 0; j < sizeof(seconds) / sizeof(seconds[0]); j++) {
			struct frame f[2] = { firsts[i], seconds[j] };

			if (converse(&c, f, 2, &why) != 1)
				fail_msg("%s then %s: want the second refused",
					 frame_type_name(f[0].type), frame_type_name(f[1].type));
		}
}

static void test_down_seconds(void **state)
{
	static const struct {
		uint8_t b[4];
		unsigned want;
	} ok[] = {
		{ { 0, 0, 0, 0 }, 0 },
		{ { 0, 0, 0, 30 }, 30 },
		{ { 0, 0, 1, 2 }, 258 },	/* big-endian on the wire */
		{ { 0, 0, 0x0e, 0x10 }, 3600 },
	};
	static const uint8_t bad[][4] = {
		{ 0, 0, 0x0e, 0x11 },		/* 3601 */
		{ 0, 1, 0, 0 },
		{ 30, 0, 0, 0 },		/* 30 little-endian */
		{ 0xff, 0xff, 0xff, 0xff },
	};
	struct ctl_conv c;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct frame f[] = { { CTL_MSG_DOWN, 0, ok[i].b, 4 } };

		assert_int_equal(converse(&c, f, 1, &why), 1);
		assert_int_equal(c.kind, CTL_DOWN);
		assert_int_equal(c.down_s, ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame f[] = { { CTL_MSG_DOWN, 0, bad[i], 4 } };

		if (converse(&c, f, 1, &why) != 0)
			fail_msg("DOWN %zu past 3600 s accepted", i);
		assert_int_equal(c.kind, CTL_NEW);
	}
}

static void test_exec_conversation(void **state)
{
	uint8_t ex[256];
	size_t exn = exec_payload(ex, sizeof(ex));
	const struct frame f[] = {
		{ AGENT_EXEC, 7, ex, exn },
		{ AGENT_STDIN, 7, "ls\n", 3 },
		{ AGENT_STDIN, 7, "\0\xff", 2 },	/* stdin is bytes */
		{ AGENT_STDIN, 7, NULL, 0 },		/* EOF */
	};
	struct ctl_conv c;
	const char *why;

	(void)state;
	assert_int_equal(converse(&c, f, 4, &why), 4);
	assert_int_equal(c.kind, CTL_EXEC);
	assert_int_equal(c.sid, 7);
}

/* After EXEC: only STDIN, and only of that session. */
static const uint8_t sigint[] = { 0, 0, 0, 2 };

/* Ctrl-C at the client: SIGNAL of its own session follows EXEC, as often
 * as it comes, between STDIN frames. */
static void test_exec_then_signal(void **state)
{
	uint8_t ex[256];
	size_t exn = exec_payload(ex, sizeof(ex));
	const struct frame f[] = {
		{ AGENT_EXEC, 7, ex, exn }, { AGENT_SIGNAL, 7, sigint, 4 }, { AGENT_STDIN, 7, "a", 1 },
		{ AGENT_SIGNAL, 7, sigint, 4 },
	};
	const uint8_t zero[] = { 0, 0, 0, 0 };
	const struct frame bad[] = { { AGENT_EXEC, 7, ex, exn }, { AGENT_SIGNAL, 7, zero, 4 } };
	const struct frame first[] = { { AGENT_SIGNAL, 7, sigint, 4 } };
	struct ctl_conv c;
	const char *why;

	(void)state;
	assert_int_equal(converse(&c, f, 4, &why), 4);
	assert_int_equal(converse(&c, bad, 2, &why), 1);	/* signal 0 */
	assert_int_equal(converse(&c, first, 1, &why), 0);	/* no session yet */
}

static void test_exec_then_other_frames(void **state)
{
	uint8_t ex[256];
	size_t exn = exec_payload(ex, sizeof(ex));
	const struct frame seconds[] = {
		{ AGENT_STDIN, 8, "x", 1 },		/* another session */
		{ AGENT_STDIN, 0, "x", 1 },
		{ AGENT_STDOUT, 7, "x", 1 },
		{ AGENT_STDERR, 7, "x", 1 },
		{ AGENT_EXIT, 7, exit0(), AGENT_EXIT_LEN },
		{ AGENT_EXEC, 7, ex, exn },		/* a second EXEC */
		{ AGENT_EXEC, 8, ex, exn },
		{ CTL_MSG_STATUS, 0, NULL, 0 },
		{ CTL_MSG_DOWN, 0, down30, 4 },
		{ CTL_MSG_CONSOLE, 0, NULL, 0 },
		{ AGENT_ERROR, 7, "x", 1 },
		{ AGENT_SIGNAL, 8, sigint, 4 },		/* another session's command */
	};
	struct ctl_conv c;
	const char *why;
	size_t j;

	(void)state;
	for (j = 0; j < sizeof(seconds) / sizeof(seconds[0]); j++) {
		struct frame f[3] = { { AGENT_EXEC, 7, ex, exn }, { AGENT_STDIN, 7, "a", 1 },
				      seconds[j] };

		if (converse(&c, f, 3, &why) != 2)
			fail_msg("EXEC, STDIN, then %s sid %u: want the third refused",
				 frame_type_name(f[2].type), f[2].sid);
	}
}

/* CLAIM, then one EXEC (of any session id), then that session's frames;
 * nothing else after CLAIM. */
static void test_claim_conversation(void **state)
{
	uint8_t ex[256], claim[CTL_CLAIM_LEN] = { 0 }, up[CTL_CLAIM_LEN] = { 0 };
	size_t exn = exec_payload(ex, sizeof(ex));
	const struct frame ok[] = {
		{ CTL_MSG_CLAIM, 0, claim, sizeof claim }, { AGENT_EXEC, 9, ex, exn },
		{ AGENT_STDIN, 9, "a", 1 }, { AGENT_SIGNAL, 9, sigint, 4 },
	};
	const struct frame seconds[] = {
		{ CTL_MSG_CLAIM, 0, claim, sizeof claim },	/* twice */
		{ AGENT_STDIN, 9, "a", 1 },
		{ AGENT_EXEC, 0, ex, exn },
		{ CTL_MSG_STATUS, 0, NULL, 0 },
		{ CTL_MSG_DOWN, 0, down30, 4 },
		{ CTL_MSG_CONSOLE, 0, NULL, 0 },
		{ AGENT_SIGNAL, 9, sigint, 4 },
	};
	struct ctl_conv c;
	const char *why;
	size_t j;

	(void)state;
	memset(claim, 0xab, CTL_CLAIM_HASH_LEN);
	assert_int_equal(converse(&c, ok, 1, &why), 1);
	assert_int_equal(c.kind, CTL_CLAIM);
	assert_int_equal(converse(&c, ok, 4, &why), 4);
	assert_int_equal(c.kind, CTL_EXEC);
	assert_int_equal(c.sid, 9);
	up[CTL_CLAIM_HASH_LEN] = CTL_CLAIM_UP;
	{
		const struct frame f[] = { { CTL_MSG_CLAIM, 0, up, sizeof up } };

		assert_int_equal(converse(&c, f, 1, &why), 1);
	}
	for (j = 0; j < sizeof(seconds) / sizeof(seconds[0]); j++) {
		struct frame f[2] = { { CTL_MSG_CLAIM, 0, claim, sizeof claim }, seconds[j] };

		if (converse(&c, f, 2, &why) != 1)
			fail_msg("CLAIM, then %s sid %u: want the second refused",
				 frame_type_name(f[1].type), f[1].sid);
	}
}

/* The reader refuses a CLAIM of another length, with a session id, or with
 * a how that is neither run nor up. */
static void test_claim_malformed(void **state)
{
	uint8_t claim[CTL_CLAIM_LEN + 1] = { 0 };
	struct frame_reader *r = malloc(sizeof(*r));
	struct frame_hdr h;
	const uint8_t *p;
	const char *why;
	long m;

	(void)state;
	assert_non_null(r);
	frame_reader_init(r);
	m = frame_encode(wire, sizeof(wire), CTL_MSG_CLAIM, 0, claim, CTL_CLAIM_LEN - 1);
	assert_int_equal(frame_reader_feed(r, wire, (size_t)m), (size_t)m);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), -1);
	frame_reader_init(r);
	m = frame_encode(wire, sizeof(wire), CTL_MSG_CLAIM, 3, claim, CTL_CLAIM_LEN);
	assert_int_equal(frame_reader_feed(r, wire, (size_t)m), (size_t)m);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), -1);
	/* a how of 2: the header passes, the payload does not */
	claim[CTL_CLAIM_HASH_LEN] = 2;
	assert_int_equal(frame_payload_check(CTL_MSG_CLAIM, claim, CTL_CLAIM_LEN, &why), -1);
	claim[CTL_CLAIM_HASH_LEN] = CTL_CLAIM_RUN;
	assert_int_equal(frame_payload_check(CTL_MSG_CLAIM, claim, CTL_CLAIM_LEN, &why), 0);
	free(r);
}

static void test_exec_needs_sid(void **state)
{
	uint8_t ex[256];
	size_t exn = exec_payload(ex, sizeof(ex));
	struct frame f[] = { { AGENT_EXEC, 0, ex, exn } };
	struct ctl_conv c;
	const char *why;

	(void)state;
	assert_int_equal(converse(&c, f, 1, &why), 0);
	assert_int_equal(c.kind, CTL_NEW);
}

/* A malformed EXEC is refused before the supervisor forwards anything. */
static void test_exec_malformed(void **state)
{
	static const struct {
		const char *what;
		uint8_t p[32];
		size_t n;
	} bad[] = {
		{ "argc 0", { 0, 0, 0, 0, 0, 0, 0 }, 7 },
		{ "argv[0] empty", { 0, 0, 0, 1, 0, 0, 0, 0 }, 8 },
		{ "missing argv", { 0, 0, 0, 1, 0, 0, 0 }, 7 },
		{ "unterminated argv", { 0, 0, 0, 1, 0, 0, 0, 't', 'r' }, 9 },
		{ "trailing byte", { 0, 0, 0, 1, 0, 0, 0, 't', 0, 'x' }, 10 },
		{ "env without =", { 0, 0, 0, 1, 0, 1, 0, 't', 0, 'A', 0 }, 11 },
		{ "env with empty key", { 0, 0, 0, 1, 0, 1, 0, 't', 0, '=', 'x', 0 }, 12 },
		{ "unknown flags", { 2, 0, 0, 1, 0, 0, 0, 't', 0 }, 9 },
		{ "reserved byte", { 0, 1, 0, 1, 0, 0, 0, 't', 0 }, 9 },
		{ "fixed part only", { 0, 0, 0, 1, 0, 0 }, 6 },
	};
	static const uint8_t good[] = { 0, 0, 0, 1, 0, 0, 0, 't', 0 };
	struct ctl_conv c;
	const char *why;
	size_t i;

	(void)state;
	{
		struct frame f[] = { { AGENT_EXEC, 1, good, sizeof(good) } };

		assert_int_equal(converse(&c, f, 1, &why), 1);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct frame f[] = { { AGENT_EXEC, 1, bad[i].p, bad[i].n },
				     { AGENT_STDIN, 1, "x", 1 } };

		if (converse(&c, f, 2, &why) != 0)
			fail_msg("malformed EXEC (%s) accepted", bad[i].what);
		assert_int_equal(c.kind, CTL_NEW);
	}
}

static void test_console_conversation(void **state)
{
	const struct frame f[] = {
		{ CTL_MSG_CONSOLE, 0, NULL, 0 },
		{ CTL_MSG_CONSOLE, 0, "ls\r", 3 },
		{ CTL_MSG_CONSOLE, 0, "\x1b[A\0", 4 },
		{ CTL_MSG_CONSOLE, 0, NULL, 0 },
	};
	const struct frame after[] = {
		{ AGENT_STDIN, 1, "x", 1 },
		{ CTL_MSG_STATUS, 0, NULL, 0 },
		{ CTL_MSG_DOWN, 0, down30, 4 },
		{ AGENT_ERROR, 0, "x", 1 },
	};
	struct ctl_conv c;
	const char *why;
	size_t j;

	(void)state;
	assert_int_equal(converse(&c, f, 4, &why), 4);
	assert_int_equal(c.kind, CTL_CONSOLE);
	for (j = 0; j < sizeof(after) / sizeof(after[0]); j++) {
		struct frame g[3] = { f[0], f[1], after[j] };

		if (converse(&c, g, 3, &why) != 2)
			fail_msg("CONSOLE then %s: want it refused", frame_type_name(after[j].type));
	}
}

/* A terminal's size follows EXEC (its own session) and CONSOLE (session
 * 0), as often as it changes; nowhere else, and never out of bounds. */
static void test_winsize_conversation(void **state)
{
	static const uint8_t ws[] = { 0, 24, 0, 80 }, bad_ws[] = { 0, 0, 0, 80 };
	uint8_t ex[256];
	size_t exn = exec_payload(ex, sizeof(ex));
	const struct frame exec_ok[] = {
		{ AGENT_EXEC, 7, ex, exn }, { AGENT_WINSIZE, 7, ws, 4 }, { AGENT_STDIN, 7, "a", 1 },
		{ AGENT_WINSIZE, 7, ws, 4 },
	};
	const struct frame exec_other[] = { { AGENT_EXEC, 7, ex, exn }, { AGENT_WINSIZE, 8, ws, 4 } };
	const struct frame exec_bad[] = { { AGENT_EXEC, 7, ex, exn }, { AGENT_WINSIZE, 7, bad_ws, 4 } };
	const struct frame con_ok[] = {
		{ CTL_MSG_CONSOLE, 0, NULL, 0 }, { AGENT_WINSIZE, 0, ws, 4 }, { CTL_MSG_CONSOLE, 0, "x", 1 },
		{ AGENT_WINSIZE, 0, ws, 4 },
	};
	const struct frame con_sid[] = { { CTL_MSG_CONSOLE, 0, NULL, 0 }, { AGENT_WINSIZE, 3, ws, 4 } };
	const struct frame con_bad[] = { { CTL_MSG_CONSOLE, 0, NULL, 0 }, { AGENT_WINSIZE, 0, bad_ws, 4 } };
	const struct frame first[] = { { AGENT_WINSIZE, 0, ws, 4 } };
	struct ctl_conv c;
	const char *why;

	(void)state;
	assert_int_equal(converse(&c, exec_ok, 4, &why), 4);
	assert_int_equal(converse(&c, exec_other, 2, &why), 1);
	assert_int_equal(converse(&c, exec_bad, 2, &why), 1);
	assert_int_equal(converse(&c, con_ok, 4, &why), 4);
	assert_int_equal(converse(&c, con_sid, 2, &why), 1);
	assert_int_equal(converse(&c, con_bad, 2, &why), 1);
	assert_int_equal(converse(&c, first, 1, &why), 0);
}

static void test_console_attach_not_empty(void **state)
{
	static const struct frame f = { CTL_MSG_CONSOLE, 0, "ls\n", 3 };

	(void)state;
	assert_not_opening(&f);
}

/* Frames that cannot open a conversation. */
static void test_bad_first_frames(void **state)
{
	uint8_t ready[AGENT_READY_LEN] = { 0 };
	static const uint8_t shutdown0[1] = { 0 };
	const struct frame bad[] = {
		{ AGENT_STDIN, 1, "x", 1 },
		{ AGENT_STDIN, 1, NULL, 0 },
		{ AGENT_STDOUT, 1, "x", 1 },
		{ AGENT_STDERR, 1, "x", 1 },
		{ AGENT_EXIT, 1, exit0(), AGENT_EXIT_LEN },
		{ AGENT_READY, 0, ready, sizeof(ready) },
		{ AGENT_SHUTDOWN, 0, shutdown0, 1 },
		{ AGENT_ERROR, 0, "x", 1 },
		{ AGENT_ERROR, 0, NULL, 0 },
	};
	struct ctl_conv c;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (converse(&c, &bad[i], 1, &why) != 0)
			fail_msg("%s accepted as a first frame", frame_type_name(bad[i].type));
		assert_int_equal(c.kind, CTL_NEW);
	}
}

/* ---- STATUS text ---- */

static void status_equal(const struct ctl_status *a, const struct ctl_status *b)
{
	size_t i;

	assert_string_equal(a->name, b->name);
	assert_string_equal(a->address, b->address);
	assert_string_equal(a->channel, b->channel);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->qemu, b->qemu);
	assert_int_equal(a->nfs, b->nfs);
	for (i = 0; i < a->nfs; i++)
		assert_int_equal(a->fs[i], b->fs[i]);
	assert_int_equal(a->started, b->started);
	assert_int_equal(a->console, b->console);
}

/* encode -> the STATUS reply frame -> reader -> decode */
static void roundtrip(const struct ctl_status *in)
{
	char text[CTL_STATUS_MAX + 1];
	struct frame_reader *r = malloc(sizeof(*r));
	struct ctl_status out;
	struct frame_hdr h;
	const uint8_t *p;
	const char *why = NULL;
	long n, m;

	assert_non_null(r);
	n = ctl_status_encode(text, sizeof(text), in);
	assert_true(n > 0 && n <= CTL_STATUS_MAX);
	assert_int_equal((size_t)n, strlen(text));
	m = frame_encode(wire, sizeof(wire), CTL_MSG_STATUS, 0, text, (size_t)n);
	assert_true(m > 0);
	frame_reader_init(r);
	assert_int_equal(frame_reader_feed(r, wire, (size_t)m), (size_t)m);
	assert_int_equal(frame_reader_next(r, &h, &p, &why), 1);
	assert_int_equal(frame_payload_check(h.type, p, h.len, &why), 0);
	memset(&out, 0xa5, sizeof(out));
	if (ctl_status_decode(p, h.len, &out, &why) != 0)
		fail_msg("decode of own encoding refused: %s\n%s", why, text);
	status_equal(&out, in);
	free(r);
}

static void test_status_roundtrip_full(void **state)
{
	struct ctl_status s = {
		.name = "web-1", .address = "10.77.0.2", .channel = "pool-web-1",
		.state = CTL_RUNNING, .pid = 4242, .qemu = 4243,
		.fs = { 4244, 4245 }, .nfs = 2, .started = 1700000000, .console = 1,
	};

	(void)state;
	roundtrip(&s);
}

static void test_status_roundtrip_bare(void **state)
{
	struct ctl_status s = { .name = "a", .state = CTL_BOOTING, .pid = 1 };
	char text[CTL_STATUS_MAX + 1];

	(void)state;
	roundtrip(&s);
	/* no network, no hypervisor, no shares: those keys are left out */
	assert_true(ctl_status_encode(text, sizeof(text), &s) > 0);
	assert_string_equal(text, "name=a\nstate=booting\npid=1\nstarted=0\nconsole=0\nready=0\n");
}

static void test_status_roundtrip_states(void **state)
{
	static const enum ctl_state st[] = { CTL_BOOTING, CTL_RUNNING, CTL_STOPPING, CTL_SPARE };
	static const char *const names[] = { "booting", "running", "stopping", "spare" };
	struct ctl_status s = { .name = "m", .pid = 99 };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		s.state = st[i];
		assert_string_equal(ctl_state_name(st[i]), names[i]);
		roundtrip(&s);
	}
	/* address without channel and the other way round */
	snprintf(s.address, sizeof(s.address), "192.168.1.1");
	roundtrip(&s);
	s.address[0] = '\0';
	snprintf(s.channel, sizeof(s.channel), "br0");
	roundtrip(&s);
}

/* The largest status a supervisor can have still fits CTL_STATUS_MAX. */
static void test_status_roundtrip_largest(void **state)
{
	struct ctl_status s = {
		.name = "abcdefghij-abcdefghij-abcdefghij",	/* 32 characters */
		.address = "255.255.255.255", .channel = "abcdefghijklmno",
		.state = CTL_STOPPING, .pid = 4194304, .qemu = 4194304,
		.nfs = CTL_FS_MAX, .started = UINT64_C(1) << 40, .console = 1,
	};
	size_t i;

	(void)state;
	assert_int_equal(strlen(s.name), 32);
	for (i = 0; i < CTL_FS_MAX; i++)
		s.fs[i] = (pid_t)(4194304 - i);
	roundtrip(&s);
}

static void test_status_encode_small_buffer(void **state)
{
	struct ctl_status s = { .name = "web", .address = "10.0.0.2", .state = CTL_RUNNING,
				.pid = 10, .qemu = 11, .fs = { 12 }, .nfs = 1, .started = 5 };
	char full[CTL_STATUS_MAX + 1], small[CTL_STATUS_MAX + 1];
	long n = ctl_status_encode(full, sizeof(full), &s);
	size_t cap;

	(void)state;
	assert_true(n > 0);
	for (cap = 0; cap <= (size_t)n; cap++)
		if (ctl_status_encode(small, cap, &s) != -1)
			fail_msg("encode into %zu bytes (needs %ld + NUL) did not fail", cap, n);
	assert_int_equal(ctl_status_encode(small, (size_t)n + 1, &s), n);
	assert_string_equal(small, full);
}

/* A valid text with 16 virtiofsd lines decodes; 17 are refused. */
static void test_status_fs_bound(void **state)
{
	char text[CTL_STATUS_MAX + 64];
	struct ctl_status s;
	const char *why = NULL;
	size_t o, i;

	(void)state;
	o = (size_t)snprintf(text, sizeof(text), "name=m\nstate=running\npid=2\n");
	for (i = 0; i < CTL_FS_MAX; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "virtiofsd=%zu\n", 100 + i);
	if (ctl_status_decode((const uint8_t *)text, o, &s, &why) != 0)
		fail_msg("16 virtiofsd refused: %s", why);
	assert_int_equal(s.nfs, CTL_FS_MAX);
	for (i = 0; i < CTL_FS_MAX; i++)
		assert_int_equal(s.fs[i], 100 + i);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "virtiofsd=200\n");
	why = NULL;
	assert_int_equal(ctl_status_decode((const uint8_t *)text, o, &s, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, "virtiofsd"));
}

static const char base[] = "name=web\nstate=running\npid=10\n";

struct reject {
	const char *text;
	size_t len;	/* 0: strlen(text) */
	const char *why;	/* a word the reason must contain */
};

#define LONG63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_status_decode_rejects(void **state)
{
	static const struct reject bad[] = {
		{ "name=web\nstate=running\npid=10\ncolour=red\n", 0, "unknown key" },
		{ "name=web\nstate=running\npid=10\nName=web\n", 0, "unknown key" },
		{ "name=web\nstate=running\npid=10\nname=web\n", 0, "twice" },
		{ "name=web\nstate=running\npid=10\npid=11\n", 0, "twice" },
		{ "name=web\nstate=running\nstate=running\npid=10\n", 0, "twice" },
		{ "name=web\nstate=running\npid=10\nqemu=3\nqemu=3\n", 0, "twice" },
		{ "name=web\nstate=running\npid=10\nconsole=0\nconsole=0\n", 0, "twice" },
		{ "name=web\nstate=running\npid=10\naddress=10.0.0.1\naddress=10.0.0.1\n", 0,
		  "twice" },
		{ "state=running\npid=10\n", 0, "without name" },
		{ "name=web\npid=10\n", 0, "without name" },
		{ "name=web\nstate=running\n", 0, "without name" },
		{ "", 0, "without name" },
		{ "name=Web\nstate=running\npid=10\n", 0, "name" },
		{ "name=1web\nstate=running\npid=10\n", 0, "name" },
		{ "name=web_1\nstate=running\npid=10\n", 0, "name" },
		{ "name=\nstate=running\npid=10\n", 0, "name" },
		{ "name=web\r\nstate=running\npid=10\n", 0, "name" },
		{ "name=abcdefghij-abcdefghij-abcdefghij-\nstate=running\npid=10\n", 0, "name" },
		{ "name=web\nstate=running\npid=10\naddress=10.0.0\n", 0, "IPv4" },
		{ "name=web\nstate=running\npid=10\naddress=10.0.0.256\n", 0, "IPv4" },
		{ "name=web\nstate=running\npid=10\naddress=10.0.0.01\n", 0, "IPv4" },
		{ "name=web\nstate=running\npid=10\naddress=10.0.0.1 \n", 0, "IPv4" },
		{ "name=web\nstate=running\npid=10\naddress=\n", 0, "IPv4" },
		{ "name=web\nstate=running\npid=10\naddress=::1\n", 0, "IPv4" },
		{ "name=web\nstate=running\npid=10\nchannel=a/b\n", 0, "channel" },
		{ "name=web\nstate=running\npid=10\nchannel=\n", 0, "channel" },
		{ "name=web\nstate=running\npid=10\nchannel=abcdefghijklmnop\n", 0, "channel" },
		{ "name=web\nstate=running\0\npid=10\n", 31, "NUL" },
		{ "name=web\nstate=running\npid=10\n\0", 31, "NUL" },
		{ "name=web\nstate=running\npid=10", 0, "newline" },
		{ "name=web\nstate=running\npid=10\nconsole=1", 0, "newline" },
		{ "name=web\nstate=running\npid=10\nconsole\n", 0, "'='" },
		{ "name=web\nstate=running\npid=10\n\n", 0, "'='" },
		{ "name=web\nstate=running\npid=10\n=1\n", 0, "too long" },
		{ "name=web\nstate=running\npid=10\nvirtiofsdvirtiofsd=1\n", 0, "too long" },
		{ "name=web\nstate=running\npid=10\nchannel=" LONG63 "a\n", 0, "too long" },
		{ "name=web\nstate=running\npid=0\n", 0, "small" },
		{ "name=web\nstate=running\npid=4194305\n", 0, "large" },
		{ "name=web\nstate=running\npid=99999999999999999999999\n", 0, "large" },
		{ "name=web\nstate=running\npid=-1\n", 0, "number" },
		{ "name=web\nstate=running\npid= 10\n", 0, "number" },
		{ "name=web\nstate=running\npid=10\nqemu=0\n", 0, "small" },
		{ "name=web\nstate=running\npid=10\nvirtiofsd=0\n", 0, "small" },
		{ "name=web\nstate=running\npid=10\nvirtiofsd=4194305\n", 0, "large" },
		{ "name=web\nstate=running\npid=10\nstarted=1099511627777\n", 0, "large" },
		{ "name=web\nstate=running\npid=10\nstarted=x\n", 0, "number" },
		{ "name=web\nstate=running\npid=10\nconsole=2\n", 0, "large" },
		{ "name=web\nstate=Running\npid=10\n", 0, "unknown state" },
		{ "name=web\nstate=dead\npid=10\n", 0, "unknown state" },
		{ "name=web\nstate=\npid=10\n", 0, "unknown state" },
		{ "name=web\nstate=?\npid=10\n", 0, "unknown state" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = bad[i].len ? bad[i].len : strlen(bad[i].text);
		struct ctl_status s;
		const char *why = NULL;

		if (ctl_status_decode((const uint8_t *)bad[i].text, n, &s, &why) != -1)
			fail_msg("STATUS %zu accepted:\n%.*s", i, (int)n, bad[i].text);
		if (!why || !strstr(why, bad[i].why))
			fail_msg("STATUS %zu refused as \"%s\", want \"%s\"", i, why ? why : "(null)",
				 bad[i].why);
	}
}

/* The same lines that decode alone are refused past CTL_STATUS_MAX, before any line is read. */
static void test_status_decode_too_long(void **state)
{
	uint8_t text[CTL_STATUS_MAX + 2];
	struct ctl_status s;
	const char *why = NULL;
	size_t n = strlen(base);

	(void)state;
	assert_int_equal(ctl_status_decode((const uint8_t *)base, n, &s, &why), 0);
	assert_string_equal(s.name, "web");
	assert_int_equal(s.state, CTL_RUNNING);
	assert_int_equal(s.pid, 10);
	memcpy(text, base, n);
	memset(text + n, 'x', sizeof(text) - n);
	assert_int_equal(ctl_status_decode(text, CTL_STATUS_MAX + 1, &s, &why), -1);
	assert_string_equal(why, "STATUS too long");
}

/* A 63-character value is the longest taken. */
static void test_status_decode_value_bound(void **state)
{
	char text[256];
	struct ctl_status s;
	const char *why = NULL;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "%sstarted=%s\n", base,
		     "000000000000000000000000000000000000000000000000000000000000042");
	assert_int_equal(ctl_status_decode((const uint8_t *)text, (size_t)n, &s, &why), 0);
	assert_int_equal(s.started, 42);
	n = snprintf(text, sizeof(text), "%sstarted=%s\n", base,
		     "0000000000000000000000000000000000000000000000000000000000000042");
	assert_int_equal(ctl_status_decode((const uint8_t *)text, (size_t)n, &s, &why), -1);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_claim_conversation),
	cmocka_unit_test(test_claim_malformed),
	cmocka_unit_test(test_status_conversation),
	cmocka_unit_test(test_status_request_not_empty),
	cmocka_unit_test(test_nothing_after_status_or_down),
	cmocka_unit_test(test_down_seconds),
	cmocka_unit_test(test_exec_conversation),
	cmocka_unit_test(test_exec_then_other_frames),
	cmocka_unit_test(test_exec_then_signal),
	cmocka_unit_test(test_exec_needs_sid),
	cmocka_unit_test(test_exec_malformed),
	cmocka_unit_test(test_console_conversation),
	cmocka_unit_test(test_console_attach_not_empty),
	cmocka_unit_test(test_winsize_conversation),
	cmocka_unit_test(test_bad_first_frames),
	cmocka_unit_test(test_status_roundtrip_full),
	cmocka_unit_test(test_status_roundtrip_bare),
	cmocka_unit_test(test_status_roundtrip_states),
	cmocka_unit_test(test_status_roundtrip_largest),
	cmocka_unit_test(test_status_encode_small_buffer),
	cmocka_unit_test(test_status_fs_bound),
	cmocka_unit_test(test_status_decode_rejects),
	cmocka_unit_test(test_status_decode_too_long),
	cmocka_unit_test(test_status_decode_value_bound))
