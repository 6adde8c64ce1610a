/* machine_net.h - a machine on a channel: anti-spoofing chain and
 * forwarding elements, added and removed with the machine. */
#ifndef POOL_MACHINE_NET_H
#define POOL_MACHINE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/names.h"
#include "spec/spec.h"
#include "util/err.h"

/* What the channel knows about one machine. */
struct machine_net {
	char name[POOL_NAME_MAX + 1];
	char tap[16];
	uint8_t mac[6];
	uint32_t ip;			/* host byte order */
	enum net_mode mode;		/* NET_NAT or NET_ISOLATED */
	bool has_allow;			/* nat restricted to allow[] (may be empty) */
	const struct allow_rule *allow;
	size_t nallow;
	/* mesh: the machine's chain <channel>_n_<name> lets it reach its
	 * lighthouses (UDP to those addresses and ports only) and the host's
	 * lighthouse; a nat machine's UDP port on the host is forwarded to
	 * its nebula (<channel>_nd_<name>). */
	bool mesh;
	uint16_t mesh_port;		/* on the host; 0: none (isolated: peers through a relay) */
	uint16_t mesh_guest_port;	/* nebula's in the guest */
	uint32_t mesh_lh_ip;		/* the host lighthouse's listen address (0: any of the host's) */
	uint16_t mesh_lh_port;		/* and port; 0: no lighthouse on this host */
	const struct mesh_lighthouse *lighthouses;
	size_t nlighthouses;
};

/* name, ip -> tap name, MAC; mode nat, no allow list. -1 on a bad name. */
int machine_net_init(struct machine_net *mn, const char *name, uint32_t ip);

/* Add the machine's anti-spoofing chain and its forwarding elements in
 * one transaction. Idempotent (a second add replaces the chains' rules
 * and leaves the same ruleset). The policy keys on the TAP's name. */
int machine_net_add(const char *channel, const struct machine_net *mn, struct pool_err *e);

/* Remove everything machine_net_add added; what is not there is skipped,
 * so it is idempotent and safe after a crash. */
int machine_net_del(const char *channel, const struct machine_net *mn, struct pool_err *e);

/* Destinations remembered in a machine's dropped set (pool egress). */
#define MACHINE_NET_DROPPED_MAX 256u

struct egress_elem;

/* Open el[0..n) (net/egress.h) in the name sets of machine on channel, in
 * one transaction, each with its own timeout: the one call the machine's
 * resolver makes that needs privilege. Every element is checked again
 * here (no address egress_addr_never refuses; a timeout of 1 s to the
 * cap; tcp or udp with a port, or neither). */
int machine_net_allow(const char *channel, const char *machine, const struct egress_elem *el,
		      size_t n, struct pool_err *e);

#endif
