/* fuzz-spec.c - feed arbitrary bytes to the machine spec parser. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/spec/reach.h"
#include "src/spec/spec.h"
#include "src/common/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* As on a host whose uplink is 192.0.2.0/24, without --allow-lan. */
static const struct reach_range hostnets[] = { { 0xc0000200u, 24, "the host's subnet" } };
static const struct spec_env env = { .hostnets = hostnets, .nhostnets = 1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool_err e = { 0 };
	struct machine m;

	log_verbose = 0;	/* the parser's warnings are not what is fuzzed */
	if (size > (1u << 20))
		return 0;
	if (spec_parse((const char *)data, size, "fuzz.yaml", "/tmp", &env, &m, &e) == 0)
		machine_free(&m);
	return 0;
}

#include "tests/fuzz/replay.h"
