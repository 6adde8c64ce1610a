/* test_memo.c - the memo of host files (image/memo.c): a digest is
 * remembered for a settled file and used while it stays as it is; a new
 * content, a file changed a moment ago, or a folder others may write is
 * never answered from the memo. And the TSC record keyed by boot id. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/image/memo.h"
#include "src/util/fsutil.h"
#include "src/util/sha256.h"
#include "src/vmm/accel.h"

static char dir[64], cache[96], file[96], settled1[96], settled2[96], settled3[96];

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/pool-test-memo.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cache, sizeof cache, "%s/cache", dir);
	snprintf(file, sizeof file, "%s/input", dir);
	snprintf(settled1, sizeof settled1, "%s/one", dir);
	snprintf(settled2, sizeof settled2, "%s/two", dir);
	snprintf(settled3, sizeof settled3, "%s/three", dir);
	/* Files that have settled: written, then left alone for longer than
	 * the memo waits (a ctime cannot be dated back). */
	write_text(settled1, "version one\n");
	write_text(settled2, "trusted?\n");
	write_text(settled3, "busybox\n");
	sleep(MEMO_SETTLE_S + 1);
	return 0;
}

static int teardown(void **state)
{
	struct pool_err e = { 0 };

	(void)state;
	return rm_rf(dir, &e);
}

static void digest_of(const char *text, uint8_t out[32])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, text, strlen(text));
	sha256_final(&s, out);
}

static size_t entries(void)
{
	char cmd[256];
	FILE *p;
	unsigned n = 0;

	snprintf(cmd, sizeof cmd, "ls %s/memo 2>/dev/null | wc -l", cache);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%u", &n), 1);	/* NOLINT(cert-err34-c): wc's count */
	pclose(p);
	return n;
}

static void test_key_follows_identity(void **state)
{
	struct stat a = { 0 }, b;
	char k1[65], k2[65];

	(void)state;
	a.st_dev = 1;
	a.st_ino = 2;
	a.st_size = 3;
	a.st_mtim.tv_sec = 4;
	memo_key("sha256", "/x", &a, k1);
	memo_key("sha256", "/x", &a, k2);
	assert_string_equal(k1, k2);
	assert_int_equal(strlen(k1), 64);
	b = a;
	b.st_mtim.tv_nsec = 1;
	memo_key("sha256", "/x", &b, k2);
	assert_string_not_equal(k1, k2);
	b = a;
	b.st_ino = 9;
	memo_key("sha256", "/x", &b, k2);
	assert_string_not_equal(k1, k2);
	memo_key("sha256", "/y", &a, k2);
	assert_string_not_equal(k1, k2);
	memo_key("applets", "/x", &a, k2);
	assert_string_not_equal(k1, k2);
}

static void test_digest_remembered_while_unchanged(void **state)
{
	struct pool_err e = { 0 };
	uint8_t got[32], want[32];
	char entry[256], key[65], fake[65];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();	/* only root writes a memo */
	digest_of("version one\n", want);
	assert_int_equal(memo_digest(cache, settled1, got, &e), 0);
	assert_memory_equal(got, want, 32);
	assert_int_equal(entries(), 1);

	/* The memo answers for the file as it is: proven by planting another
	 * digest under its key and getting that back without a read. */
	assert_int_equal(stat(settled1, &st), 0);
	memo_key("sha256", settled1, &st, key);
	snprintf(entry, sizeof entry, "%s/memo/%s", cache, key);
	memset(fake, 'a', 64);
	fake[64] = '\0';
	assert_int_equal(write_file_atomic(entry, fake, 64, 0644, &e), 0);
	assert_int_equal(memo_digest(cache, settled1, got, &e), 0);
	assert_int_equal(got[0], 0xaa);

	/* A new content (same size): a new identity, and the file is read. */
	write_text(settled1, "version two\n");
	digest_of("version two\n", want);
	assert_int_equal(memo_digest(cache, settled1, got, &e), 0);
	assert_memory_equal(got, want, 32);

	/* A malformed entry is not believed. */
	assert_int_equal(stat(settled2, &st), 0);
	memo_key("sha256", settled2, &st, key);
	snprintf(entry, sizeof entry, "%s/memo/%s", cache, key);
	assert_int_equal(write_file_atomic(entry, "zz", 2, 0644, &e), 0);
	digest_of("trusted?\n", want);
	assert_int_equal(memo_digest(cache, settled2, got, &e), 0);
	assert_memory_equal(got, want, 32);
}

static void test_recent_file_not_remembered(void **state)
{
	struct pool_err e = { 0 };
	uint8_t got[32], want[32];
	size_t before;

	(void)state;
	if (geteuid() != 0)
		skip();
	before = entries();
	write_text(file, "just written\n");
	digest_of("just written\n", want);
	assert_int_equal(memo_digest(cache, file, got, &e), 0);
	assert_memory_equal(got, want, 32);
	assert_int_equal(entries(), before);	/* nothing remembered */

	/* the positive control: a settled file is remembered */
	assert_int_equal(memo_digest(cache, settled3, got, &e), 0);
	assert_int_equal(entries(), before + 1);
}

static void test_open_folder_not_trusted(void **state)
{
	struct pool_err e = { 0 };
	uint8_t got[32], want[32];
	char memo[128], entry[256], key[65], fake[65];
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(stat(settled2, &st), 0);
	memo_key("sha256", settled2, &st, key);
	snprintf(memo, sizeof memo, "%s/memo", cache);
	snprintf(entry, sizeof entry, "%s/%s", memo, key);
	memset(fake, 'b', 64);
	fake[64] = '\0';
	assert_int_equal(write_file_atomic(entry, fake, 64, 0644, &e), 0);
	assert_int_equal(memo_digest(cache, settled2, got, &e), 0);
	assert_int_equal(got[0], 0xbb);	/* control: a private folder is used */
	assert_int_equal(chmod(memo, 0777), 0);
	digest_of("trusted?\n", want);
	assert_int_equal(memo_digest(cache, settled2, got, &e), 0);
	assert_memory_equal(got, want, 32);	/* others may write there: the file is read */
	assert_int_equal(chmod(memo, 0755), 0);
}

static void test_applets_value(void **state)
{
	char *val = NULL;
	size_t len = 0;
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(stat(settled3, &st), 0);
	assert_int_equal(memo_get(cache, "applets", settled3, &st, &val, &len), 0);
	memo_put(cache, "applets", settled3, &st, "bin/ls\nbin/cat\n", 15);
	assert_int_equal(memo_get(cache, "applets", settled3, &st, &val, &len), 1);
	assert_int_equal(len, 15);
	assert_string_equal(val, "bin/ls\nbin/cat\n");
	free(val);
	/* without a cache folder, nothing is remembered or found */
	assert_int_equal(memo_get(NULL, "applets", settled3, &st, &val, &len), 0);
}

static void test_tsc_record(void **state)
{
	static const char id[] = "46bd618a-5af2-4f79-bd61-a20fa1a54a00";
	unsigned long khz = 0;

	(void)state;
	assert_int_equal(tsc_record_parse("46bd618a-5af2-4f79-bd61-a20fa1a54a00 2595000\n", 45, id, &khz), 0);
	assert_int_equal(khz, 2595000);
	/* another boot's record */
	assert_int_equal(tsc_record_parse("56bd618a-5af2-4f79-bd61-a20fa1a54a00 2595000\n", 45, id, &khz), -1);
	/* malformed or out of bounds */
	assert_int_equal(tsc_record_parse("46bd618a-5af2-4f79-bd61-a20fa1a54a00 25x5000\n", 45, id, &khz), -1);
	assert_int_equal(tsc_record_parse("46bd618a-5af2-4f79-bd61-a20fa1a54a00 12\n", 40, id, &khz), -1);
	assert_int_equal(tsc_record_parse("46bd618a-5af2-4f79-bd61-a20fa1a54a00\n", 37, id, &khz), -1);
	assert_int_equal(tsc_record_parse("", 0, id, &khz), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_follows_identity),
		cmocka_unit_test(test_digest_remembered_while_unchanged),
		cmocka_unit_test(test_recent_file_not_remembered),
		cmocka_unit_test(test_open_folder_not_trusted),
		cmocka_unit_test(test_applets_value),
		cmocka_unit_test(test_tsc_record),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
