/* fuzz-beneath.c - fuzz path_rel_check, the check every host path in a spec passes first. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util/beneath.h"
#include "src/util/fsutil.h"

#include "check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_control(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (d[i] < 0x20 || d[i] == 0x7f)
			return true;
	return false;
}

/* The shape every accepted result has. */
static void check_norm(const char *norm)
{
	size_t len = strlen(norm);
	const char *p = norm;

	CHECK(len > 0 && len < PATH_MAX);
	CHECK(!has_control((const uint8_t *)norm, len));
	if (strcmp(norm, ".") == 0)
		return;
	CHECK(norm[0] != '/' && norm[len - 1] != '/');
	CHECK(!strstr(norm, "//"));
	for (;;) {
		size_t n = strcspn(p, "/");

		CHECK(n > 0 && n <= NAME_MAX);
		CHECK(!(n == 1 && p[0] == '.'));
		CHECK(!(n == 2 && p[0] == '.' && p[1] == '.'));
		if (!p[n])
			break;
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char norm[PATH_MAX], again[PATH_MAX], small[PATH_MAX];
	const char *why = NULL;
	char *copy;
	int r;

	/* an exact-size copy, so ASan sees any read past the end */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	errno = 0;
	r = path_rel_check_n(copy, size, norm, sizeof norm, &why);
	if (r < 0) {
		CHECK(r == -1 && why != NULL && errno != 0);
		CHECK(norm[0] == '\0');
		free(copy);
		return 0;
	}
	CHECK(r == 0);
	CHECK(size > 0 && size < PATH_MAX);
	CHECK(!has_control(data, size));	/* NUL included */
	CHECK(data[0] != '/');
	check_norm(norm);

	/* idempotent */
	CHECK(path_rel_check(norm, again, sizeof again, &why) == 0);
	CHECK(strcmp(again, norm) == 0);

	/* the NUL-terminated form agrees with the counted one */
	{
		char *z = malloc(size + 1);

		CHECK(z != NULL);
		memcpy(z, data, size);
		z[size] = '\0';
		CHECK(path_rel_check(z, again, sizeof again, &why) == 0 && strcmp(again, norm) == 0);
		free(z);
	}

	/* a buffer as large as the input always does; one byte short of the
	 * result never does, and is not overrun */
	CHECK(path_rel_check_n(copy, size, small, size + 1, &why) == 0 && strcmp(small, norm) == 0);
	{
		size_t want = strlen(norm) + 1;
		char *tight = malloc(want - 1 ? want - 1 : 1);

		CHECK(tight != NULL);
		CHECK(path_rel_check_n(copy, size, tight, want - 1, &why) == -1 && errno == ENAMETOOLONG);
		free(tight);
	}

	/* what the lexical resolver pool used before says, where this one
	 * accepts: the same path, under the spec's folder */
	{
		char *z = malloc(size + 1), *res;

		CHECK(z != NULL);
		memcpy(z, data, size);
		z[size] = '\0';
		res = path_resolve("/spec", z);
		CHECK(res != NULL);
		if (strcmp(norm, ".") == 0)
			CHECK(strcmp(res, "/spec") == 0);
		else
			CHECK(strncmp(res, "/spec/", 6) == 0 && strcmp(res + 6, norm) == 0);
		free(res);
		free(z);
	}
	free(copy);
	return 0;
}

#include "tests/fuzz/replay.h"
