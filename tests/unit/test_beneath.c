/* test_beneath.c - paths from a spec open beneath its folder and nowhere else, by openat2 and by the walk. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/util/beneath.h"
#include "src/util/fsutil.h"
#include "tests/unit/main.h"

/* Every lookup is tried both ways: openat2, and the walk. */
static const unsigned modes[] = { 0, BENEATH_WALK };
static const char *const mode_name[] = { "openat2", "walk" };

static char tmp[64];		/* the test's own tree */
static char root[128];		/* tmp/root: the spec's folder */
static char outside[128];	/* tmp/outside: a secret beside it */
static int rootfd = -1;

static void sh_put(const char *rel, const char *data)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(data, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void sh_mkdir(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void sh_ln(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	if (symlink(target, p) < 0)
		fail_msg("symlink %s -> %s: %s", p, target, strerror(errno));
}

static void sh_path(char *out, size_t cap, const char *rel)
{
	snprintf(out, cap, "%s/%s", tmp, rel);
}

static int setup(void **state)
{
	char p[PATH_MAX];

	(void)state;
	umask(022);
	snprintf(tmp, sizeof tmp, "/tmp/pool-test-beneath.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(root, sizeof root, "%s/root", tmp);
	snprintf(outside, sizeof outside, "%s/outside", tmp);
	sh_mkdir("root");
	sh_mkdir("outside");
	sh_put("outside/secret", "secret");
	sh_put("root/file.txt", "inside");
	sh_mkdir("root/sub");
	sh_put("root/sub/inner.txt", "inner");
	sh_mkdir("root/a");
	sh_mkdir("root/b");
	sh_put("root/b/f", "bf");
	sh_ln("sub/inner.txt", "root/in_link");
	sh_ln("sub", "root/in_dirlink");
	sh_ln("..", "root/sub/up");	/* from sub: the root, still inside */
	sh_ln("..", "root/up");		/* from the root: out */
	sh_ln("/etc", "root/abs_etc");
	snprintf(p, sizeof p, "%s/file.txt", root);
	sh_ln(p, "root/abs_self");	/* absolute, though it names a file inside */
	sh_ln("sub/chain2", "root/chain1");
	sh_ln("../chain3", "root/sub/chain2");
	sh_ln("../outside/secret", "root/chain3");
	sh_ln("/proc/self/root", "root/procroot");
	sh_ln("nothing-here", "root/dangling");
	sh_ln("loop2", "root/loop1");
	sh_ln("loop1", "root/loop2");
	sh_ln("../outside", "root/out_rel");
	sh_ln(outside, "root/out_abs");
	snprintf(p, sizeof p, "%s/made-through-a-link", outside);
	sh_ln(p, "root/dangling_out");
	sh_path(p, sizeof p, "root/fifo");
	assert_int_equal(mkfifo(p, 0644), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct pool_err e = { 0 };

	(void)state;
	close(rootfd);
	return rm_rf(tmp, &e);
}

/* ---- helpers ---- */

static void same_file(int fd, const char *path)
{
	struct stat a, b;

	assert_int_equal(fstat(fd, &a), 0);
	if (stat(path, &b) < 0)
		fail_msg("stat %s: %s", path, strerror(errno));
	if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fail_msg("the fd is not %s", path);
}

/* rel opens beneath dir, and is the file want (under tmp). */
static void opens_at(int dir, const char *rel, int oflags, unsigned flags, const char *want)
{
	char p[PATH_MAX];
	const char *why = NULL;

	for (size_t m = 0; m < 2; m++) {
		int fd = open_beneath(dir, rel, oflags, 0, flags | modes[m], &why);

		if (fd < 0)
			fail_msg("%s: \"%s\" refused: %s (%s)", mode_name[m], rel, why, strerror(errno));
		sh_path(p, sizeof p, want);
		same_file(fd, p);
		close(fd);
	}
}

static void opens(const char *rel, int oflags, unsigned flags, const char *want)
{
	opens_at(rootfd, rel, oflags, flags, want);
}

/* rel is refused beneath dir with err, and why says what. */
static void refused_at(int dir, const char *rel, int oflags, unsigned flags, int err, const char *why_has)
{
	for (size_t m = 0; m < 2; m++) {
		const char *why = NULL;
		int fd;

		errno = 0;
		fd = open_beneath(dir, rel, oflags, 0644, flags | modes[m], &why);
		if (fd >= 0)
			fail_msg("%s: \"%s\" opened, want refused (%s)", mode_name[m], rel, why_has);
		if (errno != err)
			fail_msg("%s: \"%s\": errno %s, want %s (why: %s)", mode_name[m], rel,
				 strerror(errno), strerror(err), why ? why : "(none)");
		assert_non_null(why);
		if (!strstr(why, why_has))
			fail_msg("%s: \"%s\": why \"%s\", want \"%s\"", mode_name[m], rel, why, why_has);
	}
}

static void refused(const char *rel, int oflags, unsigned flags, int err, const char *why_has)
{
	refused_at(rootfd, rel, oflags, flags, err, why_has);
}

static void read_is(int fd, const char *want)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf - 1);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

/* ---- path_rel_check ---- */

static void rel_ok(const char *rel, const char *want)
{
	char norm[PATH_MAX], again[PATH_MAX];
	const char *why = NULL;

	if (path_rel_check(rel, norm, sizeof norm, &why) < 0)
		fail_msg("\"%s\" refused: %s", rel, why);
	if (strcmp(norm, want) != 0)
		fail_msg("\"%s\" -> \"%s\", want \"%s\"", rel, norm, want);
	assert_int_equal(path_rel_check(norm, again, sizeof again, &why), 0);
	assert_string_equal(again, norm);
}

static void rel_bad_n(const char *rel, size_t len, int err, const char *why_has)
{
	char norm[PATH_MAX];
	const char *why = NULL;

	errno = 0;
	if (path_rel_check_n(rel, len, norm, sizeof norm, &why) == 0)
		fail_msg("\"%.*s\" accepted as \"%s\"", (int)len, rel, norm);
	assert_int_equal(errno, err);
	assert_non_null(why);
	if (!strstr(why, why_has))
		fail_msg("\"%.*s\": why \"%s\", want \"%s\"", (int)len, rel, why, why_has);
	assert_string_equal(norm, "");
}

static void rel_bad(const char *rel, int err, const char *why_has)
{
	rel_bad_n(rel, strlen(rel), err, why_has);
}

static void test_rel_check(void **state)
{
	char big[PATH_MAX + 8], norm[PATH_MAX];
	const char *why;

	(void)state;
	rel_ok("data.img", "data.img");
	rel_ok("a/../b", "b");
	rel_ok("./a//b/./c/", "a/b/c");
	rel_ok(".", ".");
	rel_ok("a/..", ".");
	rel_ok("a/b/../../c/d/..", "c");
	rel_ok("..a/b..", "..a/b..");		/* names that only start or end with dots */
	rel_ok("...", "...");
	rel_ok("caf\xc3\xa9 \\ x", "caf\xc3\xa9 \\ x");	/* any byte but a control one */

	rel_bad("", EINVAL, "is empty");
	rel_bad("../x", EXDEV, "climbs out of the spec's folder");
	rel_bad("a/../../x", EXDEV, "climbs out");
	rel_bad("..", EXDEV, "climbs out");
	rel_bad("/etc/passwd", EXDEV, "absolute");
	rel_bad("//x", EXDEV, "absolute");
	rel_bad("a\nb", EINVAL, "control character");
	rel_bad("a\x7f", EINVAL, "control character");
	rel_bad("\x1b[31m", EINVAL, "control character");
	rel_bad_n("a\0/../../etc", 12, EINVAL, "control character");	/* a NUL hides nothing */

	/* names: 255 bytes fit, 256 do not */
	memset(big, 'n', 255);
	big[255] = '\0';
	rel_ok(big, big);
	memset(big, 'n', 256);
	big[256] = '\0';
	rel_bad(big, ENAMETOOLONG, "longer than 255");

	/* length: PATH_MAX - 1 bytes is the most (64 names of 63 bytes) */
	for (size_t i = 0; i < PATH_MAX - 1; i++)
		big[i] = (i % 64 == 63) ? '/' : 'x';
	big[PATH_MAX - 1] = '\0';
	rel_ok(big, big);
	big[PATH_MAX - 1] = 'x';
	big[PATH_MAX] = '\0';
	rel_bad(big, ENAMETOOLONG, "too long");

	/* names: 128 fit, 129 do not ("." counts) */
	big[0] = '\0';
	for (int i = 0; i < 128; i++)
		strcat(big, i ? "/d" : "d");
	rel_ok(big, big);
	strcat(big, "/.");
	rel_bad(big, ENAMETOOLONG, "too many names");

	/* a small output buffer is refused, never overrun */
	assert_int_equal(path_rel_check("abc", norm, 4, &why), 0);
	assert_string_equal(norm, "abc");
	assert_int_equal(path_rel_check("abcd", norm, 4, &why), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(path_rel_check(".", norm, 1, &why), -1);
	assert_int_equal(path_rel_check(".", norm, 2, &why), 0);
	assert_string_equal(norm, ".");
}

/* ---- inside ---- */

static void test_inside_opens(void **state)
{
	const char *why;

	(void)state;
	opens("file.txt", O_RDONLY, 0, "root/file.txt");
	opens("sub/inner.txt", O_RDONLY, BENEATH_FILE, "root/sub/inner.txt");
	opens("sub", O_RDONLY | O_DIRECTORY, 0, "root/sub");
	opens("sub/", O_PATH, BENEATH_DIR, "root/sub");
	opens(".", O_RDONLY | O_DIRECTORY, 0, "root");
	opens("a/../b/f", O_RDONLY, 0, "root/b/f");
	opens("a/./../b//f", O_RDONLY, 0, "root/b/f");
	opens("sub/../sub/inner.txt", O_RDONLY, 0, "root/sub/inner.txt");

	for (size_t m = 0; m < 2; m++) {
		int fd;

		/* what comes back reads what is there, and is close-on-exec */
		fd = open_beneath(rootfd, "file.txt", O_RDONLY, 0, modes[m], &why);
		assert_true(fd >= 0);
		read_is(fd, "inside");
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
		close(fd);
		/* the flags asked for are the flags it has */
		fd = open_beneath(rootfd, "file.txt", O_RDWR | O_APPEND | O_NONBLOCK, 0, modes[m], &why);
		assert_true(fd >= 0);
		assert_int_equal(fcntl(fd, F_GETFL) & (O_ACCMODE | O_APPEND | O_NONBLOCK),
				 O_RDWR | O_APPEND | O_NONBLOCK);
		close(fd);
		/* O_PATH: the checked fd itself */
		fd = open_beneath(rootfd, "file.txt", O_PATH, 0, modes[m], &why);
		assert_true(fd >= 0);
		assert_int_equal(fcntl(fd, F_GETFL) & O_PATH, O_PATH);
		close(fd);
	}
}

/* ---- outside: each refusal beside something that opens ---- */

static void test_dotdot_and_absolute(void **state)
{
	char p[PATH_MAX];

	(void)state;
	opens("sub/../file.txt", O_RDONLY, 0, "root/file.txt");
	refused("../outside/secret", O_RDONLY, 0, EXDEV, "leads outside the spec's folder");
	refused("sub/../../outside/secret", O_RDONLY, 0, EXDEV, "leads outside the spec's folder");
	refused("..", O_PATH, 0, EXDEV, "leads outside the spec's folder");

	opens("file.txt", O_RDONLY, 0, "root/file.txt");
	refused("/etc/passwd", O_RDONLY, 0, EXDEV, "is an absolute path");
	snprintf(p, sizeof p, "%s/file.txt", root);
	refused(p, O_RDONLY, 0, EXDEV, "is an absolute path");	/* even one naming a file inside */
	refused("", O_RDONLY, 0, ENOENT, "is empty");
}

static void test_symlinks_out(void **state)
{
	(void)state;
	/* to /etc */
	opens("in_dirlink/inner.txt", O_RDONLY, 0, "root/sub/inner.txt");
	refused("abs_etc/passwd", O_RDONLY, 0, EXDEV, "leads outside the spec's folder");
	refused("abs_etc", O_PATH, 0, EXDEV, "leads outside");
	refused("abs_self", O_RDONLY, 0, EXDEV, "leads outside");	/* absolute is out, always */

	/* to ".." */
	opens("sub/up/file.txt", O_RDONLY, 0, "root/file.txt");
	refused("up/outside/secret", O_RDONLY, 0, EXDEV, "leads outside");
	refused("sub/up/up/outside/secret", O_RDONLY, 0, EXDEV, "leads outside");

	/* a chain: chain1 -> sub/chain2 -> ../chain3 -> ../outside/secret */
	opens("in_link", O_RDONLY, 0, "root/sub/inner.txt");
	refused("chain1", O_RDONLY, 0, EXDEV, "leads outside");
	refused("out_rel/secret", O_RDONLY, 0, EXDEV, "leads outside");
	refused("out_abs/secret", O_RDONLY, 0, EXDEV, "leads outside");

	/* to /proc/self/root: absolute first of all */
	refused("procroot/etc/passwd", O_RDONLY, 0, EXDEV, "leads outside");
	refused("procroot", O_PATH, 0, EXDEV, "leads outside");

	/* dangling, and a loop */
	refused("dangling", O_RDONLY, 0, ENOENT, "does not exist");
	refused("loop1", O_RDONLY, 0, ELOOP, "40 symlinks");
}

/* Magic links, where a folder holds them: /proc/self. */
static void test_magic_links(void **state)
{
	int proc = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *why;

	(void)state;
	assert_true(proc >= 0);
	for (size_t m = 0; m < 2; m++) {
		int fd;

		fd = open_beneath(proc, "status", O_RDONLY, 0, modes[m], &why);
		if (fd < 0)
			fail_msg("%s: /proc/self/status refused: %s", mode_name[m], why);
		close(fd);
	}
	refused_at(proc, "root/etc/passwd", O_RDONLY, 0, ELOOP, "magic link");
	refused_at(proc, "cwd", O_PATH, 0, ELOOP, "magic link");
	refused_at(proc, "exe", O_RDONLY, 0, ELOOP, "magic link");
	refused_at(proc, "fd/0", O_RDONLY, 0, ELOOP, "magic link");
	close(proc);
}

static void test_symlinks_inside(void **state)
{
	(void)state;
	opens("in_link", O_RDONLY, 0, "root/sub/inner.txt");
	opens("in_dirlink", O_RDONLY | O_DIRECTORY, 0, "root/sub");
	opens("in_dirlink/up/in_dirlink/inner.txt", O_RDONLY, 0, "root/sub/inner.txt");

	/* BENEATH_NO_SYMLINKS: the same paths refused; plain ones still open */
	opens("sub/inner.txt", O_RDONLY, BENEATH_NO_SYMLINKS, "root/sub/inner.txt");
	refused("in_link", O_RDONLY, BENEATH_NO_SYMLINKS, ELOOP, "symlink");
	refused("in_dirlink/inner.txt", O_RDONLY, BENEATH_NO_SYMLINKS, ELOOP, "symlink");

	/* O_NOFOLLOW: a symlink as the last name is refused, one on the way is not */
	opens("file.txt", O_RDONLY | O_NOFOLLOW, 0, "root/file.txt");
	opens("in_dirlink/inner.txt", O_RDONLY | O_NOFOLLOW, 0, "root/sub/inner.txt");
	refused("in_link", O_RDONLY | O_NOFOLLOW, 0, ELOOP, "is a symlink");
	refused("in_link", O_PATH | O_NOFOLLOW, 0, ELOOP, "is a symlink");
	/* a trailing slash asks for the folder behind it */
	opens("in_dirlink/", O_RDONLY | O_NOFOLLOW, 0, "root/sub");
}

/* A chain of n symlinks inside: 40 are followed, 41 are too many. */
static void test_symlink_hops(void **state)
{
	char name[32], target[32];

	(void)state;
	sh_mkdir("root/hops");
	sh_put("root/hops/end", "end");
	for (int i = 0; i <= 41; i++) {
		snprintf(name, sizeof name, "root/hops/l%d", i);
		if (i == 0)
			snprintf(target, sizeof target, "end");
		else
			snprintf(target, sizeof target, "l%d", i - 1);
		sh_ln(target, name);
	}
	opens("hops/l39", O_RDONLY, 0, "root/hops/end");	/* 40 links */
	refused("hops/l40", O_RDONLY, 0, ELOOP, "40 symlinks");	/* 41 */
}

/* ---- types ---- */

static void on_alarm(int sig)
{
	static const char msg[] = "test_beneath: an open hung (a FIFO?)\n";

	(void)sig;
	(void)!write(2, msg, sizeof msg - 1);
	_exit(1);
}

static void test_types(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(10);
	opens("file.txt", O_RDONLY, BENEATH_FILE, "root/file.txt");
	refused("fifo", O_RDONLY, 0, ENXIO, "is a FIFO");
	refused("fifo", O_WRONLY, 0, ENXIO, "is a FIFO");
	refused("fifo", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, ENXIO, "is a FIFO");
	refused("fifo", O_PATH, 0, ENXIO, "is a FIFO");

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s/sock", root);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	refused("sock", O_RDWR, 0, ENXIO, "is a socket");
	close(s);

	if (geteuid() == 0) {
		char p[PATH_MAX];

		sh_path(p, sizeof p, "root/null");
		assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
		refused("null", O_RDWR, 0, ENXIO, "is a device");
	}

	/* a folder where a file is asked for, and the reverse */
	opens("sub", O_RDONLY, 0, "root/sub");
	refused("sub", O_RDONLY, BENEATH_FILE, EISDIR, "is a folder");
	refused("file.txt", O_RDONLY, BENEATH_DIR, ENOTDIR, "is a file");
	refused("file.txt", O_RDONLY | O_DIRECTORY, 0, ENOTDIR, "is a file");
	refused("file.txt/x", O_RDONLY, 0, ENOTDIR, "not a folder");
	refused("sub", O_WRONLY, 0, EISDIR, "");
	alarm(0);

	/* flags outside the list */
	refused("file.txt", O_RDONLY | O_ASYNC, 0, EINVAL, "flags");
	refused("new", O_RDWR | O_TMPFILE, 0, EINVAL, "flags");
	refused("new", O_RDWR | O_CREAT | O_DIRECTORY, 0, EINVAL, "flags");
}

/* ---- making files (volumes) ---- */

static void test_create(void **state)
{
	char p[PATH_MAX];
	const char *why;
	struct stat st;

	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(10);
	for (size_t m = 0; m < 2; m++) {
		int fd;

		char name[32], deep[48];

		snprintf(name, sizeof name, "vol-%zu.img", m);
		fd = open_beneath(rootfd, name, O_RDWR | O_CREAT | O_EXCL, 0600, modes[m], &why);
		if (fd < 0)
			fail_msg("%s: creating %s: %s", mode_name[m], name, why);
		assert_int_equal(fstat(fd, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(write(fd, "v", 1), 1);
		close(fd);
		snprintf(p, sizeof p, "%s/%s", root, name);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_size, 1);

		/* again: it is there */
		errno = 0;
		fd = open_beneath(rootfd, name, O_RDWR | O_CREAT | O_EXCL, 0600, modes[m], &why);
		assert_int_equal(fd, -1);
		assert_int_equal(errno, EEXIST);
		assert_string_equal(why, "already exists");
		/* without O_EXCL: the one there opens, untouched */
		fd = open_beneath(rootfd, name, O_RDWR | O_CREAT, 0600, modes[m], &why);
		assert_true(fd >= 0);
		same_file(fd, p);
		read_is(fd, "v");
		close(fd);

		/* in a folder, through a symlink that stays inside */
		snprintf(deep, sizeof deep, "in_dirlink/vol-%zu.img", m);
		fd = open_beneath(rootfd, deep, O_RDWR | O_CREAT | O_EXCL, 0644, modes[m], &why);
		if (fd < 0)
			fail_msg("%s: creating %s: %s", mode_name[m], deep, why);
		snprintf(p, sizeof p, "%s/sub/vol-%zu.img", root, m);
		same_file(fd, p);
		close(fd);
	}
	/* a symlink is a name taken, even a dangling one */
	refused("in_link", O_RDWR | O_CREAT | O_EXCL, 0, EEXIST, "already exists");
	refused("dangling", O_RDWR | O_CREAT | O_EXCL, 0, EEXIST, "already exists");
	refused("dangling", O_RDWR | O_CREAT, 0, ENOENT, "symlink to nothing");
	/* a FIFO where a volume should be: refused, not opened */
	refused("fifo", O_RDWR | O_CREAT, 0, ENXIO, "is a FIFO");
	/* nothing is made outside: not through a folder link, not through a
	 * dangling one planted where the volume will be */
	refused("out_rel/made", O_RDWR | O_CREAT, 0, EXDEV, "leads outside");
	refused("out_abs/made", O_RDWR | O_CREAT | O_EXCL, 0, EXDEV, "leads outside");
	refused("../outside/made", O_RDWR | O_CREAT, 0, EXDEV, "leads outside");
	refused("dangling_out", O_RDWR | O_CREAT, 0, EXDEV, "leads outside");
	refused("nofolder/made", O_RDWR | O_CREAT, 0, ENOENT, "does not exist");
	refused("sub/", O_RDWR | O_CREAT | O_EXCL, 0, EISDIR, "");
	snprintf(p, sizeof p, "%s/made", outside);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof p, "%s/made-through-a-link", outside);
	assert_int_equal(access(p, F_OK), -1);
	alarm(0);
}

/* ---- a symlink planted at any name on the way ---- */

static void test_planted_symlinks(void **state)
{
	static const char *const names[] = { "p", "p/q", "p/q/r", "p/q/r/f" };
	char in[PATH_MAX], saved[PATH_MAX], target[PATH_MAX];

	(void)state;
	sh_mkdir("root/p");
	sh_mkdir("root/p/q");
	sh_mkdir("root/p/q/r");
	sh_put("root/p/q/r/f", "pf");
	sh_mkdir("outside/p");
	sh_mkdir("outside/p/q");
	sh_mkdir("outside/p/q/r");
	sh_put("outside/p/q/r/f", "secret");
	sh_mkdir("root/twin");	/* an inside copy, for symlinks that stay in */
	sh_mkdir("root/twin/p");
	sh_mkdir("root/twin/p/q");
	sh_mkdir("root/twin/p/q/r");
	sh_put("root/twin/p/q/r/f", "twin");

	for (size_t i = 0; i < 4; i++) {
		opens("p/q/r/f", O_RDONLY, 0, "root/p/q/r/f");	/* before: the control */
		snprintf(in, sizeof in, "root/%s", names[i]);
		snprintf(saved, sizeof saved, "root/saved");
		{
			char a[PATH_MAX], b[PATH_MAX];

			sh_path(a, sizeof a, in);
			sh_path(b, sizeof b, saved);
			assert_int_equal(rename(a, b), 0);
			/* absolute, to the same place outside */
			snprintf(target, sizeof target, "%s/%s", outside, names[i]);
			assert_int_equal(symlink(target, a), 0);
			refused("p/q/r/f", O_RDONLY, 0, EXDEV, "leads outside");
			refused("p/q/r/f", O_RDONLY, BENEATH_NO_SYMLINKS, ELOOP, "symlink");
			assert_int_equal(unlink(a), 0);
			/* relative, climbing out */
			target[0] = '\0';
			for (size_t k = 0; k <= i; k++)
				strcat(target, "../");
			strcat(target, "outside/");
			strcat(target, names[i]);
			assert_int_equal(symlink(target, a), 0);
			refused("p/q/r/f", O_RDONLY, 0, EXDEV, "leads outside");
			assert_int_equal(unlink(a), 0);
			/* relative, to the twin inside: fine, unless no symlink is */
			target[0] = '\0';
			for (size_t k = 0; k < i; k++)
				strcat(target, "../");
			strcat(target, "twin/");
			strcat(target, names[i]);
			assert_int_equal(symlink(target, a), 0);
			opens("p/q/r/f", O_RDONLY, 0, "root/twin/p/q/r/f");
			refused("p/q/r/f", O_RDONLY, BENEATH_NO_SYMLINKS, ELOOP, "symlink");
			assert_int_equal(unlink(a), 0);
			assert_int_equal(rename(b, a), 0);
		}
	}
	opens("p/q/r/f", O_RDONLY, BENEATH_NO_SYMLINKS, "root/p/q/r/f");
}

/* ---- races: names swapped while they are opened ---- */

/* Exchange two names beneath dir for as long as it runs (killed by pid). */
static pid_t swapper(const char *dir, const char *a, const char *b, const char *c)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		time_t end = time(NULL) + 20;	/* the race needs far less */

		if (d < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(1);
		for (unsigned long i = 0; (i & 1023) || time(NULL) < end; i++)
			(void)renameat2(d, a, d, (c && (i & 1)) ? c : b, RENAME_EXCHANGE);
		_exit(0);
	}
	return pid;
}

static void stop(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* Open rel over and over while the swapper runs: whatever opens is the
 * inside file (want: taken before any swapping), and both outcomes are
 * seen (the race really ran). */
static void race(const char *rel, const struct stat *want, unsigned mode)
{
	struct timespec t0, t;
	struct stat got;
	unsigned ok = 0, no = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		const char *why;
		int fd = open_beneath(rootfd, rel, O_RDONLY, 0, mode, &why);

		if (fd >= 0) {
			assert_int_equal(fstat(fd, &got), 0);
			if (got.st_dev != want->st_dev || got.st_ino != want->st_ino)
				fail_msg("%s: \"%s\" opened something else while it was swapped",
					 mode_name[mode ? 1 : 0], rel);
			close(fd);
			ok++;
		} else {
			no++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((ok + no < 5000 || ok < 50 || no < 50) && t.tv_sec - t0.tv_sec < 8);
	if (ok < 50 || no < 50)
		fail_msg("%s: the race did not run both ways (%u opened, %u refused)",
			 mode_name[mode ? 1 : 0], ok, no);
}

/* Opens of FOLDER/NAME (in root) race a swapper of FOLDER's entries a, b
 * and c, in each mode: each open gets NAME itself or is refused. */
static void race_swapped(const char *folder, const char *name, const char *a, const char *b,
			 const char *c)
{
	char rel[PATH_MAX], dir[PATH_MAX];
	struct stat want;

	snprintf(rel, sizeof rel, "root/%s/%s", folder, name);
	sh_path(dir, sizeof dir, rel);
	assert_int_equal(stat(dir, &want), 0);
	snprintf(rel, sizeof rel, "root/%s", folder);
	sh_path(dir, sizeof dir, rel);
	snprintf(rel, sizeof rel, "%s/%s", folder, name);
	for (size_t m = 0; m < 2; m++) {
		pid_t pid = swapper(dir, a, b, c);

		race(rel, &want, modes[m]);
		stop(pid);
	}
}

static void test_race_folder(void **state)
{
	(void)state;
	sh_mkdir("root/race");
	sh_mkdir("root/race/d");
	sh_put("root/race/d/secret", "inside");
	sh_mkdir("outside/d");
	sh_put("outside/d/secret", "outside");
	sh_ln("../../outside/d", "root/race/rel");
	{
		char t[PATH_MAX];

		snprintf(t, sizeof t, "%s/d", outside);
		sh_ln(t, "root/race/abs");
	}
	race_swapped("race", "d/secret", "d", "rel", "abs");
}

static void test_race_last_name(void **state)
{
	char t[PATH_MAX];

	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(30);
	sh_mkdir("root/race2");
	sh_put("root/race2/f", "inside");
	sh_path(t, sizeof t, "root/race2/fifo");
	assert_int_equal(mkfifo(t, 0644), 0);
	snprintf(t, sizeof t, "%s/secret", outside);
	sh_ln(t, "root/race2/lnk");
	race_swapped("race2", "f", "f", "fifo", "lnk");
	alarm(0);
}

/* ---- as the invoking user ---- */

/* In a child dropped to nobody, as run_as_user does: the kernel's
 * permission checks are that user's, both ways, reopen included. */
static void test_as_user(void **state)
{
	char p[PATH_MAX];
	unsigned bad = 0;
	struct stat s;
	int st, pfd[2];
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	sh_mkdir("root/priv");
	sh_put("root/priv/secret", "root's");
	sh_path(p, sizeof p, "root/priv");
	assert_int_equal(chmod(p, 0700), 0);
	sh_put("root/pub.txt", "public");
	sh_put("root/rootonly.txt", "root's");
	sh_path(p, sizeof p, "root/rootonly.txt");
	assert_int_equal(chmod(p, 0600), 0);
	sh_mkdir("root/open");
	sh_path(p, sizeof p, "root/open");
	assert_int_equal(chmod(p, 0777), 0);

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			bad = ~0u;
		for (size_t m = 0; m < 2 && !bad; m++) {
			unsigned b = 1u << (m * 8);
			const char *why;
			char buf[16] = { 0 };
			int fd = open_beneath(rootfd, "pub.txt", O_RDONLY, 0, modes[m], &why);

			if (fd < 0 || read(fd, buf, sizeof buf - 1) != 6 || strcmp(buf, "public") != 0)
				bad |= b << 0;
			if (fd >= 0)
				close(fd);
			errno = 0;
			if (open_beneath(rootfd, "priv/secret", O_RDONLY, 0, modes[m], &why) >= 0 ||
			    errno != EACCES)
				bad |= b << 1;
			errno = 0;
			if (open_beneath(rootfd, "rootonly.txt", O_RDONLY, 0, modes[m], &why) >= 0 ||
			    errno != EACCES)
				bad |= b << 2;
			/* O_PATH needs no read permission; what it is used for does */
			fd = open_beneath(rootfd, "rootonly.txt", O_PATH, 0, modes[m], &why);
			if (fd < 0)
				bad |= b << 3;
			else
				close(fd);
			errno = 0;
			if (open_beneath(rootfd, m ? "made-1" : "made-0", O_RDWR | O_CREAT | O_EXCL, 0644,
					 modes[m], &why) >= 0 || errno != EACCES)
				bad |= b << 4;
			fd = open_beneath(rootfd, m ? "open/made-1" : "open/made-0", O_RDWR | O_CREAT | O_EXCL,
					  0644, modes[m], &why);
			if (fd < 0)
				bad |= b << 5;
			else
				close(fd);
		}
		_exit(write(pfd[1], &bad, sizeof bad) == sizeof bad ? 0 : 1);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &bad, sizeof bad), sizeof bad);
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (bad)
		fail_msg("as nobody: checks failed: %#x (bit 8*mode + check)", bad);
	sh_path(p, sizeof p, "root/open/made-0");
	assert_int_equal(stat(p, &s), 0);
	assert_int_equal(s.st_uid, 65534);
	sh_path(p, sizeof p, "root/open/made-1");
	assert_int_equal(stat(p, &s), 0);
	assert_int_equal(s.st_uid, 65534);
	sh_path(p, sizeof p, "root/made-0");
	assert_int_equal(access(p, F_OK), -1);
}

/* ---- --allow-path ---- */

static void test_allowed(void **state)
{
	struct path_grants g = { 0 };
	char p[PATH_MAX], link[PATH_MAX];
	const char *why;
	int fd;

	(void)state;
	sh_ln("../root/file.txt", "outside/to_root");
	sh_ln("secret", "outside/to_secret");
	assert_int_equal(path_grants_add(&g, outside, 0, &why), 0);
	snprintf(link, sizeof link, "%s/granted", tmp);
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(path_grants_add(&g, link, 0, &why), 0);
	assert_string_equal(g.v[1].real, outside);

	snprintf(p, sizeof p, "%s/secret", outside);
	fd = open_allowed(&g, p, O_RDONLY, 0, 0, &why);
	assert_true(fd >= 0);
	read_is(fd, "secret");
	close(fd);
	snprintf(p, sizeof p, "%s/granted/secret", tmp);	/* as granted */
	fd = open_allowed(&g, p, O_RDONLY, 0, 0, &why);
	assert_true(fd >= 0);
	read_is(fd, "secret");
	close(fd);
	snprintf(p, sizeof p, "%s//./to_secret", outside);
	fd = open_allowed(&g, p, O_RDONLY, 0, BENEATH_WALK, &why);
	assert_true(fd >= 0);
	read_is(fd, "secret");
	close(fd);
	fd = open_allowed(&g, outside, O_RDONLY | O_DIRECTORY, 0, 0, &why);	/* the folder itself */
	assert_true(fd >= 0);
	close(fd);

	/* not under a grant, lexically */
	snprintf(p, sizeof p, "%s/../root/file.txt", outside);
	assert_int_equal(open_allowed(&g, p, O_RDONLY, 0, 0, &why), -1);
	assert_int_equal(errno, EXDEV);
	assert_non_null(strstr(why, "--allow-path"));
	assert_int_equal(open_allowed(&g, "/etc/passwd", O_RDONLY, 0, 0, &why), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(open_allowed(&g, "/../../etc/passwd", O_RDONLY, 0, 0, &why), -1);
	assert_int_equal(errno, EXDEV);
	snprintf(p, sizeof p, "%sx/secret", outside);	/* a prefix of a name is not the folder */
	assert_int_equal(open_allowed(&g, p, O_RDONLY, 0, 0, &why), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(open_allowed(&g, "outside/secret", O_RDONLY, 0, 0, &why), -1);
	assert_int_equal(errno, EINVAL);
	/* under a grant, but a symlink leads out of it */
	for (size_t m = 0; m < 2; m++) {
		snprintf(p, sizeof p, "%s/to_root", outside);
		assert_int_equal(open_allowed(&g, p, O_RDONLY, 0, modes[m], &why), -1);
		assert_int_equal(errno, EXDEV);
		assert_string_equal(why, "leads outside the folder granted with --allow-path");
	}
	path_grants_free(&g);
	assert_int_equal(g.n, 0);
}

/* A store-like folder: absolute symlinks back into it are followed with
 * PATH_GRANT_SELF_LINKS, and only then. */
static void test_self_links(void **state)
{
	struct path_grants self = { 0 }, plain = { 0 };
	char store[PATH_MAX], p[PATH_MAX], t[PATH_MAX];
	const char *why;

	(void)state;
	sh_mkdir("store");
	sh_mkdir("store/aaa-linux");
	sh_put("store/aaa-linux/bzImage", "kernel");
	sh_mkdir("store/bbb-system");
	sh_path(store, sizeof store, "store");
	snprintf(t, sizeof t, "%s/aaa-linux/bzImage", store);
	sh_ln(t, "store/bbb-system/kernel");
	snprintf(t, sizeof t, "%s//aaa-linux", store);
	sh_ln(t, "store/bbb-system/linux");
	sh_ln("/etc/passwd", "store/bbb-system/evil");
	snprintf(t, sizeof t, "%s/../root/file.txt", store);
	sh_ln(t, "store/bbb-system/climb");
	snprintf(t, sizeof t, "%sx/y", store);
	sh_ln(t, "store/bbb-system/prefix");

	assert_int_equal(path_grants_add(&self, store, PATH_GRANT_SELF_LINKS, &why), 0);
	assert_int_equal(path_grants_add(&plain, store, 0, &why), 0);
	for (size_t m = 0; m < 2; m++) {
		int fd;

		snprintf(p, sizeof p, "%s/bbb-system/kernel", store);
		fd = open_allowed(&self, p, O_RDONLY, 0, modes[m], &why);
		if (fd < 0)
			fail_msg("%s: %s: %s", mode_name[m], p, why);
		read_is(fd, "kernel");
		close(fd);
		snprintf(p, sizeof p, "%s/bbb-system/linux/bzImage", store);
		fd = open_allowed(&self, p, O_RDONLY, 0, modes[m], &why);
		assert_true(fd >= 0);
		close(fd);
		/* the control: without the flag, an absolute link is out */
		snprintf(p, sizeof p, "%s/bbb-system/kernel", store);
		assert_int_equal(open_allowed(&plain, p, O_RDONLY, 0, modes[m], &why), -1);
		assert_int_equal(errno, EXDEV);

		static const char *const out[] = { "evil", "climb", "prefix" };
		for (size_t i = 0; i < 3; i++) {
			snprintf(p, sizeof p, "%s/bbb-system/%s", store, out[i]);
			errno = 0;
			assert_int_equal(open_allowed(&self, p, O_RDONLY, 0, modes[m], &why), -1);
			assert_int_equal(errno, EXDEV);
			assert_string_equal(why, "leads outside the Nix store");
		}
	}
	path_grants_free(&self);
	path_grants_free(&plain);
}

/* ---- the Nix store ---- */

static void store_refused(int fd, const char *why_has)
{
	const char *why = NULL;

	errno = 0;
	if (nix_store_open_at(fd, "/nix/store", &why) >= 0)
		fail_msg("store accepted, want refused: %s", why_has);
	assert_non_null(why);
	if (!strstr(why, why_has))
		fail_msg("why \"%s\", want \"%s\"", why, why_has);
}

static void store_ok(int fd)
{
	struct stat st;
	const char *why = NULL;
	int s = nix_store_open_at(fd, "/nix/store", &why);

	if (s < 0)
		fail_msg("store refused: %s", why);
	assert_int_equal(fstat(s, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(s);
}

/* path given owner uid:gid (-1, -1: as it was) and mode (0: as it was),
 * the store is refused for why (NULL: it is trusted). */
static void store_after(int fd, const char *path, int uid, int gid, mode_t mode, const char *why)
{
	if (uid != -1 || gid != -1)
		assert_int_equal(chown(path, (uid_t)uid, (gid_t)gid), 0);
	if (mode)
		assert_int_equal(chmod(path, mode), 0);
	if (why)
		store_refused(fd, why);
	else
		store_ok(fd);
}

static void test_nix_store(void **state)
{
	char top[PATH_MAX], nix[PATH_MAX], st[PATH_MAX], p[PATH_MAX];
	struct stat s;
	int fd;

	(void)state;
	/* this machine's: where /nix is missing, so is trust */
	if (lstat("/nix", &s) < 0 && errno == ENOENT)
		assert_false(nix_store_trusted("/nix/store"));
	assert_false(nix_store_trusted("nix/store"));

	if (geteuid() != 0)
		skip();	/* the tree must be root's */
	sh_mkdir("fake");
	sh_mkdir("fake/nix");
	sh_mkdir("fake/nix/store");
	sh_path(top, sizeof top, "fake");
	sh_path(nix, sizeof nix, "fake/nix");
	sh_path(st, sizeof st, "fake/nix/store");
	fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);

	/* NixOS and the multi-user install: 1775 root:nixbld */
	store_after(fd, st, 0, 30000, 01775, NULL);
	/* a store Nix made as root without build users: 0755 root:root */
	store_after(fd, st, 0, 0, 0755, NULL);

	store_after(fd, st, -1, -1, 0775, "writable by its group without the sticky bit");
	store_after(fd, st, -1, -1, 01777, "writable by others");
	store_after(fd, st, 1000, 0, 0755, "not owned by root");
	store_after(fd, st, 0, 0, 0, NULL);

	/* the folders on the way: not even the sticky exception */
	store_after(fd, nix, -1, -1, 01775, "on the way writable by its group");
	store_after(fd, nix, 1000, 1000, 0755, "on the way not owned by root");
	assert_int_equal(chown(nix, 0, 0), 0);
	store_after(fd, top, -1, -1, 0777, "on the way writable by others");
	store_after(fd, top, -1, -1, 0755, NULL);

	/* a symlink on the way, to a good copy */
	snprintf(p, sizeof p, "%s/realnix", top);
	assert_int_equal(rename(nix, p), 0);
	assert_int_equal(symlink("realnix", nix), 0);
	store_refused(fd, "symlink");
	assert_int_equal(unlink(nix), 0);
	assert_int_equal(rename(p, nix), 0);
	store_ok(fd);
	/* the store a file */
	assert_int_equal(rmdir(st), 0);
	sh_put("fake/nix/store", "");
	store_refused(fd, "is not a folder");
	close(fd);
}

UNIT_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_rel_check),
	cmocka_unit_test(test_inside_opens),
	cmocka_unit_test(test_dotdot_and_absolute),
	cmocka_unit_test(test_symlinks_out),
	cmocka_unit_test(test_magic_links),
	cmocka_unit_test(test_symlinks_inside),
	cmocka_unit_test(test_symlink_hops),
	cmocka_unit_test(test_types),
	cmocka_unit_test(test_create),
	cmocka_unit_test(test_planted_symlinks),
	cmocka_unit_test(test_race_folder),
	cmocka_unit_test(test_race_last_name),
	cmocka_unit_test(test_as_user),
	cmocka_unit_test(test_allowed),
	cmocka_unit_test(test_self_links),
	cmocka_unit_test(test_nix_store))
