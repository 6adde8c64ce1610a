/* fuzz-pktrelay.c - fuzz what the privileged supervisor lets back onto a
 * TAP (pktrelay_check, pktrelay_to_tap) and what the guest-facing side
 * reads from its end of the relay (pktrelay_recv). Socketpairs stand in
 * for the packet socket. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/be.h"
#include "src/net/pktrelay.h"
#include "tests/fuzz/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct pktrelay_addrs fuzz_addrs = {
	.machine_mac = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 },
	.server_mac = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x01 },
	.server_ip = 0x0a000001,
	.port = 53,
};

/* What an accepted frame is, said again byte by byte. */
static void check_passed(const struct pktrelay_addrs *a, const uint8_t *f, size_t len)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	CHECK(len >= 14 + 20 + 8 && len <= PKTRELAY_FRAME_MAX);
	CHECK(memcmp(f, a->machine_mac, 6) == 0 || memcmp(f, bcast, 6) == 0);
	CHECK(memcmp(f + 6, a->server_mac, 6) == 0);
	CHECK(f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 && f[23] == 17);
	CHECK(get_be32(f + 26) == a->server_ip && get_be16(f + 34) == a->port);
}

/* The relay's two ends and the stand-in TAP, made once. */
static struct pktrelay relay;
static int side = -1, tap = -1;

static void setup(void)
{
	int a[2], b[2];

	if (side >= 0)
		return;
	pktrelay_init(&relay);
	relay.a = fuzz_addrs;
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, a) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, b) == 0);
	relay.sock = a[0];
	side = a[1];
	relay.pkt = b[0];
	tap = b[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t got[PKTRELAY_IN_MAX + 64];
	const char *why = NULL;
	int ok;

	setup();
	/* the check alone: a verdict, and a reason with each refusal */
	ok = pktrelay_check(&fuzz_addrs, data, size, &why);
	CHECK(ok == 0 || ok == -1);
	CHECK(ok == 0 || why != NULL);
	if (ok == 0)
		check_passed(&fuzz_addrs, data, size);

	/* the same bytes from the guest-facing side, as one packet (empty
	 * would end the relay, which no responder sends): onto the TAP
	 * exactly when the check passes them, and unchanged */
	if (size > 0 && size <= 65536 && send(side, data, size, 0) == (ssize_t)size) {
		unsigned out = relay.out, refused = relay.refused;
		ssize_t n;

		pktrelay_to_tap(&relay);
		CHECK(relay.sock >= 0);
		n = recv(tap, got, sizeof got, MSG_DONTWAIT | MSG_TRUNC);
		if (ok == 0) {
			CHECK(relay.out == out + 1 && n == (ssize_t)size);
			CHECK(memcmp(got, data, size) == 0);
		} else {
			CHECK(relay.refused == refused + 1 && n < 0);
		}
	}

	/* the same bytes as what the privileged side sends the other way:
	 * a flags byte and a frame, read back into a buffer of 1500 */
	if (size > 0 && size <= 65536 && send(relay.sock, data, size, 0) == (ssize_t)size) {
		unsigned skipped = 0;
		bool csum;
		long r = pktrelay_recv(side, got, 1500, &csum, &skipped);

		if (size - 1 <= 1500) {
			CHECK(r == (long)(size - 1) && skipped == 0);
			CHECK(memcmp(got, data + 1, size - 1) == 0);
			CHECK(csum == ((data[0] & PKTRELAY_CSUM_NOT_READY) != 0));
		} else {
			CHECK(r == -1 && skipped == 1);
		}
	}
	return 0;
}

#include "tests/fuzz/replay.h"
