/* test_agent_msg.c - the MESH_FILES payload: the wire format, every rule
 * the guest relies on, and encode and decode as inverses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/common/agent_msg.h"
#include "src/common/frame.h"
#include "tests/unit/main.h"

static const char ca[] = AGENT_MESH_CERT_BEGIN "Y2EK\n-----END NEBULA CERTIFICATE-----\n";
static const char crt[] = AGENT_MESH_CERT_BEGIN "aG9zdAo=\n-----END NEBULA CERTIFICATE-----\n";
static const char key[] = AGENT_MESH_KEY_BEGIN "a2V5Cg==\n-----END NEBULA X25519 PRIVATE KEY-----\n";
static const char cfg[] = "pki:\n\tca: /etc/pool/mesh/ca.crt\n";

static uint8_t buf[FRAME_MAX];

static struct agent_mesh_files good(void)
{
	struct agent_mesh_files f = {
		.signed_at = 1796131754,
		.data = { (const uint8_t *)ca, (const uint8_t *)crt, (const uint8_t *)key,
			  (const uint8_t *)cfg },
		.len = { sizeof ca - 1, sizeof crt - 1, sizeof key - 1, sizeof cfg - 1 },
	};

	return f;
}

static long encode_good(void)
{
	struct agent_mesh_files f = good();
	long n = agent_mesh_files_encode(buf, sizeof buf, &f);

	assert_true(n > 0);
	return n;
}

static void test_wire_format(void **state)
{
	long n = encode_good();
	size_t off = 0;

	(void)state;
	assert_int_equal(n, 8 + 16 + sizeof ca - 1 + sizeof crt - 1 + sizeof key - 1 + sizeof cfg - 1);
	/* be64 time, then be32 length and the bytes, in the order ca, cert, key, config */
	assert_memory_equal(buf, "\0\0\0\0\x6b\x0e\xcb\xaa", 8);
	assert_memory_equal(buf + 8, "\0\0\0", 3);
	assert_int_equal(buf[11], sizeof ca - 1);
	assert_memory_equal(buf + 12, ca, sizeof ca - 1);
	off = 8 + 4 + sizeof ca - 1;
	assert_int_equal(buf[off + 3], sizeof crt - 1);
	off += 4 + sizeof crt - 1;
	assert_int_equal(buf[off + 3], sizeof key - 1);
	assert_memory_equal(buf + off + 4, key, sizeof key - 1);
	off += 4 + sizeof key - 1;
	assert_int_equal(buf[off + 3], sizeof cfg - 1);
	assert_memory_equal(buf + off + 4, cfg, sizeof cfg - 1);
	assert_string_equal(agent_mesh_file_name[AGENT_MESH_KEY], "host.key");
	assert_string_equal(agent_mesh_file_name[AGENT_MESH_CONFIG], "config.yml");
}

static void test_round_trip(void **state)
{
	long n = encode_good();
	struct agent_mesh_files f;
	const char *why = NULL;

	(void)state;
	assert_int_equal(agent_mesh_files_decode(buf, (size_t)n, &f, &why), 0);
	assert_int_equal(f.signed_at, 1796131754);
	assert_int_equal(f.len[AGENT_MESH_CERT], sizeof crt - 1);
	assert_memory_equal(f.data[AGENT_MESH_CERT], crt, sizeof crt - 1);
	assert_memory_equal(f.data[AGENT_MESH_CONFIG], cfg, sizeof cfg - 1);
	/* the data points into the payload, nothing is copied */
	assert_true(f.data[AGENT_MESH_CA] == buf + 12);
	assert_int_equal(frame_payload_check(AGENT_MESH_FILES, buf, (size_t)n, &why), 0);
}

/* Decode the good payload with one change; it must be refused with that why. */
static void refused(const uint8_t *p, size_t n, const char *want)
{
	struct agent_mesh_files f;
	const char *why = NULL;

	assert_int_equal(agent_mesh_files_decode(p, n, &f, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
	assert_null(f.data[0]);
	assert_int_equal(f.signed_at, 0);
	assert_int_equal(frame_payload_check(AGENT_MESH_FILES, p, n, &why), -1);
}

static void test_decode_refuses(void **state)
{
	long n = encode_good();
	size_t off_key = 8 + 4 + sizeof ca - 1 + 4 + sizeof crt - 1;
	uint8_t copy[FRAME_MAX];

	(void)state;
	/* truncated anywhere */
	refused(buf, (size_t)n - 1, "MESH_FILES file longer than the payload");
	refused(buf, off_key + 2, "MESH_FILES payload truncated");
	refused(buf, 8, "MESH_FILES payload truncated");
	/* a byte more */
	memcpy(copy, buf, (size_t)n);
	copy[n] = '\n';
	refused(copy, (size_t)n + 1, "MESH_FILES has bytes after the last file");
	/* a NUL, a control byte, a high byte in a file */
	memcpy(copy, buf, (size_t)n);
	copy[n - 2] = 0;
	refused(copy, (size_t)n, "MESH_FILES: a byte that is not text");
	copy[n - 2] = 0x1b;
	refused(copy, (size_t)n, "MESH_FILES: a byte that is not text");
	copy[n - 2] = 0xc3;
	refused(copy, (size_t)n, "MESH_FILES: a byte that is not text");
	/* the key's banner is a certificate's */
	memcpy(copy, buf, (size_t)n);
	memcpy(copy + off_key + 4 + strlen("-----BEGIN NEBULA "), "X25518", 6);
	refused(copy, (size_t)n, "MESH_FILES: host.key is not a nebula key");
	/* a certificate without its banner */
	memcpy(copy, buf, (size_t)n);
	copy[12] = 'x';
	refused(copy, (size_t)n, "MESH_FILES: a certificate without nebula's banner");
	/* a zero length, a length past the bound */
	memcpy(copy, buf, 8);
	memset(copy + 8, 0, 4);
	memcpy(copy + 12, buf + 8, (size_t)n - 8);
	refused(copy, (size_t)n + 4, "MESH_FILES: an empty file");
	memset(copy, 0, sizeof copy);
	copy[7] = 1;
	copy[10] = (AGENT_MESH_FILE_MAX + 1) >> 8;
	copy[11] = (AGENT_MESH_FILE_MAX + 1) & 0xff;
	memcpy(copy + 12, ca, sizeof ca - 1);
	memset(copy + 12 + sizeof ca - 1, 'a', AGENT_MESH_FILE_MAX + 1 - (sizeof ca - 1));
	refused(copy, 12 + AGENT_MESH_FILE_MAX + 1, "MESH_FILES: a file longer than 16000 bytes");
	/* no time, or one past the bound */
	memcpy(copy, buf, (size_t)n);
	memset(copy, 0, 8);
	refused(copy, (size_t)n, "MESH_FILES signing time out of range");
	copy[2] = 1;
	copy[7] = 1;
	refused(copy, (size_t)n, "MESH_FILES signing time out of range");
	refused(buf, 7, "MESH_FILES payload truncated");
	/* a length that would wrap */
	memcpy(copy, buf, (size_t)n);
	memset(copy + off_key, 0xff, 4);
	refused(copy, (size_t)n, "MESH_FILES file longer than the payload");
	refused(buf, 0, "MESH_FILES payload truncated");
}

static void test_frame_rules(void **state)
{
	struct frame_hdr h = { .type = AGENT_MESH_FILES, .len = 100, .sid = 0 };
	uint8_t hdr[FRAME_HDR_LEN];
	const char *why = NULL;

	(void)state;
	assert_string_equal(frame_type_name(AGENT_MESH_FILES), "MESH_FILES");
	frame_hdr_encode(hdr, &h);
	assert_int_equal(frame_hdr_decode(hdr, sizeof hdr, &h, &why), 0);
	h.sid = 3;	/* not a session's */
	frame_hdr_encode(hdr, &h);
	assert_int_equal(frame_hdr_decode(hdr, sizeof hdr, &h, &why), -1);
	h.sid = 0;
	h.len = AGENT_MESH_FILES_MIN_LEN - 1;
	frame_hdr_encode(hdr, &h);
	assert_int_equal(frame_hdr_decode(hdr, sizeof hdr, &h, &why), -1);
}

static void test_encode_refuses(void **state)
{
	struct agent_mesh_files f = good();
	static char big[AGENT_MESH_FILE_MAX + 2];
	long n;

	(void)state;
	/* what fits exactly, and a byte less */
	n = encode_good();
	assert_int_equal(agent_mesh_files_encode(buf, (size_t)n, &f), n);
	assert_int_equal(agent_mesh_files_encode(buf, (size_t)n - 1, &f), -1);
	assert_int_equal(agent_mesh_files_encode(buf, 3, &f), -1);
	f.signed_at = 0;
	assert_int_equal(agent_mesh_files_encode(buf, sizeof buf, &f), -1);
	f.signed_at = AGENT_MESH_TIME_MAX + 1;
	assert_int_equal(agent_mesh_files_encode(buf, sizeof buf, &f), -1);
	f = good();
	f.data[AGENT_MESH_CONFIG] = NULL;
	assert_int_equal(agent_mesh_files_encode(buf, sizeof buf, &f), -1);
	f = good();
	f.len[AGENT_MESH_CONFIG] = 0;
	assert_int_equal(agent_mesh_files_encode(buf, sizeof buf, &f), -1);
	f = good();
	f.data[AGENT_MESH_KEY] = (const uint8_t *)crt;	/* a certificate as the key */
	f.len[AGENT_MESH_KEY] = sizeof crt - 1;
	assert_int_equal(agent_mesh_files_encode(buf, sizeof buf, &f), -1);
	f = good();
	memset(big, 'a', sizeof big - 1);
	f.data[AGENT_MESH_CONFIG] = (const uint8_t *)big;
	f.len[AGENT_MESH_CONFIG] = AGENT_MESH_FILE_MAX;
	assert_true(agent_mesh_files_encode(buf, sizeof buf, &f) > AGENT_MESH_FILE_MAX);
	f.len[AGENT_MESH_CONFIG] = AGENT_MESH_FILE_MAX + 1;
	assert_int_equal(agent_mesh_files_encode(buf, sizeof buf, &f), -1);
	/* four files at the bound still fit a frame */
	assert_true(8 + 4 * (4 + (size_t)AGENT_MESH_FILE_MAX) <= FRAME_PAYLOAD_MAX);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_wire_format),
	cmocka_unit_test(test_round_trip),
	cmocka_unit_test(test_decode_refuses),
	cmocka_unit_test(test_frame_rules),
	cmocka_unit_test(test_encode_refuses))
