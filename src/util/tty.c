/* tty.c - a terminal in raw mode, and back as it was; its size. */
#include "util/tty.h"

#include <sys/ioctl.h>
#include <unistd.h>

#define TTY_SIZE_MAX 9999u	/* the agent's bound (AGENT_WINSIZE_MAX) */

bool tty_raw(struct tty_saved *s, int fd)
{
	struct termios t;

	s->raw = false;
	s->fd = fd;
	if (!isatty(fd) || tcgetattr(fd, &s->t) < 0)
		return false;
	t = s->t;
	cfmakeraw(&t);
	/* TCSANOW: what was typed ahead (while the machine booted) stays,
	 * for the machine to read; it is not dropped */
	s->raw = tcsetattr(fd, TCSANOW, &t) == 0;
	return s->raw;
}

bool tty_save(struct tty_saved *s, int fd)
{
	s->fd = fd;
	s->raw = isatty(fd) && tcgetattr(fd, &s->t) == 0;
	return s->raw;
}

void tty_restore(struct tty_saved *s)
{
	if (s->raw) {
		tcsetattr(s->fd, TCSAFLUSH, &s->t);
		/* and what the terminal sent while it took the modes back:
		 * a mouse report in flight is not the host shell's input */
		tcflush(s->fd, TCIFLUSH);
	}
	s->raw = false;
}

bool tty_size(int fd, uint16_t *rows, uint16_t *cols)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*rows = ws.ws_row > TTY_SIZE_MAX ? TTY_SIZE_MAX : ws.ws_row;
	*cols = ws.ws_col > TTY_SIZE_MAX ? TTY_SIZE_MAX : ws.ws_col;
	return true;
}
