/* pktrelay.c - a TAP's frames between its packet socket (privileged) and the guest-facing supervisor (pktrelay.h). */
#include "net/pktrelay.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/be.h"
#include "common/log.h"
#include "net/pktsock.h"
#include "net/udp_frame.h"

#define ROUND_MAX 64	/* frames a call moves: a flood cannot starve the rest */

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void pktrelay_init(struct pktrelay *r)
{
	memset(r, 0, sizeof *r);
	r->pkt = r->sock = -1;
}

int pktrelay_open(struct pktrelay *r, const char *tap, const struct pktrelay_addrs *a, int *peer,
		  const char *what, struct pool_err *e)
{
	int sv[2], ifindex;

	pktrelay_init(r);
	r->a = *a;
	*peer = -1;
	r->pkt = pktsock_open(tap, a->port, &ifindex, what, e);
	if (r->pkt < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0) {
		pktrelay_close(r);
		return pool_err_sys(e, "%s: socketpair", what);
	}
	r->sock = sv[0];
	*peer = sv[1];
	return 0;
}

int pktrelay_check(const struct pktrelay_addrs *a, const uint8_t *f, size_t len, const char **why)
{
	if (len < UDP_FRAME_HDR_LEN)
		*why = "shorter than Ethernet, IPv4 and UDP headers";
	else if (len > PKTRELAY_FRAME_MAX)
		*why = "longer than an Ethernet frame";
	else if (memcmp(f, a->machine_mac, 6) != 0 && memcmp(f, bcast, 6) != 0)
		*why = "not to the machine's MAC";
	else if (memcmp(f + 6, a->server_mac, 6) != 0)
		*why = "not from the channel's MAC";
	else if (get_be16(f + 12) != 0x0800)
		*why = "not IPv4";
	else if (f[14] != 0x45)		/* version 4, no options: what udp_frame_build writes */
		*why = "not an IPv4 header without options";
	else if (f[23] != 17)
		*why = "not UDP";
	else if (get_be32(f + 26) != a->server_ip)
		*why = "not from the channel's address";
	else if (get_be16(f + 34) != a->port)
		*why = "not from the service's port";
	else
		return 0;
	return -1;
}

void pktrelay_from_tap(struct pktrelay *r)
{
	uint8_t buf[1 + PKTRELAY_IN_MAX];
	unsigned skipped = 0;

	for (int i = 0; i < ROUND_MAX; i++) {
		bool csum;
		long n = pktsock_recv(r->pkt, buf + 1, PKTRELAY_IN_MAX, &csum, &skipped);

		if (n < 0)
			return;
		buf[0] = csum ? PKTRELAY_CSUM_NOT_READY : 0;
		/* a side that does not keep up loses frames, as a full queue would */
		if (send(r->sock, buf, (size_t)n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			r->dropped++;
		else
			r->in++;
	}
}

void pktrelay_to_tap(struct pktrelay *r)
{
	uint8_t buf[PKTRELAY_FRAME_MAX + 1];

	for (int i = 0; i < ROUND_MAX; i++) {
		ssize_t n = recv(r->sock, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
		const char *why = "longer than an Ethernet frame";

		/* the other side is gone (or sent an empty packet, which no
		 * responder does: its relay ends, and only its own machine's) */
		if (n == 0) {
			close(r->sock);
			r->sock = -1;
		}
		if (n <= 0)
			return;
		if ((size_t)n > PKTRELAY_FRAME_MAX || pktrelay_check(&r->a, buf, (size_t)n, &why) < 0) {
			if (r->refused++ < 8)	/* a few lines, not a flood of them */
				log_warnx("a frame of %zd bytes for the TAP refused: %s", n, why);
			continue;
		}
		if (send(r->pkt, buf, (size_t)n, MSG_DONTWAIT) < 0)
			log_debug("relay: sending on the TAP: %s", strerror(errno));
		else
			r->out++;
	}
}

void pktrelay_close(struct pktrelay *r)
{
	if (r->pkt >= 0)
		close(r->pkt);
	if (r->sock >= 0)
		close(r->sock);
	r->pkt = r->sock = -1;
}

long pktrelay_recv(int fd, uint8_t *buf, size_t cap, bool *csum_not_ready, unsigned *skipped)
{
	for (;;) {
		uint8_t flags = 0;
		struct iovec iov[2] = { { .iov_base = &flags, .iov_len = 1 },
					{ .iov_base = buf, .iov_len = cap } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		*csum_not_ready = false;
		if (n <= 0)
			return -1;
		if (mh.msg_flags & MSG_TRUNC) {
			(*skipped)++;
			continue;
		}
		*csum_not_ready = (flags & PKTRELAY_CSUM_NOT_READY) != 0;
		return (long)(n - 1);
	}
}
