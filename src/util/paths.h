/* paths.h - where pool keeps its state on this host: the state root and
 * the channels' records under it. Below the supervisor and the network
 * code, which both need them; supervise/state.c owns what is in them. */
#ifndef POOL_PATHS_H
#define POOL_PATHS_H

#include <stddef.h>

/* The state root from the environment (POOL_STATE_DIR or /run/pool). */
const char *state_root(void);

/* root/channels/NAME (NULL: the folder itself). */
void state_channel_path(const char *name, char *buf, size_t size);

#endif
