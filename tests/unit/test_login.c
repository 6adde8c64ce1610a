/* test_login.c - passwd/shadow lookup, login names, password check and
 * the role's shell choice (guest/login.c). */
#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guest/login.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

static const char passwd[] =
	"root:x:0:0:root:/root:/usr/bin/nu\n"
	"\n"
	"broken line without colons\n"
	"alice:x:1000:1000::/home/alice:\n"
	"bob:x:1001:1001::/home/bob:bash\n"
	"evil:x:-1:0::/home/evil:/bin/sh\n"
	"rel:x:1002:1002::home/rel:/bin/sh\n"
	"many:x:1003:1003::/home/many:/bin/sh:extra\n"
	"Upper:x:1004:1004::/home/Upper:/bin/sh\n"
	"last:x:1005:1005::/home/last:/bin/sh";	/* no final newline */

static char *make_hash(const char *pw)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *h;
	char *out;

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt));
	h = crypt_rn(pw, salt, cd, (int)sizeof *cd);
	assert_non_null(h);
	out = strdup(h);
	free(cd);
	return out;
}

static void test_passwd(void **state)
{
	struct login_user u;
	size_t cur = 0, good = 0, bad = 0;
	int r;

	(void)state;
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "root", &u), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.home, "/root");
	assert_string_equal(u.shell, "/usr/bin/nu");
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "alice", &u), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.home, "/home/alice");
	assert_string_equal(u.shell, "");
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "bob", &u), 0);
	assert_string_equal(u.shell, "bash");
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "last", &u), 0);
	assert_int_equal(u.uid, 1005);
	/* malformed entries never match */
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "evil", &u), -1);
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "rel", &u), -1);
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "many", &u), -1);
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "Upper", &u), -1);
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "nobody", &u), -1);
	/* a prefix of a name is not the name */
	assert_int_equal(login_passwd_find(passwd, strlen(passwd), "ali", &u), -1);
	/* iteration: every line once, the bad ones reported */
	while ((r = login_passwd_next(passwd, strlen(passwd), &cur, &u)) != 0)
		r > 0 ? good++ : bad++;
	assert_int_equal(good, 4);
	assert_int_equal(bad, 5);
	/* the length bounds the parse: a cut buffer ends inside "alice" */
	assert_int_equal(login_passwd_find(passwd, 75, "alice", &u), -1);
}

static void test_passwd_bounds(void **state)
{
	struct login_user u;
	char *big = malloc(LOGIN_LINE_MAX + 100);
	char line[600];

	(void)state;
	assert_non_null(big);
	/* a home longer than LOGIN_PATH_MAX is refused, not cut */
	memset(line, 0, sizeof line);
	strcpy(line, "long:x:1:1::/");
	memset(line + strlen(line), 'h', 300);
	strcat(line, ":/bin/sh\n");
	assert_int_equal(login_passwd_find(line, strlen(line), "long", &u), -1);
	/* an overlong line, and a NUL inside a line */
	memset(big, 'a', LOGIN_LINE_MAX + 50);
	memcpy(big, "big:x:1:1::/h:", 14);
	assert_int_equal(login_passwd_find(big, LOGIN_LINE_MAX + 50, "big", &u), -1);
	memcpy(line, "nul:x:1:1::/h\0x:/bin/sh\n", 24);
	assert_int_equal(login_passwd_find(line, 24, "nul", &u), -1);
	free(big);
}

static void test_shadow(void **state)
{
	const char shadow[] = "root::0::::::\n"
			      "alice:$y$j9T$abc$def:0::::::\n"
			      "bob:*:0::::::\n"
			      "short:$y$x\n";
	char hash[64], tiny[8];

	(void)state;
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "root", hash, sizeof hash), 0);
	assert_string_equal(hash, "");
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "alice", hash, sizeof hash), 0);
	assert_string_equal(hash, "$y$j9T$abc$def");
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "bob", hash, sizeof hash), 0);
	assert_string_equal(hash, "*");
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "short", hash, sizeof hash), -2);
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "carol", hash, sizeof hash), -1);
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "alic", hash, sizeof hash), -1);
	/* too long for the caller's buffer: refused, not truncated */
	assert_int_equal(login_shadow_find(shadow, strlen(shadow), "alice", tiny, sizeof tiny), -2);

	assert_true(login_autologin(shadow, strlen(shadow)));
	assert_false(login_autologin("root:$y$j9T$abc$def:0::::::\n", 27));
	assert_false(login_autologin("alice::0::::::\n", 15));	/* no root line */
	assert_false(login_autologin("", 0));
}

static void test_verify(void **state)
{
	char *h = make_hash("correct horse");

	(void)state;
	assert_true(login_verify(h, "correct horse"));
	assert_false(login_verify(h, "correct hors"));
	assert_false(login_verify(h, "correct horse "));
	assert_false(login_verify(h, ""));
	/* empty, locked and disabled hashes match nothing, not even "" */
	assert_false(login_verify("", ""));
	assert_false(login_verify("*", ""));
	assert_false(login_verify("!", ""));
	assert_false(login_verify("!$y$whatever", "correct horse"));
	assert_false(login_verify("garbage", "garbage"));
	free(h);
}

/* The guest's file system, for the shell choice. */
static bool fake_exists(const char *path, void *ctx)
{
	for (const char *const *p = ctx; *p; p++)
		if (strcmp(*p, path) == 0)
			return true;
	return false;
}

static void test_shell(void **state)
{
	static const char *const host[] = { "/usr/bin/nu", "/usr/bin/bash", "/bin/sh", "/usr/bin/zsh", NULL };
	static const char *const npm[] = { "/usr/bin/nu",
		"/usr/lib/node_modules/nushell/node_modules/@nushell/linux-x64/bin/nu", "/bin/sh", NULL };
	static const char *const minimal[] = { "/bin/sh", NULL };
	static const char *const bare[] = { NULL };
	/* the shell wanted, the guest's files; what is chosen (NULL: not looked at) */
#define FILES(f) f, #f
	static const struct {
		const char *wanted;
		const char *const *files;
		const char *on;
		enum login_shell_result result;
		const char *shell;
	} cases[] = {
		{ NULL, FILES(host), LOGIN_SHELL_WANTED, "/usr/bin/nu" },
		{ "", FILES(host), LOGIN_SHELL_WANTED, "/usr/bin/nu" },
		/* npm's real binary before its node wrapper */
		{ "nu", FILES(npm), LOGIN_SHELL_WANTED,
		  "/usr/lib/node_modules/nushell/node_modules/@nushell/linux-x64/bin/nu" },
		{ "bash", FILES(host), LOGIN_SHELL_WANTED, "/usr/bin/bash" },
		{ "zsh", FILES(host), LOGIN_SHELL_WANTED, "/usr/bin/zsh" },
		{ "/usr/bin/zsh", FILES(host), LOGIN_SHELL_WANTED, "/usr/bin/zsh" },
		/* a missing shell falls back to the default order */
		{ "fish", FILES(host), LOGIN_SHELL_FALLBACK, "/usr/bin/nu" },
		{ "bash", FILES(minimal), LOGIN_SHELL_FALLBACK, "/bin/sh" },
		{ NULL, FILES(minimal), LOGIN_SHELL_WANTED, "/bin/sh" },
		/* names with a slash are not looked up in the bin folders */
		{ "../bin/sh", FILES(minimal), LOGIN_SHELL_FALLBACK, NULL },
		{ NULL, FILES(bare), LOGIN_SHELL_NONE, "/bin/sh" },
	};
#undef FILES
	char out[LOGIN_PATH_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[64];

		snprintf(what, sizeof what, "\"%s\" on %s", cases[i].wanted ? cases[i].wanted : "(none)",
			 cases[i].on);

		case_int_equal(what, login_shell_resolve(cases[i].wanted, fake_exists,
							 (void *)cases[i].files, out, sizeof out),
			       cases[i].result);
		if (cases[i].shell)
			case_string_equal(what, out, cases[i].shell);
	}
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_passwd),
	cmocka_unit_test(test_passwd_bounds),
	cmocka_unit_test(test_shadow),
	cmocka_unit_test(test_verify),
	cmocka_unit_test(test_shell))
