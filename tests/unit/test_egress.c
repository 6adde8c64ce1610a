/* test_egress.c - the resolver's decisions by allow list (src/net/egress.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/egress.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

static struct allow_rule rules[] = {
	{ .name = "registry.npmjs.org", .port = 443, .proto = 6 },
	{ .name = "*.github.com", .port = 443, .proto = 6 },
	{ .name = "ntp.example.org", .port = 123, .proto = 17 },
	{ .name = "mirror.example.net" },
	{ .net = 0x01010101, .prefix = 32, .port = 53, .proto = 17 },
};
static const struct egress_policy policy = { .has_allow = true, .rules = rules, .nrules = 5 };

static struct dns_query question(const char *name, uint16_t qtype)
{
	struct dns_query q = { .qtype = qtype, .qclass = DNS_CLASS_IN };

	snprintf(q.name, sizeof q.name, "%s", name);
	return q;
}

static void test_decide(void **state)
{
	const struct egress_policy nat = { 0 };
	/* the question, and what the allow list decides */
	static const struct {
		const char *name;
		uint16_t qtype;
		enum egress_verdict verdict;
	} cases[] = {
		{ "registry.npmjs.org", DNS_TYPE_A, EGRESS_RESOLVE },
		{ "registry.npmjs.org", DNS_TYPE_AAAA, EGRESS_EMPTY },
		{ "registry.npmjs.org", DNS_TYPE_ANY, EGRESS_RESOLVE },
		{ "registry.npmjs.org", DNS_TYPE_TXT, EGRESS_EMPTY },
		/* the wildcard is for names below, not the name itself */
		{ "api.github.com", DNS_TYPE_A, EGRESS_RESOLVE },
		{ "a.b.github.com", DNS_TYPE_A, EGRESS_RESOLVE },
		{ "github.com", DNS_TYPE_A, EGRESS_REFUSE },
		{ "evilgithub.com", DNS_TYPE_A, EGRESS_REFUSE },
		{ "registry.npmjs.org.evil.test", DNS_TYPE_A, EGRESS_REFUSE },
		/* a CIDR entry opens an address, not a name */
		{ "1.1.1.1", DNS_TYPE_A, EGRESS_REFUSE },
		{ "example.com", DNS_TYPE_AAAA, EGRESS_REFUSE },
	};

	struct dns_query q;

	(void)state;
	/* without an allow list (network: nat) a question goes upstream */
	q = question("registry.npmjs.org", DNS_TYPE_A);
	assert_int_equal(egress_decide(&nat, &q), EGRESS_FORWARD);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[128];

		q = question(cases[i].name, cases[i].qtype);
		snprintf(what, sizeof what, "%s type %u", cases[i].name, cases[i].qtype);
		case_int_equal(what, egress_decide(&policy, &q), cases[i].verdict);
	}
}

static void test_addresses(void **state)
{
#define ADDR(fn, addr, want) { fn, #fn, addr, want }
	static const struct {
		bool (*fn)(uint32_t);
		const char *fn_name;
		uint32_t addr;
		bool want;
	} cases[] = {
		ADDR(egress_addr_never, 0x7f000001, true),
		ADDR(egress_addr_never, 0x00000000, true),
		ADDR(egress_addr_never, 0xe0000001, true),
		ADDR(egress_addr_never, 0xffffffff, true),
		ADDR(egress_addr_never, 0x08080808, false),
		ADDR(egress_addr_lan, 0x0a000001, true),
		ADDR(egress_addr_lan, 0xac100001, true),
		ADDR(egress_addr_lan, 0xac1fffff, true),
		ADDR(egress_addr_lan, 0xac200000, false),
		ADDR(egress_addr_lan, 0xc0a80101, true),
		ADDR(egress_addr_lan, 0x64400001, true),
		ADDR(egress_addr_lan, 0x647fffff, true),
		ADDR(egress_addr_lan, 0x64800000, false),
		ADDR(egress_addr_lan, 0xa9fea9fe, true),
		ADDR(egress_addr_lan, 0xc6336402, false),	/* 198.51.100.2 */
		ADDR(egress_addr_lan, 0x08080808, false),
	};
#undef ADDR

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[64];

		snprintf(what, sizeof what, "%s(0x%08x)", cases[i].fn_name, (unsigned)cases[i].addr);
		case_true(what, cases[i].fn(cases[i].addr) == cases[i].want);
	}
}

static struct dns_answer answer(size_t n, const uint32_t *addr, const uint32_t *ttl)
{
	struct dns_answer a = { .rcode = DNS_RCODE_NOERROR };

	for (size_t i = 0; i < n; i++) {
		a.a[i].addr = addr[i];
		a.a[i].ttl = ttl[i];
	}
	a.na = (unsigned)n;
	return a;
}

static void test_answer(void **state)
{
	struct egress_table *t = calloc(1, sizeof *t);
	struct egress_result r;
	const uint32_t addr[] = { 0x68100001, 0x0a000005, 0x7f000001, 0x68100002 };
	const uint32_t ttl[] = { 5, 300, 60, 100000 };
	struct dns_answer a = answer(4, addr, ttl);

	(void)state;
	assert_int_equal(egress_answer(&policy, t, "registry.npmjs.org", &a, 1000, &r), 0);
	/* the LAN and loopback addresses are left out, of the answer too */
	assert_int_equal(r.na, 2);
	assert_int_equal(r.nleft_out, 2);
	assert_int_equal(r.left_out[0], 0x0a000005);
	assert_int_equal(r.left_out[1], 0x7f000001);
	assert_int_equal(r.nel, 2);
	assert_int_equal(r.el[0].addr, 0x68100001);
	assert_int_equal(r.el[0].port, 443);
	assert_int_equal(r.el[0].proto, 6);
	/* floor, cap, and the guest's TTL within the element's life */
	assert_int_equal(r.el[0].timeout, EGRESS_TTL_FLOOR + EGRESS_TTL_SLACK);
	assert_int_equal(r.a[0].ttl, 5);
	assert_int_equal(r.el[1].timeout, EGRESS_TTL_CAP + EGRESS_TTL_SLACK);
	assert_int_equal(r.a[1].ttl, EGRESS_TTL_CAP);
	assert_int_equal(t->n, 2);

	/* a later, shorter TTL does not cut the element short */
	{
		const uint32_t addr2[] = { 0x68100002 };
		const uint32_t ttl2[] = { 40 };
		struct dns_answer b = answer(1, addr2, ttl2);

		assert_int_equal(egress_answer(&policy, t, "registry.npmjs.org", &b, 1100, &r), 0);
		assert_int_equal(r.nel, 1);
		assert_int_equal(r.el[0].timeout, EGRESS_TTL_CAP + EGRESS_TTL_SLACK - 100);
		assert_int_equal(r.a[0].ttl, 40);
		/* and the first entry, ended at 1032, is gone */
		assert_int_equal(t->n, 1);
	}
	egress_expire(t, 1000 + EGRESS_TTL_CAP + EGRESS_TTL_SLACK);
	assert_int_equal(t->n, 0);

	/* --allow-lan opens the LAN, never loopback */
	{
		struct egress_policy lan = policy;

		lan.allow_lan = true;
		assert_int_equal(egress_answer(&lan, t, "registry.npmjs.org", &a, 1200, &r), 0);
		assert_int_equal(r.na, 3);
		assert_int_equal(r.nleft_out, 1);
		assert_int_equal(r.left_out[0], 0x7f000001);
	}
	/* an entry without a port: any port and protocol; udp entries */
	assert_int_equal(egress_answer(&policy, t, "mirror.example.net", &a, 1300, &r), 0);
	assert_int_equal(r.el[0].port, 0);
	assert_int_equal(r.el[0].proto, 0);
	assert_int_equal(egress_answer(&policy, t, "ntp.example.org", &a, 1300, &r), 0);
	assert_int_equal(r.el[0].port, 123);
	assert_int_equal(r.el[0].proto, 17);
	free(t);
}

static void test_full(void **state)
{
	struct egress_table *t = calloc(1, sizeof *t);
	struct egress_result r;
	uint32_t addr[1], ttl[1] = { 600 };
	char name[64];

	(void)state;
	for (unsigned i = 0; i < EGRESS_ENTRIES_MAX; i++) {
		struct dns_answer a;

		addr[0] = 0x68000000 + i;
		a = answer(1, addr, ttl);
		snprintf(name, sizeof name, "h%u.github.com", i);
		assert_int_equal(egress_answer(&policy, t, name, &a, 10, &r), 0);
	}
	assert_int_equal(t->n, EGRESS_ENTRIES_MAX);
	{
		struct dns_answer a;

		addr[0] = 0x69000000;
		a = answer(1, addr, ttl);
		assert_int_equal(egress_answer(&policy, t, "more.github.com", &a, 10, &r), -1);
		assert_int_equal(r.nel, 0);
		/* once they end, there is room again */
		assert_int_equal(egress_answer(&policy, t, "more.github.com", &a, 10 + 603, &r), 0);
		assert_int_equal(t->n, 1);
		egress_forget(t, "more.github.com", &r);
		assert_int_equal(t->n, 0);
	}
	free(t);
}

static void test_refused(void **state)
{
	struct egress_table *t = calloc(1, sizeof *t);
	char name[64];
	unsigned logged = 0;

	(void)state;
	assert_true(egress_refused(t, "evil.test", 100));
	assert_false(egress_refused(t, "evil.test", 101));
	assert_false(egress_refused(t, "evil.test", 100 + EGRESS_LOG_EVERY_S - 1));
	assert_true(egress_refused(t, "evil.test", 100 + EGRESS_LOG_EVERY_S + 1));
	assert_int_equal(t->r[0].count, 4);
	/* at most a burst of lines a minute, whatever the names */
	for (unsigned i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "n%u.test", i);
		logged += egress_refused(t, name, 1000);
	}
	assert_int_equal(logged, EGRESS_LOG_BURST);
	/* bounded: the least recently refused go first */
	for (unsigned i = 0; i < 2 * EGRESS_REFUSED_MAX; i++) {
		snprintf(name, sizeof name, "m%u.test", i);
		egress_refused(t, name, 2000 + i);
	}
	assert_int_equal(t->nr, EGRESS_REFUSED_MAX);
	free(t);
}

static void test_text(void **state)
{
	struct egress_table *t = calloc(1, sizeof *t);
	struct egress_result r;
	const uint32_t addr[] = { 0x68100001 };
	const uint32_t ttl[] = { 300 };
	struct dns_answer a = answer(1, addr, ttl);
	struct egress_entry e;
	struct egress_refusal f;
	char text[4096], *line, *save = NULL;
	const char *why;
	int kinds = 0;

	(void)state;
	assert_int_equal(egress_answer(&policy, t, "mirror.example.net", &a, 50, &r), 0);
	egress_refused(t, "evil.test", 40);
	assert_true(egress_table_text(t, 60, 1700000000, text, sizeof text) > 0);
	assert_string_equal(text, "resolved mirror.example.net 104.16.0.1 0 any 1700000292\n"
				  "refused evil.test 1 1699999980\n");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int k = egress_line_parse(line, &e, &f, &why);

		kinds += k;
		if (k == 'r') {
			assert_string_equal(e.name, "mirror.example.net");
			assert_int_equal(e.addr, 0x68100001);
			assert_int_equal(e.expires, 1700000292);
		} else {
			assert_int_equal(k, 'f');
			assert_string_equal(f.name, "evil.test");
			assert_int_equal(f.count, 1);
		}
	}
	assert_int_equal(kinds, 'r' + 'f');
	assert_int_equal(egress_line_parse("resolved a b c d e", &e, &f, &why), -1);
	assert_int_equal(egress_line_parse("resolved x.test 1.2.3.4 443 icmp 5", &e, &f, &why), -1);
	assert_int_equal(egress_line_parse("resolved x.test 1.2.3.4 0 tcp 5", &e, &f, &why), 'r');
	assert_int_equal(egress_line_parse("whatever", &e, &f, &why), -1);
	/* whole lines only */
	assert_int_equal(egress_table_text(t, 60, 1700000000, text, 20), 0);
	free(t);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_decide),
	cmocka_unit_test(test_addresses),
	cmocka_unit_test(test_answer),
	cmocka_unit_test(test_full),
	cmocka_unit_test(test_refused),
	cmocka_unit_test(test_text))
