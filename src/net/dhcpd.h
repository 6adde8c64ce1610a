/* dhcpd.h - one machine's DHCP responder, on its TAP only. */
#ifndef POOL_DHCPD_H
#define POOL_DHCPD_H

#include "dhcp_pkt.h"
#include "util/err.h"

struct dhcpd {
	int fd;			/* AF_PACKET socket bound to the TAP */
	int ifindex;
	struct dhcpd_config cfg;
	char hostname[64];
	unsigned answered, ignored;
};

/* Upstream resolvers for the guest: /run/systemd/resolve/resolv.conf when
 * present (the real upstreams behind systemd-resolved), else
 * /etc/resolv.conf; loopback resolvers (127.0.0.53 and the like) are
 * skipped, since the guest cannot reach the host's loopback. */
unsigned dhcpd_upstream_dns(uint32_t *dns, unsigned max);

/* Pure: the nameserver lines of a resolv.conf text. */
unsigned dhcpd_parse_resolv(const char *text, uint32_t *dns, unsigned max);

int dhcpd_open(struct dhcpd *d, const char *tap, const struct dhcpd_config *cfg,
	       const char *hostname, struct pool_err *e);
/* Read what is waiting and answer it; never fails on what the guest
 * sends (hostile input is counted in d->ignored). */
void dhcpd_serve(struct dhcpd *d);
void dhcpd_close(struct dhcpd *d);

#endif
