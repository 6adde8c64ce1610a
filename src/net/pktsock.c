/* pktsock.c - a TAP's packet socket, filtered in the kernel to IPv4 UDP to one port. */
#include "net/pktsock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int pktsock_open(const char *tap, uint16_t dst_port, int *ifindex, const char *what,
		 struct pool_err *e)
{
	/* ethertype IPv4, protocol UDP, no fragment offset, UDP dport */
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETHERTYPE_IP, 0, 7),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 5),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 3, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14 + 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, dst_port, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
	struct sockaddr_ll sll = { 0 };
	uint8_t drain[64];
	int one = 1, fd, err;

	*ifindex = (int)if_nametoindex(tap);
	if (!*ifindex)
		return pool_err_sys(e, "%s: %s", what, tap);
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0)
		return pool_err_sys(e, "%s: packet socket", what);
	/* the filter first, so that what bind lets in is already filtered */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
		goto fail;
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
	setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
		goto fail;
	while (recv(fd, drain, sizeof drain, MSG_DONTWAIT) >= 0)
		;
	return fd;
fail:
	err = errno;
	close(fd);
	return pool_err_set(e, POOL_EXIT_FAIL, err, "%s: packet socket on %s", what, tap);
}

long pktsock_recv(int fd, uint8_t *buf, size_t cap, bool *csum_not_ready, unsigned *skipped)
{
	for (;;) {
		struct sockaddr_ll from;
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = cap };
		struct msghdr mh = {
			.msg_name = &from, .msg_namelen = sizeof from,
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.b, .msg_controllen = sizeof ctl.b,
		};
		ssize_t n = recvmsg(fd, &mh, MSG_TRUNC);

		if (n < 0)
			return -1;
		*csum_not_ready = false;
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > cap || (mh.msg_flags & MSG_TRUNC)) {
			(*skipped)++;
			continue;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
			    c->cmsg_len < CMSG_LEN(sizeof aux))
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof aux);
			*csum_not_ready = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
		}
		return (long)n;
	}
}
