/* fuzz-tar.c - the tar reader on hostile bytes (what pool cp takes from a
 * machine): fed in chunks the data picks, and again in one piece, it must
 * see the same entries and data; each entry stays within its bounds; each
 * entry the writer can write reads back as it was. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/common/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/check.h"

#define SEEN_MAX 64

struct seen {
	size_t n;
	uint64_t hash;	/* of every event, in order */
	uint64_t data;
	int end, err;
	const char *why;
};

static struct tar_reader rd, rd2;
static uint8_t hdr[TAR_HEADER_MAX];

static void mix(struct seen *s, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		s->hash = (s->hash ^ b[i]) * 0x100000001b3ull;
}

/* An entry the reader gave: bounded, and, when the writer takes it, read
 * back the same from what the writer makes. */
static void check_entry(const struct tar_entry *e)
{
	size_t used, dl;
	const uint8_t *d;
	const char *why;
	long n;

	CHECK(e->name[0] != '\0' && strnlen(e->name, TAR_NAME_MAX) < TAR_NAME_MAX);
	CHECK(strnlen(e->link, TAR_NAME_MAX) < TAR_NAME_MAX);
	CHECK(e->mode <= 07777);
	CHECK(e->kind == TAR_FILE || e->size == 0);
	if (e->kind == TAR_SYMLINK || e->kind == TAR_HARDLINK)
		CHECK(e->link[0] != '\0');
	n = tar_header_encode(hdr, sizeof hdr, e);
	if (n < 0) {
		CHECK(e->kind == TAR_HARDLINK || e->kind == TAR_OTHER || e->mtime < 0);
		return;
	}
	CHECK((size_t)n % TAR_BLOCK == 0 && (size_t)n <= sizeof hdr);
	tar_reader_init(&rd2);
	CHECK(tar_reader_step(&rd2, hdr, (size_t)n, &used, &d, &dl, &why) == TAR_ENTRY);
	CHECK(used == (size_t)n);
	CHECK(rd2.e.kind == e->kind && rd2.e.size == e->size && rd2.e.mode == e->mode &&
	      rd2.e.mtime == e->mtime);
	CHECK(strcmp(rd2.e.name, e->name) == 0);
	if (e->kind == TAR_SYMLINK)
		CHECK(strcmp(rd2.e.link, e->link) == 0);
}

/* Read data in chunks: the byte at a chunk's start picks its length
 * (0: all at once). */
static void read_stream(const uint8_t *data, size_t size, int chunked, struct seen *s)
{
	size_t pos = 0;
	uint64_t want = 0;

	memset(s, 0, sizeof *s);
	tar_reader_init(&rd);
	while (pos < size && !s->err) {
		size_t n = chunked ? 1 + data[pos] % 97u : size;
		const uint8_t *p = data + pos;

		if (n > size - pos)
			n = size - pos;
		pos += n;
		while (n > 0) {
			size_t used, dl;
			const uint8_t *d;
			enum tar_event ev = tar_reader_step(&rd, p, n, &used, &d, &dl, &s->why);

			CHECK(used <= n);
			p += used;
			n -= used;
			if (ev == TAR_ERROR) {
				CHECK(s->why != NULL);
				s->err = 1;
				break;
			}
			if (ev == TAR_ENTRY) {
				CHECK(want == 0);
				check_entry(&rd.e);
				want = rd.e.size;
				s->n++;
				mix(s, &rd.e.kind, sizeof rd.e.kind);
				mix(s, rd.e.name, strlen(rd.e.name));
				mix(s, &rd.e.size, sizeof rd.e.size);
			} else if (ev == TAR_DATA) {
				CHECK(dl > 0 && dl <= want && d >= data && d + dl <= data + size);
				want -= dl;
				s->data += dl;
				mix(s, d, dl);
			} else if (ev == TAR_END) {
				CHECK(want == 0);
				s->end++;
			} else {
				CHECK(n == 0);
			}
		}
	}
	if (!s->err && tar_reader_finish(&rd, &s->why) < 0)
		s->err = 2;
	if (!s->err)
		CHECK(want == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen a, b;

	read_stream(data, size, 0, &a);
	read_stream(data, size, 1, &b);
	CHECK(a.err == b.err && a.n == b.n && a.data == b.data && a.end == b.end && a.hash == b.hash);
	CHECK(a.end <= 1);
	return 0;
}

#include "tests/fuzz/replay.h"
