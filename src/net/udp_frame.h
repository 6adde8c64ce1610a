/* udp_frame.h - Ethernet II / IPv4 / UDP frames as a packet socket reads them: pure parser and builder (libc only). */
#ifndef POOL_UDP_FRAME_H
#define POOL_UDP_FRAME_H

/*
 * Shared by the per-machine DHCP responder and DNS resolver (both on the
 * machine's TAP through an AF_PACKET socket) and by pool-init's DHCP
 * client, so this depends on libc only: functions return -1 and set *why
 * to a static phrase; nothing logs, nothing allocates.
 *
 * Addresses and ports are in host byte order; the wire is read byte by byte.
 */

#include <stddef.h>
#include <stdint.h>

#define UDP_FRAME_HDR_LEN (14 + 20 + 8)	/* Ethernet II + IPv4 (no options) + UDP */
#define UDP_FRAME_PAYLOAD_MAX (1500 - 20 - 8)	/* what fits an Ethernet MTU */

/* The addresses of one frame, and where its UDP payload is. */
struct udp_frame {
	uint8_t dst_mac[6], src_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	const uint8_t *payload;		/* into the frame (parse only) */
	size_t payload_len;
};

/* Parse an Ethernet II frame: IPv4 with a valid header checksum (options
 * skipped), not a fragment, UDP whose length matches the IP total length,
 * and a correct UDP checksum when it is non-zero. Ethernet padding after
 * the IP datagram is allowed and is not payload. Any ports. Reads only
 * frame[0..len). Return 0, or -1 with *why; *f is fully written either way
 * (zeroed fields where parsing stopped). */
int udp_frame_parse(const uint8_t *frame, size_t len, struct udp_frame *f, const char **why);

/* A frame the kernel hands over with "checksum not ready" (packet socket
 * TP_STATUS_CSUMNOTREADY: the sender offloaded the UDP checksum, e.g. a
 * guest's UDP socket through virtio-net and a TAP with IFF_VNET_HDR) holds
 * only the pseudo-header sum there. Zero it, which UDP over IPv4 reads as
 * "no checksum", so udp_frame_parse does not refuse the frame. Touches
 * nothing unless frame[0..len) holds IPv4, UDP and a whole UDP header. */
void udp_frame_forget_csum(uint8_t *frame, size_t len);

/* Build a frame around payload[0..plen) with the addresses in *f (its
 * payload fields are ignored): IHL 5, TTL 64, no fragmentation, correct IP
 * and UDP checksums. payload may lie anywhere inside out (it is moved
 * into place before the headers are written). Return 0 with *outlen set,
 * or -1 with *why (payload larger than UDP_FRAME_PAYLOAD_MAX, out too
 * small). */
int udp_frame_build(const struct udp_frame *f, const uint8_t *payload, size_t plen,
		    uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* The addresses of the reply to a parsed frame: MACs, IPs and ports swapped. */
void udp_frame_reply(const struct udp_frame *req, struct udp_frame *rep);

#endif
