/* egress.h - a machine's egress by name: which DNS question its resolver
 * answers, and which nft elements an answer opens (pure, libc only). */
#ifndef POOL_EGRESS_H
#define POOL_EGRESS_H

/*
 * The supervisor answers its machine's DNS (dnsd.c moves the frames and
 * asks upstream); every decision is made here, from the question, the
 * upstream answer and the time the caller passes in, so it can be unit
 * tested and fuzzed, and run in a part of pool that holds no privilege.
 *
 * Rules, decided once here:
 *  - The question's name decides. A machine without an allow list (nat)
 *    has every question forwarded as asked. With a list, a name that no
 *    NAME / *.NAME entry matches is REFUSED and noted (egress_refused);
 *    CIDR entries open addresses, never names.
 *  - An allowed name's A (and ANY) questions are resolved upstream as A;
 *    its other types (AAAA: IPv6 stays off; MX, TXT, HTTPS, ...) get
 *    NOERROR with no answer.
 *  - An answer's A records (the CNAME chain followed by dns_answer_parse)
 *    become elements (address, the entry's port and protocol) for every
 *    entry that matches the question's name. An address never reachable
 *    from a machine (0/8, 127/8, 224/4, 240/4) gets no element and is
 *    left out of the answer; so is a LAN address (10/8, 172.16/12,
 *    192.168/16, CGNAT 100.64/10, link-local 169.254/16) unless the
 *    command line gave --allow-lan.
 *  - Times: an element lives the record's TTL bounded to
 *    EGRESS_TTL_FLOOR..EGRESS_TTL_CAP seconds, plus EGRESS_TTL_SLACK,
 *    and never less than what is left of the same element's life (so a
 *    shorter TTL later does not cut an answer the guest still holds). The
 *    guest is told min(TTL, EGRESS_TTL_CAP): its cache never outlives the
 *    element.
 *  - Bounds: at most EGRESS_ENTRIES_MAX (name, address, port, protocol)
 *    entries live at once; an answer that would need more is not given
 *    (egress_answer returns -1: SERVFAIL). Refused names are remembered,
 *    at most EGRESS_REFUSED_MAX, the least recently refused forgotten
 *    first; one is logged again at most every EGRESS_LOG_EVERY_S seconds,
 *    and at most EGRESS_LOG_BURST lines go out per EGRESS_LOG_EVERY_S.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/dns_pkt.h"
#include "spec/spec.h"

#define EGRESS_TTL_FLOOR 30u
#define EGRESS_TTL_CAP 3600u
#define EGRESS_TTL_SLACK 2u		/* the answer's way to the guest, and its connect */
#define EGRESS_ENTRIES_MAX 1024u	/* also the size of each nft set */
#define EGRESS_REFUSED_MAX 128u
#define EGRESS_TEXT_MAX (EGRESS_ENTRIES_MAX * 320 + EGRESS_REFUSED_MAX * 300)	/* egress_table_text */
#define EGRESS_LOG_EVERY_S 60u
#define EGRESS_LOG_BURST 20u
/* elements one answer may open: its addresses times the entries matching */
#define EGRESS_ADD_MAX (DNS_ANSWER_MAX * 4)

enum egress_verdict {
	EGRESS_REFUSE,		/* REFUSED; the name is noted */
	EGRESS_RESOLVE,		/* ask upstream for A; answer from its records */
	EGRESS_EMPTY,		/* an allowed name, a type not resolved: NOERROR, no answer */
	EGRESS_FORWARD,		/* no allow list: the question goes upstream as asked */
};

/* What the machine may reach by name. */
struct egress_policy {
	bool has_allow;			/* false: nat, every question forwarded */
	bool allow_lan;			/* the command line's --allow-lan */
	const struct allow_rule *rules;	/* network.allow; the entries with a name count */
	size_t nrules;
};

/* One nft element: address and, for an entry with a port, the port and
 * protocol (6 or 17); port 0 and proto 0 for an entry without a port. */
struct egress_elem {
	uint32_t addr;			/* host byte order */
	uint16_t port;
	uint8_t proto;
	uint32_t timeout;		/* seconds */
};

/* One name's address held open (what pool egress shows). */
struct egress_entry {
	char name[DNS_NAME_MAX + 1];	/* the question's name */
	uint32_t addr;
	uint16_t port;
	uint8_t proto;
	uint64_t expires;		/* the element's end, seconds on the caller's clock */
};

struct egress_refusal {
	char name[DNS_NAME_MAX + 1];
	uint64_t count;
	uint64_t last;			/* last refused */
	uint64_t logged;		/* last logged; 0: never */
};

/* What one machine's resolver remembers: fixed size, no allocation. */
struct egress_table {
	struct egress_entry e[EGRESS_ENTRIES_MAX];
	size_t n;
	struct egress_refusal r[EGRESS_REFUSED_MAX];
	size_t nr;
	uint64_t burst_start;		/* the current log window */
	unsigned burst;			/* lines logged in it */
};

/* What to do with a question (q from dns_query_parse). */
enum egress_verdict egress_decide(const struct egress_policy *p, const struct dns_query *q);

/* Is this address never opened (0/8, 127/8, 224/4, 240/4)?  Is it on a
 * LAN (private, CGNAT, link-local)? */
bool egress_addr_never(uint32_t addr);
bool egress_addr_lan(uint32_t addr);

/* What an upstream answer to an EGRESS_RESOLVE question opens and says. */
struct egress_result {
	struct dns_a a[DNS_ANSWER_MAX];		/* for the guest, TTLs as it may cache them */
	size_t na;
	struct egress_elem el[EGRESS_ADD_MAX];	/* to add before the answer is sent */
	size_t nel;
	uint32_t left_out[DNS_ANSWER_MAX];	/* addresses not opened (never, or LAN) */
	size_t nleft_out;
};

/* Work out r for the answer ans (dns_answer_parse, NOERROR) to the
 * question name qname at time now, and record its entries in t. Return
 * 0, or -1 when t cannot hold them (nothing recorded; answer SERVFAIL). */
int egress_answer(const struct egress_policy *p, struct egress_table *t, const char *qname,
		  const struct dns_answer *ans, uint64_t now, struct egress_result *r);

/* Forget what egress_answer recorded for qname and r: its elements could
 * not be opened. */
void egress_forget(struct egress_table *t, const char *qname, const struct egress_result *r);

/* Forget entries whose element has ended. */
void egress_expire(struct egress_table *t, uint64_t now);

/* Note that name was refused at now: true when a line should be logged. */
bool egress_refused(struct egress_table *t, const char *name, uint64_t now);

/* ---- the state file pool egress reads ---- */

/* The table as text: "resolved NAME ADDRESS PORT PROTO EXPIRES\n" per
 * live entry (PORT 0 and PROTO "any" for an entry without a port), then
 * "refused NAME COUNT LAST\n" per refused name; times in seconds since
 * the epoch, given now_epoch for now. Writes at most cap bytes (whole
 * lines); returns the length. */
size_t egress_table_text(const struct egress_table *t, uint64_t now, uint64_t now_epoch,
			 char *out, size_t cap);

/* One line of that text, parsed strictly. Return 'r' (resolved: name,
 * addr, port, proto, expires in *e), 'f' (refused: *f), or -1 with *why. */
int egress_line_parse(const char *line, struct egress_entry *e, struct egress_refusal *f,
		      const char **why);

#endif
