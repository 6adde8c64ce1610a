/* net.c - pool-init's network: rename the NIC with pool.net's MAC, bring it up, take and apply a DHCP lease. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);	/* NOLINT(clang-analyzer-valist.Uninitialized): started above */
	va_end(ap);
	return -1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static uint32_t random_xid(void)
{
	uint32_t x;

	if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x)
		x = (uint32_t)now_ns() ^ (uint32_t)getpid() << 16;	/* no entropy yet: still unique enough */
	return x;
}

static void ifreq_for(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof *ifr);
	snprintf(ifr->ifr_name, sizeof ifr->ifr_name, "%s", name);
}

/* ---- the link ---- */

/* The Ethernet link whose address is mac: its name into out. 1 found, 0 not. */
static int find_by_mac(int sk, const uint8_t mac[6], char out[IFNAMSIZ])
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	int found = 0;

	if (!ifs)
		return 0;
	for (i = ifs; i->if_index && !found; i++) {
		struct ifreq ifr;

		ifreq_for(&ifr, i->if_name);
		if (ioctl(sk, SIOCGIFHWADDR, &ifr) < 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
			continue;
		if (memcmp(ifr.ifr_hwaddr.sa_data, mac, 6) == 0) {
			snprintf(out, IFNAMSIZ, "%s", i->if_name);
			found = 1;
		}
	}
	if_freenameindex(ifs);
	return found;
}

static int set_up(int sk, const char *name, bool up)
{
	struct ifreq ifr;

	ifreq_for(&ifr, name);
	if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	if (!!(ifr.ifr_flags & IFF_UP) == up)
		return 0;
	ifr.ifr_flags = (short)(up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP);
	return ioctl(sk, SIOCSIFFLAGS, &ifr);
}

/* Rename a link (brought down first: the kernel renames only down links). */
static int rename_link(int sk, const char *from, const char *to)
{
	struct ifreq ifr;

	if (set_up(sk, from, false) < 0)
		return -1;
	ifreq_for(&ifr, from);
	snprintf(ifr.ifr_newname, sizeof ifr.ifr_newname, "%s", to);
	return ioctl(sk, SIOCSIFNAME, &ifr);
}

/* Give the NIC now called cur the name want; a link already holding want
 * is renamed "old<ifindex>" first. */
static int name_nic(int sk, const char *cur, const char *want, char *err, size_t errlen)
{
	unsigned other;

	if (strcmp(cur, want) == 0)
		return 0;
	other = if_nametoindex(want);
	if (other) {
		char tmp[IFNAMSIZ];

		snprintf(tmp, sizeof tmp, "old%u", other);
		if (rename_link(sk, want, tmp) < 0)
			return fail(err, errlen, "rename %s (in the way) to %s: %s", want, tmp, strerror(errno));
	}
	if (rename_link(sk, cur, want) < 0)
		return fail(err, errlen, "rename %s to %s: %s", cur, want, strerror(errno));
	return 0;
}

/* ---- DHCP on a packet socket ---- */

/* Classic BPF: IPv4, UDP, not a fragment, destination port 68. */
static int attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 0, 8),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 14 + 9),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_UDP, 0, 6),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 14 + 6),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 14 + 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

static int packet_socket(int ifindex, char *err, size_t errlen)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));

	if (fd < 0)
		return fail(err, errlen, "packet socket: %s", strerror(errno));
	if (attach_filter(fd) < 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		fail(err, errlen, "packet socket: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* Frames queued before bind may come from any link: drop them. */
	while (recv(fd, &sll, sizeof sll, MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	return fd;
}

static int send_frame(int fd, const struct dhcpc *c)
{
	ssize_t n = send(fd, c->frame, c->framelen, 0);

	return n == (ssize_t)c->framelen ? 0 : -1;
}

/* Run c (started, its first frame not yet sent) until DONE, a RESTART
 * the caller does not take (restart false), or the deadline. */
static int dhcp_run(int fd, struct dhcpc *c, bool restart, uint64_t deadline,
		    char *err, size_t errlen)
{
	enum dhcpc_action act = DHCPC_SEND;
	uint64_t start = now_ns();
	const char *why;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ns(), until;
		int ms;

		if (act == DHCPC_DONE)
			return 0;
		if (act == DHCPC_RESTART) {
			if (!restart)
				return fail(err, errlen, "DHCP: %s", c->last_why ? c->last_why : "refused");
			if (dhcpc_start(c, c->mac, random_xid(), now, &why) < 0)
				return fail(err, errlen, "DHCP: %s", why);
			act = DHCPC_SEND;
		}
		/* A link without carrier yet refuses; the retransmission retries. */
		if (act == DHCPC_SEND && send_frame(fd, c) < 0 &&
		    errno != ENETDOWN && errno != ENOBUFS && errno != EAGAIN && errno != ENXIO)
			return fail(err, errlen, "DHCP send: %s", strerror(errno));
		if (now >= deadline)
			return fail(err, errlen, "no DHCP answer in %llu ms",
				    (unsigned long long)((now - start) / 1000000u));
		until = c->next_ns < deadline ? c->next_ns : deadline;
		ms = until > now ? (int)((until - now + 999999) / 1000000u) : 0;
		act = DHCPC_WAIT;
		if (poll(&p, 1, ms) > 0) {
			uint8_t buf[2048];
			struct sockaddr_ll from = { 0 };
			socklen_t fl = sizeof from;
			ssize_t n;

			while (act == DHCPC_WAIT &&
			       (n = recvfrom(fd, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&from, &fl)) >= 0) {
				fl = sizeof from;
				/* Our own frames come back; oversized ones were cut. */
				if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > sizeof buf)
					continue;
				act = dhcpc_input(c, buf, (size_t)n, now_ns());
			}
		}
		if (act == DHCPC_WAIT)
			act = dhcpc_timer(c, now_ns());
	}
}

/* ---- applying the lease ---- */

static void sin_set(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(addr) };

	memcpy(sa, &sin, sizeof sin);
}

static int set_addr(int sk, const char *name, unsigned long req, uint32_t addr)
{
	struct ifreq ifr;

	ifreq_for(&ifr, name);
	sin_set(&ifr.ifr_addr, addr);
	return ioctl(sk, req, &ifr);
}

static int apply_lease(int sk, const struct net_lease *l, char *err, size_t errlen)
{
	char ifname[IFNAMSIZ];

	snprintf(ifname, sizeof ifname, "%s", l->ifname);
	if (set_addr(sk, ifname, SIOCSIFADDR, l->addr) < 0)
		return fail(err, errlen, "%s: set address: %s", ifname, strerror(errno));
	if (set_addr(sk, ifname, SIOCSIFNETMASK, l->mask) < 0)
		return fail(err, errlen, "%s: set netmask: %s", ifname, strerror(errno));
	if (l->prefix < 31 && set_addr(sk, ifname, SIOCSIFBRDADDR, l->broadcast) < 0)
		return fail(err, errlen, "%s: set broadcast: %s", ifname, strerror(errno));
	if (l->has_router) {
		struct rtentry rt;

		memset(&rt, 0, sizeof rt);
		sin_set(&rt.rt_dst, 0);
		sin_set(&rt.rt_genmask, 0);
		sin_set(&rt.rt_gateway, l->router);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		rt.rt_dev = ifname;
		if (ioctl(sk, SIOCADDRT, &rt) < 0 && errno != EEXIST)
			return fail(err, errlen, "%s: default route via the router: %s", ifname, strerror(errno));
	}
	return 0;
}

/* Replace path with the lease's name servers (0644), atomically. */
static int write_resolv(const char *path, const struct net_lease *l, char *err, size_t errlen)
{
	char text[DHCP_MAX_DNS * 32], tmp[4096];
	int len = net_resolv_text(l, text, sizeof text), fd;

	if (len < 0)
		return fail(err, errlen, "resolv.conf text too long");
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.pool-init", path) >= sizeof tmp)
		return fail(err, errlen, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, 0644) < 0 || write(fd, text, (size_t)len) != len || close(fd) < 0) {
		fail(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		fail(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* ---- the whole ---- */

int net_setup(const char *spec, const struct net_opts *opts, struct net_lease *l,
	      char *err, size_t errlen)
{
	struct net_opts o = opts ? *opts : (struct net_opts){ 0 };
	static struct dhcpc c;	/* PID 1's stack stays small */
	char cur[IFNAMSIZ], want[NET_IFNAME_MAX + 1];
	uint8_t mac[6];
	const char *why;
	uint64_t deadline;
	int sk, fd, ifindex, rc = -1;
	unsigned waited = 0;

	memset(l, 0, sizeof *l);
	memset(&c, 0, sizeof c);
	if (!o.resolv_path)
		o.resolv_path = "/etc/resolv.conf";
	if (!o.find_ms)
		o.find_ms = 5000;
	if (!o.dhcp_ms)
		o.dhcp_ms = 30000;
	if (net_spec_parse(spec, mac, want, &why) < 0)
		return fail(err, errlen, "pool.net=%.40s: %s", spec, why);

	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return fail(err, errlen, "socket: %s", strerror(errno));
	/* virtio_net may still be probing: wait for the link to appear. */
	while (!find_by_mac(sk, mac, cur)) {
		if (waited >= o.find_ms) {
			fail(err, errlen, "no network interface with MAC %02x:%02x:%02x:%02x:%02x:%02x after %u ms",
			     mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], waited);
			goto out;
		}
		sleep_ms(20);
		waited += 20;
	}
	if (name_nic(sk, cur, want, err, errlen) < 0)
		goto out;
	snprintf(l->ifname, sizeof l->ifname, "%s", want);
	memcpy(l->mac, mac, 6);
	if (set_up(sk, "lo", true) < 0) {
		fail(err, errlen, "lo up: %s", strerror(errno));
		goto out;
	}
	if (set_up(sk, want, true) < 0) {
		fail(err, errlen, "%s up: %s", want, strerror(errno));
		goto out;
	}
	l->up_ns = now_ns();
	ifindex = (int)if_nametoindex(want);
	if (ifindex <= 0 || (fd = packet_socket(ifindex, err, errlen)) < 0) {
		if (ifindex <= 0)
			fail(err, errlen, "%s: %s", want, strerror(errno));
		goto out;
	}
	deadline = l->up_ns + (uint64_t)o.dhcp_ms * 1000000u;
	if (dhcpc_start(&c, mac, random_xid(), now_ns(), &why) < 0) {
		fail(err, errlen, "DHCP: %s", why);
	} else if (dhcp_run(fd, &c, true, deadline, err, errlen) == 0) {
		uint64_t up = l->up_ns;

		*l = c.lease;
		l->up_ns = up;
		l->bound_ns = now_ns();
		snprintf(l->ifname, sizeof l->ifname, "%s", want);
		if (apply_lease(sk, l, err, errlen) == 0 &&
		    (l->ndns == 0 || write_resolv(o.resolv_path, l, err, errlen) == 0))
			rc = 0;
	}
	close(fd);
out:
	close(sk);
	return rc;
}

int net_renew(struct net_lease *l, unsigned budget_ms, char *err, size_t errlen)
{
	static struct dhcpc c;
	const char *why;
	int fd, ifindex, rc;

	memset(&c, 0, sizeof c);
	c.lease = *l;
	ifindex = (int)if_nametoindex(l->ifname);
	if (ifindex <= 0)
		return fail(err, errlen, "%s: %s", l->ifname, strerror(errno));
	fd = packet_socket(ifindex, err, errlen);
	if (fd < 0)
		return -1;
	if (dhcpc_renew(&c, random_xid(), now_ns(), &why) < 0)
		rc = fail(err, errlen, "DHCP: %s", why);
	else
		rc = dhcp_run(fd, &c, false, now_ns() + (uint64_t)budget_ms * 1000000u, err, errlen);
	close(fd);
	if (rc == 0) {
		l->lease_time = c.lease.lease_time;
		l->t1 = c.lease.t1;
		l->t2 = c.lease.t2;
		l->bound_ns = now_ns();
	}
	return rc;
}
