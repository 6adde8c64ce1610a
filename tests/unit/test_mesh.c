/* test_mesh.c - grants records and the lighthouses they allow, a node's
 * config.yml (golden files in tests/unit/mesh/), a machine's mesh state
 * file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/mesh/mesh.h"
#include "tests/unit/main.h"
#include "tests/unit/srcfile.h"

static void test_grants_roundtrip(void **state)
{
	const char text[] = "192.168.100.2/24 dev,ci 192.168.100.1=198.51.100.1:4242,192.168.100.101=203.0.113.10:4343 /home/a/web\n"
			    "192.168.100.3/24 - - /srv/my project\n";
	struct mesh_grants g;
	const char *why = NULL;
	size_t line;
	char *out;

	(void)state;
	assert_int_equal(mesh_grants_parse(text, strlen(text), &g, &why, &line), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.v[0].ip, 0xc0a86402u);
	assert_int_equal(g.v[0].prefix, 24);
	assert_int_equal(g.v[0].ngroups, 2);
	assert_string_equal(g.v[0].groups[1], "ci");
	assert_int_equal(g.v[0].nlighthouses, 2);
	assert_int_equal(g.v[0].lighthouses[0].overlay, 0xc0a86401u);
	assert_int_equal(g.v[0].lighthouses[0].host, 0xc6336401u);
	assert_int_equal(g.v[0].lighthouses[0].port, 4242);
	assert_int_equal(g.v[0].lighthouses[1].port, 4343);
	assert_string_equal(g.v[0].dir, "/home/a/web");
	assert_int_equal(g.v[1].ngroups, 0);
	assert_int_equal(g.v[1].nlighthouses, 0);
	assert_string_equal(g.v[1].dir, "/srv/my project");	/* the rest of the line */
	assert_non_null(mesh_grant_find(&g, "/srv/my project"));
	assert_null(mesh_grant_find(&g, "/srv/my"));
	out = mesh_grants_format(&g);
	assert_string_equal(out, text);
	free(out);
	mesh_grants_free(&g);
	assert_int_equal(mesh_grants_parse("", 0, &g, &why, &line), 0);
	assert_int_equal(g.n, 0);
}

/* An older pool's file (IP/PREFIX GROUPS DIR) reads as grants without
 * lighthouses, and is written back in the form of today. */
static void test_grants_old_file(void **state)
{
	const char old[] = "192.168.100.2/24 dev,ci /home/a/web\n"
			   "192.168.100.3/24 - /srv/my project\n"
			   "192.168.100.4/24 - /srv/-x y\n";
	struct mesh_grants g;
	const char *why = NULL;
	size_t line;
	char *out;

	(void)state;
	assert_int_equal(mesh_grants_parse(old, strlen(old), &g, &why, &line), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.v[0].ngroups, 2);
	assert_int_equal(g.v[0].nlighthouses, 0);
	assert_string_equal(g.v[0].dir, "/home/a/web");
	assert_string_equal(g.v[1].dir, "/srv/my project");
	assert_string_equal(g.v[2].dir, "/srv/-x y");
	out = mesh_grants_format(&g);
	assert_string_equal(out, "192.168.100.2/24 dev,ci - /home/a/web\n"
				 "192.168.100.3/24 - - /srv/my project\n"
				 "192.168.100.4/24 - - /srv/-x y\n");
	free(out);
	mesh_grants_free(&g);
}

static void test_grants_refused(void **state)
{
	static const struct {
		const char *text;
		size_t line;
		const char *why;
	} bad[] = {
		{ "192.168.100.2/24 dev /a\n192.168.100.3/24 dev /a\n", 2, "the folder has a grant already" },
		{ "192.168.100.2/24 dev - /a\n192.168.100.3/24 dev /a\n", 2, "the folder has a grant already" },
		{ "192.168.100.2/24 dev /a", 1, "the last line has no newline" },
		{ "192.168.100.2 dev /a\n", 1, "not an overlay address with a prefix (a.b.c.d/N, N 1..30)" },
		{ "192.168.100.2/31 dev /a\n", 1, "not an overlay address with a prefix (a.b.c.d/N, N 1..30)" },
		{ "192.168.100.2/24 dev relative\n", 1, "expected IP/PREFIX GROUPS LIGHTHOUSES DIR" },
		{ "192.168.100.2/24 dev - relative\n", 1, "the folder is not an absolute path without control characters" },
		{ "192.168.100.2/24 dev /a\tb\n", 1, "the folder is not an absolute path without control characters" },
		{ "192.168.100.2/24 dev,,ci /a\n", 1, "an empty group name" },
		{ "192.168.100.2/24 dev,dev /a\n", 1, "a group is given twice" },
		{ "192.168.100.2/24 d@v /a\n", 1, "a group name has characters other than letters, digits, '.', '_' or '-'" },
		{ "192.168.100.2/24\n", 1, "expected IP/PREFIX GROUPS LIGHTHOUSES DIR" },
		{ "\n", 1, "expected IP/PREFIX GROUPS LIGHTHOUSES DIR" },
		{ "192.168.100.2/24 dev 192.168.100.1=198.51.100.1 /a\n", 1, "not OVERLAY=HOST:PORT" },
		{ "192.168.100.2/24 dev 192.168.100.1=198.51.100.1:0 /a\n", 1, "the port is not 1..65535" },
		{ "192.168.100.2/24 dev 192.168.100.1=127.0.0.1:4242 /a\n", 1, "the host is not a unicast IPv4 address" },
		{ "192.168.100.2/24 dev 192.168.100.1=224.0.0.1:4242 /a\n", 1, "the host is not a unicast IPv4 address" },
		{ "192.168.100.2/24 dev 192.168.100.1=255.255.255.255:4242 /a\n", 1, "the host is not a unicast IPv4 address" },
		{ "192.168.100.2/24 dev 192.168.100.1=0.0.0.0:4242 /a\n", 1, "the host is not a unicast IPv4 address" },
		{ "192.168.100.2/24 dev lh=198.51.100.1:4242 /a\n", 1, "the overlay address is not a.b.c.d" },
		{ "192.168.100.2/24 dev 192.168.100.1=198.51.100.1:4242, /a\n", 1, "an empty lighthouse" },
		{ "192.168.100.2/24 dev 192.168.100.1=198.51.100.1:4242,192.168.100.1=198.51.100.2:4242 /a\n", 1,
		  "a lighthouse's overlay address is given twice" },
		{ "192.168.100.2/24 dev 192.168.100.2=198.51.100.1:4242 /a\n", 1, "a lighthouse has the grant's own address" },
		{ "192.168.100.2/24 - - /a\n192.168.100.3/24 - x /b\n", 2, "not OVERLAY=HOST:PORT" },
	};
	struct mesh_grants g;
	const char *why;
	size_t line;
	char many[2048];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		if (mesh_grants_parse(bad[i].text, strlen(bad[i].text), &g, &why, &line) == 0)
			fail_msg("parsed: %s", bad[i].text);
		assert_string_equal(why, bad[i].why);
		assert_int_equal(line, bad[i].line);
		assert_null(g.v);
		assert_int_equal(g.n, 0);
	}
	/* a NUL inside a line */
	assert_int_equal(mesh_grants_parse("192.168.100.2/24 - /a\0b\n", 24, &g, &why, &line), -1);
	assert_string_equal(why, "a NUL byte");
	/* 16 lighthouses, not 17 */
	for (int k = 16; k <= 17; k++) {
		size_t o = (size_t)snprintf(many, sizeof many, "192.168.100.200/24 - ");
		for (int i = 1; i <= k; i++)
			o += (size_t)snprintf(many + o, sizeof many - o, "%s192.168.100.%d=198.51.100.1:%d",
					      i > 1 ? "," : "", i, 4000 + i);
		snprintf(many + o, sizeof many - o, " /a\n");
		assert_int_equal(mesh_grants_parse(many, strlen(many), &g, &why, &line), k == 16 ? 0 : -1);
		if (k == 16) {
			assert_int_equal(g.v[0].nlighthouses, 16);
			mesh_grants_free(&g);
		} else {
			assert_string_equal(why, "too many lighthouses (at most 16)");
		}
	}
}

static void test_lighthouse_parse(void **state)
{
	struct mesh_lighthouse l;
	const char *why;
	char buf[MESH_LIGHTHOUSE_STR_MAX];

	(void)state;
	assert_int_equal(mesh_lighthouse_parse("192.168.100.1=198.51.100.1:4242", &l, &why), 0);
	assert_int_equal(l.overlay, 0xc0a86401u);
	assert_int_equal(l.host, 0xc6336401u);
	assert_int_equal(l.port, 4242);
	assert_string_equal(mesh_lighthouse_str(&l, buf), "192.168.100.1=198.51.100.1:4242");
	l = (struct mesh_lighthouse){ .overlay = 0xffffffffu, .host = 0xdfffffffu, .port = 65535 };
	assert_string_equal(mesh_lighthouse_str(&l, buf), "255.255.255.255=223.255.255.255:65535");
	assert_true(strlen(buf) < MESH_LIGHTHOUSE_STR_MAX);
	for (const char *const *s = (const char *const[]){ "", "=", "192.168.100.1", "192.168.100.1=198.51.100.1",
			"192.168.100.1:4242", "192.168.100.1=198.51.100.1:", "192.168.100.1=198.51.100.1:65536",
			"192.168.100.1=198.51.100.1:+1", "192.168.100.1 =198.51.100.1:4242",
			"192.168.100.1=198.51.100.1:4242:1", "192.168.100.1=host.example:4242",
			"192.168.100.1=10.0.0.300:4242", "192.168.100.1=127.0.0.53:53", "192.168.100.1=240.0.0.1:4242",
			"1:2=198.51.100.1:4242", NULL }; *s; s++)
		if (mesh_lighthouse_parse(*s, &l, &why) == 0)
			fail_msg("parsed: %s", *s);
	/* a private host is a host: the command line is trusted with it */
	assert_int_equal(mesh_lighthouse_parse("192.168.100.1=10.1.2.3:4242", &l, &why), 0);
}

/* The host decides: a spec picks among its grant's lighthouses, and this
 * host's own stands for its overlay address wherever the spec puts it. */
static void test_lighthouses_pick(void **state)
{
	struct mesh_lighthouse granted[] = {
		{ .overlay = 0xc0a86401u, .host = 0xc6336401u, .port = 4242 },	/* .1 at 198.51.100.1 */
		{ .overlay = 0xc0a86465u, .host = 0xcb00710au, .port = 4343 },	/* .101 at 203.0.113.10 */
	};
	struct mesh_grant gr = { .ip = 0xc0a86402u, .prefix = 24, .lighthouses = granted,
				 .nlighthouses = 2, .dir = "/a" };
	struct mesh_lighthouse own = { .overlay = 0xc0a86409u, .host = 0, .port = 4242 };
	struct mesh_lighthouse out[MESH_MACHINE_LIGHTHOUSES_MAX];
	struct mesh_lighthouse want[3];
	size_t refused = 99;

	(void)state;
	/* none asked: all of the grant's, then this host's own */
	assert_int_equal(mesh_lighthouses_pick(&gr, NULL, 0, &own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), 3);
	assert_int_equal(out[0].overlay, 0xc0a86401u);
	assert_int_equal(out[1].overlay, 0xc0a86465u);
	assert_int_equal(out[2].overlay, own.overlay);
	assert_int_equal(out[2].host, 0);
	assert_int_equal(mesh_lighthouses_pick(&gr, NULL, 0, NULL, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), 2);
	/* one asked, as granted: that one alone (its place in the spec kept) */
	want[0] = granted[1];
	want[0].pos.line = 7;
	assert_int_equal(mesh_lighthouses_pick(&gr, want, 1, NULL, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), 1);
	assert_int_equal(out[0].host, 0xcb00710au);
	assert_int_equal(out[0].pos.line, 7);
	/* the same overlay address elsewhere: refused, and which */
	want[0] = granted[0];
	want[1] = granted[1];
	want[1].host = 0x08080808u;
	assert_int_equal(mesh_lighthouses_pick(&gr, want, 2, &own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), -1);
	assert_int_equal(refused, 1);
	want[1] = granted[1];
	want[1].port = 53;
	assert_int_equal(mesh_lighthouses_pick(&gr, want, 2, &own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), -1);
	assert_int_equal(refused, 1);
	/* an address the grant lacks */
	want[0] = (struct mesh_lighthouse){ .overlay = 0xc0a86403u, .host = 0xc6336401u, .port = 4242 };
	assert_int_equal(mesh_lighthouses_pick(&gr, want, 1, &own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), -1);
	assert_int_equal(refused, 0);
	/* a grant without lighthouses: the spec may name none but this host's own */
	gr.nlighthouses = 0;
	assert_int_equal(mesh_lighthouses_pick(&gr, granted, 1, NULL, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), -1);
	/* this host's own, wherever the spec says it is: where it listens */
	want[0] = (struct mesh_lighthouse){ .overlay = own.overlay, .host = 0x01020304u, .port = 53 };
	assert_int_equal(mesh_lighthouses_pick(&gr, want, 1, &own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), 1);
	assert_int_equal(out[0].host, 0);
	assert_int_equal(out[0].port, 4242);
	/* ... but not without it */
	assert_int_equal(mesh_lighthouses_pick(&gr, want, 1, NULL, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), -1);
	/* a machine with the lighthouse's address does not get itself */
	gr.ip = own.overlay;
	assert_int_equal(mesh_lighthouses_pick(&gr, NULL, 0, &own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused), 0);
	/* no room: refused past the spec's entries */
	gr.ip = 0xc0a86402u;
	gr.nlighthouses = 2;
	assert_int_equal(mesh_lighthouses_pick(&gr, NULL, 0, &own, out, 2, &refused), -1);
	assert_int_equal(refused, 0);
	assert_int_equal(mesh_lighthouses_pick(&gr, granted, 2, &own, out, 2, &refused), -1);
	assert_int_equal(refused, 2);
}

static void test_groups_split(void **state)
{
	const char *why;
	char **v;
	size_t n;

	(void)state;
	assert_int_equal(mesh_groups_split("dev,ci.x,A_b-1", &v, &n, &why), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[2], "A_b-1");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	assert_int_equal(mesh_groups_split("", &v, &n, &why), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(mesh_groups_split("dev,", &v, &n, &why), -1);
	assert_int_equal(mesh_groups_split("a b", &v, &n, &why), -1);
}

static const struct mesh_lighthouse lhs[] = {
	{ .overlay = 0xc0a86401u, .host = 0xc6336401u, .port = 4242 },	/* 198.51.100.1 */
	{ .overlay = 0xc0a86465u, .host = 0xcb00710au, .port = 4343 },	/* 203.0.113.10 */
};

static void test_config_machine(void **state)
{
	static char *dev_ci[] = { "dev", "ci" };
	static const struct mesh_rule rules[] = {
		{ .port_lo = 8000, .port_hi = 8000, .proto = MESH_PROTO_TCP, .groups = dev_ci, .ngroups = 2 },
		{ .port_lo = 9000, .port_hi = 9010, .proto = MESH_PROTO_UDP, .host = "build" },
		{ .proto = MESH_PROTO_ICMP, .has_cidr = true, .cidr = 0xc0a86400u, .cidr_prefix = 24 },
	};
	static const struct mesh_addr adv[] = { { .ip = 0xc6336414u, .port = 4243 } };
	struct mesh_node n = {
		.ca = "/etc/pool/mesh/ca.crt", .cert = "/etc/pool/mesh/host.crt",
		.key = "/etc/pool/mesh/host.key", .subnet = 0xc0a86400u, .prefix = 24,
		.listen_port = 4242, .lighthouses = lhs, .nlighthouses = 2,
		.advertise = adv, .nadvertise = 1, .inbound = rules, .ninbound = 3, .has_inbound = true,
	};
	char *got = mesh_config_yaml(&n), *want = slurp_src("tests/unit/mesh/machine.yml");

	(void)state;
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_config_default_inbound(void **state)
{
	struct mesh_node n = {
		.ca = "ca.crt", .cert = "host.crt", .key = "host.key", .subnet = 0xc0a86400u, .prefix = 24,
		.listen_port = 4242, .lighthouses = lhs, .nlighthouses = 1,
	};
	char *got = mesh_config_yaml(&n);

	(void)state;
	/* ICMP from the mesh, and nothing else comes in */
	assert_non_null(strstr(got, "  inbound:\n    - port: any\n      proto: icmp\n      host: any\n"));
	assert_null(strstr(got, "proto: tcp"));
	assert_null(strstr(got, "advertise_addrs"));
	free(got);
	/* an empty list: nobody */
	n.has_inbound = true;
	got = mesh_config_yaml(&n);
	assert_non_null(strstr(got, "      cidr: 255.255.255.255/32\n"));
	assert_null(strstr(got, "host: any\n    - port"));
	free(got);
}

static void test_config_lighthouse(void **state)
{
	struct mesh_node n = {
		.ca = "/run/pool/lh-corp/ca.crt", .cert = "/run/pool/lh-corp/host.crt",
		.key = "/run/pool/lh-corp/host.key", .subnet = 0xc0a86400u, .prefix = 24,
		.listen_host = "198.51.100.1", .listen_port = 4242, .lighthouse = true,
	};
	char *got = mesh_config_yaml(&n), *want = slurp_src("tests/unit/mesh/lighthouse.yml");

	(void)state;
	assert_string_equal(got, want);
	free(got);
	free(want);
}

static void test_machine_state(void **state)
{
	struct mesh_machine mm = { .network = "corp", .ip = 0xc0a86402u, .prefix = 24,
				   .groups = "dev,ci", .port = 4243 }, back;
	char buf[512];
	int n;

	(void)state;
	n = mesh_machine_format(&mm, buf, sizeof buf);
	assert_true(n > 0);
	assert_string_equal(buf, "network=corp\nip=192.168.100.2/24\ngroups=dev,ci\nport=4243\n");
	assert_int_equal(mesh_machine_parse(buf, (size_t)n, &back), 0);
	assert_memory_equal(&back, &mm, sizeof mm);
	/* every key once, nothing else */
	assert_int_equal(mesh_machine_parse("network=corp\n", 13, &back), -1);
	assert_int_equal(mesh_machine_parse("network=corp\nip=1.2.3.4/24\ngroups=\nport=1\nx=1\n", 45, &back), -1);
	assert_int_equal(mesh_machine_parse("network=Corp\nip=1.2.3.4/24\ngroups=\nport=1\n", 41, &back), -1);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_grants_roundtrip),
	cmocka_unit_test(test_grants_old_file),
	cmocka_unit_test(test_grants_refused),
	cmocka_unit_test(test_lighthouse_parse),
	cmocka_unit_test(test_lighthouses_pick),
	cmocka_unit_test(test_groups_split),
	cmocka_unit_test(test_config_machine),
	cmocka_unit_test(test_config_default_inbound),
	cmocka_unit_test(test_config_lighthouse),
	cmocka_unit_test(test_machine_state))
