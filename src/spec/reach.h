/* reach.h - what a nat machine may reach: the internet only. The ranges
 * below are dropped for every machine: the LAN ones open with the
 * command line's --allow-lan, the others never. A spec's allow entries
 * that lie inside them are refused (spec.c), and the channel's nft rules
 * drop them (net/channel.c): one table for both. Pure. */
#ifndef POOL_SPEC_REACH_H
#define POOL_SPEC_REACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reach_range {
	uint32_t net;		/* host byte order, host bits clear */
	unsigned prefix;	/* 0..32 */
	const char *what;	/* "private (RFC 1918)", ... */
};

/* The LAN, dropped unless --allow-lan: RFC 1918, shared address space
 * (CGNAT, RFC 6598) and link-local (RFC 3927, where clouds keep their
 * instance metadata). The host's own subnets join them at machine start. */
extern const struct reach_range reach_lan[];
extern const size_t reach_nlan;

/* Never forwarded for a machine: "this network" (0/8), loopback,
 * multicast, and the reserved 240/4 with the limited broadcast. */
extern const struct reach_range reach_never[];
extern const size_t reach_nnever;

/* The range of list[0..n) that holds all of net/prefix, or NULL. */
const struct reach_range *reach_within(const struct reach_range *list, size_t n, uint32_t net,
				       unsigned prefix);

/* Whether net1/p1 and net2/p2 share an address. */
bool reach_overlap(uint32_t net1, unsigned p1, uint32_t net2, unsigned p2);

/* The host's addresses (in[i].net an address, in[i].prefix its subnet's
 * prefix) as the subnets nat drops beyond the ranges above: host bits
 * cleared; prefixes below 8 (no LAN is that wide) and subnets inside a
 * range, inside another subnet or equal to one left out; sorted by
 * address, none overlapping, so they form an nft interval set. Writes at
 * most cap to out and returns how many it wrote. */
size_t reach_host_subnets(const struct reach_range *in, size_t n, struct reach_range *out,
			  size_t cap);

#endif
