/* termout.h - guest bytes on their way out to one of the user's fds:
 * through the terminal filter (termfilter.h) when they reach a terminal,
 * untouched when they are data (a pipe, a file); and pool's own answers
 * to the terminal queries the filter dropped.
 *
 * Who uses which:
 *   pool up, pool console   the console, TERMINAL mode, when stdout is a
 *                           terminal; the answers go into the console's
 *                           input, where the user's keystrokes go
 *   pool run, pool exec     stdout and stderr, one each, TERMINAL mode,
 *                           when that fd is a terminal; no answers (the
 *                           command has no terminal in the guest)
 *   pool logs               LOG mode, always; --raw never */
#ifndef POOL_TERMOUT_H
#define POOL_TERMOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/termfilter.h"

enum termout_when {
	TERMOUT_IF_TERMINAL,	/* filtered when fd is a terminal, else untouched */
	TERMOUT_ALWAYS,		/* filtered wherever it goes */
	TERMOUT_NEVER,		/* untouched */
};

/* The most termout_answers() writes: every query counted, each answer
 * at its longest (DA1, DA2, status, CPR with five-digit row and column). */
#define TERMOUT_ANSWERS_MAX (TERMFILTER_QUERIES_MAX * (9 + 9 + 4 + 14))

/* The fields are termout's own; callers only allocate it. */
struct termout {
	int fd;
	bool filtered;
	/* The filter's last token moved the cursor to (row, col): a cursor
	 * position query now would be answered with that place. */
	bool at_known;
	uint32_t row, col;
	uint8_t queries[TERMFILTER_Q_COUNT];	/* dropped since the last answers */
	/* where the cursor was at each dropped CPR, in order; 0: not known */
	uint32_t cpr_row[TERMFILTER_QUERIES_MAX], cpr_col[TERMFILTER_QUERIES_MAX];
	struct termfilter tf;
};

/* Decide, once, whether what goes to fd is filtered (isatty(fd) for
 * TERMOUT_IF_TERMINAL) and in which mode. */
void termout_init(struct termout *t, int fd, enum termfilter_mode mode, enum termout_when when);

/* Write n guest bytes to the fd, filtered or not: 0, or -1 with errno
 * from write(2) (EPIPE: nobody reads any more). */
int termout_write(struct termout *t, const void *buf, size_t n);

/* End of the stream (detach, power-off, the command done, the end of the
 * log): put back the lasting state the filter let through, and forget
 * the queries not answered. Nothing when not filtered. 0 or -1 with
 * errno. */
int termout_flush(struct termout *t);

/* The answers to the queries the filter dropped since the last call, at
 * most each_max of each kind (the latest), into out (cap at least
 * TERMOUT_ANSWERS_MAX): what the user's terminal would have said, made
 * up by pool from its size alone, so that they hold nothing else of the
 * terminal's. Returns the bytes written; 0 when none, or when not
 * filtered (then the terminal saw the queries, or there is no
 * terminal). termout.c says what the answers are. */
size_t termout_answers(struct termout *t, unsigned each_max, uint8_t *out, size_t cap);

#endif
