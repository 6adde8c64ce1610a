/* ports.h - a machine's published ports: a proxy in its supervisor from
 * host addresses (loopback unless the command line named another) to the
 * machine's ports. */
#ifndef POOL_SUPERVISE_PORTS_H
#define POOL_SUPERVISE_PORTS_H

/*
 * A proxy, not DNAT: the host port is bound before the machine boots, so
 * a port already taken is refused at once (EADDRINUSE), and loopback needs
 * no route_localnet (which would let any interface's traffic to 127/8 be
 * routed). It works the same for nat and isolated machines: the
 * connection to the machine comes from the host, as DHCP's does, and its
 * replies come back as established traffic. Everything is behind one fd
 * (an epoll set) for the supervisor's loop; nothing outlives the
 * supervisor (its sockets close with it, also on kill -9).
 */

#include <stddef.h>
#include <stdint.h>

#include "common/parse.h"
#include "util/err.h"

#define PORTS_CONNS_MAX 64	/* TCP connections at once, all ports */
#define PORTS_FLOWS_MAX 64	/* UDP peers at once, all ports */
#define PORTS_BUF 65536		/* bytes in flight each way, per connection */
#define PORTS_UDP_IDLE_MS 120000

struct ports_conn;
struct ports_flow;

struct ports {
	int ep, timer_fd;
	uint32_t guest_ip;
	struct port_map map[PORT_MAPS_MAX];
	int fd[PORT_MAPS_MAX];		/* listening (tcp) or bound (udp) */
	size_t n;
	struct ports_conn *conn;	/* PORTS_CONNS_MAX */
	struct ports_flow *flow;	/* PORTS_FLOWS_MAX */
};

void ports_init(struct ports *pp);
/* Bind every host address and port of map[0..n): -1 with e when one is
 * taken or cannot be bound (and nothing stays bound). */
int ports_open(struct ports *pp, const struct port_map *map, size_t n, uint32_t guest_ip,
	       struct pool_err *e);
/* Move what is waiting; never fails on what either side sends. */
void ports_serve(struct ports *pp);
void ports_close(struct ports *pp);

#endif
