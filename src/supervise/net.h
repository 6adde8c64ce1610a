/* net.h - a machine's side of its channel: TAP, rules, DHCP responder and
 * resolver (the guest-facing side's), the TAP's relays (the privileged
 * side's). */
#ifndef POOL_SUPERVISE_NET_H
#define POOL_SUPERVISE_NET_H

#include <stdbool.h>

#include "net/dhcpd.h"
#include "net/dnsd.h"
#include "net/pktrelay.h"
#include "plan.h"

struct sup_net {
	int tap_fd;		/* the machine's TAP: it goes with its last fd */
	struct dhcpd dhcp;	/* the machine's DHCP responder, on the TAP's relay */
	struct dnsd dns;	/* its resolver, likewise (not for isolated machines) */
	struct pktrelay dhcp_relay, dns_relay;	/* the TAP's packet sockets: the privileged side's */
	struct dnsd_hooks dns_hooks;	/* what the resolver calls: set before sup_net_open */
	bool added;		/* the machine's rules are in the channel's tables */
};

void sup_net_init(struct sup_net *n);
/* The channel (brought up when it is down), the TAP, the machine's rules,
 * its DHCP responder and (nat) its resolver. */
int sup_net_open(const struct plan *p, struct sup_net *n, struct pool_err *e);
/* All of it gone again; safe on a half-opened one. */
void sup_net_close(const struct plan *p, struct sup_net *n);

#endif
