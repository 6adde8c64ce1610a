/* mac.c - MAC addresses that encode the machine's IPv4 address; TAP names. */
#include "mac.h"

#include <stdio.h>
#include <string.h>

void mac_from_ipv4(uint32_t addr, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x00;
	mac[2] = (uint8_t)(addr >> 24);
	mac[3] = (uint8_t)(addr >> 16);
	mac[4] = (uint8_t)(addr >> 8);
	mac[5] = (uint8_t)addr;
}

const char *mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

int tap_name(const char *name, char out[16])
{
	size_t n = strlen(name);

	if (n == 0)
		return -1;
	if (sizeof TAP_PREFIX - 1 + n <= 15) {
		snprintf(out, 16, TAP_PREFIX "%s", name);
		return 0;
	}
	snprintf(out, 16, TAP_PREFIX "%010llx",
		 (unsigned long long)(fnv1a64(name) >> 24));
	return 0;
}
