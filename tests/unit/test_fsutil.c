/* test_fsutil.c - path_resolve, read_file, write_file_atomic, mkdir_p, rm_rf, sha256. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/util/cleanup.h"
#include "src/util/fsutil.h"
#include "src/util/sha256.h"
#include "tests/unit/main.h"
#include "tests/unit/tmpdir.h"

static int setup(void **state)
{
	(void)state;
	return tmpdir_make("fsutil");
}

static int teardown(void **state)
{
	(void)state;
	return tmpdir_remove();
}

static void put(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---- path_resolve ---- */

static void check_resolve(const char *base, const char *rel, const char *want)
{
	_cleanup_free_ char *got = path_resolve(base, rel);

	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("path_resolve(\"%s\", \"%s\") = \"%s\", want \"%s\"", base, rel, got, want);
}

static void test_path_resolve(void **state)
{
	(void)state;
	check_resolve("/home/u/code", "/etc/ssl", "/etc/ssl");	/* absolute rel wins */
	check_resolve("/home/u/code", "data.img", "/home/u/code/data.img");
	check_resolve("/home/u/code", "../kernels/vmlinuz", "/home/u/kernels/vmlinuz");
	check_resolve("/home/u/code", ".", "/home/u/code");
	check_resolve("/home/u/code", "./a/./b", "/home/u/code/a/b");
	check_resolve("/home/u/code", "a//b", "/home/u/code/a/b");
	check_resolve("//home//u/", "x", "/home/u/x");
	check_resolve("/home/u", "../../../../..", "/");
	check_resolve("/", "..", "/");
	check_resolve("/a", "../../b", "/b");	/* ".." past root stays at "/" */
	check_resolve("/home/u/code", "sub/", "/home/u/code/sub");	/* trailing slash */
	check_resolve("/home/u/code/", "", "/home/u/code");
	check_resolve("/", ".", "/");
	check_resolve("/a/b", "c/../../d", "/a/d");
}

/* ---- read_file ---- */

static void test_read_file_limits(void **state)
{
	char path[128];
	char *buf = NULL;
	size_t len = 99;
	struct pool_err e = { 0 };
	char big[10000];

	(void)state;
	snprintf(path, sizeof path, "%s/ten", tmpdir);
	put(path, "0123456789", 10);

	/* exactly the limit: read, NUL-terminated */
	assert_int_equal(read_file(path, 10, &buf, &len, &e), 0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	free(buf);
	buf = NULL;

	/* one byte over the limit: refused, naming the file */
	memset(&e, 0, sizeof e);
	assert_int_equal(read_file(path, 9, &buf, &len, &e), -1);
	assert_null(buf);
	assert_int_not_equal(e.status, 0);
	assert_non_null(strstr(e.msg, path));

	/* larger than the first buffer, against a limit above and below */
	memset(big, 'x', sizeof big);
	snprintf(path, sizeof path, "%s/big", tmpdir);
	put(path, big, sizeof big);
	assert_int_equal(read_file(path, sizeof big, &buf, &len, &e), 0);
	assert_int_equal(len, sizeof big);
	assert_memory_equal(buf, big, sizeof big);
	assert_int_equal(buf[len], '\0');
	free(buf);
	buf = NULL;
	assert_int_equal(read_file(path, sizeof big - 1, &buf, &len, &e), -1);
	assert_null(buf);
	assert_int_equal(read_file(path, 4096, &buf, &len, &e), -1);
	assert_null(buf);
}

static void test_read_file_missing_and_empty(void **state)
{
	char path[128];
	char *buf = NULL;
	size_t len = 99;
	struct pool_err e = { 0 };

	(void)state;
	snprintf(path, sizeof path, "%s/no-such-file", tmpdir);
	assert_int_equal(read_file(path, 100, &buf, &len, &e), -1);
	assert_null(buf);
	assert_int_equal(e.code, ENOENT);
	assert_non_null(strstr(e.msg, path));

	snprintf(path, sizeof path, "%s/empty", tmpdir);
	put(path, "", 0);
	assert_int_equal(read_file(path, 100, &buf, &len, &e), 0);
	assert_non_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(buf[0], '\0');
	free(buf);
	buf = NULL;
	/* an empty file fits a zero limit */
	assert_int_equal(read_file(path, 0, &buf, &len, &e), 0);
	assert_int_equal(len, 0);
	free(buf);
}

/* ---- write_file_atomic ---- */

static void test_write_file_atomic(void **state)
{
	char dir[128], path[160];
	struct pool_err e = { 0 };
	struct stat st;
	char *buf = NULL;
	size_t len;
	mode_t old;

	(void)state;
	snprintf(dir, sizeof dir, "%s/atomic", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof path, "%s/settings", dir);

	/* the mode is the one asked for, whatever the umask */
	old = umask(0077);
	assert_int_equal(write_file_atomic(path, "first\n", 6, 0644, &e), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(read_file(path, 100, &buf, &len, &e), 0);
	assert_string_equal(buf, "first\n");
	free(buf);
	buf = NULL;

	/* replacing: new content, new mode, nothing else left in the folder */
	assert_int_equal(write_file_atomic(path, "2nd", 3, 0600, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(read_file(path, 100, &buf, &len, &e), 0);
	assert_string_equal(buf, "2nd");
	free(buf);
	assert_int_equal(count_entries(dir), 1);

	/* a folder that does not exist: error, nothing created */
	snprintf(path, sizeof path, "%s/missing/settings", dir);
	memset(&e, 0, sizeof e);
	assert_int_equal(write_file_atomic(path, "x", 1, 0644, &e), -1);
	assert_int_not_equal(e.status, 0);
	assert_int_equal(count_entries(dir), 1);
}

/* ---- mkdir_p ---- */

static void test_mkdir_p(void **state)
{
	char path[160];
	struct pool_err e = { 0 };
	struct stat st;

	(void)state;
	snprintf(path, sizeof path, "%s/a/b/c/d", tmpdir);
	assert_int_equal(mkdir_p(path, 0750, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* existing: fine, and again with a trailing slash */
	assert_int_equal(mkdir_p(path, 0750, &e), 0);
	strcat(path, "/");
	assert_int_equal(mkdir_p(path, 0750, &e), 0);
	snprintf(path, sizeof path, "%s/a/b", tmpdir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* a file in the way is an error, not a silent success */
	snprintf(path, sizeof path, "%s/a/file", tmpdir);
	put(path, "x", 1);
	memset(&e, 0, sizeof e);
	assert_int_equal(mkdir_p(path, 0750, &e), -1);
	assert_int_not_equal(e.status, 0);
	snprintf(path, sizeof path, "%s/a/file/sub", tmpdir);
	assert_int_equal(mkdir_p(path, 0750, &e), -1);

	/* an empty path is an error (and read no byte past its end: ASan) */
	memset(&e, 0, sizeof e);
	assert_int_equal(mkdir_p("", 0750, &e), -1);
	assert_int_not_equal(e.status, 0);
}

/* ---- rm_rf ---- */

static void test_rm_rf_keeps_symlink_targets(void **state)
{
	char tree[160], outside[160], p[256];
	struct pool_err e = { 0 };
	struct stat st;

	(void)state;
	snprintf(outside, sizeof outside, "%s/outside", tmpdir);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(p, sizeof p, "%s/keep", outside);
	put(p, "keep", 4);

	snprintf(tree, sizeof tree, "%s/tree", tmpdir);
	snprintf(p, sizeof p, "%s/x/y", tree);
	assert_int_equal(mkdir_p(p, 0755, &e), 0);
	snprintf(p, sizeof p, "%s/x/y/file", tree);
	put(p, "data", 4);
	snprintf(p, sizeof p, "%s/x/link-to-outside", tree);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof p, "%s/link-to-file", tree);
	assert_int_equal(symlink("../outside/keep", p), 0);
	snprintf(p, sizeof p, "%s/x/y/ro", tree);
	assert_int_equal(mkdir(p, 0555), 0);

	assert_int_equal(rm_rf(tree, &e), 0);
	assert_int_equal(lstat(tree, &st), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(p, sizeof p, "%s/keep", outside);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, 4);

	/* missing is not an error */
	assert_int_equal(rm_rf(tree, &e), 0);

	/* a symlink given as the root is removed, not followed */
	snprintf(p, sizeof p, "%s/rootlink", tmpdir);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(rm_rf(p, &e), 0);
	assert_int_equal(lstat(p, &st), -1);
	snprintf(p, sizeof p, "%s/keep", outside);
	assert_int_equal(stat(p, &st), 0);
}

/* ---- sha256: FIPS 180-2 / NIST CAVS examples ---- */

static void sha_hex(const void *data, size_t len, char hex[65])
{
	struct sha256 s;
	uint8_t out[32];

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
	sha256_hex(out, hex);
}

static void test_sha256_vectors(void **state)
{
	char hex[65];
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

	(void)state;
	sha_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(m448), 56);
	sha_hex(m448, 56, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_int_equal(strlen(m896), 112);
	sha_hex(m896, 112, hex);
	assert_string_equal(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

/* One million 'a', fed in chunks of odd sizes that straddle block edges. */
static void test_sha256_million_a_in_chunks(void **state)
{
	static const size_t sizes[] = { 1, 3, 63, 64, 65, 127, 7, 1000, 4093 };
	static char a[4096];
	struct sha256 s;
	uint8_t out[32];
	char hex[65];
	size_t left = 1000000, i = 0;

	(void)state;
	memset(a, 'a', sizeof a);
	sha256_init(&s);
	while (left) {
		size_t n = sizes[i++ % (sizeof sizes / sizeof sizes[0])];

		if (n > left)
			n = left;
		sha256_update(&s, a, n);
		sha256_update(&s, a, 0);
		left -= n;
	}
	sha256_final(&s, out);
	sha256_hex(out, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

	/* and in one piece: the same */
	{
		_cleanup_free_ char *m = malloc(1000000);

		assert_non_null(m);
		memset(m, 'a', 1000000);
		sha_hex(m, 1000000, hex);
		assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	}
}

/* Lengths around the padding edges (55, 56, 63, 64 bytes) against the
 * host's sha256sum, a peer that does not share our code. */
static void test_sha256_padding_edges_match_sha256sum(void **state)
{
	static const size_t lens[] = { 55, 56, 57, 63, 64, 65, 119, 120, 128 };
	char path[160], cmd[256], want[80], hex[65], data[128];

	(void)state;
	if (system("command -v sha256sum >/dev/null 2>&1") != 0)
		skip();
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('A' + i % 53);
	snprintf(path, sizeof path, "%s/edge", tmpdir);
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		FILE *p;

		put(path, data, lens[k]);
		snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
		p = popen(cmd, "r");
		assert_non_null(p);
		assert_non_null(fgets(want, sizeof want, p));
		pclose(p);
		want[64] = '\0';
		sha_hex(data, lens[k], hex);
		if (strcmp(hex, want) != 0)
			fail_msg("length %zu: %s, sha256sum says %s", lens[k], hex, want);
	}
}

UNIT_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_path_resolve),
	cmocka_unit_test(test_read_file_limits),
	cmocka_unit_test(test_read_file_missing_and_empty),
	cmocka_unit_test(test_write_file_atomic),
	cmocka_unit_test(test_mkdir_p),
	cmocka_unit_test(test_rm_rf_keeps_symlink_targets),
	cmocka_unit_test(test_sha256_vectors),
	cmocka_unit_test(test_sha256_million_a_in_chunks),
	cmocka_unit_test(test_sha256_padding_edges_match_sha256sum))
