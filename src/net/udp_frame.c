/* udp_frame.c - Ethernet/IPv4/UDP frames: a cursor-based parser and a bounded builder (libc only). */
#include "udp_frame.h"

#include <string.h>

#include "common/be.h"

enum { ETH_LEN = 14, IP_MIN_LEN = 20, UDP_LEN = 8, ETHERTYPE_IPV4 = 0x0800, PROTO_UDP = 17 };

/* RFC 1071 one's complement sum, 16 bits at a time, an odd byte padded. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += get_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint64_t pseudo_sum(uint32_t src, uint32_t dst, size_t ulen)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + PROTO_UDP + ulen;
}

void udp_frame_forget_csum(uint8_t *frame, size_t len)
{
	size_t ihl;

	if (len < ETH_LEN + IP_MIN_LEN || get_be16(frame + 12) != ETHERTYPE_IPV4 ||
	    frame[ETH_LEN] >> 4 != 4 || frame[ETH_LEN + 9] != PROTO_UDP)
		return;
	ihl = (size_t)(frame[ETH_LEN] & 0x0f) * 4;
	if (ihl < IP_MIN_LEN || len < ETH_LEN + ihl + UDP_LEN)
		return;
	frame[ETH_LEN + ihl + 6] = 0;
	frame[ETH_LEN + ihl + 7] = 0;
}

int udp_frame_parse(const uint8_t *frame, size_t len, struct udp_frame *f, const char **why)
{
	const uint8_t *p = frame, *ip;
	size_t rem = len, ihl, tot, ulen;
	uint16_t ucsum;

	memset(f, 0, sizeof *f);
	if (rem < ETH_LEN)
		goto too_short;
	memcpy(f->dst_mac, p, 6);
	memcpy(f->src_mac, p + 6, 6);
	if (get_be16(p + 12) != ETHERTYPE_IPV4) {
		*why = "not an IPv4 frame";
		return -1;
	}
	p += ETH_LEN;
	rem -= ETH_LEN;

	if (rem < IP_MIN_LEN)
		goto too_short;
	if (p[0] >> 4 != 4) {
		*why = "not IP version 4";
		return -1;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < IP_MIN_LEN) {
		*why = "IP header length below 20";
		return -1;
	}
	if (rem < ihl)
		goto too_short;
	tot = get_be16(p + 2);
	if (tot < ihl + UDP_LEN) {
		*why = "IP total length too small";
		return -1;
	}
	if (rem < tot)
		goto too_short;
	if (get_be16(p + 6) & 0x3fff) {
		*why = "IP fragment";
		return -1;
	}
	if (p[9] != PROTO_UDP) {
		*why = "not UDP";
		return -1;
	}
	if (csum_fold(csum_add(0, p, ihl)) != 0) {
		*why = "bad IP header checksum";
		return -1;
	}
	f->src_ip = get_be32(p + 12);
	f->dst_ip = get_be32(p + 16);
	ip = p;
	p += ihl;
	rem = tot - ihl;	/* drops Ethernet padding after the datagram */

	ulen = get_be16(p + 4);
	if (ulen != rem) {
		*why = "UDP length does not match the IP length";
		return -1;
	}
	f->src_port = get_be16(p);
	f->dst_port = get_be16(p + 2);
	ucsum = get_be16(p + 6);
	if (ucsum != 0 &&
	    csum_fold(csum_add(pseudo_sum(get_be32(ip + 12), get_be32(ip + 16), ulen), p, ulen)) != 0) {
		*why = "bad UDP checksum";
		return -1;
	}
	f->payload = p + UDP_LEN;
	f->payload_len = ulen - UDP_LEN;
	return 0;
too_short:
	*why = "frame truncated";
	return -1;
}

int udp_frame_build(const struct udp_frame *f, const uint8_t *payload, size_t plen,
		    uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	uint8_t *ip, *udp;
	size_t ulen, tot;
	uint16_t c;

	if (plen > UDP_FRAME_PAYLOAD_MAX) {
		*why = "payload larger than an Ethernet frame";
		return -1;
	}
	ulen = UDP_LEN + plen;
	tot = IP_MIN_LEN + ulen;
	if (cap < ETH_LEN + tot) {
		*why = "frame buffer too small";
		return -1;
	}
	/* the payload first: it may sit where the header goes */
	udp = out + ETH_LEN + IP_MIN_LEN;
	if (plen)
		memmove(udp + UDP_LEN, payload, plen);

	memcpy(out, f->dst_mac, 6);
	memcpy(out + 6, f->src_mac, 6);
	put_be16(out + 12, ETHERTYPE_IPV4);

	ip = out + ETH_LEN;
	memset(ip, 0, IP_MIN_LEN);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)tot);
	ip[8] = 64;
	ip[9] = PROTO_UDP;
	put_be32(ip + 12, f->src_ip);
	put_be32(ip + 16, f->dst_ip);
	put_be16(ip + 10, csum_fold(csum_add(0, ip, IP_MIN_LEN)));

	put_be16(udp, f->src_port);
	put_be16(udp + 2, f->dst_port);
	put_be16(udp + 4, (uint16_t)ulen);
	put_be16(udp + 6, 0);
	c = csum_fold(csum_add(pseudo_sum(f->src_ip, f->dst_ip, ulen), udp, ulen));
	put_be16(udp + 6, c ? c : 0xffff);	/* 0 means "no checksum" in UDP */
	*outlen = ETH_LEN + tot;
	return 0;
}

void udp_frame_reply(const struct udp_frame *req, struct udp_frame *rep)
{
	memset(rep, 0, sizeof *rep);
	memcpy(rep->dst_mac, req->src_mac, 6);
	memcpy(rep->src_mac, req->dst_mac, 6);
	rep->src_ip = req->dst_ip;
	rep->dst_ip = req->src_ip;
	rep->src_port = req->dst_port;
	rep->dst_port = req->src_port;
}
