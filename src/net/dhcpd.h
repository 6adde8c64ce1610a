/* dhcpd.h - one machine's DHCP responder, on its TAP only. */
#ifndef POOL_DHCPD_H
#define POOL_DHCPD_H

#include "dhcp_pkt.h"
#include "util/err.h"

struct dhcpd {
	int fd;			/* the TAP's relay: UDP to port 67 only (pktrelay.h) */
	struct dhcpd_config cfg;
	char hostname[64];
	unsigned answered, ignored;
};

/* Serve on fd, the guest-facing end of the TAP's relay for port 67
 * (pktrelay_open); it is d's from here on. */
void dhcpd_open(struct dhcpd *d, int fd, const struct dhcpd_config *cfg, const char *hostname);
/* Read what is waiting and answer it; never fails on what the guest
 * sends (hostile input is counted in d->ignored). */
void dhcpd_serve(struct dhcpd *d);
void dhcpd_close(struct dhcpd *d);

#endif
