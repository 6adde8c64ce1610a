/* test_user.c - who pool acts for: one rule over SUDO_*, DOAS_USER, PKEXEC_UID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "src/util/user.h"
#include "tests/unit/main.h"

/* alice 1001:1001, bob 1002:100; nobody else. */
static int lookup(const char *name, uid_t uid, uid_t *ou, gid_t *og, char *oname, size_t cap)
{
	static const struct { const char *name; uid_t uid; gid_t gid; } users[] = {
		{ "alice", 1001, 1001 }, { "bob", 1002, 100 },
	};

	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		if (name ? strcmp(name, users[i].name) != 0 : uid != users[i].uid)
			continue;
		*ou = users[i].uid;
		*og = users[i].gid;
		snprintf(oname, cap, "%s", users[i].name);
		return 0;
	}
	return -1;
}

static int resolve(const char *su, const char *sg, const char *doas, const char *pk, struct pool_user *u,
		   const char **why)
{
	struct user_env env = { .sudo_uid = su, .sudo_gid = sg, .doas_user = doas, .pkexec_uid = pk,
				.real_uid = 4242, .real_gid = 4343 };

	*why = NULL;
	return user_resolve(&env, lookup, u, why);
}

static void test_sudo(void **state)
{
	struct pool_user u;
	const char *why;

	(void)state;
	assert_int_equal(resolve("1001", "1001", NULL, NULL, &u, &why), 0);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.via, "SUDO_UID");
	/* a uid with no passwd entry is still that uid */
	assert_int_equal(resolve("5000", "6000", NULL, NULL, &u, &why), 0);
	assert_int_equal(u.uid, 5000);
	assert_int_equal(u.gid, 6000);
	assert_string_equal(u.name, "");
	/* sudo wins over doas and pkexec */
	assert_int_equal(resolve("1001", "1001", "bob", "1002", &u, &why), 0);
	assert_int_equal(u.uid, 1001);
}

static void test_sudo_refused(void **state)
{
	struct pool_user u;
	const char *why;

	(void)state;
	/* one without the other is never taken as root, nor as the real uid */
	assert_int_equal(resolve("1001", NULL, NULL, NULL, &u, &why), -1);
	assert_string_equal(why, "SUDO_UID is set but SUDO_GID is not");
	assert_int_equal(resolve(NULL, "1001", NULL, NULL, &u, &why), -1);
	assert_string_equal(why, "SUDO_GID is set but SUDO_UID is not");
	assert_int_equal(resolve(NULL, "1001", "alice", NULL, &u, &why), -1);
	assert_int_equal(resolve("abc", "1001", NULL, NULL, &u, &why), -1);
	assert_int_equal(resolve("1001", "-1", NULL, NULL, &u, &why), -1);
	assert_int_equal(resolve("4294967295", "1", NULL, NULL, &u, &why), -1);
	assert_int_equal(resolve(" 1001", "1", NULL, NULL, &u, &why), -1);
	assert_int_equal(resolve("1001x", "1", NULL, NULL, &u, &why), -1);
}

static void test_doas_pkexec_real(void **state)
{
	struct pool_user u;
	const char *why;

	(void)state;
	assert_int_equal(resolve(NULL, NULL, "bob", NULL, &u, &why), 0);
	assert_int_equal(u.uid, 1002);
	assert_int_equal(u.gid, 100);
	assert_string_equal(u.via, "DOAS_USER");
	assert_int_equal(resolve(NULL, NULL, "mallory", NULL, &u, &why), -1);
	assert_string_equal(why, "DOAS_USER names no user of this host");
	assert_int_equal(resolve(NULL, NULL, "bob", "1001", &u, &why), 0);	/* doas before pkexec */
	assert_int_equal(u.uid, 1002);

	assert_int_equal(resolve(NULL, NULL, NULL, "1001", &u, &why), 0);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 1001);
	assert_string_equal(u.via, "PKEXEC_UID");
	assert_int_equal(resolve(NULL, NULL, NULL, "77", &u, &why), -1);
	assert_int_equal(resolve(NULL, NULL, NULL, "x", &u, &why), -1);

	assert_int_equal(resolve(NULL, NULL, NULL, NULL, &u, &why), 0);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 4343);
	assert_string_equal(u.via, "the real uid");
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_sudo),
	cmocka_unit_test(test_sudo_refused),
	cmocka_unit_test(test_doas_pkexec_real))
