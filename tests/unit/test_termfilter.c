/* test_termfilter.c - guest bytes on their way to the user's terminal:
 * what must pass byte for byte, what must vanish, however it is split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "src/util/termfilter.h"
#include "tests/unit/main.h"

#define BUF_MAX 16384
#define FFFD "\xef\xbf\xbd"

struct bytes {
	const char *s;
	size_t n;
};

/* a literal with its length, so it may hold NUL */
#define B(lit) ((struct bytes){ (lit), sizeof(lit) - 1 })

static uint8_t whole[TERMFILTER_OUT_MAX(BUF_MAX)];
static uint8_t pieces[TERMFILTER_OUT_MAX(BUF_MAX)];

/* Feed in pieces: the first cut bytes, then the rest in chunks of step
 * (step 0: the rest at once). Return the output, flush not included. */
static size_t feed_split(enum termfilter_mode mode, const struct bytes in, size_t cut, size_t step, uint8_t *out)
{
	const uint8_t *p = (const uint8_t *)in.s;
	struct termfilter tf;
	size_t len, off;

	termfilter_init(&tf, mode);
	len = termfilter_feed(&tf, p, cut, out, TERMFILTER_OUT_MAX(cut));
	for (off = cut; off < in.n;) {
		size_t k = step && step < in.n - off ? step : in.n - off;

		len += termfilter_feed(&tf, p + off, k, out + len, TERMFILTER_OUT_MAX(k));
		off += k;
	}
	return len;
}

static void show(const char *what, const uint8_t *s, size_t n)
{
	fprintf(stderr, "%s (%zu): \"", what, n);
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			fputc(s[i], stderr);
		else
			fprintf(stderr, "\\x%02x", s[i]);
	fprintf(stderr, "\"\n");
}

/* The output of in must be want: all at once, one byte at a time, and cut
 * in two at every position. */
static void expect_mode(enum termfilter_mode mode, const struct bytes in, const struct bytes want)
{
	size_t n = feed_split(mode, in, in.n, 0, whole);

	assert_true(in.n <= BUF_MAX);
	if (n != want.n || memcmp(whole, want.s, n) != 0) {
		show("input", (const uint8_t *)in.s, in.n);
		show("want", (const uint8_t *)want.s, want.n);
		show("got", whole, n);
		fail();
	}
	assert_int_equal(feed_split(mode, in, 0, 1, pieces), n);
	assert_memory_equal(pieces, whole, n);
	for (size_t cut = 0; cut <= in.n; cut++) {
		assert_int_equal(feed_split(mode, in, cut, 0, pieces), n);
		assert_memory_equal(pieces, whole, n);
	}
}

static void expect(const struct bytes in, const struct bytes want)
{
	expect_mode(TERMFILTER_TERMINAL, in, want);
}

/* in passes byte for byte */
static void expect_same(const struct bytes in)
{
	expect(in, in);
}

/* feed, then flush: what reaches the terminal by the end of the stream */
static size_t feed_flush(enum termfilter_mode mode, const struct bytes in, uint8_t *out)
{
	struct termfilter tf;
	size_t n;

	termfilter_init(&tf, mode);
	n = termfilter_feed(&tf, (const uint8_t *)in.s, in.n, out, TERMFILTER_OUT_MAX(in.n));
	return n + termfilter_flush(&tf, out + n, TERMFILTER_OUT_MAX(0));
}

static void expect_flushed(enum termfilter_mode mode, const struct bytes in, const struct bytes want)
{
	size_t n = feed_flush(mode, in, whole);

	if (n != want.n || memcmp(whole, want.s, n) != 0) {
		show("input", (const uint8_t *)in.s, in.n);
		show("want", (const uint8_t *)want.s, want.n);
		show("got", whole, n);
		fail();
	}
}

static void test_text_passes(void **state)
{
	(void)state;
	expect_same(B("hello, world\r\n"));
	expect_same(B("a\tb\bc\a"));
	expect_same(B(" !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~"));
	/* other C0 controls and DEL go */
	expect(B("a\0b\001c\013d\014e\016f\017g\021h\023i\034j\037k\177l"), B("abcdefghijkl"));
	expect(B("a\030b\032c"), B("abc"));
}

static void test_utf8_passes(void **state)
{
	(void)state;
	expect_same(B("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	/* wide characters, combining marks */
	expect_same(B("\xe6\xbc\xa2\xe5\xad\x97 e\xcc\x81"));
	/* continuation bytes in 0x80-0x9f are fine inside a character:
	 * U+0101, U+0800, U+10000, U+10FFFF, U+00A0 (the first after C1) */
	expect_same(B("\xc4\x81\xe0\xa0\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\xc2\xa0"));
	/* the replacement character itself passes */
	expect_same(B(FFFD));
}

static void test_c1_as_utf8_dropped(void **state)
{
	char in[4] = { 'a', (char)0xc2, 0, 'b' };

	(void)state;
	for (unsigned c = 0x80; c <= 0x9f; c++) {
		in[2] = (char)c;
		expect((struct bytes){ in, 4 }, B("ab"));
	}
	/* the control: U+00A0 right after the C1 range is a character */
	in[2] = (char)0xa0;
	expect((struct bytes){ in, 4 }, (struct bytes){ in, 4 });
	/* an 8-bit CSI as UTF-8 starts nothing: what follows is text */
	expect(B("\xc2\x9b" "6n\xc2\x9b" "c\xc2\x9d" "52;c;eA==\xc2\x9c"), B("6nc52;c;eA=="));
}

static void test_c1_raw_replaced(void **state)
{
	char in[3] = { 'a', 0, 'b' };

	(void)state;
	for (unsigned c = 0x80; c <= 0x9f; c++) {
		in[1] = (char)c;
		expect((struct bytes){ in, 3 }, B("a" FFFD "b"));
	}
	expect(B("\x9b" "6n\x9b" "c\x90$q\x9c"), B(FFFD "6n" FFFD "c" FFFD "$q" FFFD));
	expect(B("\x9d" "52;c;eA==\x07"), B(FFFD "52;c;eA==\x07"));
}

static void test_utf8_invalid_replaced(void **state)
{
	(void)state;
	/* overlong forms of '/' and of NUL */
	expect(B("\xc0\xaf"), B(FFFD FFFD));
	expect(B("\xc1\xbf"), B(FFFD FFFD));
	expect(B("\xe0\x80\xaf"), B(FFFD FFFD FFFD));
	expect(B("\xf0\x80\x80\xaf"), B(FFFD FFFD FFFD FFFD));
	expect(B("\xc0\x80"), B(FFFD FFFD));
	/* an overlong ESC is not an ESC */
	expect(B("\xc0\x9b[6n"), B(FFFD FFFD "[6n"));
	/* surrogates, above U+10FFFF, bytes that never appear */
	expect(B("\xed\xa0\x80"), B(FFFD FFFD FFFD));
	expect(B("\xf4\x90\x80\x80"), B(FFFD FFFD FFFD FFFD));
	expect(B("\xf5\xf8\xfe\xff"), B(FFFD FFFD FFFD FFFD));
	/* cut off by ASCII, by ESC, by another lead */
	expect(B("\xe2\x82" "a"), B(FFFD "a"));
	expect(B("\xe2\x82\033[1m"), B(FFFD "\033[1m"));
	expect(B("\xe2\xe2\x82\xac"), B(FFFD "\xe2\x82\xac"));
	/* Unicode's own example (chapter 3, U+FFFD substitution) */
	expect(B("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"),
	       B("a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d"));
	/* cut off by the end of the stream */
	expect_flushed(TERMFILTER_TERMINAL, B("ok\xf0\x9f\x98"), B("ok" FFFD));
}

/* Each must vanish and leave the text around it alone. */
static const struct bytes forbidden[] = {
	/* clipboard */
	B("\033]52;c;aGVsbG8=\a"), B("\033]52;c;aGVsbG8=\033\\"), B("\033]52;p;?\a"), B("\033]52;;\a"),
	/* device attributes, primary, secondary, tertiary; DECID */
	B("\033[c"), B("\033[0c"), B("\033[>c"), B("\033[>0c"), B("\033[=c"), B("\033[=0c"), B("\033Z"),
	/* status and cursor position reports */
	B("\033[5n"), B("\033[6n"), B("\033[?6n"), B("\033[?15n"), B("\033[?26n"), B("\033[>0n"),
	/* DECRQSS, XTGETTCAP, other DCS */
	B("\033P$qm\033\\"), B("\033P$q\"p\033\\"), B("\033P+q544e\033\\"), B("\033P1$r0m\033\\"),
	B("\033Pq#0;2;0;0;0#0~~-\033\\"),
	/* APC, PM, SOS */
	B("\033_Gf=100;AAAA\033\\"), B("\033^privacy\033\\"), B("\033Xstring\033\\"),
	/* DECRQM, XTVERSION, DECREQTPARM, DECRQCRA, XTQMODKEYS, XTSMGRAPHICS */
	B("\033[?2004$p"), B("\033[4$p"), B("\033[>q"), B("\033[>0q"), B("\033[x"), B("\033[1x"),
	B("\033[1;1;1;1;1;1*y"), B("\033[?4m"), B("\033[?1;1;0S"), B("\033[1$w"), B("\033[?u"),
	/* window ops that report, move, resize, iconify; DECSLPP */
	B("\033[11t"), B("\033[13t"), B("\033[13;2t"), B("\033[14t"), B("\033[14;2t"), B("\033[15t"),
	B("\033[16t"), B("\033[18t"), B("\033[19t"), B("\033[20t"), B("\033[21t"), B("\033[2t"),
	B("\033[3;0;0t"), B("\033[4;1000;1000t"), B("\033[8;100;300t"), B("\033[9;1t"), B("\033[10;1t"),
	B("\033[24t"), B("\033[48t"), B("\033[t"), B("\033[22;9t"),
	/* OSC queries, colour and font settings, links, anything but a title */
	B("\033]4;1;?\a"), B("\033]10;?\a"), B("\033]11;?\033\\"), B("\033]12;?\a"), B("\033]17;?\a"),
	B("\033]50;?\a"), B("\033]50;#+1\a"), B("\033]104\a"), B("\033]10;#ffffff\a"), B("\033]4;1;red\a"),
	B("\033]8;;https://example.com/\033\\"), B("\033]8;;\a"), B("\033]7;file://host/tmp\a"),
	B("\033]1337;File=inline=1:AAAA\a"), B("\033]777;notify;a;b\a"), B("\033]9;hi\a"),
	B("\033]133;A\a"), B("\033]3;x\a"), B("\033]00;t\a"), B("\033];t\a"), B("\033]0\a"),
	/* key and mode changes beyond the list; 8-bit and charset switches */
	B("\033[>4;2m"), B("\033[>1u"), B("\033[<u"), B("\033[=1;1u"), B("\033[?1005h"), B("\033[?1015h"),
	B("\033[?9h"), B("\033[?1001h"), B("\033[?3h"), B("\033[?1;3h"), B("\033[12h"), B("\033[20h"),
	B("\033[?1049s"), B("\033[?1049r"), B("\033[?h"),
	B("\033 G"), B("\033 F"), B("\033%@"), B("\033%G"), B("\033#8"), B("\033(<"), B("\033N"), B("\033O"),
	B("\033n"), B("\033\\"), B("\033((B"), B("\033( B"), B("\033 !\"#$%&F"), B("\033[62;1\"p"), B("\033[5i"), B("\033[4i"), B("\033[1;2;3;4;5T"),
	B("\033[1;2S"), B("\033H"), B("\033[3g"), B("\033[g"), B("\033[1\"q"), B("\033[1q"),
	/* parameter forms that are not for this final, or too long */
	B("\033[1:2H"), B("\033[100000A"), B("\033[1;2;3H"), B("\033[7 q"), B("\033[!1p"), B("\033[1 p"),
};

/* "ab", seq, "cd", in buf. */
static struct bytes between_text(char *buf, size_t cap, const struct bytes seq)
{
	assert_true(seq.n + 4 < cap);
	memcpy(buf, "ab", 2);
	memcpy(buf + 2, seq.s, seq.n);
	memcpy(buf + 2 + seq.n, "cd", 2);
	return (struct bytes){ buf, seq.n + 4 };
}

static void test_forbidden_dropped(void **state)
{
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++) {
		struct bytes in = between_text(buf, sizeof buf, forbidden[i]);

		expect(in, B("abcd"));
		expect_mode(TERMFILTER_LOG, in, B("abcd"));
		expect_mode(TERMFILTER_PLAIN, in, B("abcd"));
	}
}

/* Each must pass byte for byte (in TERMINAL mode). */
static const struct bytes allowed[] = {
	/* SGR: reset, attributes, 16, 256 and truecolour, colon forms */
	B("\033[m"), B("\033[0m"), B("\033[1;31m"), B("\033[01;34;42m"), B("\033[38;5;196m"),
	B("\033[48;5;21m"), B("\033[38;2;255;128;0m"), B("\033[48;2;0;0;0;1;4m"),
	B("\033[38:2::255:128:0m"), B("\033[4:3m"), B("\033[58:5:1m"), B("\033[0;1;3;4;5;7;8;9m"),
	/* cursor movement and erase */
	B("\033[A"), B("\033[10B"), B("\033[C"), B("\033[3D"), B("\033[E"), B("\033[2F"), B("\033[10G"),
	B("\033[H"), B("\033[5;10H"), B("\033[;H"), B("\033[5;10f"), B("\033[5d"), B("\033[e"),
	B("\033[a"), B("\033[7`"), B("\033[I"), B("\033[Z"), B("\033[J"), B("\033[2J"), B("\033[3J"),
	B("\033[K"), B("\033[1K"), B("\033[2K"), B("\033[L"), B("\033[3M"), B("\033[2P"), B("\033[4@"),
	B("\033[5X"), B("\033[3b"), B("\033[2S"), B("\033[2T"), B("\033[?J"), B("\033[?2K"),
	/* scroll region, save and restore the cursor */
	B("\033[2;24r"), B("\033[r"), B("\0337"), B("\0338"), B("\033[s"), B("\033[u"), B("\033M"),
	B("\033D"), B("\033E"),
	/* screen, cursor, paste, mouse and key modes */
	B("\033[?1049h"), B("\033[?1049l"), B("\033[?1047h"), B("\033[?47l"), B("\033[?1048h"),
	B("\033[?25l"), B("\033[?25h"), B("\033[?12h"), B("\033[?2004h"), B("\033[?2004l"),
	B("\033[?1h"), B("\033[?1l"), B("\033[?7l"), B("\033[?7h"), B("\033[?5h"), B("\033[?6l"),
	B("\033[?1000h"), B("\033[?1002h"), B("\033[?1003l"), B("\033[?1006h"), B("\033[?1004h"),
	B("\033[?2026h"), B("\033[?2026l"), B("\033[?1000;1006h"), B("\033[4h"), B("\033[4l"),
	B("\033=") , B("\033>"), B("\033[2 q"), B("\033[ q"), B("\033[!p"), B("\033c"),
	/* charsets */
	B("\033(B"), B("\033(0"), B("\033)0"), B("\033(A"),
	/* titles, and the title stack */
	B("\033]0;title\a"), B("\033]1;icon\a"), B("\033]2;user@host: ~/src\033\\"), B("\033]2;\a"),
	B("\033]0;caf\xc3\xa9 \xe6\xbc\xa2\a"), B("\033]0;a;b?c\a"), B("\033[22;0t"), B("\033[23;0t"),
	B("\033[22;2t"), B("\033[22t"),
	/* five digits is the most a parameter has */
	B("\033[99999C"), B("\033[?01049h"),
};

static void test_allowed_pass(void **state)
{
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		struct bytes in = between_text(buf, sizeof buf, allowed[i]);

		expect(allowed[i], allowed[i]);
		expect(in, in);
	}
}

static void test_log_mode(void **state)
{
	(void)state;
	/* colours pass; cursor movement, titles, modes and the bell do not */
	expect_mode(TERMFILTER_LOG, B("[\033[0;32m  OK  \033[0m] Started\r\n"), B("[\033[0;32m  OK  \033[0m] Started\r\n"));
	expect_mode(TERMFILTER_LOG, B("\033[38;2;1;2;3mx\033[2J\033[H\033]0;t\a\a\033[?1049h\0337\033(0y\ty\bz"),
		    B("\033[38;2;1;2;3mxy\ty\bz"));
	/* same text in TERMINAL mode keeps them: the control */
	expect_same(B("\033[2J\033[H\033]0;t\a\a"));
	/* text only */
	expect_mode(TERMFILTER_PLAIN, B("[\033[0;32m  OK  \033[0m] caf\xc3\xa9\a\r\n"), B("[  OK  ] caf\xc3\xa9\r\n"));
	expect_mode(TERMFILTER_PLAIN, B("\xff\xc2\x85"), B(FFFD));
	/* in LOG mode a title is swallowed, not printed */
	expect_mode(TERMFILTER_LOG, B("a\033]2;title\033\\b"), B("ab"));
}

static void test_title_bounded(void **state)
{
	char in[400], want[400];
	size_t n;

	(void)state;
	/* a long title is cut at TERMFILTER_TITLE_MAX */
	n = (size_t)snprintf(in, sizeof in, "\033]0;");
	memset(in + n, 'a', 300);
	n += 300;
	in[n++] = '\a';
	memcpy(want, "\033]0;", 4);
	memset(want + 4, 'a', TERMFILTER_TITLE_MAX);
	want[4 + TERMFILTER_TITLE_MAX] = '\a';
	expect((struct bytes){ in, n }, (struct bytes){ want, 5 + TERMFILTER_TITLE_MAX });

	/* on a character boundary: a euro sign that would end at byte 129 */
	n = 4;
	memset(in + n, 'a', TERMFILTER_TITLE_MAX - 2);
	n += TERMFILTER_TITLE_MAX - 2;
	memcpy(in + n, "\xe2\x82\xac" "bbb\033\\", 8);
	n += 8;
	memset(want + 4, 'a', TERMFILTER_TITLE_MAX - 2);
	memcpy(want + 2 + TERMFILTER_TITLE_MAX, "\033\\", 2);
	expect((struct bytes){ in, n }, (struct bytes){ want, 4 + TERMFILTER_TITLE_MAX });

	/* exactly TERMFILTER_TITLE_MAX bytes are not cut */
	n = 4;
	memset(in + n, 'x', TERMFILTER_TITLE_MAX);
	n += TERMFILTER_TITLE_MAX;
	in[n++] = '\a';
	expect((struct bytes){ in, n }, (struct bytes){ in, n });

	/* controls inside the title leave, printable text stays */
	expect(B("\033]0;a\tb\001c\rd\be\177f\a"), B("\033]0;abcdef\a"));
	expect(B("\033]2;a\xc2\x9b" "6n\xc2\x85z\a"), B("\033]2;a6nz\a"));
	expect(B("\033]2;a\xff\x9b\xc0\xafz\xe2\x82\a"), B("\033]2;az\a"));
	/* BEL inside a title ends it; the rest is text */
	expect_same(B("\033]0;one\atwo"));
}

static void test_title_unterminated(void **state)
{
	(void)state;
	/* ESC other than ST ends the string and starts a new sequence */
	expect(B("\033]0;abc\033[1mX"), B("\033[1mX"));
	expect(B("\033]0;abc\033]2;def\a"), B("\033]2;def\a"));
	/* never terminated */
	expect_flushed(TERMFILTER_TERMINAL, B("\033]0;abc"), B(""));
	expect_flushed(TERMFILTER_TERMINAL, B("\033]0;abc\033"), B(""));
	expect_flushed(TERMFILTER_TERMINAL, B("\033]0;\xe2\x82"), B(""));
}

static void test_can_sub_abort(void **state)
{
	/* a sequence cut by CAN or SUB: only what follows is left */
	static const struct {
		const char *seq, *cut, *rest;
	} cases[] = {
		{ "\033[1", "\030", "m" },
		{ "\033[6", "\032", "n" },
		{ "\033", "\030", "c" },
		{ "\033(", "\030", "B" },
		{ "\033]52;c;eA==", "\030", "rest" },
		{ "\033]0;title", "\032", "rest" },
		{ "\033Pq#0~~", "\030", "rest" },
		{ "\033_abc", "\032", "rest" },
		{ "\033]0;abc\033", "\030", "rest" },
	};
	char in[64];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int n = snprintf(in, sizeof in, "%s%s%s", cases[i].seq, cases[i].cut, cases[i].rest);

		expect((struct bytes){ in, (size_t)n }, (struct bytes){ cases[i].rest, strlen(cases[i].rest) });
	}
	/* the control: the same without CAN */
	expect_same(B("\033[1mm"));
}

static void test_sequence_restarts(void **state)
{
	(void)state;
	/* ESC inside a sequence drops it and starts another */
	expect(B("\033[1\033[2m"), B("\033[2m"));
	expect(B("\033[6\033[31mx"), B("\033[31mx"));
	expect(B("\033\033[c"), B(""));
	expect(B("\033P$q\033[1m"), B("\033[1m"));
	expect(B("\033P$q\033\033\\x"), B("x"));
	/* C0 controls inside a sequence are executed there: they pass first */
	expect(B("\033[1\r;2H"), B("\r\033[1;2H"));
	expect(B("\033[6\nn"), B("\n"));
	expect(B("\033\a7"), B("\a\0337"));
	/* DEL inside is ignored */
	expect(B("\033[3\1771m"), B("\033[31m"));
	/* a byte >= 0x80 ends a sequence and is text */
	expect(B("\033[1\xc3\xa9m"), B("\xc3\xa9m"));
	expect(B("\033[\x9b" "6n"), B(FFFD "6n"));
	/* parameter bytes out of place */
	expect(B("\033[1?h"), B(""));
	expect(B("\033[ 1q"), B(""));
	expect_same(B("\033[?1049h"));
}

static void test_never_terminated(void **state)
{
	static char in[12000];
	size_t n;

	(void)state;
	/* a DCS swallows everything up to its end, as a terminal would */
	memcpy(in, "\033Pq", 3);
	memset(in + 3, '~', 10000);
	n = 10003;
	expect((struct bytes){ in, n }, B(""));
	memcpy(in + n, "\033\\after", 7);
	expect((struct bytes){ in, n + 7 }, B("after"));
	expect_flushed(TERMFILTER_TERMINAL, (struct bytes){ in, n }, B(""));

	/* a control sequence longer than TERMFILTER_SEQ_MAX is dropped
	 * whole, never passed in part */
	memcpy(in, "\033[", 2);
	memset(in + 2, '1', 1000);
	memcpy(in + 1002, "mok", 3);
	expect((struct bytes){ in, 1005 }, B("ok"));
	memcpy(in, "\033[", 2);
	for (size_t i = 0; i < 300; i++)
		in[2 + i] = i % 2 ? ';' : '1';
	memcpy(in + 302, "mok", 3);
	expect((struct bytes){ in, 305 }, B("ok"));
	/* 33 parameters is one too many; 32 pass */
	expect(B("\033[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1mok"), B("ok"));
	expect_same(B("\033[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1mok"));
	/* an OSC that never ends swallows until its end */
	memcpy(in, "\033]52;c;", 7);
	memset(in + 7, 'A', 5000);
	memcpy(in + 5007, "\aok", 3);
	expect((struct bytes){ in, 5010 }, B("ok"));
	/* unterminated at the end of the stream: dropped */
	expect_flushed(TERMFILTER_TERMINAL, B("ok\033[6"), B("ok"));
	expect_flushed(TERMFILTER_TERMINAL, B("ok\033"), B("ok"));
	expect_flushed(TERMFILTER_TERMINAL, B("ok\033P$q"), B("ok"));
}

static void test_longest_sequence_fits(void **state)
{
	char in[TERMFILTER_SEQ_MAX];
	uint8_t out[TERMFILTER_OUT_MAX(1)];
	struct termfilter tf;
	size_t n = 2;

	(void)state;
	/* the longest that passes: 32 parameters of 5 digits */
	memcpy(in, "\033[", 2);
	for (unsigned i = 0; i < 32; i++) {
		const char *param = i ? ";00001" : "00001";

		memcpy(in + n, param, strlen(param));
		n += strlen(param);
	}
	in[n++] = 'm';
	assert_true(n <= TERMFILTER_SEQ_MAX);
	expect((struct bytes){ in, n }, (struct bytes){ in, n });
	/* one more digit drops it */
	memmove(in + 3, in + 2, n - 2);
	expect((struct bytes){ in, n + 1 }, B(""));
	memmove(in + 2, in + 3, n - 2);

	/* all of it held, then emitted by the one-byte call that ends it:
	 * TERMFILTER_OUT_MAX(1) is room enough */
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	assert_int_equal(termfilter_feed(&tf, (const uint8_t *)in, n - 1, out, sizeof out), 0);
	assert_int_equal(termfilter_feed(&tf, (const uint8_t *)in + n - 1, 1, out, sizeof out), n);
	assert_memory_equal(out, in, n);
}

static void test_output_bound(void **state)
{
	static uint8_t in[4096];
	uint8_t out[TERMFILTER_OUT_MAX(sizeof in)];
	struct termfilter tf;
	size_t n;

	(void)state;
	/* the most a byte grows: one invalid byte, one U+FFFD */
	memset(in, 0xff, sizeof in);
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	n = termfilter_feed(&tf, in, sizeof in, out, sizeof out);
	assert_int_equal(n, 3 * sizeof in);
	for (size_t i = 0; i < n; i += 3)
		assert_memory_equal(out + i, FFFD, 3);

	/* too little room: a token that does not fit is dropped whole */
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	n = termfilter_feed(&tf, (const uint8_t *)"ab\033[31mc", 9, out, 4);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	n = termfilter_feed(&tf, (const uint8_t *)"\xe2\x82\xac", 3, out, 2);
	assert_int_equal(n, 0);
}

static void test_flush_restores(void **state)
{
	(void)state;
	/* what a full-screen program left on is put back */
	expect_flushed(TERMFILTER_TERMINAL, B("\033[?1049h\033[?1000h\033[?1006h\033[31mx"),
		       B("\033[?1049h\033[?1000h\033[?1006h\033[31mx"
			 "\033[?1000l\033[?1006l\033[?1049l\033[0m"));
	/* what it put back itself is not put back again */
	expect_flushed(TERMFILTER_TERMINAL, B("\033[?1049h\033[?1000h\033[31mx\033[?1000l\033[?1049l\033[m"),
		       B("\033[?1049h\033[?1000h\033[31mx\033[?1000l\033[?1049l\033[m"));
	expect_flushed(TERMFILTER_TERMINAL, B("\033[?25l\033[?7l\033=\033(0\033[3;20r\033[4h\033[5 q"),
		       B("\033[?25l\033[?7l\033=\033(0\033[3;20r\033[4h\033[5 q"
			 "\033>\0337\033[r\0338\033[?7h\033[4l\033(B\033[0 q\033[?25h"));
	/* a full reset forgets it all */
	expect_flushed(TERMFILTER_TERMINAL, B("\033[?1049h\033[?2004h\033c"), B("\033[?1049h\033[?2004h\033c"));
	/* dropped modes leave nothing to put back */
	expect_flushed(TERMFILTER_TERMINAL, B("\033[?1005h\033[>4;2m"), B(""));
	/* LOG mode: only colours to put back */
	expect_flushed(TERMFILTER_LOG, B("\033[1;31mred\033[?1000h"), B("\033[1;31mred\033[0m"));
	expect_flushed(TERMFILTER_PLAIN, B("\033[1;31mred"), B("red"));
}

static void test_flush_everything(void **state)
{
	static const char all[] = "\033[?2026h\033[?1000;1002;1003;1004;1006;2004;1;5;6h\033[?7l\033[?25l"
				  "\033[?1049h\033[?1047h\033[?47h\033=\033(0\033[1;2r\033[4h\033[1m\033[3 q";
	static const char back[] = "\033[?2026l\033[?1000l\033[?1002l\033[?1003l\033[?1004l\033[?1006l"
				   "\033[?2004l\033[?1l\033>\033[?1049l\033[?1047l\033[?47l\0337\033[r\0338"
				   "\033[?6l\033[?7h\033[?5l\033[4l\033(B\033[0m\033[0 q\033[?25h";
	uint8_t out[TERMFILTER_OUT_MAX(sizeof all)];
	struct termfilter tf;
	size_t n;

	(void)state;
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	n = termfilter_feed(&tf, (const uint8_t *)all, sizeof all - 1, out, sizeof out);
	assert_int_equal(n, sizeof all - 1);
	/* and a cut-off character: the most a flush writes */
	assert_int_equal(termfilter_feed(&tf, (const uint8_t *)"\xe2", 1, out, sizeof out), 0);
	n = termfilter_flush(&tf, out, TERMFILTER_OUT_MAX(0));
	assert_int_equal(n, 3 + sizeof back - 1);
	assert_true(n <= TERMFILTER_RESTORE_MAX);
	assert_memory_equal(out, FFFD, 3);
	assert_memory_equal(out + 3, back, sizeof back - 1);
	/* the filter starts over */
	assert_int_equal(termfilter_flush(&tf, out, TERMFILTER_OUT_MAX(0)), 0);
	assert_int_equal(termfilter_feed(&tf, (const uint8_t *)"ok", 2, out, sizeof out), 2);
}

static void take(struct termfilter *tf, unsigned da1, unsigned da2, unsigned status, unsigned cpr)
{
	uint8_t q[TERMFILTER_Q_COUNT];

	termfilter_take_queries(tf, q);
	assert_int_equal(q[TERMFILTER_Q_DA1], da1);
	assert_int_equal(q[TERMFILTER_Q_DA2], da2);
	assert_int_equal(q[TERMFILTER_Q_STATUS], status);
	assert_int_equal(q[TERMFILTER_Q_CPR], cpr);
}

static void test_queries_counted(void **state)
{
	static const char in[] = "\033[c\033[0c\033[>c\033[>0c\033[5n\033[6n\033[6n"
				 /* not these: other forms, or answers that hold data */
				 "\033[?6n\033[=c\033[1c\033[>1c\033[6;1n\033[ 6n\033[15n\033[21t\033]11;?\a\033P$qm\033\\";
	uint8_t out[TERMFILTER_OUT_MAX(sizeof in)];
	struct termfilter tf;

	(void)state;
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	take(&tf, 0, 0, 0, 0);
	assert_int_equal(termfilter_feed(&tf, (const uint8_t *)in, sizeof in - 1, out, sizeof out), 0);
	take(&tf, 2, 2, 1, 2);
	take(&tf, 0, 0, 0, 0);	/* taken: counted again from zero */
	/* split across calls, and at most TERMFILTER_QUERIES_MAX */
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(termfilter_feed(&tf, (const uint8_t *)"\033[6", 3, out, sizeof out), 0);
		assert_int_equal(termfilter_feed(&tf, (const uint8_t *)"n", 1, out, sizeof out), 0);
	}
	take(&tf, 0, 0, 0, TERMFILTER_QUERIES_MAX);
	/* replayed output has no one to answer */
	termfilter_init(&tf, TERMFILTER_LOG);
	assert_int_equal(termfilter_feed(&tf, (const uint8_t *)in, sizeof in - 1, out, sizeof out), 0);
	take(&tf, 0, 0, 0, 0);
}

static void test_idempotent(void **state)
{
	static const char mixed[] = "a\033[1;31mb\033]0;t\xc3\xa9\001\a\033[6n\xff\xc2\x9b\033[?1049h"
				    "\033P$q\033\\\033]52;c;x\a\033[?25l\xe2\x82";
	uint8_t once[TERMFILTER_OUT_MAX(sizeof mixed)], twice[TERMFILTER_OUT_MAX(sizeof once)];
	size_t n1, n2;

	(void)state;
	n1 = feed_flush(TERMFILTER_TERMINAL, (struct bytes){ mixed, sizeof mixed - 1 }, once);
	assert_true(n1 > 0);
	n2 = feed_flush(TERMFILTER_TERMINAL, (struct bytes){ (const char *)once, n1 }, twice);
	assert_int_equal(n1, n2);
	assert_memory_equal(once, twice, n1);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_text_passes),
	cmocka_unit_test(test_utf8_passes),
	cmocka_unit_test(test_c1_as_utf8_dropped),
	cmocka_unit_test(test_c1_raw_replaced),
	cmocka_unit_test(test_utf8_invalid_replaced),
	cmocka_unit_test(test_forbidden_dropped),
	cmocka_unit_test(test_allowed_pass),
	cmocka_unit_test(test_log_mode),
	cmocka_unit_test(test_title_bounded),
	cmocka_unit_test(test_title_unterminated),
	cmocka_unit_test(test_can_sub_abort),
	cmocka_unit_test(test_sequence_restarts),
	cmocka_unit_test(test_never_terminated),
	cmocka_unit_test(test_longest_sequence_fits),
	cmocka_unit_test(test_output_bound),
	cmocka_unit_test(test_flush_restores),
	cmocka_unit_test(test_flush_everything),
	cmocka_unit_test(test_queries_counted),
	cmocka_unit_test(test_idempotent))
