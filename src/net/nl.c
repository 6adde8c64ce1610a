/* nl.c - rtnetlink request/reply over libmnl, reading errors from NLMSG_ERROR. */
#include "nl.h"

#include <errno.h>
#include <stdbool.h>
#include <libmnl/libmnl.h>
#include <string.h>
#include <time.h>

/* Big enough for one dump batch from the kernel (it sends at most 32K). */
#define NL_RECV_SIZE (64 * 1024)

int nl_open(struct nl *nl, struct pool_err *e)
{
	memset(nl, 0, sizeof *nl);
	nl->sock = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sock)
		return pool_err_sys(e, "netlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int saved = errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return pool_err_set(e, POOL_EXIT_FAIL, saved, "netlink bind");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_req(struct nl *nl, void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* The code carried by an NLMSG_ERROR (0 for an ack), or -EBADMSG when
 * the message is too short to hold one. */
static int error_code(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *err))
		return -EBADMSG;
	err = mnl_nlmsg_get_payload(nlh);
	if (err->error > 0)
		return -err->error;
	return err->error;
}

int nl_talk(struct nl *nl, struct nlmsghdr *req, nl_msg_fn fn, void *data)
{
	static __thread char buf[NL_RECV_SIZE] __attribute__((aligned(4)));
	/* NLM_F_DUMP shares its bits with NLM_F_EXCL | NLM_F_REPLACE: it
	 * means a dump only on a GET (rtnetlink's GET types are 4n + 2). */
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP &&
		    (req->nlmsg_type & 3) == 2;
	unsigned int seq = req->nlmsg_seq;
	int ret = 0;

	if (!dump)
		req->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;	/* a late reply to an earlier request */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int code = error_code(nlh);

				/* An ack ends a request; an error ends anything. */
				if (code < 0 || !dump)
					return code < 0 ? code : ret;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed part-way says so here. */
				if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(int))) {
					int code;

					memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof code);
					if (code < 0)
						return code;
				}
				return ret;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || ret < 0 || !fn)
				continue;
			ret = fn(nlh, data);
		}
	}
}
