/* logline.h - guest bytes on their way into a machine's log: a line of
 * the guest's never passes for one of pool's own. Pure, incremental (a
 * word split across calls is the same word), libc only.
 *
 * pool writes its own lines into the log ("pool: exec 3 exited with
 * status 0") and marks each line of an exec session's output
 * ("[exec 3] "). The guest writes everything else and could write those
 * words too: on the console, or after a CR or BS that takes the cursor
 * back over an exec line's mark. So:
 *
 *   - wherever the guest's text shows "pool:" or "[exec " (as the log's
 *     filter shows it: escape sequences, strings and the controls it
 *     drops count as nothing between the letters, and a non-ASCII
 *     character as any of its letters, since one may look like it:
 *     Cyrillic U+0440 is a "p"; its ':', '[' and space are ASCII),
 *     LOGLINE_MARK is written before it: "(guest) pool: ..." (and, as
 *     the price of it, "(guest) Файл: ...");
 *   - the cursor never goes back over a line's text: a CR after text
 *     on the line ends it (a LF is put after it unless a CR or LF comes
 *     next, so CR LF and CR CR LF stay as they are), a CR with nothing
 *     before it on the line is kept only before a LF, and a BS is
 *     dropped.
 *
 * Together they mean that pool's words at the start of a line of the log
 * are pool's. Everything else stays as the guest sent it. The escape
 * sequence grammar is util/termfilter.c's (the DEC parser): where a
 * sequence or a string ends is where the filter ends it. */
#ifndef POOL_LOGLINE_H
#define POOL_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#define LOGLINE_MARK "(guest) "
#define LOGLINE_HOLD_MAX 64	/* bytes held while they may make one of pool's words */
/* Room out needs for logline_feed() of n bytes (or logline_flush, n = 0):
 * a byte and a LF, or a mark for every five letters, for each; and what
 * was held, its mark and CRs before. */
#define LOGLINE_OUT_MAX(n) (3 * (size_t)(n) + LOGLINE_HOLD_MAX + sizeof LOGLINE_MARK + 8)

/* The fields are logline.c's; callers only allocate it. */
struct logline {
	uint8_t state;		/* text, or where in an escape sequence or string */
	uint8_t words;		/* the words being matched (bit 0 "pool:", 1 "[exec "), 0: none */
	uint8_t matched;	/* their letters seen so far */
	uint8_t after_cr;	/* a CR after text is out: a LF follows */
	uint8_t line_start;	/* no text on the line yet */
	uint8_t pending_cr;	/* CRs there, written only if a LF follows */
	uint8_t broke_seq;	/* this byte ended a sequence by being text */
	uint8_t in_seq;		/* what is held began so: the filter ends it with a CAN */
	size_t nheld;
	uint8_t held[LOGLINE_HOLD_MAX];
};

/* As new: text, nothing held. Call logline_flush() first when something
 * may be held (another writer takes the log). */
void logline_init(struct logline *l);

/* The guest's next n bytes into out (cap at least LOGLINE_OUT_MAX(n));
 * returns the bytes written. Bytes that may make one of pool's words are
 * held until they do (then they follow the mark) or cannot. */
size_t logline_feed(struct logline *l, const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* What is held, out as it is (less than a word: the stream ends, or
 * another writer takes the log), and logline_init(). */
size_t logline_flush(struct logline *l, uint8_t *out, size_t cap);

#endif
