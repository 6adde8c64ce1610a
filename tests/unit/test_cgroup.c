/* test_cgroup.c - finding the memory controller in mountinfo, the cgroup
 * names, and POOL_CGROUP's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/cgroup.h"
#include "tests/unit/main.h"

/* A Debian 12 host in hybrid mode (what these machines have): v1 memory,
 * and a unified hierarchy with nothing in it. */
static const char hybrid[] =
	"22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"26 22 0:24 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"27 26 0:25 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"28 26 0:26 / /sys/fs/cgroup/memory rw,nosuid,relatime shared:9 - cgroup cgroup rw,memory\n"
	"29 26 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	"30 26 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";

/* A systemd host with cgroup v2 only. */
static const char unified[] =
	"25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	"40 22 0:35 / /sys/fs/bpf rw,nosuid,nodev,noexec,relatime shared:16 - bpf bpf rw,mode=700\n";

static void test_mounts(void **state)
{
	struct cgroup_mounts m;

	(void)state;
	cgroup_mounts_parse(hybrid, &m);
	assert_string_equal(m.v1_memory, "/sys/fs/cgroup/memory");
	assert_string_equal(m.v2, "/sys/fs/cgroup/unified");
	cgroup_mounts_parse(unified, &m);
	assert_string_equal(m.v2, "/sys/fs/cgroup");
	assert_string_equal(m.v1_memory, "");
	/* "memory" as a whole option only; the separator found after optional fields */
	cgroup_mounts_parse("1 2 0:1 / /a rw - cgroup cgroup rw,memory_x\n"
			    "3 2 0:2 / /b rw shared:1 master:2 - cgroup cgroup rw,cpu,memory\n", &m);
	assert_string_equal(m.v1_memory, "/b");
	/* a mount point with an escape, a line cut short, nothing at all */
	cgroup_mounts_parse("1 2 0:1 / /sys/fs/cg\\040x rw - cgroup2 cgroup2 rw\n1 2 0:1 / /x rw -\n7", &m);
	assert_string_equal(m.v2, "");
	assert_string_equal(m.v1_memory, "");
	cgroup_mounts_parse("", &m);
	assert_string_equal(m.v2, "");
	/* the first of two */
	cgroup_mounts_parse("1 2 0:1 / /one rw - cgroup2 none rw\n2 2 0:1 / /two rw - cgroup2 none rw\n", &m);
	assert_string_equal(m.v2, "/one");
}

static void test_list(void **state)
{
	(void)state;
	assert_true(cgroup_list_has("cpuset cpu io memory hugetlb pids\n", "memory"));
	assert_true(cgroup_list_has("rw,memory", "memory"));
	assert_true(cgroup_list_has("memory", "memory"));
	assert_false(cgroup_list_has("cpuset cpu io hugetlb pids\n", "memory"));
	assert_false(cgroup_list_has("rw,memory_recursiveprot", "memory"));
	assert_false(cgroup_list_has("nomemory", "memory"));
	assert_false(cgroup_list_has("", "memory"));
	assert_false(cgroup_list_has("memory", ""));
}

static void test_key(void **state)
{
	char a[64], b[64], c[64];

	(void)state;
	cgroup_key("/run/pool/web", "web", a, sizeof a);
	cgroup_key("/run/pool/web", "web", b, sizeof b);
	cgroup_key("/tmp/other/web", "web", c, sizeof c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);	/* two state roots, two cgroups */
	assert_int_equal(strlen(a), strlen("web-") + 8);
	assert_int_equal(strncmp(a, "web-", 4), 0);
	assert_int_equal(strspn(a + 4, "0123456789abcdef"), 8);
}

static void test_parent(void **state)
{
	static const char *const bad[] = { "relative", "/a/../b", "/..", "/a/.", "/a//b", "/a/", "/./a" };
	struct cgroup_host h;
	struct pool_err e = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv("POOL_CGROUP", bad[i], 1);
		assert_int_equal(cgroup_host_find(&h, &e), -1);
		assert_int_equal(e.status, POOL_EXIT_USAGE);
		assert_non_null(strstr(e.msg, "POOL_CGROUP="));
	}
	/* a good one is taken, wherever this host keeps its controller */
	setenv("POOL_CGROUP", "/pool.slice", 1);
	if (cgroup_host_find(&h, &e) == 0) {
		size_t n = strlen(h.node);

		assert_true(n > strlen("/pool.slice/pool"));
		assert_string_equal(h.node + n - strlen("/pool.slice/pool"), "/pool.slice/pool");
	}
	unsetenv("POOL_CGROUP");
	if (cgroup_host_find(&h, &e) == 0)
		assert_string_equal(h.node + strlen(h.node) - 5, "/pool");
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_mounts),
	cmocka_unit_test(test_list),
	cmocka_unit_test(test_key),
	cmocka_unit_test(test_parent))
