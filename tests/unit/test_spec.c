/* test_spec.c - the machine spec parser against the golden pass/fail files and the host checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/spec/reach.h"
#include "src/spec/spec.h"
#include "src/util/beneath.h"
#include "src/common/names.h"
#include "src/common/parse.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"
#include "tests/unit/srcfile.h"

#define SPEC_DIR "/srv/spec"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Parse tests/spec/pass/NAME as a user's file named NAME. */
static int parse_pass(const char *name, const struct spec_env *env, struct machine *m,
		      struct pool_err *e)
{
	char path[4096];
	size_t len;
	char *text;
	int r;

	snprintf(path, sizeof path, "%s/tests/spec/pass/%s", src_root(), name);
	text = slurp(path, &len);
	r = spec_parse(text, len, name, SPEC_DIR, env, m, e);
	free(text);
	return r;
}

/* A position in the spec: line and column, from 1. */
static void assert_pos(const struct spec_pos *p, int line, int col)
{
	assert_int_equal(p->line, line);
	assert_int_equal(p->col, col);
}

/* The golden specs are read as if the command line granted the folders
 * outside /srv/spec they name (--allow-path) and the LAN (--allow-lan),
 * and the Nix store were one only root can change. */
static const char *const pass_allow[] = { "/srv/kernels", "/nix/store", "/home/alice/src", "/etc/ssl/certs", "/var/tmp" };
static const struct spec_env pass_env = { .allow = pass_allow, .nallow = 5, .allow_lan = true };

static void load_pass(const char *name, struct machine *m)
{
	struct pool_err e = { 0 };

	if (parse_pass(name, &pass_env, m, &e) < 0)
		fail_msg("%s: %s", name, e.msg);
}

/* Load tests/spec/pass/FILE, the spec of the machine called name. */
static void load_machine(const char *file, const char *name, struct machine *m)
{
	load_pass(file, m);
	assert_string_equal(m->name, name);
}

/* Call check on each spec in tests/spec/SUB (NAME.yaml or NAME.json); return how many. */
static int each_spec(const char *sub, void (*check)(const char *dir, const char *name))
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int count = 0;

	snprintf(dir, sizeof dir, "%s/tests/spec/%s", src_root(), sub);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!has_suffix(de->d_name, ".yaml") && !has_suffix(de->d_name, ".json"))
			continue;
		check(dir, de->d_name);
		count++;
	}
	closedir(d);
	return count;
}

static void check_pass(const char *dir, const char *name)
{
	struct machine m;

	(void)dir;
	load_pass(name, &m);
	assert_true(valid_machine_name(m.name));
	assert_string_equal(m.file, name);
	assert_string_equal(m.dir, SPEC_DIR);
	assert_true(m.cpus == POOL_CPUS_AUTO || (m.cpus >= 1 && m.cpus <= POOL_CPUS_MAX));
	assert_true(m.memory >= POOL_MEMORY_MIN);
	assert_true(m.network == NET_NONE || m.has_address);
	assert_true(m.pos[KEY_NAME].line > 0);
	machine_free(&m);
}

static void test_pass_all(void **state)
{
	(void)state;
	assert_true(each_spec("pass", check_pass) >= 5);
}

static void test_pass_minimal(void **state)
{
	struct machine m;

	(void)state;
	load_machine("minimal.yaml", "dev", &m);
	assert_true(m.has_address);
	assert_int_equal(m.address, 0x0a000002u);
	assert_string_equal(m.interface, "eth0");
	assert_int_equal(m.cpus, POOL_CPUS_AUTO);
	assert_false(m.warm);
	assert_int_equal(m.memory, 512ULL << 20);
	assert_int_equal(m.image, IMAGE_HOST);
	assert_null(m.kernel);
	assert_string_equal(m.cmdline, "");
	assert_string_equal(m.channel, "pool0");
	assert_int_equal(m.network, NET_NAT);
	assert_false(m.has_allow);
	assert_int_equal(m.nusers, 1);
	assert_string_equal(m.users[0].name, "root");
	assert_null(m.users[0].hash);
	assert_int_equal(m.users[0].nkeys, 0);
	assert_null(m.users[0].shell);
	assert_int_equal(m.nshares, 0);
	assert_int_equal(m.nvolumes, 0);
	assert_true(m.ephemeral);
	assert_null(m.workdir);
	assert_int_equal(m.accel, ACCEL_AUTO);
	assert_false(m.mesh.set);
	assert_pos(&m.pos[KEY_NAME], 2, 7);
	assert_pos(&m.pos[KEY_ADDRESS], 3, 10);
	assert_int_equal(m.pos[KEY_CPUS].line, 0);
	machine_free(&m);
}

static void test_pass_full(void **state)
{
	/* full.yaml's network.allow, in its order */
	static const struct {
		const char *text;
		struct allow_rule rule;
	} allow[] = {
		{ "140.82.112.0/20:443/tcp", { 0x8c527000u, 20, 443, 6 } },
		{ "1.1.1.1:53/udp", { 0x01010101u, 32, 53, 17 } },
		{ "10.20.0.0/16", { 0x0a140000u, 16, 0, 0 } },
		{ "192.168.7.7:22", { 0xc0a80707u, 32, 22, 0 } },
	};
	struct machine m;

	(void)state;
	load_machine("full.yaml", "full-machine-01", &m);
	assert_int_equal(m.address, 0x0a00002au);
	assert_string_equal(m.interface, "enp0s4");
	assert_int_equal(m.cpus, 4);
	assert_true(m.warm);
	assert_int_equal(m.memory, 2ULL << 30);
	assert_int_equal(m.image, IMAGE_DISK);
	assert_string_equal(m.disk, SPEC_DIR "/images/root.img");
	assert_pos(&m.disk_pos, 8, 9);
	assert_string_equal(m.kernel, "/srv/kernels/vmlinuz");
	assert_string_equal(m.cmdline, "quiet loglevel=3");
	assert_string_equal(m.channel, "pool0");

	assert_int_equal(m.network, NET_NAT);
	assert_true(m.has_allow);
	assert_int_equal(m.nallow, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct allow_rule *got = &m.allow[i], *want = &allow[i].rule;

		case_int_equal(allow[i].text, got->net, want->net);
		case_int_equal(allow[i].text, got->prefix, want->prefix);
		case_int_equal(allow[i].text, got->port, want->port);
		case_int_equal(allow[i].text, got->proto, want->proto);
	}

	assert_int_equal(m.nusers, 3);
	assert_string_equal(m.users[0].name, "root");
	assert_null(m.users[0].hash);
	assert_string_equal(m.users[1].name, "alice");
	assert_int_equal(m.users[1].nkeys, 2);
	assert_string_equal(m.users[1].keys[0], "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGz alice@laptop");
	assert_string_equal(m.users[1].keys[1], "ecdsa-sha2-nistp256 AAAAE2VjZHNh alice@phone");
	assert_string_equal(m.users[1].hash,
			    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7");
	assert_string_equal(m.users[1].shell, "nu");
	assert_pos(&m.users[1].pos, 21, 3);
	assert_string_equal(m.users[2].name, "_build");
	assert_string_equal(m.users[2].shell, "/bin/sh");
	assert_null(m.users[2].hash);

	assert_int_equal(m.nshares, 2);
	assert_string_equal(m.shares[0].source, SPEC_DIR);
	assert_string_equal(m.shares[0].target, "/code");
	assert_false(m.shares[0].readonly);
	assert_int_equal(m.shares[0].pos.line, 30);
	assert_pos(&m.shares[0].source_pos, 30, 14);
	assert_string_equal(m.shares[1].source, "/etc/ssl/certs");
	assert_string_equal(m.shares[1].target, "/etc/ssl/certs");
	assert_true(m.shares[1].readonly);

	assert_int_equal(m.nvolumes, 2);
	assert_string_equal(m.volumes[0].path, SPEC_DIR "/data.img");
	assert_int_equal(m.volumes[0].size, 2ULL << 30);
	assert_string_equal(m.volumes[0].target, "/var/lib/data");
	assert_string_equal(m.volumes[1].path, "/var/tmp/cache.img");
	assert_int_equal(m.volumes[1].size, 512ULL << 20);
	assert_null(m.volumes[1].target);

	assert_false(m.ephemeral);
	assert_string_equal(m.workdir, "/code");
	assert_int_equal(m.accel, ACCEL_KVM);
	assert_true(m.mesh.set);
	assert_string_equal(m.mesh.network, "corp");
	assert_int_equal(m.mesh.ip, 0xc0a86402u);
	assert_int_equal(m.mesh.prefix, 24);
	assert_int_equal(m.mesh.ngroups, 2);
	assert_string_equal(m.mesh.groups[0], "dev");
	assert_string_equal(m.mesh.groups[1], "ci");
	assert_int_equal(m.mesh.nlighthouses, 1);
	assert_int_equal(m.mesh.lighthouses[0].overlay, 0xc0a86401u);
	assert_int_equal(m.mesh.lighthouses[0].host, 0xc633640au);	/* 198.51.100.10 */
	assert_int_equal(m.mesh.lighthouses[0].port, 4242);
	assert_true(m.mesh.has_inbound);
	assert_int_equal(m.mesh.ninbound, 3);
	assert_int_equal(m.mesh.inbound[0].port_lo, 8000);
	assert_int_equal(m.mesh.inbound[0].port_hi, 8000);
	assert_int_equal(m.mesh.inbound[0].proto, MESH_PROTO_TCP);
	assert_int_equal(m.mesh.inbound[0].ngroups, 2);
	assert_string_equal(m.mesh.inbound[0].groups[1], "ci");
	assert_int_equal(m.mesh.inbound[1].port_lo, 9000);
	assert_int_equal(m.mesh.inbound[1].port_hi, 9010);
	assert_int_equal(m.mesh.inbound[1].proto, MESH_PROTO_UDP);
	assert_string_equal(m.mesh.inbound[1].host, "build");
	assert_int_equal(m.mesh.inbound[2].port_lo, 0);
	assert_int_equal(m.mesh.inbound[2].proto, MESH_PROTO_ICMP);
	assert_true(m.mesh.inbound[2].has_cidr);
	assert_int_equal(m.mesh.inbound[2].cidr, 0xc0a86400u);
	assert_int_equal(m.mesh.inbound[2].cidr_prefix, 24);
	assert_int_equal(m.mesh.ip_pos.line, 43);

	assert_pos(&m.pos[KEY_MESH], 42, 3);
	machine_free(&m);
	/* machine_free leaves it empty */
	assert_null(m.users);
	assert_int_equal(m.nusers, 0);
	assert_int_equal(m.name[0], '\0');
}

static void test_pass_nix_json(void **state)
{
	struct machine m;

	(void)state;
	load_machine("nix.json", "nixbox", &m);
	assert_int_equal(m.address, 0x0a000009u);
	assert_int_equal(m.cpus, 2);
	assert_int_equal(m.memory, 1ULL << 30);
	assert_int_equal(m.image, IMAGE_NIXOS);
	assert_string_equal(m.nixos.kernel, "/nix/store/ghi-linux/bzImage");
	assert_string_equal(m.nixos.initrd, "/nix/store/def-initrd/initrd");
	assert_string_equal(m.nixos.init, "/nix/store/abc-nixos-system/init");
	assert_string_equal(m.nixos.store, "/nix/store");
	assert_null(m.kernel);
	assert_true(m.has_allow);
	assert_int_equal(m.nallow, 2);
	assert_int_equal(m.allow[0].net, 0);
	assert_int_equal(m.allow[0].prefix, 0);
	assert_int_equal(m.allow[0].port, 443);
	assert_int_equal(m.allow[1].prefix, 32);
	/* keys come sorted from Nix: alice before root */
	assert_int_equal(m.nusers, 2);
	assert_string_equal(m.users[0].name, "alice");
	assert_string_equal(m.users[0].shell, "bash");
	assert_string_equal(m.users[1].name, "root");
	assert_int_equal(m.nshares, 1);
	assert_string_equal(m.shares[0].source, "/home/alice/src");
	assert_int_equal(m.nvolumes, 0);
	assert_true(m.ephemeral);
	assert_int_equal(m.pos[KEY_CPUS].line, 1);
	machine_free(&m);
}

static void test_pass_none_and_flow(void **state)
{
	struct machine m;

	(void)state;
	load_machine("none.yaml", "offline", &m);
	assert_false(m.has_address);
	assert_int_equal(m.network, NET_NONE);
	assert_int_equal(m.image, IMAGE_MINIMAL);
	assert_int_equal(m.nusers, 0);
	assert_int_equal(m.cpus, 64);
	assert_int_equal(m.memory, 64ULL << 20);
	machine_free(&m);

	load_machine("flow.yaml", "flow", &m);
	assert_int_equal(m.address, 0x0a0000feu);
	assert_string_equal(m.interface, "eth1");
	assert_int_equal(m.memory, 1ULL << 30);
	assert_int_equal(m.network, NET_ISOLATED);
	assert_string_equal(m.channel, "pool1");
	assert_int_equal(m.accel, ACCEL_TCG);
	assert_string_equal(m.shares[0].source, SPEC_DIR "/src");
	assert_string_equal(m.shares[0].target, "/work/src");
	assert_string_equal(m.users[0].keys[0], "sk-ssh-ed25519@openssh.com AAAAGnNr root@key");
	machine_free(&m);

	/* names in allow: lowercase, tcp when a port is given; ports */
	load_pass("egress.yaml", &m);
	assert_int_equal(m.nallow, 5);
	assert_string_equal(m.allow[0].name, "registry.npmjs.org");
	assert_int_equal(m.allow[0].port, 443);
	assert_int_equal(m.allow[0].proto, 6);
	assert_string_equal(m.allow[1].name, "*.github.com");
	assert_int_equal(m.allow[1].proto, 6);
	assert_string_equal(m.allow[2].name, "ntp.example.org");
	assert_int_equal(m.allow[2].proto, 17);
	assert_string_equal(m.allow[3].name, "mirror.example.net");
	assert_int_equal(m.allow[3].port, 0);
	assert_int_equal(m.allow[3].proto, 0);
	assert_null(m.allow[4].name);
	assert_int_equal(m.allow[4].net, 0x01010101u);
	assert_int_equal(m.nports, 3);
	assert_int_equal(m.ports[0].host_ip, 0x7f000001u);
	assert_int_equal(m.ports[0].host_port, 8080);
	assert_int_equal(m.ports[0].guest_port, 8000);
	assert_int_equal(m.ports[0].proto, 6);
	assert_int_equal(m.ports[1].guest_port, 53);
	assert_int_equal(m.ports[1].proto, 17);
	assert_int_equal(m.ports[2].host_ip, 0x7f000002u);
	machine_free(&m);
}

/* dir/NAME.yaml is refused with the message in dir/NAME.err. */
static void check_fail(const char *dir, const char *name)
{
	struct pool_err e = { 0 };
	struct machine m;
	char path[8192];
	char *text, *want;
	size_t len, wlen;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	text = slurp(path, &len);
	snprintf(path, sizeof path, "%s/%.*s.err", dir, (int)(strlen(name) - 5), name);
	want = slurp(path, &wlen);
	while (wlen && want[wlen - 1] == '\n')
		want[--wlen] = '\0';

	memset(&m, 0x5a, sizeof m);
	if (spec_parse(text, len, name, SPEC_DIR, NULL, &m, &e) == 0)
		fail_msg("%s: parsed, expected: %s", name, want);
	if (strcmp(e.msg, want) != 0)
		fail_msg("%s:\n  got:      %s\n  expected: %s", name, e.msg, want);
	assert_int_equal(e.status, POOL_EXIT_USAGE);
	assert_null(strchr(e.msg, '\n'));
	/* left empty */
	assert_null(m.file);
	assert_null(m.users);
	assert_int_equal(m.name[0], '\0');
	free(text);
	free(want);
}

static void test_fail_all(void **state)
{
	(void)state;
	assert_true(each_spec("fail", check_fail) >= 35);
}

static int lab_subnet(const char *channel, uint32_t *net, unsigned *prefix, void *ctx)
{
	int *calls = ctx;

	(*calls)++;
	if (strcmp(channel, "lab0") != 0)
		return -1;
	*net = 0xc0a83200u;	/* 192.168.50.0/23 */
	*prefix = 23;
	return 0;
}

static int parse_str(const char *text, const struct spec_env *env, struct machine *m,
		     struct pool_err *e)
{
	return spec_parse(text, strlen(text), "pool.yaml", SPEC_DIR, env, m, e);
}

static void test_channel_subnet(void **state)
{
	int calls = 0;
	struct spec_env env = { lab_subnet, &calls };
	struct pool_err e = { 0 };
	struct machine m;

	(void)state;
	assert_int_equal(parse_str("name: a\naddress: 192.168.51.7\nchannel: lab0\n", &env, &m, &e), 0);
	assert_true(calls > 0);
	assert_int_equal(m.address, 0xc0a83307u);
	machine_free(&m);

	assert_int_equal(parse_str("name: a\nchannel: lab0\naddress: 10.0.0.2\n", &env, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:10: address: 10.0.0.2 is outside channel lab0 (192.168.50.0/23)");
	assert_int_equal(parse_str("name: a\nchannel: lab0\naddress: 192.168.51.255\n", &env, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:10: address: 192.168.51.255 is the broadcast address of channel lab0 (192.168.50.0/23)");
	assert_int_equal(parse_str("name: a\nchannel: lab0\naddress: 192.168.50.1\n", &env, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:10: address: 192.168.50.1 is the host's own address on channel lab0 (192.168.50.0/23)");

	/* a channel the host does not have is refused: only the default one
	 * comes up by itself, with the default subnet */
	assert_int_equal(parse_str("name: a\nchannel: other\naddress: 10.0.0.3\n", &env, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:2:10: channel: other is not up (pool brings up only pool0 by itself): make it first with sudo pool channel up other --subnet CIDR");
	assert_int_equal(e.status, POOL_EXIT_USAGE);
	assert_int_equal(parse_str("name: a\nchannel: pool0\naddress: 10.0.0.3\n", &env, &m, &e), 0);
	machine_free(&m);
	assert_int_equal(parse_str("name: a\naddress: 10.0.0.3\n", &env, &m, &e), 0);
	assert_string_equal(m.channel, "pool0");
	machine_free(&m);
	/* an isolated machine joins a channel too; one without a network none */
	assert_int_equal(parse_str("name: a\nchannel: other\nnetwork: isolated\naddress: 10.0.0.3\n", &env, &m, &e), -1);
	assert_int_equal(parse_str("name: a\nchannel: other\nnetwork: none\n", &env, &m, &e), 0);
	machine_free(&m);
	/* no address needed without a network, and then none is checked */
	assert_int_equal(parse_str("name: a\nnetwork: none\naddress: 172.16.0.1\n", NULL, &m, &e), 0);
	assert_true(m.has_address);
	machine_free(&m);
}

static void test_allow_reach(void **state)
{
	static const struct reach_range hostnets[] = { { 0xc0000200u, 24, "the host's subnet" } };
	struct spec_env env = { .hostnets = hostnets, .nhostnets = 1 };
	struct pool_err e = { 0 };
	struct machine m;

	(void)state;
	/* the host's own subnet needs --allow-lan like the LAN's ranges */
	assert_int_equal(parse_str("name: a\naddress: 10.0.0.3\nnetwork: {mode: nat, allow: [\"192.0.2.3:80/tcp\"]}\n",
				   &env, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:30: network.allow[0]: \"192.0.2.3:80/tcp\" is in the host's subnet 192.0.2.0/24: a spec reaches the LAN only when the command line says --allow-lan");
	/* the internet needs nothing, and a wider entry stays */
	assert_int_equal(parse_str("name: a\naddress: 10.0.0.3\nnetwork: {mode: nat, allow: [198.51.100.2, 0.0.0.0/0]}\n",
				   &env, &m, &e), 0);
	assert_false(m.allow_lan);
	machine_free(&m);
	/* --allow-lan: the host's subnet and the LAN, not loopback */
	env.allow_lan = true;
	assert_int_equal(parse_str("name: a\naddress: 10.0.0.3\nnetwork: {mode: nat, allow: [\"192.0.2.3:80/tcp\", 169.254.169.254, 10.1.0.0/16]}\n",
				   &env, &m, &e), 0);
	assert_true(m.allow_lan);
	assert_int_equal(m.nallow, 3);
	machine_free(&m);
	assert_int_equal(parse_str("name: a\naddress: 10.0.0.3\nnetwork: {mode: nat, allow: [127.0.0.1]}\n",
				   &env, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:30: network.allow[0]: \"127.0.0.1\" is loopback: no machine reaches it");
	/* the embedded default takes --allow-lan too */
	assert_int_equal(spec_default("/srv/proj", &env, &m, &e), 0);
	assert_true(m.allow_lan);
	machine_free(&m);
}

static void test_odd_inputs(void **state)
{
	static const char nul_text[] = "name: dev\naddress: 10.0.0.2\ncmdline: \"a\\0b\"\n";
	struct pool_err e = { 0 };
	struct machine m;
	char *big;
	size_t i;

	(void)state;
	/* a NUL byte in a value, and raw bytes in the buffer after len */
	assert_int_equal(parse_str(nul_text, NULL, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:10: cmdline: contains a NUL byte");
	assert_int_equal(spec_parse("name: dev\naddress: 10.0.0.2\nXXX", 28, "p.yaml", SPEC_DIR, NULL,
				    &m, &e), 0);
	machine_free(&m);
	/* quoting and escapes */
	if (parse_str("name: dev\naddress: 10.0.0.2\ncmdline: 'it''s \"x\"'\n"
		      "workdir: \"/w\\u00e9 \\\"q\\\"\"\n", NULL, &m, &e) < 0)
		fail_msg("%s", e.msg);
	assert_string_equal(m.cmdline, "it's \"x\"");
	assert_string_equal(m.workdir, "/w\xc3\xa9 \"q\"");
	machine_free(&m);
	/* the text itself must be UTF-8 without control characters */
	assert_int_equal(parse_str("name: dev\naddress: 10.0.0.2\ncmdline: a\xff\n", NULL, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:11: not valid UTF-8 text");
	assert_int_equal(parse_str("name: dev\naddress: 10.0.0.2\ncmdline: \xc0\xaf\n", NULL, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:3:10: not valid UTF-8 text");
	assert_int_equal(parse_str("name: d\x01" "ev\n", NULL, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:1:8: control character 0x01 in the text");
	assert_int_equal(spec_parse("name: dev\0\n", 11, "p.yaml", SPEC_DIR, NULL, &m, &e), -1);
	assert_string_equal(e.msg, "p.yaml:1:10: control character 0x00 in the text");
	/* NULL text is an empty spec */
	assert_int_equal(spec_parse(NULL, 0, "p.yaml", SPEC_DIR, NULL, &m, &e), -1);
	assert_string_equal(e.msg, "p.yaml:1:1: the spec is empty (at least name: is needed)");

	/* deep nesting stops early */
	big = malloc(4096);
	assert_non_null(big);
	strcpy(big, "name: ");
	for (i = 0; i < 100; i++)
		strcat(big, "[");
	assert_int_equal(parse_str(big, NULL, &m, &e), -1);
	assert_non_null(strstr(e.msg, "nested too deeply"));
	free(big);

	/* too many users */
	big = malloc(1 << 16);
	assert_non_null(big);
	strcpy(big, "name: dev\naddress: 10.0.0.2\nusers:\n");
	for (i = 0; i < 65; i++)
		sprintf(big + strlen(big), "  u%zu: {}\n", i);
	assert_int_equal(parse_str(big, NULL, &m, &e), -1);
	assert_string_equal(e.msg, "pool.yaml:4:3: users: too many users (at most 64)");
	free(big);
}

static void test_pass_hashed(void **state)
{
	static const char text[] =
		"name: dev\n"
		"address: 10.0.0.2\n"
		"users:\n"
		"  alice:\n"
		"    pass: \"correct horse\"\n";
	struct pool_err e = { 0 };
	struct machine m;
	struct crypt_data *cd;
	char log[4096];
	const char *h;
	FILE *tmp;
	int saved;
	size_t n;

	(void)state;
	/* catch the warning on stderr */
	tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	assert_int_equal(parse_str(text, NULL, &m, &e), 0);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(log, 1, sizeof log - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	assert_non_null(strstr(log, "pool.yaml:5:11: users.alice.pass: plain-text password accepted; store `hash:` instead (pool mkpasswd)"));

	assert_int_equal(m.nusers, 1);
	assert_non_null(m.users[0].hash);
	assert_memory_equal(m.users[0].hash, "$y$", 3);
	cd = calloc(1, sizeof *cd);
	assert_non_null(cd);
	h = crypt_r("correct horse", m.users[0].hash, cd);
	assert_non_null(h);
	assert_string_equal(h, m.users[0].hash);
	h = crypt_r("correct horsf", m.users[0].hash, cd);
	assert_true(!h || strcmp(h, m.users[0].hash) != 0);
	free(cd);
	machine_free(&m);
}

static void test_default(void **state)
{
	static const struct {
		const char *cwd, *name;
	} cases[] = {
		/* the base name made a name, then the path's hash: sha256sum */
		{ "/home/alice/src/My_Project.v2", "my-project-v2-beae69" },
		{ "/home/alice/web/", "web-925495" },
		{ "/home/alice/web", "web-925495" },
		{ "/home/bob/web", "web-1ca65c" },	/* another folder, another machine */
		{ "/srv/123abc", "m-123abc-69a5bd" },
		{ "/srv/_x", "m--x-3bc715" },
		{ "/srv/lh-tools", "m-lh-tools-184dd4" },	/* lh- is a lighthouse's */
		{ "/srv/abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxy-4693c7" },
		{ "/srv/9abcdefghijklmnopqrstuvwxyz0123456789", "m-9abcdefghijklmnopqrstuv-ddef2b" },
		{ "/srv/caf\xc3\xa9", "caf---9e472a" },
	};
	struct pool_err e = { 0 };
	struct machine m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(spec_default(cases[i].cwd, NULL, &m, &e), 0);
		assert_string_equal(m.name, cases[i].name);
		assert_true(valid_machine_name(m.name));
		machine_free(&m);
	}

	assert_int_equal(spec_default("/home/alice/web", NULL, &m, &e), 0);
	assert_false(m.has_address);
	assert_int_equal(m.image, IMAGE_HOST);
	assert_int_equal(m.network, NET_NAT);
	assert_int_equal(m.nshares, 1);
	assert_string_equal(m.shares[0].source, "/home/alice/web");
	assert_string_equal(m.shares[0].target, "/home/alice/web");
	assert_false(m.shares[0].readonly);
	assert_string_equal(m.workdir, "/home/alice/web");
	assert_int_equal(m.nusers, 1);
	assert_string_equal(m.users[0].name, "root");
	assert_null(m.users[0].hash);
	assert_string_equal(m.file, "<default>");
	assert_string_equal(m.dir, "/home/alice/web");
	assert_int_equal(m.cpus, POOL_CPUS_AUTO);
	assert_false(m.warm);
	assert_int_equal(m.memory, 512ULL << 20);
	assert_string_equal(m.interface, "eth0");
	assert_string_equal(m.channel, "pool0");
	assert_true(m.ephemeral);
	assert_string_equal(m.cmdline, "");
	machine_free(&m);

	/* the guest's own folders cannot be shared */
	assert_int_equal(spec_default("/", NULL, &m, &e), -1);
	assert_int_equal(e.status, POOL_EXIT_USAGE);
	assert_int_equal(spec_default("/proc/self", NULL, &m, &e), -1);
	assert_int_equal(spec_default("relative/dir", NULL, &m, &e), -1);
	assert_null(m.file);
	/* /procfoo is not /proc */
	assert_int_equal(spec_default("/procfoo", NULL, &m, &e), 0);
	machine_free(&m);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Parse text with dir, then run the host checks; return the message ("" on success). */
static const char *host_check(const char *dir, const char *text, struct pool_err *e)
{
	struct machine m;
	int r;

	if (spec_parse(text, strlen(text), "h.yaml", dir, NULL, &m, e) < 0)
		fail_msg("parse: %s", e->msg);
	r = spec_check_host(&m, NULL, e);
	machine_free(&m);
	if (r == 0)
		return "";
	assert_int_equal(e->status, POOL_EXIT_USAGE);
	return e->msg;
}

static void test_check_host(void **state)
{
	/* H, then spec; refused with where, the folder, what */
	static const struct {
		const char *spec, *where, *what;
	} refused[] = {
		{ "shares:\n  - {source: src, target: /a}\n  - {source: missing, target: /b}\n",
		  "h.yaml:5:14: shares[1].source: ", "/missing does not exist" },
		{ "shares:\n  - source: file\n    target: /a\n",
		  "h.yaml:4:13: shares[0].source: ", "/file is not a folder" },
		{ "volumes:\n  - {path: nodir/v.img, size: 1G}\n",
		  "h.yaml:4:12: volumes[0].path: folder ", "/nodir does not exist" },
		{ "volumes:\n  - {path: vol, size: 1G}\n",
		  "h.yaml:4:12: volumes[0].path: ", "/vol exists and is not a regular file" },
		{ "image: {disk: root.img}\n", "h.yaml:3:15: image.disk: ", "/root.img does not exist" },
		{ "image: {nixos: {kernel: vmlinuz, initrd: initrd, init: /init, store: src}}\n",
		  "h.yaml:3:42: image.nixos.initrd: ", "/initrd does not exist" },
		{ "image: {nixos: {kernel: vmlinuz, initrd: vmlinuz, init: /init, store: file}}\n",
		  "h.yaml:3:71: image.nixos.store: ", "/file is not a folder" },
		{ "kernel: ./nokernel\n", "h.yaml:3:9: kernel: ", "/nokernel does not exist" },
	};
	char dir[] = "/tmp/pool-test-spec-XXXXXX";
	char path[4096], want[8192];
	struct pool_err e = { 0 };
	const char *H = "name: dev\naddress: 10.0.0.2\n";
	char text[2048];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/src", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/file", dir);
	write_text(path, "x");
	snprintf(path, sizeof path, "%s/vol", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/vmlinuz", dir);
	write_text(path, "k");

	snprintf(text, sizeof text, "%sshares:\n  - {source: src, target: /a}\n"
		 "volumes:\n  - {path: new.img, size: 1G}\n  - {path: file, size: 1G}\n"
		 "kernel: vmlinuz\n", H);
	assert_string_equal(host_check(dir, text, &e), "");

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		snprintf(text, sizeof text, "%s%s", H, refused[i].spec);
		snprintf(want, sizeof want, "%s%s%s", refused[i].where, dir, refused[i].what);
		assert_string_equal(host_check(dir, text, &e), want);
	}

	/* the default spec has no positions */
	{
		struct machine m;

		snprintf(path, sizeof path, "%s/gone", dir);
		assert_int_equal(spec_default(path, NULL, &m, &e), 0);
		assert_int_equal(spec_check_host(&m, NULL, &e), -1);
		snprintf(want, sizeof want, "<default>: shares[0].source: %s does not exist", path);
		assert_string_equal(e.msg, want);
		machine_free(&m);
	}

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_spec_load(void **state)
{
	char dir[] = "/tmp/pool-test-load-XXXXXX";
	char path[8192], real[PATH_MAX];
	struct pool_err e = { 0 };
	struct machine m;
	FILE *f;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(realpath(dir, real));
	snprintf(path, sizeof path, "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/sub/../pool.yaml", dir);
	write_text(path, "name: loaded\naddress: 10.0.0.3\nshares: [{source: data, target: /d}]\n");
	assert_int_equal(spec_load(path, NULL, &m, &e), 0);
	assert_string_equal(m.name, "loaded");
	assert_string_equal(m.file, path);
	assert_string_equal(m.dir, real);
	snprintf(path, sizeof path, "%s/data", real);
	assert_string_equal(m.shares[0].source, path);
	machine_free(&m);

	/* missing file */
	snprintf(path, sizeof path, "%s/none.yaml", dir);
	assert_int_equal(spec_load(path, NULL, &m, &e), -1);
	assert_int_equal(e.status, POOL_EXIT_USAGE);

	/* over 1 MiB */
	snprintf(path, sizeof path, "%s/big.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("name: big\naddress: 10.0.0.3\n", f);
	for (i = 0; i < (1u << 20) / 8 + 1; i++)
		fputs("#comment", f);
	fclose(f);
	assert_int_equal(spec_load(path, NULL, &m, &e), -1);
	assert_int_equal(e.status, POOL_EXIT_USAGE);
	assert_null(m.file);

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* A spec's folder renamed and replaced after the spec was read: its
 * paths still open in the folder the spec came from. */
static void test_spec_folder_held(void **state)
{
	char dir[] = "/tmp/pool-test-held-XXXXXX";
	char path[8192], real[PATH_MAX], got[64];
	struct pool_err e = { 0 };
	struct machine m;
	const char *why = NULL;
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(realpath(dir, real));
	snprintf(path, sizeof path, "%s/proj", real);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/proj/file", real);
	write_text(path, "the project's");
	snprintf(path, sizeof path, "%s/secret", real);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof path, "%s/secret/file", real);
	write_text(path, "someone else's");
	snprintf(path, sizeof path, "%s/proj/pool.yaml", real);
	write_text(path, "name: held\naddress: 10.0.0.3\n");
	assert_int_equal(spec_load(path, NULL, &m, &e), 0);
	/* the race: the folder moves away, another takes its name */
	snprintf(path, sizeof path, "mv '%1$s/proj' '%1$s/proj.orig' && ln -s secret '%1$s/proj'", real);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof path, "%s/file", m.dir);
	fd = spec_path_open(&m, NULL, path, O_RDONLY, 0, BENEATH_FILE, &why);
	assert_true(fd >= 0);
	n = read(fd, got, sizeof got - 1);
	assert_true(n > 0);
	got[n] = '\0';
	assert_string_equal(got, "the project's");
	close(fd);
	machine_free(&m);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static void test_strings(void **state)
{
	(void)state;
	assert_string_equal(image_kind_str(IMAGE_MINIMAL), "minimal");
	assert_string_equal(image_kind_str(IMAGE_HOST), "host");
	assert_string_equal(image_kind_str(IMAGE_DISK), "disk");
	assert_string_equal(image_kind_str(IMAGE_NIXOS), "nixos");
	assert_string_equal(net_mode_str(NET_NAT), "nat");
	assert_string_equal(net_mode_str(NET_ISOLATED), "isolated");
	assert_string_equal(net_mode_str(NET_NONE), "none");
	assert_string_equal(accel_mode_str(ACCEL_AUTO), "auto");
	assert_string_equal(accel_mode_str(ACCEL_KVM), "kvm");
	assert_string_equal(accel_mode_str(ACCEL_TCG), "tcg");
}

static void test_pass_warm(void **state)
{
	struct machine m;

	(void)state;
	load_pass("warm.yaml", &m);
	assert_int_equal(m.cpus, POOL_CPUS_AUTO);
	assert_true(m.warm);
	assert_int_equal(m.pos[KEY_WARM].line, 6);
	machine_free(&m);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_pass_all),
	cmocka_unit_test(test_pass_warm),
	cmocka_unit_test(test_pass_minimal),
	cmocka_unit_test(test_pass_full),
	cmocka_unit_test(test_pass_nix_json),
	cmocka_unit_test(test_pass_none_and_flow),
	cmocka_unit_test(test_fail_all),
	cmocka_unit_test(test_channel_subnet),
	cmocka_unit_test(test_allow_reach),
	cmocka_unit_test(test_odd_inputs),
	cmocka_unit_test(test_pass_hashed),
	cmocka_unit_test(test_default),
	cmocka_unit_test(test_check_host),
	cmocka_unit_test(test_spec_load),
	cmocka_unit_test(test_spec_folder_held),
	cmocka_unit_test(test_strings))
