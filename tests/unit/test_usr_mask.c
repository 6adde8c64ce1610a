/* test_usr_mask.c - what of /usr others may not read: found, and nothing more. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/image/usr_mask.h"
#include "tests/unit/main.h"

static void mk(const char *root, const char *rel, mode_t mode, bool dir)
{
	char p[4096];

	snprintf(p, sizeof p, "%s/%s", root, rel);
	if (dir) {
		assert_int_equal(mkdir(p, 0755), 0);
	} else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);

		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(chmod(p, mode), 0);
}

static void test_scan(void **state)
{
	char root[] = "/tmp/pool-usr-mask-XXXXXX", cmd[4200];
	struct strv out = { 0 };
	struct pool_err e = { 0 };

	(void)state;
	assert_non_null(mkdtemp(root));
	chmod(root, 0755);
	mk(root, "bin", 0755, true);
	mk(root, "bin/tool", 0755, false);		/* readable: served */
	mk(root, "bin/secret", 0750, false);	/* root's and its group's: hidden */
	mk(root, "local", 0755, true);
	mk(root, "local/token", 0600, false);	/* hidden */
	mk(root, "local/priv", 0700, true);		/* hidden, and nothing below is listed */
	mk(root, "local/priv/key", 0644, false);
	mk(root, "share", 0755, true);
	mk(root, "share/x", 0711, true);		/* others may enter, not list: hidden */
	mk(root, "share/doc", 0644, false);
	snprintf(cmd, sizeof cmd, "%s/bin/link", root);
	assert_int_equal(symlink("/etc/shadow", cmd), 0);	/* a link is not followed */

	assert_int_equal(usr_mask_scan(root, &out, &e), 0);
	assert_int_equal(out.n, 4);
	assert_true(strv_contains(&out, "bin/secret"));
	assert_true(strv_contains(&out, "local/token"));
	assert_true(strv_contains(&out, "local/priv"));
	assert_true(strv_contains(&out, "share/x"));
	assert_false(strv_contains(&out, "local/priv/key"));
	assert_false(strv_contains(&out, "bin/tool"));
	strv_free(&out);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_scan))
