/* test_tar.c - the tar stream: what the writer makes reads back the same,
 * byte by byte and whole; GNU long names, pax headers, base-256 sizes;
 * each hostile header refused beside the well-formed one it is made from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/common/tar.h"
#include "tests/unit/main.h"

static struct tar_reader rd;
static uint8_t arch[1 << 20];
static size_t alen;

struct seen {
	struct tar_entry e[8];
	uint64_t data[8];	/* bytes of data per entry */
	uint8_t first[8];	/* the first data byte */
	size_t n;
	int end;
	const char *why;
};

static struct seen got;

static void put_entry(const struct tar_entry *e, const uint8_t *data)
{
	long n = tar_header_encode(arch + alen, sizeof arch - alen, e);

	assert_true(n > 0);
	alen += (size_t)n;
	if (e->size) {
		memcpy(arch + alen, data, e->size);
		alen += e->size;
		memset(arch + alen, 0, tar_pad(e->size));
		alen += tar_pad(e->size);
	}
}

static void put_end(void)
{
	memset(arch + alen, 0, TAR_END_LEN);
	alen += TAR_END_LEN;
}

/* Read arch[0..alen) in chunks of `chunk` bytes. 0, or -1 (got.why). */
static int read_all(size_t chunk)
{
	size_t off = 0;

	memset(&got, 0, sizeof got);
	tar_reader_init(&rd);
	while (off < alen) {
		size_t n = alen - off < chunk ? alen - off : chunk, used;
		const uint8_t *p = arch + off;

		off += n;
		while (n > 0) {
			const uint8_t *d;
			size_t dl;
			enum tar_event ev = tar_reader_step(&rd, p, n, &used, &d, &dl, &got.why);

			assert_true(used <= n);
			p += used;
			n -= used;
			if (ev == TAR_ERROR)
				return -1;
			if (ev == TAR_ENTRY) {
				assert_true(got.n < 8);
				got.e[got.n++] = rd.e;
			} else if (ev == TAR_DATA) {
				assert_true(got.n > 0 && dl > 0);
				if (got.data[got.n - 1] == 0)
					got.first[got.n - 1] = d[0];
				got.data[got.n - 1] += dl;
			} else if (ev == TAR_END) {
				got.end++;
			} else {
				assert_int_equal(n, 0);
			}
		}
	}
	return tar_reader_finish(&rd, &got.why);
}

static struct tar_entry entry(enum tar_kind k, const char *name, const char *link, uint64_t size)
{
	struct tar_entry e = { .kind = k, .size = size, .mode = k == TAR_DIR ? 0755 : 0640,
			       .mtime = 1500000000 };

	snprintf(e.name, sizeof e.name, "%s", name);
	if (link)
		snprintf(e.link, sizeof e.link, "%s", link);
	return e;
}

static void test_roundtrip(void **state)
{
	static uint8_t data[70000];
	char longname[300], longlink[200];
	struct tar_entry e[5];
	static const size_t chunks[] = { 1, 7, 512, 513, 100000 };

	(void)state;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	memcpy(longname, "dir/", 4);
	memset(longlink, 'l', sizeof longlink - 1);
	longlink[sizeof longlink - 1] = '\0';
	e[0] = entry(TAR_DIR, "dir", NULL, 0);
	e[1] = entry(TAR_FILE, "dir/file", NULL, sizeof data);
	e[2] = entry(TAR_FILE, longname, NULL, 3);
	e[3] = entry(TAR_SYMLINK, "dir/link", longlink, 0);
	e[4] = entry(TAR_FILE, "dir/empty", NULL, 0);
	alen = 0;
	for (size_t i = 0; i < 5; i++)
		put_entry(&e[i], data);
	put_end();
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		assert_int_equal(read_all(chunks[c]), 0);
		assert_int_equal(got.n, 5);
		assert_int_equal(got.end, 1);
		for (size_t i = 0; i < 5; i++) {
			assert_int_equal(got.e[i].kind, e[i].kind);
			assert_string_equal(got.e[i].name, e[i].name);
			assert_int_equal(got.e[i].size, e[i].size);
			assert_int_equal(got.data[i], e[i].size);
			assert_int_equal(got.e[i].mode, e[i].mode);
			assert_int_equal(got.e[i].mtime, e[i].mtime);
		}
		assert_string_equal(got.e[3].link, longlink);
		assert_int_equal(got.first[1], data[0]);
	}
}

/* A header made by hand: name, type, size, and its checksum. */
static uint8_t *raw_header(const char *name, char type, const char *size_oct)
{
	uint8_t *b = arch + alen;
	unsigned long sum = 0;

	memset(b, 0, TAR_BLOCK);
	memcpy(b, name, strlen(name));
	memcpy(b + 100, "0000644", 7);
	memcpy(b + 124, size_oct, strlen(size_oct));
	memcpy(b + 136, "00000000000", 11);
	b[156] = (uint8_t)type;
	memcpy(b + 257, "ustar\0" "00", 8);
	memset(b + 148, ' ', 8);
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	snprintf((char *)b + 148, 8, "%06lo", sum);
	alen += TAR_BLOCK;
	return b;
}

static void put_data(const char *s, size_t n)
{
	memcpy(arch + alen, s, n);
	alen += n;
	memset(arch + alen, 0, tar_pad(n));
	alen += tar_pad(n);
}

static void test_pax_and_prefix(void **state)
{
	static const char pax[] = "28 path=from/pax/header.txt\n" "10 size=5\n" "19 mtime=1234.5678\n";
	uint8_t *b;

	(void)state;
	alen = 0;
	raw_header("PaxHeaders/x", 'x', "00000000070");
	assert_int_equal(strlen(pax), 57);
	b = arch + alen - TAR_BLOCK;
	/* the size field says 070 = 56; put the right one */
	{
		unsigned long sum = 0;

		snprintf((char *)b + 124, 12, "%011o", (unsigned)strlen(pax));
		memset(b + 148, ' ', 8);
		for (size_t i = 0; i < TAR_BLOCK; i++)
			sum += b[i];
		snprintf((char *)b + 148, 8, "%06lo", sum);
	}
	put_data(pax, strlen(pax));
	raw_header("short", '0', "00000000001");	/* pax says 5 bytes */
	put_data("hello", 5);
	/* a POSIX prefix */
	b = raw_header("tail.c", '0', "00000000000");
	{
		unsigned long sum = 0;

		memcpy(b + 345, "some/prefix", 11);
		memset(b + 148, ' ', 8);
		for (size_t i = 0; i < TAR_BLOCK; i++)
			sum += b[i];
		snprintf((char *)b + 148, 8, "%06lo", sum);
	}
	put_end();
	assert_int_equal(read_all(100), 0);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.e[0].name, "from/pax/header.txt");
	assert_int_equal(got.e[0].size, 5);
	assert_int_equal(got.data[0], 5);
	assert_int_equal(got.e[0].mtime, 1234);
	assert_string_equal(got.e[1].name, "some/prefix/tail.c");
}

static void test_big_size(void **state)
{
	struct tar_entry e = entry(TAR_FILE, "huge", NULL, (UINT64_C(1) << 40) + 3), back;
	long n;

	(void)state;
	alen = 0;
	n = tar_header_encode(arch, sizeof arch, &e);
	assert_true(n == TAR_BLOCK);
	assert_int_equal(arch[124], 0x80);	/* base-256 */
	alen = (size_t)n;
	memset(&got, 0, sizeof got);
	tar_reader_init(&rd);
	{
		size_t used;
		const uint8_t *d;
		size_t dl;

		assert_int_equal(tar_reader_step(&rd, arch, alen, &used, &d, &dl, &got.why), TAR_ENTRY);
		back = rd.e;
	}
	assert_int_equal(back.size, e.size);
	assert_int_equal(tar_reader_finish(&rd, &got.why), -1);	/* its data never came */
}

/* Each broken header refused; the same header unbroken reads. */
static void test_hostile(void **state)
{
	uint8_t *b;

	(void)state;
	/* the control */
	alen = 0;
	raw_header("ok", '0', "00000000003");
	put_data("abc", 3);
	put_end();
	assert_int_equal(read_all(512), 0);
	assert_int_equal(got.n, 1);

	/* a checksum off by one */
	b = arch;
	b[148 + 5]++;
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "header checksum does not match");

	/* a size that is not octal */
	alen = 0;
	raw_header("ok", '0', "0000000009");
	put_end();
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "bad size field");

	/* base-256 past 63 bits */
	alen = 0;
	b = raw_header("ok", '0', "");
	{
		unsigned long sum = 0;

		memset(b + 124, 0xff, 12);
		b[124] = 0x80;
		memset(b + 148, ' ', 8);
		for (size_t i = 0; i < TAR_BLOCK; i++)
			sum += b[i];
		snprintf((char *)b + 148, 8, "%06lo", sum);
	}
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "bad size field");

	/* a long name record past 4096 bytes */
	alen = 0;
	raw_header("././@LongLink", 'L', "00000010001");
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "long name record empty or past 4096 bytes");

	/* a pax header past 64 KiB */
	alen = 0;
	raw_header("p", 'x', "00000200001");
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "pax header past 64 KiB");

	/* a pax record whose length runs past its header */
	alen = 0;
	raw_header("p", 'x', "00000000012");
	put_data("99 path=x\n", 10);
	raw_header("ok", '0', "00000000000");
	put_end();
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "malformed pax record");

	/* a sparse file */
	alen = 0;
	raw_header("s", 'S', "00000000000");
	assert_int_equal(read_all(512), -1);

	/* not a tar header at all */
	alen = 0;
	b = raw_header("x", '0', "00000000000");
	memcpy(b + 257, "NOTTAR\0\0", 8);
	assert_int_equal(read_all(512), -1);

	/* a link without a target */
	alen = 0;
	raw_header("l", '2', "00000000000");
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "link without a target");

	/* cut in the middle of the data */
	alen = 0;
	raw_header("ok", '0', "00000000003");
	arch[alen++] = 'a';
	assert_int_equal(read_all(512), -1);
	assert_string_equal(got.why, "the archive ends in the middle of an entry");

	/* after an error, every step says so again */
	{
		size_t used;
		const uint8_t *d;
		size_t dl;
		const char *why = NULL;

		alen = 0;
		raw_header("x", 'S', "00000000000");
		tar_reader_init(&rd);
		assert_int_equal(tar_reader_step(&rd, arch, alen, &used, &d, &dl, &why), TAR_ERROR);
		assert_int_equal(tar_reader_step(&rd, arch, alen, &used, &d, &dl, &why), TAR_ERROR);
		assert_non_null(why);
	}
}

static void test_encode_refuses(void **state)
{
	struct tar_entry e = entry(TAR_FILE, "", NULL, 0);

	(void)state;
	assert_int_equal(tar_header_encode(arch, sizeof arch, &e), -1);	/* no name */
	e = entry(TAR_HARDLINK, "h", "x", 0);
	assert_int_equal(tar_header_encode(arch, sizeof arch, &e), -1);
	e = entry(TAR_SYMLINK, "s", NULL, 0);
	assert_int_equal(tar_header_encode(arch, sizeof arch, &e), -1);	/* no target */
	e = entry(TAR_DIR, "d", NULL, 5);
	assert_int_equal(tar_header_encode(arch, sizeof arch, &e), -1);	/* a folder with data */
	e = entry(TAR_FILE, "f", NULL, 1);
	assert_int_equal(tar_header_encode(arch, 100, &e), -1);		/* short cap */
	assert_int_equal(tar_header_encode(arch, sizeof arch, &e), TAR_BLOCK);	/* the control */
}

/* Links the machine makes in a copy: inside it, each beside one that
 * leaves it. */
static void test_link_within(void **state)
{
	static const struct { const char *dir, *target; int want; } cases[] = {
		{ "", "notes.md", 0 },		{ "", "../notes.md", -1 },
		{ "a/b", "../../x", 0 },	{ "a/b", "../../../x", -1 },
		{ "a", "./b/./c", 0 },		{ "a", "/etc/passwd", -1 },
		{ "a//b/", "../../x", 0 },	{ "a//b/", "../../../x", -1 },
		{ "", "d/up", 0 },		{ "", "d/up/../..", -1 },	/* up may be a link */
		{ "a", "..", 0 },		{ "a", "../..", -1 },
		{ "", ".", 0 },			{ "", "", -1 },
		{ NULL, "x", -1 },
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		why = NULL;
		assert_int_equal(tar_link_within(cases[i].dir, cases[i].target, &why), cases[i].want);
		if (cases[i].want < 0)
			assert_non_null(why);
	}
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_roundtrip),
	cmocka_unit_test(test_pax_and_prefix),
	cmocka_unit_test(test_big_size),
	cmocka_unit_test(test_hostile),
	cmocka_unit_test(test_encode_refuses),
	cmocka_unit_test(test_link_within))
