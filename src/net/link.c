/* link.c - create, delete, enslave and inspect links with rtnetlink; open TAPs. */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/names.h"
#include "util/cleanup.h"

static void link_info_kind(const struct nlattr *linkinfo, struct link_info *li)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, linkinfo) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0) {
			const char *k = mnl_attr_get_str(a);
			size_t n = strnlen(k, sizeof li->kind - 1);

			memcpy(li->kind, k, n);
			li->kind[n] = '\0';
		}
	}
}

/* Fill li from an RTM_NEWLINK message; attributes are bounded by
 * mnl_attr_validate and copied with their own length checks. */
static int parse_link(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifm;
	const struct nlattr *a;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *ifm))
		return -EBADMSG;
	ifm = mnl_nlmsg_get_payload(nlh);
	memset(li, 0, sizeof *li);
	li->index = ifm->ifi_index;
	li->flags = ifm->ifi_flags;
	mnl_attr_for_each(a, nlh, sizeof *ifm) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
				const char *s = mnl_attr_get_str(a);
				size_t n = strnlen(s, sizeof li->name - 1);

				memcpy(li->name, s, n);
				li->name[n] = '\0';
			}
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				li->master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == 6)
				memcpy(li->mac, mnl_attr_get_payload(a), 6);
			break;
		case IFLA_LINKINFO:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
				link_info_kind(a, li);
			break;
		}
	}
	return 0;
}

static int get_one(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	return parse_link(nlh, data);
}

/* A link request: the netlink header and its ifinfomsg for link index
 * (0: by name or all). */
static struct nlmsghdr *link_req(struct nl *nl, char *buf, uint16_t type, uint16_t flags,
				 int index, struct ifinfomsg **ifmp)
{
	struct nlmsghdr *nlh = nl_req(nl, buf, type, flags);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof *ifm);

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	if (ifmp)
		*ifmp = ifm;
	return nlh;
}

int link_get(struct nl *nl, const char *name, struct link_info *li)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	if (strlen(name) >= IF_NAMESIZE)
		return -ENODEV;
	nlh = link_req(nl, buf, RTM_GETLINK, 0, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(li, 0, sizeof *li);
	return nl_talk(nl, nlh, get_one, li);
}

int link_get_index(struct nl *nl, int index, struct link_info *li)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	nlh = link_req(nl, buf, RTM_GETLINK, 0, index, NULL);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	memset(li, 0, sizeof *li);
	return nl_talk(nl, nlh, get_one, li);
}

int link_bridge_create(struct nl *nl, const char *name, const uint8_t mac[6])
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info;

	nlh = link_req(nl, buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_delete(struct nl *nl, int index)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	nlh = link_req(nl, buf, RTM_DELLINK, 0, index, NULL);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_set_up(struct nl *nl, int index, bool up)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	nlh = link_req(nl, buf, RTM_NEWLINK, 0, index, &ifm);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_set_master(struct nl *nl, int index, int master)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	nlh = link_req(nl, buf, RTM_NEWLINK, 0, index, NULL);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct slaves_ctx {
	int master;
	link_fn fn;
	void *data;
};

static int slave_one(const struct nlmsghdr *nlh, void *data)
{
	struct slaves_ctx *c = data;
	struct link_info li;
	int r;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	r = parse_link(nlh, &li);
	if (r < 0)
		return r;
	if (li.master != c->master || li.index == c->master)
		return 0;
	return c->fn(&li, c->data);
}

int link_slaves(struct nl *nl, int master, link_fn fn, void *data)
{
	struct slaves_ctx c = { .master = master, .fn = fn, .data = data };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;

	nlh = link_req(nl, buf, RTM_GETLINK, NLM_F_DUMP, 0, NULL);
	/* The kernel filters dumps on IFLA_MASTER; we check again anyway. */
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_talk(nl, nlh, slave_one, &c);
}

int tap_open(const char *name, int *fd)
{
	_cleanup_close_ int tfd = -1;
	struct ifreq ifr;
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ)
		return -EINVAL;
	tfd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tfd < 0)
		return -errno;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, n);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(tfd, TUNSETIFF, &ifr) < 0)
		return -errno;
	*fd = steal_fd(&tfd);
	return 0;
}

/* ---- a machine's TAP on its channel ---- */

int tap_create(const char *channel, const char *tap, int *fd, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	_cleanup_close_ int tfd = -1;
	struct link_info br, li;
	int r;

	if (!valid_channel_name(channel))
		return pool_err_usage(e, "channel name %s is not valid", channel);
	if (!valid_ifname(tap))
		return pool_err_usage(e, "TAP name %s is not valid", tap);
	if (nl_open(&nl, e) < 0)
		return -1;
	r = link_get(&nl, channel, &br);
	if (r == -ENODEV || (r == 0 && strcmp(br.kind, "bridge") != 0))
		return pool_err_fail(e, "channel %s is not up; run pool channel up --name %s",
				     channel, channel);
	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "bridge %s", channel);
	r = tap_open(tap, &tfd);
	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "creating TAP %s", tap);
	r = link_get(&nl, tap, &li);
	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "TAP %s", tap);
	r = link_set_master(&nl, li.index, br.index);
	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "attaching %s to %s", tap, channel);
	r = link_set_up(&nl, li.index, true);
	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "setting %s up", tap);
	*fd = steal_fd(&tfd);
	return 0;
}
