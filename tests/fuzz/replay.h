/* replay.h - the replay main() every fuzz harness shares: without
 * libFuzzer (gcc, sanitizers in CI) it runs LLVMFuzzerTestOneInput over
 * each file named, and each file one level inside each folder named.
 * A harness includes it last; under libFuzzer it adds nothing. */
#ifndef POOL_FUZZ_REPLAY_H
#define POOL_FUZZ_REPLAY_H
#ifndef POOL_LIBFUZZER

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* LLVMFuzzerTestOneInput: declared and defined by the harness, above. */

#define REPLAY_MAX (4u << 20)	/* larger seeds are a mistake, not a test */

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			uint8_t *nb;

			if (cap >= REPLAY_MAX) {
				fprintf(stderr, "%s: larger than %u bytes\n", path, REPLAY_MAX);
				free(buf);
				fclose(f);
				return -1;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		if (got == 0)
			break;
		len += got;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int replay(const char *path, int depth)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if (depth > 1)
		return 0;
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d))) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (replay(sub, depth + 1) < 0)
			r = -1;
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	int r = 0;

	for (int i = 1; i < argc; i++)
		if (replay(argv[i], 0) < 0)
			r = 1;
	return r;
}

#endif
#endif
