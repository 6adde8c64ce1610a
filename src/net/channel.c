/* channel.c - bring a channel up and down, and add or remove machines on it. */
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "addr.h"
#include "common/names.h"
#include "link.h"
#include "mac.h"
#include "nft.h"
#include "nl.h"
#include "spec/reach.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/paths.h"
#include "common/parse.h"

/* Forwarding is turned on per interface (the channel's bridge and its
 * uplink), never for the whole host; the kernel decides by the interface
 * a packet came in on. */
#define CONF_FORWARDING "/proc/sys/net/ipv4/conf/%s/forwarding"

void channel_cfg_default(struct channel_cfg *c)
{
	memset(c, 0, sizeof *c);
	strcpy(c->name, POOL_DEFAULT_CHANNEL);
	c->subnet = POOL_DEFAULT_SUBNET;
	c->prefix = POOL_DEFAULT_PREFIX;
}

/* ---- state: $POOL_STATE_DIR/channels/NAME ---- */

struct channel_state {
	bool present;
	char uplink[16];
	int uplink_forwarding_was;	/* the uplink's before pool: 0, 1, or -1: unknown */
};

/* Read "key=value" lines; unknown keys are skipped, bad values ignored. */
static void state_read(const char *name, struct channel_state *st)
{
	_cleanup_free_ char *text = NULL;
	struct pool_err e = { 0 };
	char path[4096];
	size_t len;
	char *line, *save = NULL;

	memset(st, 0, sizeof *st);
	st->uplink_forwarding_was = -1;
	state_channel_path(name, path, sizeof path);
	if (read_file(path, 4096, &text, &len, &e) < 0)
		return;
	st->present = true;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "uplink=", 7) == 0 && nft_name_ok(line + 7))
			snprintf(st->uplink, sizeof st->uplink, "%s", line + 7);
		else if (strcmp(line, "uplink_forwarding_was=0") == 0)
			st->uplink_forwarding_was = 0;
		else if (strcmp(line, "uplink_forwarding_was=1") == 0)
			st->uplink_forwarding_was = 1;
	}
}

static int state_write(const char *name, const struct channel_state *st, struct pool_err *e)
{
	char dir[4096], path[4096], text[128];
	int n;

	state_channel_path(NULL, dir, sizeof dir);
	state_channel_path(name, path, sizeof path);
	if (mkdir_p(dir, 0755, e) < 0)
		return -1;
	n = snprintf(text, sizeof text, "uplink=%s\nuplink_forwarding_was=%d\n", st->uplink,
		     st->uplink_forwarding_was < 0 ? 1 : st->uplink_forwarding_was);
	return write_file_atomic(path, text, (size_t)n, 0644, e);
}

/* Whether a channel other than name is recorded with this uplink (its
 * record in *other). */
static bool other_on_uplink(const char *name, const char *uplink, struct channel_state *other)
{
	struct dirent *de;
	bool found = false;
	char dir[4096];
	DIR *d;

	if (!uplink[0])
		return false;
	state_channel_path(NULL, dir, sizeof dir);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (!valid_channel_name(de->d_name) || strcmp(de->d_name, name) == 0)
			continue;
		state_read(de->d_name, other);
		found = other->present && strcmp(other->uplink, uplink) == 0;
	}
	closedir(d);
	return found;
}

static int state_remove(const char *name, struct pool_err *e)
{
	char path[4096];

	state_channel_path(name, path, sizeof path);
	if (unlink(path) < 0 && errno != ENOENT)
		return pool_err_sys(e, "%s", path);
	return 0;
}

/* An interface's IPv4 forwarding; ifname is a valid interface name (no
 * '/'), so the path stays in /proc/sys/net/ipv4/conf. */
static int forwarding_get(const char *ifname, int *on, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL;
	char path[128];
	size_t len;

	if (!valid_ifname(ifname))
		return pool_err_fail(e, "forwarding of %s: not an interface name", ifname);
	snprintf(path, sizeof path, CONF_FORWARDING, ifname);
	if (read_file(path, 64, &text, &len, e) < 0)
		return -1;
	*on = text[0] == '1';
	return 0;
}

static int forwarding_set(const char *ifname, int on, struct pool_err *e)
{
	_cleanup_close_ int fd = -1;
	char path[128];

	if (!valid_ifname(ifname))
		return pool_err_fail(e, "forwarding of %s: not an interface name", ifname);
	snprintf(path, sizeof path, CONF_FORWARDING, ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, on ? "1\n" : "0\n", 2) < 0)
		return pool_err_sys(e, "%s", path);
	return 0;
}

/* The uplink's forwarding as it was before pool: what a channel on the
 * same uplink recorded, or what it is now. */
static int uplink_forwarding_before(const char *name, const char *uplink, int *was,
				    struct pool_err *e)
{
	struct channel_state other;

	if (other_on_uplink(name, uplink, &other) && other.uplink_forwarding_was >= 0) {
		*was = other.uplink_forwarding_was;
		return 0;
	}
	return forwarding_get(uplink, was, e);
}

/* A channel lets go of its uplink: when no other channel uses it (then
 * *released) and pool turned its forwarding on, it goes off again. */
static int uplink_release(const char *name, const struct channel_state *st, bool *released,
			  struct pool_err *e)
{
	struct channel_state other;
	int on = 0;

	*released = false;
	if (!st->uplink[0] || other_on_uplink(name, st->uplink, &other))
		return 0;
	*released = true;
	if (st->uplink_forwarding_was != 0 || forwarding_get(st->uplink, &on, NULL) < 0)
		return 0;	/* it was on before pool, or the uplink is gone */
	return on ? forwarding_set(st->uplink, 0, e) : 0;
}

/* Remove ifname from the shared set (the add makes a missing one no error). */
static void set_forget(FILE *f, const char *set, const char *ifname)
{
	fprintf(f, "add element inet %1$s %2$s { \"%3$s\" }\n"
		"delete element inet %1$s %2$s { \"%3$s\" }\n", CHANNEL_NFT_TABLE, set, ifname);
}

/* ---- nft listings ---- */

static bool owned_by(const char *object, const char *channel)
{
	size_t n = strlen(channel);

	return strncmp(object, channel, n) == 0 && object[n] == '_';
}

/* ---- the channel's nft objects ---- */

/* "{ a.b.c.d/N, ... }" */
static void ranges_script(FILE *f, const struct reach_range *r, size_t n)
{
	char nbuf[16];

	fputs("{ ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s/%u", i ? ", " : "", ipv4_str(r[i].net, nbuf), r[i].prefix);
	fputs(" }", f);
}

struct hostnets {
	struct reach_range *v;
	size_t n, cap;
};

static int hostnet_one(int index, uint32_t addr, unsigned prefix, void *data)
{
	struct hostnets *h = data;

	(void)index;
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 16;
		struct reach_range *v = reallocarray(h->v, cap, sizeof *v);

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = (struct reach_range){ addr, prefix, NULL };
	return 0;
}

int channel_host_subnets(struct reach_range **out, size_t *n, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	struct hostnets h = { 0 };
	int r;

	*out = NULL;
	*n = 0;
	if (nl_open(&nl, e) < 0)
		return -1;
	r = addr_each(&nl, hostnet_one, &h);
	if (r < 0) {
		free(h.v);
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "reading the host's addresses");
	}
	*out = calloc(h.n + 1, sizeof **out);
	if (!*out) {
		free(h.v);
		return pool_err_sys(e, "the host's addresses");
	}
	*n = reach_host_subnets(h.v, h.n, *out, h.n);
	free(h.v);
	return 0;
}

int channel_hostnets_script(FILE *f, struct pool_err *e)
{
	_cleanup_free_ struct reach_range *v = NULL;
	size_t n;

	if (channel_host_subnets(&v, &n, e) < 0)
		return -1;
	fprintf(f, "flush set inet %s hostnets\n", CHANNEL_NFT_TABLE);
	if (n) {
		fprintf(f, "add element inet %s hostnets ", CHANNEL_NFT_TABLE);
		ranges_script(f, v, n);
		fputc('\n', f);
	}
	return 0;
}

/* The objects every channel shares: the host's subnets, and the guard
 * that keeps an uplink whose forwarding pool turned on from forwarding
 * anything but machines' traffic (to a channel's bridge: replies; the
 * channel's own chain drops the rest). */
static void shared_script(FILE *f, const char *c, const char *up, bool guard)
{
	fprintf(f,
		"add table inet %1$s\n"
		"add table bridge %1$s\n"
		"add set inet %1$s hostnets { type ipv4_addr; flags interval; }\n"
		"add set inet %1$s bridges { type ifname; }\n"
		"add set inet %1$s guarded { type ifname; }\n"
		"add chain inet %1$s guard { type filter hook forward priority filter; policy accept; }\n"
		"flush chain inet %1$s guard\n"
		"add rule inet %1$s guard iifname @guarded oifname != @bridges drop\n"
		"add element inet %1$s bridges { \"%2$s\" }\n",
		CHANNEL_NFT_TABLE, c);
	if (guard)
		fprintf(f, "add element inet %s guarded { \"%s\" }\n", CHANNEL_NFT_TABLE, up);
}

static void channel_script(FILE *f, const char *c, const char *up, uint32_t net, unsigned prefix)
{
	char nbuf[16], cidr[24];
	const char *t = CHANNEL_NFT_TABLE;

	snprintf(cidr, sizeof cidr, "%s/%u", ipv4_str(net, nbuf), prefix);
	fprintf(f,
		/* machines with full nat, those that may reach the LAN too
		 * (--allow-lan), and those limited to an allow list */
		"add set inet %2$s %1$s_nat { type ipv4_addr; }\n"
		"add set inet %2$s %1$s_allowlan { type ipv4_addr; }\n"
		"add map inet %2$s %1$s_allow { type ipv4_addr : verdict; }\n"
		/* mesh machines: address -> jump to the machine's mesh chain */
		"add map inet %2$s %1$s_mesh { type ipv4_addr : verdict; }\n"
		/* the host: replies to what the host opened, and a mesh
		 * machine's own chain (machine_net.c: the host lighthouse).
		 * DHCP and DNS are answered on the machine's TAP, not here. */
		"add chain inet %2$s %1$s_input { type filter hook input priority filter; policy accept; }\n"
		"flush chain inet %2$s %1$s_input\n"
		"add rule inet %2$s %1$s_input iifname \"%1$s\" ct state established,related accept\n"
		"add rule inet %2$s %1$s_input iifname \"%1$s\" ip saddr vmap @%1$s_mesh\n"
		"add rule inet %2$s %1$s_input iifname \"%1$s\" drop\n"
		/* out through the uplink only, to the internet only (no
		 * loopback, multicast or broadcast ever; the LAN, link-local,
		 * CGNAT and the host's subnets only with --allow-lan);
		 * nothing between machines */
		"add chain inet %2$s %1$s_forward { type filter hook forward priority filter; policy accept; }\n"
		"flush chain inet %2$s %1$s_forward\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" ip daddr ",
		c, t);
	ranges_script(f, reach_never, reach_nnever);
	/* a mesh machine's own chain before the LAN's drop: its lighthouses
	 * are where the host's grant says, often on the LAN */
	fprintf(f, " drop\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" ip saddr vmap @%1$s_mesh\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" ip saddr != @%1$s_allowlan ip daddr ",
		c, t);
	ranges_script(f, reach_lan, reach_nlan);
	fprintf(f, " drop\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" ip saddr != @%1$s_allowlan ip daddr @hostnets drop\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" oifname \"%3$s\" ip saddr @%1$s_nat accept\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" oifname \"%3$s\" ip saddr vmap @%1$s_allow\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" drop\n"
		"add rule inet %2$s %1$s_forward iifname \"%3$s\" oifname \"%1$s\" ct state established,related accept\n"
		"add rule inet %2$s %1$s_forward oifname \"%1$s\" ip daddr vmap @%1$s_mesh\n"
		"add rule inet %2$s %1$s_forward oifname \"%1$s\" drop\n"
		"add chain inet %2$s %1$s_postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
		"flush chain inet %2$s %1$s_postrouting\n"
		"add rule inet %2$s %1$s_postrouting oifname \"%3$s\" ip saddr %4$s masquerade\n"
		/* layer 2, shared by all channels (the kernel may lack "meta
		 * ibrname", so ports are told by name): each pool TAP is a
		 * machine whose chain lets only its own MAC and IP through;
		 * unknown pool TAPs and TAP-to-TAP frames are dropped */
		"add map bridge %2$s ports { type ifname : verdict; }\n"
		"add chain bridge %2$s prerouting { type filter hook prerouting priority filter; policy accept; }\n"
		"flush chain bridge %2$s prerouting\n"
		"add rule bridge %2$s prerouting iifname vmap @ports\n"
		"add rule bridge %2$s prerouting iifname \"" TAP_PREFIX "*\" drop\n"
		"add chain bridge %2$s forward { type filter hook forward priority filter; policy accept; }\n"
		"flush chain bridge %2$s forward\n"
		"add rule bridge %2$s forward iifname \"" TAP_PREFIX "*\" drop\n",
		c, t, up, cidr);
}

/* Both tables' full listings, concatenated, to tell whether a script
 * changed anything. */
static int ruleset_snapshot(char **out, struct pool_err *e)
{
	_cleanup_free_ char *a = NULL, *b = NULL;

	if (nft_list_table("inet", CHANNEL_NFT_TABLE, false, &a, e) < 0 ||
	    nft_list_table("bridge", CHANNEL_NFT_TABLE, false, &b, e) < 0)
		return -1;
	if (asprintf(out, "%s\n--\n%s", a ? a : "", b ? b : "") < 0)
		return pool_err_fail(e, "out of memory");
	return 0;
}

/* ---- up ---- */

static int resolve_uplink(struct nl *nl, const struct channel_cfg *c, char out[16],
			  struct pool_err *e)
{
	struct link_info li;
	int r, index;

	if (c->uplink[0]) {
		r = link_get(nl, c->uplink, &li);
		if (r == -ENODEV)
			return pool_err_usage(e, "uplink %s: no such interface", c->uplink);
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "uplink %s", c->uplink);
	} else {
		r = route_default_oif(nl, &index);
		if (r == -ENOENT)
			return pool_err_fail(e, "no IPv4 default route to take as the uplink; give --uplink IF");
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "reading the default route");
		r = link_get_index(nl, index, &li);
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "default route's interface %d", index);
	}
	if (strcmp(li.name, c->name) == 0)
		return pool_err_usage(e, "uplink %s is the channel's own bridge", li.name);
	if (!nft_name_ok(li.name))
		return pool_err_usage(e, "uplink %s: name not supported (letters, digits, - _ . only)",
				      li.name);
	snprintf(out, 16, "%s", li.name);
	return 0;
}

static int check_cfg(const struct channel_cfg *c, struct pool_err *e)
{
	char nbuf[16];

	if (!valid_channel_name(c->name))
		return pool_err_usage(e, "channel name %s: want [a-z][a-z0-9-], at most 15 characters",
				      c->name);
	if (c->prefix < 8 || c->prefix > 30)
		return pool_err_usage(e, "subnet %s/%u: prefix must be 8..30",
				      ipv4_str(c->subnet, nbuf), c->prefix);
	if (c->subnet & ~prefix_mask(c->prefix))
		return pool_err_usage(e, "subnet %s/%u has host bits set",
				      ipv4_str(c->subnet, nbuf), c->prefix);
	return 0;
}

struct overlap {
	int self;		/* the channel's own bridge, 0: none yet */
	uint32_t net;
	unsigned prefix;
	int index;		/* the first address in the way: its link, 0: none */
	uint32_t addr;
	unsigned addr_prefix;
};

static int overlap_one(int index, uint32_t addr, unsigned prefix, void *data)
{
	struct overlap *o = data;

	if (index != o->self && !o->index && reach_overlap(addr, prefix, o->net, o->prefix)) {
		o->index = index;
		o->addr = addr;
		o->addr_prefix = prefix;
	}
	return 0;
}

/* A channel's subnet overlaps no address of another link (another
 * channel, the LAN): the host would route machines' traffic astray. */
static int check_overlap(struct nl *nl, const struct channel_cfg *c, int self, struct pool_err *e)
{
	struct overlap o = { .self = self, .net = c->subnet, .prefix = c->prefix };
	struct link_info li;
	char b1[16], b2[16];
	int r = addr_each(nl, overlap_one, &o);

	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "reading the host's addresses");
	if (!o.index)
		return 0;
	if (link_get_index(nl, o.index, &li) < 0)
		snprintf(li.name, sizeof li.name, "link %d", o.index);
	return pool_err_usage(e, "channel %s: subnet %s/%u overlaps %s/%u on %s; choose another with --subnet",
			      c->name, ipv4_str(c->subnet, b1), c->prefix, ipv4_str(o.addr, b2),
			      o.addr_prefix, li.name);
}

/* The uplink's and the bridge's forwarding on (the uplink's as it was
 * before pool goes into st); *up_set when this call turned the uplink's
 * on. A channel that moved to another uplink lets go of the old one
 * (old: its name when pool's guard should forget it, else ""). */
static int forwarding_up(const char *name, const char *uplink, struct channel_state *st,
			 char old[16], bool *up_set, bool *changed, struct pool_err *e)
{
	bool released;
	int on = 0;

	*up_set = false;
	old[0] = '\0';
	if (st->present && st->uplink[0] && strcmp(st->uplink, uplink) != 0) {
		if (uplink_release(name, st, &released, e) < 0)
			return -1;
		if (released)
			snprintf(old, 16, "%s", st->uplink);
		st->uplink_forwarding_was = -1;
	}
	if (!st->present || strcmp(st->uplink, uplink) != 0 || st->uplink_forwarding_was < 0) {
		if (uplink_forwarding_before(name, uplink, &st->uplink_forwarding_was, e) < 0)
			return -1;
	}
	snprintf(st->uplink, sizeof st->uplink, "%s", uplink);
	if (forwarding_get(uplink, &on, e) < 0)
		return -1;
	if (!on) {
		if (forwarding_set(uplink, 1, e) < 0)
			return -1;
		*up_set = *changed = true;
	}
	if (forwarding_get(name, &on, e) < 0)
		return -1;
	if (!on) {
		if (forwarding_set(name, 1, e) < 0)
			return -1;
		*changed = true;
	}
	return 0;
}

int channel_up(const struct channel_cfg *c, bool *changed, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	_cleanup_free_ char *before = NULL, *after = NULL, *script = NULL;
	struct channel_state st, was;
	struct link_info br;
	uint32_t gw = c->subnet + 1, a;
	unsigned p;
	char uplink[16], old[16], b1[16], b2[16];
	bool created = false, up_set = false;
	size_t slen;
	uint8_t mac[6];
	FILE *f = NULL;
	int r;

	*changed = false;
	if (check_cfg(c, e) < 0 || nl_open(&nl, e) < 0)
		return -1;
	if (resolve_uplink(&nl, c, uplink, e) < 0)
		return -1;

	r = link_get(&nl, c->name, &br);
	if (r < 0 && r != -ENODEV)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "bridge %s", c->name);
	if (r == 0 && strcmp(br.kind, "bridge") != 0)
		return pool_err_fail(e, "%s exists and is not a bridge; not touching it", c->name);
	if (check_overlap(&nl, c, r == 0 ? br.index : 0, e) < 0)
		return -1;
	if (r == -ENODEV) {
		mac_from_ipv4(gw, mac);
		r = link_bridge_create(&nl, c->name, mac);
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "creating bridge %s", c->name);
		created = *changed = true;
		r = link_get(&nl, c->name, &br);
		if (r < 0) {
			pool_err_set(e, POOL_EXIT_FAIL, -r, "bridge %s", c->name);
			return -1;
		}
	}

	r = addr_get(&nl, br.index, &a, &p);
	if (r == -ENOENT) {
		r = addr_add(&nl, br.index, gw, c->prefix);
		if (r < 0) {
			pool_err_set(e, POOL_EXIT_FAIL, -r, "adding %s/%u to %s",
				     ipv4_str(gw, b1), c->prefix, c->name);
			goto undo;
		}
		*changed = true;
	} else if (r < 0) {
		pool_err_set(e, POOL_EXIT_FAIL, -r, "reading the addresses of %s", c->name);
		goto undo;
	} else if (a != gw || p != c->prefix) {
		return pool_err_fail(e, "channel %s is up with %s/%u, not %s/%u; run pool channel down first",
				     c->name, ipv4_str(a, b1), p, ipv4_str(gw, b2), c->prefix);
	}

	if (!(br.flags & IFF_UP)) {
		r = link_set_up(&nl, br.index, true);
		if (r < 0) {
			pool_err_set(e, POOL_EXIT_FAIL, -r, "setting %s up", c->name);
			goto undo;
		}
		*changed = true;
	}

	if (ruleset_snapshot(&before, e) < 0)
		goto undo;
	f = open_memstream(&script, &slen);
	if (!f) {
		pool_err_sys(e, "nft script");
		goto undo;
	}
	state_read(c->name, &st);
	was = st;
	if (forwarding_up(c->name, uplink, &st, old, &up_set, changed, e) < 0)
		goto undo;
	shared_script(f, c->name, uplink, st.uplink_forwarding_was == 0);
	if (old[0])
		set_forget(f, "guarded", old);
	channel_script(f, c->name, uplink, c->subnet, c->prefix);
	if (channel_hostnets_script(f, e) < 0)
		goto undo;
	r = nft_run_stream(f, &script, e);
	f = NULL;
	if (r < 0) {
		pool_err_wrap(e, "channel %s", c->name);
		goto undo;
	}
	if (ruleset_snapshot(&after, e) < 0)
		return -1;
	if (strcmp(before, after) != 0)
		*changed = true;

	if (!st.present || strcmp(st.uplink, was.uplink) != 0 ||
	    st.uplink_forwarding_was != was.uplink_forwarding_was) {
		*changed = true;
		if (state_write(c->name, &st, e) < 0)
			return -1;
	}
	return 0;

undo:
	/* Leave nothing this call made: a half-made channel is worse than none. */
	if (f)
		fclose(f);
	if (up_set)
		forwarding_set(uplink, 0, NULL);
	if (created)
		link_delete(&nl, br.index);
	return -1;
}

/* ---- down ---- */

struct names {
	char text[1024];
	size_t len;
	int count;
};

static void names_add(struct names *n, const char *s)
{
	int w;

	if (n->len >= sizeof n->text)
		return;
	w = snprintf(n->text + n->len, sizeof n->text - n->len, "%s%s", n->count ? " " : "", s);
	if (w > 0)
		n->len += (size_t)w;
	if (n->len >= sizeof n->text)
		n->len = sizeof n->text - 1;
	n->count++;
}

static int slave_name(const struct link_info *li, void *data)
{
	names_add(data, li->name);
	return 0;
}

struct teardown {
	const char *channel;
	const char *family;
	FILE *f;
	int mine, others;
	int pass;		/* 0: flush chains, 1: delete maps/sets, 2: delete chains */
};

static void teardown_one(const char *kind, const char *name, void *data)
{
	struct teardown *t = data;
	bool chain = strcmp(kind, "chain") == 0;
	size_t n = strlen(t->channel);

	if (!owned_by(name, t->channel)) {
		/* names without "_" are shared by all channels */
		if (t->pass == 0 && strchr(name, '_'))
			t->others++;
		return;
	}
	if (t->pass == 0)
		t->mine++;
	if (t->pass == 0 && chain) {
		char tap[16];

		fprintf(t->f, "flush chain %s %s %s\n", t->family, CHANNEL_NFT_TABLE, name);
		/* a machine's chain is in the shared ports map under its TAP */
		if (strcmp(t->family, "bridge") == 0 && strncmp(name + n, "_m_", 3) == 0 &&
		    tap_name(name + n + 3, tap) == 0 && nft_name_ok(tap))
			fprintf(t->f, "add element bridge %1$s ports { \"%2$s\" : goto %3$s }\n"
				"delete element bridge %1$s ports { \"%2$s\" }\n",
				CHANNEL_NFT_TABLE, tap, name);
	} else if (t->pass == 1 && !chain) {
		fprintf(t->f, "delete %s %s %s %s\n", kind, t->family, CHANNEL_NFT_TABLE, name);
	} else if (t->pass == 2 && chain) {
		fprintf(t->f, "delete chain %s %s %s\n", t->family, CHANNEL_NFT_TABLE, name);
	}
}

/* Append to f what removes the channel's objects from one table: the
 * whole table when nothing else is in it. Returns how many were found.
 * When the inet table stays, the channel's bridge leaves the shared set
 * of bridges, and uplink (unless "") the guard's. */
static int teardown_script(const char *channel, const char *family, const char *uplink, FILE *f,
			   struct pool_err *e)
{
	_cleanup_free_ char *listing = NULL;
	struct teardown t = { .channel = channel, .family = family };
	FILE *dummy;
	char *dbuf = NULL;
	size_t dlen;

	if (nft_list_table(family, CHANNEL_NFT_TABLE, true, &listing, e) < 0)
		return -1;
	if (!listing)
		return 0;
	/* First count, into nowhere; then write for real. */
	dummy = open_memstream(&dbuf, &dlen);
	if (!dummy)
		return pool_err_sys(e, "nft script");
	t.f = dummy;
	nft_each_object(listing, teardown_one, &t);
	fclose(dummy);
	free(dbuf);
	if (t.others == 0) {
		fprintf(f, "delete table %s %s\n", family, CHANNEL_NFT_TABLE);
		return t.mine + 1;
	}
	t.f = f;
	for (t.pass = 0; t.pass < 3; t.pass++)
		nft_each_object(listing, teardown_one, &t);
	if (strcmp(family, "inet") == 0 && nft_has_object(listing, "set", "bridges"))
		set_forget(f, "bridges", channel);
	if (strcmp(family, "inet") == 0 && uplink[0] && nft_has_object(listing, "set", "guarded"))
		set_forget(f, "guarded", uplink);
	return t.mine;
}

int channel_down(const char *name, bool *was_up, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	_cleanup_free_ char *script = NULL;
	struct names slaves = { 0 };
	struct channel_state st, other;
	struct link_info br;
	bool bridge = false, other_uplink, released;
	size_t slen;
	FILE *f;
	int r, n1, n2;

	*was_up = false;
	if (!valid_channel_name(name))
		return pool_err_usage(e, "channel name %s: want [a-z][a-z0-9-], at most 15 characters",
				      name);
	if (nl_open(&nl, e) < 0)
		return -1;
	r = link_get(&nl, name, &br);
	if (r == 0 && strcmp(br.kind, "bridge") != 0)
		return pool_err_fail(e, "%s exists and is not a bridge; not touching it", name);
	if (r < 0 && r != -ENODEV)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "bridge %s", name);
	if (r == 0) {
		bridge = true;
		r = link_slaves(&nl, br.index, slave_name, &slaves);
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "links on %s", name);
		if (slaves.count)
			return pool_err_fail(e, "channel %s is in use by %s; stop %s first",
					     name, slaves.text, slaves.count > 1 ? "those machines" : "that machine");
	}

	state_read(name, &st);
	other_uplink = other_on_uplink(name, st.uplink, &other);
	f = open_memstream(&script, &slen);
	if (!f)
		return pool_err_sys(e, "nft script");
	n1 = teardown_script(name, "inet", other_uplink ? "" : st.uplink, f, e);
	n2 = n1 < 0 ? -1 : teardown_script(name, "bridge", "", f, e);
	if (n1 < 0 || n2 < 0) {
		fclose(f);
		return -1;
	}
	if (n1 + n2 > 0) {
		if (nft_run_stream(f, &script, e) < 0)
			return pool_err_wrap(e, "channel %s", name);
	} else {
		fclose(f);
	}

	if (bridge) {
		r = link_delete(&nl, br.index);
		if (r < 0 && r != -ENODEV)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "deleting bridge %s", name);
	}

	/* the uplink's forwarding back to what it was, when pool turned it on
	 * and no other channel goes out through it */
	if (st.present && uplink_release(name, &st, &released, e) < 0)
		return -1;
	if (state_remove(name, e) < 0)
		return -1;
	*was_up = bridge || n1 + n2 > 0 || st.present;
	return 0;
}

/* ---- status ---- */

struct status_objects {
	const char *channel;
	struct names chains;
	struct names machines;
};

static void status_one(const char *kind, const char *name, void *data)
{
	struct status_objects *s = data;
	size_t n = strlen(s->channel);
	char buf[300];

	if (!strchr(name, '_')) {
		names_add(&s->chains, name);	/* shared by all channels */
		return;
	}
	if (!owned_by(name, s->channel))
		return;
	if (strcmp(kind, "chain") == 0 && strncmp(name + n, "_m_", 3) == 0) {
		names_add(&s->machines, name + n + 3);
		return;
	}
	if (strcmp(kind, "chain") == 0 && (strncmp(name + n, "_a_", 3) == 0 ||
					    strncmp(name + n, "_n_", 3) == 0 ||
					    strncmp(name + n, "_nd_", 4) == 0))
		return;
	snprintf(buf, sizeof buf, "%s", name + n + 1);
	names_add(&s->chains, buf);
}

int channel_status(const char *name, FILE *out, bool *up, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	_cleanup_free_ char *linet = NULL, *lbridge = NULL;
	struct status_objects si = { .channel = name }, sb = { .channel = name };
	struct names slaves = { 0 };
	struct channel_state st;
	struct link_info br;
	uint32_t a = 0;
	unsigned p = 0;
	bool bridge = false, addr = false;
	int r, fw = 0, ufw = -1;

	*up = false;
	if (!valid_channel_name(name))
		return pool_err_usage(e, "channel name %s: want [a-z][a-z0-9-], at most 15 characters",
				      name);
	if (nl_open(&nl, e) < 0)
		return -1;
	r = link_get(&nl, name, &br);
	if (r < 0 && r != -ENODEV)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "bridge %s", name);
	bridge = r == 0 && strcmp(br.kind, "bridge") == 0;
	if (bridge) {
		addr = addr_get(&nl, br.index, &a, &p) == 0;
		r = link_slaves(&nl, br.index, slave_name, &slaves);
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "links on %s", name);
	}
	if (nft_list_table("inet", CHANNEL_NFT_TABLE, true, &linet, e) < 0 ||
	    nft_list_table("bridge", CHANNEL_NFT_TABLE, true, &lbridge, e) < 0)
		return -1;
	nft_each_object(linet, status_one, &si);
	nft_each_object(lbridge, status_one, &sb);
	state_read(name, &st);
	if (bridge && forwarding_get(name, &fw, NULL) < 0)
		fw = 0;
	if (st.present && st.uplink[0] && forwarding_get(st.uplink, &ufw, NULL) < 0)
		ufw = -1;

	*up = bridge && addr && (br.flags & IFF_UP) && si.chains.count && sb.chains.count;
	fprintf(out, "channel    %s: %s\n", name, *up ? "up" :
		(bridge || si.chains.count || sb.chains.count) ? "partly up" : "down");
	if (bridge) {
		char mbuf[18];

		fprintf(out, "bridge     %s %s, mac %s\n", name, br.flags & IFF_UP ? "up" : "down",
			mac_str(br.mac, mbuf));
	} else {
		fprintf(out, "bridge     none\n");
	}
	if (addr) {
		char b1[16];

		fprintf(out, "address    %s/%u\n", ipv4_str(a, b1), p);
	} else {
		fprintf(out, "address    none\n");
	}
	fprintf(out, "uplink     %s\n", st.present && st.uplink[0] ? st.uplink : "unknown");
	/* only machines' traffic: the channel's chains, and pool's guard on
	 * an uplink whose forwarding pool turned on */
	fprintf(out, "forwarding %s %s", name, fw ? "on" : "off");
	if (ufw >= 0)
		fprintf(out, ", uplink %s %s%s", st.uplink, ufw ? "on" : "off",
			ufw && st.uplink_forwarding_was == 0 ? " (pool's: it forwards only to channels)" : "");
	fputc('\n', out);
	fprintf(out, "nft        inet %s: %s\n", CHANNEL_NFT_TABLE,
		si.chains.count ? si.chains.text : "none");
	fprintf(out, "nft        bridge %s: %s\n", CHANNEL_NFT_TABLE,
		sb.chains.count ? sb.chains.text : "none");
	fprintf(out, "machines   %s\n", sb.machines.count ? sb.machines.text : "none");
	fprintf(out, "links      %s\n", slaves.count ? slaves.text : "none");
	return 0;
}

int channel_subnet(const char *name, uint32_t *net, unsigned *prefix)
{
	_cleanup_nl_ struct nl nl = { 0 };
	struct link_info br;
	uint32_t a;
	unsigned p;

	if (!valid_channel_name(name) || nl_open(&nl, NULL) < 0)
		return -1;
	if (link_get(&nl, name, &br) < 0 || strcmp(br.kind, "bridge") != 0)
		return -1;
	if (addr_get(&nl, br.index, &a, &p) < 0)
		return -1;
	*net = a & prefix_mask(p);
	*prefix = p;
	return 0;
}

/* Bridge, address and the nft objects machines join: what machine_net_add
 * needs to find. */
static bool channel_ready(const char *name)
{
	_cleanup_free_ char *linet = NULL, *lbridge = NULL;
	char set[64], chain[64];
	uint32_t net;
	unsigned prefix;

	if (channel_subnet(name, &net, &prefix) < 0 ||
	    nft_list_table("inet", CHANNEL_NFT_TABLE, true, &linet, NULL) < 0 ||
	    nft_list_table("bridge", CHANNEL_NFT_TABLE, true, &lbridge, NULL) < 0 || !linet || !lbridge)
		return false;
	snprintf(set, sizeof set, "%s_allowlan", name);
	snprintf(chain, sizeof chain, "%s_forward", name);
	return nft_has_object(linet, "set", set) && nft_has_object(linet, "chain", chain) &&
	       nft_has_object(linet, "set", "hostnets") && nft_has_object(lbridge, "map", "ports");
}

int channel_ensure_default(bool *brought, struct pool_err *e)
{
	char dir[4096], path[4200];
	_cleanup_close_ int fd = -1;
	struct channel_cfg cc;

	*brought = false;
	channel_cfg_default(&cc);
	if (channel_ready(cc.name))
		return 0;
	state_channel_path(NULL, dir, sizeof dir);
	if (mkdir_p(dir, 0755, e) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return pool_err_sys(e, "%s", path);
	/* another machine's supervisor may have brought it up meanwhile */
	if (channel_ready(cc.name))
		return 0;
	return channel_up(&cc, brought, e);
}

int channel_uplink_ipv4(const char *name, uint32_t *ip)
{
	_cleanup_nl_ struct nl nl = { 0 };
	struct channel_state st;
	struct link_info li;
	unsigned p;

	state_read(name, &st);
	if (!st.present || !st.uplink[0] || nl_open(&nl, NULL) < 0)
		return -1;
	if (link_get(&nl, st.uplink, &li) < 0 || addr_get(&nl, li.index, ip, &p) < 0)
		return -1;
	return 0;
}
