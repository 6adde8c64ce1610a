/* test_mesh.c - grants records, a node's config.yml (golden files in
 * tests/unit/mesh/), a machine's mesh state file. */
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
	const char text[] = "192.168.100.2/24 dev,ci /home/a/web\n"
			    "192.168.100.3/24 - /srv/my project\n";
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
	assert_string_equal(g.v[0].dir, "/home/a/web");
	assert_int_equal(g.v[1].ngroups, 0);
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

static void test_grants_refused(void **state)
{
	static const struct {
		const char *text;
		size_t line;
		const char *why;
	} bad[] = {
		{ "192.168.100.2/24 dev /a\n192.168.100.3/24 dev /a\n", 2, "the folder has a grant already" },
		{ "192.168.100.2/24 dev /a", 1, "the last line has no newline" },
		{ "192.168.100.2 dev /a\n", 1, "not an overlay address with a prefix (a.b.c.d/N, N 1..30)" },
		{ "192.168.100.2/31 dev /a\n", 1, "not an overlay address with a prefix (a.b.c.d/N, N 1..30)" },
		{ "192.168.100.2/24 dev relative\n", 1, "the folder is not an absolute path without control characters" },
		{ "192.168.100.2/24 dev /a\tb\n", 1, "the folder is not an absolute path without control characters" },
		{ "192.168.100.2/24 dev,,ci /a\n", 1, "an empty group name" },
		{ "192.168.100.2/24 dev,dev /a\n", 1, "a group is given twice" },
		{ "192.168.100.2/24 d@v /a\n", 1, "a group name has characters other than letters, digits, '.', '_' or '-'" },
		{ "192.168.100.2/24\n", 1, "expected IP/PREFIX GROUPS DIR" },
		{ "\n", 1, "expected IP/PREFIX GROUPS DIR" },
	};
	struct mesh_grants g;
	const char *why;
	size_t line;

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
	cmocka_unit_test(test_grants_refused),
	cmocka_unit_test(test_groups_split),
	cmocka_unit_test(test_config_machine),
	cmocka_unit_test(test_config_default_inbound),
	cmocka_unit_test(test_config_lighthouse),
	cmocka_unit_test(test_machine_state))
