/* test_mac.c - MACs that encode the address, and TAP names that fit IFNAMSIZ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "src/net/mac.h"
#include "src/common/names.h"
#include "src/common/parse.h"
#include "tests/unit/main.h"

static void test_mac_encodes_address(void **state)
{
	uint8_t mac[6];
	char buf[18];

	(void)state;
	mac_from_ipv4(0x0a000002, mac);	/* 10.0.0.2 */
	assert_string_equal(mac_str(mac, buf), "02:00:0a:00:00:02");
	mac_from_ipv4(0xc0a8fffe, mac);	/* 192.168.255.254 */
	assert_string_equal(mac_str(mac, buf), "02:00:c0:a8:ff:fe");
	/* locally administered, unicast */
	assert_int_equal(mac[0] & 0x02, 0x02);
	assert_int_equal(mac[0] & 0x01, 0);
}

static void test_tap_short_name(void **state)
{
	char tap[16];

	(void)state;
	assert_int_equal(tap_name("web", tap), 0);
	assert_string_equal(tap, "pool-web");
	/* 10 characters: exactly 15 bytes, still the plain name */
	assert_int_equal(tap_name("abcdefghij", tap), 0);
	assert_string_equal(tap, "pool-abcdefghij");
	assert_true(valid_ifname(tap));
}

static void test_tap_long_name_hashed(void **state)
{
	char a[16], b[16], c[16];
	size_t i;

	(void)state;
	assert_int_equal(tap_name("abcdefghijk", a), 0);	/* 11: too long */
	assert_int_equal(strlen(a), 15);
	assert_memory_equal(a, "pool-", 5);
	for (i = 5; i < 15; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_true(valid_ifname(a));
	assert_string_not_equal(a, "pool-abcdefghij");

	/* stable, and names that share a prefix still differ */
	assert_int_equal(tap_name("abcdefghijk", b), 0);
	assert_string_equal(a, b);
	assert_int_equal(tap_name("abcdefghijl", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(tap_name("a-machine-name-of-thirty-two-chr", c), 0);
	assert_int_equal(strlen(c), 15);
	assert_string_not_equal(a, c);
}

static void test_tap_empty_name(void **state)
{
	char tap[16];

	(void)state;
	assert_int_equal(tap_name("", tap), -1);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_mac_encodes_address),
	cmocka_unit_test(test_tap_short_name),
	cmocka_unit_test(test_tap_long_name_hashed),
	cmocka_unit_test(test_tap_empty_name))
