/* fuzz-egress.c - egress by name with hostile bytes: a machine's question
 * and an upstream's answer through the allow list's decisions (nothing it
 * opens is outside the list), and the state file pool egress parses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/net/dns_pkt.h"
#include "src/net/egress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/check.h"

static struct allow_rule rules[] = {
	{ .name = (char *)"registry.example.test", .port = 443, .proto = 6 },
	{ .name = (char *)"*.cdn.example.test" },
	{ .name = (char *)"dns.example.test", .port = 53, .proto = 17 },
	{ .net = 0xc6336400, .prefix = 24 },	/* a CIDR: opens nothing by name */
};

static struct egress_table table;

/* An element the list may open: a name's port and protocol, an address
 * ever opened, a LAN one only with allow_lan, a bounded timeout. */
static void check_elem(const struct egress_policy *p, const struct egress_elem *x)
{
	bool named = false;

	for (size_t k = 0; k < p->nrules; k++)
		named |= p->rules[k].name && p->rules[k].port == x->port && p->rules[k].proto == x->proto;
	CHECK(named);
	CHECK(!egress_addr_never(x->addr));
	CHECK(p->allow_lan || !egress_addr_lan(x->addr));
	CHECK(x->timeout >= 1 && x->timeout <= EGRESS_TTL_CAP + EGRESS_TTL_SLACK);
}

static void check_table_text(void)
{
	static char text[EGRESS_TEXT_MAX];
	size_t len = egress_table_text(&table, 1000, 1800000000, text, sizeof text - 1);
	char *line, *save = NULL;

	CHECK(len < sizeof text);
	text[len] = '\0';
	/* what the resolver writes, pool egress reads back */
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct egress_entry en;
		struct egress_refusal rf;
		const char *why = NULL;

		CHECK(egress_line_parse(line, &en, &rf, &why) >= 0);
	}
}

static void question(bool allow_lan, const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen)
{
	struct egress_policy p = { .has_allow = true, .allow_lan = allow_lan, .rules = rules,
				   .nrules = sizeof rules / sizeof rules[0] };
	static struct dns_answer ans;
	static struct egress_result res;
	struct dns_query dq;
	const char *why;

	if (dns_query_parse(q, qlen, &dq, &why) < 0)
		return;
	switch (egress_decide(&p, &dq)) {
	case EGRESS_RESOLVE:
		if (dns_answer_parse(r, rlen, dq.id, dq.name, DNS_TYPE_A, &ans, &why) < 0 ||
		    ans.rcode != DNS_RCODE_NOERROR)
			return;
		if (egress_answer(&p, &table, dq.name, &ans, 1000, &res) < 0)
			return;
		CHECK(res.na <= DNS_ANSWER_MAX && res.nel <= EGRESS_ADD_MAX);
		for (size_t i = 0; i < res.nel; i++)
			check_elem(&p, &res.el[i]);
		/* the guest never caches past what its element lives */
		for (size_t i = 0; i < res.na; i++)
			for (size_t k = 0; k < res.nel; k++)
				if (res.el[k].addr == res.a[i].addr)
					CHECK(res.a[i].ttl <= res.el[k].timeout);
		if (rlen && (r[0] & 1))
			egress_forget(&table, dq.name, &res);
		break;
	case EGRESS_FORWARD:
		CHECK(!"a list never forwards");
		break;
	default:
		if (egress_refused(&table, dq.name, 1000))
			CHECK(table.nr <= EGRESS_REFUSED_MAX);
		break;
	}
	egress_expire(&table, 1000 + (rlen ? r[0] >> 1 : 0));
	CHECK(table.n <= EGRESS_ENTRIES_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t qlen;

	if (size < 3)
		return 0;
	switch (data[0] % 3) {
	case 0: {	/* a line of the state file */
		char line[1024];
		struct egress_entry en;
		struct egress_refusal rf;
		const char *why = NULL;
		size_t n = size - 1 < sizeof line - 1 ? size - 1 : sizeof line - 1;
		int r;

		memcpy(line, data + 1, n);
		line[n] = '\0';
		r = egress_line_parse(line, &en, &rf, &why);
		CHECK(r == 'r' || r == 'f' || (r == -1 && why));
		if (r == 'r') {
			CHECK(memchr(en.name, '\0', sizeof en.name) != NULL);
			CHECK(en.proto == 0 || en.proto == 6 || en.proto == 17);
		}
		if (r == 'f')
			CHECK(memchr(rf.name, '\0', sizeof rf.name) != NULL);
		return 0;
	}
	default:	/* [qlen][question][response] */
		qlen = data[1];
		if (qlen > size - 2)
			return 0;
		memset(&table, 0, sizeof table);
		question(data[0] % 3 == 2, data + 2, qlen, data + 2 + qlen, size - 2 - qlen);
		check_table_text();
		return 0;
	}
}

#include "tests/fuzz/replay.h"
