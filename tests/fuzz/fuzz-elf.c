/* fuzz-elf.c - fuzz the ELF reader: whatever it accepts names an
 * interpreter and libraries it could look up, nothing outside the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/image/elf.h"
#include "tests/fuzz/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct strv need = { 0 };
	char interp[256];
	const char *why = NULL;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (elf_deps(copy, size, interp, sizeof interp, &need, &why) == 0) {
		CHECK(memchr(interp, '\0', sizeof interp) != NULL);
		CHECK(need.n <= ELF_NEEDED_MAX);
		for (size_t i = 0; i < need.n; i++)
			CHECK(need.v[i][0] && !strchr(need.v[i], '/'));
	} else {
		CHECK(why != NULL);
	}
	strv_free(&need);
	free(copy);
	return 0;
}

#include "tests/fuzz/replay.h"
