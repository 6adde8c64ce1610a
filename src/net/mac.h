/* mac.h - a machine's MAC (02:00 + its IPv4 address) and its TAP's name. Pure. */
#ifndef POOL_MAC_H
#define POOL_MAC_H

#include <stdint.h>

/* 02:00:a:b:c:d for the host-order address a.b.c.d: locally administered,
 * unicast, and the MAC alone names the machine. */
void mac_from_ipv4(uint32_t addr, uint8_t mac[6]);

/* "02:00:0a:00:00:02"; buf must hold 18 bytes. */
const char *mac_str(const uint8_t mac[6], char buf[18]);

/* The TAP name of a machine: "pool-<name>" when that fits in 15 bytes,
 * else "pool-" and 10 hex digits of a hash of the name (FNV-1a, 64 bit,
 * top 40 bits), so long names stay distinct and stable. Returns 0, or
 * -1 when name is empty. */
#define TAP_PREFIX "pool-"
int tap_name(const char *name, char out[16]);

#endif
