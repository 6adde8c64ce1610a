/* channel.c - bring a channel up and down, and add or remove machines on it. */
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "common/names.h"
#include "link.h"
#include "mac.h"
#include "nft.h"
#include "nl.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/parse.h"

#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

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
	int forwarding_was;	/* 0, 1, or -1: unknown */
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
	st->forwarding_was = -1;
	state_channel_path(name, path, sizeof path);
	if (read_file(path, 4096, &text, &len, &e) < 0)
		return;
	st->present = true;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "uplink=", 7) == 0 && valid_ifname(line + 7))
			snprintf(st->uplink, sizeof st->uplink, "%s", line + 7);
		else if (strcmp(line, "forwarding_was=0") == 0)
			st->forwarding_was = 0;
		else if (strcmp(line, "forwarding_was=1") == 0)
			st->forwarding_was = 1;
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
	n = snprintf(text, sizeof text, "uplink=%s\nforwarding_was=%d\n", st->uplink,
		     st->forwarding_was < 0 ? 1 : st->forwarding_was);
	return write_file_atomic(path, text, (size_t)n, 0644, e);
}

/* Whether a channel other than name has a state file. */
static bool other_channels(const char *name)
{
	struct channel_state st;
	struct dirent *de;
	bool found = false;
	char dir[4096];
	DIR *d;

	state_channel_path(NULL, dir, sizeof dir);
	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (!valid_channel_name(de->d_name) || strcmp(de->d_name, name) == 0)
			continue;
		state_read(de->d_name, &st);
		if (st.present)
			found = true;
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

static int forwarding_get(int *on, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (read_file(IP_FORWARD, 64, &text, &len, e) < 0)
		return -1;
	*on = text[0] == '1';
	return 0;
}

static int forwarding_set(int on, struct pool_err *e)
{
	_cleanup_close_ int fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write_all(fd, on ? "1\n" : "0\n", 2) < 0)
		return pool_err_sys(e, "%s", IP_FORWARD);
	return 0;
}

/* ---- nft listings ---- */

static bool owned_by(const char *object, const char *channel)
{
	size_t n = strlen(channel);

	return strncmp(object, channel, n) == 0 && object[n] == '_';
}

/* ---- the channel's nft objects ---- */

static void channel_script(FILE *f, const char *c, const char *up, uint32_t net, unsigned prefix)
{
	char nbuf[16], cidr[24];
	const char *t = CHANNEL_NFT_TABLE;

	snprintf(cidr, sizeof cidr, "%s/%u", ipv4_str(net, nbuf), prefix);
	fprintf(f,
		"add table inet %2$s\n"
		"add table bridge %2$s\n"
		/* machines with full nat, and those limited to an allow list */
		"add set inet %2$s %1$s_nat { type ipv4_addr; }\n"
		"add map inet %2$s %1$s_allow { type ipv4_addr : verdict; }\n"
		/* mesh machines: address -> jump to the machine's mesh chain */
		"add map inet %2$s %1$s_mesh { type ipv4_addr : verdict; }\n"
		/* the host: DHCP, and replies to what the host opened */
		"add chain inet %2$s %1$s_input { type filter hook input priority filter; policy accept; }\n"
		"flush chain inet %2$s %1$s_input\n"
		"add rule inet %2$s %1$s_input iifname \"%1$s\" ct state established,related accept\n"
		"add rule inet %2$s %1$s_input iifname \"%1$s\" udp sport 68 udp dport 67 accept\n"
		/* a mesh machine's own chain (machine_net.c): the host lighthouse */
		"add rule inet %2$s %1$s_input iifname \"%1$s\" ip saddr vmap @%1$s_mesh\n"
		"add rule inet %2$s %1$s_input iifname \"%1$s\" drop\n"
		/* out through the uplink only; nothing between machines */
		"add chain inet %2$s %1$s_forward { type filter hook forward priority filter; policy accept; }\n"
		"flush chain inet %2$s %1$s_forward\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" oifname \"%3$s\" ip saddr @%1$s_nat accept\n"
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" oifname \"%3$s\" ip saddr vmap @%1$s_allow\n"
		/* a mesh machine's own chain: its lighthouses, its forwarded port */
		"add rule inet %2$s %1$s_forward iifname \"%1$s\" ip saddr vmap @%1$s_mesh\n"
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

int channel_up(const struct channel_cfg *c, bool *changed, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	_cleanup_free_ char *before = NULL, *after = NULL, *script = NULL;
	struct channel_state st;
	struct link_info br;
	uint32_t gw = c->subnet + 1, a;
	unsigned p;
	char uplink[16], b1[16], b2[16];
	bool created = false, fw_set = false;
	size_t slen;
	uint8_t mac[6];
	FILE *f;
	int r, fw;

	*changed = false;
	if (check_cfg(c, e) < 0 || nl_open(&nl, e) < 0)
		return -1;
	if (resolve_uplink(&nl, c, uplink, e) < 0)
		return -1;

	r = link_get(&nl, c->name, &br);
	if (r == -ENODEV) {
		mac_from_ipv4(gw, mac);
		r = link_bridge_create(&nl, c->name, mac);
		if (r < 0)
			return pool_err_set(e, POOL_EXIT_FAIL, -r, "creating bridge %s", c->name);
		created = *changed = true;
		r = link_get(&nl, c->name, &br);
	}
	if (r < 0)
		return pool_err_set(e, POOL_EXIT_FAIL, -r, "bridge %s", c->name);
	if (strcmp(br.kind, "bridge") != 0)
		return pool_err_fail(e, "%s exists and is not a bridge; not touching it", c->name);

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

	state_read(c->name, &st);
	if (forwarding_get(&fw, e) < 0)
		goto undo;
	if (!st.present)
		st.forwarding_was = fw;
	if (!fw) {
		if (forwarding_set(1, e) < 0)
			goto undo;
		fw_set = *changed = true;
	}

	if (ruleset_snapshot(&before, e) < 0)
		goto undo;
	f = open_memstream(&script, &slen);
	if (!f) {
		pool_err_sys(e, "nft script");
		goto undo;
	}
	channel_script(f, c->name, uplink, c->subnet, c->prefix);
	if (nft_run_stream(f, &script, e) < 0) {
		pool_err_wrap(e, "channel %s", c->name);
		goto undo;
	}
	if (ruleset_snapshot(&after, e) < 0)
		return -1;
	if (strcmp(before, after) != 0)
		*changed = true;

	if (!st.present || strcmp(st.uplink, uplink) != 0) {
		*changed = true;
		snprintf(st.uplink, sizeof st.uplink, "%s", uplink);
		if (state_write(c->name, &st, e) < 0)
			return -1;
	}
	return 0;

undo:
	/* Leave nothing this call made: a half-made channel is worse than none. */
	if (fw_set)
		forwarding_set(0, NULL);
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
	char tap[16];

	if (!owned_by(name, t->channel)) {
		/* names without "_" are shared by all channels */
		if (t->pass == 0 && strchr(name, '_'))
			t->others++;
		return;
	}
	if (t->pass == 0)
		t->mine++;
	if (t->pass == 0 && chain) {
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
 * whole table when nothing else is in it. Returns how many were found. */
static int teardown_script(const char *channel, const char *family, FILE *f, struct pool_err *e)
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
	return t.mine;
}

int channel_down(const char *name, bool *was_up, struct pool_err *e)
{
	_cleanup_nl_ struct nl nl = { 0 };
	_cleanup_free_ char *script = NULL;
	struct names slaves = { 0 };
	struct channel_state st;
	struct link_info br;
	bool bridge = false;
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

	f = open_memstream(&script, &slen);
	if (!f)
		return pool_err_sys(e, "nft script");
	n1 = teardown_script(name, "inet", f, e);
	n2 = n1 < 0 ? -1 : teardown_script(name, "bridge", f, e);
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

	state_read(name, &st);
	if (st.present && st.forwarding_was == 0 && !other_channels(name)) {
		if (forwarding_set(0, e) < 0)
			return -1;
	}
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
	char b1[16], mbuf[18];
	uint32_t a = 0;
	unsigned p = 0;
	bool bridge = false, addr = false;
	int r, fw = 0;

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
	if (forwarding_get(&fw, e) < 0)
		return -1;

	*up = bridge && addr && (br.flags & IFF_UP) && si.chains.count && sb.chains.count;
	fprintf(out, "channel    %s: %s\n", name, *up ? "up" :
		(bridge || si.chains.count || sb.chains.count) ? "partly up" : "down");
	if (bridge)
		fprintf(out, "bridge     %s %s, mac %s\n", name, br.flags & IFF_UP ? "up" : "down",
			mac_str(br.mac, mbuf));
	else
		fprintf(out, "bridge     none\n");
	if (addr)
		fprintf(out, "address    %s/%u\n", ipv4_str(a, b1), p);
	else
		fprintf(out, "address    none\n");
	fprintf(out, "uplink     %s\n", st.present && st.uplink[0] ? st.uplink : "unknown");
	fprintf(out, "forwarding %s\n", fw ? "on" : "off");
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
