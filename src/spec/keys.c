/* keys.c - each key of the spec, checked and turned into struct machine. */
#include "parse.h"

#include <crypt.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "util/beneath.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/sha256.h"
#include "common/log.h"
#include "common/parse.h"
#include "spec/reach.h"

static int do_name(struct ctx *c, int n)
{
	char shown[300];
	const char *s;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (strlen(s) > POOL_NAME_MAX)
		return fail(c, n, "\"%s\" is too long (at most %d characters)", shown, POOL_NAME_MAX);
	if (!valid_machine_name(s))
		return fail(c, n, "\"%s\" is not a valid name (a lowercase letter, then lowercase letters, digits or '-')",
			    shown);
	if (strcmp(s, "channels") == 0)
		return fail(c, n, "\"channels\" is reserved (pool keeps its channels' state under that name)");
	if (strncmp(s, "lh-", 3) == 0)
		return fail(c, n, "\"%s\": names that start with lh- are reserved for mesh lighthouses", shown);
	memcpy(c->m->name, s, strlen(s) + 1);
	return 0;
}

static int get_ifname(struct ctx *c, int n, char out[16], const char *what)
{
	char shown[300];
	const char *s;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (strlen(s) > 15)
		return fail(c, n, "\"%s\" is too long (at most 15 characters)", shown);
	if (!valid_ifname(s))
		return fail(c, n, "\"%s\" is not a valid %s name (no spaces, '/' or ':')", shown, what);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int do_image(struct ctx *c, int n)
{
	static const char *const ikeys[] = { "disk", "nixos" };
	static const char *const nkeys[] = { "kernel", "initrd", "init", "store" };
	struct machine *m = c->m;
	const struct ynode *y = &c->d->v[n];
	int iv[2], nv[4];
	size_t i;

	if (y->kind == Y_SCALAR && !is_null(y) && !is_boolish(y)) {
		char shown[300];

		if (strcmp(y->text, "minimal") == 0) {
			m->image = IMAGE_MINIMAL;
			return 0;
		}
		if (strcmp(y->text, "host") == 0) {
			m->image = IMAGE_HOST;
			return 0;
		}
		return fail(c, n, "expected minimal, host or a mapping with disk or nixos, got \"%s\"",
			    show(y->text, y->len, shown, sizeof shown));
	}
	if (y->kind != Y_MAP)
		return fail_type(c, n, "minimal, host or a mapping with disk or nixos");
	if (map_keys(c, n, ikeys, 2, iv) < 0)
		return -1;
	if (iv[0] >= 0 && iv[1] >= 0)
		return fail(c, iv[1], "give either disk or nixos, not both");
	if (iv[0] >= 0) {
		m->image = IMAGE_DISK;
		set_pos(&m->disk_pos, &c->d->v[iv[0]]);
		return get_host_path(c, iv[0], &m->disk);
	}
	if (iv[1] < 0)
		return fail(c, n, "expected disk or nixos in the mapping");
	m->image = IMAGE_NIXOS;
	if (need_map(c, iv[1], "a mapping with kernel, initrd, init and store") < 0 ||
	    map_keys(c, iv[1], nkeys, 4, nv) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		if (nv[i] < 0)
			return fail_sub(c, iv[1], nkeys[i], "required key is missing");
	set_pos(&m->nixos.kernel_pos, &c->d->v[nv[0]]);
	set_pos(&m->nixos.initrd_pos, &c->d->v[nv[1]]);
	set_pos(&m->nixos.init_pos, &c->d->v[nv[2]]);
	set_pos(&m->nixos.store_pos, &c->d->v[nv[3]]);
	if (get_host_path(c, nv[0], &m->nixos.kernel) < 0 ||
	    get_host_path(c, nv[1], &m->nixos.initrd) < 0 ||
	    get_guest_path(c, nv[2], &m->nixos.init) < 0 ||
	    get_host_path(c, nv[3], &m->nixos.store) < 0)
		return -1;
	return 0;
}

static int do_kernel(struct ctx *c, int n)
{
	const char *s;

	if (get_string(c, n, &s) < 0)
		return -1;
	if (strcmp(s, "auto") == 0)
		return 0;
	return get_host_path(c, n, &c->m->kernel);
}

static int do_cmdline(struct ctx *c, int n)
{
	const struct ynode *y = &c->d->v[n];
	const char *s;

	if (y->kind == Y_SCALAR && !y->has_nul && y->len > SPEC_CMDLINE_MAX)
		return fail(c, n, "too long (%zu bytes, at most %d)", y->len, SPEC_CMDLINE_MAX);
	if (get_string(c, n, &s) < 0)
		return -1;
	free(c->m->cmdline);
	c->m->cmdline = strdup(s);
	return c->m->cmdline ? 0 : fail_oom(c);
}

/* ":PORT[/tcp|udp]" of an allow entry, after its address or name. */
static int parse_allow_port(struct ctx *c, int n, const char *rule, const char *colon,
			    struct allow_rule *r)
{
	const char *p = colon + 1, *slash = strchr(p, '/'), *why;
	size_t plen = slash ? (size_t)(slash - p) : strlen(p);
	char part[64], shown[300];
	uint64_t port;

	if (plen == 0) {
		if (slash)
			return fail(c, n, "\"%s\": a protocol needs a port (%s:PORT%s)", rule,
				    r->name ? "NAME" : "CIDR", slash);
		return fail(c, n, "\"%s\": no port after ':'", rule);
	}
	if (plen >= sizeof part)
		plen = sizeof part - 1;
	memcpy(part, p, plen);
	part[plen] = '\0';
	if (strspn(part, "0123456789") != plen)
		return fail(c, n, "\"%s\": \"%s\" is not a port (1..65535)", rule,
			    show(part, plen, shown, sizeof shown));
	if (parse_u64(part, 1, 65535, &port, &why) < 0)
		return fail(c, n, "\"%s\": port %s is out of range (1..65535)", rule, part);
	r->port = (uint16_t)port;
	if (!slash)
		return 0;
	if (strcmp(slash + 1, "tcp") == 0)
		r->proto = 6;
	else if (strcmp(slash + 1, "udp") == 0)
		r->proto = 17;
	else
		return fail(c, n, "\"%s\": unknown protocol \"%s\" (tcp or udp)", rule,
			    show(slash + 1, strlen(slash + 1), shown, sizeof shown));
	return 0;
}

/* NAME or *.NAME: a DNS name the machine's resolver answers, its A
 * records allowed for the entry's port (tcp unless /udp). */
static int parse_allow_name(struct ctx *c, int n, const char *rule, const char *text,
			    struct allow_rule *r)
{
	const char *why, *last;
	size_t len = strlen(text);

	if (valid_dns_pattern(text, &why) < 0)
		return fail(c, n, "\"%s\" is not a name or CIDR: %s (NAME, *.NAME or a.b.c.d[/N], then [:PORT[/tcp|udp]])",
			    rule, why);
	last = strrchr(text, '.');
	last = last ? last + 1 : text;
	if (strspn(last, "0123456789") == strlen(last))
		return fail(c, n, "\"%s\" is not an address, and a name's last label is not a number (a.b.c.d[/N] or NAME)",
			    rule);
	r->name = malloc(len + 1);
	if (!r->name)
		return fail_oom(c);
	for (size_t i = 0; i <= len; i++)
		r->name[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] - 'A' + 'a' : text[i]);
	return 0;
}

static int parse_allow(struct ctx *c, int n, struct allow_rule *r)
{
	char rule[300], part[300];
	const char *s, *colon, *why;
	size_t alen;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), rule, sizeof rule);
	memset(r, 0, sizeof *r);
	colon = strchr(s, ':');
	alen = colon ? (size_t)(colon - s) : strlen(s);
	if (alen >= sizeof part)
		goto bad_addr;
	memcpy(part, s, alen);
	part[alen] = '\0';
	{
		char *slash = strchr(part, '/'), *last = strrchr(part, '/');

		if (last && (strcmp(last + 1, "tcp") == 0 || strcmp(last + 1, "udp") == 0))
			return fail(c, n, "\"%s\": a protocol needs a port (%s:PORT/%s)", rule,
				    strspn(part, "0123456789./") >= (size_t)(last - part) ? "CIDR" : "NAME",
				    last + 1);
		if (strspn(part, "0123456789./") != alen || alen == 0) {
			/* not an address: a name */
			if (parse_allow_name(c, n, rule, part, r) < 0)
				return -1;
			if (colon) {
				r->proto = 6;
				return parse_allow_port(c, n, rule, colon, r);
			}
			return 0;
		}
		if (slash) {
			if (parse_cidr(part, true, &r->net, &r->prefix, &why) < 0) {
				if (strcmp(why, "host bits set after the prefix") == 0)
					return fail(c, n, "\"%s\": host bits set after the prefix", rule);
				goto bad_addr;
			}
		} else {
			if (parse_ipv4(part, &r->net, &why) < 0)
				goto bad_addr;
			r->prefix = 32;
		}
	}
	if (!colon)
		return 0;
	return parse_allow_port(c, n, rule, colon, r);
bad_addr:
	return fail(c, n, "\"%s\" is not an address or CIDR (a.b.c.d[/N][:PORT[/tcp|udp]])", rule);
}

/* ports: ["[127.0.0.1:]HOST_PORT:GUEST_PORT[/tcp|udp]", ...]: the host's
 * loopback only, and no port a host service could hold for root alone. */
static int do_ports(struct ctx *c, int n)
{
	struct machine *m = c->m;
	char shown[300];
	int i;

	if (need_seq(c, n, "a list of [127.0.0.1:]HOST_PORT:GUEST_PORT[/tcp|udp]") < 0)
		return -1;
	if (c->d->v[n].n > PORT_MAPS_MAX)
		return fail(c, n, "too many ports (at most %d)", PORT_MAPS_MAX);
	m->ports = calloc(c->d->v[n].n + 1, sizeof *m->ports);
	if (!m->ports)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		struct port_map *pm = &m->ports[m->nports];
		const char *s, *why;

		if (get_string(c, i, &s) < 0)
			return -1;
		show(s, strlen(s), shown, sizeof shown);
		if (parse_port_map(s, pm, &why) < 0)
			return fail(c, i, "\"%s\": %s ([127.0.0.1:]HOST_PORT:GUEST_PORT[/tcp|udp])", shown, why);
		if ((pm->host_ip >> 24) != 127)
			return fail(c, i, "\"%s\": a spec publishes on the host's loopback only (127.0.0.0/8); another host address needs the command line's -p",
				    shown);
		if (pm->host_port < 1024)
			return fail(c, i, "\"%s\": host port %u is below 1024 (ports a host service holds as root); a spec takes 1024..65535, the command line's -p any",
				    shown, pm->host_port);
		for (size_t k = 0; k < m->nports; k++)
			if (m->ports[k].host_port == pm->host_port && m->ports[k].proto == pm->proto &&
			    m->ports[k].host_ip == pm->host_ip)
				return fail(c, i, "\"%s\": host port %u/%s is published twice", shown,
					    pm->host_port, pm->proto == 17 ? "udp" : "tcp");
		m->nports++;
	}
	return 0;
}

/* An allow entry inside what no machine reaches is refused; one inside
 * the LAN unless the command line said --allow-lan. A wider entry
 * (0.0.0.0/0) stays: the channel's rules drop its LAN part. */
static int check_allow_reach(struct ctx *c, int n, const struct allow_rule *r)
{
	const struct reach_range *in;
	char rule[300];
	const char *s;

	if (r->name)
		return 0;	/* a name: what it resolves to meets the channel's rules */
	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), rule, sizeof rule);
	if ((in = reach_within(reach_never, reach_nnever, r->net, r->prefix)))
		return fail(c, n, "\"%s\" is %s: no machine reaches it", rule, in->what);
	if (c->m->allow_lan)
		return 0;
	if ((in = reach_within(reach_lan, reach_nlan, r->net, r->prefix)))
		return fail(c, n, "\"%s\" is %s: a spec reaches the LAN only when the command line says --allow-lan",
			    rule, in->what);
	if (c->env && c->env->hostnets &&
	    (in = reach_within(c->env->hostnets, c->env->nhostnets, r->net, r->prefix))) {
		char nbuf[16];

		return fail(c, n, "\"%s\" is in the host's subnet %s/%u: a spec reaches the LAN only when the command line says --allow-lan",
			    rule, ipv4_str(in->net, nbuf), in->prefix);
	}
	return 0;
}

static int do_network(struct ctx *c, int n)
{
	static const char *const keys[] = { "mode", "allow" };
	struct machine *m = c->m;
	const struct ynode *y = &c->d->v[n];
	char shown[300];
	const char *s;
	int v[2], i;
	size_t k;

	if (y->kind == Y_SCALAR && !is_null(y) && !is_boolish(y)) {
		if (strcmp(y->text, "nat") == 0)
			m->network = NET_NAT;
		else if (strcmp(y->text, "isolated") == 0)
			m->network = NET_ISOLATED;
		else if (strcmp(y->text, "none") == 0)
			m->network = NET_NONE;
		else
			return fail(c, n, "expected nat, isolated, none or a mapping, got \"%s\"",
				    show(y->text, y->len, shown, sizeof shown));
		return 0;
	}
	if (y->kind != Y_MAP)
		return fail_type(c, n, "nat, isolated, none or a mapping");
	if (map_keys(c, n, keys, 2, v) < 0)
		return -1;
	if (v[0] < 0)
		return fail_sub(c, n, "mode", "required key is missing (nat or isolated)");
	if (get_word(c, v[0], &s, "nat or isolated") < 0)
		return -1;
	if (strcmp(s, "nat") == 0)
		m->network = NET_NAT;
	else if (strcmp(s, "isolated") == 0)
		m->network = NET_ISOLATED;
	else
		return fail(c, v[0], "expected nat or isolated, got \"%s\"",
			    show(s, strlen(s), shown, sizeof shown));
	if (v[1] < 0)
		return 0;
	if (m->network != NET_NAT)
		return fail(c, v[1], "needs mode nat (an isolated machine has no way out)");
	if (need_seq(c, v[1], "a list of CIDR[:PORT[/tcp|udp]] or NAME[:PORT[/tcp|udp]]") < 0)
		return -1;
	if (c->d->v[v[1]].n > SPEC_ALLOW_MAX)
		return fail(c, v[1], "too many rules (at most %d)", SPEC_ALLOW_MAX);
	m->has_allow = true;
	m->allow = calloc(c->d->v[v[1]].n + 1, sizeof *m->allow);
	if (!m->allow)
		return fail_oom(c);
	k = 0;
	for (i = c->d->v[v[1]].first; i >= 0; i = c->d->v[i].next) {
		if (parse_allow(c, i, &m->allow[k]) < 0 || check_allow_reach(c, i, &m->allow[k]) < 0) {
			free(m->allow[k].name);
			m->allow[k].name = NULL;
			return -1;
		}
		m->nallow = ++k;
	}
	return 0;
}

/* crypt(3) hashes pool knows: "$id$" then the salt/hash alphabet. */
static bool valid_hash(const char *s)
{
	static const char *const ids[] = { "$y$", "$gy$", "$7$", "$2b$", "$2a$", "$2y$", "$6$", "$5$" };
	size_t i, l = strlen(s);

	if (l > 512)
		return false;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		size_t il = strlen(ids[i]);

		if (strncmp(s, ids[i], il) == 0)
			return l > il + 8 &&
			       strspn(s + il, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "abcdefghijklmnopqrstuvwxyz$=,") == l - il;
	}
	return false;
}

static bool valid_shell(const char *s)
{
	size_t l = strlen(s);

	if (s[0] == '/')
		return l > 1;
	if (l == 0 || l > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == l;
}

static bool valid_ssh_key(const char *s)
{
	return strncmp(s, "ssh-", 4) == 0 || strncmp(s, "ecdsa-", 6) == 0 ||
	       strncmp(s, "sk-", 3) == 0;
}

static int do_role(struct ctx *c, int keyn, int n, struct role *r, int *pass_node)
{
	static const char *const keys[] = { "keys", "hash", "pass", "shell" };
	char shown[300];
	const char *s;
	int v[4];

	*pass_node = -1;
	if (get_word(c, keyn, &s, "a user name") < 0)
		return -1;
	set_pos(&r->pos, &c->d->v[keyn]);
	if (!valid_user_name(s))
		return fail(c, keyn, "\"%s\" is not a valid user name (a lowercase letter or '_', then lowercase letters, digits, '_' or '-'; at most 32)",
			    show(s, strlen(s), shown, sizeof shown));
	r->name = strdup(s);
	if (!r->name)
		return fail_oom(c);
	if (need_map(c, n, "a mapping (use {} for a user with no settings)") < 0 ||
	    map_keys(c, n, keys, 4, v) < 0)
		return -1;
	if (v[0] >= 0) {
		size_t k = 0;

		if (need_seq(c, v[0], "a list of ssh public keys") < 0)
			return -1;
		if (c->d->v[v[0]].n > SPEC_KEYS_MAX)
			return fail(c, v[0], "too many keys (at most %d)", SPEC_KEYS_MAX);
		r->keys = calloc(c->d->v[v[0]].n + 1, sizeof *r->keys);
		if (!r->keys)
			return fail_oom(c);
		for (int i = c->d->v[v[0]].first; i >= 0; i = c->d->v[i].next) {
			if (get_string(c, i, &s) < 0)
				return -1;
			if (!valid_ssh_key(s))
				return fail(c, i, "\"%s\" is not an ssh public key (one line starting with ssh-, ecdsa- or sk-)",
					    show(s, strlen(s), shown, sizeof shown));
			r->keys[k] = strdup(s);
			if (!r->keys[k])
				return fail_oom(c);
			r->nkeys = ++k;
		}
	}
	if (v[1] >= 0 && v[2] >= 0)
		return fail(c, c->d->v[v[1] > v[2] ? v[1] : v[2]].key,
			    "give either hash or pass, not both");
	if (v[1] >= 0) {
		if (get_string(c, v[1], &s) < 0)
			return -1;
		if (!valid_hash(s))
			return fail(c, v[1], "not a crypt(3) hash such as $y$... (make one with pool mkpasswd)");
		r->hash = strdup(s);
		if (!r->hash)
			return fail_oom(c);
	}
	if (v[2] >= 0) {
		if (get_string(c, v[2], &s) < 0)
			return -1;
		if (!*s)
			return fail(c, v[2], "empty password (leave pass out for a user without one)");
		*pass_node = v[2];
	}
	if (v[3] >= 0) {
		if (get_string(c, v[3], &s) < 0)
			return -1;
		if (!valid_shell(s))
			return fail(c, v[3], "\"%s\" is not a shell (a name such as bash, or an absolute path)",
				    show(s, strlen(s), shown, sizeof shown));
		r->shell = strdup(s);
		if (!r->shell)
			return fail_oom(c);
	}
	return 0;
}

static int do_users(struct ctx *c, int n)
{
	struct machine *m = c->m;
	const struct ydoc *d = c->d;
	size_t count, j;
	int k;

	if (need_map(c, n, "a mapping of user names") < 0)
		return -1;
	count = d->v[n].n / 2;
	if (count > SPEC_USERS_MAX)
		return fail(c, n, "too many users (at most %d)", SPEC_USERS_MAX);
	m->users = calloc(count + 1, sizeof *m->users);
	if (!m->users)
		return fail_oom(c);
	for (k = d->v[n].first; k >= 0; k = d->v[d->v[k].next].next) {
		struct role *r = &m->users[m->nusers];

		if (d->v[k].kind == Y_SCALAR && !d->v[k].has_nul) {
			for (j = 0; j < m->nusers; j++)
				/* each user before nusers has its name: do_role set it, or failed */
				if (strcmp(m->users[j].name, d->v[k].text) == 0)	/* NOLINT(clang-analyzer-core.NonNullParamChecker) */
					return fail(c, k, "given twice (first at line %d)",
						    m->users[j].pos.line);
		}
		m->nusers++;
		if (do_role(c, k, d->v[k].next, r, &c->pass_node[m->nusers - 1]) < 0)
			return -1;
	}
	return 0;
}

/* protect: paths inside the share, relative to it, that the guest may read
 * and not change (what the host runs later). No globs; [] protects none. */
static int do_protect(struct ctx *c, int n, struct share *s)
{
	char norm[PATH_MAX], shown[300];
	const char *t, *why;
	int i;

	if (need_seq(c, n, "a list of paths in the share") < 0)
		return -1;
	if (c->d->v[n].n > SHARE_PROTECT_MAX)
		return fail(c, n, "too many paths (at most %d)", SHARE_PROTECT_MAX);
	s->has_protect = true;
	s->protect = calloc(c->d->v[n].n + 1, sizeof *s->protect);
	if (!s->protect)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		if (get_text(c, i, &t, "a path in the share") < 0)
			return -1;
		show(t, strlen(t), shown, sizeof shown);
		if (strpbrk(t, "*?["))
			return fail(c, i, "\"%s\": a path, not a pattern (no *, ? or [)", shown);
		if (path_rel_check(t, norm, sizeof norm, &why) < 0)
			return fail(c, i, "\"%s\" %s", shown, why);
		if (strcmp(norm, ".") == 0)
			return fail(c, i, "\"%s\" is the whole share: give readonly: true instead", shown);
		if (!(s->protect[s->nprotect] = strdup(norm)))
			return fail_oom(c);
		s->nprotect++;
	}
	return 0;
}

/* owner: one of users:, whose the share's files are in the guest. */
static int do_owner(struct ctx *c, int n, struct share *s)
{
	const char *t;

	if (get_text(c, n, &t, "a role of users:") < 0)
		return -1;
	if (machine_role_uid(c->m, t) < 0) {
		char shown[80];

		return fail(c, n, "%s is not one of users:", show(t, strlen(t), shown, sizeof shown));
	}
	if (!(s->owner = strdup(t)))
		return fail_oom(c);
	return 0;
}

static int do_shares(struct ctx *c, int n, int *targets, size_t *ntargets)
{
	static const char *const keys[] = { "source", "target", "readonly", "protect", "owner" };
	struct machine *m = c->m;
	int i, v[5];

	if (need_seq(c, n, "a list of {source, target, readonly}") < 0)
		return -1;
	if (c->d->v[n].n > SPEC_SHARES_MAX)
		return fail(c, n, "too many shares (at most %d)", SPEC_SHARES_MAX);
	m->shares = calloc(c->d->v[n].n + 1, sizeof *m->shares);
	if (!m->shares)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		struct share *s = &m->shares[m->nshares++];

		set_pos(&s->pos, &c->d->v[i]);
		if (need_map(c, i, "a mapping {source, target, readonly}") < 0 ||
		    map_keys(c, i, keys, 5, v) < 0)
			return -1;
		if (v[0] < 0)
			return fail_sub(c, i, "source", "required key is missing");
		if (v[1] < 0)
			return fail_sub(c, i, "target", "required key is missing");
		set_pos(&s->source_pos, &c->d->v[v[0]]);
		if (get_host_path(c, v[0], &s->source) < 0 || get_target(c, v[1], &s->target) < 0)
			return -1;
		if (v[2] >= 0 && get_bool(c, v[2], &s->readonly) < 0)
			return -1;
		if (v[3] >= 0 && do_protect(c, v[3], s) < 0)
			return -1;
		if (v[4] >= 0 && do_owner(c, v[4], s) < 0)
			return -1;
		targets[(*ntargets)++] = v[1];
	}
	return 0;
}

static int do_volumes(struct ctx *c, int n, int *targets, size_t *ntargets)
{
	static const char *const keys[] = { "path", "size", "target" };
	struct machine *m = c->m;
	int i, v[3];

	if (need_seq(c, n, "a list of {path, size, target}") < 0)
		return -1;
	if (c->d->v[n].n > SPEC_VOLUMES_MAX)
		return fail(c, n, "too many volumes (at most %d)", SPEC_VOLUMES_MAX);
	m->volumes = calloc(c->d->v[n].n + 1, sizeof *m->volumes);
	if (!m->volumes)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		struct volume *vol = &m->volumes[m->nvolumes++];

		set_pos(&vol->pos, &c->d->v[i]);
		if (need_map(c, i, "a mapping {path, size, target}") < 0 ||
		    map_keys(c, i, keys, 3, v) < 0)
			return -1;
		if (v[0] < 0)
			return fail_sub(c, i, "path", "required key is missing");
		if (v[1] < 0)
			return fail_sub(c, i, "size", "required key is missing");
		set_pos(&vol->path_pos, &c->d->v[v[0]]);
		if (get_host_path(c, v[0], &vol->path) < 0 ||
		    get_size(c, v[1], SPEC_VOLUME_MIN, SPEC_VOLUME_MAX, &vol->size) < 0)
			return -1;
		if (v[2] >= 0) {
			if (get_target(c, v[2], &vol->target) < 0)
				return -1;
			targets[(*ntargets)++] = v[2];
		}
	}
	return 0;
}

/* Two mounts on one target: the second would hide the first. */
static int check_targets(struct ctx *c, const int *targets, size_t ntargets)
{
	size_t i, j;
	char path[512];

	for (i = 0; i < ntargets; i++) {
		char *a = path_resolve("/", c->d->v[targets[i]].text);

		if (!a)
			return fail_oom(c);
		for (j = 0; j < i; j++) {
			char *b = path_resolve("/", c->d->v[targets[j]].text);
			bool same = b && strcmp(a, b) == 0;

			free(b);
			if (same) {
				char shown[300];

				node_path(c->d, c->d->v[targets[j]].parent, path, sizeof path);
				fail(c, targets[i], "%s is already the target of %s",
				     show(a, strlen(a), shown, sizeof shown), path);
				free(a);
				return -1;
			}
		}
		free(a);
	}
	return 0;
}

static int do_workdir(struct ctx *c, int n)
{
	return get_guest_path(c, n, &c->m->workdir);
}

static int do_accel(struct ctx *c, int n)
{
	char shown[300];
	const char *s;

	if (get_word(c, n, &s, "auto, kvm or tcg") < 0)
		return -1;
	if (strcmp(s, "auto") == 0)
		c->m->accel = ACCEL_AUTO;
	else if (strcmp(s, "kvm") == 0)
		c->m->accel = ACCEL_KVM;
	else if (strcmp(s, "tcg") == 0)
		c->m->accel = ACCEL_TCG;
	else
		return fail(c, n, "expected auto, kvm or tcg, got \"%s\"",
			    show(s, strlen(s), shown, sizeof shown));
	return 0;
}

/* A list of group names, each valid and given once. */
static int get_groups(struct ctx *c, int n, char ***out, size_t *nout)
{
	char shown[300];
	const char *s;
	size_t k = 0;
	int i;

	if (need_seq(c, n, "a list of group names") < 0)
		return -1;
	if (c->d->v[n].n > SPEC_GROUPS_MAX)
		return fail(c, n, "too many groups (at most %d)", SPEC_GROUPS_MAX);
	*out = calloc(c->d->v[n].n + 1, sizeof **out);
	if (!*out)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		if (get_string(c, i, &s) < 0)
			return -1;
		if (!valid_group_name(s))
			return fail(c, i, "\"%s\" is not a valid group name (letters, digits, '.', '_' or '-'; at most 64)",
				    show(s, strlen(s), shown, sizeof shown));
		for (size_t j = 0; j < k; j++)
			if (strcmp((*out)[j], s) == 0)
				return fail(c, i, "group %s is given twice", show(s, strlen(s), shown, sizeof shown));
		(*out)[k] = strdup(s);
		if (!(*out)[k])
			return fail_oom(c);
		*nout = ++k;
	}
	return 0;
}

/* lighthouses: {OVERLAY_IP: "HOST:PORT", ...} */
static int do_lighthouses(struct ctx *c, int n)
{
	struct machine *m = c->m;
	const struct ydoc *d = c->d;
	char shown[300], host[64];
	const char *s, *why;
	uint64_t port;
	int k;

	if (need_map(c, n, "a mapping of overlay address to \"HOST:PORT\"") < 0)
		return -1;
	if (d->v[n].n / 2 > SPEC_LIGHTHOUSES_MAX)
		return fail(c, n, "too many lighthouses (at most %d)", SPEC_LIGHTHOUSES_MAX);
	m->mesh.lighthouses = calloc(d->v[n].n / 2 + 1, sizeof *m->mesh.lighthouses);
	if (!m->mesh.lighthouses)
		return fail_oom(c);
	for (k = d->v[n].first; k >= 0; k = d->v[d->v[k].next].next) {
		struct mesh_lighthouse *l = &m->mesh.lighthouses[m->mesh.nlighthouses];
		int v = d->v[k].next;
		const char *colon;

		if (get_string(c, k, &s) < 0)
			return -1;
		if (parse_ipv4(s, &l->overlay, &why) < 0)
			return fail(c, k, "\"%s\" is not an overlay address (a.b.c.d)",
				    show(s, strlen(s), shown, sizeof shown));
		for (size_t j = 0; j < m->mesh.nlighthouses; j++)
			if (m->mesh.lighthouses[j].overlay == l->overlay)
				return fail(c, k, "given twice (first at line %d)", m->mesh.lighthouses[j].pos.line);
		set_pos(&l->pos, &d->v[k]);
		if (get_string(c, v, &s) < 0)
			return -1;
		show(s, strlen(s), shown, sizeof shown);
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof host)
			return fail(c, v, "\"%s\" is not HOST:PORT (an IPv4 address and a UDP port)", shown);
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		if (parse_ipv4(host, &l->host, &why) < 0)
			return fail(c, v, "\"%s\": the host must be an IPv4 address", shown);
		if (parse_u64(colon + 1, 1, 65535, &port, &why) < 0)
			return fail(c, v, "\"%s\": the port must be 1..65535", shown);
		l->port = (uint16_t)port;
		m->mesh.nlighthouses++;
	}
	return 0;
}

/* port: N | "A-B" | any */
static int get_mesh_port(struct ctx *c, int n, struct mesh_rule *r)
{
	char shown[300], a[16];
	const char *s, *dash, *why;
	uint64_t lo, hi;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (strcmp(s, "any") == 0)
		return 0;
	dash = strchr(s, '-');
	if (!dash) {
		if (parse_u64(s, 1, 65535, &lo, &why) < 0)
			return fail(c, n, "\"%s\" is not a port (1..65535, \"A-B\" or any)", shown);
		r->port_lo = r->port_hi = (uint16_t)lo;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof a)
		return fail(c, n, "\"%s\" is not a port range (\"A-B\", 1..65535)", shown);
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (parse_u64(a, 1, 65535, &lo, &why) < 0 || parse_u64(dash + 1, 1, 65535, &hi, &why) < 0)
		return fail(c, n, "\"%s\" is not a port range (\"A-B\", 1..65535)", shown);
	if (lo > hi)
		return fail(c, n, "\"%s\": the range ends before it starts", shown);
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	return 0;
}

static bool valid_cert_host(const char *s)
{
	return strcmp(s, "any") == 0 || valid_group_name(s);
}

static int do_inbound_rule(struct ctx *c, int n, struct mesh_rule *r)
{
	static const char *const keys[] = { "port", "proto", "groups", "host", "cidr" };
	char shown[300];
	const char *s, *why;
	int v[5], given = 0;

	set_pos(&r->pos, &c->d->v[n]);
	if (need_map(c, n, "a mapping {port, proto, and one of groups, host, cidr}") < 0 ||
	    map_keys(c, n, keys, 5, v) < 0)
		return -1;
	if (v[0] < 0)
		return fail_sub(c, n, "port", "required key is missing (N, \"A-B\" or any)");
	if (v[1] < 0)
		return fail_sub(c, n, "proto", "required key is missing (tcp, udp, icmp or any)");
	if (get_mesh_port(c, v[0], r) < 0)
		return -1;
	if (get_word(c, v[1], &s, "tcp, udp, icmp or any") < 0)
		return -1;
	if (strcmp(s, "tcp") == 0)
		r->proto = MESH_PROTO_TCP;
	else if (strcmp(s, "udp") == 0)
		r->proto = MESH_PROTO_UDP;
	else if (strcmp(s, "icmp") == 0)
		r->proto = MESH_PROTO_ICMP;
	else if (strcmp(s, "any") == 0)
		r->proto = MESH_PROTO_ANY;
	else
		return fail(c, v[1], "expected tcp, udp, icmp or any, got \"%s\"",
			    show(s, strlen(s), shown, sizeof shown));
	for (int i = 2; i < 5; i++) {
		if (v[i] >= 0 && ++given == 2)
			return fail(c, c->d->v[v[i]].key, "give exactly one of groups, host and cidr");
	}
	if (!given)
		return fail(c, n, "give one of groups, host and cidr");
	if (v[2] >= 0) {
		if (get_groups(c, v[2], &r->groups, &r->ngroups) < 0)
			return -1;
		if (!r->ngroups)
			return fail(c, v[2], "an empty list lets nobody in (leave the rule out)");
	} else if (v[3] >= 0) {
		if (get_string(c, v[3], &s) < 0)
			return -1;
		if (!valid_cert_host(s))
			return fail(c, v[3], "\"%s\" is not a certificate name (a machine's name, or any)",
				    show(s, strlen(s), shown, sizeof shown));
		r->host = strdup(s);
		if (!r->host)
			return fail_oom(c);
	} else {
		if (get_string(c, v[4], &s) < 0)
			return -1;
		if (parse_cidr(s, true, &r->cidr, &r->cidr_prefix, &why) < 0)
			return fail(c, v[4], "\"%s\" is not a CIDR (a.b.c.d/N, no host bits)",
				    show(s, strlen(s), shown, sizeof shown));
		r->has_cidr = true;
	}
	return 0;
}

static int do_mesh(struct ctx *c, int n)
{
	static const char *const keys[] = { "network", "ip", "groups", "lighthouses", "inbound" };
	struct machine *m = c->m;
	char shown[300];
	const char *s, *why;
	int v[5];

	if (need_map(c, n, "a mapping {network, ip, groups, lighthouses, inbound}") < 0 ||
	    map_keys(c, n, keys, 5, v) < 0)
		return -1;
	if (v[0] < 0)
		return fail_sub(c, n, "network", "required key is missing");
	if (v[1] < 0)
		return fail_sub(c, n, "ip", "required key is missing");
	set_pos(&m->mesh.network_pos, &c->d->v[v[0]]);
	set_pos(&m->mesh.ip_pos, &c->d->v[v[1]]);
	set_pos(&m->mesh.groups_pos, &c->d->v[v[2] >= 0 ? v[2] : n]);
	if (get_string(c, v[0], &s) < 0)
		return -1;
	if (!valid_machine_name(s) || strlen(s) > SPEC_MESH_NAME_MAX)
		return fail(c, v[0], "\"%s\" is not a valid mesh network name (a lowercase letter, then lowercase letters, digits or '-'; at most %d)",
			    show(s, strlen(s), shown, sizeof shown), SPEC_MESH_NAME_MAX);
	m->mesh.network = strdup(s);
	if (!m->mesh.network)
		return fail_oom(c);
	if (get_string(c, v[1], &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (parse_cidr(s, false, &m->mesh.ip, &m->mesh.prefix, &why) < 0)
		return fail(c, v[1], "\"%s\" is not an address with a prefix length (a.b.c.d/N)", shown);
	if (m->mesh.prefix < 8 || m->mesh.prefix > 30)
		return fail(c, v[1], "prefix length /%u is out of range (8..30)", m->mesh.prefix);
	{
		uint32_t host = m->mesh.ip & ~prefix_mask(m->mesh.prefix);

		if (host == 0 || host == ~prefix_mask(m->mesh.prefix))
			return fail(c, v[1], "%s is the network or broadcast address of its subnet", shown);
	}
	if (v[2] >= 0 && get_groups(c, v[2], &m->mesh.groups, &m->mesh.ngroups) < 0)
		return -1;
	if (v[3] >= 0 && do_lighthouses(c, v[3]) < 0)
		return -1;
	for (size_t j = 0; j < m->mesh.nlighthouses; j++)
		if (m->mesh.lighthouses[j].overlay == m->mesh.ip)
			return fail(c, v[3], "%s is this machine's own address", shown);
	if (v[4] >= 0) {
		if (need_seq(c, v[4], "a list of {port, proto, groups|host|cidr}") < 0)
			return -1;
		if (c->d->v[v[4]].n > SPEC_INBOUND_MAX)
			return fail(c, v[4], "too many rules (at most %d)", SPEC_INBOUND_MAX);
		m->mesh.inbound = calloc(c->d->v[v[4]].n + 1, sizeof *m->mesh.inbound);
		if (!m->mesh.inbound)
			return fail_oom(c);
		m->mesh.has_inbound = true;
		for (int i = c->d->v[v[4]].first; i >= 0; i = c->d->v[i].next) {
			if (do_inbound_rule(c, i, &m->mesh.inbound[m->mesh.ninbound++]) < 0)
				return -1;
		}
	}
	m->mesh.set = true;
	return 0;
}

/* The channel's subnet as the host has it, or the default one; -1 when
 * the host has no such channel and it is not the default (which pool
 * brings up by itself). */
static int env_subnet(const struct spec_env *env, const char *channel, uint32_t *net,
		      unsigned *prefix)
{
	int r = 0;

	if (!env || !env->subnet_of || (r = env->subnet_of(channel, net, prefix, env->ctx)) < 0 ||
	    *prefix > 32) {
		*net = POOL_DEFAULT_SUBNET;
		*prefix = POOL_DEFAULT_PREFIX;
		if (r < 0 && strcmp(channel, POOL_DEFAULT_CHANNEL) != 0)
			return -1;
	}
	*net &= prefix_mask(*prefix);
	return 0;
}

/* Only the default channel comes up by itself: a spec cannot make a
 * bridge with a subnet of its choosing. n: the channel: value. */
static int check_channel(struct ctx *c, int n)
{
	const struct machine *m = c->m;
	uint32_t net;
	unsigned prefix;

	if (env_subnet(c->env, m->channel, &net, &prefix) == 0)
		return 0;
	return fail(c, n, "%s is not up (pool brings up only %s by itself): make it first with sudo pool channel up %s --subnet CIDR",
		    m->channel, POOL_DEFAULT_CHANNEL, m->channel);
}

static int check_address(struct ctx *c, int n)
{
	const struct machine *m = c->m;
	uint32_t net, mask, a = m->address;
	unsigned prefix;
	char as[16], ns[16];
	const char *what = NULL;

	env_subnet(c->env, m->channel, &net, &prefix);	/* known: check_channel came first */
	mask = prefix_mask(prefix);
	ipv4_str(a, as);
	ipv4_str(net, ns);
	if (!ipv4_in(a, net, prefix))
		return fail(c, n, "%s is outside channel %s (%s/%u)", as, m->channel, ns, prefix);
	if (prefix <= 30) {
		if (a == net)
			what = "the network address of";
		else if (a == (net | ~mask))
			what = "the broadcast address of";
		else if (a == net + 1)
			what = "the host's own address on";
	}
	if (what)
		return fail(c, n, "%s is %s channel %s (%s/%u)", as, what, m->channel, ns, prefix);
	return 0;
}

static int hash_passwords(struct ctx *c)
{
	struct machine *m = c->m;
	size_t i;

	for (i = 0; i < m->nusers; i++) {
		const struct ynode *y;
		struct crypt_data *cd;
		char salt[CRYPT_GENSALT_OUTPUT_SIZE];
		const char *h;
		char path[512];

		if (c->pass_node[i] < 0)
			continue;
		y = &c->d->v[c->pass_node[i]];
		node_path(c->d, c->pass_node[i], path, sizeof path);
		if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
			return pool_err_sys(c->e, "%s:%d:%d: %s: cannot make a salt", c->file,
					    y->line, y->col, path);
		cd = calloc(1, sizeof *cd);
		if (!cd)
			return fail_oom(c);
		{
			struct sha256 id;

			sha256_init(&id);
			sha256_update(&id, "pool-pass-id-v1", 16);
			sha256_update(&id, y->text, strlen(y->text));
			sha256_final(&id, m->users[i].pass_id);
			m->users[i].has_pass_id = true;
		}
		h = crypt_rn(y->text, salt, cd, (int)sizeof *cd);
		if (!h || h[0] == '*' || !(m->users[i].hash = strdup(h))) {
			int err = errno ? errno : EINVAL;

			explicit_bzero(cd, sizeof *cd);
			free(cd);
			return pool_err_set(c->e, POOL_EXIT_FAIL, err, "%s:%d:%d: %s: cannot hash",
					    c->file, y->line, y->col, path);
		}
		explicit_bzero(cd, sizeof *cd);
		free(cd);
		log_warnx("%s:%d:%d: %s: plain-text password accepted; store `hash:` instead (pool mkpasswd)",
			  c->file, y->line, y->col, path);
	}
	return 0;
}

int set_defaults(struct machine *m)
{
	m->has_address = false;
	snprintf(m->interface, sizeof m->interface, "eth0");
	m->cpus = POOL_CPUS_AUTO;
	m->memory = 512ULL << 20;
	m->image = IMAGE_HOST;
	snprintf(m->channel, sizeof m->channel, "%s", POOL_DEFAULT_CHANNEL);
	m->network = NET_NAT;
	m->ephemeral = true;
	m->accel = ACCEL_AUTO;
	m->cmdline = strdup("");
	return m->cmdline ? 0 : -1;
}

int default_users(struct machine *m)
{
	m->users = calloc(1, sizeof *m->users);
	if (!m->users)
		return -1;
	m->users[0].name = strdup("root");
	if (!m->users[0].name)
		return -1;
	m->nusers = 1;
	return 0;
}

static const char *const top_keys[KEY__MAX] = {
	[KEY_NAME] = "name", [KEY_ADDRESS] = "address", [KEY_INTERFACE] = "interface",
	[KEY_CPUS] = "cpus", [KEY_MEMORY] = "memory", [KEY_IMAGE] = "image",
	[KEY_KERNEL] = "kernel", [KEY_CMDLINE] = "cmdline", [KEY_CHANNEL] = "channel",
	[KEY_NETWORK] = "network", [KEY_USERS] = "users", [KEY_SHARES] = "shares",
	[KEY_VOLUMES] = "volumes", [KEY_EPHEMERAL] = "ephemeral", [KEY_WORKDIR] = "workdir",
	[KEY_ACCEL] = "accel", [KEY_MESH] = "mesh", [KEY_PORTS] = "ports", [KEY_WARM] = "warm",
};

int validate(struct ctx *c)
{
	struct machine *m = c->m;
	const struct ydoc *d = c->d;
	int v[KEY__MAX], targets[SPEC_SHARES_MAX + SPEC_VOLUMES_MAX];
	size_t ntargets = 0, i;
	uint64_t u = 0;

	if (d->n == 0 || (d->v[0].kind == Y_SCALAR && is_null(&d->v[0])))
		return pool_err_usage(c->e, "%s:1:1: the spec is empty (at least name: is needed)",
				      c->file);
	if (d->v[0].kind != Y_MAP) {
		char buf[320];

		return fail(c, 0, "the spec must be a mapping of keys such as name:, got %s",
			    describe(&d->v[0], buf, sizeof buf));
	}
	if (map_keys(c, 0, top_keys, KEY__MAX, v) < 0)
		return -1;
	for (i = 0; i < KEY__MAX; i++)
		if (v[i] >= 0)
			set_pos(&m->pos[i], &d->v[v[i]]);

	if (v[KEY_NAME] < 0)
		return fail_sub(c, 0, "name", "required key is missing");
	if (do_name(c, v[KEY_NAME]) < 0)
		return -1;
	if (v[KEY_ADDRESS] >= 0) {
		const char *s, *why;

		if (get_string(c, v[KEY_ADDRESS], &s) < 0)
			return -1;
		if (parse_ipv4(s, &m->address, &why) < 0) {
			char shown[300];

			return fail(c, v[KEY_ADDRESS], "\"%s\" is not an IPv4 address (a.b.c.d)",
				    show(s, strlen(s), shown, sizeof shown));
		}
		m->has_address = true;
	}
	if (v[KEY_INTERFACE] >= 0 && get_ifname(c, v[KEY_INTERFACE], m->interface, "interface") < 0)
		return -1;
	if (v[KEY_CPUS] >= 0) {
		const struct ynode *y = &d->v[v[KEY_CPUS]];

		if (y->kind == Y_SCALAR && y->plain && strcmp(y->text, "auto") == 0)
			m->cpus = POOL_CPUS_AUTO;
		else if (y->kind != Y_SCALAR || !y->plain || y->has_nul || y->len == 0 ||
			 strspn(y->text, "0123456789") != y->len)
			return fail_type(c, v[KEY_CPUS], "an integer 1..64 or auto");
		else if (get_uint(c, v[KEY_CPUS], 1, POOL_CPUS_MAX, &u) < 0)
			return -1;
		else
			m->cpus = (unsigned)u;
	}
	if (v[KEY_MEMORY] >= 0 &&
	    get_size(c, v[KEY_MEMORY], POOL_MEMORY_MIN, POOL_MEMORY_MAX, &m->memory) < 0)
		return -1;
	if (v[KEY_IMAGE] >= 0 && do_image(c, v[KEY_IMAGE]) < 0)
		return -1;
	if (v[KEY_KERNEL] >= 0 && do_kernel(c, v[KEY_KERNEL]) < 0)
		return -1;
	if (v[KEY_CMDLINE] >= 0 && do_cmdline(c, v[KEY_CMDLINE]) < 0)
		return -1;
	if (v[KEY_CHANNEL] >= 0 && get_ifname(c, v[KEY_CHANNEL], m->channel, "channel") < 0)
		return -1;
	if (v[KEY_NETWORK] >= 0 && do_network(c, v[KEY_NETWORK]) < 0)
		return -1;
	if (v[KEY_USERS] >= 0) {
		if (do_users(c, v[KEY_USERS]) < 0)
			return -1;
	} else if (default_users(m) < 0) {
		return fail_oom(c);
	}
	if (v[KEY_SHARES] >= 0 && do_shares(c, v[KEY_SHARES], targets, &ntargets) < 0)
		return -1;
	if (v[KEY_VOLUMES] >= 0 && do_volumes(c, v[KEY_VOLUMES], targets, &ntargets) < 0)
		return -1;
	if (check_targets(c, targets, ntargets) < 0)
		return -1;
	if (v[KEY_EPHEMERAL] >= 0 && get_bool(c, v[KEY_EPHEMERAL], &m->ephemeral) < 0)
		return -1;
	if (v[KEY_WORKDIR] >= 0 && do_workdir(c, v[KEY_WORKDIR]) < 0)
		return -1;
	if (v[KEY_ACCEL] >= 0 && do_accel(c, v[KEY_ACCEL]) < 0)
		return -1;
	if (v[KEY_MESH] >= 0 && do_mesh(c, v[KEY_MESH]) < 0)
		return -1;
	if (v[KEY_PORTS] >= 0 && do_ports(c, v[KEY_PORTS]) < 0)
		return -1;
	if (v[KEY_WARM] >= 0 && get_bool(c, v[KEY_WARM], &m->warm) < 0)
		return -1;

	if (m->mesh.set && m->network == NET_NONE)
		return fail(c, v[KEY_MESH], "needs a network (nat, or isolated for a machine that reaches only its mesh)");
	/* needs channel and network, wherever they stood */
	if (m->network == NET_NONE && m->nports)
		return fail(c, v[KEY_PORTS], "a machine with network: none has no port to publish");
	if (m->network != NET_NONE) {
		if (!m->has_address)
			return fail_sub(c, 0, "address", "required key is missing (it may only be left out with network: none)");
		if (check_channel(c, v[KEY_CHANNEL]) < 0 || check_address(c, v[KEY_ADDRESS]) < 0)
			return -1;
	}
	return hash_passwords(c);
}
