/* pktrelay.h - a TAP's packet socket, kept by the privileged supervisor,
 * and the frames it relays to and from the guest-facing one. */
#ifndef POOL_PKTRELAY_H
#define POOL_PKTRELAY_H

/*
 * A packet socket is a way onto every interface of the host: its filter
 * can be detached and it can be bound anew, to the uplink, the bridge or
 * another machine's TAP, outside nft. So the process that parses the
 * guest's bytes (DHCP, DNS) holds none. The privileged supervisor keeps
 * the socket and moves that TAP's frames over a SOCK_SEQPACKET
 * socketpair, one frame a packet:
 *
 *   to the guest-facing side: one byte of flags (PKTRELAY_CSUM_NOT_READY:
 *   what pktsock_recv reported), then the frame;
 *   back: one frame for the TAP, sent only when pktrelay_check passes it.
 *
 * The check is cheap and bounds what a compromised guest-facing side can
 * send: IPv4 UDP from the channel's MAC, address and the service's port,
 * to the machine's MAC (or broadcast, which on a TAP reaches that machine
 * alone), at most an Ethernet frame. Frames to its own guest only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define PKTRELAY_FRAME_MAX (14 + 1500)	/* what goes back on the TAP, at most */
#define PKTRELAY_IN_MAX 2048		/* what comes from the TAP, at most (pktsock_recv's cap) */
#define PKTRELAY_CSUM_NOT_READY 0x01	/* the flags byte: the UDP checksum was offloaded */

/* Who may send what on the TAP: the channel's server, to the machine. */
struct pktrelay_addrs {
	uint8_t machine_mac[6], server_mac[6];
	uint32_t server_ip;		/* host byte order */
	uint16_t port;			/* the service's: 67 for DHCP, 53 for DNS */
};

struct pktrelay {
	int pkt;			/* the TAP's packet socket (pktsock.h) */
	int sock;			/* the privileged side's end of the socketpair */
	struct pktrelay_addrs a;
	unsigned in, out;		/* frames relayed each way */
	unsigned dropped;		/* from the TAP, not taken by the other side */
	unsigned refused;		/* from the other side, not passed by the check */
};

void pktrelay_init(struct pktrelay *r);

/* The TAP's packet socket for UDP to a->port (pktsock_open) and a
 * socketpair; *peer is the guest-facing side's end (non-blocking), which
 * it reads with pktrelay_recv and writes frames to. 0, or -1 with e. */
int pktrelay_open(struct pktrelay *r, const char *tap, const struct pktrelay_addrs *a, int *peer,
		  const char *what, struct pool_err *e);

/* The privileged side: r->pkt is readable (to the other side), r->sock
 * is readable (to the TAP, checked). Bounded work each; never fails on
 * what either side sends. */
void pktrelay_from_tap(struct pktrelay *r);
void pktrelay_to_tap(struct pktrelay *r);
void pktrelay_close(struct pktrelay *r);

/* Pure: whether frame[0..len) may go on the machine's TAP. 0, or -1
 * with *why. */
int pktrelay_check(const struct pktrelay_addrs *a, const uint8_t *frame, size_t len,
		   const char **why);

/* The guest-facing side: one frame from its end of the relay, as
 * pktsock_recv gives it: its length (0..cap) with *csum_not_ready, or -1
 * when nothing is waiting (an empty packet, which the privileged side
 * never sends, reads as its end). A packet longer than 1 + cap is
 * skipped (counted in *skipped). */
long pktrelay_recv(int fd, uint8_t *buf, size_t cap, bool *csum_not_ready, unsigned *skipped);

#endif
