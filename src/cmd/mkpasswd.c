/* mkpasswd.c - pool mkpasswd: read a password on stdin, print its yescrypt hash. */
#include <crypt.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"

int cmd_mkpasswd(int argc, char **argv, struct pool_err *e)
{
	char pass[1024], salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	struct termios t, saved;
	bool tty = isatty(0);
	size_t n;
	const char *h;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(e, argv[0], NULL);
	if (tty) {
		fprintf(stderr, "Password: ");
		if (tcgetattr(0, &saved) == 0) {
			t = saved;
			t.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(0, TCSAFLUSH, &t);
		} else {
			tty = false;
		}
	}
	if (!fgets(pass, sizeof pass, stdin))
		pass[0] = '\0';
	if (tty) {
		tcsetattr(0, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	n = strcspn(pass, "\n");
	if (n == sizeof pass - 1) {
		explicit_bzero(pass, sizeof pass);
		return pool_err_usage(e, "mkpasswd: password longer than %zu bytes", sizeof pass - 2);
	}
	pass[n] = '\0';
	if (n == 0)
		return pool_err_usage(e, "mkpasswd: empty password (a role without `hash:` has no password)");
	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt)) {
		explicit_bzero(pass, sizeof pass);
		return pool_err_sys(e, "mkpasswd: salt");
	}
	memset(&cd, 0, sizeof cd);
	h = crypt_rn(pass, salt, &cd, sizeof cd);
	explicit_bzero(pass, sizeof pass);
	if (!h || h[0] == '*') {
		explicit_bzero(&cd, sizeof cd);
		return pool_err_fail(e, "mkpasswd: yescrypt failed");
	}
	printf("%s\n", h);
	explicit_bzero(&cd, sizeof cd);
	return 0;
}
