/* termfilter.c - the allowlist filter between guest bytes and the user's
 * terminal: a DEC/ECMA-48 parser that emits whole allowed tokens only. */
#include <stdbool.h>
#include <string.h>

#include "termfilter.h"

#define ESC 0x1b
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1a
#define DEL 0x7f

#define PARAMS_MAX 32	/* parameters (and SGR sub-parameters) in one CSI */
#define DIGITS_MAX 5	/* no parameter can overflow any terminal's parser */

/* Parser states, after vt100.net/emu/dec_ansi_parser. The DCS, SOS, PM
 * and APC states collapse into one: their contents are all dropped. */
enum {
	S_GROUND,
	S_ESC,		/* ESC seen */
	S_ESC_INT,	/* ESC and intermediates 0x20-0x2f */
	S_CSI_ENTRY,	/* ESC [ */
	S_CSI_PARAM,
	S_CSI_INT,
	S_CSI_IGNORE,	/* malformed or too long: dropped at its final byte */
	S_OSC_NUM,	/* ESC ] and the number before ';' */
	S_OSC_TITLE,	/* ESC ] 0|1|2 ; and the title so far */
	S_OSC_IGNORE,	/* any other OSC */
	S_OSC_ESC,	/* ESC inside an OSC: ST or the start of a new sequence */
	S_STR,		/* DCS, SOS, PM, APC */
	S_STR_ESC,
};

/* Lasting terminal state let through, put back by termfilter_flush(). */
enum {
	L_SGR = 1u << 0,	/* colours or attributes other than default */
	L_IRM = 1u << 1,	/* CSI 4 h */
	L_CKM = 1u << 2,	/* ? 1 h */
	L_REVERSE = 1u << 3,	/* ? 5 h */
	L_ORIGIN = 1u << 4,	/* ? 6 h */
	L_NOWRAP = 1u << 5,	/* ? 7 l */
	L_HIDDEN = 1u << 6,	/* ? 25 l */
	L_ALT47 = 1u << 7,
	L_ALT1047 = 1u << 8,
	L_ALT1049 = 1u << 9,
	L_M1000 = 1u << 10,
	L_M1002 = 1u << 11,
	L_M1003 = 1u << 12,
	L_M1004 = 1u << 13,
	L_M1006 = 1u << 14,
	L_PASTE = 1u << 15,	/* ? 2004 h */
	L_SYNC = 1u << 16,	/* ? 2026 h */
	L_KEYPAD = 1u << 17,	/* ESC = */
	L_MARGINS = 1u << 18,	/* CSI t;b r */
	L_G0 = 1u << 19,	/* ESC ( 0 or A */
	L_CURSOR = 1u << 20,	/* CSI n SP q */
};

/* What termfilter_flush() writes for each, in this order: input-changing
 * modes first, the alternate screen before what belongs to the main one,
 * the cursor shown last. */
static const struct restore {
	uint32_t bit;
	const char *seq;
} restores[] = {
	{ L_SYNC, "\033[?2026l" },
	{ L_M1000, "\033[?1000l" },
	{ L_M1002, "\033[?1002l" },
	{ L_M1003, "\033[?1003l" },
	{ L_M1004, "\033[?1004l" },
	{ L_M1006, "\033[?1006l" },
	{ L_PASTE, "\033[?2004l" },
	{ L_CKM, "\033[?1l" },
	{ L_KEYPAD, "\033>" },
	{ L_ALT1049, "\033[?1049l" },
	{ L_ALT1047, "\033[?1047l" },
	{ L_ALT47, "\033[?47l" },
	{ L_MARGINS, "\0337\033[r\0338" },
	{ L_ORIGIN, "\033[?6l" },
	{ L_NOWRAP, "\033[?7h" },
	{ L_REVERSE, "\033[?5l" },
	{ L_IRM, "\033[4l" },
	{ L_G0, "\033(B" },
	{ L_SGR, "\033[0m" },
	{ L_CURSOR, "\033[0 q" },
	{ L_HIDDEN, "\033[?25h" },
};

/* DECSET/DECRST modes that pass, and the lasting bit each sets (on h, or
 * on l for autowrap). */
static const struct dec_mode {
	unsigned mode;
	uint32_t bit;
	bool on_reset;
} dec_modes[] = {
	{ 1, L_CKM, false },	 { 5, L_REVERSE, false }, { 6, L_ORIGIN, false },
	{ 7, L_NOWRAP, true },	 { 12, 0, false },	  { 25, L_HIDDEN, true },
	{ 47, L_ALT47, false },	 { 1000, L_M1000, false }, { 1002, L_M1002, false },
	{ 1003, L_M1003, false }, { 1004, L_M1004, false }, { 1006, L_M1006, false },
	{ 1047, L_ALT1047, false }, { 1048, 0, false },	  { 1049, L_ALT1049, false },
	{ 2004, L_PASTE, false }, { 2026, L_SYNC, false },
};

static const uint8_t replacement[3] = { 0xef, 0xbf, 0xbd };	/* U+FFFD */

struct out {
	uint8_t *p;
	size_t len, cap;
};

/* A token goes out whole or not at all. */
static void emit(struct out *o, const void *s, size_t n)
{
	if (n > o->cap - o->len)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void emit_byte(struct out *o, uint8_t c)
{
	emit(o, &c, 1);
}

/* UTF-8 (Unicode table 3-7): start a character at lead byte c. Return
 * false if c cannot start one. */
static bool utf8_lead(struct termfilter *tf, uint8_t c)
{
	uint8_t need, lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3;
	else
		return false;
	if (c == 0xe0)
		lo = 0xa0;	/* no overlong three-byte forms */
	else if (c == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;	/* no overlong four-byte forms */
	else if (c == 0xf4)
		hi = 0x8f;	/* nothing above U+10FFFF */
	tf->u8[0] = c;
	tf->u8len = 1;
	tf->u8need = need;
	tf->u8lo = lo;
	tf->u8hi = hi;
	return true;
}

enum { U8_MORE, U8_CHAR, U8_BAD };

/* Continue a pending character with c. U8_BAD: the pending bytes are an
 * invalid subpart and c is not consumed. */
static int utf8_cont(struct termfilter *tf, uint8_t c)
{
	if (c < tf->u8lo || c > tf->u8hi) {
		tf->u8need = 0;
		return U8_BAD;
	}
	tf->u8[tf->u8len++] = c;
	tf->u8lo = 0x80;
	tf->u8hi = 0xbf;
	return --tf->u8need ? U8_MORE : U8_CHAR;
}

/* A complete character that is a C1 control, U+0080..U+009F. */
static bool utf8_is_c1(const struct termfilter *tf)
{
	return tf->u8len == 2 && tf->u8[0] == 0xc2 && tf->u8[1] <= 0x9f;
}

/* A C0 control outside strings: pass the harmless ones. */
static void c0(const struct termfilter *tf, struct out *o, uint8_t c)
{
	if (c == '\t' || c == '\n' || c == '\r' || c == '\b' || (c == BEL && tf->mode == TERMFILTER_TERMINAL))
		emit_byte(o, c);
}

static void ground(struct termfilter *tf, struct out *o, uint8_t c)
{
	if (tf->u8need) {
		switch (utf8_cont(tf, c)) {
		case U8_MORE:
			return;
		case U8_CHAR:
			if (!utf8_is_c1(tf))
				emit(o, tf->u8, tf->u8len);
			return;
		default:
			emit(o, replacement, sizeof replacement);
			break;	/* and c starts afresh */
		}
	}
	if (c >= 0x80) {
		if (!utf8_lead(tf, c))
			emit(o, replacement, sizeof replacement);
	} else if (c == ESC) {
		tf->seq[0] = ESC;
		tf->len = 1;
		tf->state = S_ESC;
	} else if (c >= 0x20 && c < DEL) {
		emit_byte(o, c);
	} else {
		c0(tf, o, c);
	}
}

/* Add c to the held sequence; false if it is full. */
static bool hold(struct termfilter *tf, uint8_t c)
{
	if (tf->len >= TERMFILTER_SEQ_MAX)
		return false;
	tf->seq[tf->len++] = c;
	return true;
}

static void esc_dispatch(struct termfilter *tf, struct out *o)
{
	const uint8_t *s = tf->seq;
	bool ok = false;

	if (tf->mode != TERMFILTER_TERMINAL)
		return;
	if (tf->len == 2 && memchr("78=>MDEc", s[1], 8)) {
		ok = true;
		if (s[1] == '=')
			tf->lasting |= L_KEYPAD;
		else if (s[1] == '>')
			tf->lasting &= ~(uint32_t)L_KEYPAD;
		else if (s[1] == 'c')
			tf->lasting = 0;	/* RIS: the terminal forgets it all */
	} else if (tf->len == 3 && (s[1] == '(' || s[1] == ')') && memchr("B0A", s[2], 3)) {
		ok = true;
		if (s[1] == '(' && s[2] == 'B')
			tf->lasting &= ~(uint32_t)L_G0;
		else if (s[1] == '(')
			tf->lasting |= L_G0;
	}
	if (ok)
		emit(o, s, tf->len);
}

struct csi {
	uint8_t private;	/* '<' '=' '>' '?' or 0 */
	uint8_t final;
	char inter[4];		/* intermediates, NUL-terminated */
	bool colon;
	unsigned n;		/* parameters; an empty one is 0 */
	unsigned v[PARAMS_MAX];
};

/* Split the held ESC [ ... final into its parts; false if it cannot pass
 * whatever it is (too many or too long parameters, many intermediates). */
static bool csi_parse(const struct termfilter *tf, struct csi *q)
{
	size_t i = 2, end = tf->len - 1, ni = 0;
	unsigned digits = 0;

	memset(q, 0, sizeof *q);
	q->final = tf->seq[end];
	if (i < end && tf->seq[i] >= 0x3c && tf->seq[i] <= 0x3f)
		q->private = tf->seq[i++];
	if (i < end && tf->seq[i] >= 0x30 && tf->seq[i] <= 0x3b)
		q->n = 1;
	for (; i < end && tf->seq[i] >= 0x30 && tf->seq[i] <= 0x3b; i++) {
		uint8_t c = tf->seq[i];

		if (c == ';' || c == ':') {
			if (q->n == PARAMS_MAX)
				return false;
			q->colon |= c == ':';
			q->n++;
			digits = 0;
		} else if (++digits > DIGITS_MAX) {
			return false;
		} else {
			q->v[q->n - 1] = q->v[q->n - 1] * 10 + (unsigned)(c - '0');
		}
	}
	for (; i < end; i++) {
		if (ni + 1 >= sizeof q->inter)
			return false;
		q->inter[ni++] = (char)tf->seq[i];
	}
	return true;
}

static const struct dec_mode *dec_mode(unsigned m)
{
	for (size_t i = 0; i < sizeof dec_modes / sizeof dec_modes[0]; i++)
		if (dec_modes[i].mode == m)
			return &dec_modes[i];
	return NULL;
}

/* ESC [ ? Pm h/l: every mode must be on the list. */
static bool dec_set(struct termfilter *tf, const struct csi *q)
{
	bool set = q->final == 'h';

	if (q->n == 0 || q->colon)
		return false;
	for (unsigned i = 0; i < q->n; i++)
		if (!dec_mode(q->v[i]))
			return false;
	for (unsigned i = 0; i < q->n; i++) {
		const struct dec_mode *m = dec_mode(q->v[i]);

		if (set != m->on_reset)
			tf->lasting |= m->bit;
		else
			tf->lasting &= ~m->bit;
	}
	return true;
}

static bool sgr_is_reset(const struct csi *q)
{
	for (unsigned i = 0; i < q->n; i++)
		if (q->v[i])
			return false;
	return true;
}

/* Does this control sequence pass, and what lasting state does it set? */
static bool csi_allowed(struct termfilter *tf, const struct csi *q)
{
	if (q->final == 'm' && !q->private && !q->inter[0]) {
		if (sgr_is_reset(q))
			tf->lasting &= ~(uint32_t)L_SGR;
		else
			tf->lasting |= L_SGR;
		return true;
	}
	if (tf->mode != TERMFILTER_TERMINAL || q->colon)
		return false;
	if (q->private == '?' && !q->inter[0]) {
		if (q->final == 'h' || q->final == 'l')
			return dec_set(tf, q);
		return (q->final == 'J' || q->final == 'K') && q->n <= 1;
	}
	if (q->private)
		return false;
	if (q->inter[0]) {
		if (strcmp(q->inter, " ") == 0 && q->final == 'q' && q->n <= 1 && q->v[0] <= 6) {
			if (q->v[0])
				tf->lasting |= L_CURSOR;
			else
				tf->lasting &= ~(uint32_t)L_CURSOR;
			return true;
		}
		return strcmp(q->inter, "!") == 0 && q->final == 'p' && q->n == 0;
	}
	switch (q->final) {
	case 'A': case 'B': case 'C': case 'D': case 'E': case 'F': case 'G':
	case 'd': case 'e': case 'a': case '`': case 'I': case 'Z':
	case 'J': case 'K': case 'L': case 'M': case 'P': case 'X': case '@':
	case 'b': case 'S': case 'T': case 'u':
		return q->n <= 1;
	case 'H': case 'f': case 's':
		return q->n <= 2;
	case 'r':
		if (q->n > 2)
			return false;
		if (q->n == 0 || (q->v[0] == 0 && (q->n == 1 || q->v[1] == 0)))
			tf->lasting &= ~(uint32_t)L_MARGINS;
		else
			tf->lasting |= L_MARGINS;
		return true;
	case 'h': case 'l':
		if (q->n != 1 || q->v[0] != 4)
			return false;
		if (q->final == 'h')
			tf->lasting |= L_IRM;
		else
			tf->lasting &= ~(uint32_t)L_IRM;
		return true;
	case 't':
		/* push or pop the title; every other window op moves,
		 * resizes or reports */
		return q->n >= 1 && q->n <= 3 && (q->v[0] == 22 || q->v[0] == 23) &&
		       (q->n < 2 || q->v[1] <= 2);
	default:
		return false;
	}
}

/* A dropped query whose answer the caller may give: count it. */
static void csi_query(struct termfilter *tf, const struct csi *q)
{
	int kind = -1;

	if (q->inter[0] || q->colon || q->n > 1)
		return;
	if (q->final == 'c' && q->v[0] == 0 && !q->private)
		kind = TERMFILTER_Q_DA1;
	else if (q->final == 'c' && q->v[0] == 0 && q->private == '>')
		kind = TERMFILTER_Q_DA2;
	else if (q->final == 'n' && q->v[0] == 5 && !q->private)
		kind = TERMFILTER_Q_STATUS;
	else if (q->final == 'n' && q->v[0] == 6 && !q->private)
		kind = TERMFILTER_Q_CPR;
	if (kind >= 0 && tf->queries[kind] < TERMFILTER_QUERIES_MAX)
		tf->queries[kind]++;
}

static void csi_dispatch(struct termfilter *tf, struct out *o)
{
	struct csi q;

	if (tf->mode == TERMFILTER_PLAIN || !csi_parse(tf, &q))
		return;
	if (csi_allowed(tf, &q))
		emit(o, tf->seq, tf->len);
	else if (tf->mode == TERMFILTER_TERMINAL)
		csi_query(tf, &q);
}

static void title_char(struct termfilter *tf, const uint8_t *s, size_t n)
{
	if (tf->title_full)
		return;
	if (tf->len - 4 + n > TERMFILTER_TITLE_MAX) {
		tf->title_full = 1;	/* cut here, on a character boundary */
		return;
	}
	memcpy(tf->seq + tf->len, s, n);
	tf->len += (uint16_t)n;
}

static void title_byte(struct termfilter *tf, uint8_t c)
{
	if (tf->u8need) {
		switch (utf8_cont(tf, c)) {
		case U8_MORE:
			return;
		case U8_CHAR:
			if (!utf8_is_c1(tf))
				title_char(tf, tf->u8, tf->u8len);
			return;
		default:
			break;	/* invalid bytes leave the title */
		}
	}
	if (c >= 0x80)
		(void)utf8_lead(tf, c);
	else if (c >= 0x20 && c < DEL)
		title_char(tf, &c, 1);
	/* controls inside the string are dropped */
}

static void title_end(struct termfilter *tf, struct out *o, const uint8_t *term, size_t n)
{
	tf->u8need = 0;
	memcpy(tf->seq + tf->len, term, n);
	emit(o, tf->seq, tf->len + n);
}

static void to_ground(struct termfilter *tf)
{
	tf->state = S_GROUND;
	tf->len = 0;
	tf->u8need = 0;
	tf->title_full = 0;
}

static void to_escape(struct termfilter *tf)
{
	to_ground(tf);
	tf->seq[0] = ESC;
	tf->len = 1;
	tf->state = S_ESC;
}

/* Bytes that mean the same in every escape and control sequence state.
 * Return true if c was handled. */
static bool anywhere_in_seq(struct termfilter *tf, struct out *o, uint8_t c)
{
	if (c == CAN || c == SUB) {
		to_ground(tf);
	} else if (c == ESC) {
		to_escape(tf);
	} else if (c < 0x20) {
		c0(tf, o, c);	/* executed where it stands */
	} else if (c == DEL) {
		/* ignored */
	} else if (c >= 0x80) {
		/* not part of any sequence: drop the sequence, and the byte
		 * is text */
		to_ground(tf);
		ground(tf, o, c);
	} else {
		return false;
	}
	return true;
}

static void step(struct termfilter *tf, struct out *o, uint8_t c)
{
	switch (tf->state) {
	case S_GROUND:
		ground(tf, o, c);
		return;
	case S_OSC_NUM:
	case S_OSC_TITLE:
	case S_OSC_IGNORE:
		if (c == ESC) {
			/* ST ends a title; any other OSC is dropped either way */
			tf->state = tf->state == S_OSC_TITLE ? S_OSC_ESC : S_STR_ESC;
		} else if (c == CAN || c == SUB) {
			to_ground(tf);
		} else if (c == BEL) {
			if (tf->state == S_OSC_TITLE)
				title_end(tf, o, &c, 1);
			to_ground(tf);
		} else if (tf->state == S_OSC_TITLE) {
			title_byte(tf, c);
		} else if (tf->state == S_OSC_NUM) {
			if (c == ';' && tf->len == 3 && tf->seq[2] >= '0' && tf->seq[2] <= '2' &&
			    tf->mode == TERMFILTER_TERMINAL) {
				tf->seq[tf->len++] = c;
				tf->state = S_OSC_TITLE;
			} else if (c >= '0' && c <= '9' && tf->len < 3) {
				tf->seq[tf->len++] = c;
			} else if (c >= 0x20) {
				tf->state = S_OSC_IGNORE;
			}
		}
		return;
	case S_OSC_ESC:
		if (c == '\\') {
			title_end(tf, o, (const uint8_t *)"\033\\", 2);
			to_ground(tf);
			return;
		}
		to_escape(tf);	/* an unterminated title is dropped */
		step(tf, o, c);
		return;
	case S_STR:
		if (c == ESC)
			tf->state = S_STR_ESC;
		else if (c == CAN || c == SUB)
			to_ground(tf);
		return;
	case S_STR_ESC:
		if (c == '\\') {
			to_ground(tf);
			return;
		}
		to_escape(tf);
		step(tf, o, c);
		return;
	default:
		break;
	}

	if (anywhere_in_seq(tf, o, c))
		return;
	switch (tf->state) {
	case S_ESC:
		if (c == '[') {
			(void)hold(tf, c);
			tf->state = S_CSI_ENTRY;
		} else if (c == ']') {
			(void)hold(tf, c);
			tf->state = S_OSC_NUM;
		} else if (c == 'P' || c == 'X' || c == '^' || c == '_') {
			tf->state = S_STR;
		} else if (c < 0x30) {
			(void)hold(tf, c);
			tf->state = S_ESC_INT;
		} else {
			(void)hold(tf, c);
			esc_dispatch(tf, o);
			to_ground(tf);
		}
		return;
	case S_ESC_INT:
		if (c < 0x30) {
			/* more than two intermediates pass nothing: mark the
			 * sequence full, so it is dropped at its final byte */
			if (tf->len < 4)
				(void)hold(tf, c);
			else
				tf->len = TERMFILTER_SEQ_MAX;
			return;
		}
		if (tf->len < TERMFILTER_SEQ_MAX) {
			(void)hold(tf, c);
			esc_dispatch(tf, o);
		}
		to_ground(tf);
		return;
	case S_CSI_ENTRY:
	case S_CSI_PARAM:
	case S_CSI_INT:
		if (c >= 0x40) {
			if (hold(tf, c))
				csi_dispatch(tf, o);
			to_ground(tf);
			return;
		}
		if (c >= 0x30 && (tf->state == S_CSI_INT ||
				  (tf->state == S_CSI_PARAM && c >= 0x3c))) {
			tf->state = S_CSI_IGNORE;	/* a parameter byte out of place */
			return;
		}
		/* the final byte needs room too */
		if (tf->len >= TERMFILTER_SEQ_MAX - 1 || !hold(tf, c)) {
			tf->state = S_CSI_IGNORE;
			return;
		}
		tf->state = c < 0x30 ? S_CSI_INT : S_CSI_PARAM;
		return;
	case S_CSI_IGNORE:
		if (c >= 0x40)
			to_ground(tf);
		return;
	default:
		to_ground(tf);
		return;
	}
}

void termfilter_init(struct termfilter *tf, enum termfilter_mode mode)
{
	memset(tf, 0, sizeof *tf);
	tf->mode = (uint8_t)mode;
	tf->state = S_GROUND;
}

size_t termfilter_feed(struct termfilter *tf, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .len = 0, .cap = cap };

	for (size_t i = 0; i < n; i++)
		step(tf, &o, in[i]);
	return o.len;
}

void termfilter_take_queries(struct termfilter *tf, uint8_t counts[TERMFILTER_Q_COUNT])
{
	memcpy(counts, tf->queries, sizeof tf->queries);
	memset(tf->queries, 0, sizeof tf->queries);
}

size_t termfilter_flush(struct termfilter *tf, uint8_t *out, size_t cap)
{
	struct out o = { .p = out, .len = 0, .cap = cap };
	enum termfilter_mode mode = (enum termfilter_mode)tf->mode;

	if (tf->state == S_GROUND && tf->u8need)
		emit(&o, replacement, sizeof replacement);
	for (size_t i = 0; i < sizeof restores / sizeof restores[0]; i++)
		if (tf->lasting & restores[i].bit)
			emit(&o, restores[i].seq, strlen(restores[i].seq));
	termfilter_init(tf, mode);
	return o.len;
}
