/* reach.c - the ranges a nat machine does not reach, and the host's own
 * subnets reduced to an interval set beside them. */
#include "spec/reach.h"

#include "common/parse.h"
#include "util/cleanup.h"

const struct reach_range reach_lan[] = {
	{ 0x0a000000u, 8, "private (RFC 1918)" },		/* 10.0.0.0/8 */
	{ 0x64400000u, 10, "shared address space (CGNAT, RFC 6598)" },	/* 100.64.0.0/10 */
	{ 0xa9fe0000u, 16, "link-local (RFC 3927: cloud instance metadata)" },	/* 169.254.0.0/16 */
	{ 0xac100000u, 12, "private (RFC 1918)" },		/* 172.16.0.0/12 */
	{ 0xc0a80000u, 16, "private (RFC 1918)" },		/* 192.168.0.0/16 */
};
const size_t reach_nlan = ARRAY_SIZE(reach_lan);

const struct reach_range reach_never[] = {
	{ 0x00000000u, 8, "\"this network\" (0.0.0.0/8)" },
	{ 0x7f000000u, 8, "loopback" },
	{ 0xe0000000u, 4, "multicast" },
	{ 0xf0000000u, 4, "reserved or broadcast" },	/* 240.0.0.0/4, 255.255.255.255 in it */
};
const size_t reach_nnever = ARRAY_SIZE(reach_never);

const struct reach_range *reach_within(const struct reach_range *list, size_t n, uint32_t net,
				       unsigned prefix)
{
	for (size_t i = 0; i < n; i++)
		if (prefix >= list[i].prefix && ipv4_in(net, list[i].net, list[i].prefix))
			return &list[i];
	return NULL;
}

bool reach_overlap(uint32_t net1, unsigned p1, uint32_t net2, unsigned p2)
{
	unsigned p = p1 < p2 ? p1 : p2;

	return ipv4_in(net1, net2, p > 32 ? 32 : p);
}

/* a before b: lower address first, the wider of two at one address first. */
static bool before(const struct reach_range *a, const struct reach_range *b)
{
	return a->net < b->net || (a->net == b->net && a->prefix < b->prefix);
}

size_t reach_host_subnets(const struct reach_range *in, size_t n, struct reach_range *out,
			  size_t cap)
{
	size_t k = 0, kept = 0;

	/* The candidates, sorted (insertion: a host has a few addresses). */
	for (size_t i = 0; i < n && k < cap; i++) {
		struct reach_range r = { 0, in[i].prefix, "the host's subnet" };
		size_t j;

		if (r.prefix < 8 || r.prefix > 32)
			continue;
		r.net = in[i].net & prefix_mask(r.prefix);
		if (reach_within(reach_lan, reach_nlan, r.net, r.prefix) ||
		    reach_within(reach_never, reach_nnever, r.net, r.prefix))
			continue;
		for (j = k; j > 0 && before(&r, &out[j - 1]); j--)
			out[j] = out[j - 1];
		out[j] = r;
		k++;
	}
	/* Two CIDRs nest or are apart; in this order one that nests in an
	 * earlier one nests in the last one kept. */
	for (size_t i = 0; i < k; i++) {
		if (kept && reach_overlap(out[kept - 1].net, out[kept - 1].prefix, out[i].net, out[i].prefix))
			continue;
		out[kept++] = out[i];
	}
	return kept;
}
