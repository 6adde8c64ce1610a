/* fuzz-priv.c - the privileged supervisor's view of what the guest-facing
 * one sends (and the other way): any bytes, any fd count. */
#include <stdint.h>
#include <string.h>

#include "src/supervise/priv_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct priv_msg m;
	const char *why;
	size_t nfds;

	if (size < 1)
		return 0;
	nfds = data[0] & 3;	/* the first byte: how many fds came with it */
	data++;
	size--;
	for (int dir = 0; dir < 2; dir++) {
		why = NULL;
		if (priv_msg_check(data, size, nfds, dir, &m, &why) < 0) {
			CHECK(why != NULL);
			continue;
		}
		CHECK(size == sizeof m);
		CHECK(nfds == priv_msg_fds(m.type));
		CHECK(memchr(m.text, '\0', sizeof m.text) != NULL);
		CHECK(m.npids <= CTL_FS_MAX);
		CHECK(dir ? m.type < PRIV_VM_STARTED : m.type >= PRIV_VM_STARTED);
		if (m.type == PRIV_DONE)
			CHECK(m.a >= -1 && m.a <= 255);
	}
	return 0;
}

#include "tests/fuzz/replay.h"
