/* tty.h - a terminal in raw mode, and back as it was; its size. */
#ifndef POOL_TTY_H
#define POOL_TTY_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

struct tty_saved {
	struct termios t;	/* the modes before */
	int fd;
	bool raw;		/* raw now (or saved to be): tty_restore has work to do */
};

/* When fd is a terminal: save its modes and make it raw (cfmakeraw), at
 * once, keeping what was typed ahead for the reader. Returns whether it
 * is raw now. */
bool tty_raw(struct tty_saved *s, int fd);
/* When fd is a terminal: save its modes for tty_restore, changing
 * nothing (another process may make it raw meanwhile; this one puts it
 * back however that one ended). Returns whether they were saved. */
bool tty_save(struct tty_saved *s, int fd);
/* The saved modes back (TCSAFLUSH), then the input that arrived
 * meanwhile dropped (TCIFLUSH); nothing when tty_raw did nothing. Whoever
 * wrote guest bytes to the terminal puts back their lasting state first
 * (termout_flush), so nothing keeps sending after this. */
void tty_restore(struct tty_saved *s);

/* The size of the terminal on fd (rows and columns, each at most 9999):
 * whether it is one with a size. */
bool tty_size(int fd, uint16_t *rows, uint16_t *cols);

#endif
