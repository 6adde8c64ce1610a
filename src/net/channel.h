/* channel.h - the host network: bridge, forwarding, nftables; machines on it. */
#ifndef POOL_CHANNEL_H
#define POOL_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "spec/spec.h"
#include "common/names.h"
#include "util/err.h"


/* nft tables shared by all channels; a channel's objects in them are
 * named "<channel>_...", a machine's "<channel>_m_<machine>" (bridge
 * table, anti-spoofing), "<channel>_a_<machine>" (inet, allow list),
 * "<channel>_n_<machine>" (inet, mesh: its lighthouses and its forwarded
 * port, jumped to from the map <channel>_mesh) and "<channel>_nd_<machine>"
 * (inet, mesh: the DNAT of its UDP port on the host's uplink). */
#define CHANNEL_NFT_TABLE "pool"

struct channel_cfg {
	char name[16];		/* bridge name: [a-z][a-z0-9-]{0,14} */
	char uplink[16];	/* "" = the default route's interface */
	uint32_t subnet;	/* host byte order; the bridge takes .1 */
	unsigned prefix;	/* 8..30 */
};

void channel_cfg_default(struct channel_cfg *c);


/* Bring the channel up: bridge with .1/prefix and a MAC derived from it,
 * IPv4 forwarding, the nft objects (one transaction), state in
 * $POOL_STATE_DIR/channels/NAME. Idempotent: *changed says whether
 * anything was done. Machines' set elements and chains survive. Refuses
 * when the bridge exists with another subnet. */
int channel_up(const struct channel_cfg *c, bool *changed, struct pool_err *e);

/* Take the channel down: nft objects, bridge, and IPv4 forwarding back
 * to what it was before pool turned it on (when no other channel is up).
 * Refuses while links are attached to the bridge. *was_up is false when
 * there was nothing to remove (not an error). */
int channel_down(const char *name, bool *was_up, struct pool_err *e);

/* Print what is there: bridge, address, uplink, forwarding, nft objects,
 * attached links. *up is true only when bridge, address and nft objects
 * are all present. */
int channel_status(const char *name, FILE *out, bool *up, struct pool_err *e);

/* The channel's subnet from its bridge's address: 0, or -1 when there is
 * no such channel (or it has no IPv4 address). */
int channel_subnet(const char *name, uint32_t *net, unsigned *prefix);

/* The IPv4 address of the channel's uplink: 0, or -1 when the channel or
 * its uplink has none. */
int channel_uplink_ipv4(const char *name, uint32_t *ip);

#endif
