/* ports.c - a machine's published ports: TCP connections and UDP peers
 * relayed between host addresses and the machine (ports.h says why a proxy). */
#include "supervise/ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

/* epoll tags: which kind, which slot, which side */
enum { T_LISTEN = 1, T_CLIENT, T_GUEST, T_FLOW, T_TIMER };
#define TAG(kind, i) (((uint64_t)(kind) << 32) | (uint32_t)(i))

struct pipe_buf {
	uint8_t *b;
	size_t len, off;
	bool eof;		/* the reader reached its end */
};

struct ports_conn {
	int client, guest;		/* -1: slot free */
	bool connected;
	struct pipe_buf up, down;	/* client -> guest, guest -> client */
};

struct ports_flow {
	int fd;				/* connected to the guest; -1: free */
	size_t map;			/* which published port */
	struct sockaddr_in peer;	/* the host-side peer */
	uint64_t last_ms;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void ports_init(struct ports *pp)
{
	memset(pp, 0, sizeof *pp);
	pp->ep = pp->timer_fd = -1;
	for (size_t i = 0; i < PORT_MAPS_MAX; i++)
		pp->fd[i] = -1;
}

static void watch(struct ports *pp, int op, int fd, uint64_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u64 = tag };

	epoll_ctl(pp->ep, op, fd, &ev);
}

int ports_open(struct ports *pp, const struct port_map *map, size_t n, uint32_t guest_ip,
	       struct pool_err *e)
{
	struct itimerspec its = { .it_interval = { 10, 0 }, .it_value = { 10, 0 } };

	ports_init(pp);
	if (n == 0)
		return 0;
	if (n > PORT_MAPS_MAX)
		return pool_err_usage(e, "at most %d published ports", PORT_MAPS_MAX);
	pp->guest_ip = guest_ip;
	pp->conn = calloc(PORTS_CONNS_MAX, sizeof *pp->conn);
	pp->flow = calloc(PORTS_FLOWS_MAX, sizeof *pp->flow);
	pp->ep = epoll_create1(EPOLL_CLOEXEC);
	pp->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!pp->conn || !pp->flow || pp->ep < 0 || pp->timer_fd < 0) {
		ports_close(pp);
		return pool_err_sys(e, "published ports");
	}
	for (size_t i = 0; i < PORTS_CONNS_MAX; i++)
		pp->conn[i].client = pp->conn[i].guest = -1;
	for (size_t i = 0; i < PORTS_FLOWS_MAX; i++)
		pp->flow[i].fd = -1;
	timerfd_settime(pp->timer_fd, 0, &its, NULL);
	watch(pp, EPOLL_CTL_ADD, pp->timer_fd, TAG(T_TIMER, 0), EPOLLIN);
	for (size_t i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(map[i].host_port),
					  .sin_addr.s_addr = htonl(map[i].host_ip) };
		bool tcp = map[i].proto != 17;
		char what[PORT_MAP_STR_MAX];
		int one = 1, fd;

		pp->map[i] = map[i];
		fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			ports_close(pp);
			return pool_err_sys(e, "published port %s", port_map_str(&map[i], what));
		}
		if (tcp)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || (tcp && listen(fd, 64) < 0)) {
			int err = errno;

			close(fd);
			ports_close(pp);
			if (err == EADDRINUSE) {
				char ip[16];

				return pool_err_usage(e, "published port %s: %s:%u/%s is already taken on this host",
						      port_map_str(&map[i], what), ipv4_str(map[i].host_ip, ip),
						      map[i].host_port, tcp ? "tcp" : "udp");
			}
			return pool_err_set(e, POOL_EXIT_FAIL, err, "published port %s",
					    port_map_str(&map[i], what));
		}
		pp->fd[i] = fd;
		pp->n = i + 1;
		watch(pp, EPOLL_CTL_ADD, fd, TAG(T_LISTEN, i), EPOLLIN);
	}
	return 0;
}

static void conn_close(struct ports *pp, struct ports_conn *c)
{
	if (c->client >= 0)
		close(c->client);
	if (c->guest >= 0)
		close(c->guest);
	free(c->up.b);
	free(c->down.b);
	*c = (struct ports_conn){ .client = -1, .guest = -1 };
	(void)pp;
}

/* What each side of c waits for, from the state of its buffers. */
static void conn_rearm(struct ports *pp, struct ports_conn *c)
{
	size_t i = (size_t)(c - pp->conn);
	uint32_t cev = 0, gev = 0;

	if (!c->connected) {
		watch(pp, EPOLL_CTL_MOD, c->guest, TAG(T_GUEST, i), EPOLLOUT);
		watch(pp, EPOLL_CTL_MOD, c->client, TAG(T_CLIENT, i), 0);
		return;
	}
	if (!c->up.eof && c->up.len < PORTS_BUF)
		cev |= EPOLLIN;
	if (c->down.len > c->down.off)
		cev |= EPOLLOUT;
	if (!c->down.eof && c->down.len < PORTS_BUF)
		gev |= EPOLLIN;
	if (c->up.len > c->up.off)
		gev |= EPOLLOUT;
	watch(pp, EPOLL_CTL_MOD, c->client, TAG(T_CLIENT, i), cev);
	watch(pp, EPOLL_CTL_MOD, c->guest, TAG(T_GUEST, i), gev);
}

static void accept_one(struct ports *pp, size_t m)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(pp->map[m].guest_port),
				  .sin_addr.s_addr = htonl(pp->guest_ip) };
	struct ports_conn *c = NULL;
	int fd = accept4(pp->fd[m], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (size_t i = 0; i < PORTS_CONNS_MAX && !c; i++)
		if (pp->conn[i].client < 0)
			c = &pp->conn[i];
	if (!c) {
		close(fd);	/* full: the client sees the connection close */
		return;
	}
	c->client = fd;
	c->up.b = malloc(PORTS_BUF);
	c->down.b = malloc(PORTS_BUF);
	c->guest = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (!c->up.b || !c->down.b || c->guest < 0 ||
	    (connect(c->guest, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)) {
		conn_close(pp, c);
		return;
	}
	watch(pp, EPOLL_CTL_ADD, c->client, TAG(T_CLIENT, c - pp->conn), 0);
	watch(pp, EPOLL_CTL_ADD, c->guest, TAG(T_GUEST, c - pp->conn), EPOLLOUT);
}

/* Read from fd into b; write what b holds to out. -1: this connection is done. */
static int pump(int in, struct pipe_buf *b, int out, uint32_t ev_in)
{
	ssize_t r;

	if ((ev_in & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !b->eof && b->len < PORTS_BUF) {
		r = recv(in, b->b + b->len, PORTS_BUF - b->len, 0);
		if (r > 0)
			b->len += (size_t)r;
		else if (r == 0)
			b->eof = true;
		else if (errno != EAGAIN && errno != EINTR)
			return -1;
	}
	if (b->len > b->off) {
		r = send(out, b->b + b->off, b->len - b->off, MSG_NOSIGNAL);
		if (r > 0)
			b->off += (size_t)r;
		else if (r < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (b->off == b->len)
			b->off = b->len = 0;
	}
	if (b->eof && b->len == 0)
		shutdown(out, SHUT_WR);
	return 0;
}

static void conn_io(struct ports *pp, struct ports_conn *c, bool guest_side, uint32_t ev)
{
	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof err;

		if (!guest_side)
			return;
		if (getsockopt(c->guest, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			conn_close(pp, c);	/* nothing listens in the machine */
			return;
		}
		c->connected = true;
		ev = EPOLLIN;
	}
	if (pump(c->client, &c->up, c->guest, guest_side ? 0 : ev) < 0 ||
	    pump(c->guest, &c->down, c->client, guest_side ? ev : 0) < 0 ||
	    (c->up.eof && c->down.eof && c->up.len == 0 && c->down.len == 0)) {
		conn_close(pp, c);
		return;
	}
	conn_rearm(pp, c);
}

static void flow_close(struct ports *pp, struct ports_flow *f)
{
	if (f->fd >= 0) {
		epoll_ctl(pp->ep, EPOLL_CTL_DEL, f->fd, NULL);
		close(f->fd);
	}
	*f = (struct ports_flow){ .fd = -1 };
}

/* A datagram from a host-side peer to published UDP port m. */
static void udp_in(struct ports *pp, size_t m)
{
	uint8_t buf[65536];

	for (int k = 0; k < 64; k++) {
		struct sockaddr_in peer = { 0 };
		socklen_t plen = sizeof peer;
		struct ports_flow *f = NULL, *free_slot = NULL;
		ssize_t n = recvfrom(pp->fd[m], buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);

		if (n < 0)
			return;
		for (size_t i = 0; i < PORTS_FLOWS_MAX && !f; i++) {
			struct ports_flow *o = &pp->flow[i];

			if (o->fd >= 0 && o->map == m && o->peer.sin_addr.s_addr == peer.sin_addr.s_addr &&
			    o->peer.sin_port == peer.sin_port)
				f = o;
			else if (o->fd < 0 && !free_slot)
				free_slot = o;
		}
		if (!f && free_slot) {
			struct sockaddr_in sa = { .sin_family = AF_INET,
						  .sin_port = htons(pp->map[m].guest_port),
						  .sin_addr.s_addr = htonl(pp->guest_ip) };

			f = free_slot;
			f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
				flow_close(pp, f);
				continue;
			}
			f->map = m;
			f->peer = peer;
			watch(pp, EPOLL_CTL_ADD, f->fd, TAG(T_FLOW, f - pp->flow), EPOLLIN);
		}
		if (!f)
			continue;	/* full: dropped, as UDP may be */
		f->last_ms = mono_ms();
		if (send(f->fd, buf, (size_t)n, 0) < 0)
			log_debug("published port: to the machine: %s", strerror(errno));
	}
}

/* A datagram from the machine back to the flow's peer. */
static void udp_back(struct ports *pp, struct ports_flow *f)
{
	uint8_t buf[65536];

	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(f->fd, buf, sizeof buf, 0);

		if (n < 0)
			return;
		f->last_ms = mono_ms();
		sendto(pp->fd[f->map], buf, (size_t)n, 0, (struct sockaddr *)&f->peer, sizeof f->peer);
	}
}

void ports_serve(struct ports *pp)
{
	struct epoll_event ev[32];
	int n;

	if (pp->ep < 0)
		return;
	n = epoll_wait(pp->ep, ev, 32, 0);
	for (int i = 0; i < n; i++) {
		unsigned kind = (unsigned)(ev[i].data.u64 >> 32);
		size_t k = (uint32_t)ev[i].data.u64;

		switch (kind) {
		case T_LISTEN:
			if (k < pp->n && pp->map[k].proto == 17)
				udp_in(pp, k);
			else if (k < pp->n)
				accept_one(pp, k);
			break;
		case T_CLIENT:
		case T_GUEST:
			if (k < PORTS_CONNS_MAX && pp->conn[k].client >= 0)
				conn_io(pp, &pp->conn[k], kind == T_GUEST, ev[i].events);
			break;
		case T_FLOW:
			if (k < PORTS_FLOWS_MAX && pp->flow[k].fd >= 0)
				udp_back(pp, &pp->flow[k]);
			break;
		case T_TIMER: {
			uint64_t x, now = mono_ms();

			if (read(pp->timer_fd, &x, sizeof x) < 0)
				break;
			for (size_t f = 0; f < PORTS_FLOWS_MAX; f++)
				if (pp->flow[f].fd >= 0 && now - pp->flow[f].last_ms > PORTS_UDP_IDLE_MS)
					flow_close(pp, &pp->flow[f]);
			break;
		}
		default:
			break;
		}
	}
}

void ports_close(struct ports *pp)
{
	for (size_t i = 0; pp->conn && i < PORTS_CONNS_MAX; i++)
		if (pp->conn[i].client >= 0)
			conn_close(pp, &pp->conn[i]);
	for (size_t i = 0; pp->flow && i < PORTS_FLOWS_MAX; i++)
		if (pp->flow[i].fd >= 0)
			flow_close(pp, &pp->flow[i]);
	free(pp->conn);
	free(pp->flow);
	for (size_t i = 0; i < PORT_MAPS_MAX; i++)
		if (pp->fd[i] >= 0)
			close(pp->fd[i]);
	if (pp->timer_fd >= 0)
		close(pp->timer_fd);
	if (pp->ep >= 0)
		close(pp->ep);
	ports_init(pp);
}
