/* srcfile.h - reading files of pool's source tree (golden files) in a test:
 * the tree is $POOL_SRC, as meson's test() sets it, else ".". Include after
 * cmocka.h. */
#ifndef POOL_TESTS_SRCFILE_H
#define POOL_TESTS_SRCFILE_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *src_root(void)
{
	const char *s = getenv("POOL_SRC");

	return s && *s ? s : ".";
}

/* Read a whole file, NUL-terminated, its length in *len (if len); fails
 * the test when it cannot. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

/* Read REL of the source tree. */
static inline char *slurp_src(const char *rel)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", src_root(), rel);
	return slurp(path, NULL);
}

#endif
