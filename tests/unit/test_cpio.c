/* test_cpio.c - the newc writer, checked against GNU cpio and bsdtar (libarchive). */
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
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/image/cpio.h"
#include "src/util/cleanup.h"
#include "src/util/fsutil.h"
#include "tests/unit/main.h"

#define BIG_LEN 70000
#define HOST_LEN 200003		/* several 64 KiB buffers, not a multiple of 4 */

static char tmp[64];
static char hostfile[128];
static uint8_t big[BIG_LEN];
static uint8_t hostdata[HOST_LEN];

/* The entries, in archive order, as every lister must show them. */
static const char *const names[] = {
	"bin", "etc", "dev", "empty", "one", "three", "bin/big", "bin/host",
	"bin/sh", "dev/console", "etc/hostname",
};

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/pool-test-cpio-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	fill(big, sizeof big, 1);
	fill(hostdata, sizeof hostdata, 2);
	snprintf(hostfile, sizeof hostfile, "%s/hostfile", tmp);
	return write_file_atomic(hostfile, hostdata, sizeof hostdata, 0644, NULL);
}

static int teardown(void **state)
{
	(void)state;
	return rm_rf(tmp, NULL);
}

static void build(const char *path)
{
	struct pool_err e = { 0 };
	struct cpio *c = malloc(sizeof *c);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_non_null(c);
	assert_true(fd >= 0);
	cpio_init(c, fd);
	c->name = path;
	assert_int_equal(cpio_add_dir(c, "bin", 0755, &e), 0);
	assert_int_equal(cpio_add_dir(c, "etc", 0750, &e), 0);
	assert_int_equal(cpio_add_dir(c, "dev", 0755, &e), 0);
	assert_int_equal(cpio_add_file(c, "empty", 0644, "", 0, &e), 0);
	assert_int_equal(cpio_add_file(c, "one", 0600, "x", 1, &e), 0);
	assert_int_equal(cpio_add_file(c, "three", 0640, "abc", 3, &e), 0);
	assert_int_equal(cpio_add_file(c, "bin/big", 0755, big, sizeof big, &e), 0);
	assert_int_equal(cpio_add_host_file(c, "bin/host", 0700, hostfile, &e), 0);
	assert_int_equal(cpio_add_symlink(c, "bin/sh", "big", &e), 0);
	assert_int_equal(cpio_add_chardev(c, "dev/console", 0600, 5, 1, &e), 0);
	/* A leading '/' is dropped. */
	assert_int_equal(cpio_add_file(c, "/etc/hostname", 0644, "pool\n", 5, &e), 0);
	assert_int_equal(cpio_finish(c, &e), 0);
	assert_int_equal(close(fd), 0);
	free(c);
}

/* Run a shell command and return its stdout (malloc'd). */
static char *run(const char *cmd)
{
	char *out = NULL;
	size_t have = 0, cap = 0;
	FILE *f;
	int st;

	f = popen(cmd, "r");
	assert_non_null(f);
	for (;;) {
		if (have + 4096 > cap) {
			char *n = realloc(out, cap ? cap * 2 : 8192);

			assert_non_null(n);
			out = n;
			cap = cap ? cap * 2 : 8192;
		}
		size_t n = fread(out + have, 1, cap - have - 1, f);

		if (n == 0)
			break;
		have += n;
	}
	out[have] = '\0';
	st = pclose(f);
	if (st != 0)
		fail_msg("command failed (%d): %s", st, cmd);
	return out;
}

static void assert_lines(const char *text, const char *const *want, size_t n)
{
	const char *p = text;

	for (size_t i = 0; i < n; i++) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		if ((size_t)(nl - p) != strlen(want[i]) || memcmp(p, want[i], strlen(want[i])) != 0)
			fail_msg("line %zu: got '%.*s', want '%s'", i, (int)(nl - p), p, want[i]);
		p = nl + 1;
	}
	assert_string_equal(p, "");
}

static void assert_file(const char *dir, const char *name, const void *data, size_t len,
			mode_t perm)
{
	char path[512];
	struct stat st;
	char *got = NULL;
	size_t glen = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, perm);
	assert_int_equal(read_file(path, 1 << 20, &got, &glen, NULL), 0);
	assert_int_equal(glen, len);
	assert_memory_equal(got, data, len);
	free(got);
}

/* What an extraction must reproduce, whichever tool did it. */
static void check_tree(const char *dir, int modes)
{
	char path[512], link[64];
	struct stat st;
	ssize_t n;

	assert_file(dir, "empty", "", 0, 0644);
	assert_file(dir, "one", "x", 1, 0600);
	assert_file(dir, "three", "abc", 3, 0640);
	assert_file(dir, "bin/big", big, sizeof big, 0755);
	assert_file(dir, "bin/host", hostdata, sizeof hostdata, 0700);
	assert_file(dir, "etc/hostname", "pool\n", 5, 0644);
	snprintf(path, sizeof path, "%s/bin/sh", dir);
	n = readlink(path, link, sizeof link);
	assert_int_equal(n, 3);
	assert_memory_equal(link, "big", 3);
	snprintf(path, sizeof path, "%s/etc", dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	if (modes)
		assert_int_equal(st.st_mode & 07777, 0750);
	snprintf(path, sizeof path, "%s/dev/console", dir);
	if (geteuid() == 0) {
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(major(st.st_rdev), 5);
		assert_int_equal(minor(st.st_rdev), 1);
		assert_int_equal(st.st_mode & 07777, 0600);
	}
}

/* A long listing's line for dev/console: "crw------- ... 5, 1 ..." (GNU
 * cpio pads the minor number, bsdtar does not). */
static void assert_dev(const char *line)
{
	const char *p = strstr(line, " 5,");

	assert_memory_equal(line, "crw------- ", 11);
	assert_non_null(p);
	p += 3;
	while (*p == ' ')
		p++;
	assert_true(p[0] == '1' && p[1] == ' ');
}

/* Build tmp/NAME.cpio and check what a tool makes of it: its listing, its
 * long listing of dev/console (type 'c', numbers 5, 1), and its extraction
 * into tmp/NAME-x. The commands find the two in $ARCHIVE and $DEST. */
static void check_tool(const char *name, const char *list, const char *list_long,
		       const char *extract)
{
	char arc[128], dir[128], cmd[512];
	char *out;

	snprintf(arc, sizeof arc, "%s/%s.cpio", tmp, name);
	snprintf(dir, sizeof dir, "%s/%s-x", tmp, name);
	build(arc);
	if (setenv("ARCHIVE", arc, 1) < 0 || setenv("DEST", dir, 1) < 0)
		fail_msg("setenv: %s", strerror(errno));

	out = run(list);
	assert_lines(out, names, ARRAY_SIZE(names));
	free(out);
	snprintf(cmd, sizeof cmd, "%s | grep ' dev/console$'", list_long);
	out = run(cmd);
	assert_dev(out);
	free(out);

	assert_int_equal(mkdir(dir, 0755), 0);
	free(run(extract));
	check_tree(dir, 1);
}

static void test_gnu_cpio(void **state)
{
	(void)state;
	check_tool("gnu", "cpio --quiet -it < \"$ARCHIVE\"", "cpio --quiet -itv < \"$ARCHIVE\"",
		   "cd \"$DEST\" && cpio --quiet -idm --no-absolute-filenames < \"$ARCHIVE\"");
}

static void test_bsdtar(void **state)
{
	(void)state;
	check_tool("bsd", "bsdtar -tf \"$ARCHIVE\"", "bsdtar -tvf \"$ARCHIVE\"",
		   "bsdtar -xpf \"$ARCHIVE\" -C \"$DEST\"");
}

static uint32_t hex8(const uint8_t *p)
{
	char s[9];

	memcpy(s, p, 8);
	s[8] = '\0';
	return (uint32_t)strtoul(s, NULL, 16);
}

/* Same input, same bytes; whole 512-byte blocks; the header fields that
 * make it so (uid, gid, mtime 0, inodes 1, 2, 3...). */
static void test_deterministic(void **state)
{
	char a[128], b[128];
	char *da = NULL, *db = NULL;
	size_t la = 0, lb = 0, off = 0;
	uint32_t ino = 0;

	(void)state;
	snprintf(a, sizeof a, "%s/a.cpio", tmp);
	snprintf(b, sizeof b, "%s/b.cpio", tmp);
	build(a);
	build(b);
	assert_int_equal(read_file(a, 1 << 22, &da, &la, NULL), 0);
	assert_int_equal(read_file(b, 1 << 22, &db, &lb, NULL), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	assert_int_equal(la % 512, 0);

	for (;;) {
		const uint8_t *h = (const uint8_t *)da + off;
		uint32_t mode, size, namesize;

		assert_true(off + 110 <= la);
		assert_memory_equal(h, "070701", 6);
		mode = hex8(h + 14);
		assert_int_equal(hex8(h + 22), 0);	/* uid */
		assert_int_equal(hex8(h + 30), 0);	/* gid */
		assert_int_equal(hex8(h + 38), S_ISDIR(mode) ? 2 : 1);
		assert_int_equal(hex8(h + 46), 0);	/* mtime */
		size = hex8(h + 54);
		namesize = hex8(h + 94);
		if (namesize == 11 && memcmp(h + 110, "TRAILER!!!", 11) == 0)
			break;
		assert_int_equal(hex8(h + 6), ++ino);
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		off = (off + size + 3) & ~(size_t)3;
	}
	assert_int_equal(ino, ARRAY_SIZE(names));
	free(da);
	free(db);
}

/* A writer of test.cpio into /dev/null (its fd in *fd). */
static struct cpio *null_cpio(int *fd)
{
	struct cpio *c = malloc(sizeof *c);

	*fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_non_null(c);
	assert_true(*fd >= 0);
	cpio_init(c, *fd);
	c->name = "test.cpio";
	return c;
}

static void test_bad_paths(void **state)
{
	static const char *const bad[] = { "", "/", "..", "../etc", "a/../b", "a/..", "a//b", "a/" };
	struct pool_err e = { 0 };
	char longp[4097];
	int fd;
	struct cpio *c = null_cpio(&fd);

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(cpio_add_file(c, bad[i], 0644, "x", 1, &e), -1);
		assert_non_null(strstr(e.msg, "test.cpio"));
		assert_int_equal(cpio_add_dir(c, bad[i], 0755, &e), -1);
		assert_int_equal(cpio_add_host_file(c, bad[i], 0755, "/etc/hostname", &e), -1);
	}
	/* 4095 bytes is the longest path. */
	memset(longp, 'a', sizeof longp - 1);
	longp[4096] = '\0';
	assert_int_equal(cpio_add_file(c, longp, 0644, "x", 1, &e), -1);
	assert_non_null(strstr(e.msg, "longer than 4095"));
	longp[4095] = '\0';
	assert_int_equal(cpio_add_file(c, longp, 0644, "x", 1, &e), 0);
	/* Names that merely contain dots are fine. */
	assert_int_equal(cpio_add_file(c, "lib/libc.so..6", 0644, "x", 1, &e), 0);
	assert_int_equal(cpio_add_symlink(c, "s", "", &e), -1);
	assert_int_equal(cpio_finish(c, &e), 0);
	close(fd);
	free(c);
}

static void test_host_file_errors(void **state)
{
	struct pool_err e = { 0 };
	char fifo[128];
	int fd;
	struct cpio *c = null_cpio(&fd);

	(void)state;
	assert_int_equal(cpio_add_host_file(c, "x", 0644, "/nonexistent/file", &e), -1);
	assert_int_equal(e.code, ENOENT);
	assert_non_null(strstr(e.msg, "test.cpio"));
	assert_non_null(strstr(e.msg, "/nonexistent/file"));
	assert_int_equal(cpio_add_host_file(c, "x", 0644, tmp, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
	/* A FIFO is refused, and opening it does not hang. */
	snprintf(fifo, sizeof fifo, "%s/fifo", tmp);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(cpio_add_host_file(c, "x", 0644, fifo, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
	/* fstat says 0 bytes, reading gives more: the copy must fail. */
	assert_int_equal(cpio_add_host_file(c, "x", 0644, "/proc/self/status", &e), -1);
	assert_non_null(strstr(e.msg, "grew"));
	close(fd);
	free(c);
}

static void test_write_error(void **state)
{
	struct pool_err e = { 0 };
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	struct cpio *c;

	(void)state;
	if (fd < 0)
		skip();
	c = malloc(sizeof *c);
	assert_non_null(c);
	cpio_init(c, fd);
	c->name = "full.cpio";
	assert_int_equal(cpio_add_file(c, "a", 0644, "x", 1, &e), 0);	/* buffered */
	assert_int_equal(cpio_finish(c, &e), -1);
	assert_int_equal(e.code, ENOSPC);
	assert_non_null(strstr(e.msg, "full.cpio"));
	/* A big entry hits the error while it is being added. */
	cpio_init(c, fd);
	assert_int_equal(cpio_add_file(c, "b", 0644, big, sizeof big, &e), -1);
	close(fd);
	free(c);
}

UNIT_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_gnu_cpio),
	cmocka_unit_test(test_bsdtar),
	cmocka_unit_test(test_deterministic),
	cmocka_unit_test(test_bad_paths),
	cmocka_unit_test(test_host_file_errors),
	cmocka_unit_test(test_write_error))
