/* test_nosetid.c - the share filter: real calls in a forked child that
 * installed it. Each refusal stands beside the same call without the
 * set-id bit, which works, and the files on disk are checked afterwards. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/supervise/nosetid.h"
#include "src/util/err.h"
#include "src/util/fsutil.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/pool-test-nosetid.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return chmod(dir, 0755);
}

static int teardown(void **state)
{
	struct pool_err e = { 0 };

	(void)state;
	return rm_rf(dir, &e);
}

/* In the child: report the first check that does not hold. */
#define EXPECT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s (errno %d, %s)\n", __FILE__, __LINE__, #cond, errno, strerror(errno)); \
		return 1; \
	} \
} while (0)
#define REFUSED(call, err) do { errno = 0; EXPECT((call) == -1 && errno == (err)); } while (0)

static char *at(const char *name)
{
	static char buf[4][128];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof buf[0], "%s/%s", dir, name);
	return p;
}

/* Run fn in a child, with the filter or without it (a control). Returns
 * the child's exit status, or 128 + the signal that ended it. */
static int in_child(int (*fn)(void), bool filtered)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		umask(0);
		if (filtered && nosetid_install() < 0) {
			fprintf(stderr, "nosetid_install: %s\n", strerror(errno));
			_exit(100);
		}
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

/* A file a test makes, and the mode it must end up with. */
struct made {
	const char *name;
	mode_t mode;
};

/* fn, run under the filter, succeeds and leaves the files made so (up to a NULL name). */
static void check_made(int (*fn)(void), const struct made *made)
{
	assert_int_equal(in_child(fn, true), 0);
	for (; made->name; made++)
		case_int_equal(made->name, mode_of(at(made->name)), made->mode);
}

static void make_file(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);

	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* f, made 0644, has mode after fn ran under the filter. */
static void check_on_f(int (*fn)(void), mode_t mode)
{
	make_file(at("f"), 0644);
	assert_int_equal(in_child(fn, true), 0);
	assert_int_equal(mode_of(at("f")), mode);
}

/* ---- chmod and friends ---- */

static int do_chmod(void)
{
	const char *f = at("f");

	REFUSED(chmod(f, 04755), EPERM);
	REFUSED(chmod(f, 02755), EPERM);
	REFUSED(chmod(f, 06755), EPERM);
	/* Only the low 32 bits are the mode; stray high bits change nothing. */
	REFUSED(syscall(SYS_chmod, f, 0xffffffff00000000UL | 04755), EPERM);
	EXPECT(chmod(f, 0755) == 0);
	EXPECT(chmod(at("d"), 01777) == 0);	/* sticky is fine */
	return 0;
}

static void test_chmod(void **state)
{
	(void)state;
	make_file(at("f"), 0644);
	assert_int_equal(mkdir(at("d"), 0755), 0);
	check_made(do_chmod, (const struct made[]){
		{ "f", S_IFREG | 0755 }, { "d", S_IFDIR | 01777 }, { NULL, 0 } });
}

static int do_fchmod(void)
{
	int fd = open(at("f"), O_RDONLY);

	EXPECT(fd >= 0);
	REFUSED(fchmod(fd, 04700), EPERM);
	REFUSED(fchmod(fd, 02700), EPERM);
	EXPECT(fchmod(fd, 0700) == 0);
	return 0;
}

static void test_fchmod(void **state)
{
	(void)state;
	check_on_f(do_fchmod, S_IFREG | 0700);
}

/* virtiofsd 7.2 sets a mode as fchmodat(/proc/self/fd, "N", S_IFREG|mode),
 * N an O_PATH fd of the file. */
static int do_fchmodat(void)
{
	int procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY);
	int pfd = open(at("f"), O_PATH);
	char name[16];
	long r;

	EXPECT(procfd >= 0 && pfd >= 0);
	snprintf(name, sizeof name, "%d", pfd);
	REFUSED(fchmodat(AT_FDCWD, at("f"), 02755, 0), EPERM);
	REFUSED(fchmodat(procfd, name, S_IFREG | 06755, 0), EPERM);
	REFUSED(syscall(__NR_fchmodat2, AT_FDCWD, at("f"), 04755, 0), EPERM);
	r = syscall(__NR_fchmodat2, AT_FDCWD, at("f"), 0740, 0);
	EXPECT(r == 0 || errno == ENOSYS);	/* fchmodat2 is Linux 6.6 */
	EXPECT(fchmodat(procfd, name, S_IFREG | 0750, 0) == 0);
	return 0;
}

static void test_fchmodat(void **state)
{
	(void)state;
	check_on_f(do_fchmodat, S_IFREG | 0750);
}

/* ---- files made with a mode ---- */

static int do_create(void)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int fd;

	EXPECT(dfd >= 0);
	REFUSED(open(at("a"), O_WRONLY | O_CREAT, 04755), EPERM);
	EXPECT(access(at("a"), F_OK) == -1 && errno == ENOENT);	/* not made */
	EXPECT((fd = open(at("a"), O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	/* glibc's open is openat; the old call itself: */
	REFUSED(syscall(SYS_open, at("a2"), O_WRONLY | O_CREAT, 02755), EPERM);
	EXPECT((fd = (int)syscall(SYS_open, at("a2"), O_WRONLY | O_CREAT, 0640)) >= 0);
	close(fd);
	/* A mode without O_CREAT means nothing, and passes. */
	EXPECT((fd = open(at("a"), O_RDONLY, 06777)) >= 0);
	close(fd);

	/* virtiofsd's FUSE_CREATE. */
	REFUSED(openat(dfd, "b", O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, S_IFREG | 06755), EPERM);
	EXPECT((fd = openat(dfd, "b", O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, S_IFREG | 0644)) >= 0);
	close(fd);

	REFUSED(creat(at("c"), 02755), EPERM);
	REFUSED(syscall(SYS_creat, at("c"), 04755), EPERM);
	EXPECT((fd = creat(at("c"), 0600)) >= 0);
	close(fd);

	REFUSED(open(dir, O_TMPFILE | O_RDWR, 04700), EPERM);
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	EXPECT(fd >= 0 || errno == EOPNOTSUPP);	/* not every file system has it */
	if (fd >= 0)
		close(fd);
	return 0;
}

static void test_create(void **state)
{
	(void)state;
	check_made(do_create, (const struct made[]){
		{ "a", S_IFREG | 0644 }, { "a2", S_IFREG | 0640 }, { "b", S_IFREG | 0644 },
		{ "c", S_IFREG | 0600 }, { NULL, 0 } });
}

static int do_mknod(void)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	EXPECT(dfd >= 0);
	REFUSED(mknod(at("p"), S_IFIFO | S_ISGID | 0644, 0), EPERM);
	REFUSED(mknod(at("p"), S_IFIFO | S_ISUID | 0644, 0), EPERM);
	EXPECT(mknod(at("p"), S_IFIFO | 0644, 0) == 0);
	/* glibc's mknod is mknodat; the old call itself: */
	REFUSED(syscall(SYS_mknod, at("p2"), S_IFIFO | S_ISGID | 0600, 0), EPERM);
	EXPECT(syscall(SYS_mknod, at("p2"), S_IFIFO | 0600, 0) == 0);
	/* FUSE_MKNOD of a regular file would make a set-uid program. */
	REFUSED(mknodat(dfd, "r", S_IFREG | 04755, 0), EPERM);
	EXPECT(mknodat(dfd, "r", S_IFREG | 0755, 0) == 0);
	return 0;
}

static void test_mknod(void **state)
{
	(void)state;
	check_made(do_mknod, (const struct made[]){
		{ "p", S_IFIFO | 0644 }, { "p2", S_IFIFO | 0600 }, { "r", S_IFREG | 0755 }, { NULL, 0 } });
}

static int do_mkdir(void)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	EXPECT(dfd >= 0);
	REFUSED(mkdir(at("d"), 02755), EPERM);
	REFUSED(syscall(SYS_mkdir, at("d"), 04755), EPERM);
	EXPECT(mkdir(at("d"), 01777) == 0);	/* sticky is fine */
	REFUSED(mkdirat(dfd, "e", S_IFDIR | 04755), EPERM);
	EXPECT(mkdirat(dfd, "e", S_IFDIR | 0755) == 0);
	/* Below a folder the user made set-gid, the kernel passes the bit on. */
	EXPECT(mkdir(at("g/sub"), 0755) == 0);
	return 0;
}

static void test_mkdir(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("g"), 0755), 0);
	assert_int_equal(chmod(at("g"), 02755), 0);
	assert_int_equal(in_child(do_mkdir, true), 0);
	assert_int_equal(mode_of(at("d")), S_IFDIR | 01777);
	assert_int_equal(mode_of(at("e")), S_IFDIR | 0755);
	assert_int_equal(mode_of(at("g/sub")), S_IFDIR | 02755);
}

/* ---- calls the filter cannot read ---- */

static int do_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY };
	long fd = syscall(SYS_openat2, AT_FDCWD, at("f"), &how, sizeof how);

	return fd >= 0 ? 0 : errno;
}

static int do_io_uring(void)
{
	char params[120] = { 0 };	/* struct io_uring_params */
	long fd = syscall(SYS_io_uring_setup, 1, params);

	return fd >= 0 ? 0 : errno;
}

static void test_openat2_and_io_uring(void **state)
{
	int ctl;

	(void)state;
	make_file(at("f"), 0644);
	/* Even a plain read-only openat2 gets ENOSYS; without the filter it works. */
	assert_int_equal(in_child(do_openat2, false), 0);
	assert_int_equal(in_child(do_openat2, true), ENOSYS);
	/* io_uring may be switched off (EPERM) or absent (ENOSYS) here; the
	 * filter's ENOSYS shows only where it is not absent. */
	ctl = in_child(do_io_uring, false);
	if (ctl != ENOSYS)
		assert_int_equal(in_child(do_io_uring, true), ENOSYS);
	else
		print_message("io_uring_setup: ENOSYS without the filter too\n");
}

/* ---- foreign architectures ---- */

static int do_int80(void)
{
	long r;

	/* i386 getpid (20) through the 32-bit entry. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	return r == getpid() ? 0 : r == -ENOSYS ? 1 : 2;
}

static int do_x32(void)
{
	long r = syscall(__X32_SYSCALL_BIT | SYS_getpid);

	return r == getpid() ? 0 : errno == ENOSYS ? 1 : 2;
}

static void test_other_arch_killed(void **state)
{
	int ctl;

	(void)state;
	/* Without the filter the call returns (the pid, or ENOSYS where the
	 * kernel has no such entry); with it the process dies. */
	ctl = in_child(do_x32, false);
	assert_true(ctl == 0 || ctl == 1);
	assert_int_equal(in_child(do_x32, true), 128 + SIGSYS);

	ctl = in_child(do_int80, false);
	assert_true(ctl == 0 || ctl == 1);
	if (ctl == 0)
		assert_int_equal(in_child(do_int80, true), 128 + SIGSYS);
	else
		print_message("int 0x80: no 32-bit entry in this kernel\n");
}

/* ---- owners: taken, not made ---- */

static uid_t owner_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_uid;
}

static int do_chown(void)
{
	uid_t euid = geteuid();
	gid_t egid = getegid();
	int fd = open(at("f"), O_RDONLY);

	EXPECT(fd >= 0);
	EXPECT(chown(at("f"), 4242, 4242) == 0);
	EXPECT(syscall(SYS_chown, at("f"), 4243, 4243) == 0);
	EXPECT(lchown(at("l"), 4244, 4244) == 0);
	EXPECT(fchown(fd, 4245, 4245) == 0);
	EXPECT(fchownat(fd, "", 4246, 4246, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0);
	/* virtiofsd's switch to its caller's ids: taken, the ids stay. */
	EXPECT(syscall(SYS_setresgid, -1, 4247, -1) == 0);
	EXPECT(syscall(SYS_setresuid, -1, 4247, -1) == 0);
	EXPECT(geteuid() == euid && getegid() == egid);
	close(fd);
	return 0;
}

static int do_chown_plain(void)
{
	EXPECT(chown(at("g"), 4242, 4242) == 0);
	return 0;
}

static void test_chown_taken(void **state)
{
	uid_t me = geteuid();

	(void)state;
	make_file(at("f"), 0644);
	make_file(at("g"), 0644);
	assert_int_equal(symlink("f", at("l")), 0);
	assert_int_equal(in_child(do_chown, true), 0);
	assert_int_equal(owner_of(at("f")), me);
	assert_int_equal(owner_of(at("l")), me);
	/* The control: without the filter, root's chown changes the owner. */
	if (me == 0) {
		assert_int_equal(in_child(do_chown_plain, false), 0);
		assert_int_equal(owner_of(at("g")), 4242);
	}
}

/* ---- the filter outlives exec, and needs no privilege ---- */

static int exec_chmod(const char *mode)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl("/bin/chmod", "chmod", mode, at("f"), (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int do_exec(void)
{
	EXPECT(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	EXPECT(exec_chmod("u+s") == 1);	/* coreutils: "Operation not permitted" */
	EXPECT(exec_chmod("g+s") == 1);
	EXPECT(exec_chmod("0711") == 0);
	return 0;
}

static void test_exec_keeps_filter(void **state)
{
	(void)state;
	check_on_f(do_exec, S_IFREG | 0711);
}

static int do_unprivileged(void)
{
	if (getuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			      setresuid(65534, 65534, 65534) < 0))
		return 3;
	/* Twice: filters stack. */
	EXPECT(nosetid_install() == 0);
	EXPECT(nosetid_install() == 0);
	/* The file is ours: only the filter can refuse this. */
	REFUSED(chmod(at("f"), 04755), EPERM);
	EXPECT(chmod(at("f"), 0755) == 0);
	return 0;
}

static void test_unprivileged(void **state)
{
	(void)state;
	make_file(at("f"), 0644);
	if (getuid() == 0)
		assert_int_equal(chown(at("f"), 65534, 65534), 0);
	assert_int_equal(in_child(do_unprivileged, false), 0);
	assert_int_equal(mode_of(at("f")), S_IFREG | 0755);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test_setup_teardown(test_chmod, setup, teardown),
	cmocka_unit_test_setup_teardown(test_fchmod, setup, teardown),
	cmocka_unit_test_setup_teardown(test_fchmodat, setup, teardown),
	cmocka_unit_test_setup_teardown(test_create, setup, teardown),
	cmocka_unit_test_setup_teardown(test_mknod, setup, teardown),
	cmocka_unit_test_setup_teardown(test_mkdir, setup, teardown),
	cmocka_unit_test_setup_teardown(test_openat2_and_io_uring, setup, teardown),
	cmocka_unit_test_setup_teardown(test_other_arch_killed, setup, teardown),
	cmocka_unit_test_setup_teardown(test_chown_taken, setup, teardown),
	cmocka_unit_test_setup_teardown(test_exec_keeps_filter, setup, teardown),
	cmocka_unit_test_setup_teardown(test_unprivileged, setup, teardown))
