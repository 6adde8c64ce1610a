/* dhcpd.c - one machine's DHCP responder, inside its supervisor, on its
 * TAP only: it answers that machine's MAC with that machine's address and
 * nothing else. The decisions are dhcp_pkt.c's (pure, fuzzed); this file
 * moves frames. */
#include "dhcpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/log.h"
#include "common/parse.h"

unsigned dhcpd_parse_resolv(const char *text, uint32_t *dns, unsigned max)
{
	unsigned n = 0;
	const char *p = text;

	while (*p && n < max) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char line[256], *f[3];
		uint32_t a;
		const char *why;

		if (len < sizeof line) {
			memcpy(line, p, len);
			line[len] = '\0';
			/* "nameserver ADDRESS", maybe with more after it */
			if (split_fields(line, f, 2) >= 2 && strcmp(f[0], "nameserver") == 0 &&
			    parse_ipv4(f[1], &a, &why) == 0 && (a >> 24) != 127 && a != 0) {
				bool dup = false;

				for (unsigned i = 0; i < n; i++)
					dup |= dns[i] == a;
				if (!dup)
					dns[n++] = a;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return n;
}

unsigned dhcpd_upstream_dns(uint32_t *dns, unsigned max)
{
	static const char *const files[] = { "/run/systemd/resolve/resolv.conf", "/etc/resolv.conf" };

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *text = NULL;
		struct pool_err ignore = { 0 };
		size_t len;
		unsigned n;

		if (read_file(files[i], 64 * 1024, &text, &len, &ignore) < 0)
			continue;
		n = dhcpd_parse_resolv(text, dns, max);
		if (n)
			return n;
	}
	return 0;
}

int dhcpd_open(struct dhcpd *d, const char *tap, const struct dhcpd_config *cfg,
	       const char *hostname, struct pool_err *e)
{
	struct sockaddr_ll sll = { 0 };
	int one = 1;

	memset(d, 0, sizeof *d);
	d->fd = -1;
	d->cfg = *cfg;
	snprintf(d->hostname, sizeof d->hostname, "%s", hostname ? hostname : "");
	d->cfg.hostname = d->hostname[0] ? d->hostname : NULL;
	d->ifindex = (int)if_nametoindex(tap);
	if (!d->ifindex)
		return pool_err_sys(e, "DHCP: %s", tap);
	/* ETH_P_ALL: on a bridge port, the bridge takes frames before any
	 * protocol-specific packet socket would see them; only "all" taps
	 * come first. dhcp_frame_parse keeps what is IPv4/UDP to port 67. */
	d->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (d->fd < 0)
		return pool_err_sys(e, "DHCP: packet socket");
	/* Our own replies are not requests. */
	setsockopt(d->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
	/* tp_status says when a UDP checksum was offloaded and is not there yet. */
	setsockopt(d->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = d->ifindex;
	if (bind(d->fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		int err = errno;

		close(d->fd);
		d->fd = -1;
		return pool_err_set(e, POOL_EXIT_FAIL, err, "DHCP: bind to %s", tap);
	}
	return 0;
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
		struct sockaddr_ll from;
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof from,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.b, .msg_controllen = sizeof ctl.b,
		};
		bool csum_not_ready = false;
		ssize_t n = recvmsg(d->fd, &mh, MSG_TRUNC);

		if (n < 0)
			return;
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > sizeof buf ||
		    (mh.msg_flags & MSG_TRUNC)) {
			d->ignored++;
			continue;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof aux))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof aux);
			csum_not_ready = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
		}
		serve_one(d, buf, (size_t)n, csum_not_ready);
	}
}

void dhcpd_close(struct dhcpd *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
