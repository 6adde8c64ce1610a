/* termfilter_cat.c - copy a file (or stdin) to stdout through pool's
 * terminal filter, for tests/e2e/termfilter_tmux.sh: a real terminal
 * (tmux) behind it shows what the filter lets through.
 *
 * usage: termfilter_cat [--raw|--log|--plain] [--chunk N] [FILE]
 * --raw copies unfiltered (the test's control); --chunk N reads N bytes
 * at a time, so sequences arrive split. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/util/termfilter.h"

#define CHUNK_MAX 4096

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t in[CHUNK_MAX], out[TERMFILTER_OUT_MAX(CHUNK_MAX)];
	enum termfilter_mode mode = TERMFILTER_TERMINAL;
	struct termfilter tf;
	size_t chunk = CHUNK_MAX;
	int raw = 0, fd = 0, i;
	ssize_t n;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--raw") == 0) {
			raw = 1;
		} else if (strcmp(argv[i], "--log") == 0) {
			mode = TERMFILTER_LOG;
		} else if (strcmp(argv[i], "--plain") == 0) {
			mode = TERMFILTER_PLAIN;
		} else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || v < 1 || v > CHUNK_MAX) {
				fprintf(stderr, "termfilter_cat: --chunk takes 1..%d\n", CHUNK_MAX);
				return 2;
			}
			chunk = v;
		} else {
			fprintf(stderr, "usage: termfilter_cat [--raw|--log|--plain] [--chunk N] [FILE]\n");
			return 2;
		}
	}
	if (i < argc && (fd = open(argv[i], O_RDONLY | O_CLOEXEC)) < 0) {
		perror(argv[i]);
		return 1;
	}
	termfilter_init(&tf, mode);
	while ((n = read(fd, in, chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("read");
			return 1;
		}
		if (raw ? write_all(1, in, (size_t)n) :
			  write_all(1, out, termfilter_feed(&tf, in, (size_t)n, out, sizeof out)))
			return 1;
	}
	if (!raw && write_all(1, out, termfilter_flush(&tf, out, sizeof out)) < 0)
		return 1;
	return 0;
}
