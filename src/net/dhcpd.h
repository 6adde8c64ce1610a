/* dhcpd.h - one machine's DHCP responder, on its TAP only. */
#ifndef POOL_DHCPD_H
#define POOL_DHCPD_H

#include "dhcp_pkt.h"
#include "util/err.h"

struct dhcpd {
	int fd;			/* the TAP's packet socket, UDP to port 67 only (pktsock.h) */
	int ifindex;
	struct dhcpd_config cfg;
	char hostname[64];
	unsigned answered, ignored;
};

int dhcpd_open(struct dhcpd *d, const char *tap, const struct dhcpd_config *cfg,
	       const char *hostname, struct pool_err *e);
/* Read what is waiting and answer it; never fails on what the guest
 * sends (hostile input is counted in d->ignored). */
void dhcpd_serve(struct dhcpd *d);
void dhcpd_close(struct dhcpd *d);

#endif
