/* test_dns_pkt.c - DNS queries from the machine, replies to it, upstream answers, allow-list names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/net/dns_pkt.h"
#include "src/net/udp_frame.h"
#include "tests/unit/dns_replies.h"
#include "tests/unit/frame_route.h"
#include "tests/unit/main.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/*
 * Bytes captured from Debian's dnsmasq 2.90 and its clients (glibc's
 * getaddrinfo through getent, busybox nslookup, hand-written queries) by
 * tests/unit/dns/capture.py, inside a network namespace of its own, with
 *   --no-resolv --local-ttl=60 --address=/example.test/192.0.2.7
 *   --host-record=host.example.test,192.0.2.8,300
 *   --host-record=multi.example.test,192.0.2.10 (and .11, .12)
 *   --cname=alias.example.test,host.example.test,120
 *   --cname=deep.example.test,alias.example.test,30
 *   --cname=Mixed.Example.Test,multi.example.test
 */
/* glibc getaddrinfo: A for alias.example.test */
static const uint8_t glibc_alias_a_query[] = {
	0x86, 0x89, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* dnsmasq: alias.example.test CNAME host.example.test (TTL 120), host A 192.0.2.8 (TTL 300) */
static const uint8_t dnsmasq_alias_a[] = {
	0x86, 0x89, 0x85, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x05, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x13, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00,
	0xc0, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x08,
};

/* dnsmasq: AAAA for alias.example.test: the CNAME, no AAAA */
static const uint8_t dnsmasq_alias_aaaa[] = {
	0x40, 0xb5, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x1c, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x13, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00,
};

/* dnsmasq: deep CNAME alias (TTL 30) CNAME host (TTL 120), host A 192.0.2.8 (TTL 300) */
static const uint8_t dnsmasq_deep_a[] = {
	0x4c, 0x6e, 0x85, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x64, 0x65, 0x65, 0x70, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0x00, 0x14, 0x05, 0x61, 0x6c, 0x69, 0x61, 0x73, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00,
	0xc0, 0x2f, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x78, 0x00, 0x13, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00,
	0xc0, 0x4f, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x08,
};

/* dnsmasq: multi.example.test A 192.0.2.11, .10, .12 (TTL 60) */
static const uint8_t dnsmasq_multi_a[] = {
	0x9e, 0x19, 0x85, 0x80, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x05, 0x6d, 0x75, 0x6c, 0x74, 0x69, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0b,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0a,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0c,
};

/* busybox nslookup: A for host.example.test */
static const uint8_t busybox_host_a_query[] = {
	0x3a, 0xb9, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* dnsmasq: host.example.test A 192.0.2.8 (TTL 300) */
static const uint8_t dnsmasq_host_a[] = {
	0x3a, 0xb9, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x08,
};

/* dnsmasq without upstream: AAAA for host.example.test REFUSED */
static const uint8_t dnsmasq_host_aaaa_refused[] = {
	0x98, 0xb3, 0x81, 0x85, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x1c, 0x00, 0x01,
};

/* A for www.example.test with an OPT record (UDP size 1232) */
static const uint8_t edns_a_query[] = {
	0x23, 0x45, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* dnsmasq: www.example.test A 192.0.2.7 (TTL 60), OPT 1232 */
static const uint8_t dnsmasq_edns_a[] = {
	0x23, 0x45, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x07,
	0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* A for MiXeD.eXaMpLe.TeSt */
static const uint8_t mixed_a_query[] = {
	0x45, 0x67, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x4d, 0x69, 0x58, 0x65, 0x44, 0x07, 0x65, 0x58, 0x61, 0x4d, 0x70, 0x4c, 0x65, 0x04, 0x54, 0x65, 0x53, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
};

/* dnsmasq: question echoed in its case, CNAME (owner a pointer to it) multi.example.test, 3 A */
static const uint8_t dnsmasq_mixed_a[] = {
	0x45, 0x67, 0x85, 0x80, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x05, 0x4d, 0x69, 0x58, 0x65, 0x44, 0x07, 0x65, 0x58, 0x61, 0x4d, 0x70, 0x4c, 0x65, 0x04, 0x54, 0x65, 0x53, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x14, 0x05, 0x6d, 0x75, 0x6c, 0x74, 0x69, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00,
	0xc0, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0a,
	0xc0, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0c,
	0xc0, 0x30, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 0xc0, 0x00, 0x02, 0x0b,
};

/* A for deep.example.test, OPT UDP size 4096 */
static const uint8_t edns4096_deep_query[] = {
	0x56, 0x78, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x64, 0x65, 0x65, 0x70, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x04, 0x74, 0x65, 0x73, 0x74, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* dnsmasq without upstream: nothing.invalid REFUSED */
static const uint8_t dnsmasq_unknown_refused[] = {
	0x67, 0x89, 0x81, 0x85, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x6e, 0x6f, 0x74, 0x68, 0x69, 0x6e, 0x67, 0x07, 0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64, 0x00, 0x00, 0x01, 0x00, 0x01,
};


/* ---- building messages by hand ---- */

struct msg {
	uint8_t b[4096];
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(n <= sizeof m->b - m->len);
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void p8(struct msg *m, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(m, &b, 1);
}

static void p16(struct msg *m, unsigned v)
{
	p8(m, v >> 8);
	p8(m, v);
}

static void p32(struct msg *m, uint32_t v)
{
	p16(m, v >> 16);
	p16(m, v & 0xffff);
}

/* text as labels, "" for the root; no checks, so tests can break rules */
static size_t wire(const char *text, uint8_t *out)
{
	size_t n = 0;

	while (*text) {
		const char *dot = strchr(text, '.');
		size_t l = dot ? (size_t)(dot - text) : strlen(text);

		out[n++] = (uint8_t)l;
		memcpy(out + n, text, l);
		n += l;
		text += l;
		if (*text == '.')
			text++;
	}
	out[n++] = 0;
	return n;
}

static void pname(struct msg *m, const char *text)
{
	uint8_t w[1024];

	put(m, w, wire(text, w));
}

/* a label of n copies of c */
static void plabel(struct msg *m, size_t n, char c)
{
	p8(m, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		p8(m, (unsigned char)c);
}

static void pptr(struct msg *m, size_t off)
{
	p16(m, 0xc000 | (unsigned)off);
}

static void pheader(struct msg *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
		    unsigned ns, unsigned ar)
{
	m->len = 0;
	p16(m, id);
	p16(m, flags);
	p16(m, qd);
	p16(m, an);
	p16(m, ns);
	p16(m, ar);
}

static void popt(struct msg *m, unsigned size)
{
	p8(m, 0);
	p16(m, DNS_TYPE_OPT);
	p16(m, size);
	p32(m, 0);
	p16(m, 0);
}

/* A standard query from the machine: ID 0x4242, RD. */
static void query_msg(struct msg *m, const char *name, unsigned type)
{
	pheader(m, 0x4242, 0x0100, 1, 0, 0, 0);
	pname(m, name);
	p16(m, type);
	p16(m, DNS_CLASS_IN);
}

/* A query for example.test, type A, that says one additional record follows. */
static void query_ar1(struct msg *m)
{
	query_msg(m, "example.test", DNS_TYPE_A);
	m->b[11] = 1;
}

/* The same with that record: an OPT saying UDP size size. */
static void edns_query(struct msg *m, unsigned size)
{
	query_ar1(m);
	popt(m, size);
}

/* A response's header and question: ID 0x4242, QR RD RA. */
static void answer_msg(struct msg *m, unsigned an, const char *qname, unsigned qtype)
{
	pheader(m, 0x4242, 0x8180, 1, an, 0, 0);
	pname(m, qname);
	p16(m, qtype);
	p16(m, DNS_CLASS_IN);
}

/* The fixed part of a record of class IN (after its owner). */
static void prr(struct msg *m, unsigned type, uint32_t ttl, unsigned rdlen)
{
	p16(m, type);
	p16(m, DNS_CLASS_IN);
	p32(m, ttl);
	p16(m, rdlen);
}

static void rr_a(struct msg *m, const char *owner, uint32_t ttl, uint32_t addr)
{
	pname(m, owner);
	prr(m, DNS_TYPE_A, ttl, 4);
	p32(m, addr);
}

static void rr_cname(struct msg *m, const char *owner, uint32_t ttl, const char *target)
{
	uint8_t w[1024];
	size_t n = wire(target, w);

	pname(m, owner);
	prr(m, DNS_TYPE_CNAME, ttl, (unsigned)n);
	put(m, w, n);
}

/* An A record, TTL 60, whose owner is a pointer to off. */
static void rr_a_ptr(struct msg *m, size_t off, uint32_t addr)
{
	pptr(m, off);
	prr(m, DNS_TYPE_A, 60, 4);
	p32(m, addr);
}

/* The end of a question after its name: type A, class IN. */
static void pa_in(struct msg *m)
{
	p16(m, DNS_TYPE_A);
	p16(m, DNS_CLASS_IN);
}

/* A query (ID 1, no flags) whose name is count labels of len copies of c,
 * then tail ("" for none). */
static void labels_query(struct msg *m, unsigned count, size_t len, char c, const char *tail)
{
	pheader(m, 1, 0, 1, 0, 0, 0);
	for (unsigned i = 0; i < count; i++)
		plabel(m, len, c);
	pname(m, tail);
	pa_in(m);
}

/* A query whose name is labels of 63 'a', 63 'b', 63 'c' and last 'd':
 * with last 61, 255 bytes on the wire, the most a name may have. */
static void longest_query(struct msg *m, unsigned id, unsigned flags, size_t last)
{
	pheader(m, id, flags, 1, 0, 0, 0);
	plabel(m, 63, 'a');
	plabel(m, 63, 'b');
	plabel(m, 63, 'c');
	plabel(m, last, 'd');
	p8(m, 0);
	pa_in(m);
}

/* Exact-size copies, so the sanitizers see any read past the end. */
static uint8_t *dup_bytes(const uint8_t *b, size_t len)
{
	uint8_t *c = malloc(len ? len : 1);

	assert_non_null(c);
	memcpy(c, b, len);
	return c;
}

static void q_ok(const uint8_t *b, size_t len, struct dns_query *q)
{
	uint8_t *c = dup_bytes(b, len);
	const char *why = NULL;

	if (dns_query_parse(c, len, q, &why) != 0)
		fail_msg("query refused: %s", why);
	free(c);
}

static const char *q_fail(const uint8_t *b, size_t len, struct dns_query *q)
{
	uint8_t *c = dup_bytes(b, len);
	const char *why = NULL;

	assert_int_equal(dns_query_parse(c, len, q, &why), -1);
	assert_non_null(why);
	free(c);
	return why;
}

static void a_ok(const uint8_t *b, size_t len, uint16_t id, const char *qname, uint16_t qtype,
		 struct dns_answer *a)
{
	uint8_t *c = dup_bytes(b, len);
	const char *why = NULL;

	if (dns_answer_parse(c, len, id, qname, qtype, a, &why) != 0)
		fail_msg("answer refused: %s", why);
	free(c);
}

static const char *a_fail(const uint8_t *b, size_t len, uint16_t id, const char *qname,
			  uint16_t qtype)
{
	uint8_t *c = dup_bytes(b, len);
	struct dns_answer a;
	const char *why = NULL;

	assert_int_equal(dns_answer_parse(c, len, id, qname, qtype, &a, &why), -1);
	assert_non_null(why);
	assert_int_equal(a.na, 0);
	assert_int_equal(a.nchain, 0);
	free(c);
	return why;
}

/* m, an answer to the A query 0x4242 for qname, is refused for why. */
static void a_refused(const struct msg *m, const char *qname, const char *why)
{
	assert_string_equal(a_fail(m->b, m->len, 0x4242, qname, DNS_TYPE_A), why);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- queries from the machine ---- */

static void test_query_captured(void **state)
{
	struct dns_query q;

	(void)state;
	q_ok(glibc_alias_a_query, sizeof glibc_alias_a_query, &q);
	assert_int_equal(q.id, 0x8689);
	assert_true(q.rd);
	assert_string_equal(q.name, "alias.example.test");
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_false(q.has_edns);
	assert_int_equal(q.udp_size, 512);
	assert_int_equal(q.qname_wire_len, 20);
	assert_memory_equal(q.qname_wire, glibc_alias_a_query + 12, 20);
	assert_true(q.can_reply);

	q_ok(busybox_host_a_query, sizeof busybox_host_a_query, &q);
	assert_string_equal(q.name, "host.example.test");
	assert_int_equal(q.qtype, DNS_TYPE_A);

	q_ok(edns_a_query, sizeof edns_a_query, &q);
	assert_string_equal(q.name, "www.example.test");
	assert_true(q.has_edns);
	assert_int_equal(q.edns_size, 1232);
	assert_int_equal(q.udp_size, 1232);

	/* 4096 asked, DNS_UDP_MAX granted */
	q_ok(edns4096_deep_query, sizeof edns4096_deep_query, &q);
	assert_string_equal(q.name, "deep.example.test");
	assert_int_equal(q.edns_size, 4096);
	assert_int_equal(q.udp_size, DNS_UDP_MAX);

	/* case: lowered in the text, kept on the wire for the echo */
	q_ok(mixed_a_query, sizeof mixed_a_query, &q);
	assert_string_equal(q.name, "mixed.example.test");
	assert_memory_equal(q.qname_wire, mixed_a_query + 12, q.qname_wire_len);
	assert_int_equal(q.qname_wire[1], 'M');
}

static void test_query_truncated(void **state)
{
	struct dns_query q;
	size_t i;

	(void)state;
	/* every prefix of a query with an OPT record fails, the whole one
	 * parses; the header prefixes cannot even be refused politely */
	for (i = 0; i < sizeof edns_a_query; i++) {
		q_fail(edns_a_query, i, &q);
		if (i < 12 + 18 + 4)
			assert_false(q.can_reply);
		else
			assert_true(q.can_reply);
	}
	q_ok(edns_a_query, sizeof edns_a_query, &q);
	assert_string_equal(q_fail(edns_a_query, 11, &q), "shorter than a DNS header");
	assert_string_equal(q_fail(edns_a_query, 20, &q), "name runs past the end of the message");
	assert_string_equal(q_fail(edns_a_query, 32, &q), "question runs past the end of the message");
	assert_string_equal(q_fail(edns_a_query, 40, &q),
			    "additional record runs past the end of the message");
}

static void test_query_header(void **state)
{
	struct msg m;
	struct dns_query q;
	const struct {
		size_t off;
		uint8_t val;
		const char *why;
	} cases[] = {
		{ 2, 0x81, "a response, not a query" },
		{ 2, 0x09, "opcode is not QUERY" },	/* IQUERY */
		{ 2, 0x11, "opcode is not QUERY" },	/* STATUS */
		{ 2, 0x21, "opcode is not QUERY" },	/* NOTIFY */
		{ 2, 0x29, "opcode is not QUERY" },	/* UPDATE */
		{ 5, 0, "question count is not 1" },
		{ 5, 2, "question count is not 1" },
		{ 4, 1, "question count is not 1" },	/* 257 */
		{ 7, 1, "query with answer records" },
		{ 9, 1, "query with authority records" },
		{ 11, 2, "query with more than one additional record" },
		{ 10, 1, "query with more than one additional record" },
	};

	(void)state;
	query_msg(&m, "example.test", DNS_TYPE_A);
	q_ok(m.b, m.len, &q);	/* the positive control */
	assert_int_equal(q.id, 0x4242);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t b[64];

		memcpy(b, m.b, m.len);
		b[cases[i].off] = cases[i].val;
		assert_string_equal(q_fail(b, m.len, &q), cases[i].why);
		assert_false(q.can_reply);
	}
	/* RD clear is fine and shows; TC, AD and CD bits in a query are ignored */
	m.b[2] = 0x02;
	m.b[3] = 0x30;
	q_ok(m.b, m.len, &q);
	assert_false(q.rd);
}

static void test_query_name_limits(void **state)
{
	struct msg m;
	struct dns_query q;
	char want[DNS_NAME_MAX + 1];

	(void)state;
	/* a label of 63: fine; of 64: refused */
	labels_query(&m, 1, 63, 'a', "test");
	q_ok(m.b, m.len, &q);
	assert_int_equal(strlen(q.name), 68);
	labels_query(&m, 1, 64, 'a', "test");
	assert_string_equal(q_fail(m.b, m.len, &q),
			    "label longer than 63 bytes (or a reserved label type)");
	/* 0x80: the other reserved label type */
	m.b[12] = 0x80;
	assert_string_equal(q_fail(m.b, m.len, &q),
			    "label longer than 63 bytes (or a reserved label type)");

	/* 255 bytes on the wire (63+1, 63+1, 63+1, 61+1, 0): 253 characters */
	longest_query(&m, 1, 0, 61);
	q_ok(m.b, m.len, &q);
	assert_int_equal(q.qname_wire_len, 255);
	assert_int_equal(strlen(q.name), 253);
	memset(want, 'a', 63);
	want[63] = '.';
	memset(want + 64, 'b', 63);
	want[127] = '.';
	memset(want + 128, 'c', 63);
	want[191] = '.';
	memset(want + 192, 'd', 61);
	want[253] = '\0';
	assert_string_equal(q.name, want);

	/* 256 bytes: refused, though every label is fine */
	longest_query(&m, 1, 0, 62);
	assert_string_equal(q_fail(m.b, m.len, &q), "name longer than 255 bytes");
	assert_false(q.can_reply);

	/* many short labels: 127 of 1 byte is 255 bytes, 128 is too many */
	labels_query(&m, 127, 1, 'x', "");
	q_ok(m.b, m.len, &q);
	assert_int_equal(strlen(q.name), 253);
	labels_query(&m, 128, 1, 'x', "");
	assert_string_equal(q_fail(m.b, m.len, &q), "name longer than 255 bytes");

	/* the root */
	query_msg(&m, "", DNS_TYPE_NS);
	q_ok(m.b, m.len, &q);
	assert_string_equal(q.name, ".");
	assert_int_equal(q.qname_wire_len, 1);
}

static void test_query_no_pointers(void **state)
{
	struct msg m;
	struct dns_query q;

	(void)state;
	/* a question that is only a pointer, and one ending in a pointer */
	pheader(&m, 1, 0, 1, 0, 0, 0);
	pptr(&m, 12);
	pa_in(&m);
	assert_string_equal(q_fail(m.b, m.len, &q), "compression pointer in a query's question");
	assert_false(q.can_reply);
	pheader(&m, 1, 0, 1, 0, 0, 0);
	plabel(&m, 3, 'w');
	pptr(&m, 12);
	pa_in(&m);
	assert_string_equal(q_fail(m.b, m.len, &q), "compression pointer in a query's question");
}

static void test_query_characters(void **state)
{
	const struct {
		const char *label;
		size_t len;
		const char *why, *text;
	} cases[] = {
		{ "a.b", 3, "name has a '.' inside a label", "a?b.test" },
		{ "a\0b", 3, "name has a NUL byte", "a?b.test" },
		{ "A b", 3, "name has a space", "a?b.test" },
		{ "caf\xc3\xa9", 5, "name has a byte above 127 (not ASCII)", "caf??.test" },
		{ "a\nb", 3, "name has a control character", "a?b.test" },
		{ "a\x7f", 2, "name has a control character", "a?.test" },
		{ "*", 1, "name has a '*'", "?.test" },
		{ "a/b", 3, "name has punctuation other than '-' and '_'", "a?b.test" },
		{ "a\\b", 3, "name has punctuation other than '-' and '_'", "a?b.test" },
		{ "x y.z", 5, "name has a space", "x?y?z.test" },	/* the first one says */
	};
	struct msg m;
	struct dns_query q;

	(void)state;
	/* the allowed ones, upper case lowered */
	query_msg(&m, "_Sip._TCP.Host-1.Example.TEST", DNS_TYPE_SRV);
	q_ok(m.b, m.len, &q);
	assert_string_equal(q.name, "_sip._tcp.host-1.example.test");

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pheader(&m, 7, 0x0100, 1, 0, 0, 0);
		p8(&m, (unsigned)cases[i].len);
		put(&m, cases[i].label, cases[i].len);
		pname(&m, "test");
		pa_in(&m);
		assert_string_equal(q_fail(m.b, m.len, &q), cases[i].why);
		/* the question was read: it can still be refused politely,
		 * and the text shows where (a '.' in a label is not a dot) */
		assert_true(q.can_reply);
		assert_string_equal(q.name, cases[i].text);
	}
}

static void test_query_class_and_type(void **state)
{
	struct msg m;
	struct dns_query q;
	const unsigned refused[] = { 0, DNS_TYPE_OPT, DNS_TYPE_IXFR, DNS_TYPE_AXFR,
				     DNS_TYPE_MAILB, DNS_TYPE_MAILA };
	const unsigned served[] = { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_ANY, DNS_TYPE_HTTPS,
				    DNS_TYPE_MX, 65280 };

	(void)state;
	for (size_t i = 0; i < sizeof served / sizeof served[0]; i++) {
		query_msg(&m, "example.test", served[i]);
		q_ok(m.b, m.len, &q);
		assert_int_equal(q.qtype, served[i]);
	}
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		query_msg(&m, "example.test", refused[i]);
		q_fail(m.b, m.len, &q);
		assert_true(q.can_reply);
		assert_int_equal(q.qtype, refused[i]);
	}
	query_msg(&m, "example.test", DNS_TYPE_AXFR);
	assert_string_equal(q_fail(m.b, m.len, &q), "zone transfer query");

	/* CHAOS version.bind: refused, politely */
	query_msg(&m, "version.bind", DNS_TYPE_TXT);
	m.b[m.len - 1] = 3;
	assert_string_equal(q_fail(m.b, m.len, &q), "class is not IN");
	assert_true(q.can_reply);
	assert_int_equal(q.qclass, 3);
}

static void test_query_edns(void **state)
{
	struct msg m;
	struct dns_query q;
	const unsigned sizes[][2] = {
		{ 0, 512 }, { 100, 512 }, { 512, 512 }, { 1232, 1232 }, { 1400, 1232 },
		{ 65535, 1232 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		edns_query(&m, sizes[i][0]);
		q_ok(m.b, m.len, &q);
		assert_true(q.has_edns);
		assert_int_equal(q.edns_size, sizes[i][0]);
		assert_int_equal(q.udp_size, sizes[i][1]);
	}

	/* options in the OPT record (a cookie) are skipped */
	edns_query(&m, 1232);
	m.b[m.len - 1] = 12;
	p16(&m, 10);	/* COOKIE */
	p16(&m, 8);
	p32(&m, 0x01020304);
	p32(&m, 0x05060708);
	q_ok(m.b, m.len, &q);
	assert_int_equal(q.udp_size, 1232);
	/* ... but not past the end */
	m.b[m.len - 13] = 13;
	assert_string_equal(q_fail(m.b, m.len, &q),
			    "additional record runs past the end of the message");
	assert_true(q.can_reply);
	assert_false(q.has_edns);
	assert_int_equal(q.udp_size, 512);

	/* an additional record that is not OPT: another type, another owner */
	query_ar1(&m);
	p8(&m, 0);
	prr(&m, DNS_TYPE_A, 0, 4);
	p32(&m, 1);
	assert_string_equal(q_fail(m.b, m.len, &q), "additional record is not an EDNS OPT record");
	assert_true(q.can_reply);
	query_ar1(&m);
	pptr(&m, 12);
	prr(&m, DNS_TYPE_OPT, 0, 0);
	assert_string_equal(q_fail(m.b, m.len, &q), "additional record is not an EDNS OPT record");

	/* ARCOUNT 1 and nothing there */
	query_ar1(&m);
	assert_string_equal(q_fail(m.b, m.len, &q),
			    "additional record runs past the end of the message");

	/* bytes after the message, with and without OPT */
	query_msg(&m, "example.test", DNS_TYPE_A);
	p8(&m, 0);
	assert_string_equal(q_fail(m.b, m.len, &q), "bytes after the message");
	assert_true(q.can_reply);
	edns_query(&m, 1232);
	p8(&m, 0);
	assert_string_equal(q_fail(m.b, m.len, &q), "bytes after the message");
	assert_true(q.has_edns);
}

/* ---- replies to the machine ---- */

static void check_reply_header(const uint8_t *r, size_t len, const struct dns_query *q,
			       unsigned rcode, unsigned an)
{
	assert_true(len >= 12 + q->qname_wire_len + 4);
	assert_int_equal(get16(r), q->id);
	assert_int_equal(r[2] & 0x80, 0x80);		/* QR */
	assert_int_equal(r[2] & 0x78, 0);		/* opcode QUERY */
	assert_int_equal(r[2] & 0x04, 0);		/* not AA */
	assert_int_equal(r[2] & 0x02, 0);		/* never TC */
	assert_int_equal(r[2] & 0x01, q->rd ? 1 : 0);	/* RD copied */
	assert_int_equal(r[3] & 0x80, 0x80);		/* RA */
	assert_int_equal(r[3] & 0x0f, rcode);
	assert_int_equal(get16(r + 4), 1);
	assert_int_equal(get16(r + 6), an);
	assert_int_equal(get16(r + 8), 0);
	assert_int_equal(get16(r + 10), q->has_edns ? 1 : 0);
	/* the question exactly as it came */
	assert_memory_equal(r + 12, q->qname_wire, q->qname_wire_len);
	assert_int_equal(get16(r + 12 + q->qname_wire_len), q->qtype);
	assert_int_equal(get16(r + 14 + q->qname_wire_len), q->qclass);
	if (q->has_edns) {
		const uint8_t *o = r + len - 11;

		assert_int_equal(o[0], 0);
		assert_int_equal(get16(o + 1), DNS_TYPE_OPT);
		assert_int_equal(get16(o + 3), DNS_UDP_MAX);
		assert_int_equal(get16(o + 9), 0);
	}
}

static void test_reply_rcodes(void **state)
{
	const struct {
		const uint8_t *b;
		size_t len;
	} queries[] = {
		{ glibc_alias_a_query, sizeof glibc_alias_a_query },
		{ mixed_a_query, sizeof mixed_a_query },
		{ edns_a_query, sizeof edns_a_query },
	};
	struct dns_query q;
	uint8_t out[DNS_UDP_MAX];
	size_t len;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
		q_ok(queries[i].b, queries[i].len, &q);
		for (size_t j = 0; j < sizeof dns_rcode_replies / sizeof dns_rcode_replies[0]; j++) {
			unsigned rcode = dns_rcode_replies[j].rcode;
			struct dns_answer a;

			assert_int_equal(dns_rcode_replies[j].fn(&q, out, sizeof out, &len, &why), 0);
			check_reply_header(out, len, &q, rcode, 0);
			assert_int_equal(len, 12 + q.qname_wire_len + 4 + (q.has_edns ? 11 : 0));
			/* and it reads back as a response to that question */
			a_ok(out, len, q.id, q.name, q.qtype, &a);
			assert_int_equal(a.rcode, rcode);
			assert_false(a.truncated);
			assert_int_equal(a.na, 0);
		}
	}
	/* RD clear in the query: clear in the reply */
	q_ok(glibc_alias_a_query, sizeof glibc_alias_a_query, &q);
	q.rd = false;
	assert_int_equal(dns_reply_refused(&q, out, sizeof out, &len, &why), 0);
	check_reply_header(out, len, &q, DNS_RCODE_REFUSED, 0);

	/* a query refused for a character can still be answered REFUSED */
	{
		struct msg m;

		query_msg(&m, "bad name.test", DNS_TYPE_A);
		q_fail(m.b, m.len, &q);
		assert_true(q.can_reply);
		assert_int_equal(dns_reply_refused(&q, out, sizeof out, &len, &why), 0);
		check_reply_header(out, len, &q, DNS_RCODE_REFUSED, 0);
		assert_memory_equal(out + 12, m.b + 12, m.len - 12);
	}

	/* a buffer one byte short of the question; a query never read */
	q_ok(edns_a_query, sizeof edns_a_query, &q);
	assert_int_equal(dns_reply_refused(&q, out, 12 + q.qname_wire_len + 4 + 11, &len, &why), 0);
	assert_int_equal(dns_reply_refused(&q, out, 12 + q.qname_wire_len + 4 + 10, &len, &why), -1);
	assert_string_equal(why, "reply buffer too small for the question");
	memset(&q, 0, sizeof q);
	assert_int_equal(dns_reply_servfail(&q, out, sizeof out, &len, &why), -1);
	assert_string_equal(why, "not a query that was read");
}

static void test_reply_a_roundtrip(void **state)
{
	const struct dns_a recs[] = {
		{ IP(192, 0, 2, 7), 60 },
		{ IP(198, 51, 100, 1), 0 },		/* TTL 0 stays 0 */
		{ IP(203, 0, 113, 9), 0x7fffffff },
		{ IP(10, 1, 2, 3), 0x80000000u },	/* capped at 2^31 - 1 */
	};
	struct dns_query q;
	struct dns_answer a;
	uint8_t out[DNS_UDP_MAX];
	size_t len;
	const char *why;

	(void)state;
	q_ok(mixed_a_query, sizeof mixed_a_query, &q);
	assert_int_equal(dns_reply_a(&q, recs, 4, out, sizeof out, &len, &why), 4);
	check_reply_header(out, len, &q, DNS_RCODE_NOERROR, 4);
	assert_int_equal(len, 12 + q.qname_wire_len + 4 + 4 * 16);
	/* each owner is a pointer to the question */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(get16(out + 12 + q.qname_wire_len + 4 + 16 * i), 0xc00c);

	a_ok(out, len, q.id, "MIXED.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.rcode, 0);
	assert_int_equal(a.nchain, 0);
	assert_int_equal(a.na, 4);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(a.a[i].addr, recs[i].addr);
		assert_int_equal(a.a[i].ttl, recs[i].ttl);
	}
	assert_int_equal(a.a[3].addr, IP(10, 1, 2, 3));
	assert_int_equal(a.a[3].ttl, 0x7fffffff);

	/* no records: NOERROR, empty */
	assert_int_equal(dns_reply_a(&q, recs, 0, out, sizeof out, &len, &why), 0);
	check_reply_header(out, len, &q, DNS_RCODE_NOERROR, 0);

	/* ANY may get A records; AAAA or class CH may not */
	q.qtype = DNS_TYPE_ANY;
	assert_int_equal(dns_reply_a(&q, recs, 1, out, sizeof out, &len, &why), 1);
	q.qtype = DNS_TYPE_AAAA;
	assert_int_equal(dns_reply_a(&q, recs, 1, out, sizeof out, &len, &why), -1);
	q.qtype = DNS_TYPE_A;
	q.qclass = 3;
	assert_int_equal(dns_reply_a(&q, recs, 1, out, sizeof out, &len, &why), -1);
}

static void test_reply_a_fits(void **state)
{
	struct dns_a recs[100];
	struct dns_query q;
	struct dns_answer a;
	struct msg m;
	uint8_t out[2048];
	size_t len;
	const char *why;
	const struct {
		size_t cap;
		int edns;		/* -1: no OPT record */
		int want;
	} cases[] = {
		{ sizeof out, -1, 30 },		/* (512 - 30) / 16 */
		{ sizeof out, 1232, 74 },	/* (1232 - 41) / 16 */
		{ sizeof out, 4096, 74 },	/* capped at DNS_UDP_MAX */
		{ sizeof out, 100, 29 },	/* below 512 counts as 512 */
		{ 200, -1, 10 },		/* the caller's buffer is smaller */
		{ 30, -1, 0 },			/* room for the question only */
	};

	(void)state;
	for (size_t i = 0; i < 100; i++) {
		recs[i].addr = IP(10, 0, 1, i + 1);
		recs[i].ttl = (uint32_t)(100 + i);
	}
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].edns >= 0)
			edns_query(&m, (unsigned)cases[i].edns);
		else
			query_msg(&m, "example.test", DNS_TYPE_A);
		q_ok(m.b, m.len, &q);
		assert_int_equal(dns_reply_a(&q, recs, 100, out, cases[i].cap, &len, &why),
				 cases[i].want);
		assert_true(len <= q.udp_size && len <= cases[i].cap);
		check_reply_header(out, len, &q, DNS_RCODE_NOERROR, (unsigned)cases[i].want);
		assert_int_equal(len, 12 + 14 + 4 + (q.has_edns ? 11 : 0) + 16 * (size_t)cases[i].want);
		/* the first ones, in order */
		a_ok(out, len, q.id, "example.test", DNS_TYPE_A, &a);
		assert_int_equal(a.na, cases[i].want < DNS_ANSWER_MAX ? cases[i].want : DNS_ANSWER_MAX);
		assert_int_equal(a.a_dropped, cases[i].want > DNS_ANSWER_MAX);
		for (size_t j = 0; j < a.na; j++) {
			assert_int_equal(a.a[j].addr, recs[j].addr);
			assert_int_equal(a.a[j].ttl, recs[j].ttl);
		}
	}
	/* fewer than fit: all of them */
	query_msg(&m, "example.test", DNS_TYPE_A);
	q_ok(m.b, m.len, &q);
	assert_int_equal(dns_reply_a(&q, recs, 3, out, sizeof out, &len, &why), 3);

	/* the longest question leaves room for 15 */
	longest_query(&m, 9, 0x0100, 61);
	q_ok(m.b, m.len, &q);
	assert_int_equal(dns_reply_a(&q, recs, 100, out, sizeof out, &len, &why), 15);
	assert_true(len <= 512);
	a_ok(out, len, 9, q.name, DNS_TYPE_A, &a);
	assert_int_equal(a.na, 15);
}

/* ---- upstream answers ---- */

static void test_answer_captured(void **state)
{
	struct dns_answer a;

	(void)state;
	a_ok(dnsmasq_alias_a, sizeof dnsmasq_alias_a, 0x8689, "alias.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.rcode, 0);
	assert_false(a.truncated);
	assert_int_equal(a.nchain, 1);
	assert_string_equal(a.chain[0], "host.example.test");
	assert_int_equal(a.na, 1);
	assert_int_equal(a.a[0].addr, IP(192, 0, 2, 8));
	assert_int_equal(a.a[0].ttl, 120);	/* the CNAME's 120, not the A's 300 */

	a_ok(dnsmasq_alias_aaaa, sizeof dnsmasq_alias_aaaa, 0x40b5, "alias.example.test",
	     DNS_TYPE_AAAA, &a);
	assert_int_equal(a.nchain, 1);
	assert_string_equal(a.chain[0], "host.example.test");
	assert_int_equal(a.na, 0);

	a_ok(dnsmasq_deep_a, sizeof dnsmasq_deep_a, 0x4c6e, "deep.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.nchain, 2);
	assert_string_equal(a.chain[0], "alias.example.test");
	assert_string_equal(a.chain[1], "host.example.test");
	assert_int_equal(a.na, 1);
	assert_int_equal(a.a[0].addr, IP(192, 0, 2, 8));
	assert_int_equal(a.a[0].ttl, 30);

	a_ok(dnsmasq_multi_a, sizeof dnsmasq_multi_a, 0x9e19, "multi.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.nchain, 0);
	assert_int_equal(a.na, 3);
	assert_int_equal(a.a[0].addr, IP(192, 0, 2, 11));
	assert_int_equal(a.a[1].addr, IP(192, 0, 2, 10));
	assert_int_equal(a.a[2].addr, IP(192, 0, 2, 12));
	for (int i = 0; i < 3; i++)
		assert_int_equal(a.a[i].ttl, 60);

	a_ok(dnsmasq_host_a, sizeof dnsmasq_host_a, 0x3ab9, "host.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 1);
	assert_int_equal(a.a[0].ttl, 300);

	a_ok(dnsmasq_edns_a, sizeof dnsmasq_edns_a, 0x2345, "www.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 1);
	assert_int_equal(a.a[0].addr, IP(192, 0, 2, 7));
	assert_int_equal(a.a[0].ttl, 60);

	/* the question came back in the case it was sent: still ours */
	a_ok(dnsmasq_mixed_a, sizeof dnsmasq_mixed_a, 0x4567, "mixed.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.nchain, 1);
	assert_string_equal(a.chain[0], "multi.example.test");
	assert_int_equal(a.na, 3);

	a_ok(dnsmasq_host_aaaa_refused, sizeof dnsmasq_host_aaaa_refused, 0x98b3,
	     "host.example.test", DNS_TYPE_AAAA, &a);
	assert_int_equal(a.rcode, DNS_RCODE_REFUSED);
	a_ok(dnsmasq_unknown_refused, sizeof dnsmasq_unknown_refused, 0x6789, "nothing.invalid",
	     DNS_TYPE_A, &a);
	assert_int_equal(a.rcode, DNS_RCODE_REFUSED);
	assert_int_equal(a.na, 0);

	/* not the answer to our question */
	assert_string_equal(a_fail(dnsmasq_deep_a, sizeof dnsmasq_deep_a, 0x4c6f,
				   "deep.example.test", DNS_TYPE_A), "not the ID of our query");
	assert_string_equal(a_fail(dnsmasq_deep_a, sizeof dnsmasq_deep_a, 0x4c6e,
				   "alias.example.test", DNS_TYPE_A),
			    "question is not ours (another name)");
	assert_string_equal(a_fail(dnsmasq_deep_a, sizeof dnsmasq_deep_a, 0x4c6e,
				   "deep.example.tes", DNS_TYPE_A),
			    "question is not ours (another name)");
	assert_string_equal(a_fail(dnsmasq_deep_a, sizeof dnsmasq_deep_a, 0x4c6e,
				   "deep.example.test", DNS_TYPE_AAAA),
			    "question is not ours (another type or class)");

	/* every prefix fails (exact-size copies) */
	for (size_t i = 0; i < sizeof dnsmasq_deep_a; i++)
		a_fail(dnsmasq_deep_a, i, 0x4c6e, "deep.example.test", DNS_TYPE_A);
	for (size_t i = 0; i < sizeof dnsmasq_mixed_a; i++)
		a_fail(dnsmasq_mixed_a, i, 0x4567, "mixed.example.test", DNS_TYPE_A);
}

static void test_answer_header(void **state)
{
	struct msg m;
	struct dns_answer a;

	(void)state;
	answer_msg(&m, 1, "example.test", DNS_TYPE_A);
	rr_a(&m, "example.test", 60, IP(192, 0, 2, 1));
	a_ok(m.b, m.len, 0x4242, "example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 1);

	m.b[2] &= 0x7f;
	a_refused(&m, "example.test", "a query, not a response");
	m.b[2] = 0x81 | 2 << 3;
	a_refused(&m, "example.test", "opcode is not QUERY");
	m.b[2] = 0x81;
	m.b[5] = 2;
	a_refused(&m, "example.test", "question count is not 1");
	m.b[5] = 0;
	a_refused(&m, "example.test", "question count is not 1");
	assert_string_equal(a_fail(m.b, 11, 0x4242, "example.test", DNS_TYPE_A),
			    "shorter than a DNS header");

	/* TC: say so, collect nothing, even without a question */
	m.b[2] = 0x83;
	a_ok(m.b, 12, 0x4242, "example.test", DNS_TYPE_A, &a);
	assert_true(a.truncated);
	m.b[5] = 1;
	a_ok(m.b, m.len, 0x4242, "example.test", DNS_TYPE_A, &a);
	assert_true(a.truncated);
	assert_int_equal(a.na, 0);

	/* another RCODE: said, nothing collected */
	m.b[2] = 0x81;
	m.b[3] = 0x83;
	a_ok(m.b, m.len, 0x4242, "example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(a.na, 0);

	/* the question's class */
	answer_msg(&m, 0, "example.test", DNS_TYPE_A);
	m.b[m.len - 1] = 3;
	a_refused(&m, "example.test", "question is not ours (another type or class)");
}

/* A response whose second record's owner is reached through hops
 * pointers: a TXT record's data holds a row of pointers, each to the one
 * before, the first to the question. */
static void hops_msg(struct msg *m, unsigned hops)
{
	unsigned k = hops - 2, i;
	size_t rd;

	answer_msg(m, 2, "example.test", DNS_TYPE_A);
	pptr(m, 12);
	prr(m, DNS_TYPE_TXT, 60, 2 * (k + 1));
	rd = m->len;
	pptr(m, 12);
	for (i = 1; i <= k; i++)
		pptr(m, rd + 2 * (i - 1));
	rr_a_ptr(m, rd + 2 * k, IP(192, 0, 2, 1));
}

static void test_answer_pointers(void **state)
{
	const char *backwards = "compression pointer does not point backwards";
	struct msg m;
	struct dns_answer a;
	size_t at;

	(void)state;
	/* DNS_PTR_HOPS_MAX hops: fine; one more: refused */
	hops_msg(&m, DNS_PTR_HOPS_MAX);
	a_ok(m.b, m.len, 0x4242, "example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 1);
	hops_msg(&m, DNS_PTR_HOPS_MAX + 1);
	a_refused(&m, "example.test", "too many compression pointers in one name");

	/* a pointer to itself, and a label then a pointer back to it */
	answer_msg(&m, 1, "example.test", DNS_TYPE_A);
	rr_a_ptr(&m, m.len, 1);
	a_refused(&m, "example.test", backwards);
	answer_msg(&m, 1, "example.test", DNS_TYPE_A);
	at = m.len;
	plabel(&m, 1, 'x');
	rr_a_ptr(&m, at, 1);
	a_refused(&m, "example.test", backwards);

	/* two names pointing at each other: one of the pointers is forward */
	answer_msg(&m, 2, "example.test", DNS_TYPE_A);
	at = m.len;
	rr_a_ptr(&m, at + 16, 1);	/* to the second record's owner */
	assert_int_equal(m.len, at + 16);
	rr_a_ptr(&m, at, 2);
	a_refused(&m, "example.test", backwards);

	/* forward to a well-formed name later on; past the end of the message */
	answer_msg(&m, 2, "example.test", DNS_TYPE_A);
	rr_a_ptr(&m, m.len + 16, 1);
	rr_a(&m, "example.test", 60, 2);
	a_refused(&m, "example.test", backwards);
	answer_msg(&m, 1, "example.test", DNS_TYPE_A);
	rr_a_ptr(&m, 0x3fff, 1);
	a_refused(&m, "example.test", backwards);

	/* into the header, anywhere in it */
	for (unsigned off = 0; off < 12; off++) {
		answer_msg(&m, 1, "example.test", DNS_TYPE_A);
		rr_a_ptr(&m, off, 1);
		a_refused(&m, "example.test", "compression pointer into the header");
	}
	/* a question that is a pointer: nothing before it but the header */
	pheader(&m, 0x4242, 0x8180, 1, 0, 0, 0);
	pptr(&m, 12);
	pa_in(&m);
	a_refused(&m, "example.test", backwards);

	/* a pointer cut in half */
	answer_msg(&m, 1, "example.test", DNS_TYPE_A);
	p8(&m, 0xc0);
	a_refused(&m, "example.test", "name runs past the end of the message");

	/* a label and a pointer to a 255-byte question: 257 bytes */
	{
		char q[DNS_NAME_MAX + 1];

		memset(q, 'a', sizeof q);
		q[63] = q[127] = q[191] = '.';
		q[253] = '\0';
		answer_msg(&m, 1, q, DNS_TYPE_A);
		rr_a(&m, q, 60, 1);	/* positive control: the name itself */
		a_ok(m.b, m.len, 0x4242, q, DNS_TYPE_A, &a);
		assert_int_equal(a.na, 1);
		answer_msg(&m, 1, q, DNS_TYPE_A);
		plabel(&m, 1, 'x');
		rr_a_ptr(&m, 12, 1);
		a_refused(&m, q, "name longer than 255 bytes");
	}
}

/* A chain question -> c1 -> ... -> cn, then an A record for cn. */
static void chain_msg(struct msg *m, unsigned n, bool reversed)
{
	char owner[32], target[32];

	answer_msg(m, n + 1, "q.example.test", DNS_TYPE_A);
	if (reversed) {
		snprintf(owner, sizeof owner, "c%u.example.test", n);
		rr_a(m, n ? owner : "q.example.test", 300, IP(192, 0, 2, 99));
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned j = reversed ? n - 1 - i : i;

		if (j == 0)
			snprintf(owner, sizeof owner, "q.example.test");
		else
			snprintf(owner, sizeof owner, "c%u.example.test", j);
		snprintf(target, sizeof target, "c%u.example.test", j + 1);
		rr_cname(m, owner, 1000 - j, target);
	}
	if (!reversed) {
		snprintf(owner, sizeof owner, "c%u.example.test", n);
		rr_a(m, n ? owner : "q.example.test", 300, IP(192, 0, 2, 99));
	}
}

static void test_answer_cname_chain(void **state)
{
	struct msg m;
	struct dns_answer a;
	size_t at;

	(void)state;
	/* DNS_CHAIN_MAX CNAMEs, in either order: followed */
	for (int rev = 0; rev < 2; rev++) {
		chain_msg(&m, DNS_CHAIN_MAX, rev);
		a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
		assert_int_equal(a.nchain, DNS_CHAIN_MAX);
		assert_string_equal(a.chain[0], "c1.example.test");
		assert_string_equal(a.chain[DNS_CHAIN_MAX - 1], "c8.example.test");
		assert_int_equal(a.na, 1);
		assert_int_equal(a.a[0].addr, IP(192, 0, 2, 99));
		assert_int_equal(a.a[0].ttl, 300);
		/* one more: refused */
		chain_msg(&m, DNS_CHAIN_MAX + 1, rev);
		a_refused(&m, "q.example.test", "CNAME chain longer than 8");
	}
	/* the least TTL along the chain */
	chain_msg(&m, 3, false);
	m.b[m.len - 8] = 0;
	m.b[m.len - 7] = 100;	/* the A: 100 */
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.a[0].ttl, 100);
	m.b[m.len - 7] = 0xff;	/* the A: 255; the CNAMEs 1000, 999, 998 */
	m.b[m.len - 8] = 0x0f;
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.a[0].ttl, 998);

	/* loops: to the question, to itself, between two */
	answer_msg(&m, 2, "q.example.test", DNS_TYPE_A);
	rr_cname(&m, "q.example.test", 60, "c1.example.test");
	rr_cname(&m, "c1.example.test", 60, "Q.Example.Test");
	a_refused(&m, "q.example.test", "CNAME loop");
	answer_msg(&m, 1, "q.example.test", DNS_TYPE_A);
	rr_cname(&m, "q.example.test", 60, "q.example.test");
	a_refused(&m, "q.example.test", "CNAME loop");
	answer_msg(&m, 3, "q.example.test", DNS_TYPE_A);
	rr_cname(&m, "q.example.test", 60, "c1.example.test");
	rr_cname(&m, "c1.example.test", 60, "c2.example.test");
	rr_cname(&m, "c2.example.test", 60, "c1.example.test");
	a_refused(&m, "q.example.test", "CNAME loop");

	/* two CNAMEs for one name */
	answer_msg(&m, 2, "q.example.test", DNS_TYPE_A);
	rr_cname(&m, "q.example.test", 60, "c1.example.test");
	rr_cname(&m, "q.example.test", 60, "c2.example.test");
	a_refused(&m, "q.example.test", "two CNAME records for one name");

	/* the target: compressed, upper case, matched to the A's owner */
	answer_msg(&m, 2, "q.example.test", DNS_TYPE_A);
	pptr(&m, 12);
	at = m.len;
	prr(&m, DNS_TYPE_CNAME, 60, 6);
	plabel(&m, 3, 'W');
	pptr(&m, 14);	/* "example.test" in the question */
	pname(&m, "www.EXAMPLE.test");
	prr(&m, DNS_TYPE_A, 60, 4);
	p32(&m, IP(192, 0, 2, 5));
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_string_equal(a.chain[0], "www.example.test");
	assert_int_equal(a.na, 1);
	/* its data longer than the name; the name longer than its data */
	m.b[at + 9] = 7;
	a_refused(&m, "q.example.test", "CNAME data longer than its name");
	m.b[at + 9] = 5;
	a_refused(&m, "q.example.test", "name runs past the end of the message");
	/* a target with a space */
	m.b[at + 9] = 6;
	m.b[at + 12] = ' ';
	a_refused(&m, "q.example.test", "name has a space");
}

static void test_answer_owners_and_types(void **state)
{
	struct msg m;
	struct dns_answer a;
	size_t at;

	(void)state;
	answer_msg(&m, 9, "q.example.test", DNS_TYPE_A);
	rr_a(&m, "other.example.test", 60, IP(6, 6, 6, 1));		/* another owner */
	rr_a(&m, "q.example.test", 60, IP(6, 6, 6, 2));		/* the question, but it has a CNAME */
	rr_cname(&m, "q.example.test", 60, "end.example.test");
	pname(&m, "end.example.test");
	prr(&m, DNS_TYPE_AAAA, 60, 16);
	for (int i = 0; i < 4; i++)
		p32(&m, 0x20010db8);
	pname(&m, "end.example.test");
	prr(&m, DNS_TYPE_RRSIG, 60, 5);
	put(&m, "\1\2\3\4\5", 5);
	pname(&m, "end.example.test");					/* class CH */
	p16(&m, DNS_TYPE_A);
	p16(&m, 3);
	p32(&m, 60);
	p16(&m, 4);
	p32(&m, IP(6, 6, 6, 3));
	pname(&m, "other.example.test");				/* a bad A elsewhere: skipped */
	prr(&m, DNS_TYPE_A, 60, 5);
	put(&m, "\6\6\6\4\0", 5);
	p8(&m, 5);							/* an owner with a space */
	put(&m, "e d.x", 5);
	p8(&m, 0);
	prr(&m, DNS_TYPE_A, 60, 4);
	p32(&m, IP(6, 6, 6, 5));
	rr_a(&m, "END.example.test", 60, IP(192, 0, 2, 50));		/* the one */
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.nchain, 1);
	assert_int_equal(a.na, 1);
	assert_int_equal(a.a[0].addr, IP(192, 0, 2, 50));

	/* asked for AAAA: A records are not collected */
	m.b[12 + 16 + 1] = DNS_TYPE_AAAA;
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_AAAA, &a);
	assert_int_equal(a.nchain, 1);
	assert_int_equal(a.na, 0);

	/* an A of the chain's end with 5 bytes: refused */
	answer_msg(&m, 1, "q.example.test", DNS_TYPE_A);
	pptr(&m, 12);
	at = m.len;
	prr(&m, DNS_TYPE_A, 60, 5);
	put(&m, "\1\2\3\4\5", 5);
	a_refused(&m, "q.example.test", "A record whose data is not 4 bytes");
	/* data running past the end; the fixed part cut */
	m.b[at + 9] = 6;
	a_refused(&m, "q.example.test", "record data runs past the end of the message");
	assert_string_equal(a_fail(m.b, at + 9, 0x4242, "q.example.test", DNS_TYPE_A),
			    "record runs past the end of the message");
	/* ANCOUNT larger than what is there */
	answer_msg(&m, 2, "q.example.test", DNS_TYPE_A);
	rr_a(&m, "q.example.test", 60, 1);
	a_refused(&m, "q.example.test", "name runs past the end of the message");
	/* authority and additional sections, and trailing bytes: not read */
	answer_msg(&m, 1, "q.example.test", DNS_TYPE_A);
	m.b[9] = 1;
	m.b[11] = 1;
	rr_a(&m, "q.example.test", 60, 1);
	put(&m, "\xc0\xff junk", 6);
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 1);
}

static void test_answer_ttls_and_limits(void **state)
{
	struct msg m;
	struct dns_answer a;
	const uint32_t ttls[][2] = {
		{ 0, 0 }, { 1, 1 }, { 0x7fffffff, 0x7fffffff }, { 0x80000000u, 0 },
		{ 0xffffffffu, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof ttls / sizeof ttls[0]; i++) {
		answer_msg(&m, 1, "q.example.test", DNS_TYPE_A);
		rr_a(&m, "q.example.test", ttls[i][0], IP(192, 0, 2, 1));
		a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
		assert_int_equal(a.a[0].ttl, ttls[i][1]);
	}
	/* a CNAME with TTL 2^31 makes the chain's addresses TTL 0 */
	answer_msg(&m, 2, "q.example.test", DNS_TYPE_A);
	rr_cname(&m, "q.example.test", 0x80000000u, "e.example.test");
	rr_a(&m, "e.example.test", 60, IP(192, 0, 2, 1));
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.a[0].ttl, 0);

	/* the same address twice: once, the lesser TTL */
	answer_msg(&m, 3, "q.example.test", DNS_TYPE_A);
	rr_a(&m, "q.example.test", 90, IP(192, 0, 2, 1));
	rr_a(&m, "q.example.test", 30, IP(192, 0, 2, 1));
	rr_a(&m, "q.example.test", 60, IP(192, 0, 2, 2));
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 2);
	assert_int_equal(a.a[0].ttl, 30);
	assert_int_equal(a.a[1].ttl, 60);

	/* more distinct addresses than kept */
	answer_msg(&m, DNS_ANSWER_MAX + 8, "q.example.test", DNS_TYPE_A);
	for (unsigned i = 0; i < DNS_ANSWER_MAX + 8; i++) {
		pptr(&m, 12);
		prr(&m, DNS_TYPE_A, 60, 4);
		p32(&m, IP(10, 0, 0, i));
	}
	a_ok(m.b, m.len, 0x4242, "q.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, DNS_ANSWER_MAX);
	assert_true(a.a_dropped);
	assert_int_equal(a.a[DNS_ANSWER_MAX - 1].addr, IP(10, 0, 0, DNS_ANSWER_MAX - 1));
}

/* ---- queries to upstream ---- */

static void test_query_build(void **state)
{
	uint8_t out[600];
	size_t len;
	const char *why;
	struct dns_query q;
	char longest[DNS_NAME_MAX + 2];
	const char *bad[] = {
		"", "a..b", ".a", "a.", "..", "a b.test", "*.example.test", "caf\xc3\xa9",
		"a/b", "x\ty",
	};

	(void)state;
	assert_int_equal(dns_query_build(0xbeef, "Example.TEST", DNS_TYPE_A, 0, out, sizeof out,
					 &len, &why), 0);
	assert_int_equal(len, 12 + 14 + 4);
	q_ok(out, len, &q);
	assert_int_equal(q.id, 0xbeef);
	assert_true(q.rd);
	assert_string_equal(q.name, "example.test");
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_false(q.has_edns);
	assert_int_equal(out[3], 0);	/* nothing but RD */

	assert_int_equal(dns_query_build(1, "_dmarc.host-1.example.test", DNS_TYPE_TXT, 1232,
					 out, sizeof out, &len, &why), 0);
	q_ok(out, len, &q);
	assert_string_equal(q.name, "_dmarc.host-1.example.test");
	assert_true(q.has_edns);
	assert_int_equal(q.edns_size, 1232);

	assert_int_equal(dns_query_build(2, ".", DNS_TYPE_NS, 0, out, sizeof out, &len, &why), 0);
	q_ok(out, len, &q);
	assert_string_equal(q.name, ".");

	/* 253 characters: the longest; 254: refused */
	memset(longest, 'a', sizeof longest);
	longest[63] = longest[127] = longest[191] = '.';
	longest[253] = '\0';
	assert_int_equal(dns_query_build(3, longest, DNS_TYPE_A, 0, out, sizeof out, &len, &why), 0);
	assert_int_equal(len, 12 + 255 + 4);
	q_ok(out, len, &q);
	assert_string_equal(q.name, longest);
	longest[253] = 'a';
	longest[254] = '\0';
	assert_int_equal(dns_query_build(3, longest, DNS_TYPE_A, 0, out, sizeof out, &len, &why), -1);
	assert_string_equal(why, "name longer than 253 characters");
	/* a label of 64 */
	memset(longest, 'a', 64);
	memcpy(longest + 64, ".test", 6);
	assert_int_equal(dns_query_build(3, longest, DNS_TYPE_A, 0, out, sizeof out, &len, &why), -1);
	assert_string_equal(why, "label longer than 63 bytes");
	memcpy(longest + 63, ".test", 6);	/* 63: fine */
	assert_int_equal(dns_query_build(3, longest, DNS_TYPE_A, 0, out, sizeof out, &len, &why), 0);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(dns_query_build(4, bad[i], DNS_TYPE_A, 0, out, sizeof out,
						 &len, &why), -1);
		assert_non_null(why);
	}
	assert_int_equal(dns_query_build(5, "a", DNS_TYPE_A, 511, out, sizeof out, &len, &why), -1);
	assert_string_equal(why, "EDNS size below 512");

	/* capacity: exact, and one short */
	assert_int_equal(dns_query_build(6, "a", DNS_TYPE_A, 1232, out, 12 + 3 + 4 + 11, &len, &why), 0);
	assert_int_equal(dns_query_build(6, "a", DNS_TYPE_A, 1232, out, 12 + 3 + 4 + 10, &len, &why), -1);
	assert_string_equal(why, "query buffer too small");
}

/* ---- allow lists ---- */

static void test_name_valid(void **state)
{
	/* why is NULL for the names accepted */
	const struct {
		const char *text, *why;
	} names[] = {
		{ "example.com", NULL },
		{ "*.example.com", NULL },
		{ "EXAMPLE.Com", NULL },
		{ "_srv._tcp.x", NULL },
		{ "a-b.c", NULL },
		{ "localhost", NULL },
		{ "*.com", NULL },
		{ "1.2.3.4", NULL },
		{ "", "empty name" },
		{ ".", "the root is not a name" },
		{ "*", "'*' other than a leading '*.'" },
		{ "*.", "empty name" },
		{ "*.*.example.com", "'*' other than a leading '*.'" },
		{ "a*.example.com", "'*' other than a leading '*.'" },
		{ "example.*", "'*' other than a leading '*.'" },
		{ "a..b", "name has an empty label" },
		{ ".a", "name has an empty label" },
		{ "a.", "name has an empty label" },
		{ "exa mple.com", "name has a space" },
		{ "example.com/", "name has punctuation other than '-' and '_'" },
		{ "ex\xc3\xa4mple.com", "name has a byte above 127 (not ASCII)" },
	};
	char name[300];
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int r;

		why = NULL;
		r = dns_name_valid(names[i].text, &why);
		if (!names[i].why) {
			if (r != 0)
				fail_msg("%s refused: %s", names[i].text, why);
			continue;
		}
		assert_int_equal(r, -1);
		assert_string_equal(why, names[i].why);
	}
	/* 63 and 64 byte labels; 253 and 254 characters (the "*." not counted) */
	memset(name, 'a', 64);
	memcpy(name + 64, ".com", 5);
	assert_int_equal(dns_name_valid(name, &why), -1);
	assert_string_equal(why, "label longer than 63 bytes");
	assert_int_equal(dns_name_valid(name + 1, &why), 0);
	memcpy(name, "*.", 2);
	memset(name + 2, 'b', 253);
	name[2 + 63] = name[2 + 127] = name[2 + 191] = '.';
	name[2 + 253] = '\0';
	assert_int_equal(dns_name_valid(name, &why), 0);
	assert_int_equal(dns_name_valid(name + 2, &why), 0);
	name[2 + 253] = 'b';
	name[2 + 254] = '\0';
	assert_int_equal(dns_name_valid(name, &why), -1);
	assert_string_equal(why, "name longer than 253 characters");
}

static void test_name_match(void **state)
{
	const struct {
		const char *pattern, *name;
		bool match;
	} cases[] = {
		{ "example.com", "example.com", true },
		{ "Example.COM", "example.com", true },
		{ "example.com", "EXAMPLE.com", true },
		{ "example.com", "www.example.com", false },
		{ "example.com", "example.co", false },
		{ "example.com", "example.com.evil", false },
		{ "*.example.com", "www.example.com", true },
		{ "*.example.com", "a.b.c.example.com", true },
		{ "*.Example.Com", "WWW.example.COM", true },
		{ "*.example.com", "example.com", false },
		{ "*.example.com", "badexample.com", false },
		{ "*.example.com", "www.example.com.evil", false },
		{ "*.example.com", ".example.com", false },
		{ "*.example.com", "com", false },
		{ "*.com", "example.com", true },
		{ "www.example.com", "*.example.com", false },
		{ "*.example.com", "*.example.com", true },	/* a query for "*" is refused before */
		{ "example.com", ".", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (dns_name_match(cases[i].pattern, cases[i].name) != cases[i].match)
			fail_msg("%s vs %s: expected %d", cases[i].pattern, cases[i].name,
				 cases[i].match);
}

/* ---- DNS over TCP ---- */

static void test_tcp_framing(void **state)
{
	uint8_t out[128], stream[256];
	const uint8_t *msg;
	size_t len, mlen, used, slen;
	const char *why;

	(void)state;
	assert_int_equal(dns_tcp_frame(glibc_alias_a_query, sizeof glibc_alias_a_query, out,
				       sizeof out, &len, &why), 0);
	assert_int_equal(len, 2 + sizeof glibc_alias_a_query);
	assert_int_equal(get16(out), sizeof glibc_alias_a_query);
	assert_int_equal(dns_tcp_frame(glibc_alias_a_query, sizeof glibc_alias_a_query, out,
				       sizeof glibc_alias_a_query + 1, &len, &why), -1);
	assert_int_equal(dns_tcp_frame(out, 0, out, sizeof out, &len, &why), -1);

	/* two messages in one stream, read a byte at a time */
	memcpy(stream, out, len);
	slen = len;
	assert_int_equal(dns_tcp_frame(edns_a_query, sizeof edns_a_query, stream + slen,
				       sizeof stream - slen, &len, &why), 0);
	slen += len;
	for (size_t i = 0; i < 2 + sizeof glibc_alias_a_query; i++)
		assert_int_equal(dns_tcp_next(stream, i, &msg, &mlen, &used, &why), 0);
	assert_int_equal(dns_tcp_next(stream, slen, &msg, &mlen, &used, &why), 1);
	assert_int_equal(mlen, sizeof glibc_alias_a_query);
	assert_memory_equal(msg, glibc_alias_a_query, mlen);
	assert_int_equal(dns_tcp_next(stream + used, slen - used, &msg, &mlen, &used, &why), 1);
	assert_memory_equal(msg, edns_a_query, sizeof edns_a_query);

	stream[0] = stream[1] = 0;
	assert_int_equal(dns_tcp_next(stream, slen, &msg, &mlen, &used, &why), -1);
	assert_string_equal(why, "zero-length message");
}

/* ---- the whole exchange, frames included ---- */

static void test_frame_exchange(void **state)
{
	const uint8_t machine_mac[6] = { 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02 };
	const uint8_t host_mac[6] = { 0x02, 0x50, 0x00, 0x00, 0x00, 0x01 };
	struct udp_frame f = { .src_ip = IP(10, 0, 0, 2), .dst_ip = IP(10, 0, 0, 1),
			       .src_port = 40000, .dst_port = DNS_PORT };
	struct udp_frame in, rf, back;
	const struct dns_a recs[] = { { IP(192, 0, 2, 7), 60 }, { IP(192, 0, 2, 8), 61 } };
	uint8_t frame[1600], reply[1600];
	size_t flen, rlen;
	struct dns_query q;
	struct dns_answer a;
	const char *why;

	(void)state;
	memcpy(f.src_mac, machine_mac, 6);
	memcpy(f.dst_mac, host_mac, 6);
	assert_int_equal(udp_frame_build(&f, edns_a_query, sizeof edns_a_query, frame, sizeof frame,
					 &flen, &why), 0);

	/* the supervisor's turn */
	assert_int_equal(udp_frame_parse(frame, flen, &in, &why), 0);
	assert_int_equal(in.dst_port, DNS_PORT);
	assert_int_equal(in.dst_ip, IP(10, 0, 0, 1));
	q_ok(in.payload, in.payload_len, &q);
	assert_true(dns_name_match("*.example.test", q.name));
	udp_frame_reply(&in, &rf);
	/* the reply written where the frame builder wants it, then framed in place */
	assert_int_equal(dns_reply_a(&q, recs, 2, reply + UDP_FRAME_HDR_LEN,
				     sizeof reply - UDP_FRAME_HDR_LEN, &rlen, &why), 2);
	assert_int_equal(udp_frame_build(&rf, reply + UDP_FRAME_HDR_LEN, rlen, reply, sizeof reply,
					 &flen, &why), 0);

	/* the machine's */
	assert_int_equal(udp_frame_parse(reply, flen, &back, &why), 0);
	assert_frame_route(back, host_mac, IP(10, 0, 0, 1), DNS_PORT, machine_mac, IP(10, 0, 0, 2), 40000);
	a_ok(back.payload, back.payload_len, 0x2345, "www.example.test", DNS_TYPE_A, &a);
	assert_int_equal(a.na, 2);
	assert_int_equal(a.a[1].addr, IP(192, 0, 2, 8));
	assert_int_equal(a.a[1].ttl, 61);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_query_captured),
	cmocka_unit_test(test_query_truncated),
	cmocka_unit_test(test_query_header),
	cmocka_unit_test(test_query_name_limits),
	cmocka_unit_test(test_query_no_pointers),
	cmocka_unit_test(test_query_characters),
	cmocka_unit_test(test_query_class_and_type),
	cmocka_unit_test(test_query_edns),
	cmocka_unit_test(test_reply_rcodes),
	cmocka_unit_test(test_reply_a_roundtrip),
	cmocka_unit_test(test_reply_a_fits),
	cmocka_unit_test(test_answer_captured),
	cmocka_unit_test(test_answer_header),
	cmocka_unit_test(test_answer_pointers),
	cmocka_unit_test(test_answer_cname_chain),
	cmocka_unit_test(test_answer_owners_and_types),
	cmocka_unit_test(test_answer_ttls_and_limits),
	cmocka_unit_test(test_query_build),
	cmocka_unit_test(test_name_valid),
	cmocka_unit_test(test_name_match),
	cmocka_unit_test(test_tcp_framing),
	cmocka_unit_test(test_frame_exchange))
