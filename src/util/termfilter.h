/* termfilter.h - what every guest byte passes through before it reaches
 * the user's terminal: an allowlist of text and harmless escape sequences.
 * Pure, incremental (sequences may be split across calls), libc only, no
 * allocation.
 *
 * The guest is hostile. The filter parses the stream with the ECMA-48 /
 * DEC state machine (vt100.net/emu/dec_ansi_parser) and emits only whole
 * tokens from a fixed list; everything else is dropped, replaced by
 * nothing. A token is never emitted in part, so two filtered streams may
 * share one terminal (a command's stdout and stderr) and whatever the
 * terminal's own parser makes of the input, it only ever sees:
 *
 *   - printable ASCII, and valid UTF-8 (shortest form, no surrogates, at
 *     most U+10FFFF) except the C1 controls U+0080..U+009F, which are
 *     dropped. Any other byte >= 0x80 (a raw C1 control, a stray
 *     continuation, an overlong or cut-off form) becomes U+FFFD, one per
 *     maximal invalid subpart, as a UTF-8 terminal would show it.
 *   - TAB, LF, CR, BS, and BEL (outside strings; TERMINAL mode only).
 *     Other C0 controls, DEL, CAN and SUB are dropped; CAN and SUB also
 *     abort a sequence. Inside a sequence an allowed C0 control is passed
 *     ahead of it, as a terminal would execute it there.
 *   - CSI sequences (ESC [ only; parameters are digits, ';', and ':' for
 *     SGR alone; each parameter at most 5 digits, at most 32 of them):
 *       SGR m (any parameters: 256 colours, truecolour, underline styles);
 *       cursor and erase A B C D E F G H f d e a ` I Z J K L M P X @ b;
 *       SU S and SD T with at most one parameter; DECSTBM r; s u;
 *       SM/RM h l for mode 4 (insert) only;
 *       DECSET/DECRST ? h l for modes 1 5 6 7 12 25 47 1000 1002 1003
 *       1004 1006 1047 1048 1049 2004 2026;
 *       DECSED/DECSEL ? J ? K; DECSCUSR SP q; DECSTR ! p;
 *       window op t only to push/pop the title (22 and 23).
 *   - ESC 7 ESC 8 ESC = ESC > ESC M ESC D ESC E ESC c, and ESC ( or
 *     ESC ) with B, 0 or A.
 *   - window and icon titles OSC 0, 1, 2, rebuilt from their printable
 *     characters (ASCII and UTF-8 as above; controls inside are dropped),
 *     cut at TERMFILTER_TITLE_MAX bytes on a character boundary, ended by
 *     the terminator the guest used (BEL or ESC \). An unterminated title
 *     (ESC followed by anything but '\', CAN, SUB) is dropped.
 *
 * Dropped, for example: everything that makes the terminal answer into
 * its own input (DA ESC[c ESC[>c ESC[=c, DSR/CPR ESC[5n ESC[6n ESC[?6n,
 * DECRQM, DECREQTPARM, XTVERSION, window reports ESC[..t, DECID ESC Z,
 * OSC colour and font queries), OSC 52 (clipboard), every other OSC
 * (colours, OSC 7, OSC 8 hyperlinks: a link can show one address and go
 * to another, so its text passes and the link does not), every DCS, SOS,
 * PM and APC string with its contents (DECRQSS, XTGETTCAP, sixel, ...),
 * window manipulation and DECSLPP, modes that change what keys send
 * beyond the list above (modifyOtherKeys, the kitty keyboard protocol),
 * 8-bit mode switches (S8C1T, ESC % charsets), tab stop changes, SO/SI.
 * 8-bit C1 controls are not controls here: in UTF-8 they are invalid
 * bytes (U+FFFD in text, dropped inside strings).
 *
 * A sequence longer than TERMFILTER_SEQ_MAX is dropped whole. A DCS, SOS,
 * PM, APC or OSC string is swallowed until its end (ST, BEL for OSC, CAN,
 * SUB, or ESC followed by anything else, which starts a new sequence), as
 * the terminal would swallow it.
 *
 * The filter remembers the lasting state it let through (colours, modes,
 * alternate screen, margins, charset, cursor shape) and termfilter_flush()
 * puts it back, so a guest cannot leave the user's terminal reporting
 * mouse clicks into the host shell after a detach.
 *
 * Some programs wait for answers the terminal no longer sees: fish waits
 * for DA1, nushell's line editor asks for the cursor position before
 * every prompt (2 s each without an answer). The filter counts the
 * queries it dropped whose answers hold nothing from the terminal or the
 * guest (termfilter_take_queries), so the caller may answer them itself,
 * into the guest's input. */
#ifndef POOL_TERMFILTER_H
#define POOL_TERMFILTER_H

#include <stddef.h>
#include <stdint.h>

enum termfilter_mode {
	/* an interactive terminal: pool up, pool console, pool run/exec
	 * output on a terminal: everything listed above */
	TERMFILTER_TERMINAL = 0,
	/* replayed output (pool logs): text, TAB LF CR BS and SGR only. No
	 * BEL, no cursor movement, no titles: out of context they garble
	 * the screen; colours of boot messages still show. */
	TERMFILTER_LOG = 1,
	/* text only (TAB LF CR BS, printable, UTF-8): no escape sequence
	 * at all, for a file or grep */
	TERMFILTER_PLAIN = 2,
};

#define TERMFILTER_SEQ_MAX 256		/* longest sequence held whole */
#define TERMFILTER_TITLE_MAX 128	/* longest title text, in bytes */
#define TERMFILTER_RESTORE_MAX 160	/* longest put-back of termfilter_flush() */

/* Room an output buffer needs for one termfilter_feed() of n bytes, or
 * (with n = 0) for termfilter_flush(): a byte becomes at most 3 (U+FFFD),
 * plus a held sequence completed by this call. */
#define TERMFILTER_OUT_MAX(n) (3 * (size_t)(n) + TERMFILTER_SEQ_MAX + TERMFILTER_RESTORE_MAX)

/* Queries dropped in TERMINAL mode that the caller may answer itself. */
enum termfilter_query {
	TERMFILTER_Q_DA1,	/* ESC [ c, ESC [ 0 c */
	TERMFILTER_Q_DA2,	/* ESC [ > c, ESC [ > 0 c */
	TERMFILTER_Q_STATUS,	/* ESC [ 5 n */
	TERMFILTER_Q_CPR,	/* ESC [ 6 n */
	TERMFILTER_Q_COUNT,
};
#define TERMFILTER_QUERIES_MAX 4	/* counted per kind between two takes */

/* The fields are the filter's own; callers only allocate it. */
struct termfilter {
	uint8_t mode;		/* enum termfilter_mode */
	uint8_t state;		/* parser state */
	uint8_t u8len;		/* bytes of a pending UTF-8 character */
	uint8_t u8need;		/* continuation bytes it still needs */
	uint8_t u8lo, u8hi;	/* range of the next continuation byte */
	uint8_t u8[4];
	uint8_t title_full;	/* title cut: the rest of it is dropped */
	uint16_t len;		/* bytes of the held sequence */
	uint32_t lasting;	/* state let through, for termfilter_flush() */
	uint8_t queries[TERMFILTER_Q_COUNT];
	uint8_t seq[TERMFILTER_SEQ_MAX];
};

void termfilter_init(struct termfilter *tf, enum termfilter_mode mode);

/* Filter n bytes of the stream into out and return the bytes written.
 * cap should be at least TERMFILTER_OUT_MAX(n); then nothing is lost. (If
 * it is not, a token that does not fit is dropped whole, never cut.)
 * Sequences split across calls are held and emitted whole when they end;
 * one byte at a time gives the same output as all at once. */
size_t termfilter_feed(struct termfilter *tf, const uint8_t *in, size_t n, uint8_t *out, size_t cap);

/* How many of each query termfilter_feed() dropped since the last take
 * (at most TERMFILTER_QUERIES_MAX each, more are not counted), into
 * counts; the counts start again from zero. */
void termfilter_take_queries(struct termfilter *tf, uint8_t counts[TERMFILTER_Q_COUNT]);

/* End of stream (detach, command done, end of log): drop a held partial
 * sequence (a cut-off UTF-8 character becomes U+FFFD), write the
 * sequences that undo the lasting state let through, and start over as
 * if just initialised. Return the bytes written; cap as for n = 0. */
size_t termfilter_flush(struct termfilter *tf, uint8_t *out, size_t cap);

#endif
