/* tty.c - a terminal in raw mode, and back as it was. */
#include "util/tty.h"

#include <unistd.h>

bool tty_raw(struct tty_saved *s, int fd)
{
	struct termios t;

	s->raw = false;
	s->fd = fd;
	if (!isatty(fd) || tcgetattr(fd, &s->t) < 0)
		return false;
	t = s->t;
	cfmakeraw(&t);
	s->raw = tcsetattr(fd, TCSAFLUSH, &t) == 0;
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
