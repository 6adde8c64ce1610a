/* dnsd.c - one machine's DNS resolver, inside its supervisor, on its TAP
 * only: it answers that machine's queries to the channel's host address,
 * by its allow list. The decisions are egress.c's and dns_pkt.c's (pure,
 * fuzzed); this file moves frames and upstream messages. */
#include "net/dnsd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "net/dns_pkt.h"
#include "net/pktrelay.h"
#include "net/udp_frame.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define TAG_TAP 0xffffffffu
#define TAG_TIMER 0xfffffffeu
#define STATE_EVERY_MS 1000

enum how { P_FREE, P_UDP, P_TCP_CONNECT, P_TCP };

/* One question waiting for upstream. */
struct dnsd_pending {
	enum how how;
	int fd;
	enum egress_verdict v;
	struct dns_query q;		/* the machine's question */
	struct udp_frame to;		/* the reply's addresses */
	uint16_t id;			/* ours, towards upstream */
	unsigned server, tries;
	uint64_t try_end_ms, give_up_ms;
	uint8_t query[DNS_UDP_MAX + 2];	/* what goes upstream (room for TCP's length) */
	size_t qlen;
	uint8_t *tcp;			/* TCP: the response so far (DNS_MSG_MAX + 2) */
	size_t tcp_len, tcp_sent;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t dnsd_now_s(void)
{
	return mono_ms() / 1000;
}

unsigned dnsd_parse_resolv(const char *text, uint32_t *dns, unsigned max)
{
	unsigned n = 0;
	const char *p = text;

	while (*p && n < max) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char line[256];

		if (len < sizeof line) {
			char *f[3];
			const char *why;
			uint32_t a;

			memcpy(line, p, len);
			line[len] = '\0';
			if (split_fields(line, f, 2) >= 2 && strcmp(f[0], "nameserver") == 0 &&
			    parse_ipv4(f[1], &a, &why) == 0 && a != 0) {
				bool dup = false;

				for (unsigned i = 0; i < n; i++)
					dup |= dns[i] == a;
				if (!dup)
					dns[n++] = a;
			}
		}
		if (!end)
			break;
		p = end + 1;
	}
	return n;
}

unsigned dnsd_upstreams(uint32_t *dns, unsigned max)
{
	static const char *const files[] = { "/run/systemd/resolve/resolv.conf", "/etc/resolv.conf" };
	uint32_t all[8];
	unsigned n = 0, k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(files) && n == 0; i++) {
		_cleanup_free_ char *text = NULL;
		struct pool_err ignore = { 0 };
		size_t len;

		if (read_file(files[i], 64 * 1024, &text, &len, &ignore) == 0)
			n = dnsd_parse_resolv(text, all, ARRAY_SIZE(all));
	}
	for (unsigned i = 0; i < n && k < max; i++)	/* not loopback first */
		if ((all[i] >> 24) != 127)
			dns[k++] = all[i];
	for (unsigned i = 0; i < n && k == 0 && i < max; i++)
		dns[k++] = all[i];
	return k;
}

static void note(struct dnsd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct dnsd *d, const char *fmt, ...)
{
	char line[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (d->cfg.hooks.note)
		d->cfg.hooks.note(d->cfg.hooks.ctx, line);
	else
		log_warnx("%s", line);
}

static void ep_add(struct dnsd *d, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_warn("DNS: epoll");
}

static void ep_mod(struct dnsd *d, int fd, uint32_t tag, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };

	epoll_ctl(d->ep, EPOLL_CTL_MOD, fd, &ev);
}

int dnsd_open(struct dnsd *d, int tap_fd, const struct dnsd_config *cfg, struct pool_err *e)
{
	memset(d, 0, sizeof *d);
	d->ep = d->timer_fd = -1;
	d->tap_fd = tap_fd;
	d->cfg = *cfg;
	snprintf(d->machine, sizeof d->machine, "%s", cfg->machine ? cfg->machine : "machine");
	d->cfg.machine = d->machine;
	if (cfg->state_file)
		snprintf(d->state_file, sizeof d->state_file, "%s", cfg->state_file);
	if (!d->cfg.upstream_port)
		d->cfg.upstream_port = DNS_PORT;
	d->table = calloc(1, sizeof *d->table);
	d->pend = calloc(DNSD_PENDING_MAX, sizeof *d->pend);
	if (!d->table || !d->pend)
		return pool_err_sys(e, "DNS");
	for (size_t i = 0; i < DNSD_PENDING_MAX; i++)
		d->pend[i].fd = -1;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->ep < 0 || d->timer_fd < 0)
		return pool_err_sys(e, "DNS");
	ep_add(d, d->tap_fd, TAG_TAP, EPOLLIN);
	ep_add(d, d->timer_fd, TAG_TIMER, EPOLLIN);
	d->dirty = d->state_file[0] != '\0';
	return 0;
}

/* ---- replies to the machine ---- */

static void send_reply(struct dnsd *d, const struct udp_frame *to, const uint8_t *msg, size_t len)
{
	uint8_t frame[UDP_FRAME_HDR_LEN + DNS_UDP_MAX + 64];
	const char *why;
	size_t flen;

	if (udp_frame_build(to, msg, len, frame, sizeof frame, &flen, &why) < 0) {
		log_debug("DNS: reply not built: %s", why);
		return;
	}
	if (send(d->tap_fd, frame, flen, 0) < 0)
		log_debug("DNS: sending a reply: %s", strerror(errno));
	else
		d->answered++;
}

typedef int (*reply_fn)(const struct dns_query *, uint8_t *, size_t, size_t *, const char **);

static void reply_with(struct dnsd *d, const struct dns_query *q, const struct udp_frame *to,
		       reply_fn fn)
{
	uint8_t msg[DNS_UDP_MAX];
	const char *why;
	size_t len;

	if (fn(q, msg, sizeof msg, &len, &why) == 0)
		send_reply(d, to, msg, len);
}

/* ---- upstream ---- */

static void pending_free(struct dnsd *d, struct dnsd_pending *p)
{
	if (p->fd >= 0) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, p->fd, NULL);
		close(p->fd);
	}
	free(p->tcp);
	*p = (struct dnsd_pending){ .fd = -1 };
}

/* Start (or restart, at the next server) the UDP try of p. 0 or -1. */
static int try_udp(struct dnsd *d, struct dnsd_pending *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd;

	if (p->fd >= 0) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, p->fd, NULL);
		close(p->fd);
		p->fd = -1;
	}
	if (d->cfg.nupstream == 0 || p->tries >= 2 * DNSD_UPSTREAMS_MAX)
		return -1;
	p->server = (p->server + (p->tries ? 1 : 0)) % d->cfg.nupstream;
	p->tries++;
	/* a fresh socket per try: a port of the kernel's choice, and a
	 * connected socket takes answers from that server only */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	sa.sin_port = htons(d->cfg.upstream_port);
	sa.sin_addr.s_addr = htonl(d->cfg.upstream[p->server]);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || send(fd, p->query, p->qlen, 0) < 0) {
		close(fd);
		return -1;
	}
	p->fd = fd;
	p->how = P_UDP;
	p->try_end_ms = mono_ms() + DNSD_TRY_MS;
	ep_add(d, fd, (uint32_t)(p - d->pend), EPOLLIN);
	return 0;
}

static int try_tcp(struct dnsd *d, struct dnsd_pending *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	const char *why;
	size_t flen;
	int fd;

	epoll_ctl(d->ep, EPOLL_CTL_DEL, p->fd, NULL);
	close(p->fd);
	p->fd = -1;
	if (!p->tcp && !(p->tcp = malloc(DNS_MSG_MAX + 2)))
		return -1;
	p->tcp_len = p->tcp_sent = 0;
	if (dns_tcp_frame(p->query, p->qlen, p->query, sizeof p->query, &flen, &why) < 0)
		return -1;
	p->qlen = flen;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	sa.sin_port = htons(d->cfg.upstream_port);
	sa.sin_addr.s_addr = htonl(d->cfg.upstream[p->server]);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	p->fd = fd;
	p->how = P_TCP_CONNECT;
	p->try_end_ms = mono_ms() + DNSD_TCP_MS;
	p->give_up_ms = p->try_end_ms;
	ep_add(d, fd, (uint32_t)(p - d->pend), EPOLLOUT);
	return 0;
}

static void fail_pending(struct dnsd *d, struct dnsd_pending *p, const char *why)
{
	log_debug("DNS: %s: no answer from upstream (%s): SERVFAIL", p->q.name, why);
	d->failed++;
	reply_with(d, &p->q, &p->to, dns_reply_servfail);
	pending_free(d, p);
}

/* An allowed name's A records: open them, then answer. */
static void answer_allowed(struct dnsd *d, struct dnsd_pending *p, const struct dns_answer *a)
{
	struct egress_result r;
	struct pool_err e = { 0 };
	uint8_t msg[DNS_UDP_MAX];
	const char *why;
	size_t len;

	if (a->rcode == DNS_RCODE_NXDOMAIN) {
		reply_with(d, &p->q, &p->to, dns_reply_nxdomain);
		return;
	}
	if (a->rcode != DNS_RCODE_NOERROR) {
		log_debug("DNS: %s: upstream says RCODE %u: SERVFAIL", p->q.name, a->rcode);
		reply_with(d, &p->q, &p->to, dns_reply_servfail);
		return;
	}
	if (egress_answer(&d->cfg.policy, d->table, p->q.name, a, dnsd_now_s(), &r) < 0) {
		note(d, "%s: DNS: %s: more than %u addresses open at once: SERVFAIL", d->machine,
		     p->q.name, EGRESS_ENTRIES_MAX);
		reply_with(d, &p->q, &p->to, dns_reply_servfail);
		return;
	}
	if (r.nleft_out) {
		uint64_t now = mono_ms();

		if (now - d->lan_window_ms >= EGRESS_LOG_EVERY_S * 1000) {
			d->lan_window_ms = now;
			d->lan_noted = 0;
		}
		if (d->lan_noted++ < EGRESS_LOG_BURST) {
			char ip[16];

			note(d, "%s: DNS: %s: %s%s is not opened (%s)", d->machine, p->q.name,
			     ipv4_str(r.left_out[0], ip), r.nleft_out > 1 ? " and others" : "",
			     egress_addr_never(r.left_out[0]) ? "never reachable from a machine" :
			     "a LAN address: --allow-lan opens it");
		}
	}
	if (r.nel && d->cfg.hooks.allow && d->cfg.hooks.allow(d->cfg.hooks.ctx, r.el, r.nel, &e) < 0) {
		note(d, "%s: DNS: %s: %s: SERVFAIL", d->machine, p->q.name, e.msg);
		egress_forget(d->table, p->q.name, &r);	/* what was not opened is not shown */
		reply_with(d, &p->q, &p->to, dns_reply_servfail);
		return;
	}
	d->dirty = d->state_file[0] != '\0';
	if (dns_reply_a(&p->q, r.a, r.na, msg, sizeof msg, &len, &why) < 0) {
		log_debug("DNS: %s: %s", p->q.name, why);
		return;
	}
	send_reply(d, &p->to, msg, len);
}

/* A whole response from upstream: 1 when p is done, 0 to wait on. */
static int on_response(struct dnsd *d, struct dnsd_pending *p, const uint8_t *buf, size_t len)
{
	struct dns_answer a;
	const char *why;
	uint16_t qtype = p->v == EGRESS_FORWARD ? p->q.qtype : DNS_TYPE_A;

	if (dns_answer_parse(buf, len, p->id, p->q.name, qtype, &a, &why) < 0) {
		log_debug("DNS: %s: upstream response ignored: %s", p->q.name, why);
		return p->how == P_UDP ? 0 : (fail_pending(d, p, why), 1);
	}
	if (a.truncated && p->how == P_UDP) {
		if (try_tcp(d, p) < 0) {
			fail_pending(d, p, "TCP");
			return 1;
		}
		return 0;
	}
	if (p->v == EGRESS_FORWARD) {
		uint8_t msg[DNS_UDP_MAX];
		size_t olen;

		if (dns_response_fit(buf, len, &p->q, msg, sizeof msg, &olen, &why) == 0) {
			d->forwarded++;
			send_reply(d, &p->to, msg, olen);
		} else {
			reply_with(d, &p->q, &p->to, dns_reply_servfail);
		}
	} else {
		answer_allowed(d, p, &a);
	}
	pending_free(d, p);
	return 1;
}

static void on_upstream(struct dnsd *d, struct dnsd_pending *p, uint32_t events)
{
	ssize_t n;

	if (p->how == P_UDP) {
		uint8_t buf[DNS_MSG_MAX];

		while (p->how == P_UDP && (n = recv(p->fd, buf, sizeof buf, 0)) >= 0)
			if (on_response(d, p, buf, (size_t)n))
				return;
		if (p->how == P_UDP && errno == ECONNREFUSED && try_udp(d, p) < 0)
			fail_pending(d, p, "connection refused");
		return;
	}
	if (p->how == P_TCP_CONNECT) {
		int err = 0;
		socklen_t elen = sizeof err;

		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
			fail_pending(d, p, "TCP connect");
			return;
		}
		p->how = P_TCP;
		ep_mod(d, p->fd, (uint32_t)(p - d->pend), EPOLLIN | EPOLLOUT);
	}
	if ((events & EPOLLOUT) && p->tcp_sent < p->qlen) {
		n = send(p->fd, p->query + p->tcp_sent, p->qlen - p->tcp_sent, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN) {
			fail_pending(d, p, "TCP send");
			return;
		}
		if (n > 0)
			p->tcp_sent += (size_t)n;
		if (p->tcp_sent == p->qlen)
			ep_mod(d, p->fd, (uint32_t)(p - d->pend), EPOLLIN);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		const uint8_t *m;
		size_t mlen, used;
		const char *why;
		int r;

		n = recv(p->fd, p->tcp + p->tcp_len, DNS_MSG_MAX + 2 - p->tcp_len, 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			fail_pending(d, p, "TCP closed");
			return;
		}
		p->tcp_len += (size_t)n;
		r = dns_tcp_next(p->tcp, p->tcp_len, &m, &mlen, &used, &why);
		if (r < 0)
			fail_pending(d, p, why);
		else if (r == 1)
			on_response(d, p, m, mlen);
		else if (p->tcp_len == DNS_MSG_MAX + 2)
			fail_pending(d, p, "TCP message too long");
	}
}

/* ---- questions from the machine ---- */

static void ask_upstream(struct dnsd *d, const struct dns_query *q, const struct udp_frame *to,
			 const uint8_t *raw, size_t rawlen, enum egress_verdict v)
{
	struct dnsd_pending *p = NULL;
	const char *why;

	for (size_t i = 0; i < DNSD_PENDING_MAX; i++) {
		struct dnsd_pending *o = &d->pend[i];

		/* the machine asking again while we wait: one question upstream */
		if (o->how != P_FREE && o->q.id == q->id && o->to.dst_port == to->dst_port &&
		    o->q.qtype == q->qtype && strcmp(o->q.name, q->name) == 0)
			return;
		if (o->how == P_FREE && !p)
			p = o;
	}
	if (!p || d->cfg.nupstream == 0) {
		log_debug("DNS: %s: %s: SERVFAIL", q->name, p ? "no upstream resolver" : "too many questions waiting");
		d->failed++;
		reply_with(d, q, to, dns_reply_servfail);
		return;
	}
	*p = (struct dnsd_pending){ .fd = -1, .v = v, .q = *q, .to = *to };
	if (getrandom(&p->id, sizeof p->id, 0) != sizeof p->id)
		p->id = (uint16_t)mono_ms();
	if (v == EGRESS_FORWARD) {
		/* as the machine asked it, with our ID */
		if (rawlen > sizeof p->query - 2) {
			reply_with(d, q, to, dns_reply_servfail);
			return;
		}
		memcpy(p->query, raw, rawlen);
		p->query[0] = (uint8_t)(p->id >> 8);
		p->query[1] = (uint8_t)p->id;
		p->qlen = rawlen;
	} else if (dns_query_build(p->id, q->name, DNS_TYPE_A, DNS_UDP_MAX, p->query,
				   sizeof p->query - 2, &p->qlen, &why) < 0) {
		reply_with(d, q, to, dns_reply_servfail);
		return;
	}
	p->server = (unsigned)(p->id % d->cfg.nupstream);
	p->give_up_ms = mono_ms() + DNSD_GIVE_UP_MS;
	if (try_udp(d, p) < 0)
		fail_pending(d, p, "send");
}

static void serve_frame(struct dnsd *d, uint8_t *buf, size_t n, bool csum_not_ready)
{
	struct udp_frame f, to;
	struct dns_query q;
	const char *why;

	if (csum_not_ready)
		udp_frame_forget_csum(buf, n);
	if (udp_frame_parse(buf, n, &f, &why) < 0) {
		d->ignored++;
		log_debug("DNS: ignored a frame of %zu bytes: %s", n, why);
		return;
	}
	/* this machine, to its server: another address is not ours to answer */
	if (memcmp(f.src_mac, d->cfg.machine_mac, 6) != 0 || memcmp(f.dst_mac, d->cfg.server_mac, 6) != 0 ||
	    f.src_ip != d->cfg.machine_ip || f.dst_ip != d->cfg.server_ip || f.dst_port != DNS_PORT ||
	    f.src_port == 0) {
		char shown[16];

		d->ignored++;
		log_debug("DNS: ignored a frame to %s:%u: not this machine to its server",
			  ipv4_str(f.dst_ip, shown), f.dst_port);
		return;
	}
	udp_frame_reply(&f, &to);
	if (dns_query_parse(f.payload, f.payload_len, &q, &why) < 0) {
		d->ignored++;
		log_debug("DNS: refused a query: %s", why);
		if (q.can_reply)
			reply_with(d, &q, &to, dns_reply_refused);
		return;
	}
	switch (egress_decide(&d->cfg.policy, &q)) {
	case EGRESS_REFUSE:
		d->refused++;
		if (egress_refused(d->table, q.name, dnsd_now_s()))
			note(d, "%s: DNS refused: %s (not in network.allow)", d->machine, q.name);
		d->dirty = d->state_file[0] != '\0';
		reply_with(d, &q, &to, dns_reply_refused);
		return;
	case EGRESS_EMPTY:
		reply_with(d, &q, &to, dns_reply_empty);
		return;
	case EGRESS_RESOLVE:
		ask_upstream(d, &q, &to, NULL, 0, EGRESS_RESOLVE);
		return;
	case EGRESS_FORWARD:
		ask_upstream(d, &q, &to, f.payload, f.payload_len, EGRESS_FORWARD);
		return;
	}
}

/* ---- time ---- */

static void write_state(struct dnsd *d)
{
	_cleanup_free_ char *text = malloc(EGRESS_TEXT_MAX);
	struct pool_err e = { 0 };
	size_t len;

	if (!text)
		return;
	egress_expire(d->table, dnsd_now_s());
	len = egress_table_text(d->table, dnsd_now_s(), (uint64_t)time(NULL), text,
				EGRESS_TEXT_MAX);
	if (d->cfg.hooks.state)
		d->cfg.hooks.state(d->cfg.hooks.ctx, text, len);
	else if (write_file_atomic(d->state_file, text, len, 0600, &e) < 0)
		log_debug("DNS: %s", e.msg);
	d->dirty = false;
	d->written_ms = mono_ms();
}

static void timers(struct dnsd *d)
{
	uint64_t now = mono_ms(), next = UINT64_MAX;
	struct itimerspec its = { 0 };

	for (size_t i = 0; i < DNSD_PENDING_MAX; i++) {
		struct dnsd_pending *p = &d->pend[i];

		if (p->how == P_FREE)
			continue;
		if (now >= p->give_up_ms) {
			fail_pending(d, p, "timed out");
			continue;
		}
		if (now >= p->try_end_ms && p->how == P_UDP && try_udp(d, p) < 0) {
			fail_pending(d, p, "send");
			continue;
		}
		if (p->how != P_FREE) {
			uint64_t t = p->try_end_ms < p->give_up_ms ? p->try_end_ms : p->give_up_ms;

			next = t < next ? t : next;
		}
	}
	if (d->dirty) {
		if (now - d->written_ms >= STATE_EVERY_MS)
			write_state(d);
		else
			next = d->written_ms + STATE_EVERY_MS < next ? d->written_ms + STATE_EVERY_MS : next;
	}
	if (next != UINT64_MAX) {
		uint64_t in = next > now ? next - now : 1;

		its.it_value.tv_sec = (time_t)(in / 1000);
		its.it_value.tv_nsec = (long)(in % 1000) * 1000000;
	}
	timerfd_settime(d->timer_fd, 0, &its, NULL);
}

void dnsd_serve(struct dnsd *d)
{
	struct epoll_event ev[16];
	int n;

	if (d->ep < 0)
		return;
	n = epoll_wait(d->ep, ev, 16, 0);
	for (int i = 0; i < n; i++) {
		uint32_t tag = ev[i].data.u32;

		if (tag == TAG_TAP) {
			uint8_t buf[2048];
			bool csum;
			long len;

			for (int k = 0; k < 64 && (len = pktrelay_recv(d->tap_fd, buf, sizeof buf, &csum,
								       &d->ignored)) >= 0; k++)
				serve_frame(d, buf, (size_t)len, csum);
		} else if (tag == TAG_TIMER) {
			uint64_t x;

			if (read(d->timer_fd, &x, sizeof x) < 0)
				(void)0;
		} else if (tag < DNSD_PENDING_MAX && d->pend[tag].how != P_FREE) {
			on_upstream(d, &d->pend[tag], ev[i].events);
		}
	}
	timers(d);
}

void dnsd_close(struct dnsd *d)
{
	if (d->pend)
		for (size_t i = 0; i < DNSD_PENDING_MAX; i++)
			if (d->pend[i].how != P_FREE)
				pending_free(d, &d->pend[i]);
	free(d->pend);
	free(d->table);
	d->pend = NULL;
	d->table = NULL;
	if (d->tap_fd >= 0)
		close(d->tap_fd);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	if (d->ep >= 0)
		close(d->ep);
	d->ep = d->tap_fd = d->timer_fd = -1;
}
