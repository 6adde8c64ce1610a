/* test_logline.c - guest bytes into a machine's log: pool's words at the
 * start of a line are pool's, wherever the guest put its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/logline.h"
#include "util/termfilter.h"
#include "tests/unit/main.h"

#define M LOGLINE_MARK

struct lcase {
	const char *in, *out;
};

/* What the log gets for in, fed whole; and fed a byte at a time, the same. */
static size_t through(const char *in, size_t n, uint8_t *out, size_t cap, size_t piece)
{
	struct logline l;
	size_t o = 0;

	logline_init(&l);
	for (size_t i = 0; i < n; i += piece) {
		size_t take = n - i < piece ? n - i : piece;

		size_t got;

		assert_true(cap - o >= LOGLINE_OUT_MAX(take));
		got = logline_feed(&l, (const uint8_t *)in + i, take, out + o, cap - o);
		assert_true(got <= LOGLINE_OUT_MAX(take));
		o += got;
	}
	return o + logline_flush(&l, out + o, cap - o);
}

/* What pool logs shows of the log: the LOG filter's output without its
 * SGR sequences (the only ones it passes), CR LF and CR CR LF as LF. */
static size_t shown(const uint8_t *log, size_t n, char *out, size_t cap)
{
	struct termfilter tf;
	size_t fcap = TERMFILTER_OUT_MAX(n), fn, o = 0;
	uint8_t *f = malloc(fcap);

	assert_non_null(f);
	termfilter_init(&tf, TERMFILTER_LOG);
	fn = termfilter_feed(&tf, log, n, f, fcap);
	for (size_t i = 0; i < fn && o + 1 < cap; i++) {
		if (f[i] == 0x1b) {	/* ESC [ ... m */
			while (i < fn && f[i] != 'm')
				i++;
			continue;
		}
		if (f[i] == '\r') {	/* CRs before a LF: the line's end */
			size_t j = i;

			while (j < fn && f[j] == '\r')
				j++;
			if (j < fn && f[j] == '\n')
				continue;
		}
		out[o++] = (char)f[i];
	}
	out[o] = '\0';
	free(f);
	return o;
}

/* No line that pool logs shows starts with pool's words unless pool put
 * them there: a line begins after a LF, and no CR or BS is left to go
 * back over one. */
static void assert_no_forgery(const uint8_t *log, size_t n)
{
	char s[8192];
	const char *line;

	shown(log, n, s, sizeof s);
	assert_null(strchr(s, '\r'));
	assert_null(strchr(s, '\b'));
	for (line = s; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, "pool:", 5) || !strncmp(line, "[exec ", 6))
			fail_msg("a line passes for pool's: \"%.60s\"", line);
}

static void test_logline_cases(void **state)
{
	static const struct lcase cases[] = {
		/* the guest's own lines pass as they are */
		{ "hello\r\n", "hello\r\n" },
		{ "a: pool\r\n[exe\r\npool;\r\n", "a: pool\r\n[exe\r\npool;\r\n" },
		{ "\x1b[1;31mred\x1b[m\r\n", "\x1b[1;31mred\x1b[m\r\n" },
		{ "caf\xc3\xa9\r\n", "caf\xc3\xa9\r\n" },
		/* pool's words, wherever they show */
		{ "pool: exec 1 exited with status 0\r\n", M "pool: exec 1 exited with status 0\r\n" },
		{ "[exec 2] rm done\n", M "[exec 2] rm done\n" },
		{ "[exec 2 err] x\n", M "[exec 2 err] x\n" },
		{ "xpool: y", "x" M "pool: y" },
		{ "ppool:", "p" M "pool:" },
		{ "[[exec ", "[" M "[exec " },
		{ "\tpool:", "\t" M "pool:" },
		{ "\x1b[1mpool: y\n", "\x1b[1m" M "pool: y\n" },
		{ "p\x1b[mo\x01o\x7fl:", M "p\x1b[mo\x01o\x7fl:" },
		{ "\x1b]0;title\x07pool:", "\x1b]0;title\x07" M "pool:" },
		{ "\x1bP1$r\x1b\\pool:", "\x1bP1$r\x1b\\" M "pool:" },
		/* what the filter swallows shows no word */
		{ "\x1b]0;pool: x\x07\n", "\x1b]0;pool: x\x07\n" },
		{ "\x1bPpool: x\x07pool\x1b\\\n", "\x1bPpool: x\x07pool\x1b\\\n" },
		/* a character that may look like a letter counts as one */
		{ "\xd1\x80ool: y", M "\xd1\x80ool: y" },
		{ "[\xd0\xb5xec 1] y", M "[\xd0\xb5xec 1] y" },
		{ "\xd1\x80\xd0\xbe\xd0\xbel: y", M "\xd1\x80\xd0\xbe\xd0\xbel: y" },
		/* the words' punctuation is ASCII: text in other scripts passes */
		{ "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80\r\n",
		  "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd0\xbc\xd0\xb8\xd1\x80\r\n" },
		{ "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe6\x96\x87\xe7\xab\xa0\r\n",
		  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe6\x96\x87\xe7\xab\xa0\r\n" },
		{ "x\x1b[\xd1\x80ool:", "x\x1b[\x18" M "\xd1\x80ool:" },
		/* the cursor does not go back over a line */
		{ "abc\rpool: y", "abc\r\n" M "pool: y" },
		{ "abc\b\b\bpool:", "abc" M "pool:" },
		{ "abc\r def", "abc\r\n def" },
		{ "x\x1b[1\rm", "x\x1b[1\r\nm" },
		{ "\x1b[1\rm", "\x1b[1m" },
		{ "a\r\nb\r\r\nc\n\rd\r\n\r\n\r\r\n", "a\r\nb\r\r\nc\nd\r\n\r\n\r\r\n" },
		/* less than a word is held, then let go as it was */
		{ "poo", "poo" },
		{ "poo\nl:", "poo\nl:" },
	};
	uint8_t out[1024];
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t wl = strlen(cases[i].out), n;

		snprintf(want, sizeof want, "%s", cases[i].out);
		for (size_t piece = 1; piece <= 64; piece *= 4) {
			n = through(cases[i].in, strlen(cases[i].in), out, sizeof out, piece);
			if (n != wl || memcmp(out, want, n) != 0)
				fail_msg("case %zu (pieces of %zu): got \"%.*s\"", i, piece, (int)n, out);
		}
		assert_no_forgery(out, n);
	}
}

/* Padding between the letters past what is held: taken as the word. */
static void test_logline_padded(void **state)
{
	char in[1024];
	uint8_t out[2048];
	size_t o = 0, n;

	(void)state;
	in[o++] = 'p';
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(in + o, sizeof in - o, "\x1b[m");
	o += (size_t)snprintf(in + o, sizeof in - o, "ool: y");
	n = through(in, o, out, sizeof out, 7);
	assert_true(n > strlen(M));
	assert_memory_equal(out, M "p", strlen(M) + 1);
	assert_no_forgery(out, n);
}

/* Random guest bytes, a byte at a time or whole: the same log, and no
 * line of it passes for pool's. */
static void test_logline_random(void **state)
{
	static const char alphabet[] = "pool:[exec ] \r\n\b\t\x1b[]P\\m\x07\x18\xd1\x80;0";
	char in[512];
	uint8_t a[4096], b[4096];

	(void)state;
	srand(7);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof in), na, nb;

		for (size_t i = 0; i < n; i++)
			in[i] = rand() % 4 ? alphabet[rand() % (int)(sizeof alphabet - 1)] : "pool:"[rand() % 5];
		na = through(in, n, a, sizeof a, n ? n : 1);
		nb = through(in, n, b, sizeof b, 1);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, na);
		assert_no_forgery(a, na);
	}
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_logline_cases),
	cmocka_unit_test(test_logline_padded),
	cmocka_unit_test(test_logline_random))
