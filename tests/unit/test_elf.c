/* test_elf.c - an executable's interpreter and libraries, from a made-up
 * ELF whose every offset can be bent, and from this test's own binary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/image/elf.h"
#include "tests/unit/main.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ELF header, 3 program headers (INTERP, LOAD, DYNAMIC), the interpreter,
 * a dynamic section (NEEDED x2, STRTAB, STRSZ, NULL), a string table. */
enum { PH = 64, INTERP = PH + 3 * 56, DYN = INTERP + 32, STR = DYN + 5 * 16, SIZE = STR + 32 };

static void make_elf(uint8_t *b)
{
	static const char strs[] = "\0libc.so.6\0libfoo.so.1\0";

	memset(b, 0, SIZE);
	memcpy(b, "\177ELF", 4);
	b[4] = 2;
	b[5] = 1;
	put64(b + 32, PH);
	put16(b + 54, 56);
	put16(b + 56, 3);
	b[PH] = 3;	/* PT_INTERP */
	put64(b + PH + 8, INTERP);
	put64(b + PH + 32, 28);
	b[PH + 56] = 1;	/* PT_LOAD: all of it at 0x400000 */
	put64(b + PH + 56 + 8, 0);
	put64(b + PH + 56 + 16, 0x400000);
	put64(b + PH + 56 + 32, SIZE);
	b[PH + 112] = 2;	/* PT_DYNAMIC */
	put64(b + PH + 112 + 8, DYN);
	put64(b + PH + 112 + 32, 5 * 16);
	memcpy(b + INTERP, "/lib64/ld-linux-x86-64.so.2", 28);
	put64(b + DYN, 1);
	put64(b + DYN + 8, 1);
	put64(b + DYN + 16, 1);
	put64(b + DYN + 24, 11);
	put64(b + DYN + 32, 5);	/* DT_STRTAB */
	put64(b + DYN + 40, 0x400000 + STR);
	put64(b + DYN + 48, 10);	/* DT_STRSZ */
	put64(b + DYN + 56, sizeof strs);
	memcpy(b + STR, strs, sizeof strs);
}

static void test_deps(void **state)
{
	uint8_t b[SIZE];
	struct strv need = { 0 };
	char interp[64];
	const char *why = NULL;

	(void)state;
	make_elf(b);
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), 0);
	assert_string_equal(interp, "/lib64/ld-linux-x86-64.so.2");
	assert_int_equal(need.n, 2);
	assert_string_equal(need.v[0], "libc.so.6");
	assert_string_equal(need.v[1], "libfoo.so.1");
	strv_free(&need);
}

static void test_bent(void **state)
{
	uint8_t b[SIZE];
	struct strv need = { 0 };
	char interp[64];
	const char *why;

	(void)state;
	/* program headers past the end */
	make_elf(b);
	put64(b + 32, SIZE - 10);
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), -1);
	/* a NEEDED offset past the string table */
	make_elf(b);
	put64(b + DYN + 8, 1000);
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), -1);
	assert_string_equal(why, "a library name outside the string table");
	/* a library name with a slash */
	make_elf(b);
	b[STR + 4] = '/';
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), -1);
	/* an interpreter without its NUL */
	make_elf(b);
	b[INTERP + 27] = 'x';
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), -1);
	/* the string table at an address no segment maps */
	make_elf(b);
	put64(b + DYN + 40, 0x10);
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), -1);
	/* truncated */
	make_elf(b);
	assert_int_equal(elf_deps(b, 40, interp, sizeof interp, &need, &why), -1);
	/* no PT_DYNAMIC: static, nothing needed */
	make_elf(b);
	put16(b + 56, 1);
	need.n = 0;
	assert_int_equal(elf_deps(b, SIZE, interp, sizeof interp, &need, &why), 0);
	assert_int_equal(need.n, 0);
	strv_free(&need);
}

static void test_closure_of_self(void **state)
{
	struct strv files = { 0 };
	struct pool_err e = { 0 };
	bool libc = false;

	(void)state;
	assert_int_equal(elf_closure("/proc/self/exe", &files, &e), 0);
	assert_true(files.n >= 2);
	assert_true(files.v[0][0] == '/' && strstr(files.v[0], "ld-linux"));
	for (size_t i = 0; i < files.n; i++)
		libc = libc || strstr(files.v[i], "/libc.so.6");
	assert_true(libc);
	strv_free(&files);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_deps),
	cmocka_unit_test(test_bent),
	cmocka_unit_test(test_closure_of_self))
