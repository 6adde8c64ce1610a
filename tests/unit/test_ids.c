/* test_ids.c - the registry of machine uids: one holder per id, whatever
 * the name hashes to, given back on the holder's end. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/supervise/ids.h"
#include "tests/unit/main.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/pool-test-ids.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_first_is_stable_and_in_range(void **state)
{
	(void)state;
	assert_int_equal(ids_first("dev"), ids_first("dev"));
	assert_true(ids_first("dev") >= IDS_BASE && ids_first("dev") < IDS_BASE + IDS_COUNT);
	assert_true(ids_first("dev") != ids_first("dev2"));
}

static void test_two_ids_differ_and_are_given_back(void **state)
{
	struct id_lease a[2], b[2];
	struct pool_err e = { 0 };
	char path[128];

	(void)state;
	assert_int_equal(ids_take(dir, "web", a, 2, &e), 0);
	assert_int_equal(a[0].id, ids_first("web"));	/* free: its own */
	assert_true(a[1].id != a[0].id);
	/* the same name again while held: other ids */
	assert_int_equal(ids_take(dir, "web", b, 2, &e), 0);
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++)
			assert_true(b[i].id != a[j].id);
	ids_give(dir, b, 2);
	snprintf(path, sizeof path, "%s/%u", dir, (unsigned)a[0].id);
	assert_int_equal(access(path, F_OK), 0);
	ids_give(dir, a, 2);
	assert_int_equal(access(path, F_OK), -1);	/* the file went */
	assert_int_equal(a[0].fd, -1);
	/* and the id is free again */
	assert_int_equal(ids_take(dir, "web", a, 1, &e), 0);
	assert_int_equal(a[0].id, ids_first("web"));
	ids_give(dir, a, 1);
}

/* Another process holds an id: it is not taken, until that one dies
 * (without giving it back: its lock goes with it). */
static void test_held_by_another_process(void **state)
{
	int p[2];
	char c;
	pid_t pid;
	struct id_lease l;
	struct pool_err e = { 0 };

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct id_lease mine;
		struct pool_err ce = { 0 };

		close(p[0]);
		if (ids_take(dir, "db", &mine, 1, &ce) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(ids_take(dir, "db", &l, 1, &e), 0);
	assert_true(l.id != ids_first("db"));
	ids_give(dir, &l, 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	/* its file stays, its lock does not: the id is free */
	assert_int_equal(ids_take(dir, "db", &l, 1, &e), 0);
	assert_int_equal(l.id, ids_first("db"));
	ids_give(dir, &l, 1);
}

/* A name that starts where another machine's id is held gets its own. */
static void test_colliding_start(void **state)
{
	struct id_lease a, b;
	struct pool_err e = { 0 };
	char name[16];
	uid_t want;

	(void)state;
	assert_int_equal(ids_take(dir, "a", &a, 1, &e), 0);
	want = a.id;
	/* a name whose start is the held id, or one just past it */
	for (unsigned i = 0;; i++) {
		snprintf(name, sizeof name, "n%u", i);
		if (ids_first(name) == want)
			break;
		if (i > 40000000)
			fail_msg("no colliding name found");
	}
	assert_int_equal(ids_take(dir, name, &b, 1, &e), 0);
	assert_true(b.id != a.id);
	ids_give(dir, &b, 1);
	ids_give(dir, &a, 1);
}

static void test_folder_refused(void **state)
{
	struct id_lease l[2] = { { .fd = 7 }, { .fd = 7 } };
	struct pool_err e = { 0 };

	(void)state;
	assert_int_equal(ids_take("/proc/self/nonexistent/ids", "x", l, 2, &e), -1);
	assert_non_null(strstr(e.msg, "/proc/self/nonexistent/ids"));
	assert_int_equal(l[0].fd, -1);	/* nothing taken */
	assert_int_equal(l[1].fd, -1);
}

UNIT_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_first_is_stable_and_in_range),
	cmocka_unit_test(test_two_ids_differ_and_are_given_back),
	cmocka_unit_test(test_held_by_another_process),
	cmocka_unit_test(test_colliding_start),
	cmocka_unit_test(test_folder_refused))
