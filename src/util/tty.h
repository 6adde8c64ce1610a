/* tty.h - a terminal in raw mode, and back as it was. */
#ifndef POOL_TTY_H
#define POOL_TTY_H

#include <stdbool.h>
#include <termios.h>

struct tty_saved {
	struct termios t;	/* the modes before */
	int fd;
	bool raw;		/* raw now: tty_restore has work to do */
};

/* When fd is a terminal: save its modes and make it raw (cfmakeraw).
 * Returns whether it is raw now. */
bool tty_raw(struct tty_saved *s, int fd);
/* The saved modes back (TCSAFLUSH); nothing when tty_raw did nothing. */
void tty_restore(struct tty_saved *s);

#endif
