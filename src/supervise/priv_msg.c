/* priv_msg.c - the typed channel between a machine's two supervisor
 * processes (priv_msg.h). */
#include "supervise/priv_msg.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

size_t priv_msg_fds(uint32_t t)
{
	return t == PRIV_VM_STARTED ? 3 : (t == PRIV_LOG || t == PRIV_EGRESS_STATE || t == PRIV_MESH_FILES) ? 1 : 0;
}

static bool is_request(uint32_t t)
{
	return t >= PRIV_KILL_VM && t <= PRIV_MESH_READY;
}

static bool is_event(uint32_t t)
{
	return t >= PRIV_VM_STARTED && t <= PRIV_MESH_FILES;
}

int priv_msg_check(const void *buf, size_t len, size_t nfds, bool to_priv, struct priv_msg *out,
		   const char **why)
{
	struct priv_msg m;

	if (len != sizeof m) {
		*why = "not one message";
		return -1;
	}
	memcpy(&m, buf, sizeof m);
	if (to_priv ? !is_request(m.type) : !is_event(m.type)) {
		*why = "a type that does not flow this way";
		return -1;
	}
	if (nfds != priv_msg_fds(m.type)) {
		*why = "the wrong number of fds";
		return -1;
	}
	if (!memchr(m.text, '\0', sizeof m.text)) {
		*why = "text without its end";
		return -1;
	}
	if (m.npids > CTL_FS_MAX || (m.npids && m.type != PRIV_VM_STARTED)) {
		*why = "too many pids";
		return -1;
	}
	if (m.nel > EGRESS_ADD_MAX || (m.type == PRIV_ALLOW) != (m.nel > 0)) {
		*why = "elements where they do not belong";
		return -1;
	}
	switch (m.type) {
	case PRIV_DONE:
		if (m.a < -1 || m.a > 255 || m.b < 0 || m.b > 255) {
			*why = "an exit status out of range";
			return -1;
		}
		break;
	case PRIV_VM_STARTED:
		if (m.a <= 1) {
			*why = "no pid";
			return -1;
		}
		break;
	case PRIV_SIGNAL:
		if (m.a <= 0 || m.a >= NSIG) {
			*why = "no signal";
			return -1;
		}
		break;
	case PRIV_SHARE_ENDED:
		if (m.a < 0 || m.a >= 64) {
			*why = "no share";
			return -1;
		}
		break;
	default:
		break;
	}
	*out = m;
	return 0;
}

int priv_send(int sock, const struct priv_msg *m, const int *fds, size_t nfds)
{
	return priv_send_flags(sock, m, fds, nfds, 0);
}

int priv_send_flags(int sock, const struct priv_msg *m, const int *fds, size_t nfds, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PRIV_FDS_MAX)];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof *m };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds > PRIV_FDS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (nfds) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof cm);
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof *m ? 0 : -1;
}

int priv_recv(int sock, bool to_priv, struct priv_msg *m, int fds[PRIV_FDS_MAX], const char **why)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} cm;
	char buf[sizeof *m + 1];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf,
			     .msg_controllen = sizeof cm.buf };
	int got[8];
	size_t ngot = 0;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && ngot < 8; i++)
			memcpy(&got[ngot++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	}
	if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    priv_msg_check(buf, (size_t)n, ngot, to_priv, m, why) < 0) {
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			*why = "cut short";
		for (size_t i = 0; i < ngot; i++)
			close(got[i]);
		errno = EPROTO;
		return -1;
	}
	for (size_t i = 0; i < ngot; i++)
		fds[i] = got[i];
	return 1;
}
