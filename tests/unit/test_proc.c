/* test_proc.c - running a program: its status, its words, nothing more of ours. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/util/proc.h"
#include "tests/unit/main.h"

static int sh(const char *script, bool err_stream, size_t max, int fd3, char **out)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	struct proc_opts o = { .path = "/bin/sh", .argv = argv, .fd3 = fd3,
			       .capture_stderr = err_stream, .max = max };
	struct pool_err e = { 0 };
	size_t len = 0;
	int st = proc_run(&o, out, out ? &len : NULL, &e);

	if (out && st >= 0)
		assert_int_equal(len, strlen(*out));
	return st;
}

static void test_status_and_output(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(sh("echo hi; echo err >&2; exit 3", false, 100, -1, &out), 3);
	assert_string_equal(out, "hi\n");
	free(out);
	assert_int_equal(sh("echo hi; echo err >&2", true, 100, -1, &out), 0);
	assert_string_equal(out, "err\n");
	free(out);
	assert_int_equal(sh("exit 0", false, 0, -1, NULL), 0);
}

static void test_output_bounded(void **state)
{
	char *out = NULL;

	(void)state;
	/* more than max: the rest is read (the program is not blocked) and dropped */
	assert_int_equal(sh("i=0; while [ $i -lt 20000 ]; do echo 0123456789; i=$((i+1)); done", false, 16,
			    -1, &out), 0);
	assert_string_equal(out, "0123456789\n01234");
	free(out);
}

static void test_nothing_of_ours_but_fd3(void **state)
{
	char *out = NULL;
	int low = open("/dev/null", O_RDONLY);
	int fd = open("/dev/null", O_RDONLY);	/* not close-on-exec: it must still not leak */
	char script[160];

	(void)state;
	assert_true(low >= 3 && fd > 3);
	snprintf(script, sizeof script, "test -e /proc/self/fd/%d && echo leaked; test -e /proc/self/fd/3 && echo three; true", fd);
	assert_int_equal(sh(script, false, 100, -1, &out), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(sh(script, false, 100, fd, &out), 0);
	assert_string_equal(out, "three\n");
	free(out);
	close(fd);
	close(low);
}

static void test_failures(void **state)
{
	const char *argv[] = { "nope", NULL };
	struct proc_opts o = { .path = "/nonexistent/nope", .argv = argv, .fd3 = -1, .max = 100 };
	struct pool_err e = { 0 };
	char *out = NULL;
	size_t len;

	(void)state;
	assert_int_equal(proc_run(&o, &out, &len, &e), 127);
	assert_non_null(strstr(out, "cannot run /nonexistent/nope"));
	free(out);
	out = NULL;
	assert_int_equal(sh("kill -KILL $$", false, 100, -1, &out), -1);
	assert_null(out);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_status_and_output),
	cmocka_unit_test(test_output_bounded),
	cmocka_unit_test(test_nothing_of_ours_but_fd3),
	cmocka_unit_test(test_failures))
