/* paths.c - the state root and the channels' records under it. */
#include "util/paths.h"

#include <stdio.h>
#include <stdlib.h>

#define STATE_ROOT_DEFAULT "/run/pool"

const char *state_root(void)
{
	const char *v = getenv("POOL_STATE_DIR");

	return v && *v ? v : STATE_ROOT_DEFAULT;
}

void state_channel_path(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/channels%s%s", state_root(), name ? "/" : "", name ? name : "");
}
