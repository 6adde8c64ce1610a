/* egress.c - a machine's egress by name: the resolver's decisions (pure; egress.h has the rules). */
#include "net/egress.h"

#include <stdio.h>
#include <string.h>

#include "common/parse.h"
#include "spec/reach.h"

enum egress_verdict egress_decide(const struct egress_policy *p, const struct dns_query *q)
{
	bool allowed = false;

	if (!p->has_allow)
		return EGRESS_FORWARD;
	for (size_t i = 0; i < p->nrules && !allowed; i++)
		allowed = p->rules[i].name && dns_name_match(p->rules[i].name, q->name);
	if (!allowed)
		return EGRESS_REFUSE;
	if (q->qclass == DNS_CLASS_IN && (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_ANY))
		return EGRESS_RESOLVE;
	return EGRESS_EMPTY;
}

/* The channel's rules drop the same ranges (spec/reach.h: one table). */
bool egress_addr_never(uint32_t addr)
{
	return reach_within(reach_never, reach_nnever, addr, 32) != NULL;
}

bool egress_addr_lan(uint32_t addr)
{
	return reach_within(reach_lan, reach_nlan, addr, 32) != NULL;
}

static uint32_t clamp_ttl(uint32_t ttl)
{
	if (ttl < EGRESS_TTL_FLOOR)
		return EGRESS_TTL_FLOOR;
	if (ttl > EGRESS_TTL_CAP)
		return EGRESS_TTL_CAP;
	return ttl;
}

void egress_expire(struct egress_table *t, uint64_t now)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].expires > now)
			t->e[k++] = t->e[i];
	t->n = k;
}

void egress_forget(struct egress_table *t, const char *qname, const struct egress_result *r)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		bool drop = false;

		for (size_t j = 0; j < r->nel && !drop; j++)
			drop = t->e[i].addr == r->el[j].addr && t->e[i].port == r->el[j].port &&
			       t->e[i].proto == r->el[j].proto && strcmp(t->e[i].name, qname) == 0;
		if (!drop)
			t->e[k++] = t->e[i];
	}
	t->n = k;
}

/* The latest end of element (addr, port, proto) among live entries; 0 when none. */
static uint64_t elem_end(const struct egress_table *t, uint32_t addr, uint16_t port,
			 uint8_t proto)
{
	uint64_t end = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].addr == addr && t->e[i].port == port && t->e[i].proto == proto &&
		    t->e[i].expires > end)
			end = t->e[i].expires;
	return end;
}

static struct egress_entry *entry_find(struct egress_table *t, const char *name, uint32_t addr,
				       uint16_t port, uint8_t proto)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].addr == addr && t->e[i].port == port && t->e[i].proto == proto &&
		    strcmp(t->e[i].name, name) == 0)
			return &t->e[i];
	return NULL;
}

int egress_answer(const struct egress_policy *p, struct egress_table *t, const char *qname,
		  const struct dns_answer *ans, uint64_t now, struct egress_result *r)
{
	size_t need = 0, nmatch = 0;
	const struct allow_rule *match[EGRESS_ADD_MAX / DNS_ANSWER_MAX];

	memset(r, 0, sizeof *r);
	egress_expire(t, now);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct allow_rule *a = &p->rules[i];
		bool dup = false;

		if (!a->name || !dns_name_match(a->name, qname))
			continue;
		/* two entries that open the same port (x.com:443, *.com:443) are one */
		for (size_t k = 0; k < nmatch; k++)
			dup |= match[k]->port == a->port && match[k]->proto == a->proto;
		if (!dup && nmatch < sizeof match / sizeof match[0])
			match[nmatch++] = a;
	}
	if (strlen(qname) > DNS_NAME_MAX)
		return -1;

	/* what the answer opens, and what the guest is told */
	for (unsigned i = 0; i < ans->na && i < DNS_ANSWER_MAX; i++) {
		uint32_t addr = ans->a[i].addr, ttl = ans->a[i].ttl, life = clamp_ttl(ttl) + EGRESS_TTL_SLACK;

		if (egress_addr_never(addr) || (!p->allow_lan && egress_addr_lan(addr))) {
			r->left_out[r->nleft_out++] = addr;
			continue;
		}
		for (size_t k = 0; k < nmatch; k++) {
			uint16_t port = match[k]->port;
			uint8_t proto = port ? (match[k]->proto ? match[k]->proto : 6) : 0;
			uint64_t end = elem_end(t, addr, port, proto), want = now + life;
			struct egress_elem *el = &r->el[r->nel++];

			*el = (struct egress_elem){ .addr = addr, .port = port, .proto = proto,
						    .timeout = (uint32_t)(end > want ? end - now : life) };
			if (!entry_find(t, qname, addr, port, proto))
				need++;
		}
		r->a[r->na].addr = addr;
		r->a[r->na].ttl = ttl < EGRESS_TTL_CAP ? ttl : EGRESS_TTL_CAP;
		r->na++;
	}
	if (t->n + need > EGRESS_ENTRIES_MAX) {
		r->na = r->nel = 0;
		return -1;
	}
	for (size_t i = 0; i < r->nel; i++) {
		const struct egress_elem *el = &r->el[i];
		struct egress_entry *en = entry_find(t, qname, el->addr, el->port, el->proto);

		if (!en) {
			en = &t->e[t->n++];
			memset(en, 0, sizeof *en);
			memcpy(en->name, qname, strlen(qname) + 1);
			en->addr = el->addr;
			en->port = el->port;
			en->proto = el->proto;
		}
		en->expires = now + el->timeout;
	}
	return 0;
}

bool egress_refused(struct egress_table *t, const char *name, uint64_t now)
{
	struct egress_refusal *f = NULL;

	if (strlen(name) > DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i < t->nr && !f; i++)
		if (strcmp(t->r[i].name, name) == 0)
			f = &t->r[i];
	if (!f) {
		if (t->nr < EGRESS_REFUSED_MAX) {
			f = &t->r[t->nr++];
		} else {
			f = &t->r[0];
			for (size_t i = 1; i < t->nr; i++)
				if (t->r[i].last < f->last)
					f = &t->r[i];
		}
		memset(f, 0, sizeof *f);
		memcpy(f->name, name, strlen(name) + 1);
	}
	f->count++;
	f->last = now;
	if (f->logged && now - f->logged < EGRESS_LOG_EVERY_S)
		return false;
	if (now - t->burst_start >= EGRESS_LOG_EVERY_S || t->burst_start == 0) {
		t->burst_start = now ? now : 1;
		t->burst = 0;
	}
	if (t->burst >= EGRESS_LOG_BURST)
		return false;
	t->burst++;
	f->logged = now ? now : 1;
	return true;
}

/* ---- the state file ---- */

static const char *proto_name(uint8_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : "any";
}

size_t egress_table_text(const struct egress_table *t, uint64_t now, uint64_t now_epoch,
			 char *out, size_t cap)
{
	size_t len = 0;
	char line[DNS_NAME_MAX + 96], ip[16];

	if (cap)
		out[0] = '\0';
	for (size_t i = 0; i < t->n + t->nr; i++) {
		int n;

		if (i < t->n) {
			const struct egress_entry *e = &t->e[i];

			if (e->expires <= now)
				continue;
			n = snprintf(line, sizeof line, "resolved %s %s %u %s %llu\n", e->name,
				     ipv4_str(e->addr, ip), e->port, proto_name(e->proto),
				     (unsigned long long)now_epoch + (e->expires - now));
		} else {
			const struct egress_refusal *f = &t->r[i - t->n];

			n = snprintf(line, sizeof line, "refused %s %llu %llu\n", f->name,
				     (unsigned long long)f->count,
				     (unsigned long long)(now_epoch - (now - f->last)));
		}
		if (n < 0 || (size_t)n >= sizeof line || len + (size_t)n + 1 > cap)
			break;
		memcpy(out + len, line, (size_t)n + 1);
		len += (size_t)n;
	}
	return len;
}

int egress_line_parse(const char *line, struct egress_entry *e, struct egress_refusal *f,
		      const char **why)
{
	char buf[DNS_NAME_MAX + 96], *fld[7];
	uint64_t v;
	size_t n, len = strlen(line);

	if (len >= sizeof buf) {
		*why = "line too long";
		return -1;
	}
	memcpy(buf, line, len + 1);
	n = split_fields(buf, fld, 6);
	if (n < 1) {
		*why = "empty line";
		return -1;
	}
	if (strcmp(fld[0], "resolved") == 0 && n == 6) {
		memset(e, 0, sizeof *e);
		if (strlen(fld[1]) > DNS_NAME_MAX || dns_name_valid(fld[1], why) < 0 ||
		    fld[1][0] == '*') {
			*why = "bad name";
			return -1;
		}
		memcpy(e->name, fld[1], strlen(fld[1]) + 1);
		if (parse_ipv4(fld[2], &e->addr, why) < 0 || parse_u64(fld[3], 0, 65535, &v, why) < 0)
			return -1;
		e->port = (uint16_t)v;
		if (strcmp(fld[4], "tcp") == 0)
			e->proto = 6;
		else if (strcmp(fld[4], "udp") == 0)
			e->proto = 17;
		else if (strcmp(fld[4], "any") == 0 && e->port == 0)
			e->proto = 0;
		else {
			*why = "bad protocol";
			return -1;
		}
		if (parse_u64(fld[5], 0, UINT64_MAX, &e->expires, why) < 0)
			return -1;
		return 'r';
	}
	if (strcmp(fld[0], "refused") == 0 && n == 4) {
		memset(f, 0, sizeof *f);
		if (strlen(fld[1]) > DNS_NAME_MAX) {
			*why = "bad name";
			return -1;
		}
		memcpy(f->name, fld[1], strlen(fld[1]) + 1);
		if (parse_u64(fld[2], 1, UINT64_MAX, &f->count, why) < 0 ||
		    parse_u64(fld[3], 0, UINT64_MAX, &f->last, why) < 0)
			return -1;
		return 'f';
	}
	*why = "not a resolved or refused line";
	return -1;
}
