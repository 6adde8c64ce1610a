/* console.c - the serial console: autologin for a password-less root,
 * otherwise "NAME login:" and "Password:" checked against /etc/shadow;
 * then the role's shell as that user. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include "guest.h"
#include "common/names.h"
#include "login.h"
#include "util/cleanup.h"

#define FILE_MAX (1u << 20)
#define INPUT_MAX 256	/* longer names and passwords are refused */
#define TTY_GID 5

/* Canonical mode, echo, CR read as NL: what a shell may have left raw. */
static void tty_sane(int fd, bool echo)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return;
	t.c_iflag |= ICRNL;
	t.c_iflag &= ~(tcflag_t)(INLCR | IGNCR);
	t.c_oflag |= OPOST | ONLCR;
	t.c_lflag |= ICANON | ISIG | ECHOE | ECHOK;
	if (echo)
		t.c_lflag |= ECHO;
	else
		t.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fd, TCSANOW, &t);
}

static void say(const char *s)
{
	(void)!write(1, s, strlen(s));
}

/* The serial line has no size: ask the terminal at the other end where
 * the cursor lands at 999;999 (as xterm's resize does), so that nu and
 * other full-screen programs draw on the rows there are. No answer within
 * two seconds (nobody attached): the size stays unset. */
static void tty_probe_size(void)
{
	struct termios t, saved;
	struct winsize ws = { 0 };
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char buf[32];
	size_t n = 0;
	unsigned v[2] = { 0, 0 }, k = 0;
	const char *p;

	if ((ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) || tcgetattr(0, &saved) < 0)
		return;
	t = saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	tcsetattr(0, TCSAFLUSH, &t);	/* typed-ahead input would be taken for the answer */
	say("\0337\033[999;999H\033[6n\0338");
	while (n < sizeof buf - 1 && poll(&pfd, 1, 2000) > 0) {
		if (read(0, &buf[n], 1) != 1)
			break;
		if (buf[n++] == 'R')
			break;
	}
	tcsetattr(0, TCSANOW, &saved);
	buf[n] = '\0';
	/* ESC [ ROWS ; COLS R, each 1..9999 */
	p = strstr(buf, "\033[");
	if (!p || n == 0 || buf[n - 1] != 'R')
		return;
	for (p += 2; *p && k < 2; p++) {
		if (*p >= '0' && *p <= '9' && v[k] < 10000)
			v[k] = v[k] * 10 + (unsigned)(*p - '0');
		else if (*p == ';' || *p == 'R')
			k++;
		else
			return;
	}
	if (k != 2 || !v[0] || !v[1] || v[0] > 9999 || v[1] > 9999)
		return;
	ws.ws_row = (unsigned short)v[0];
	ws.ws_col = (unsigned short)v[1];
	ioctl(0, TIOCSWINSZ, &ws);
}

/* One line from the tty: its length, -1 at end of input or on error, -2
 * when longer than cap - 1 (the rest of the line is read and dropped). */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	bool over = false;

	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 && n == 0 && !over)
			return -1;
		if (r <= 0)
			break;
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
		else
			over = true;
	}
	buf[n] = '\0';
	if (over) {
		explicit_bzero(buf, cap);
		return -2;
	}
	return (int)n;
}

/* Whether name may log in with password: a valid name, a passwd entry and
 * a shadow hash that the password matches. Every path costs one hash. */
static bool check(const char *name, const char *password, struct login_user *u)
{
	_cleanup_free_ char *passwd = NULL, *shadow = NULL;
	char hash[LOGIN_HASH_MAX + 1] = "";
	size_t plen = 0, slen = 0;
	bool known, ok;

	passwd = read_small_file("/etc/passwd", FILE_MAX, &plen);
	shadow = read_small_file("/etc/shadow", FILE_MAX, &slen);
	known = passwd && shadow && valid_user_name(name) &&
		login_passwd_find(passwd, plen, name, u) == 0 &&
		login_shadow_find(shadow, slen, name, hash, sizeof hash) == 0;
	/* an unknown name still pays for a hash, so timing does not tell */
	ok = login_verify(known ? hash : "$y$j9T$aaaaaaaaaaaaaaaaaaaaaa$", password) && known;
	explicit_bzero(hash, sizeof hash);
	if (shadow)
		explicit_bzero(shadow, slen);
	return ok;
}

/* "NAME login:" and "Password:" until a role's password matches. */
static void login_prompt(struct login_user *u)
{
	char host[65] = "pool", name[INPUT_MAX], password[INPUT_MAX];

	gethostname(host, sizeof host - 1);
	for (;;) {
		int n, p;

		tty_sane(0, true);
		dprintf(1, "\n%s login: ", host);
		n = read_line(0, name, sizeof name);
		if (n == -1) {
			sleep(1);	/* end of input: the console was hung up */
			_exit(1);
		}
		if (n == 0)
			continue;
		say("Password: ");
		tty_sane(0, false);
		p = read_line(0, password, sizeof password);
		tty_sane(0, true);
		say("\n");
		if (n > 0 && p >= 0 && check(name, password, u)) {
			explicit_bzero(password, sizeof password);
			return;
		}
		explicit_bzero(password, sizeof password);
		sleep(1);
		say("Login incorrect\n");
	}
}

/* Become u on the console and exec its login shell. */
static __attribute__((noreturn)) void session(const struct login_user *u)
{
	char sh[LOGIN_PATH_MAX], argv0[64];
	const char *base;

	tty_probe_size();
	login_shell_resolve(u->shell, guest_exists, NULL, sh, sizeof sh);
	base = strrchr(sh, '/') ? strrchr(sh, '/') + 1 : sh;
	if (u->uid != 0) {
		/* the console is the user's while the session lasts */
		if (fchown(0, u->uid, TTY_GID) < 0 || fchmod(0, 0620) < 0)
			glog("console: tty owner: %s", strerror(errno));
		if (setgroups(0, NULL) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0 ||
		    setuid(0) == 0) {
			glog("console: cannot become %s", u->name);
			_exit(1);
		}
	}
	/* The machine's working folder (the project, as run and exec use
	 * it), else the role's home. */
	{
		const char *w = getenv("POOL_WORKDIR");

		if ((!w || !*w || chdir(w) < 0) && chdir(u->home) < 0)
			(void)!chdir("/");
	}
	setenv("HOME", u->home, 1);
	setenv("USER", u->name, 1);
	setenv("LOGNAME", u->name, 1);
	setenv("SHELL", sh, 1);
	snprintf(argv0, sizeof argv0, "-%s", base);
	if (strcmp(base, "nu") == 0)
		execl(sh, argv0, "--login", (char *)NULL);
	else
		execl(sh, argv0, (char *)NULL);
	glog("exec %s: %s", sh, strerror(errno));
	_exit(127);
}

int console_spawn(void)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid < 0 ? -1 : pid;

	/* child */
	sigset_t none;
	struct login_user u = { .name = "root", .uid = 0, .gid = 0, .home = "/root" };
	_cleanup_free_ char *passwd = NULL, *shadow = NULL;
	size_t plen = 0, slen = 0;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/ttyS0", O_RDWR);
	if (fd < 0)
		fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		_exit(1);
	ioctl(fd, TIOCSCTTY, 1);
	/* Revoke what a previous session left holding the console (a
	 * background process of another role would read the next password),
	 * as login(1) does: hang the line up, then open it afresh. */
	signal(SIGHUP, SIG_IGN);
	vhangup();
	signal(SIGHUP, SIG_DFL);
	close(fd);
	fd = open("/dev/ttyS0", O_RDWR);
	if (fd < 0)
		fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		_exit(1);
	ioctl(fd, TIOCSCTTY, 1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	/* A previous session's user gave the console back to root. */
	if (fchown(0, 0, TTY_GID) < 0 || fchmod(0, 0600) < 0)
		glog("console: tty owner: %s", strerror(errno));

	shadow = read_small_file("/etc/shadow", FILE_MAX, &slen);
	if (shadow && login_autologin(shadow, slen)) {
		passwd = read_small_file("/etc/passwd", FILE_MAX, &plen);
		if (passwd && login_passwd_find(passwd, plen, "root", &u) < 0)
			u = (struct login_user){ .name = "root", .uid = 0, .gid = 0, .home = "/root" };
		explicit_bzero(shadow, slen);
		session(&u);
	}
	if (shadow)
		explicit_bzero(shadow, slen);
	login_prompt(&u);
	session(&u);
}
