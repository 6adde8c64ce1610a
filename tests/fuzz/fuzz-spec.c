/* fuzz-spec.c - feed arbitrary bytes to the machine spec parser. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/spec/spec.h"
#include "src/common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool_err e = { 0 };
	struct machine m;

	log_verbose = 0;	/* the parser's warnings are not what is fuzzed */
	if (size > (1u << 20))
		return 0;
	if (spec_parse((const char *)data, size, "fuzz.yaml", "/tmp", NULL, &m, &e) == 0)
		machine_free(&m);
	return 0;
}

#include "tests/fuzz/replay.h"
