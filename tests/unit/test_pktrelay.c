/* test_pktrelay.c - what the privileged side lets back onto a TAP, and the
 * relay's framing both ways (a socketpair stands in for the packet socket). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/net/pktrelay.h"
#include "src/net/udp_frame.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

static const struct pktrelay_addrs addrs = {
	.machine_mac = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 },
	.server_mac = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01 },
	.server_ip = 0x0a000001,
	.port = 67,
};

/* A reply as dhcpd builds it: the server to the machine, plen bytes. */
static size_t good_frame(uint8_t *out, size_t cap, size_t plen)
{
	static uint8_t payload[UDP_FRAME_PAYLOAD_MAX];
	struct udp_frame f = { .src_ip = 0x0a000001, .dst_ip = 0x0a000002, .src_port = 67, .dst_port = 68 };
	const char *why = NULL;
	size_t n = 0;

	memcpy(f.src_mac, addrs.server_mac, 6);
	memcpy(f.dst_mac, addrs.machine_mac, 6);
	memset(payload, 'x', sizeof payload);
	assert_int_equal(udp_frame_build(&f, payload, plen, out, cap, &n, &why), 0);
	return n;
}

static void passes(void **state)
{
	uint8_t f[2048];
	const char *why = NULL;
	size_t n = good_frame(f, sizeof f, 300);

	(void)state;
	assert_int_equal(pktrelay_check(&addrs, f, n, &why), 0);
	/* broadcast: on a TAP it reaches that machine alone (DHCP's OFFER) */
	memset(f, 0xff, 6);
	assert_int_equal(pktrelay_check(&addrs, f, n, &why), 0);
	/* the largest a frame can be */
	n = good_frame(f, sizeof f, UDP_FRAME_PAYLOAD_MAX);
	assert_int_equal(n, PKTRELAY_FRAME_MAX);
	assert_int_equal(pktrelay_check(&addrs, f, n, &why), 0);
}

/* Each a good frame with one thing changed. */
static const struct refused {
	const char *name;
	size_t at;		/* the byte changed */
	uint8_t to;
	const char *why;
} refused[] = {
	{ "another machine's MAC", 5, 0x03, "not to the machine's MAC" },
	{ "a multicast MAC", 0, 0x01, "not to the machine's MAC" },
	{ "another source MAC", 11, 0x07, "not from the channel's MAC" },
	{ "ARP", 13, 0x06, "not IPv4" },
	{ "IPv6", 12, 0x86, "not IPv4" },
	{ "IPv4 with options", 14, 0x46, "not an IPv4 header without options" },
	{ "TCP", 23, 6, "not UDP" },
	{ "ICMP", 23, 1, "not UDP" },
	{ "another source address", 29, 9, "not from the channel's address" },
	{ "another source port", 35, 68, "not from the service's port" },
};

static void refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		uint8_t f[2048];
		const char *why = NULL;
		size_t n = good_frame(f, sizeof f, 300);

		f[refused[i].at] = refused[i].to;
		case_int_equal(refused[i].name, pktrelay_check(&addrs, f, n, &why), -1);
		case_string_equal(refused[i].name, why, refused[i].why);
	}
}

static void refuses_sizes(void **state)
{
	uint8_t f[4096];
	const char *why = NULL;
	size_t n = good_frame(f, sizeof f, 300);

	(void)state;
	assert_int_equal(pktrelay_check(&addrs, f, UDP_FRAME_HDR_LEN - 1, &why), -1);
	assert_string_equal(why, "shorter than Ethernet, IPv4 and UDP headers");
	assert_int_equal(pktrelay_check(&addrs, f, PKTRELAY_FRAME_MAX + 1, &why), -1);
	assert_string_equal(why, "longer than an Ethernet frame");
	assert_int_equal(pktrelay_check(&addrs, f, n, &why), 0);	/* the control */
}

/* pktrelay_to_tap with a socketpair as the TAP: what the other side sends
 * arrives only when it passes. */
static void to_tap_sends_only_what_passes(void **state)
{
	struct pktrelay r;
	int tap[2], side[2];
	uint8_t f[PKTRELAY_FRAME_MAX + 64] = { 0 }, got[PKTRELAY_FRAME_MAX + 64];
	size_t n = good_frame(f, sizeof f, 300);

	(void)state;
	pktrelay_init(&r);
	r.a = addrs;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, tap), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, side), 0);
	r.pkt = tap[0];
	r.sock = side[0];
	assert_int_equal(send(side[1], f, n, 0), (ssize_t)n);		/* passes */
	f[5] = 0x03;						/* another machine */
	assert_int_equal(send(side[1], f, n, 0), (ssize_t)n);
	f[5] = addrs.machine_mac[5];
	assert_int_equal(send(side[1], f, PKTRELAY_FRAME_MAX + 10, 0), PKTRELAY_FRAME_MAX + 10);
	f[23] = 6;						/* TCP */
	assert_int_equal(send(side[1], f, n, 0), (ssize_t)n);
	pktrelay_to_tap(&r);
	assert_int_equal(recv(tap[1], got, sizeof got, 0), (ssize_t)n);
	assert_int_equal(recv(tap[1], got, sizeof got, 0), -1);	/* nothing else */
	assert_int_equal(r.out, 1);
	assert_int_equal(r.refused, 3);
	/* the other side gone: the relay lets go of its end */
	close(side[1]);
	pktrelay_to_tap(&r);
	assert_int_equal(r.sock, -1);
	pktrelay_close(&r);
	close(tap[1]);
}

/* What the guest-facing side reads: the frame, the flag beside it. */
static void recv_keeps_the_checksum_flag(void **state)
{
	int sv[2];
	uint8_t msg[1 + 64], buf[64];
	unsigned skipped = 0;
	bool csum = false;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	memset(msg, 'f', sizeof msg);
	msg[0] = PKTRELAY_CSUM_NOT_READY;
	assert_int_equal(send(sv[0], msg, 1 + 42, 0), 43);
	msg[0] = 0;
	assert_int_equal(send(sv[0], msg, 1 + 50, 0), 51);
	assert_int_equal(send(sv[0], msg, 1 + 64, 0), 65);	/* too long for cap 60: skipped */
	assert_int_equal(send(sv[0], msg, 1 + 10, 0), 11);
	assert_int_equal(pktrelay_recv(sv[1], buf, 60, &csum, &skipped), 42);
	assert_true(csum);
	assert_int_equal(buf[0], 'f');
	assert_int_equal(pktrelay_recv(sv[1], buf, 60, &csum, &skipped), 50);
	assert_false(csum);
	assert_int_equal(pktrelay_recv(sv[1], buf, 60, &csum, &skipped), 10);
	assert_int_equal(skipped, 1);
	assert_int_equal(pktrelay_recv(sv[1], buf, 60, &csum, &skipped), -1);	/* nothing waiting */
	close(sv[0]);
	close(sv[1]);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(passes),
	cmocka_unit_test(refuses),
	cmocka_unit_test(refuses_sizes),
	cmocka_unit_test(to_tap_sends_only_what_passes),
	cmocka_unit_test(recv_keeps_the_checksum_flag))
