/* fuzz-dhcp.c - fuzz the DHCP frame parser, message parser and responder (systemd fuzz-dhcp-server style). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/net/dhcp_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_mac[6] = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 };

static const struct dhcpd_config fuzz_config = {
	.machine_mac = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 },
	.machine_ip = 0x0a000002,
	.prefix = 24,
	.router = 0x0a000001,
	.server_ip = 0x0a000001,
	.server_mac = { 0x02, 0x50, 0x00, 0x00, 0x00, 0x01 },
	.dns = { 0x09090909, 0x01010101, 0x08080808 },
	.ndns = 3,
	.hostname = "machine",
	.lease_time = 86400,
};

#include "tests/fuzz/check.h"

static void check_msg(const struct dhcp_msg *m, const uint8_t *buf, size_t len)
{
	CHECK(m->type != 0);
	CHECK(m->ndns <= DHCP_MAX_DNS);
	CHECK(memchr(m->hostname, '\0', sizeof m->hostname) != NULL);
	CHECK(!m->has_hostname || (strlen(m->hostname) >= 1 && strlen(m->hostname) <= DHCP_HOSTNAME_MAX));
	if (m->client_id) {
		CHECK(m->client_id >= buf && m->client_id_len <= len);
		CHECK((size_t)(m->client_id - buf) <= len - m->client_id_len);
	}
	(void)dhcpc_reply_is_ours(m, fuzz_mac, m->xid);
}

/* Run the responder on a payload; any reply must parse back and travel
 * through a frame intact. */
static void serve(const uint8_t *buf, size_t len)
{
	struct dhcp_msg req, rep;
	struct dhcp_reply_info info;
	struct udp_frame rf, back;
	uint8_t out[DHCP_PKT_MAX], frame[DHCP_FRAME_MAX];
	size_t outlen, flen;
	const char *why;
	int r;

	if (dhcp_parse(buf, len, &req, &why) < 0)
		return;
	check_msg(&req, buf, len);
	r = dhcpd_reply(&fuzz_config, &req, out, sizeof out, &outlen, &info);
	CHECK(r == 0 || r == 1);
	if (r == 0) {
		CHECK(info.action == DHCPD_SILENT && info.why != NULL);
		return;
	}
	CHECK(outlen >= DHCP_MIN_LEN && outlen <= sizeof out);
	CHECK(dhcp_parse(out, outlen, &rep, &why) == 0);
	CHECK(rep.op == BOOTREPLY && rep.xid == req.xid);
	CHECK(memcmp(rep.chaddr, fuzz_mac, 6) == 0);
	CHECK(rep.has_server_id && rep.server_id == fuzz_config.server_ip);
	switch (info.action) {
	case DHCPD_OFFER:
		CHECK(rep.type == DHCPOFFER && rep.yiaddr == fuzz_config.machine_ip);
		break;
	case DHCPD_ACK:
		CHECK(rep.type == DHCPACK);
		CHECK(rep.yiaddr == (req.type == DHCPINFORM ? 0 : fuzz_config.machine_ip));
		break;
	case DHCPD_NAK:
		CHECK(rep.type == DHCPNAK && rep.yiaddr == 0 && info.broadcast);
		break;
	default:
		CHECK(0);
	}
	dhcpd_reply_frame(&fuzz_config, &req, &info, &rf);
	CHECK(udp_frame_build(&rf, out, outlen, frame, sizeof frame, &flen, &why) == 0);
	CHECK(dhcp_frame_parse(frame, flen, &back, &why) == 0);
	CHECK(back.payload_len == outlen && memcmp(back.payload, out, outlen) == 0);
	CHECK(back.src_port == DHCP_SERVER_PORT && back.dst_port == DHCP_CLIENT_PORT);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_frame f;
	struct dhcp_msg m;
	const char *why;
	uint8_t *copy;

	/* as a frame read from the TAP or the guest's packet socket */
	if (dhcp_frame_parse(data, size, &f, &why) == 0) {
		CHECK(f.payload >= data && f.payload_len <= size);
		CHECK((size_t)(f.payload - data) <= size - f.payload_len);
		if (dhcp_parse(f.payload, f.payload_len, &m, &why) == 0)
			check_msg(&m, f.payload, f.payload_len);
	}

	/* as a frame whose UDP checksum the guest left to offload: the
	 * responder zeroes it in place (exact-size copy), then parses */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	udp_frame_forget_csum(copy, size);
	if (dhcp_frame_parse(copy, size, &f, &why) == 0) {
		CHECK(f.payload >= copy && f.payload_len <= size);
		CHECK((size_t)(f.payload - copy) <= size - f.payload_len);
	}
	/* only the checksum field may change */
	for (size_t i = 0; i < size; i++)
		CHECK(copy[i] == data[i] || copy[i] == 0);
	free(copy);

	/* as a UDP payload, then again (in an exact-size copy, so ASan sees
	 * overreads) as if the machine had sent it, to reach the reply paths */
	serve(data, size);
	if (size >= 34) {
		copy = malloc(size);
		if (!copy)
			return 0;
		memcpy(copy, data, size);
		copy[1] = 1;	/* htype Ethernet */
		copy[2] = 6;	/* hlen */
		memcpy(copy + 28, fuzz_mac, 6);
		serve(copy, size);
		free(copy);
	}
	return 0;
}

#include "tests/fuzz/replay.h"
