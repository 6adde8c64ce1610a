/* dns_pkt.c - DNS messages: cursor-based parsers and bounded builders (libc only). */
#include "dns_pkt.h"

#include <string.h>

#include "common/be.h"
#include "common/names.h"

/*
 * As in dhcp_pkt.c: a cursor (an offset into the message) and the length
 * of the message; every read is preceded by a check of what remains.
 * Nothing copies a length the peer gives: a label is copied into a name
 * only after the name's total length has been checked against its bound.
 */

enum {
	FLAG_QR = 0x8000,
	FLAG_AA = 0x0400,
	FLAG_TC = 0x0200,
	FLAG_RD = 0x0100,
	FLAG_RA = 0x0080,
	OPCODE_SHIFT = 11,
	RR_FIXED_LEN = 10,		/* type, class, TTL, data length */
	OPT_RR_LEN = 1 + RR_FIXED_LEN,	/* root owner + fixed part, no data */
	A_RR_LEN = 2 + RR_FIXED_LEN + 4,	/* pointer owner + fixed part + address */
	PTR_QUESTION = 0xc000 | DNS_HDR_LEN,
};

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* NULL for a byte a label may hold, else the phrase saying what it is. */
static const char *char_refused(uint8_t c)
{
	if (c == '.')
		return "name has a '.' inside a label";
	if (c == 0)
		return "name has a NUL byte";
	if (c == '*')
		return "name has a '*'";
	return dns_char_refused(c);
}

/* ASCII case-insensitive equality of two NUL-terminated names. */
static bool name_eq(const char *a, const char *b)
{
	while (*a && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

/* ---- names on the wire ---- */

struct name {
	char text[DNS_NAME_MAX + 1];	/* lowercase; '?' for a refused byte */
	const char *bad;		/* the first refused byte's phrase, or NULL */
	size_t wire_len;		/* with pointers followed: 1..255 */
};

/* Read the name at msg[*off..) of the message msg[0..len). With ptrs false
 * a compression pointer is refused. Return 0 with *off just past the name
 * where it is written (past its first pointer, or its final 0), or -1.
 * A name with refused bytes is still read whole (n->bad says so). */
static int name_read(const uint8_t *msg, size_t len, size_t *off, bool ptrs, struct name *n,
		     const char **why)
{
	size_t pos = *off, seg = pos, end = 0, wire = 0, t = 0;
	unsigned hops = 0;
	bool jumped = false;

	n->bad = NULL;
	n->text[0] = '\0';
	for (;;) {
		size_t c, i;

		if (pos >= len)
			goto too_short;
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (!ptrs) {
				*why = "compression pointer in a query's question";
				return -1;
			}
			if (len - pos < 2)
				goto too_short;
			target = (c & 0x3f) << 8 | msg[pos + 1];
			if (target < DNS_HDR_LEN) {
				*why = "compression pointer into the header";
				return -1;
			}
			/* strictly before the labels it continues: every
			 * hop goes backwards, so no loop can form */
			if (target >= seg) {
				*why = "compression pointer does not point backwards";
				return -1;
			}
			if (++hops > DNS_PTR_HOPS_MAX) {
				*why = "too many compression pointers in one name";
				return -1;
			}
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = seg = target;
			continue;
		}
		if (c & 0xc0) {
			*why = "label longer than 63 bytes (or a reserved label type)";
			return -1;
		}
		pos++;
		if (c == 0) {
			wire++;
			break;
		}
		/* this label, its length byte and at least the final 0 */
		if (wire + 1 + c + 1 > DNS_NAME_WIRE_MAX) {
			*why = "name longer than 255 bytes";
			return -1;
		}
		if (len - pos < c)
			goto too_short;
		/* t + '.' + c <= wire - 1 + c + 1 <= DNS_NAME_MAX: fits text */
		if (t + (t ? 1 : 0) + c > DNS_NAME_MAX) {
			*why = "name longer than 255 bytes";
			return -1;
		}
		if (t)
			n->text[t++] = '.';
		for (i = 0; i < c; i++) {
			const char *bad = char_refused(msg[pos + i]);

			if (bad && !n->bad)
				n->bad = bad;
			n->text[t++] = bad ? '?' : lower((char)msg[pos + i]);
		}
		n->text[t] = '\0';
		wire += 1 + c;
		pos += c;
	}
	if (!jumped)
		end = pos;
	if (t == 0) {
		n->text[0] = '.';
		n->text[1] = '\0';
	}
	n->wire_len = wire;
	*off = end;
	return 0;
too_short:
	*why = "name runs past the end of the message";
	return -1;
}

/* ---- names as text ---- */

/* Check text ([A-Za-z0-9-_] labels joined by '.', no trailing dot; "."
 * for the root) and, when wire is not NULL, write it there lowercase.
 * Return 0 with *wlen, or -1 with *why. */
static int text_to_wire(const char *text, uint8_t wire[DNS_NAME_WIRE_MAX], size_t *wlen,
			const char **why)
{
	size_t tlen = strnlen(text, DNS_NAME_MAX + 1), i, start = 0, w = 0;

	if (tlen > DNS_NAME_MAX) {
		*why = "name longer than 253 characters";
		return -1;
	}
	if (tlen == 1 && text[0] == '.') {
		if (wire)
			wire[0] = 0;
		*wlen = 1;
		return 0;
	}
	for (i = 0; i <= tlen; i++) {
		size_t llen;

		if (i < tlen && text[i] != '.') {
			const char *bad = char_refused((uint8_t)text[i]);

			if (bad) {
				*why = bad;
				return -1;
			}
			continue;
		}
		llen = i - start;
		if (llen == 0) {
			*why = "name has an empty label";
			return -1;
		}
		if (llen > DNS_LABEL_MAX) {
			*why = "label longer than 63 bytes";
			return -1;
		}
		/* tlen <= 253 bounds w: labels + their length bytes + 0 <= 255 */
		if (wire) {
			wire[w] = (uint8_t)llen;
			for (size_t j = 0; j < llen; j++)
				wire[w + 1 + j] = (uint8_t)lower(text[start + j]);
		}
		w += 1 + llen;
		start = i + 1;
	}
	if (wire)
		wire[w] = 0;
	*wlen = w + 1;
	return 0;
}

int dns_name_valid(const char *text, const char **why)
{
	return valid_dns_pattern(text, why);
}

bool dns_name_match(const char *pattern, const char *name)
{
	size_t bl, nl;

	if (pattern[0] != '*' || pattern[1] != '.')
		return name_eq(pattern, name);
	pattern += 2;
	bl = strlen(pattern);
	nl = strlen(name);
	/* at least one character and a dot before the base */
	return nl > bl + 1 && name[nl - bl - 1] == '.' && name[0] != '.' &&
	       name_eq(pattern, name + nl - bl);
}

const char *dns_type_name(uint16_t type)
{
	switch (type) {
	case DNS_TYPE_A: return "A";
	case DNS_TYPE_NS: return "NS";
	case DNS_TYPE_CNAME: return "CNAME";
	case DNS_TYPE_SOA: return "SOA";
	case DNS_TYPE_PTR: return "PTR";
	case DNS_TYPE_MX: return "MX";
	case DNS_TYPE_TXT: return "TXT";
	case DNS_TYPE_AAAA: return "AAAA";
	case DNS_TYPE_SRV: return "SRV";
	case DNS_TYPE_OPT: return "OPT";
	case DNS_TYPE_RRSIG: return "RRSIG";
	case DNS_TYPE_HTTPS: return "HTTPS";
	case DNS_TYPE_IXFR: return "IXFR";
	case DNS_TYPE_AXFR: return "AXFR";
	case DNS_TYPE_ANY: return "ANY";
	default: return NULL;
	}
}

/* ---- queries from the machine ---- */

static uint16_t clamp_udp(uint16_t size)
{
	if (size < DNS_UDP_MIN)
		return DNS_UDP_MIN;
	if (size > DNS_UDP_MAX)
		return DNS_UDP_MAX;
	return size;
}

int dns_query_parse(const uint8_t *buf, size_t len, struct dns_query *q, const char **why)
{
	struct name n;
	size_t off = DNS_HDR_LEN;
	uint16_t flags, ar;

	memset(q, 0, sizeof *q);
	q->udp_size = DNS_UDP_MIN;
	if (len < DNS_HDR_LEN) {
		*why = "shorter than a DNS header";
		return -1;
	}
	q->id = get_be16(buf);
	flags = get_be16(buf + 2);
	q->rd = flags & FLAG_RD;
	ar = get_be16(buf + 10);
	if (flags & FLAG_QR) {
		*why = "a response, not a query";
		return -1;
	}
	if ((flags >> OPCODE_SHIFT) & 0xf) {
		*why = "opcode is not QUERY";
		return -1;
	}
	if (get_be16(buf + 4) != 1) {
		*why = "question count is not 1";
		return -1;
	}
	if (get_be16(buf + 6) != 0) {
		*why = "query with answer records";
		return -1;
	}
	if (get_be16(buf + 8) != 0) {
		*why = "query with authority records";
		return -1;
	}
	if (ar > 1) {
		*why = "query with more than one additional record";
		return -1;
	}

	if (name_read(buf, len, &off, false, &n, why) < 0)
		return -1;
	if (len - off < 4) {
		*why = "question runs past the end of the message";
		return -1;
	}
	/* no pointers: the name is the n.wire_len bytes after the header */
	memcpy(q->qname_wire, buf + DNS_HDR_LEN, n.wire_len);
	q->qname_wire_len = n.wire_len;
	memcpy(q->name, n.text, sizeof q->name);
	q->qtype = get_be16(buf + off);
	q->qclass = get_be16(buf + off + 2);
	off += 4;
	q->can_reply = true;

	if (ar == 1) {
		size_t rdlen;

		if (len - off < OPT_RR_LEN) {
			*why = "additional record runs past the end of the message";
			return -1;
		}
		if (buf[off] != 0 || get_be16(buf + off + 1) != DNS_TYPE_OPT) {
			*why = "additional record is not an EDNS OPT record";
			return -1;
		}
		rdlen = get_be16(buf + off + 9);
		if (len - off - OPT_RR_LEN < rdlen) {
			*why = "additional record runs past the end of the message";
			return -1;
		}
		q->has_edns = true;
		q->edns_size = get_be16(buf + off + 3);
		q->udp_size = clamp_udp(q->edns_size);
		off += OPT_RR_LEN + rdlen;
	}
	if (off != len) {
		*why = "bytes after the message";
		return -1;
	}
	if (n.bad) {
		*why = n.bad;
		return -1;
	}
	if (q->qclass != DNS_CLASS_IN) {
		*why = "class is not IN";
		return -1;
	}
	switch (q->qtype) {
	case 0:
	case DNS_TYPE_OPT:
		*why = "query type 0 or OPT";
		return -1;
	case DNS_TYPE_IXFR:
	case DNS_TYPE_AXFR:
		*why = "zone transfer query";
		return -1;
	case DNS_TYPE_MAILB:
	case DNS_TYPE_MAILA:
		*why = "obsolete mail query type";
		return -1;
	default:
		break;
	}
	return 0;
}

/* ---- replies to the machine ---- */

static int reply(const struct dns_query *q, uint8_t rcode, const struct dns_a *a, size_t n,
		 uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	size_t limit, base, fit, off, i;
	uint16_t flags;

	if (q->qname_wire_len < 1 || q->qname_wire_len > DNS_NAME_WIRE_MAX) {
		*why = "not a query that was read";
		return -1;
	}
	limit = clamp_udp(q->udp_size);
	if (limit > cap)
		limit = cap;
	base = DNS_HDR_LEN + q->qname_wire_len + 4 + (q->has_edns ? OPT_RR_LEN : 0);
	if (base > limit) {
		*why = "reply buffer too small for the question";
		return -1;
	}
	fit = (limit - base) / A_RR_LEN;
	if (fit > n)
		fit = n;

	flags = FLAG_QR | FLAG_RA | rcode;
	if (q->rd)
		flags |= FLAG_RD;
	put_be16(out, q->id);
	put_be16(out + 2, flags);
	put_be16(out + 4, 1);
	put_be16(out + 6, (uint16_t)fit);
	put_be16(out + 8, 0);
	put_be16(out + 10, q->has_edns ? 1 : 0);
	off = DNS_HDR_LEN;
	memcpy(out + off, q->qname_wire, q->qname_wire_len);
	off += q->qname_wire_len;
	put_be16(out + off, q->qtype);
	put_be16(out + off + 2, q->qclass);
	off += 4;
	for (i = 0; i < fit; i++) {
		put_be16(out + off, PTR_QUESTION);
		put_be16(out + off + 2, DNS_TYPE_A);
		put_be16(out + off + 4, DNS_CLASS_IN);
		put_be32(out + off + 6, a[i].ttl > DNS_TTL_MAX ? DNS_TTL_MAX : a[i].ttl);
		put_be16(out + off + 10, 4);
		put_be32(out + off + 12, a[i].addr);
		off += A_RR_LEN;
	}
	if (q->has_edns) {
		out[off] = 0;
		put_be16(out + off + 1, DNS_TYPE_OPT);
		put_be16(out + off + 3, DNS_UDP_MAX);
		put_be32(out + off + 5, 0);	/* extended RCODE, version 0, flags */
		put_be16(out + off + 9, 0);
		off += OPT_RR_LEN;
	}
	*outlen = off;
	return (int)fit;
}

int dns_reply_refused(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		      const char **why)
{
	return reply(q, DNS_RCODE_REFUSED, NULL, 0, out, cap, outlen, why) < 0 ? -1 : 0;
}

int dns_reply_servfail(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		       const char **why)
{
	return reply(q, DNS_RCODE_SERVFAIL, NULL, 0, out, cap, outlen, why) < 0 ? -1 : 0;
}

int dns_reply_nxdomain(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		       const char **why)
{
	return reply(q, DNS_RCODE_NXDOMAIN, NULL, 0, out, cap, outlen, why) < 0 ? -1 : 0;
}

int dns_reply_empty(const struct dns_query *q, uint8_t *out, size_t cap, size_t *outlen,
		    const char **why)
{
	return reply(q, DNS_RCODE_NOERROR, NULL, 0, out, cap, outlen, why) < 0 ? -1 : 0;
}

int dns_reply_a(const struct dns_query *q, const struct dns_a *a, size_t n,
		uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	if (q->qclass != DNS_CLASS_IN ||
	    (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_ANY)) {
		*why = "A records for a question not of class IN and type A or ANY";
		return -1;
	}
	return reply(q, DNS_RCODE_NOERROR, a, n, out, cap, outlen, why);
}

/* ---- upstream ---- */

int dns_query_build(uint16_t id, const char *name, uint16_t qtype, uint16_t edns_size,
		    uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	uint8_t wire[DNS_NAME_WIRE_MAX];
	size_t wlen, need, off;

	if (text_to_wire(name, wire, &wlen, why) < 0)
		return -1;
	if (edns_size != 0 && edns_size < DNS_UDP_MIN) {
		*why = "EDNS size below 512";
		return -1;
	}
	need = DNS_HDR_LEN + wlen + 4 + (edns_size ? OPT_RR_LEN : 0);
	if (cap < need) {
		*why = "query buffer too small";
		return -1;
	}
	put_be16(out, id);
	put_be16(out + 2, FLAG_RD);
	put_be16(out + 4, 1);
	put_be16(out + 6, 0);
	put_be16(out + 8, 0);
	put_be16(out + 10, edns_size ? 1 : 0);
	off = DNS_HDR_LEN;
	memcpy(out + off, wire, wlen);
	off += wlen;
	put_be16(out + off, qtype);
	put_be16(out + off + 2, DNS_CLASS_IN);
	off += 4;
	if (edns_size) {
		out[off] = 0;
		put_be16(out + off + 1, DNS_TYPE_OPT);
		put_be16(out + off + 3, edns_size);
		put_be32(out + off + 5, 0);
		put_be16(out + off + 9, 0);
		off += OPT_RR_LEN;
	}
	*outlen = off;
	return 0;
}

/* One resource record's owner and fixed part; its data is msg[rdoff..+rdlen). */
struct rr {
	struct name owner;
	uint16_t type, rclass;
	uint32_t ttl;			/* top bit set: 0 */
	size_t rdoff, rdlen;
};

static int rr_read(const uint8_t *msg, size_t len, size_t *off, struct rr *rr, const char **why)
{
	uint32_t ttl;

	if (name_read(msg, len, off, true, &rr->owner, why) < 0)
		return -1;
	if (len - *off < RR_FIXED_LEN) {
		*why = "record runs past the end of the message";
		return -1;
	}
	rr->type = get_be16(msg + *off);
	rr->rclass = get_be16(msg + *off + 2);
	ttl = get_be32(msg + *off + 4);
	rr->ttl = ttl > DNS_TTL_MAX ? 0 : ttl;
	rr->rdlen = get_be16(msg + *off + 8);
	*off += RR_FIXED_LEN;
	if (len - *off < rr->rdlen) {
		*why = "record data runs past the end of the message";
		return -1;
	}
	rr->rdoff = *off;
	*off += rr->rdlen;
	return 0;
}

static bool rr_is(const struct rr *rr, uint16_t type, const char *owner)
{
	return rr->rclass == DNS_CLASS_IN && rr->type == type && !rr->owner.bad &&
	       strcmp(rr->owner.text, owner) == 0;
}

/* One pass over the answer section: the CNAME owned by cur, if any. Return
 * 1 with *target and *ttl, 0 when cur has none, -1 with *why. */
static int find_cname(const uint8_t *msg, size_t len, size_t off, unsigned count,
		      const char *cur, struct name *target, uint32_t *ttl, const char **why)
{
	struct rr rr;
	bool found = false;

	for (unsigned i = 0; i < count; i++) {
		size_t toff;

		if (rr_read(msg, len, &off, &rr, why) < 0)
			return -1;
		if (!rr_is(&rr, DNS_TYPE_CNAME, cur))
			continue;
		if (found) {
			*why = "two CNAME records for one name";
			return -1;
		}
		/* the target's own labels lie inside the record's data */
		toff = rr.rdoff;
		if (name_read(msg, rr.rdoff + rr.rdlen, &toff, true, target, why) < 0)
			return -1;
		if (toff != rr.rdoff + rr.rdlen) {
			*why = "CNAME data longer than its name";
			return -1;
		}
		if (target->bad) {
			*why = target->bad;
			return -1;
		}
		*ttl = rr.ttl;
		found = true;
	}
	return found ? 1 : 0;
}

int dns_answer_parse(const uint8_t *buf, size_t len, uint16_t expected_id, const char *qname,
		     uint16_t qtype, struct dns_answer *a, const char **why)
{
	struct name qn, target;
	struct rr rr;
	size_t off = DNS_HDR_LEN, start;
	uint16_t flags, qd, an;
	uint32_t chain_ttl = DNS_TTL_MAX, ttl;
	const char *cur;
	int r;

	memset(a, 0, sizeof *a);
	if (len < DNS_HDR_LEN) {
		*why = "shorter than a DNS header";
		return -1;
	}
	if (get_be16(buf) != expected_id) {
		*why = "not the ID of our query";
		return -1;
	}
	flags = get_be16(buf + 2);
	if (!(flags & FLAG_QR)) {
		*why = "a query, not a response";
		return -1;
	}
	if ((flags >> OPCODE_SHIFT) & 0xf) {
		*why = "opcode is not QUERY";
		return -1;
	}
	a->rcode = flags & 0xf;
	a->truncated = flags & FLAG_TC;
	qd = get_be16(buf + 4);
	an = get_be16(buf + 6);
	if (qd == 0 && a->truncated)
		return 0;
	if (qd != 1) {
		*why = "question count is not 1";
		return -1;
	}
	if (name_read(buf, len, &off, true, &qn, why) < 0)
		return -1;
	if (len - off < 4) {
		*why = "question runs past the end of the message";
		return -1;
	}
	if (qn.bad || !name_eq(qn.text, qname)) {
		*why = "question is not ours (another name)";
		return -1;
	}
	if (get_be16(buf + off) != qtype || get_be16(buf + off + 2) != DNS_CLASS_IN) {
		*why = "question is not ours (another type or class)";
		return -1;
	}
	off += 4;
	if (a->truncated || a->rcode != DNS_RCODE_NOERROR)
		return 0;
	start = off;

	/* the chain: one pass per CNAME, so their order does not matter;
	 * each pass reads every record, so a malformed one is always seen */
	cur = qn.text;
	for (;;) {
		r = find_cname(buf, len, start, an, cur, &target, &ttl, why);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		if (strcmp(target.text, qn.text) == 0)
			goto loop;
		for (unsigned i = 0; i < a->nchain; i++)
			if (strcmp(target.text, a->chain[i]) == 0)
				goto loop;
		if (a->nchain == DNS_CHAIN_MAX) {
			*why = "CNAME chain longer than 8";
			goto fail;
		}
		memcpy(a->chain[a->nchain], target.text, sizeof a->chain[0]);
		cur = a->chain[a->nchain++];
		if (ttl < chain_ttl)
			chain_ttl = ttl;
	}
	if (qtype != DNS_TYPE_A)
		return 0;

	off = start;
	for (unsigned i = 0; i < an; i++) {
		uint32_t addr;
		unsigned j;

		if (rr_read(buf, len, &off, &rr, why) < 0)
			goto fail;
		if (!rr_is(&rr, DNS_TYPE_A, cur))
			continue;
		if (rr.rdlen != 4) {
			*why = "A record whose data is not 4 bytes";
			goto fail;
		}
		addr = get_be32(buf + rr.rdoff);
		ttl = rr.ttl < chain_ttl ? rr.ttl : chain_ttl;
		for (j = 0; j < a->na && a->a[j].addr != addr; j++)
			;
		if (j < a->na) {
			if (ttl < a->a[j].ttl)
				a->a[j].ttl = ttl;
		} else if (a->na < DNS_ANSWER_MAX) {
			a->a[a->na].addr = addr;
			a->a[a->na].ttl = ttl;
			a->na++;
		} else {
			a->a_dropped = true;
		}
	}
	return 0;
loop:
	*why = "CNAME loop";
fail:
	a->nchain = 0;
	a->na = 0;
	return -1;
}

int dns_response_fit(const uint8_t *resp, size_t len, const struct dns_query *q,
		     uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	size_t limit = clamp_udp(q->udp_size), off = DNS_HDR_LEN, keep, opt;
	struct name qn;
	struct rr rr;
	uint16_t an, kept = 0;

	if (limit > cap)
		limit = cap;
	if (len < DNS_HDR_LEN || get_be16(resp + 4) != 1) {
		*why = "not a response with one question";
		return -1;
	}
	if (len <= limit) {
		memcpy(out, resp, len);
		put_be16(out, q->id);
		put_be16(out + 2, get_be16(out + 2) & (uint16_t)~FLAG_TC);
		*outlen = len;
		return 0;
	}
	if (name_read(resp, len, &off, true, &qn, why) < 0)
		return -1;
	if (len - off < 4) {
		*why = "question runs past the end of the message";
		return -1;
	}
	off += 4;
	opt = q->has_edns ? OPT_RR_LEN : 0;
	if (off + opt > limit) {
		*why = "reply buffer too small for the question";
		return -1;
	}
	keep = off;
	an = get_be16(resp + 6);
	for (uint16_t i = 0; i < an; i++) {
		if (rr_read(resp, len, &off, &rr, why) < 0)
			return -1;
		if (off + opt > limit)
			break;
		keep = off;
		kept++;
	}
	/* pointers only go backwards (name_read), so what is kept is whole */
	memcpy(out, resp, keep);
	put_be16(out, q->id);
	put_be16(out + 2, get_be16(out + 2) & (uint16_t)~FLAG_TC);
	put_be16(out + 6, kept);
	put_be16(out + 8, 0);
	put_be16(out + 10, q->has_edns ? 1 : 0);
	if (q->has_edns) {
		out[keep] = 0;
		put_be16(out + keep + 1, DNS_TYPE_OPT);
		put_be16(out + keep + 3, DNS_UDP_MAX);
		put_be32(out + keep + 5, 0);
		put_be16(out + keep + 9, 0);
		keep += OPT_RR_LEN;
	}
	*outlen = keep;
	return 0;
}

/* ---- DNS over TCP ---- */

int dns_tcp_frame(const uint8_t *msg, size_t len, uint8_t *out, size_t cap, size_t *outlen,
		  const char **why)
{
	if (len == 0 || len > DNS_MSG_MAX) {
		*why = "message empty or longer than 65535 bytes";
		return -1;
	}
	if (cap < 2 || cap - 2 < len) {
		*why = "buffer too small";
		return -1;
	}
	memmove(out + 2, msg, len);
	put_be16(out, (uint16_t)len);
	*outlen = len + 2;
	return 0;
}

int dns_tcp_next(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msglen,
		 size_t *used, const char **why)
{
	size_t mlen;

	if (len < 2)
		return 0;
	mlen = get_be16(buf);
	if (mlen == 0) {
		*why = "zero-length message";
		return -1;
	}
	if (len - 2 < mlen)
		return 0;
	*msg = buf + 2;
	*msglen = mlen;
	*used = 2 + mlen;
	return 1;
}
