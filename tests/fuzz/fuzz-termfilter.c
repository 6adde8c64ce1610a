/* fuzz-termfilter.c - fuzz the terminal filter: whatever the guest sends,
 * the terminal sees only allowed tokens, however the stream is split. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/util/termfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "check.h"

#define ESC 0x1b

/* A strict UTF-8 decoder, separate from the filter's: the length of the
 * character at s, or 0 if it is not shortest-form UTF-8 up to U+10FFFF
 * outside the surrogates. */
static size_t utf8_char(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	uint32_t v;

	if (s[0] < 0xc0)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : s[0] < 0xf8 ? 4 : 0;
	if (!len || len > n)
		return 0;
	v = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* A printable character at s (ASCII or UTF-8, no C0, DEL or C1): its
 * length, or 0. */
static size_t printable(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	len = utf8_char(s, n, &cp);
	CHECK(!len || cp >= 0xa0);	/* never U+0080..U+009F: C2 80..C2 9F */
	return len;
}

/* ESC [ at s: check it is one the terminal may see; return its length. */
static size_t check_csi(const uint8_t *s, size_t n, int mode)
{
	size_t i = 2, p0, p1, i0, digits = 0, nparams = 1;
	uint8_t priv = 0, final;
	unsigned first = 0;

	if (i < n && s[i] >= 0x3c && s[i] <= 0x3f)
		priv = s[i++];
	for (p0 = i; i < n && s[i] >= 0x30 && s[i] <= 0x3b; i++) {
		if (s[i] == ';' || s[i] == ':') {
			nparams++;
			digits = 0;
		} else {
			CHECK(++digits <= 5);
			if (nparams == 1)
				first = first * 10 + (unsigned)(s[i] - '0');
		}
	}
	p1 = i;
	for (i0 = i; i < n && s[i] >= 0x20 && s[i] <= 0x2f; i++)
		;
	CHECK(i < n && s[i] >= 0x40 && s[i] <= 0x7e);	/* complete */
	final = s[i];
	CHECK(nparams <= 32);
	/* no private marker but '?'; none that asks for an answer */
	CHECK(priv == 0 || priv == '?');
	CHECK(!memchr("cnxyiRvwW|~}", final, 12));
	CHECK(!memchr(s + i0, '$', i - i0) && !memchr(s + i0, '*', i - i0) && !memchr(s + i0, '"', i - i0));
	if (final == 't')	/* window ops: only the title stack */
		CHECK(!priv && (first == 22 || first == 23));
	if (final == 'q')	/* cursor shape only: no XTVERSION, DECLL */
		CHECK(!priv && i - i0 == 1 && s[i0] == ' ');
	if (final == 'p')
		CHECK(!priv && i - i0 == 1 && s[i0] == '!' && p1 == p0);
	if (final == 'u' || final == 'S' || final == 'T')
		CHECK(!priv && nparams == 1);
	if (priv == '?')
		CHECK(memchr("hlJK", final, 4));
	if (memchr(s + p0, ':', p1 - p0))
		CHECK(final == 'm');
	if (final == 'h' || final == 'l') {
		CHECK(p1 > p0);
		if (!priv)
			CHECK(nparams == 1 && first == 4);
	}
	if (mode != TERMFILTER_TERMINAL)
		CHECK(final == 'm' && !priv && i == p1);
	return i + 1;
}

/* ESC ] at s: a title, whole, printable, bounded. */
static size_t check_osc(const uint8_t *s, size_t n)
{
	size_t i = 4;

	CHECK(n >= 5 && s[2] >= '0' && s[2] <= '2' && s[3] == ';');
	while (i < n && s[i] != 0x07 && s[i] != ESC) {
		size_t k = printable(s + i, n - i);
		CHECK(k > 0);
		i += k;
	}
	CHECK(i - 4 <= TERMFILTER_TITLE_MAX);
	CHECK(i < n);
	if (s[i] == 0x07)
		return i + 1;
	CHECK(i + 1 < n && s[i + 1] == '\\');
	return i + 2;
}

/* The output, token by token: nothing but what the header promises. */
static void check_output(const uint8_t *s, size_t n, int mode)
{
	size_t i = 0, k;

	while (i < n) {
		uint8_t c = s[i];

		if (c == ESC) {
			CHECK(mode != TERMFILTER_PLAIN);
			CHECK(i + 1 < n);
			/* never DCS, SOS, PM, APC */
			CHECK(!memchr("P_^X", s[i + 1], 4));
			if (s[i + 1] == '[') {
				i += check_csi(s + i, n - i, mode);
			} else if (s[i + 1] == ']') {
				CHECK(mode == TERMFILTER_TERMINAL);
				/* never OSC 52 or any OSC but a title */
				CHECK(i + 3 < n && !(s[i + 2] == '5' && s[i + 3] == '2'));
				i += check_osc(s + i, n - i);
			} else {
				CHECK(mode == TERMFILTER_TERMINAL);
				if (memchr("78=>MDEc", s[i + 1], 8)) {
					i += 2;
				} else {
					CHECK(s[i + 1] == '(' || s[i + 1] == ')');
					CHECK(i + 2 < n && memchr("B0A", s[i + 2], 3));
					i += 3;
				}
			}
		} else if (c < 0x20) {
			CHECK(c == '\t' || c == '\n' || c == '\r' || c == '\b' ||
			      (c == 0x07 && mode == TERMFILTER_TERMINAL));
			i++;
		} else {
			/* no DEL; no byte 0x80-0x9f but inside a character */
			k = printable(s + i, n - i);
			CHECK(k > 0);
			i += k;
		}
	}
}

struct run {
	uint8_t *out;
	size_t len;
	uint8_t queries[TERMFILTER_Q_COUNT];	/* taken before the flush */
};

/* Filter in, cut by the chunk sizes that seed picks (0: all at once,
 * 1: a byte at a time), then flush. */
static void filter(int mode, const uint8_t *in, size_t n, unsigned seed, struct run *r)
{
	struct termfilter tf;
	size_t off = 0;

	termfilter_init(&tf, (enum termfilter_mode)mode);
	r->len = 0;
	while (off < n) {
		size_t k, got;

		if (seed == 0)
			k = n - off;
		else if (seed == 1)
			k = 1;
		else {
			seed = seed * 1103515245u + 12345u;
			k = 1 + (seed >> 16) % 64;
			if (k > n - off)
				k = n - off;
		}
		got = termfilter_feed(&tf, in + off, k, r->out + r->len, TERMFILTER_OUT_MAX(k));
		CHECK(got <= TERMFILTER_OUT_MAX(k));
		r->len += got;
		off += k;
	}
	termfilter_take_queries(&tf, r->queries);
	for (int q = 0; q < TERMFILTER_Q_COUNT; q++)
		CHECK(r->queries[q] <= TERMFILTER_QUERIES_MAX && (mode == TERMFILTER_TERMINAL || !r->queries[q]));
	r->len += termfilter_flush(&tf, r->out + r->len, TERMFILTER_OUT_MAX(0));
	CHECK(r->len <= 3 * n + TERMFILTER_RESTORE_MAX);
}

static bool same(const struct run *a, const struct run *b)
{
	return a->len == b->len && memcmp(a->out, b->out, a->len) == 0;
}

static bool same_queries(const struct run *a, const struct run *b)
{
	return memcmp(a->queries, b->queries, sizeof a->queries) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* every call gets the room callers give it, TERMFILTER_OUT_MAX(k),
	 * behind what came before; the output, filtered again, is at most
	 * 3 * size + TERMFILTER_RESTORE_MAX long */
	size_t room = 2 * TERMFILTER_OUT_MAX(3 * size + TERMFILTER_RESTORE_MAX);
	struct run whole, cut, bytes, again, other;
	unsigned seed;
	int mode;

	if (size < 2)
		return 0;
	mode = data[0] % 3;
	seed = data[1] < 2 ? data[1] + 2u : data[1];
	data += 2;
	size -= 2;
	whole.out = malloc(room);
	cut.out = malloc(room);
	bytes.out = malloc(room);
	again.out = malloc(room);
	other.out = malloc(room);
	if (!whole.out || !cut.out || !bytes.out || !again.out || !other.out)
		abort();

	filter(mode, data, size, 0, &whole);
	check_output(whole.out, whole.len, mode);

	/* split anywhere, the same bytes come out */
	filter(mode, data, size, seed, &cut);
	CHECK(same(&whole, &cut) && same_queries(&whole, &cut));
	filter(mode, data, size, 1, &bytes);
	CHECK(same(&whole, &bytes) && same_queries(&whole, &bytes));

	/* what passed passes again unchanged, and asks nothing */
	filter(mode, whole.out, whole.len, 0, &again);
	CHECK(same(&whole, &again));
	for (int q = 0; q < TERMFILTER_Q_COUNT; q++)
		CHECK(again.queries[q] == 0);

	/* the stricter modes of the terminal's output are the stricter
	 * modes of the input */
	if (mode == TERMFILTER_TERMINAL) {
		filter(TERMFILTER_LOG, data, size, 0, &cut);
		filter(TERMFILTER_LOG, whole.out, whole.len, 0, &other);
		CHECK(same(&cut, &other));
		filter(TERMFILTER_PLAIN, data, size, 0, &cut);
		filter(TERMFILTER_PLAIN, whole.out, whole.len, 0, &other);
		CHECK(same(&cut, &other));
	}

	free(whole.out);
	free(cut.out);
	free(bytes.out);
	free(again.out);
	free(other.out);
	return 0;
}

#include "tests/fuzz/replay.h"
