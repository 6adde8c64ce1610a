/* test_reach.c - the ranges a nat machine does not reach, and the host's
 * subnets as the interval set beside them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/parse.h"
#include "spec/reach.h"
#include "tests/unit/main.h"

static uint32_t ip(const char *s)
{
	const char *why;
	uint32_t a = 0;

	assert_int_equal(parse_ipv4(s, &a, &why), 0);
	return a;
}

static const char *lan(const char *addr, unsigned prefix)
{
	const struct reach_range *r = reach_within(reach_lan, reach_nlan, ip(addr), prefix);

	return r ? r->what : NULL;
}

static const char *never(const char *addr, unsigned prefix)
{
	const struct reach_range *r = reach_within(reach_never, reach_nnever, ip(addr), prefix);

	return r ? r->what : NULL;
}

static void test_lan(void **state)
{
	(void)state;
	/* inside, at both edges of each range */
	assert_non_null(lan("10.0.0.0", 8));
	assert_non_null(lan("10.255.255.255", 32));
	assert_non_null(lan("172.16.0.0", 12));
	assert_non_null(lan("172.31.255.255", 32));
	assert_non_null(lan("192.168.0.0", 16));
	assert_non_null(lan("192.168.255.255", 32));
	assert_non_null(lan("100.64.0.0", 10));
	assert_non_null(lan("100.127.255.255", 32));
	assert_string_equal(lan("169.254.169.254", 32), "link-local (RFC 3927: cloud instance metadata)");
	assert_string_equal(lan("100.100.100.100", 32), "shared address space (CGNAT, RFC 6598)");
	assert_string_equal(lan("192.168.7.0", 24), "private (RFC 1918)");
	/* just outside */
	assert_null(lan("9.255.255.255", 32));
	assert_null(lan("11.0.0.0", 32));
	assert_null(lan("172.15.255.255", 32));
	assert_null(lan("172.32.0.0", 32));
	assert_null(lan("192.167.255.255", 32));
	assert_null(lan("192.169.0.0", 32));
	assert_null(lan("100.63.255.255", 32));
	assert_null(lan("100.128.0.0", 32));
	assert_null(lan("169.253.255.255", 32));
	assert_null(lan("169.255.0.0", 32));
	/* wider than a range is not inside it: the rules drop the LAN part */
	assert_null(lan("0.0.0.0", 0));
	assert_null(lan("10.0.0.0", 7));
	assert_null(lan("172.16.0.0", 11));
	/* the internet */
	assert_null(lan("198.51.100.2", 32));
	assert_null(lan("1.1.1.1", 32));
}

static void test_never(void **state)
{
	(void)state;
	assert_string_equal(never("127.0.0.1", 32), "loopback");
	assert_string_equal(never("224.0.0.251", 32), "multicast");
	assert_string_equal(never("239.255.255.250", 32), "multicast");
	assert_string_equal(never("255.255.255.255", 32), "reserved or broadcast");
	assert_string_equal(never("240.0.0.0", 4), "reserved or broadcast");
	assert_non_null(never("0.0.0.0", 32));
	assert_null(never("0.0.0.0", 0));
	assert_null(never("1.0.0.0", 8));
	assert_null(never("223.255.255.255", 32));
	assert_null(never("128.0.0.1", 32));
	/* the two lists do not overlap */
	for (size_t i = 0; i < reach_nlan; i++)
		for (size_t j = 0; j < reach_nnever; j++)
			assert_false(reach_overlap(reach_lan[i].net, reach_lan[i].prefix,
						   reach_never[j].net, reach_never[j].prefix));
	/* and each entry has its host bits clear */
	for (size_t i = 0; i < reach_nlan; i++)
		assert_int_equal(reach_lan[i].net & ~prefix_mask(reach_lan[i].prefix), 0);
	for (size_t j = 0; j < reach_nnever; j++)
		assert_int_equal(reach_never[j].net & ~prefix_mask(reach_never[j].prefix), 0);
}

static void test_overlap(void **state)
{
	(void)state;
	assert_true(reach_overlap(ip("10.0.0.0"), 24, ip("10.0.0.0"), 16));
	assert_true(reach_overlap(ip("10.0.0.0"), 16, ip("10.0.5.0"), 24));
	assert_true(reach_overlap(ip("10.0.5.7"), 32, ip("10.0.5.0"), 24));
	assert_true(reach_overlap(ip("1.2.3.4"), 0, ip("200.0.0.0"), 8));
	assert_false(reach_overlap(ip("10.0.0.0"), 24, ip("10.0.1.0"), 24));
	assert_false(reach_overlap(ip("10.0.0.0"), 25, ip("10.0.0.128"), 25));
	assert_false(reach_overlap(ip("10.0.0.1"), 32, ip("10.0.0.2"), 32));
}

static void test_host_subnets(void **state)
{
	struct reach_range in[] = {
		{ ip("198.51.100.1"), 24, NULL },	/* the uplink */
		{ ip("192.168.1.5"), 24, NULL },	/* private: the LAN range covers it */
		{ ip("10.0.0.1"), 24, NULL },		/* a channel */
		{ ip("127.0.0.1"), 8, NULL },		/* loopback: never */
		{ ip("198.51.100.7"), 24, NULL },	/* the same subnet again */
		{ ip("203.0.113.9"), 32, NULL },	/* a /32 */
		{ ip("192.0.2.66"), 26, NULL },		/* inside the next one */
		{ ip("192.0.2.1"), 24, NULL },
		{ ip("5.6.7.8"), 4, NULL },		/* no LAN is that wide */
		{ ip("8.8.8.8"), 0, NULL },
		{ ip("9.9.9.9"), 33, NULL },		/* nonsense */
	};
	struct reach_range out[16];
	size_t n;

	(void)state;
	n = reach_host_subnets(in, sizeof in / sizeof in[0], out, 16);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].net, ip("192.0.2.0"));
	assert_int_equal(out[0].prefix, 24);
	assert_int_equal(out[1].net, ip("198.51.100.0"));
	assert_int_equal(out[1].prefix, 24);
	assert_int_equal(out[2].net, ip("203.0.113.9"));
	assert_int_equal(out[2].prefix, 32);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].what, "the host's subnet");
		for (size_t j = i + 1; j < n; j++)
			assert_false(reach_overlap(out[i].net, out[i].prefix, out[j].net, out[j].prefix));
	}
	/* cap: never more than asked */
	n = reach_host_subnets(in, sizeof in / sizeof in[0], out, 1);
	assert_int_equal(n, 1);
	n = reach_host_subnets(in, 0, out, 16);
	assert_int_equal(n, 0);
	/* the wider of two at one address is kept, whatever the order */
	{
		struct reach_range two[] = { { ip("192.0.2.0"), 25, NULL }, { ip("192.0.2.0"), 23, NULL } };

		n = reach_host_subnets(two, 2, out, 16);
		assert_int_equal(n, 1);
		assert_int_equal(out[0].prefix, 23);
	}
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_lan),
	cmocka_unit_test(test_never),
	cmocka_unit_test(test_overlap),
	cmocka_unit_test(test_host_subnets))
