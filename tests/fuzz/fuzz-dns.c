/* fuzz-dns.c - fuzz the DNS query and answer parsers, every reply builder and the UDP frame code. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/net/dns_pkt.h"
#include "src/net/udp_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/check.h"
#include "tests/unit/dns_replies.h"

static const char *const fuzz_patterns[] = {
	"example.test", "*.example.test", "*.test", "host.example.test",
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* A name in text is bounded, NUL-terminated, and made of what a name may
 * hold (or '?' where the parser refused a byte). */
static void check_text(const char *name, size_t cap, bool clean)
{
	size_t n;

	CHECK(memchr(name, '\0', cap) != NULL);
	n = strlen(name);
	CHECK(n >= 1 && n <= DNS_NAME_MAX);
	if (strcmp(name, ".") == 0)
		return;
	CHECK(name[0] != '.' && name[n - 1] != '.');
	CHECK(strstr(name, "..") == NULL);
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || (!clean && c == '?'));
	}
}

static void check_answer(const struct dns_answer *a)
{
	CHECK(a->nchain <= DNS_CHAIN_MAX);
	CHECK(a->na <= DNS_ANSWER_MAX);
	for (unsigned i = 0; i < a->nchain; i++)
		check_text(a->chain[i], sizeof a->chain[i], true);
	for (unsigned i = 0; i < a->na; i++) {
		CHECK(a->a[i].ttl <= DNS_TTL_MAX);
		for (unsigned j = 0; j < i; j++)
			CHECK(a->a[i].addr != a->a[j].addr);
	}
	if (a->truncated || a->rcode != DNS_RCODE_NOERROR)
		CHECK(a->na == 0 && a->nchain == 0);
}

/* A reply a builder made: within its bounds, the query's ID and question,
 * and (for a query that was accepted) it parses back as the answer. */
static void check_reply(const struct dns_query *q, bool accepted, const uint8_t *out, size_t len,
			size_t cap, unsigned rcode, const struct dns_a *recs, int n)
{
	struct dns_answer a;
	const char *why;

	CHECK(len <= cap && len <= q->udp_size && len <= DNS_UDP_MAX);
	CHECK(len >= DNS_HDR_LEN + q->qname_wire_len + 4);
	CHECK(get16(out) == q->id);
	CHECK((out[2] & 0x80) && !(out[2] & 0x02) && (out[3] & 0x0f) == rcode);
	CHECK(get16(out + 6) == (unsigned)n);
	CHECK(memcmp(out + DNS_HDR_LEN, q->qname_wire, q->qname_wire_len) == 0);
	if (!accepted)
		return;
	CHECK(dns_answer_parse(out, len, q->id, q->name, q->qtype, &a, &why) == 0);
	check_answer(&a);
	CHECK(a.rcode == rcode && !a.truncated && a.nchain == 0);
	if (q->qtype == DNS_TYPE_A && n <= DNS_ANSWER_MAX) {
		/* recs are distinct (built so) */
		CHECK(a.na == (unsigned)n);
		for (int i = 0; i < n; i++)
			CHECK(a.a[i].addr == recs[i].addr &&
			      a.a[i].ttl == (recs[i].ttl > DNS_TTL_MAX ? DNS_TTL_MAX : recs[i].ttl));
	}
}

/* Every builder on a query that was read; the A records come from data. */
static void build_replies(const struct dns_query *q, bool accepted, const uint8_t *data,
			  size_t size, const struct udp_frame *in)
{
	struct dns_a recs[100];
	uint8_t out[UDP_FRAME_HDR_LEN + DNS_UDP_MAX + 64], frame[UDP_FRAME_HDR_LEN + DNS_UDP_MAX];
	size_t len, caps[3], nrecs, flen;
	const char *why;
	struct udp_frame rf, back;

	nrecs = size ? data[0] % 100 : 0;
	for (size_t i = 0; i < nrecs; i++) {
		recs[i].addr = (uint32_t)i << 24 | (size > 1 ? data[1] : 0);
		recs[i].ttl = size >= 6 ? (uint32_t)data[2] << 24 | (uint32_t)data[3] << 16 |
					  (uint32_t)data[4] << 8 | (uint32_t)(data[5] + i) : 60;
	}
	caps[0] = DNS_UDP_MAX;
	caps[1] = DNS_HDR_LEN + q->qname_wire_len + 4 + (size > 6 ? data[6] : 0);
	caps[2] = DNS_HDR_LEN + q->qname_wire_len + 3;	/* too small for anything */
	for (size_t c = 0; c < 3; c++) {
		for (size_t i = 0; i < sizeof dns_rcode_replies / sizeof dns_rcode_replies[0]; i++) {
			if (dns_rcode_replies[i].fn(q, out, caps[c], &len, &why) == 0)
				check_reply(q, accepted, out, len, caps[c], dns_rcode_replies[i].rcode,
					    recs, 0);
			else
				CHECK(c > 0 && why != NULL);
		}
		int n = dns_reply_a(q, recs, nrecs, out, caps[c], &len, &why);

		if (n < 0) {
			CHECK(why != NULL);
			continue;
		}
		CHECK((size_t)n <= nrecs);
		check_reply(q, accepted, out, len, caps[c], DNS_RCODE_NOERROR, recs, n);
		/* as many as fit: one more would not have */
		if ((size_t)n < nrecs)
			CHECK(len + 16 > (caps[c] < q->udp_size ? caps[c] : q->udp_size));
		if (!in)
			continue;
		/* framed back to the machine, and read as it would */
		udp_frame_reply(in, &rf);
		CHECK(udp_frame_build(&rf, out, len, frame, sizeof frame, &flen, &why) == 0);
		CHECK(udp_frame_parse(frame, flen, &back, &why) == 0);
		CHECK(back.payload_len == len && memcmp(back.payload, out, len) == 0);
		CHECK(back.dst_port == in->src_port && back.dst_ip == in->src_ip);
	}
}

/* A query as the machine sent it: invariants, replies, and the same
 * question asked upstream. */
static void serve(const uint8_t *buf, size_t len, const struct udp_frame *in)
{
	struct dns_query q, back;
	uint8_t up[DNS_HDR_LEN + DNS_NAME_WIRE_MAX + 4 + 11];
	size_t ulen;
	const char *why = NULL;
	int r;

	r = dns_query_parse(buf, len, &q, &why);
	CHECK(r == 0 || why != NULL);
	CHECK(q.udp_size >= DNS_UDP_MIN && q.udp_size <= DNS_UDP_MAX);
	(void)dns_type_name(q.qtype);
	if (r < 0 && !q.can_reply)
		return;
	CHECK(q.qname_wire_len >= 1 && q.qname_wire_len <= DNS_NAME_WIRE_MAX);
	CHECK(q.qname_wire_len <= len - DNS_HDR_LEN);
	CHECK(memcmp(q.qname_wire, buf + DNS_HDR_LEN, q.qname_wire_len) == 0);
	check_text(q.name, sizeof q.name, r == 0);
	build_replies(&q, r == 0, buf, len, in);
	if (r < 0)
		return;

	CHECK(q.qclass == DNS_CLASS_IN);
	if (strcmp(q.name, ".") != 0) {
		CHECK(dns_name_valid(q.name, &why) == 0);
		CHECK(dns_name_match(q.name, q.name));
		CHECK(!dns_name_match("*.example.test", q.name) ||
		      (strlen(q.name) > 13 &&
		       strcmp(q.name + strlen(q.name) - 13, ".example.test") == 0));
	}
	for (size_t i = 0; i < sizeof fuzz_patterns / sizeof fuzz_patterns[0]; i++)
		(void)dns_name_match(fuzz_patterns[i], q.name);

	/* the same question upstream: it reads back the same */
	CHECK(dns_query_build(q.id, q.name, q.qtype, q.has_edns ? DNS_UDP_MAX : 0, up, sizeof up,
			      &ulen, &why) == 0);
	CHECK(dns_query_parse(up, ulen, &back, &why) == 0);
	CHECK(strcmp(back.name, q.name) == 0 && back.qtype == q.qtype && back.id == q.id);
	CHECK(back.rd && back.has_edns == q.has_edns);
}

/* The text of an uncompressed question name at buf[12..), for asking the
 * answer parser about the question the input itself holds. */
static bool question_text(const uint8_t *buf, size_t len, char *text, size_t cap)
{
	size_t off = DNS_HDR_LEN, t = 0;

	if (len <= off)
		return false;
	while (off < len && buf[off] != 0) {
		size_t l = buf[off];

		if (l > DNS_LABEL_MAX || len - off - 1 < l || t + l + 2 > cap)
			return false;
		if (t)
			text[t++] = '.';
		memcpy(text + t, buf + off + 1, l);
		t += l;
		off += 1 + l;
	}
	if (off >= len)
		return false;
	if (t == 0)
		text[t++] = '.';
	text[t] = '\0';
	return memchr(text, '\0', t) == NULL;
}

static void answer(const uint8_t *buf, size_t len)
{
	struct dns_answer a;
	char qname[DNS_NAME_MAX + 1];
	const char *why = NULL;
	uint16_t id = len >= 2 ? get16(buf) : 0;
	const uint16_t qtypes[] = { DNS_TYPE_A, DNS_TYPE_AAAA };

	for (size_t t = 0; t < 2; t++) {
		if (dns_answer_parse(buf, len, id, "example.test", qtypes[t], &a, &why) == 0)
			check_answer(&a);
		else
			CHECK(why != NULL && a.na == 0 && a.nchain == 0);
		if (question_text(buf, len, qname, sizeof qname) &&
		    dns_answer_parse(buf, len, id, qname, qtypes[t], &a, &why) == 0)
			check_answer(&a);
	}
}

/* The input as an allow-list entry from a spec (the codebase writes
 * those): a valid one matches itself, and a plain name asks upstream and
 * reads back lowered. */
static void entry(const uint8_t *data, size_t size)
{
	char text[300] = { 0 }, low[300];
	uint8_t up[DNS_HDR_LEN + DNS_NAME_WIRE_MAX + 4];
	struct dns_query q;
	size_t n = size < sizeof text - 1 ? size : sizeof text - 1, ulen;
	const char *why = NULL;

	memcpy(text, data, n);
	text[n] = '\0';
	if (dns_name_valid(text, &why) < 0) {
		CHECK(why != NULL);
		return;
	}
	n = strlen(text);
	CHECK(n >= 1 && n <= DNS_NAME_MAX + 2 && strcmp(text, ".") != 0);
	if (text[0] == '*') {
		/* below the base, at any depth, but not the base */
		snprintf(low, sizeof low, "a.B%s", text + 1);
		CHECK(dns_name_match(text, low) && dns_name_match(text, low + 2));
		CHECK(!dns_name_match(text, text + 2));
		return;
	}
	CHECK(dns_name_match(text, text));
	for (size_t i = 0; i <= n; i++)
		low[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] - 'A' + 'a') : text[i];
	CHECK(dns_query_build(7, text, DNS_TYPE_A, 0, up, sizeof up, &ulen, &why) == 0);
	CHECK(dns_query_parse(up, ulen, &q, &why) == 0);
	CHECK(strcmp(q.name, low) == 0);
	CHECK(dns_name_match(text, q.name));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct udp_frame f;
	const uint8_t *msg;
	uint8_t *copy;
	size_t mlen, used;
	const char *why;

	/* a frame from the machine's TAP */
	if (udp_frame_parse(data, size, &f, &why) == 0) {
		CHECK(f.payload >= data && f.payload_len <= size);
		CHECK((size_t)(f.payload - data) <= size - f.payload_len);
		serve(f.payload, f.payload_len, &f);
		answer(f.payload, f.payload_len);
	}

	/* the payload alone, in an exact-size copy so ASan sees overreads:
	 * as a query from the machine, as an upstream answer, as a stream */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	entry(copy, size);
	serve(copy, size, NULL);
	answer(copy, size);
	if (dns_tcp_next(copy, size, &msg, &mlen, &used, &why) == 1) {
		CHECK(msg == copy + 2 && used == mlen + 2 && used <= size);
		answer(msg, mlen);
	}
	free(copy);
	return 0;
}

#include "tests/fuzz/replay.h"
