/* termout.c - guest bytes out to one of the user's fds, filtered when
 * they reach a terminal, and pool's answers to the queries it dropped. */
#include "util/termout.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/fsutil.h"

#define ESC 0x1b
#define CHUNK 4096		/* guest bytes filtered at a time */
#define ROWS_UNKNOWN 24		/* a terminal that does not say its size */
#define COLS_UNKNOWN 80
#define PLACE_MAX 100000u	/* a row or column past any terminal's */

void termout_init(struct termout *t, int fd, enum termfilter_mode mode, enum termout_when when)
{
	memset(t, 0, sizeof *t);
	t->fd = fd;
	t->filtered = when == TERMOUT_ALWAYS || (when == TERMOUT_IF_TERMINAL && isatty(fd));
	termfilter_init(&t->tf, mode);
}

/* Does o[0..m), whole tokens from the filter, end with an absolute cursor
 * move, CUP ESC [ row ; col H or HVP ESC [ row ; col f? In the filter's
 * output an ESC always starts a token (or ends a title, ESC \), so the
 * bytes from the last ESC on are that token. Then *row, *col: where the
 * move put the cursor, before the terminal keeps it on its screen. */
static bool ends_with_move(const uint8_t *o, size_t m, uint32_t *row, uint32_t *col)
{
	uint32_t v[2] = { 0, 0 };
	size_t i, k = 0;

	if (m < 3 || (o[m - 1] != 'H' && o[m - 1] != 'f'))
		return false;
	for (i = m - 1; i > 0 && ((o[i - 1] >= '0' && o[i - 1] <= '9') || o[i - 1] == ';'); i--)
		;
	if (i < 2 || o[i - 1] != '[' || o[i - 2] != ESC)
		return false;
	for (; i < m - 1 && k < 2; i++) {
		if (o[i] == ';')
			k++;
		else if (v[k] < PLACE_MAX)
			v[k] = v[k] * 10 + (uint32_t)(o[i] - '0');
	}
	*row = v[0] ? v[0] : 1;
	*col = v[1] ? v[1] : 1;
	return true;
}

/* The queries the filter dropped in what was just fed, each CPR with the
 * place the cursor was moved to, when that is known; past
 * TERMFILTER_QUERIES_MAX of a kind the oldest goes. */
static void take_queries(struct termout *t)
{
	uint8_t counts[TERMFILTER_Q_COUNT];

	termfilter_take_queries(&t->tf, counts);
	for (unsigned kind = 0; kind < TERMFILTER_Q_COUNT; kind++)
		for (unsigned j = 0; j < counts[kind]; j++) {
			uint8_t *q = &t->queries[kind];

			if (kind == TERMFILTER_Q_CPR && *q == TERMFILTER_QUERIES_MAX) {
				memmove(t->cpr_row, t->cpr_row + 1, sizeof t->cpr_row - sizeof t->cpr_row[0]);
				memmove(t->cpr_col, t->cpr_col + 1, sizeof t->cpr_col - sizeof t->cpr_col[0]);
				(*q)--;
			}
			if (kind == TERMFILTER_Q_CPR) {
				t->cpr_row[*q] = t->at_known ? t->row : 0;
				t->cpr_col[*q] = t->at_known ? t->col : 0;
			}
			if (*q < TERMFILTER_QUERIES_MAX)
				(*q)++;
		}
}

int termout_write(struct termout *t, const void *buf, size_t n)
{
	uint8_t out[TERMFILTER_OUT_MAX(CHUNK)];
	const uint8_t *p = buf;
	size_t used = 0;

	if (!t->filtered)
		return write_all(t->fd, p, n);
	while (n) {
		size_t k = n < CHUNK ? n : CHUNK, m;
		/* A cursor position query ends with 'n': the filter gets it
		 * last in a call, so what it let out just before is known. */
		const uint8_t *q = memchr(p, 'n', k);

		if (q)
			k = (size_t)(q - p) + 1;
		if (sizeof out - used < TERMFILTER_OUT_MAX(k)) {
			if (write_all(t->fd, out, used) < 0)
				return -1;
			used = 0;
		}
		m = termfilter_feed(&t->tf, p, k, out + used, sizeof out - used);
		if (m)
			t->at_known = ends_with_move(out + used, m, &t->row, &t->col);
		used += m;
		take_queries(t);
		p += k;
		n -= k;
	}
	return used ? write_all(t->fd, out, used) : 0;
}

int termout_flush(struct termout *t)
{
	uint8_t out[TERMFILTER_OUT_MAX(0)];
	size_t m;

	if (!t->filtered)
		return 0;
	m = termfilter_flush(&t->tf, out, sizeof out);
	t->at_known = false;
	memset(t->queries, 0, sizeof t->queries);
	return m ? write_all(t->fd, out, m) : 0;
}

static void put(uint8_t *out, size_t cap, size_t *o, const char *a)
{
	size_t len = strlen(a);

	if (len <= cap - *o) {
		memcpy(out + *o, a, len);
		*o += len;
	}
}

/* The answers pool gives, from the user's terminal's size alone:
 *
 *   DA1     ESC [ ? 62 ; 22 c    a VT220 with ANSI colour, and nothing
 *                                more (no sixel, no graphics the filter
 *                                would drop anyway)
 *   DA2     ESC [ > 0 ; 0 ; 0 c  a VT100, version 0: no terminal's name
 *                                or version, so nothing in the guest turns
 *                                on features by the terminal's name
 *   status  ESC [ 0 n            ready
 *   CPR     ESC [ ROWS ; 1 R     the last row, first column; but right
 *                                after an absolute move (CUP, HVP), the
 *                                place it moved to, kept on the screen
 *
 * Only the user's terminal knows where its cursor is, and asking it would
 * mix its answer into the user's keystrokes. The last row is where the
 * cursor is once output has filled the screen, and a line editor that
 * draws its prompt from the position it was told (nushell's reedline)
 * then scrolls for room rather than drawing over the lines above; told
 * column 1, it does not start a new line first. After an absolute move
 * the place is known: pool-init's probe of the console's size (ESC 7,
 * ESC [ 999 ; 999 H, CPR, ESC 8, as xterm's resize does) gets the bottom
 * right corner, ROWS;COLS, and the guest's programs draw on the columns
 * there are. ROWS and COLS are the user's terminal's (TIOCGWINSZ), or
 * ROWS_UNKNOWN and COLS_UNKNOWN when it does not say.
 *
 * DA1 goes last: programs send it after a query they are not sure the
 * terminal knows, and take its answer to mean no other answer is coming
 * (fish does). */
size_t termout_answers(struct termout *t, unsigned each_max, uint8_t *out, size_t cap)
{
	static const struct {
		uint8_t kind;
		const char *answer;
	} fixed[] = {
		{ TERMFILTER_Q_STATUS, "\033[0n" },
		{ TERMFILTER_Q_DA2, "\033[>0;0;0c" },
		{ TERMFILTER_Q_DA1, "\033[?62;22c" },
	};
	struct winsize ws;
	unsigned rows = ROWS_UNKNOWN, cols = COLS_UNKNOWN, n;
	size_t o = 0;

	if (!t->filtered)
		return 0;
	if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	n = t->queries[TERMFILTER_Q_CPR];
	for (unsigned i = n > each_max ? n - each_max : 0; i < n; i++) {
		unsigned r = t->cpr_row[i] ? (t->cpr_row[i] < rows ? t->cpr_row[i] : rows) : rows;
		unsigned c = t->cpr_col[i] ? (t->cpr_col[i] < cols ? t->cpr_col[i] : cols) : 1;
		char cpr[24];

		snprintf(cpr, sizeof cpr, "\033[%u;%uR", r, c);
		put(out, cap, &o, cpr);
	}
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		for (unsigned k = 0; k < t->queries[fixed[i].kind] && k < each_max; k++)
			put(out, cap, &o, fixed[i].answer);
	memset(t->queries, 0, sizeof t->queries);
	return o;
}
