/* dhcpd.c - one machine's DHCP responder, inside its supervisor, on its
 * TAP only: it answers that machine's MAC with that machine's address and
 * nothing else. The decisions are dhcp_pkt.c's (pure, fuzzed); this file
 * moves frames, through the TAP's relay (pktrelay.h): the packet socket
 * itself stays with the privileged supervisor. */
#include "dhcpd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "net/pktrelay.h"

void dhcpd_open(struct dhcpd *d, int fd, const struct dhcpd_config *cfg, const char *hostname)
{
	memset(d, 0, sizeof *d);
	d->cfg = *cfg;
	snprintf(d->hostname, sizeof d->hostname, "%s", hostname ? hostname : "");
	d->cfg.hostname = d->hostname[0] ? d->hostname : NULL;
	d->fd = fd;
}

static void serve_one(struct dhcpd *d, uint8_t *buf, size_t n, bool csum_not_ready)
{
	struct udp_frame f = { 0 }, rf;
	struct dhcp_msg req;
	struct dhcp_reply_info info;
	uint8_t reply[DHCP_PKT_MAX], frame[DHCP_FRAME_MAX];
	size_t rlen, flen;
	const char *why;
	int r;
	char ip[16];

	/* A guest's UDP socket behind virtio-net leaves the checksum to the
	 * host: the frame on the TAP carries only the pseudo-header sum. */
	if (csum_not_ready)
		udp_frame_forget_csum(buf, n);
	if (dhcp_frame_parse(buf, n, &f, &why) < 0 || f.dst_port != DHCP_SERVER_PORT ||
	    dhcp_parse(f.payload, f.payload_len, &req, &why) < 0) {
		d->ignored++;
		log_debug("DHCP: ignored a frame of %zu bytes: %s", n,
			  f.dst_port != DHCP_SERVER_PORT ? "not to port 67" : why);
		return;
	}
	r = dhcpd_reply(&d->cfg, &req, reply, sizeof reply, &rlen, &info);
	if (r <= 0) {
		d->ignored++;
		if (info.why)
			log_debug("DHCP: %s from the guest: no reply (%s)", dhcp_type_name(req.type), info.why);
		return;
	}
	dhcpd_reply_frame(&d->cfg, &req, &info, &rf);
	if (udp_frame_build(&rf, reply, rlen, frame, sizeof frame, &flen, &why) < 0) {
		d->ignored++;
		return;
	}
	if (send(d->fd, frame, flen, 0) < 0) {
		log_warn("DHCP: sending the reply");
		return;
	}
	d->answered++;
	log_debug("DHCP: %s -> %s %s", dhcp_type_name(req.type),
		  info.action == DHCPD_NAK ? "NAK" : info.action == DHCPD_OFFER ? "OFFER" : "ACK",
		  ipv4_str(info.addr, ip));
}

void dhcpd_serve(struct dhcpd *d)
{
	uint8_t buf[2048];

	for (int i = 0; i < 64; i++) {	/* bounded: a flood cannot starve the rest */
		bool csum_not_ready;
		long n = pktrelay_recv(d->fd, buf, sizeof buf, &csum_not_ready, &d->ignored);

		if (n < 0)
			return;
		serve_one(d, buf, (size_t)n, csum_not_ready);
	}
}

void dhcpd_close(struct dhcpd *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
