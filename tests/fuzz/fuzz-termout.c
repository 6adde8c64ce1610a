/* fuzz-termout.c - fuzz guest bytes out to a terminal and pool's answers:
 * whatever the guest sends, however it is split into writes, what comes
 * out is the filter's output, and the answers pool would type into the
 * guest's input are only its fixed answers and cursor places on the
 * screen, one per query the filter dropped. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "src/util/termout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "check.h"

#define ESC 0x1b
#define ROWS 24	/* what termout says of a file that is not a terminal */
#define COLS 80

/* One number of 1..max at s, up to the byte end: its length, or 0. */
static size_t number(const uint8_t *s, size_t n, uint8_t end, unsigned max)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	CHECK(i > 0 && i < n && s[i] == end && s[0] != '0');
	CHECK(v >= 1 && v <= max);
	return i + 1;
}

/* The answers, token by token: CPRs first, then status, DA2, DA1; counts
 * how many of each there are. */
static void check_answers(const uint8_t *a, size_t n, unsigned counts[TERMFILTER_Q_COUNT])
{
	static const struct {
		int kind;
		const char *s;
	} fixed[] = {
		{ TERMFILTER_Q_STATUS, "\033[0n" },
		{ TERMFILTER_Q_DA2, "\033[>0;0;0c" },
		{ TERMFILTER_Q_DA1, "\033[?62;22c" },
	};
	size_t i = 0, next = 0;

	memset(counts, 0, TERMFILTER_Q_COUNT * sizeof counts[0]);
	while (i < n) {
		bool found = false;

		CHECK(n - i >= 4 && a[i] == ESC && a[i + 1] == '[');
		if (a[i + 2] >= '1' && a[i + 2] <= '9') {
			CHECK(next == 0);	/* a CPR after a fixed answer */
			i += 2;
			i += number(a + i, n - i, ';', ROWS);
			i += number(a + i, n - i, 'R', COLS);
			counts[TERMFILTER_Q_CPR]++;
			continue;
		}
		for (size_t f = next; f < sizeof fixed / sizeof fixed[0] && !found; f++) {
			size_t len = strlen(fixed[f].s);

			if (n - i >= len && memcmp(a + i, fixed[f].s, len) == 0) {
				counts[fixed[f].kind]++;
				i += len;
				next = f;
				found = true;
			}
		}
		CHECK(found);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct termfilter ref;
	struct termout t;
	uint8_t *want, *got, answers[TERMOUT_ANSWERS_MAX];
	size_t wlen = 0, off = 0, glen = 0, room;
	unsigned seed;
	ssize_t k;

	if (size < 1)
		return 0;
	seed = data[0] | 0x100u;
	data++;
	size--;
	if (fd < 0)
		fd = memfd_create("fuzz-termout", MFD_CLOEXEC);
	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	/* the filter's output is at most 3 * size + TERMFILTER_RESTORE_MAX
	 * (fuzz-termfilter checks it); each call gets the room callers give */
	room = 3 * size + TERMFILTER_RESTORE_MAX + TERMFILTER_OUT_MAX(9000);
	want = malloc(room);
	got = malloc(room + 1);
	if (!want || !got)
		abort();

	termfilter_init(&ref, TERMFILTER_TERMINAL);
	termout_init(&t, fd, TERMFILTER_TERMINAL, TERMOUT_ALWAYS);
	while (off < size) {
		uint8_t counts[TERMFILTER_Q_COUNT];
		unsigned have[TERMFILTER_Q_COUNT];
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % 9000;	/* across termout's own chunks too */
		if (n > size - off)
			n = size - off;
		wlen += termfilter_feed(&ref, data + off, n, want + wlen, TERMFILTER_OUT_MAX(n));
		termfilter_take_queries(&ref, counts);
		CHECK(termout_write(&t, data + off, n) == 0);
		/* one answer for each query dropped, whatever the cuts */
		check_answers(answers, termout_answers(&t, TERMFILTER_QUERIES_MAX, answers, sizeof answers), have);
		for (int q = 0; q < TERMFILTER_Q_COUNT; q++)
			CHECK(have[q] == counts[q]);
		off += n;
	}
	wlen += termfilter_flush(&ref, want + wlen, TERMFILTER_OUT_MAX(0));
	CHECK(termout_flush(&t) == 0);
	CHECK(termout_answers(&t, TERMFILTER_QUERIES_MAX, answers, sizeof answers) == 0);

	/* what reached the fd is the filter's output, byte for byte */
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	while (glen <= wlen && (k = read(fd, got + glen, wlen + 1 - glen)) > 0)
		glen += (size_t)k;
	CHECK(glen == wlen && memcmp(got, want, wlen) == 0);
	free(want);
	free(got);
	return 0;
}

#include "tests/fuzz/replay.h"
