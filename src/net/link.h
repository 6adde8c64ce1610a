/* link.h - links over rtnetlink: bridges, TAPs, up/down, master, lookup. */
#ifndef POOL_LINK_H
#define POOL_LINK_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "nl.h"
#include "util/err.h"

struct link_info {
	int index;
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND: "bridge", "tun", "veth", "" */
	unsigned int flags;	/* IFF_* */
	int master;		/* ifindex of the bridge it is enslaved to, 0 if none */
	uint8_t mac[6];
};

/* All of these return 0 or a negative kernel error code (-ENODEV when
 * the link does not exist). */
int link_get(struct nl *nl, const char *name, struct link_info *li);
int link_get_index(struct nl *nl, int index, struct link_info *li);
/* A bridge with a fixed MAC, so it does not follow its ports' MACs. */
int link_bridge_create(struct nl *nl, const char *name, const uint8_t mac[6]);
int link_delete(struct nl *nl, int index);
int link_set_up(struct nl *nl, int index, bool up);
int link_set_master(struct nl *nl, int index, int master);

/* Call fn for each link enslaved to master (in ifindex order). */
typedef int (*link_fn)(const struct link_info *li, void *data);
int link_slaves(struct nl *nl, int master, link_fn fn, void *data);

/* Create the TAP name through /dev/net/tun (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, not persistent: it disappears when the last fd to it is
 * closed) and return the fd in *fd. Returns 0 or -errno. */
int tap_open(const char *name, int *fd);

/* Create the TAP (non-persistent: it vanishes with its last fd), attach
 * it to the channel's bridge and set it up. *fd is O_CLOEXEC and owned
 * by the caller (QEMU: -netdev tap,fd=N, vnet_hdr once inherited). */
int tap_create(const char *channel, const char *tap, int *fd, struct pool_err *e);

#endif
