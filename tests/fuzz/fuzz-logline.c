/* fuzz-logline.c - fuzz the log's guard on guest bytes: however the
 * stream is split, the same log, within its bound; and as pool logs shows
 * it (the LOG filter, SGR dropped), no line starts with pool's words and
 * no CR or BS is left to go back over one. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/common/logline.h"
#include "src/util/termfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "check.h"

/* The log of data, fed in pieces of piece bytes (0: whole), into out
 * (LOGLINE_OUT_MAX(size) bytes: the whole log's bound). */
static size_t logged(const uint8_t *data, size_t size, size_t piece, uint8_t *out)
{
	size_t cap = LOGLINE_OUT_MAX(size);
	struct logline l;
	size_t o = 0;

	logline_init(&l);
	if (!piece)
		piece = size ? size : 1;
	for (size_t i = 0; i < size; i += piece) {
		size_t take = size - i < piece ? size - i : piece, got;

		got = logline_feed(&l, data + i, take, out + o, cap - o);
		CHECK(got <= LOGLINE_OUT_MAX(take) && got < cap - o);
		o += got;
	}
	return o + logline_flush(&l, out + o, cap - o);
}

static bool starts_like_pool(const uint8_t *s, size_t n)
{
	return (n >= 5 && !memcmp(s, "pool:", 5)) || (n >= 6 && !memcmp(s, "[exec ", 6));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct termfilter tf;
	size_t cap = LOGLINE_OUT_MAX(size) + 64, n, m, fn, k = 0;
	uint8_t *a = malloc(cap), *b = malloc(cap), *f, *t;

	CHECK(a && b);
	n = logged(data, size, 0, a);
	m = logged(data, size, 1, b);
	CHECK(n == m && !memcmp(a, b, n));
	m = logged(data, size, 7, b);
	CHECK(n == m && !memcmp(a, b, n));

	f = malloc(TERMFILTER_OUT_MAX(n));
	t = malloc(TERMFILTER_OUT_MAX(n) + 1);
	CHECK(f && t);
	termfilter_init(&tf, TERMFILTER_LOG);
	fn = termfilter_feed(&tf, a, n, f, TERMFILTER_OUT_MAX(n));
	/* SGR out (ESC [ ... m, all the LOG filter passes), CRs before a LF out */
	for (size_t i = 0; i < fn; i++) {
		if (f[i] == 0x1b) {
			while (i < fn && f[i] != 'm')
				i++;
			continue;
		}
		if (f[i] == '\r') {
			size_t j = i;

			while (j < fn && f[j] == '\r')
				j++;
			CHECK(j < fn && f[j] == '\n');
			continue;
		}
		CHECK(f[i] != '\b');
		t[k++] = f[i];
	}
	for (size_t i = 0; i < k; i++)
		if (i == 0 || t[i - 1] == '\n')
			CHECK(!starts_like_pool(t + i, k - i));
	free(a);
	free(b);
	free(f);
	free(t);
	return 0;
}

#include "tests/fuzz/replay.h"
