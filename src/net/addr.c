/* addr.c - add, delete and read IPv4 addresses; find the default route's link. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

static int addr_change(struct nl *nl, uint16_t type, uint16_t flags, int index,
		       uint32_t addr, unsigned prefix)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint32_t a = htonl(addr);

	if (prefix > 32)
		return -EINVAL;
	nlh = nl_req(nl, buf, type, flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof a, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof a, &a);
	if (type == RTM_NEWADDR && prefix < 31) {
		uint32_t b = htonl(addr | ~(prefix ? ~(uint32_t)0 << (32 - prefix) : 0));

		mnl_attr_put(nlh, IFA_BROADCAST, sizeof b, &b);
	}
	return nl_talk(nl, nlh, NULL, NULL);
}

int addr_add(struct nl *nl, int index, uint32_t addr, unsigned prefix)
{
	return addr_change(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index, addr, prefix);
}

int addr_del(struct nl *nl, int index, uint32_t addr, unsigned prefix)
{
	return addr_change(nl, RTM_DELADDR, 0, index, addr, prefix);
}

/* One RTM_NEWADDR message: 1 and its link, address and prefix when it
 * is an IPv4 address, 0 when it is something else, or -EBADMSG. */
static int addr_parse(const struct nlmsghdr *nlh, int *index, uint32_t *addr, unsigned *prefix)
{
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	uint32_t local = 0, address = 0;
	bool has_local = false, has_address = false;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *ifa))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET || ifa->ifa_prefixlen > 32)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof *ifa) {
		if (mnl_attr_get_payload_len(a) != 4)
			continue;
		if (mnl_attr_get_type(a) == IFA_LOCAL) {
			memcpy(&local, mnl_attr_get_payload(a), 4);
			has_local = true;
		} else if (mnl_attr_get_type(a) == IFA_ADDRESS) {
			memcpy(&address, mnl_attr_get_payload(a), 4);
			has_address = true;
		}
	}
	if (!has_local && !has_address)
		return 0;
	*index = (int)ifa->ifa_index;
	*addr = ntohl(has_local ? local : address);
	*prefix = ifa->ifa_prefixlen;
	return 1;
}

struct addr_ctx {
	int index;
	bool found;
	uint32_t addr;
	unsigned prefix;
};

static int addr_one(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *c = data;
	uint32_t a;
	unsigned p;
	int index, r;

	if (c->found)
		return 0;
	r = addr_parse(nlh, &index, &a, &p);
	if (r <= 0 || index != c->index)
		return r < 0 ? r : 0;
	c->found = true;
	c->addr = a;
	c->prefix = p;
	return 0;
}

int addr_get(struct nl *nl, int index, uint32_t *addr, unsigned *prefix)
{
	struct addr_ctx c = { .index = index };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int r;

	nlh = nl_req(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_index = (unsigned)index;
	r = nl_talk(nl, nlh, addr_one, &c);
	if (r < 0)
		return r;
	if (!c.found)
		return -ENOENT;
	*addr = c.addr;
	*prefix = c.prefix;
	return 0;
}

struct addr_each_ctx {
	addr_fn fn;
	void *data;
};

static int addr_each_one(const struct nlmsghdr *nlh, void *data)
{
	struct addr_each_ctx *c = data;
	uint32_t a;
	unsigned p;
	int index, r = addr_parse(nlh, &index, &a, &p);

	return r <= 0 ? r : c->fn(index, a, p, c->data);
}

int addr_each(struct nl *nl, addr_fn fn, void *data)
{
	struct addr_each_ctx c = { fn, data };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = nl_req(nl, buf, RTM_GETADDR, NLM_F_DUMP);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	return nl_talk(nl, nlh, addr_each_one, &c);
}

struct route_ctx {
	int oif;
	uint32_t metric;
};

/* The first hop's ifindex of an RTA_MULTIPATH attribute, or 0. */
static int multipath_oif(const struct nlattr *a)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	if (len < sizeof *nh || nh->rtnh_len < sizeof *nh || nh->rtnh_len > len)
		return 0;
	return nh->rtnh_ifindex;
}

static int route_one(const struct nlmsghdr *nlh, void *data)
{
	struct route_ctx *c = data;
	const struct rtmsg *rtm;
	const struct nlattr *a;
	uint32_t table, metric = 0;
	int oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *rtm))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST)
		return 0;
	table = rtm->rtm_table;
	mnl_attr_for_each(a, nlh, sizeof *rtm) {
		switch (mnl_attr_get_type(a)) {
		case RTA_TABLE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				table = mnl_attr_get_u32(a);
			break;
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_PRIORITY:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				metric = mnl_attr_get_u32(a);
			break;
		case RTA_MULTIPATH:
			if (!oif)
				oif = multipath_oif(a);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || oif <= 0)
		return 0;
	if (!c->oif || metric < c->metric) {
		c->oif = oif;
		c->metric = metric;
	}
	return 0;
}

int route_default_oif(struct nl *nl, int *index)
{
	struct route_ctx c = { 0 };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int r;

	nlh = nl_req(nl, buf, RTM_GETROUTE, NLM_F_DUMP);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	rtm->rtm_family = AF_INET;
	r = nl_talk(nl, nlh, route_one, &c);
	if (r < 0)
		return r;
	if (!c.oif)
		return -ENOENT;
	*index = c.oif;
	return 0;
}
