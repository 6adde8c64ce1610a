/* test_parse.c - the bounded parsers: numbers, sizes, addresses, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "src/common/parse.h"
#include "src/common/names.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

static void test_u64(void **state)
{
	const char *why = NULL;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_u64("0", 0, 10, &v, &why), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("10", 0, 10, &v, &why), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_u64("18446744073709551615", 0, UINT64_MAX, &v, &why), 0);
	assert_true(v == UINT64_MAX);

	v = 7;
	assert_int_equal(parse_u64("18446744073709551616", 0, UINT64_MAX, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(v, 7);	/* untouched on error */
	assert_int_equal(parse_u64("99999999999999999999999", 0, UINT64_MAX, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(parse_u64("11", 0, 10, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(parse_u64("0", 1, 10, &v, &why), -1);
	assert_string_equal(why, "too small");

	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.0", "1e3" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse_u64(bad[i], 0, 100, &v, &why), -1);
		assert_string_equal(why, "not a number");
	}
	assert_int_equal(parse_u64(NULL, 0, 100, &v, &why), -1);
	/* leading zeros are plain decimal, not octal */
	assert_int_equal(parse_u64("010", 0, 100, &v, &why), 0);
	assert_int_equal(v, 10);
}

static void test_size(void **state)
{
	const char *why = NULL;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_size("512M", 0, UINT64_MAX, &v, &why), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(parse_size("1K", 0, UINT64_MAX, &v, &why), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("2G", 0, UINT64_MAX, &v, &why), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(parse_size("1T", 0, UINT64_MAX, &v, &why), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(parse_size("4096", 0, UINT64_MAX, &v, &why), 0);
	assert_int_equal(v, 4096);

	assert_int_equal(parse_size("63M", 64ULL << 20, UINT64_MAX, &v, &why), -1);
	assert_string_equal(why, "too small");
	assert_int_equal(parse_size("2T", 0, 1ULL << 40, &v, &why), -1);
	assert_string_equal(why, "too large");
	/* shifting must not overflow */
	assert_int_equal(parse_size("17179869184G", 0, UINT64_MAX, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(parse_size("16777215T", 0, UINT64_MAX, &v, &why), 0);
	assert_true(v == 16777215ULL << 40);
	assert_int_equal(parse_size("16777216T", 0, UINT64_MAX, &v, &why), -1);
	assert_int_equal(parse_size("123456789012345678901234567890123", 0, UINT64_MAX, &v, &why), -1);
	assert_string_equal(why, "too large");

	static const char *const bad[] = { "", "M", "512MB", "512m", "1.5G", " 1G", "1G ", "-1M", "G1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(parse_size(bad[i], 0, UINT64_MAX, &v, &why), -1);
		assert_non_null(strstr(why, "not a size"));
	}
}

static void test_ipv4(void **state)
{
	const char *why = NULL;
	uint32_t a = 0;

	(void)state;
	assert_int_equal(parse_ipv4("10.0.0.2", &a, &why), 0);
	assert_int_equal(a, 0x0a000002u);
	assert_int_equal(parse_ipv4("0.0.0.0", &a, &why), 0);
	assert_int_equal(a, 0);
	assert_int_equal(parse_ipv4("255.255.255.255", &a, &why), 0);
	assert_int_equal(a, 0xffffffffu);
	assert_int_equal(parse_ipv4("192.168.100.200", &a, &why), 0);
	assert_int_equal(a, 0xc0a864c8u);

	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "00.0.0.0",
		"1.2.3.4 ", " 1.2.3.4", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4/24", "a.b.c.d",
		"1.2.3.-4", "1.2.3.4:80", "1000.1.1.1", "1.2.3.4\n", "0x1.2.3.4",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = 0x12345678;
		if (parse_ipv4(bad[i], &a, &why) == 0)
			fail_msg("parse_ipv4 accepted \"%s\"", bad[i]);
		assert_string_equal(why, "not an IPv4 address");
		assert_int_equal(a, 0x12345678);
	}
	assert_int_equal(parse_ipv4(NULL, &a, &why), -1);
}

static void test_cidr(void **state)
{
	const char *why = NULL;
	uint32_t net = 0;
	unsigned prefix = 99;

	(void)state;
	assert_int_equal(parse_cidr("10.0.0.0/24", true, &net, &prefix, &why), 0);
	assert_int_equal(net, 0x0a000000u);
	assert_int_equal(prefix, 24);
	assert_int_equal(parse_cidr("0.0.0.0/0", true, &net, &prefix, &why), 0);
	assert_int_equal(prefix, 0);
	assert_int_equal(parse_cidr("1.2.3.4/32", true, &net, &prefix, &why), 0);
	assert_int_equal(prefix, 32);

	/* host bits: refused when strict, kept otherwise */
	assert_int_equal(parse_cidr("10.0.0.1/24", true, &net, &prefix, &why), -1);
	assert_string_equal(why, "host bits set after the prefix");
	assert_int_equal(parse_cidr("10.0.0.1/24", false, &net, &prefix, &why), 0);
	assert_int_equal(net, 0x0a000001u);
	assert_int_equal(prefix, 24);
	assert_int_equal(parse_cidr("1.0.0.0/0", true, &net, &prefix, &why), -1);

	static const char *const bad[] = {
		"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/24 ", "10.0.0/24",
		"/24", "10.0.0.0/2a", "10.0.0.0/24/tcp", "256.0.0.0/8", "10.0.0.0/999999999999999999999",
		"111111111111111111111111.0.0.0/8",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse_cidr(bad[i], false, &net, &prefix, &why) == 0)
			fail_msg("parse_cidr accepted \"%s\"", bad[i]);
}

static void test_ipv4_str(void **state)
{
	char buf[16];

	(void)state;
	assert_string_equal(ipv4_str(0x0a000002u, buf), "10.0.0.2");
	assert_string_equal(ipv4_str(0xffffffffu, buf), "255.255.255.255");
	assert_string_equal(ipv4_str(0, buf), "0.0.0.0");
	assert_int_equal(prefix_mask(0), 0);
	assert_int_equal(prefix_mask(24), 0xffffff00u);
	assert_int_equal(prefix_mask(32), 0xffffffffu);
	assert_int_equal(prefix_mask(1), 0x80000000u);
}

/* Checks valid(name) is ok, naming both when it is not. */
static void check_name(const char *fn, bool (*valid)(const char *), const char *name, bool ok)
{
	char what[128];

	snprintf(what, sizeof what, "%s(\"%s\")", fn, name);
	case_true(what, valid(name) == ok);
}

static void test_names(void **state)
{
	/* each kind's accepted names, then its refused ones */
	static const struct {
		const char *fn;
		bool (*valid)(const char *);
		const char *ok[6], *bad[14];
	} kinds[] = {
		{ "valid_machine_name", valid_machine_name,
		  { "a", "dev-1", "abcdefghijklmnopqrstuvwxyz012345" /* 32 */ },
		  { "abcdefghijklmnopqrstuvwxyz0123456" /* 33 */, "", "1dev", "-dev", "Dev", "dev_1",
		    "dev.1", "dev 1", "d\xc3\xa9v" } },
		{ "valid_ifname", valid_ifname,
		  { "eth0", "enp0s4", "abcdefghijklmno" /* 15 */, "..." },
		  { "abcdefghijklmnop" /* 16 */, "", ".", "..", "eth/0", "eth:0", "eth 0", "eth\t0",
		    "eth\x7f", "\xc3\xa9th0" } },
		/* roles: a letter or '_', then letters, digits, '_' or '-'; 32 at most */
		{ "valid_user_name", valid_user_name,
		  { "root", "_svc", "a-b_c9", "abcdefghijabcdefghijabcdefghijab" /* 32 */ },
		  { "abcdefghijabcdefghijabcdefghijabc" /* 33 */, "", "9lives", "-x", "Root", "a:b",
		    "a b", "../etc" } },
		/* channels: a bridge name and an nft identifier part, 15 at most */
		{ "valid_channel_name", valid_channel_name,
		  { "pool0", "abcdefghijklmno" /* 15 */ },
		  { "abcdefghijklmnop" /* 16 */, "pool_0", "0pool", "" } },
		/* mesh groups */
		{ "valid_group_name", valid_group_name, { "dev", "Team.A_b-9" }, { "", "a,b", "a b" } },
	};

	(void)state;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (size_t i = 0; kinds[k].ok[i]; i++)
			check_name(kinds[k].fn, kinds[k].valid, kinds[k].ok[i], true);
		for (size_t i = 0; kinds[k].bad[i]; i++)
			check_name(kinds[k].fn, kinds[k].valid, kinds[k].bad[i], false);
	}
	assert_false(valid_machine_name(NULL));
	assert_false(valid_ifname(NULL));
}

static void test_split_fields(void **state)
{
	char line[128], *f[3];

	(void)state;
	snprintf(line, sizeof line, "share0 /code rw\n");
	assert_int_equal(split_fields(line, f, 3), 3);
	assert_string_equal(f[0], "share0");
	assert_string_equal(f[1], "/code");
	assert_string_equal(f[2], "rw");
	snprintf(line, sizeof line, "  a\t\tb  ");
	assert_int_equal(split_fields(line, f, 3), 2);
	assert_string_equal(f[0], "a");
	assert_string_equal(f[1], "b");
	snprintf(line, sizeof line, "a b c d");
	assert_int_equal(split_fields(line, f, 3), 4);	/* more than 3 */
	snprintf(line, sizeof line, "   \n");
	assert_int_equal(split_fields(line, f, 3), 0);
	snprintf(line, sizeof line, "x y\nz");
	assert_int_equal(split_fields(line, f, 3), 2);	/* the line ends at its newline */
}

/* A plan hash's hex: lowercase digits only, and no further than asked. */
static void test_hex(void **state)
{
	uint8_t b[3];

	(void)state;
	assert_int_equal(parse_hex("00a1ff", b, 3), 0);
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[1], 0xa1);
	assert_int_equal(b[2], 0xff);
	assert_int_equal(parse_hex("0a1bzz", b, 2), 0);	/* the rest is not read */
	assert_int_equal(b[1], 0x1b);
	assert_int_equal(parse_hex("00A1ff", b, 3), -1);
	assert_int_equal(parse_hex("00a1f", b, 3), -1);	/* ends early: at its NUL */
	assert_int_equal(parse_hex("00a1-f", b, 3), -1);
	assert_int_equal(parse_hex("", b, 1), -1);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_u64),
	cmocka_unit_test(test_size),
	cmocka_unit_test(test_ipv4),
	cmocka_unit_test(test_cidr),
	cmocka_unit_test(test_ipv4_str),
	cmocka_unit_test(test_names),
	cmocka_unit_test(test_split_fields),
	cmocka_unit_test(test_hex))
