/* frame_route.h - a parsed UDP or DHCP frame's addresses, checked at once. Include after cmocka.h. */
#ifndef POOL_TESTS_FRAME_ROUTE_H
#define POOL_TESTS_FRAME_ROUTE_H

/* Frame f went from smac sip:sport to dmac dip:dport. */
#define assert_frame_route(f, smac, sip, sport, dmac, dip, dport) do { \
	assert_memory_equal((f).dst_mac, (dmac), 6); \
	assert_memory_equal((f).src_mac, (smac), 6); \
	assert_int_equal((f).src_ip, (sip)); \
	assert_int_equal((f).dst_ip, (dip)); \
	assert_int_equal((f).src_port, (sport)); \
	assert_int_equal((f).dst_port, (dport)); \
} while (0)

#endif
