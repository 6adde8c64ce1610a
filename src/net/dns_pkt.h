/* dns_pkt.h - DNS messages (RFC 1035): pure parsers and builders for a machine's resolver (libc only). */
#ifndef POOL_DNS_PKT_H
#define POOL_DNS_PKT_H

/*
 * Used by the per-machine supervisor, which answers its machine's DNS
 * queries (on the TAP, frames through udp_frame.h) and asks the host's
 * upstream resolvers for the names the machine's allow list lets through.
 * Like dhcp_pkt.h this depends on libc only: functions return -1 and set
 * *why to a static phrase; nothing logs, nothing allocates. IPv4
 * addresses are in host byte order.
 *
 * Rules, decided once here:
 *  - Names. On the wire: labels of 1..63 bytes, the whole name at most 255
 *    bytes with its length bytes and the final 0. A length byte 0x40..0xbf
 *    (a label over 63, or the reserved label types 01 and 10) is refused.
 *    As text: lowercase, labels joined by '.', no trailing dot, at most
 *    DNS_NAME_MAX (253) characters; the root is ".". A name's characters
 *    are those a host name may hold plus '_': [a-z0-9-_], and A-Z, which
 *    are lowered. A name holding any other byte ('.' inside a label, a
 *    space, a NUL, a byte >= 0x80, ...) is refused (the phrase says which
 *    kind), so text never stands for two different wire names.
 *  - Compression pointers. None in a query's question (no stub sends one:
 *    a query holds a single name), so the question is one span of bytes
 *    and replies echo it exactly as sent (the client's case is kept, as
 *    0x20-randomising clients check). In responses: a pointer must point
 *    inside the message, after the 12-byte header, and strictly before the
 *    start of the labels it continues (so every hop goes backwards and a
 *    loop is impossible), with at most DNS_PTR_HOPS_MAX hops per name.
 *  - Queries (dns_query_parse): QR 0, opcode QUERY, QDCOUNT 1, ANCOUNT 0,
 *    NSCOUNT 0, ARCOUNT 0 or 1; the one additional record must be an EDNS
 *    OPT record (root owner, type 41), of which only the UDP size is read.
 *    Class IN only. QTYPE 0, OPT, IXFR, AXFR, MAILB and MAILA are refused;
 *    other types (ANY included) are the caller's to answer. Bytes after the
 *    message are refused.
 *  - Replies: QR and RA set, ID, opcode and RD copied, AA, TC and Z clear.
 *    TC is never set (the machine has no TCP path to us): answers that do
 *    not fit the client's UDP size (512, or its EDNS size, at most
 *    DNS_UDP_MAX) are left out, as many as fit are kept. A query with an
 *    OPT record gets one back (RFC 6891 6.1.1), advertising DNS_UDP_MAX.
 *  - Responses (dns_answer_parse): the ID, QR, opcode and the question
 *    (name case-insensitively, type, class IN) must match; the answer
 *    section is walked only for RCODE NOERROR without TC. Every record is
 *    read with its names bounded; the CNAME chain is followed from the
 *    question name through records of class IN whatever their order, at
 *    most DNS_CHAIN_MAX CNAMEs, refusing a loop or two CNAMEs for one name;
 *    the A records (class IN, 4 bytes of data) owned by the chain's end are
 *    kept. Records of other owners, types or classes are skipped. A TTL
 *    with its top bit set counts as 0 (RFC 2181 8). Authority and
 *    additional sections are not read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_PORT 53
#define DNS_HDR_LEN 12
#define DNS_LABEL_MAX 63
#define DNS_NAME_WIRE_MAX 255
#define DNS_NAME_MAX 253		/* as text, without a trailing dot */
#define DNS_UDP_MIN 512			/* a reply's size without EDNS */
#define DNS_UDP_MAX 1232		/* cap on a client's EDNS size; what we advertise */
#define DNS_PTR_HOPS_MAX 16		/* compression pointers followed in one name */
#define DNS_CHAIN_MAX 8			/* CNAMEs followed from the question name */
#define DNS_ANSWER_MAX 32		/* A records kept from one response */
#define DNS_TTL_MAX 0x7fffffffu		/* RFC 2181 8 */
#define DNS_MSG_MAX 65535		/* over TCP, with the 2-byte length in front */

enum {
	DNS_TYPE_A = 1,
	DNS_TYPE_NS = 2,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12,
	DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
	DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41,
	DNS_TYPE_RRSIG = 46,
	DNS_TYPE_HTTPS = 65,
	DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252,
	DNS_TYPE_MAILB = 253,
	DNS_TYPE_MAILA = 254,
	DNS_TYPE_ANY = 255,
};

#define DNS_CLASS_IN 1

enum {
	DNS_RCODE_NOERROR = 0,
	DNS_RCODE_FORMERR = 1,
	DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3,
	DNS_RCODE_NOTIMP = 4,
	DNS_RCODE_REFUSED = 5,
};

/* A parsed query from the machine. */
struct dns_query {
	uint16_t id;
	bool rd;			/* recursion desired: copied to replies */
	uint16_t qtype, qclass;
	char name[DNS_NAME_MAX + 1];	/* lowercase text; a refused character reads '?' */
	uint8_t qname_wire[DNS_NAME_WIRE_MAX];	/* the question's name as sent */
	size_t qname_wire_len;		/* 1..255; 0 until the question was read */
	bool has_edns;
	uint16_t edns_size;		/* the OPT record's UDP size, as sent */
	uint16_t udp_size;		/* what a reply may take: 512..DNS_UDP_MAX */
	/* On failure: true when the header and the whole question were read,
	 * and only what they ask for is refused (a character, the class, the
	 * type, the additional record, trailing bytes). The dns_reply_*
	 * builders may then still answer it (dns_reply_refused, say), so the
	 * machine is not left waiting for a timeout. False otherwise: send
	 * nothing (a response, a mangled header, a mangled question). */
	bool can_reply;
};

/* Parse a UDP payload from the machine. Pure: reads only buf[0..len).
 * Return 0, or -1 with *why (and q->can_reply as above). *q is fully
 * written either way. */
int dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *q, const char **why);

/* One A record: address (host byte order) and TTL in seconds. */
struct dns_a {
	uint32_t addr;
	uint32_t ttl;
};

/* Replies to a query that dns_query_parse read (returned 0, or set
 * can_reply), written to out[0..cap) and never longer than q->udp_size.
 * Return 0 with *outlen set, or -1 with *why (cap too small for the
 * header, question and OPT record, or q not from dns_query_parse). */
int dns_reply_refused(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		      const char **why);
int dns_reply_servfail(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		       const char **why);
int dns_reply_nxdomain(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		       const char **why);
/* NOERROR without an answer: for an allowed name's AAAA and other types. */
int dns_reply_empty(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		    const char **why);

/* NOERROR with A records owned by the question's name (a compression
 * pointer to it), each with its own TTL (capped at DNS_TTL_MAX), in the
 * order given. As many of a[0..n) as fit min(cap, q->udp_size) are
 * written. Return how many (0..n), or -1 with *why as above. */
int dns_reply_a(const struct dns_query *q, const struct dns_a *a, size_t n,
		uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* ---- upstream: asking the host's resolvers ---- */

/* A query for name (text as in struct dns_query: [A-Za-z0-9-_] labels
 * joined by '.', no trailing dot; "." for the root) and qtype, class IN,
 * RD set, with the given ID; with an OPT record advertising edns_size
 * when edns_size is non-zero (512 or more). Return 0 with *outlen, or -1
 * with *why (a bad name, out too small). */
int dns_query_build(uint16_t id, const char *name, uint16_t qtype, uint16_t edns_size,
		    uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* What an upstream response says about our question. */
struct dns_answer {
	uint8_t rcode;			/* the header's RCODE */
	bool truncated;			/* TC: ask again over TCP; nothing collected */
	unsigned nchain;		/* CNAMEs followed */
	char chain[DNS_CHAIN_MAX][DNS_NAME_MAX + 1];	/* their targets, in order */
	unsigned na;			/* A records of the chain's end */
	struct dns_a a[DNS_ANSWER_MAX];	/* distinct addresses; a TTL is the least of
					 * the record's (duplicates: theirs) and the
					 * chain's CNAMEs' TTLs */
	bool a_dropped;			/* more than DNS_ANSWER_MAX distinct addresses */
};

/* Parse an upstream response to the query (expected_id, qname, qtype) that
 * dns_query_build made; qname is the text passed to it (compared without
 * regard to case). Pure: reads only buf[0..len). Return 0 for a response
 * to that question, whatever its RCODE (records are collected only for
 * NOERROR without TC; A records only when qtype is A), or -1 with *why (not
 * that response, or malformed: the header's rules, a bad name or pointer,
 * a record running past the end, a CNAME loop or a chain longer than
 * DNS_CHAIN_MAX). *a is fully written either way. A response with TC set
 * and no question is accepted as truncated. */
int dns_answer_parse(const uint8_t *buf, size_t len, uint16_t expected_id, const char *qname,
		     uint16_t qtype, struct dns_answer *a, const char **why);

/* An upstream response to a question forwarded as the machine asked it
 * (a machine without an allow list), made fit for the machine: q's ID, TC
 * clear, and no longer than q->udp_size. A response that fits is copied
 * as it is; a longer one keeps its header, question and as many whole
 * answer records as fit, and loses its authority and additional sections
 * (an OPT record is added back when q had one). resp must have passed
 * dns_answer_parse for q's name and type. Return 0 with *outlen, or -1
 * with *why (malformed, or out too small). */
int dns_response_fit(const uint8_t *resp, size_t len, const struct dns_query *q,
		     uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* ---- DNS over TCP (RFC 1035 4.2.2): a 2-byte length before each message ---- */

/* Write the length of msg[0..len) and the message to out. Return 0 with
 * *outlen, or -1 with *why (an empty message or one over DNS_MSG_MAX, out
 * too small). msg may lie inside out (it is moved). */
int dns_tcp_frame(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  const char **why);

/* The first message in a stream's bytes buf[0..len): return 1 with *msg,
 * *msglen and *used (2 + *msglen, what to drop before the next one), 0 when
 * more bytes are needed, -1 with *why for a zero length. */
int dns_tcp_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msglen,
		 size_t *used, const char **why);

/* ---- names in allow lists ---- */

/* Is text a name or pattern an allow list may hold: a name as above but
 * not the root, upper case allowed, or "*." and such a name. Return 0, or
 * -1 with *why. */
int dns_name_valid(const char *text, const char **why);

/* Does pattern (dns_name_valid) match name (text), without regard to case?
 * "NAME" matches NAME only; "*.NAME" matches every name below NAME at any
 * depth, but not NAME itself. */
bool dns_name_match(const char *pattern, const char *name);

/* Name of a type for log lines ("A", "AAAA"), NULL for others. */
const char *dns_type_name(uint16_t type);

#endif
