/* net.h - pool-init's network: the NIC named by MAC, a DHCP lease, applied (libc only). */
#ifndef POOL_GUEST_NET_H
#define POOL_GUEST_NET_H

/*
 * Two layers:
 *  - dhcpc.c is pure (no system calls): the pool.net= value parser, the
 *    DHCP client state machine over whole Ethernet frames, and the lease
 *    it yields. The caller owns sockets and clocks.
 *  - net.c drives it: finds the NIC, renames it, brings it up, runs the
 *    state machine on an AF_PACKET socket, applies the lease.
 * Addresses are IPv4 in host byte order, as in src/net/dhcp_pkt.h.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dhcp_pkt.h"

#define NET_IFNAME_MAX 15		/* IFNAMSIZ - 1 */

/* What a lease gives, and when it came. */
struct net_lease {
	char ifname[NET_IFNAME_MAX + 1];
	uint8_t mac[6];
	uint32_t addr, mask, broadcast;
	unsigned prefix;		/* 0..32, from mask */
	bool has_router;		/* only a router inside the subnet is kept */
	uint32_t router;
	uint32_t dns[DHCP_MAX_DNS];
	unsigned ndns;
	uint32_t server_id;
	uint8_t server_mac[6];		/* source MAC of the ACK: renewals go there */
	uint32_t lease_time, t1, t2;	/* seconds; UINT32_MAX: infinite */
	bool has_hostname;
	char hostname[DHCP_HOSTNAME_MAX + 1];
	uint64_t up_ns, bound_ns;	/* CLOCK_BOOTTIME at NIC up and at lease bound */
};

/* ---- pure (dhcpc.c) ---- */

/* Parse "MAC,IFNAME" (the pool.net= kernel parameter): MAC as six
 * two-digit hex octets separated by ':', unicast and not all zero; IFNAME
 * 1..15 bytes of [A-Za-z0-9_.-], not "." or "..". Reads at most
 * 17 + 1 + 15 + 1 bytes of s. Return 0, or -1 with *why. */
int net_spec_parse(const char *s, uint8_t mac[6], char ifname[NET_IFNAME_MAX + 1], const char **why);

/* Retransmission: first after 250 ms, doubling up to 2 s. */
#define DHCPC_RTO_FIRST_MS 250u
#define DHCPC_RTO_MAX_MS 2000u
/* A REQUEST unanswered after this many sends: back to DISCOVER. */
#define DHCPC_REQUEST_TRIES 4u

enum dhcpc_state {
	DHCPC_SELECTING,	/* DISCOVER sent, waiting for an OFFER */
	DHCPC_REQUESTING,	/* REQUEST sent, waiting for ACK/NAK */
	DHCPC_RENEWING,		/* REQUEST with ciaddr sent, waiting for ACK/NAK */
	DHCPC_BOUND,
};

/* What the driver does after a call. */
enum dhcpc_action {
	DHCPC_WAIT = 0,		/* nothing; wait until dhcpc.next_ns or a frame */
	DHCPC_SEND,		/* send frame[0..framelen) */
	DHCPC_DONE,		/* bound: the lease is in dhcpc.lease */
	DHCPC_RESTART,		/* NAK or REQUEST unanswered: start again with a new xid */
};

struct dhcpc {
	enum dhcpc_state state;
	uint8_t mac[6];
	uint32_t xid;
	uint32_t offer_ip, server_id;	/* the OFFER taken */
	uint64_t next_ns;		/* when to send frame again */
	unsigned rto_ms, sends;
	uint8_t frame[DHCP_FRAME_MAX];
	size_t framelen;
	struct net_lease lease;		/* DHCP fields only; valid when DONE */
	const char *last_why;		/* why the last frame was ignored, for debugging */
};

/* Start (or restart) a transaction: DISCOVER to broadcast. Return
 * DHCPC_SEND, or -1 with *why when the frame cannot be built. */
int dhcpc_start(struct dhcpc *c, const uint8_t mac[6], uint32_t xid, uint64_t now_ns,
		const char **why);

/* Start a renewal of c->lease (state BOUND): REQUEST with ciaddr, no
 * options 50/54, unicast to the server that gave it. Same returns. */
int dhcpc_renew(struct dhcpc *c, uint32_t xid, uint64_t now_ns, const char **why);

/* A frame read from the NIC (hostile: anything not a valid reply to this
 * transaction from the chosen server is ignored: DHCPC_WAIT). */
enum dhcpc_action dhcpc_input(struct dhcpc *c, const uint8_t *frame, size_t len, uint64_t now_ns);

/* Time passed: DHCPC_SEND when frame is due again, DHCPC_RESTART when a
 * REQUEST went unanswered too often, else DHCPC_WAIT. */
enum dhcpc_action dhcpc_timer(struct dhcpc *c, uint64_t now_ns);

/* Fill the DHCP fields of *l from an ACK m (yiaddr valid, mask contiguous).
 * Return 0, or -1 with *why. */
int dhcpc_lease_from_ack(const struct dhcp_msg *m, struct net_lease *l, const char **why);

/* "enp0s4 10.0.0.2/24 via 10.0.0.1 (DHCP in 12 ms)"; returns buf. */
const char *net_lease_describe(const struct net_lease *l, char *buf, size_t cap);

/* The text of resolv.conf for l: "nameserver X\n" per DNS server. Return
 * its length, or -1 when cap is too small. */
int net_resolv_text(const struct net_lease *l, char *buf, size_t cap);

/* ---- system (net.c) ---- */

struct net_opts {
	const char *resolv_path;	/* NULL: /etc/resolv.conf */
	unsigned find_ms;		/* wait for the NIC to appear; 0: 5000 */
	unsigned dhcp_ms;		/* the whole DHCP budget; 0: 30000 */
};

/* Name the NIC with spec's MAC as spec's IFNAME, bring lo and it up, take a
 * DHCP lease and apply it (address, mask, broadcast, default route,
 * resolv.conf). opts may be NULL. Return 0 with *out filled, or -1 with
 * err set to one line saying what failed. */
int net_setup(const char *spec, const struct net_opts *opts, struct net_lease *l,
	      char *err, size_t errlen);

/* Renew *l (from net_setup) within budget_ms; on ACK the times in *l are
 * updated. Return 0, or -1 with err (a NAK or silence: the address stays,
 * as pool's responder always gives the same one). */
int net_renew(struct net_lease *l, unsigned budget_ms, char *err, size_t errlen);

#endif
