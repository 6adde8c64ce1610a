/* logline.c - guest bytes into a machine's log, never passing for pool's
 * own lines (logline.h); libc only, pure. */
#include "logline.h"

#include <string.h>

#define ESC 0x1b
#define CAN 0x18
#define SUB 0x1a
#define BEL 0x07
#define DEL 0x7f

/* Where the log's filter is (termfilter.c's states, as far as they
 * decide what shows). */
enum { S_TEXT, S_ESC, S_ESC_INT, S_CSI, S_OSC, S_STR, S_STR_ESC };

static const char *const words[] = { "pool:", "[exec " };
#define NWORDS (sizeof words / sizeof words[0])
#define WILD 0	/* a non-ASCII character: it may look like any letter of a word (a
		 * homoglyph), never like its ':', '[' or space */

struct sink {
	uint8_t *out;
	size_t o, cap;
};

static void emit(struct sink *k, const void *p, size_t n)
{
	if (n > k->cap - k->o)
		n = k->cap - k->o;	/* cap too small: the caller broke the rule */
	memcpy(k->out + k->o, p, n);
	k->o += n;
}

/* What is held goes out, after the mark when it made a word. */
static void release(struct logline *l, struct sink *k, int mark)
{
	if (mark && l->in_seq)
		emit(k, "\x18", 1);	/* CAN: the sequence the word's byte broke ends before the mark */
	if (mark)
		emit(k, LOGLINE_MARK, sizeof LOGLINE_MARK - 1);
	emit(k, l->held, l->nheld);
	l->nheld = 0;
	l->words = 0;
	l->matched = 0;
}

/* A byte that shows nothing: held inside a word, else out. */
static void quiet(struct logline *l, struct sink *k, uint8_t c)
{
	if (!l->words) {
		emit(k, &c, 1);
		return;
	}
	if (l->nheld == sizeof l->held)
		release(l, k, 1);	/* padded past what is held: taken as the word */
	if (l->words)
		l->held[l->nheld++] = c;
	else
		emit(k, &c, 1);
}

/* Which words w may go on with c as their letter number i. */
static uint8_t go_on(uint8_t w, size_t i, uint8_t c)
{
	uint8_t next = 0;

	for (size_t j = 0; j < NWORDS; j++)
		if ((w & 1u << j) && ((c == WILD && words[j][i] >= 'a' && words[j][i] <= 'z') ||
				      (uint8_t)words[j][i] == c))
			next |= (uint8_t)(1u << j);
	return next;
}

/* A letter the filter shows (printable ASCII, or WILD for the first byte
 * of a non-ASCII character); b is the byte itself. */
static void letter(struct logline *l, struct sink *k, uint8_t c, uint8_t b)
{
	uint8_t next;

	if (l->words && l->nheld == sizeof l->held)
		release(l, k, 1);	/* padded past what is held: taken as the word */
	if (l->words) {
		next = go_on(l->words, l->matched, c);
		if (next) {
			l->held[l->nheld++] = b;
			l->words = next;
			l->matched++;
			for (size_t j = 0; j < NWORDS; j++)
				if ((next & 1u << j) && words[j][l->matched] == '\0') {
					release(l, k, 1);
					break;
				}
			return;
		}
		release(l, k, 0);
	}
	next = go_on((1u << NWORDS) - 1, 0, c);
	if (next) {
		l->in_seq = l->broke_seq;
		l->words = next;
		l->matched = 1;
		l->held[0] = b;
		l->nheld = 1;
		return;
	}
	emit(k, &b, 1);
}

/* A C0 control the filter executes (outside strings); pending_cr: the
 * CRs held at the start of the line. */
static void control(struct logline *l, struct sink *k, uint8_t c, int pending_cr)
{
	if (c == '\r') {
		if (l->words)
			release(l, k, 0);
		if (l->line_start) {
			/* nothing on the line: kept only before a LF */
			l->pending_cr = (uint8_t)(pending_cr < 3 ? pending_cr + 1 : 3);
			return;
		}
		emit(k, "\r", 1);
		l->after_cr = 1;	/* a LF follows it, whatever the guest sends */
		return;
	}
	if (c == '\n') {
		if (l->words)
			release(l, k, 0);
		emit(k, "\r\r\r", (size_t)pending_cr);
		emit(k, &c, 1);
		l->line_start = 1;
		return;
	}
	if (c == '\b')
		return;	/* the cursor does not go back over what is written */
	if (c == '\t') {
		if (l->words)
			release(l, k, 0);
		emit(k, &c, 1);
		l->line_start = 0;
		return;
	}
	quiet(l, k, c);	/* dropped by the filter: shows nothing */
}

static void text(struct logline *l, struct sink *k, uint8_t c, int pending_cr);

static void step(struct logline *l, struct sink *k, uint8_t c)
{
	int was_cr = l->after_cr, pending_cr = l->pending_cr;

	l->after_cr = 0;
	l->pending_cr = 0;
	if (was_cr && c != '\r' && c != '\n') {
		emit(k, "\n", 1);	/* a CR after text ends its line */
		l->line_start = 1;
	}
	switch (l->state) {
	case S_OSC:
	case S_STR:
		/* swallowed to its end, controls included */
		if (c == ESC)
			l->state = S_STR_ESC;
		else if (c == CAN || c == SUB || (c == BEL && l->state == S_OSC))
			l->state = S_TEXT;
		quiet(l, k, c);
		return;
	case S_STR_ESC:
		if (c == '\\') {
			l->state = S_TEXT;
			quiet(l, k, c);
			return;
		}
		l->state = S_ESC;	/* ESC and something else: a new sequence */
		break;
	default:
		break;
	}
	if (l->state != S_TEXT) {
		/* in a sequence: what every state of it does alike */
		if (c == CAN || c == SUB) {
			l->state = S_TEXT;
			quiet(l, k, c);
			return;
		}
		if (c == ESC) {
			l->state = S_ESC;
			quiet(l, k, c);
			return;
		}
		if (c < 0x20) {
			control(l, k, c, pending_cr);
			return;
		}
		if (c >= 0x80) {
			l->state = S_TEXT;	/* the sequence is dropped, the byte is text */
			l->broke_seq = 1;
			text(l, k, c, pending_cr);
			l->broke_seq = 0;
			return;
		}
		if (c != DEL) {
			switch (l->state) {
			case S_ESC:
				l->state = c == '[' ? S_CSI : c == ']' ? S_OSC :
					   (c == 'P' || c == 'X' || c == '^' || c == '_') ? S_STR :
					   c < 0x30 ? S_ESC_INT : S_TEXT;
				break;
			case S_ESC_INT:
				if (c >= 0x30)
					l->state = S_TEXT;
				break;
			case S_CSI:
				if (c >= 0x40)
					l->state = S_TEXT;
				break;
			}
		}
		quiet(l, k, c);
		return;
	}
	text(l, k, c, pending_cr);
}

static void text(struct logline *l, struct sink *k, uint8_t c, int pending_cr)
{
	if (c == ESC) {
		l->state = S_ESC;
		quiet(l, k, c);
	} else if (c < 0x20) {
		control(l, k, c, pending_cr);
	} else if (c < DEL || c >= 0xc0) {
		l->line_start = 0;
		letter(l, k, c < DEL ? c : WILD, c);
	} else {
		quiet(l, k, c);	/* DEL; a continuation byte (its character counted once) */
	}
}

void logline_init(struct logline *l)
{
	memset(l, 0, sizeof *l);
	l->state = S_TEXT;
	l->line_start = 1;
}

size_t logline_feed(struct logline *l, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	struct sink k = { out, 0, cap };

	for (size_t i = 0; i < n; i++)
		step(l, &k, in[i]);
	return k.o;
}

size_t logline_flush(struct logline *l, uint8_t *out, size_t cap)
{
	struct sink k = { out, 0, cap };

	release(l, &k, 0);
	if (l->after_cr)
		emit(&k, "\n", 1);	/* the CR's line is ended */
	logline_init(l);
	return k.o;
}
