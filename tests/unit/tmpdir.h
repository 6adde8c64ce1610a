/* tmpdir.h - the temporary folder a test program works in: its group setup
 * makes it, its teardown removes it with all it holds. Include after cmocka.h. */
#ifndef POOL_TESTS_TMPDIR_H
#define POOL_TESTS_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/util/fsutil.h"

static char tmpdir[64];

/* Make /tmp/pool-test-NAME.XXXXXX: 0, or -1 as a failed cmocka setup. */
static inline int tmpdir_make(const char *name)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pool-test-%s.XXXXXX", name);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmpdir_remove(void)
{
	struct pool_err e = { 0 };

	return rm_rf(tmpdir, &e);
}

/* How many entries dir holds, . and .. aside (a temporary left behind shows). */
static inline size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

#endif
