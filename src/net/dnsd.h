/* dnsd.h - one machine's DNS resolver, inside its supervisor, on its TAP only. */
#ifndef POOL_DNSD_H
#define POOL_DNSD_H

/*
 * The machine's lease names the channel's host address as its DNS server;
 * its queries to it reach the TAP's packet socket (the host's own stack
 * drops them: the channel's input chain), which the privileged supervisor
 * keeps and relays (pktrelay.h), and are answered here, from the
 * host's upstream resolvers (UDP, TCP when an answer is truncated). What
 * is answered and what an answer opens is egress.c's (pure); this file
 * moves frames and upstream messages. Everything it waits on is behind
 * one fd (an epoll set with the TAP, the upstream sockets and a timer),
 * so the supervisor adds one fd to its loop and calls dnsd_serve.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/egress.h"
#include "util/err.h"

#define DNSD_PENDING_MAX 64		/* questions waiting for upstream */
#define DNSD_UPSTREAMS_MAX 3
#define DNSD_TRY_MS 1500		/* one UDP try at one upstream */
#define DNSD_TCP_MS 3000		/* the TCP exchange after a truncated answer */
#define DNSD_GIVE_UP_MS 5000		/* then SERVFAIL */

/* What the resolver calls out for. */
struct dnsd_hooks {
	/* Open these elements before an answer that needs them is sent
	 * (machine_net_allow); -1 with e: the answer is SERVFAIL. */
	int (*allow)(void *ctx, const struct egress_elem *el, size_t n, struct pool_err *e);
	/* A line for the machine's log and the user ("NAME: DNS refused: ..."). */
	void (*note)(void *ctx, const char *line);
	/* What pool egress shows (egress_table_text), for the state file;
	 * NULL: the resolver writes cfg.state_file itself. */
	void (*state)(void *ctx, const char *text, size_t len);
	void *ctx;
};

struct dnsd_config {
	const char *machine;		/* its name, for log lines */
	uint8_t machine_mac[6], server_mac[6];
	uint32_t machine_ip, server_ip;	/* host byte order */
	struct egress_policy policy;
	uint32_t upstream[DNSD_UPSTREAMS_MAX];	/* host byte order */
	unsigned nupstream;
	uint16_t upstream_port;		/* 53; tests may point elsewhere */
	const char *state_file;		/* the table for pool egress; NULL: none */
	struct dnsd_hooks hooks;
};

struct dnsd_pending;

struct dnsd {
	int ep;				/* what the supervisor polls */
	int tap_fd, timer_fd;		/* tap_fd: the TAP's relay (pktrelay.h) */
	struct dnsd_config cfg;
	char machine[64];
	char state_file[4096];
	struct egress_table *table;
	struct dnsd_pending *pend;	/* DNSD_PENDING_MAX */
	bool dirty;			/* the state file is behind the table */
	uint64_t written_ms;
	unsigned lan_noted;		/* left-out lines in the current minute */
	uint64_t lan_window_ms;
	unsigned answered, refused, forwarded, ignored, failed;
};

/* Upstream resolvers for the resolver itself, as DHCP reads them
 * (/run/systemd/resolve/resolv.conf first, then /etc/resolv.conf), but a
 * loopback one is kept when nothing else is listed: the supervisor, unlike
 * the guest, can reach the host's loopback. */
unsigned dnsd_upstreams(uint32_t *dns, unsigned max);

/* Pure: the nameserver lines of a resolv.conf text, loopback included. */
unsigned dnsd_parse_resolv(const char *text, uint32_t *dns, unsigned max);

/* Serve on tap_fd, the guest-facing end of the TAP's relay for port 53
 * (pktrelay_open); it is d's from here on, also when this fails. */
int dnsd_open(struct dnsd *d, int tap_fd, const struct dnsd_config *cfg, struct pool_err *e);
/* Do what is waiting: questions from the machine, upstream answers,
 * timeouts. Never fails on what the machine or upstream sends. */
void dnsd_serve(struct dnsd *d);
void dnsd_close(struct dnsd *d);

/* Seconds on the resolver's clock (CLOCK_MONOTONIC). */
uint64_t dnsd_now_s(void);

#endif
