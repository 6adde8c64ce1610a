/* test_volume.c - volume images: ext probe, records, open refusals, sparse creation with mkfs, locking. */
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

#include "src/util/fsutil.h"
#include "src/image/volume_image.h"
#include "tests/unit/main.h"
#include "tests/unit/tmpdir.h"

static int setup(void **state)
{
	(void)state;
	unsetenv("POOL_MKFS");
	return tmpdir_make("volume");
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("POOL_MKFS");
	return tmpdir_remove();
}

static void in_tmp(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void test_is_ext(void **state)
{
	uint8_t sb[VOLUME_PROBE_LEN] = { 0 };

	(void)state;
	assert_false(volume_is_ext(sb, sizeof sb));
	sb[1080] = 0x53;
	sb[1081] = 0xef;
	assert_true(volume_is_ext(sb, sizeof sb));
	assert_true(volume_is_ext(sb, 1082));
	assert_false(volume_is_ext(sb, 1081));	/* a short read holds no magic */
	assert_false(volume_is_ext(sb, 0));
	sb[1081] = 0xee;
	assert_false(volume_is_ext(sb, sizeof sb));
}

static void test_serial(void **state)
{
	char s[16];

	(void)state;
	volume_serial(0, s, sizeof s);
	assert_string_equal(s, "vol0");
	volume_serial(7, s, sizeof s);
	assert_string_equal(s, "vol7");
}

static void test_record(void **state)
{
	char buf[256];
	size_t len = 0;

	(void)state;
	assert_int_equal(volume_record_line(buf, sizeof buf, 2049, 1234567, "/srv/a.img"), 0);
	assert_string_equal(buf, "2049 1234567 /srv/a.img\n");
	len = strlen(buf);
	assert_int_equal(volume_record_line(buf + len, sizeof buf - len, 18446744073709551615ULL, 5,
					    "/b c.img"), 0);
	len = strlen(buf);
	assert_true(volume_record_has(buf, len, 2049, 1234567));
	assert_true(volume_record_has(buf, len, 18446744073709551615ULL, 5));
	assert_false(volume_record_has(buf, len, 2049, 5));
	assert_false(volume_record_has(buf, len, 1234567, 2049));
	/* the last line needs no newline; a prefix of a number is not the number */
	assert_true(volume_record_has("1 2 /x", 6, 1, 2));
	assert_false(volume_record_has("1 2 /x", 6, 1, 20));
	assert_true(volume_record_has("1 22 /x", 3, 1, 2));	/* only len bytes are read */
	/* garbage is skipped, not taken for a match */
	assert_false(volume_record_has("", 0, 0, 0));
	assert_false(volume_record_has("\n\n", 2, 0, 0));
	{
		const char *bad = "x 1 /a\n-1 1 /b\n1  1 /c\n1 1x /d\n";

		assert_false(volume_record_has(bad, strlen(bad), 1, 1));
	}
	assert_true(volume_record_has("junk\n3 4 /d\n", 12, 3, 4));
	assert_false(volume_record_has("99999999999999999999 1 /a\n", 26, 0, 1));
	/* too small, or a path that would break the line format */
	assert_int_equal(volume_record_line(buf, 8, 2049, 1234567, "/srv/a.img"), -1);
	assert_int_equal(volume_record_line(buf, sizeof buf, 1, 2, "/a\n3 4 /b"), -1);
}

static void test_open_refuses(void **state)
{
	char path[128], target[128];
	struct pool_err e = { 0 };
	int fd;

	(void)state;
	in_tmp(path, sizeof path, "missing.img");
	assert_int_equal(volume_open(path, &e), VOLUME_MISSING);

	in_tmp(path, sizeof path, "dir.img");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(volume_open(path, &e), -1);
	assert_non_null(strstr(e.msg, "is a folder"));
	assert_int_equal(e.status, POOL_EXIT_USAGE);

	in_tmp(target, sizeof target, "plain.img");
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 1 << 20), 0);
	close(fd);
	in_tmp(path, sizeof path, "link.img");
	assert_int_equal(symlink(target, path), 0);
	e = (struct pool_err){ 0 };
	assert_int_equal(volume_open(path, &e), -1);
	assert_non_null(strstr(e.msg, "is a symlink"));

	in_tmp(path, sizeof path, "fifo.img");
	assert_int_equal(mkfifo(path, 0600), 0);
	e = (struct pool_err){ 0 };
	assert_int_equal(volume_open(path, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));

	/* a regular file of zeros holds no file system: refused, not formatted */
	e = (struct pool_err){ 0 };
	assert_int_equal(volume_open(target, &e), -1);
	assert_non_null(strstr(e.msg, "no ext4 file system"));
}

static void test_create_sparse_formatted_locked(void **state)
{
	char path[128];
	struct pool_err e = { 0 };
	uint8_t sb[VOLUME_PROBE_LEN];
	struct stat st;
	int fd, fd2;
	const uint64_t size = 256ULL << 20;

	(void)state;
	in_tmp(path, sizeof path, "data.img");
	fd = volume_create(path, size, getuid(), getgid(), &e);
	if (fd < 0)
		print_error("volume_create: %s\n", e.msg);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	assert_true((uint64_t)st.st_blocks * 512 < size / 4);	/* sparse */
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, getuid());
	assert_int_equal(pread(fd, sb, sizeof sb, 0), (ssize_t)sizeof sb);
	assert_true(volume_is_ext(sb, sizeof sb));
	assert_int_equal(count_entries(tmpdir), 1);	/* no temporary left */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	/* held: a second open is refused, and says so */
	e = (struct pool_err){ 0 };
	assert_int_equal(volume_open(path, &e), VOLUME_BUSY);
	assert_non_null(strstr(e.msg, "in use"));
	/* an existing image is never replaced */
	e = (struct pool_err){ 0 };
	assert_int_equal(volume_create(path, size, getuid(), getgid(), &e), VOLUME_EXISTS);
	assert_int_equal(count_entries(tmpdir), 1);

	/* a copy of the fd (what QEMU holds) keeps the lock */
	fd2 = dup(fd);
	close(fd);
	assert_int_equal(volume_open(path, &e), VOLUME_BUSY);
	close(fd2);

	/* released: opened as is */
	e = (struct pool_err){ 0 };
	fd = volume_open(path, &e);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	close(fd);
}

static void test_create_mkfs_fails_leaves_nothing(void **state)
{
	char path[128];
	struct pool_err e = { 0 };

	(void)state;
	in_tmp(path, sizeof path, "bad.img");
	setenv("POOL_MKFS", "/bin/false", 1);
	assert_int_equal(volume_create(path, 64ULL << 20, getuid(), getgid(), &e), -1);
	assert_non_null(strstr(e.msg, "/bin/false failed"));
	assert_int_equal(count_entries(tmpdir), 0);

	setenv("POOL_MKFS", "/nonexistent/mkfs", 1);
	e = (struct pool_err){ 0 };
	assert_int_equal(volume_create(path, 64ULL << 20, getuid(), getgid(), &e), -1);
	assert_non_null(strstr(e.msg, "cannot run"));
	assert_int_equal(count_entries(tmpdir), 0);
	unsetenv("POOL_MKFS");
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_is_ext),
	cmocka_unit_test(test_serial),
	cmocka_unit_test(test_record),
	cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
	cmocka_unit_test_setup_teardown(test_create_sparse_formatted_locked, setup, teardown),
	cmocka_unit_test_setup_teardown(test_create_mkfs_fails_leaves_nothing, setup, teardown))
