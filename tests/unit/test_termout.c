/* test_termout.c - guest bytes out to the user's fds: untouched to a pipe
 * unless asked, filtered on a terminal (a pty here), and pool's answers
 * to the queries the filter dropped, with the terminal's own row count. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/util/termout.h"
#include "tests/unit/main.h"

/* a literal without its NUL */
#define L(lit) (lit), sizeof(lit) - 1
#define ALL TERMFILTER_QUERIES_MAX

static const char hostile[] = "a\033[31mred\033[0m\033]52;c;UE9PTENMSVA=\a\033[6n\033[c\377b";

/* Everything the pipe holds, once its write end is closed. */
static size_t drain(int fds[2], char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;

	close(fds[1]);
	while (n < cap && (k = read(fds[0], buf + n, cap - n)) > 0)
		n += (size_t)k;
	close(fds[0]);
	return n;
}

static void assert_bytes(const char *got, size_t n, const char *want, size_t wn)
{
	assert_int_equal(n, wn);
	assert_memory_equal(got, want, n);
}

/* To a pipe or a file the output is data: every byte, no answers. */
static void test_pipe_untouched(void **state)
{
	struct termout t;
	int fds[2];
	char buf[256];
	uint8_t a[TERMOUT_ANSWERS_MAX];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	assert_false(t.filtered);
	assert_int_equal(termout_write(&t, L(hostile)), 0);
	assert_int_equal(termout_answers(&t, ALL, a, sizeof a), 0);
	assert_int_equal(termout_flush(&t), 0);
	assert_bytes(buf, drain(fds, buf, sizeof buf), L(hostile));
}

/* The positive control beside it: asked to filter (pool logs), the same
 * bytes lose the clipboard and the queries, keep text and colours, and
 * the colour left on is put back at the end. */
static void test_always_filters(void **state)
{
	static const char want[] = "a\033[31mred\033[0m\xef\xbf\xbd"
				   "b\033[1m"
				   "\033[0m";
	struct termout t;
	int fds[2];
	char buf[256];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_LOG, TERMOUT_ALWAYS);
	assert_true(t.filtered);
	assert_int_equal(termout_write(&t, L(hostile)), 0);
	assert_int_equal(termout_write(&t, L("\033[1m")), 0);
	assert_int_equal(termout_flush(&t), 0);
	assert_bytes(buf, drain(fds, buf, sizeof buf), L(want));
}

/* --raw: nothing filtered even when the filter is asked for a mode. */
static void test_never(void **state)
{
	struct termout t;
	int fds[2];
	char buf[256];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_LOG, TERMOUT_NEVER);
	assert_false(t.filtered);
	assert_int_equal(termout_write(&t, L(hostile)), 0);
	assert_int_equal(termout_flush(&t), 0);
	assert_bytes(buf, drain(fds, buf, sizeof buf), L(hostile));
}

/* A write longer than the filter's chunk, with a clipboard write across
 * the chunk boundary: dropped whole, and every byte of text arrives. */
static void test_long_write(void **state)
{
	enum { TEXT = 4090, N = 20000 };
	static char in[N], want[N], buf[N + 1];
	static const char osc[] = "\033]52;c;UE9PTENMSVA=\a";
	struct termout t;
	int fds[2];
	size_t wn = 0;

	(void)state;
	memset(in, 'x', sizeof in);
	memcpy(in + TEXT, osc, sizeof osc - 1);
	for (size_t i = 0; i < N; i++)
		if (i < TEXT || i >= TEXT + sizeof osc - 1)
			want[wn++] = 'x';
	assert_int_equal(pipe(fds), 0);
	assert_true(fcntl(fds[1], F_SETPIPE_SZ, 1 << 16) >= N);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_ALWAYS);
	assert_int_equal(termout_write(&t, in, N), 0);
	assert_bytes(buf, drain(fds, buf, sizeof buf), want, wn);
}

/* Each dropped query gets pool's answer, CPR first and DA1 last, each
 * once per query (at most TERMFILTER_QUERIES_MAX between two calls); the
 * next call has none left. Without a terminal's size, 24 rows. */
static void test_answers(void **state)
{
	static const char want[] = "\033[24;1R\033[24;1R\033[0n\033[>0;0;0c\033[?62;22c";
	struct termout t;
	uint8_t a[TERMOUT_ANSWERS_MAX];
	int fds[2];
	size_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_ALWAYS);
	assert_int_equal(termout_write(&t, L("\033[c\033[6n\033[>c\033[5n\033[6n")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L(want));
	assert_int_equal(termout_answers(&t, ALL, a, sizeof a), 0);

	/* ten of each: four answered */
	for (int i = 0; i < 10; i++)
		assert_int_equal(termout_write(&t, L("\033[6n\033[c\033[>c\033[5n")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_int_equal(n, 4 * (sizeof "\033[24;1R" - 1) + 4 * 4 + 4 * 9 + 4 * 9);

	/* too little room: whole answers only */
	assert_int_equal(termout_write(&t, L("\033[6n\033[c")), 0);
	n = termout_answers(&t, ALL, a, 12);
	assert_bytes((const char *)a, n, L("\033[24;1R"));
	drain(fds, (char *)a, 0);
}

/* Right after an absolute move the cursor's place is known; after
 * anything else that reaches the terminal it is not (the last row, first
 * column). At most each_max of a kind, the latest; past
 * TERMFILTER_QUERIES_MAX, the oldest CPR goes. */
static void test_cpr_place(void **state)
{
	struct termout t;
	uint8_t a[TERMOUT_ANSWERS_MAX];
	int fds[2];
	size_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_ALWAYS);
	assert_int_equal(termout_write(&t, L("\033[5;7H\033[6n\033[2;3f\033[6n\033[H\033[6n\033[9H\033[6n")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[5;7R\033[2;3R\033[1;1R\033[9;1R"));
	/* text, a CR, a colour or a saved cursor after the move: not known */
	assert_int_equal(termout_write(&t, L("\033[5;7Hx\033[6n\033[5;7H\r\033[6n\033[5;7H\033[1m\033[6n")), 0);
	assert_int_equal(termout_write(&t, L("\033[5;7H\0337\033[6n")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[24;1R\033[24;1R\033[24;1R\033[24;1R"));
	/* what the filter drops between never reaches the terminal: the
	 * cursor stays (a private CSI ...H is dropped, not a move) */
	assert_int_equal(termout_write(&t, L("\033[5;7H\033]52;c;eA==\a\033[6n\033[?8;9H\033[6n")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[5;7R\033[5;7R"));
	/* five: the latest four */
	assert_int_equal(termout_write(&t, L("\033[1;1H\033[6n\033[2;2H\033[6n\033[3;3H\033[6n\033[4;4H\033[6n\033[5;5H\033[6n")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[2;2R\033[3;3R\033[4;4R\033[5;5R"));
	/* each_max 1: the latest of each kind */
	assert_int_equal(termout_write(&t, L("\033[6n\033[c\033[2;3H\033[6n\033[c\033[5n")), 0);
	n = termout_answers(&t, 1, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[2;3R\033[0n\033[?62;22c"));
	/* a flush forgets what was not answered */
	assert_int_equal(termout_write(&t, L("\033[6n\033[c")), 0);
	assert_int_equal(termout_flush(&t), 0);
	assert_int_equal(termout_answers(&t, ALL, a, sizeof a), 0);
	drain(fds, (char *)a, 0);
}

/* Cut where pool looks for queries or not, the output is the filter's. */
static void test_same_as_filter(void **state)
{
	static const char in[] = "nnn \033[6n banana\033[31mn\033[0mn\033]52;c;bm4=\an\033[5;5Hn\033[?25ln"
				 "\xc3\xb1n\033]2;tin\an\033[1;2;3;4;5;6;7;8;9;10nn";
	static uint8_t want[TERMFILTER_OUT_MAX(sizeof in)];
	struct termfilter tf;
	struct termout t;
	char buf[1024];
	int fds[2];
	size_t wn;

	(void)state;
	termfilter_init(&tf, TERMFILTER_TERMINAL);
	wn = termfilter_feed(&tf, (const uint8_t *)in, sizeof in - 1, want, sizeof want);
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_ALWAYS);
	assert_int_equal(termout_write(&t, L(in)), 0);
	assert_bytes(buf, drain(fds, buf, sizeof buf), (const char *)want, wn);
}

/* LOG mode answers nothing: a replayed log's queries are long gone. */
static void test_log_no_answers(void **state)
{
	struct termout t;
	uint8_t a[TERMOUT_ANSWERS_MAX];
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	termout_init(&t, fds[1], TERMFILTER_LOG, TERMOUT_ALWAYS);
	assert_int_equal(termout_write(&t, L("\033[6n\033[c")), 0);
	assert_int_equal(termout_answers(&t, ALL, a, sizeof a), 0);
	drain(fds, (char *)a, 0);
}

/* Nobody reads any more: -1 with EPIPE, for the caller to stop. */
static void test_epipe(void **state)
{
	struct termout t;
	int fds[2];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_ALWAYS);
	errno = 0;
	assert_int_equal(termout_write(&t, L("text")), -1);
	assert_int_equal(errno, EPIPE);
	termout_init(&t, fds[1], TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	errno = 0;
	assert_int_equal(termout_write(&t, L("text")), -1);
	assert_int_equal(errno, EPIPE);
	close(fds[1]);
}

/* A real terminal: filtered without being asked, and the cursor position
 * answer names the terminal's last row. */
static void test_pty(void **state)
{
	static const char want[] = "a\033[31mred\033[0m\xef\xbf\xbd"
				   "b";
	struct winsize ws = { .ws_row = 37, .ws_col = 90 };
	struct termios tio;
	struct termout t;
	uint8_t a[TERMOUT_ANSWERS_MAX];
	char buf[256];
	int master, slave;
	size_t n = 0;
	ssize_t k;

	(void)state;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &tio), 0);
	cfmakeraw(&tio);
	assert_int_equal(tcsetattr(slave, TCSANOW, &tio), 0);
	assert_int_equal(ioctl(slave, TIOCSWINSZ, &ws), 0);

	termout_init(&t, slave, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	assert_true(t.filtered);
	assert_int_equal(termout_write(&t, L(hostile)), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[37;1R\033[?62;22c"));
	for (n = 0; n < sizeof want - 1 && (k = read(master, buf + n, sizeof buf - n)) > 0;)
		n += (size_t)k;
	assert_bytes(buf, n, L(want));

	/* pool-init's size probe: the bottom right corner, as the terminal
	 * would say (the query split from the move across two writes) */
	assert_int_equal(termout_write(&t, L("\0337\033[999;999H\033[")), 0);
	assert_int_equal(termout_write(&t, L("6n\0338")), 0);
	n = termout_answers(&t, ALL, a, sizeof a);
	assert_bytes((const char *)a, n, L("\033[37;90R"));
	close(slave);
	close(master);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_pipe_untouched),
	cmocka_unit_test(test_always_filters),
	cmocka_unit_test(test_never),
	cmocka_unit_test(test_long_write),
	cmocka_unit_test(test_answers),
	cmocka_unit_test(test_cpr_place),
	cmocka_unit_test(test_same_as_filter),
	cmocka_unit_test(test_log_no_answers),
	cmocka_unit_test(test_epipe),
	cmocka_unit_test(test_pty))
