/* console.c - pool console NAME: attach to a running machine's serial
 * console; Ctrl-] detaches and the machine keeps running. One console at
 * a time: the supervisor refuses a second. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define CTRL_RBRACKET 0x1d

static struct termios saved;
static bool raw_on;

static void tty_raw(void)
{
	struct termios t;

	if (!isatty(0) || tcgetattr(0, &saved) < 0)
		return;
	t = saved;
	cfmakeraw(&t);
	raw_on = tcsetattr(0, TCSAFLUSH, &t) == 0;
}

static void tty_back(void)
{
	if (raw_on)
		tcsetattr(0, TCSAFLUSH, &saved);
	raw_on = false;
}

static int attach(int fd, const char *name, uint8_t *buf, struct pool_err *e)
{
	bool in_open = true;

	for (;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		struct frame_hdr h;
		int k;

		if (poll(pfd, in_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "poll");
		}
		if (in_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			uint8_t in[4096];
			ssize_t n = read(0, in, sizeof in);
			uint8_t *esc;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = false;	/* no more input; keep showing output */
			} else {
				esc = memchr(in, CTRL_RBRACKET, (size_t)n);
				if (esc && esc > in && ctl_send(fd, CTL_MSG_CONSOLE, 0, in, (size_t)(esc - in), e) < 0)
					return -1;
				if (esc) {
					fprintf(stderr, "\r\npool: detached from %s (it keeps running)\r\n", name);
					return 0;
				}
				if (ctl_send(fd, CTL_MSG_CONSOLE, 0, in, (size_t)n, e) < 0)
					return -1;
			}
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = ctl_recv(fd, buf, &h, -1, e);
		if (k < 0)
			return -1;
		if (k == 0) {
			if (machine_stays_up(state_root(), name, 3000))
				return pool_err_fail(e, "machine %s: the supervisor closed the console (see its supervisor.log)",
						     name);
			fprintf(stderr, "\r\npool: %s powered off\r\n", name);
			return 0;
		}
		if (h.type == AGENT_ERROR) {
			char text[256];

			return pool_err_fail(e, "%s", ctl_text(buf, h.len, text, sizeof text));
		}
		if (h.type == CTL_MSG_CONSOLE && h.len && write_all(1, buf, h.len) < 0)
			return pool_err_sys(e, "stdout");
	}
}

int cmd_console(int argc, char **argv, struct pool_err *e)
{
	static uint8_t buf[FRAME_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return cmd_usage_error(e, argv[0], NULL);
	fd = ctl_connect(state_root(), argv[1], e);
	if (fd < 0 || ctl_send(fd, CTL_MSG_CONSOLE, 0, NULL, 0, e) < 0)
		return -1;
	if (isatty(0))
		fprintf(stderr, "pool: %s: console attached (Ctrl-] detaches)\r\n", argv[1]);
	tty_raw();
	r = attach(fd, argv[1], buf, e);
	tty_back();
	return r;
}
