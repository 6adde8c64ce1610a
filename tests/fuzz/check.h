/* check.h - the fuzz harnesses' invariant check: a broken one aborts, so
 * libFuzzer reports the input (and the replay under gcc fails). */
#ifndef POOL_FUZZ_CHECK_H
#define POOL_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
