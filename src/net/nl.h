/* nl.h - rtnetlink sockets over libmnl; errors are the kernel's own codes. */
#ifndef POOL_NL_H
#define POOL_NL_H

#include <linux/netlink.h>
#include <stdint.h>

#include "util/err.h"

struct mnl_socket;

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
};

/* Open and bind a NETLINK_ROUTE socket. */
int nl_open(struct nl *nl, struct pool_err *e);
void nl_close(struct nl *nl);

static inline void nl_closep(struct nl *nl)
{
	nl_close(nl);
}
#define _cleanup_nl_ __attribute__((cleanup(nl_closep)))

/* Start a request in buf (NL_REQ_SIZE bytes): header with type, flags
 * (NLM_F_REQUEST is added) and the next sequence number. */
#define NL_REQ_SIZE 1024
struct nlmsghdr *nl_req(struct nl *nl, void *buf, uint16_t type, uint16_t flags);

/* Called for each reply message that is not an error, ack or done.
 * Return 0 to go on, or a negative errno to stop (nl_talk returns it). */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *data);

/* Send req and read the replies to it: a dump (NLM_F_DUMP) until
 * NLMSG_DONE, anything else until its ack (NLM_F_ACK is added).
 * Returns 0, or the negative error code the kernel put in NLMSG_ERROR
 * (e.g. -EEXIST), or -errno when the socket itself failed. errno is
 * never consulted for a kernel error. */
int nl_talk(struct nl *nl, struct nlmsghdr *req, nl_msg_fn fn, void *data);

#endif
