/* test_plan.c - plan_build against the host's kernel and busybox; the boot image
 * and the machine's initrd, read back with GNU cpio. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/image/initramfs.h"
#include "src/image/kmod.h"
#include "src/plan.h"
#include "src/spec/spec.h"
#include "src/util/cleanup.h"
#include "src/util/fsutil.h"
#include "src/util/strv.h"
#include "src/vmm/vmm.h"
#include "tests/unit/main.h"

#define SANDBOX "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"
#define HASH_ROOT "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7"
#define HASH_ALICE "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/"

static char tmpdir[64];
static char init_path[128];
static bool have_host;		/* a /boot kernel with modules and /bin/busybox */

static const char spec_text[] =
	"name: plan-test\n"
	"image: minimal\n"
	"network: none\n"
	"memory: 256M\n"
	"cpus: 2\n"
	"cmdline: \"foo=bar\"\n";

static void put(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static bool host_kernel_present(void)
{
	DIR *d = opendir("/boot");
	struct dirent *de;
	bool ok = false;

	if (!d)
		return false;
	while (!ok && (de = readdir(d))) {
		char mod[PATH_MAX], kernel[PATH_MAX];
		struct stat st;

		if (strncmp(de->d_name, "vmlinuz-", 8) != 0)
			continue;
		snprintf(mod, sizeof mod, "/lib/modules/%s/modules.dep", de->d_name + 8);
		snprintf(kernel, sizeof kernel, "/boot/%s", de->d_name);
		/* Debian's /boot/vmlinuz-* is 0600: an unprivileged run skips */
		ok = stat(mod, &st) == 0 && access(kernel, R_OK) == 0;
	}
	closedir(d);
	return ok && access("/bin/busybox", X_OK) == 0 && system("cpio --version >/dev/null 2>&1") == 0;
}

static int setup(void **state)
{
	char p[160];

	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/pool-test-plan.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(init_path, sizeof init_path, "%s/pool-init", tmpdir);
	put(init_path, "pretend pool-init v1\n", 21);
	setenv("POOL_INIT", init_path, 1);
	setenv("POOL_BUSYBOX", "/bin/busybox", 1);
	snprintf(p, sizeof p, "%s/cache", tmpdir);
	setenv("POOL_CACHE_DIR", p, 1);
	snprintf(p, sizeof p, "%s/state", tmpdir);
	setenv("POOL_STATE_DIR", p, 1);
	setenv("POOL_ACCEL", "tcg", 1);
	setenv("POOL_QEMU", "/opt/test/qemu-system-x86_64", 1);
	unsetenv("POOL_KERNEL");
	have_host = host_kernel_present();
	return 0;
}

static int teardown(void **state)
{
	struct pool_err e = { 0 };

	(void)state;
	return rm_rf(tmpdir, &e);
}

static void parse(const char *text, struct machine *m)
{
	struct pool_err e = { 0 };

	if (spec_parse(text, strlen(text), "test.yaml", tmpdir, NULL, m, &e) < 0)
		fail_msg("spec_parse: %s", e.msg);
}

static void build(const struct machine *m, enum plan_mode mode, struct plan *p)
{
	struct pool_err e = { 0 };

	if (plan_build(m, mode, NULL, p, &e) < 0)
		fail_msg("plan_build: %s", e.msg);
	if (vmm_argv(p, &e) < 0)
		fail_msg("vmm_argv: %s", e.msg);
}

/* The PLAN_RUN plan of spec text, on a host with a kernel (else the test is skipped). */
static void host_plan(const char *text, struct machine *m, struct plan *p)
{
	if (!have_host)
		skip();
	parse(text, m);
	build(m, PLAN_RUN, p);
}

/* Index of the argument after `flag` whose value is `val`, or -1. */
static long find_pair(const struct strv *v, const char *flag, const char *val)
{
	for (size_t i = 0; i + 1 < v->n; i++)
		if (strcmp(v->v[i], flag) == 0 && strcmp(v->v[i + 1], val) == 0)
			return (long)i;
	return -1;
}

static void want_pair(const struct strv *v, const char *flag, const char *val)
{
	if (find_pair(v, flag, val) < 0)
		fail_msg("argv lacks %s %s", flag, val);
}

static const char *value_of(const struct strv *v, const char *flag)
{
	for (size_t i = 0; i + 1 < v->n; i++)
		if (strcmp(v->v[i], flag) == 0)
			return v->v[i + 1];
	return NULL;
}

/* "kernel/drivers/virtio/virtio_mmio.ko(.xz)" -> "virtio_mmio", '-' as '_'. */
static void mod_name(const char *path, char *out, size_t cap)
{
	const char *b = strrchr(path, '/');
	size_t n;

	b = b ? b + 1 : path;
	n = strcspn(b, ".");
	if (n >= cap)
		n = cap - 1;
	for (size_t i = 0; i < n; i++)
		out[i] = b[i] == '-' ? '_' : b[i];
	out[n] = '\0';
}

static long index_of_name(const struct strv *mods, const char *name)
{
	char n[128];

	for (size_t i = 0; i < mods->n; i++) {
		mod_name(mods->v[i], n, sizeof n);
		if (strcmp(n, name) == 0)
			return (long)i;
	}
	return -1;
}

/* The dependencies modules.dep gives for `mod` (a line "mod: a b c"),
 * as a strv; the test reads the file itself. */
static void deps_of(const char *dep, const char *mod, struct strv *out)
{
	size_t ml = strlen(mod);

	for (const char *l = dep; *l; ) {
		const char *eol = strchr(l, '\n');
		size_t ll = eol ? (size_t)(eol - l) : strlen(l);

		if (ll > ml && strncmp(l, mod, ml) == 0 && l[ml] == ':') {
			char line[8192], *tok, *save = NULL;

			assert_true(ll < sizeof line);
			memcpy(line, l + ml + 1, ll - ml - 1);
			line[ll - ml - 1] = '\0';
			for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
				assert_int_equal(strv_add(out, tok), 0);
			return;
		}
		l = eol ? eol + 1 : l + ll;
	}
	fail_msg("%s is not in modules.dep", mod);
}

/* The plan's modules for machine m, whose devices are d: every module d
 * calls for that is not built in is there; each comes after everything
 * modules.dep says it needs; the list holds nothing else, so it ends with
 * a wanted module. */
static void check_modules(const struct machine *m, const struct image_devices *d, struct plan *p)
{
	struct pool_err e = { 0 };
	_cleanup_free_ char *dep = NULL, *builtin = NULL;
	size_t deplen, builtinlen = 0, nwant;
	const char *want[IMAGE_MODULES_MAX];
	char path[PATH_MAX + 32];
	long last_wanted = -1;

	build(m, PLAN_RUN, p);
	snprintf(path, sizeof path, "%s/modules.dep", p->moddir);
	assert_int_equal(read_file(path, 64u << 20, &dep, &deplen, &e), 0);
	snprintf(path, sizeof path, "%s/modules.builtin", p->moddir);
	if (read_file(path, 64u << 20, &builtin, &builtinlen, &e) < 0)
		builtin = NULL;
	assert_true(p->modules.n > 0);
	nwant = image_modules(d, want);
	for (size_t w = 0; w < nwant; w++) {
		long at = index_of_name(&p->modules, want[w]);
		char b[160];

		snprintf(b, sizeof b, "/%s.ko", want[w]);
		if (builtin && strstr(builtin, b)) {
			assert_int_equal(at, -1);
			continue;
		}
		if (at < 0)
			fail_msg("wanted module %s is not in the plan", want[w]);
		if (at > last_wanted)
			last_wanted = at;
	}
	assert_int_equal(last_wanted, (long)p->modules.n - 1);
	for (size_t i = 0; i < p->modules.n; i++) {
		struct strv deps = { 0 };

		for (size_t j = i + 1; j < p->modules.n; j++)
			assert_string_not_equal(p->modules.v[i], p->modules.v[j]);
		deps_of(dep, p->modules.v[i], &deps);
		for (size_t k = 0; k < deps.n; k++) {
			bool before = false;

			for (size_t j = 0; j < i; j++)
				before |= strcmp(p->modules.v[j], deps.v[k]) == 0;
			if (!before)
				fail_msg("%s comes before its dependency %s", p->modules.v[i], deps.v[k]);
		}
		strv_free(&deps);
	}
	/* the case that matters most: virtio_mmio after virtio */
	if (index_of_name(&p->modules, "virtio") >= 0 && index_of_name(&p->modules, "virtio_mmio") >= 0)
		assert_true(index_of_name(&p->modules, "virtio") < index_of_name(&p->modules, "virtio_mmio"));
}

/* -accel tcg with a host thread per vCPU and the plan's translation cache. */
static void want_tcg(const struct plan *p)
{
	char want[64];

	snprintf(want, sizeof want, "tcg,thread=multi,tb-size=%u", p->tb_mib);
	assert_true(p->tb_mib >= 128 && p->tb_mib <= 1024);
	want_pair(&p->argv, "-accel", want);
}

static void test_plan_cpus_and_tb(void **state)
{
	(void)state;
	assert_int_equal(plan_cpus(3, 64), 3);	/* the spec's number, as is */
	assert_int_equal(plan_cpus(64, 2), 64);
	assert_int_equal(plan_cpus(POOL_CPUS_AUTO, 2), 2);	/* auto: the host's cores */
	assert_int_equal(plan_cpus(POOL_CPUS_AUTO, 1), 1);
	assert_int_equal(plan_cpus(POOL_CPUS_AUTO, 128), PLAN_CPUS_AUTO_MAX);	/* capped */
	assert_int_equal(plan_cpus(POOL_CPUS_AUTO, -1), 1);	/* unknown: one */
	assert_int_equal(plan_tb_mib(24 * 1024), 1024);
	assert_int_equal(plan_tb_mib(4 * 1024), 512);
	assert_int_equal(plan_tb_mib(512), 128);
	assert_int_equal(plan_tb_mib(0), 128);
}

static void test_plan_kernel_and_modules(void **state)
{
	static const struct image_devices none = { 0 }, all = { .nic = true, .shares = true, .volumes = true };
	struct machine m = { 0 }, full = { 0 };
	struct plan p, pf;
	char path[PATH_MAX + 32], spec[1024];
	struct stat st;

	(void)state;
	if (!have_host)
		skip();
	parse(spec_text, &m);
	check_modules(&m, &none, &p);

	/* the kernel: a /boot file whose suffix is its version */
	assert_int_equal(stat(p.kernel, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(strncmp(p.kernel, "/boot/vmlinuz-", 14), 0);
	assert_string_equal(p.kernel + 14, p.kernel_version);
	snprintf(path, sizeof path, "/lib/modules/%s", p.kernel_version);
	assert_string_equal(p.moddir, path);

	/* no NIC, no share, no volume: none of their drivers */
	assert_int_equal(index_of_name(&p.modules, "virtio_net"), -1);
	assert_int_equal(index_of_name(&p.modules, "virtiofs"), -1);
	assert_int_equal(index_of_name(&p.modules, "virtio_blk"), -1);
	assert_true(index_of_name(&p.modules, "virtio_console") >= 0);

	/* a NIC, a share and a volume: each one's driver */
	snprintf(path, sizeof path, "%s/code", tmpdir);
	mkdir(path, 0755);
	snprintf(spec, sizeof spec,
		 "name: plan-full\nimage: minimal\naddress: 10.0.0.9\n"
		 "shares:\n  - {source: code, target: /code}\n"
		 "volumes:\n  - {path: data.img, size: 64M, target: /data}\n");
	parse(spec, &full);
	check_modules(&full, &all, &pf);
	assert_true(index_of_name(&pf.modules, "virtio_net") >= 0);
	assert_true(index_of_name(&pf.modules, "virtiofs") >= 0);
	assert_true(index_of_name(&pf.modules, "virtio_blk") >= 0);
	/* and so another image */
	assert_string_not_equal(p.image_hash, pf.image_hash);

	plan_free(&p);
	plan_free(&pf);
	machine_free(&m);
	machine_free(&full);
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static void test_plan_image_hash(void **state)
{
	struct machine m = { 0 };
	struct plan p1, p2, p3, p4;

	(void)state;
	host_plan(spec_text, &m, &p1);
	build(&m, PLAN_UP, &p2);
	assert_true(is_hex64(p1.image_hash));
	assert_string_equal(p1.image_hash, p2.image_hash);
	assert_true(strstr(p1.image_path, p1.image_hash) != NULL);

	/* new pool-init bytes, same size: a new image */
	put(init_path, "pretend pool-init v2\n", 21);
	build(&m, PLAN_RUN, &p3);
	assert_true(is_hex64(p3.image_hash));
	assert_string_not_equal(p1.image_hash, p3.image_hash);

	/* back to the old bytes: the old image again */
	put(init_path, "pretend pool-init v1\n", 21);
	build(&m, PLAN_RUN, &p4);
	assert_string_equal(p1.image_hash, p4.image_hash);

	plan_free(&p1);
	plan_free(&p2);
	plan_free(&p3);
	plan_free(&p4);
	machine_free(&m);
}

static void test_plan_argv_and_cmdline(void **state)
{
	struct machine m = { 0 };
	struct plan p, up;
	const char *append;
	size_t cl;

	(void)state;
	host_plan(spec_text, &m, &p);

	assert_string_equal(p.argv.v[0], "/opt/test/qemu-system-x86_64");
	want_pair(&p.argv, "-smp", "2");
	want_pair(&p.argv, "-m", "256M");
	want_tcg(&p);
	assert_int_equal(p.accel.mode, ACCEL_TCG);
	/* the memory cgroup's limit: the guest's, QEMU's, TCG's cache */
	assert_int_equal(vmm_memory_limit(&p), (256ULL + VMM_OVERHEAD_MIB + p.tb_mib) << 20);
	p.accel.mode = ACCEL_KVM;
	assert_int_equal(vmm_memory_limit(&p), (256ULL + VMM_OVERHEAD_MIB) << 20);
	p.accel.mode = ACCEL_TCG;
	assert_non_null(value_of(&p.argv, "-sandbox"));
	assert_string_equal(value_of(&p.argv, "-sandbox"), SANDBOX);
	want_pair(&p.argv, "-kernel", "/proc/self/fd/5");
	want_pair(&p.argv, "-initrd", "/proc/self/fd/6");
	assert_null(p.argv.v[p.argv.n]);

	/* the command line: named, console off for run, the spec's words last */
	assert_non_null(strstr(p.cmdline, "pool.name=plan-test"));
	assert_non_null(strstr(p.cmdline, "pool.console=0"));
	cl = strlen(p.cmdline);
	assert_true(cl > 8);
	assert_string_equal(p.cmdline + cl - 8, " foo=bar");
	append = value_of(&p.argv, "-append");
	assert_non_null(append);
	assert_string_equal(append, p.cmdline);

	build(&m, PLAN_UP, &up);
	assert_non_null(strstr(up.cmdline, "pool.console=1"));
	assert_null(strstr(up.cmdline, "pool.console=0"));
	assert_string_equal(value_of(&up.argv, "-append"), up.cmdline);

	plan_free(&p);
	plan_free(&up);
	machine_free(&m);
}

static void test_plan_tcg_over_kvm_spec(void **state)
{
	struct machine m = { 0 };
	struct plan p;
	char text[sizeof spec_text + 32];

	(void)state;
	if (!have_host)
		skip();
	/* POOL_ACCEL=tcg beats the spec's accel: kvm, even where kvm is missing */
	snprintf(text, sizeof text, "%saccel: kvm\n", spec_text);
	parse(text, &m);
	build(&m, PLAN_RUN, &p);
	want_tcg(&p);
	assert_non_null(strstr(p.accel.why, "POOL_ACCEL"));
	plan_free(&p);
	machine_free(&m);
}

static void test_plan_print(void **state)
{
	struct machine m = { 0 };
	struct plan p;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	char want[4096];

	(void)state;
	host_plan(spec_text, &m, &p);
	f = open_memstream(&out, &len);
	assert_non_null(f);
	plan_print(&p, f);
	vmm_print(&p, f);
	assert_int_equal(fclose(f), 0);

	snprintf(want, sizeof want, "accel       %s\n", p.accel.why);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, p.kernel));
	assert_non_null(strstr(out, p.image_hash));
	/* the argv as a shell would take it: the command line quoted */
	snprintf(want, sizeof want, " /opt/test/qemu-system-x86_64 -M ");
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, " -sandbox %s ", SANDBOX);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, " -kernel /proc/self/fd/5 -initrd /proc/self/fd/6 -append '%s'\n",
		 p.cmdline);
	assert_non_null(strstr(out, want));
	free(out);
	plan_free(&p);
	machine_free(&m);
}

/* Run a shell command, its stdout into a strv of lines. */
static int run_lines(const char *cmd, struct strv *out)
{
	FILE *f = popen(cmd, "r");
	char line[4096];

	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(strv_add(out, line), 0);
	}
	return pclose(f);
}

/* `cpio -itv` line for `name`, or NULL. GNU cpio ends a line with
 * " NAME" or " NAME -> TARGET". */
static const char *listed(const struct strv *v, const char *name, const char *target)
{
	char tail[4200];
	size_t tl;

	if (target)
		snprintf(tail, sizeof tail, " %s -> %s", name, target);
	else
		snprintf(tail, sizeof tail, " %s", name);
	tl = strlen(tail);
	for (size_t i = 0; i < v->n; i++) {
		size_t l = strlen(v->v[i]);

		if (l >= tl && strcmp(v->v[i] + l - tl, tail) == 0)
			return v->v[i];
	}
	return NULL;
}

static void make_image(const struct plan *p, char *path, size_t cap, bool *built)
{
	struct image_inputs in = {
		.init = p->paths.init, .busybox = p->paths.busybox, .moddir = p->moddir,
		.modules = &p->modules, .applets = &p->applets,
	};
	struct pool_err e = { 0 };

	if (image_ensure(p->paths.cache, &in, p->image_hash, path, cap, built, &e) < 0)
		fail_msg("image_ensure: %s", e.msg);
}

static void test_image_ensure(void **state)
{
	struct machine m = { 0 };
	struct plan p;
	char path[PATH_MAX], cmd[PATH_MAX + 64];
	bool built;
	struct stat st;
	struct strv ls = { 0 }, list = { 0 };
	const char *l;

	(void)state;
	host_plan(spec_text, &m, &p);
	make_image(&p, path, sizeof path, &built);
	assert_true(built);
	assert_string_equal(path, p.image_path);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	snprintf(cmd, sizeof cmd, "cpio -itv --quiet < '%s'", path);
	assert_int_equal(run_lines(cmd, &ls), 0);
	assert_non_null((l = listed(&ls, "init", NULL)));
	assert_int_equal(l[0], '-');
	assert_non_null((l = listed(&ls, "bin/busybox", NULL)));
	assert_int_equal(l[0], '-');
	assert_non_null((l = listed(&ls, "bin/sh", "/bin/busybox")));
	assert_int_equal(l[0], 'l');
	assert_non_null((l = listed(&ls, "sbin/shutdown", "/init")));
	assert_int_equal(l[0], 'l');
	assert_non_null((l = listed(&ls, "sbin/init", "/init")));	/* pool-init, not busybox's */
	assert_null(listed(&ls, "sbin/init", "/bin/busybox"));
	assert_non_null(listed(&ls, "lib/modules/pool.list", NULL));
	for (size_t i = 0; i < p.modules.n; i++) {
		char name[PATH_MAX];

		snprintf(name, sizeof name, "lib/modules/%s", p.modules.v[i]);
		if (!(l = listed(&ls, name, NULL)) || l[0] != '-')
			fail_msg("%s is not a file in the image", name);
	}

	/* pool.list: the modules, one a line, in load order */
	snprintf(cmd, sizeof cmd, "cpio -i --quiet --to-stdout lib/modules/pool.list < '%s'", path);
	assert_int_equal(run_lines(cmd, &list), 0);
	assert_int_equal(list.n, p.modules.n);
	for (size_t i = 0; i < list.n; i++)
		assert_string_equal(list.v[i], p.modules.v[i]);

	/* the same inputs again: nothing to do, the same file */
	make_image(&p, path, sizeof path, &built);
	assert_false(built);
	assert_string_equal(path, p.image_path);

	strv_free(&ls);
	strv_free(&list);
	plan_free(&p);
	machine_free(&m);
}

static void test_machine_initrd(void **state)
{
	static const char text[] =
		"name: plan-test\n"
		"image: minimal\n"
		"network: none\n"
		"workdir: /code\n"
		"users:\n"
		"  root:\n"
		"    hash: \"" HASH_ROOT "\"\n"
		"  alice:\n"
		"    hash: \"" HASH_ALICE "\"\n";
	struct machine m = { 0 };
	struct plan p;
	struct pool_err e = { 0 };
	char image[PATH_MAX], initrd[PATH_MAX], second[PATH_MAX], xdir[PATH_MAX], f[PATH_MAX + 32];
	char cmd[3 * PATH_MAX];
	bool built;
	int fd, seals;
	struct stat st, ist;
	_cleanup_free_ char *all = NULL, *base = NULL, *shadow = NULL, *passwd = NULL, *env = NULL;
	size_t alllen, baselen, len;

	(void)state;
	host_plan(text, &m, &p);
	make_image(&p, image, sizeof image, &built);

	fd = image_machine_initrd(image, &m, "usr /usr ro\n", false, NULL, NULL, 0, &e);
	if (fd < 0)
		fail_msg("image_machine_initrd: %s", e.msg);
	/* in memory, sealed: nobody changes it after it is made */
	seals = fcntl(fd, F_GET_SEALS);
	assert_true(seals >= 0);
	assert_int_equal(seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
			 F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(initrd, sizeof initrd, "/proc/self/fd/%d", fd);

	/* the cached image first, unchanged; then the machine's archive */
	assert_int_equal(stat(image, &ist), 0);
	assert_int_equal(read_file(initrd, 256u << 20, &all, &alllen, &e), 0);
	assert_int_equal(read_file(image, 256u << 20, &base, &baselen, &e), 0);
	assert_int_equal(baselen, (size_t)ist.st_size);
	assert_true(alllen > baselen);
	assert_memory_equal(all, base, baselen);
	assert_int_equal(baselen % 4, 0);	/* the kernel wants the next header aligned */
	assert_memory_equal(all + baselen, "070701", 6);

	snprintf(second, sizeof second, "%s/second.cpio", tmpdir);
	put(second, all + baselen, alllen - baselen);
	snprintf(xdir, sizeof xdir, "%s/x", tmpdir);
	assert_int_equal(mkdir(xdir, 0700), 0);
	snprintf(cmd, sizeof cmd, "cd '%s' && cpio -idm --quiet < '%s'", xdir, second);
	assert_int_equal(system(cmd), 0);

	snprintf(f, sizeof f, "%s/etc/shadow", xdir);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(read_file(f, 65536, &shadow, &len, &e), 0);
	assert_non_null(strstr(shadow, "root:" HASH_ROOT ":"));
	assert_non_null(strstr(shadow, "\nalice:" HASH_ALICE ":"));

	snprintf(f, sizeof f, "%s/etc/passwd", xdir);
	assert_int_equal(read_file(f, 65536, &passwd, &len, &e), 0);
	assert_int_equal(strncmp(passwd, "root:x:0:0:", 11), 0);
	assert_non_null(strstr(passwd, "\nalice:x:1000:1000:"));
	assert_null(strstr(passwd, "$y$"));	/* hashes stay in shadow */

	snprintf(f, sizeof f, "%s/etc/pool/env", xdir);
	assert_int_equal(read_file(f, 65536, &env, &len, &e), 0);
	assert_non_null(strstr(env, "POOL_WORKDIR=/code\n"));

	/* and the first archive holds no shadow */
	snprintf(cmd, sizeof cmd, "cpio -it --quiet < '%s' | grep -qx etc/shadow", image);
	assert_int_not_equal(system(cmd), 0);

	close(fd);
	plan_free(&p);
	machine_free(&m);
}

/* The entries of one newc archive at buf[0..len): "PATH MODE" lines
 * into out, one per entry, up to the trailer. */
static size_t newc_list(const char *buf, size_t len, char (*out)[256], unsigned *modes, size_t max)
{
	size_t off = 0, n = 0;

	while (off + 110 <= len && n < max) {
		char f[9];
		unsigned long mode, fsize, nsize;

		assert_memory_equal(buf + off, "070701", 6);
		memcpy(f, buf + off + 14, 8);
		f[8] = '\0';
		mode = strtoul(f, NULL, 16);
		memcpy(f, buf + off + 54, 8);
		fsize = strtoul(f, NULL, 16);
		memcpy(f, buf + off + 94, 8);
		nsize = strtoul(f, NULL, 16);
		assert_true(nsize > 0 && nsize < 256 && off + 110 + nsize <= len);
		if (strcmp(buf + off + 110, "TRAILER!!!") == 0)
			break;
		snprintf(out[n], 256, "%s", buf + off + 110);
		modes[n++] = (unsigned)mode;
		off = (off + 110 + nsize + 3) & ~(size_t)3;
		off = (off + fsize + 3) & ~(size_t)3;
	}
	return n;
}

static bool newc_has(char (*names)[256], const unsigned *modes, size_t n, const char *path,
		     unsigned type)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], path) == 0 && (modes[i] & S_IFMT) == type)
			return true;
	return false;
}

/* Image host's /etc: every entry's folder is in the archive (the kernel
 * skips an entry whose parent is missing), the CA store is there, and
 * what holds the host's keys or credentials is not. */
static void test_machine_initrd_host_etc(void **state)
{
	static const char text[] = "name: plan-test\nimage: minimal\nnetwork: none\n";
	static char names[4096][256];
	static unsigned modes[4096];
	struct machine m = { 0 };
	struct pool_err e = { 0 };
	char empty[PATH_MAX], path[PATH_MAX];
	_cleanup_free_ char *all = NULL;
	size_t len, n;
	int fd;

	(void)state;
	parse(text, &m);
	snprintf(empty, sizeof empty, "%s/empty.cpio", tmpdir);
	put(empty, "", 0);
	fd = image_machine_initrd(empty, &m, "", true, NULL, NULL, 0, &e);
	if (fd < 0)
		fail_msg("image_machine_initrd: %s", e.msg);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	assert_int_equal(read_file(path, 256u << 20, &all, &len, &e), 0);
	n = newc_list(all, len, names, modes, 4096);
	assert_true(n > 10 && n < 4096);
	for (size_t i = 0; i < n; i++) {
		char parent[256];
		char *slash;

		snprintf(parent, sizeof parent, "%s", names[i]);
		slash = strrchr(parent, '/');
		if (!slash)
			continue;
		*slash = '\0';
		if (!newc_has(names, modes, n, parent, S_IFDIR))
			fail_msg("%s is in the archive, its folder %s is not", names[i], parent);
	}
	if (access("/etc/ssl/certs/ca-certificates.crt", R_OK) == 0) {
		assert_true(newc_has(names, modes, n, "etc/ssl", S_IFDIR));
		assert_true(newc_has(names, modes, n, "etc/ssl/certs", S_IFDIR));
		assert_true(newc_has(names, modes, n, "etc/ssl/certs/ca-certificates.crt", S_IFREG));
	}
	if (access("/etc/ssl/openssl.cnf", R_OK) == 0)
		assert_true(newc_has(names, modes, n, "etc/ssl/openssl.cnf", S_IFREG));
	for (size_t i = 0; i < n; i++) {
		assert_false(strncmp(names[i], "etc/ssl/private", 15) == 0);
		assert_false(strcmp(names[i], "etc/npmrc") == 0 || strcmp(names[i], "etc/gitconfig") == 0 ||
			     strcmp(names[i], "etc/environment") == 0 ||
			     strncmp(names[i], "etc/profile.d", 13) == 0);
	}
	close(fd);
	machine_free(&m);
}

/* plan_hash of spec text (parsed, planned) as uid 1000; mode as given. */
static void hash_of(const char *text, enum plan_mode mode, uid_t uid, char hex[65])
{
	static const gid_t groups[] = { 1000, 27 };
	struct pool_err e = { 0 };
	struct machine m = { 0 };
	struct plan p;

	parse(text, &m);
	build(&m, mode, &p);
	assert_int_equal(plan_hash(&p, uid, 1000, groups, 2, hex, &e), 0);
	assert_int_equal(strlen(hex), 64);
	plan_free(&p);
	machine_free(&m);
}

static void test_plan_hash(void **state)
{
	char base[65], h[65], spec[1024], code[PATH_MAX], old[PATH_MAX + 8];

	(void)state;
	if (!have_host)
		skip();
	snprintf(code, sizeof code, "%s/hcode", tmpdir);
	mkdir(code, 0755);
#define SPEC(extra) (snprintf(spec, sizeof spec, "name: h1\nimage: minimal\nnetwork: none\nmemory: 256M\n" \
			      "shares:\n  - {source: hcode, target: /code}\n%s", extra), spec)
	hash_of(SPEC(""), PLAN_RUN, 1000, base);
	hash_of(SPEC(""), PLAN_RUN, 1000, h);
	assert_string_equal(base, h);				/* the same plan, the same hash */
	hash_of(SPEC("warm: true\n"), PLAN_RUN, 1000, h);
	assert_string_equal(base, h);				/* not warm: */
	hash_of(SPEC(""), PLAN_UP, 1000, h);
	assert_string_not_equal(base, h);			/* an up's machine is not a run's */
	hash_of(SPEC(""), PLAN_RUN, 1001, h);
	assert_string_not_equal(base, h);			/* nor another user's */
	hash_of(SPEC("cpus: 3\n"), PLAN_RUN, 1000, h);
	assert_string_not_equal(base, h);
	hash_of(SPEC("cmdline: quiet\n"), PLAN_RUN, 1000, h);
	assert_string_not_equal(base, h);
	/* a pass: is salted anew at each load, and hashes the same */
	hash_of(SPEC("users:\n  root: {pass: s3cret}\n"), PLAN_RUN, 1000, base);
	hash_of(SPEC("users:\n  root: {pass: s3cret}\n"), PLAN_RUN, 1000, h);
	assert_string_equal(base, h);
	hash_of(SPEC("users:\n  root: {pass: other}\n"), PLAN_RUN, 1000, h);
	assert_string_not_equal(base, h);
	/* the share's folder replaced at the same path: another plan */
	hash_of(SPEC(""), PLAN_RUN, 1000, base);
	snprintf(old, sizeof old, "%s.old", code);
	assert_int_equal(rename(code, old), 0);
	assert_int_equal(mkdir(code, 0755), 0);
	hash_of(SPEC(""), PLAN_RUN, 1000, h);
	assert_string_not_equal(base, h);
	/* and its files changing do not change it (the share is live) */
	hash_of(SPEC(""), PLAN_RUN, 1000, base);
	snprintf(old, sizeof old, "%s/f", code);
	put(old, "x", 1);
	hash_of(SPEC(""), PLAN_RUN, 1000, h);
	assert_string_equal(base, h);
#undef SPEC
}

/* What a spare serves must be what the run asks for: every setting that
 * changes the machine changes the hash, and the same text hashes the same
 * (the positive control of each pair). */
static void hash_differs(const char *a, const char *b)
{
	char ha[65], ha2[65], hb[65];

	hash_of(a, PLAN_RUN, 1000, ha);
	hash_of(a, PLAN_RUN, 1000, ha2);
	assert_string_equal(ha, ha2);
	hash_of(b, PLAN_RUN, 1000, hb);
	if (strcmp(ha, hb) == 0)
		fail_msg("the same plan hash for\n%s\nand\n%s", a, b);
}

static void test_plan_hash_covers(void **state)
{
	char code[PATH_MAX];

	(void)state;
	if (!have_host)
		skip();
	snprintf(code, sizeof code, "%s/hcode", tmpdir);
	mkdir(code, 0755);
#define NET "name: h2\nimage: minimal\nmemory: 256M\naddress: 10.0.0.42\n"
	/* an allow list's names: the machine's resolver opens what they answer */
	hash_differs(NET "network: {mode: nat, allow: [a.example.com]}\n",
		     NET "network: {mode: nat, allow: [b.example.com]}\n");
	hash_differs(NET "network: {mode: nat, allow: [\"*.example.com:443\"]}\n",
		     NET "network: {mode: nat, allow: [\"*.example.org:443\"]}\n");
	/* a share's owner: whose its files are in the guest */
#define OWNED "name: h2\nimage: minimal\nnetwork: none\nmemory: 256M\nusers: {root: {}, dev: {}}\n"
	hash_differs(OWNED "shares:\n  - {source: hcode, target: /code}\n",
		     OWNED "shares:\n  - {source: hcode, target: /code, owner: dev}\n");
	/* a mesh: its network, address, groups, lighthouses, inbound rules */
#define MESH(x) NET "mesh:\n  network: corp\n" x
	hash_differs(NET, MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"));
	hash_differs(MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"),
		     MESH("  ip: 192.168.100.2/24\n  groups: [dev, ops]\n"));
	hash_differs(MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"),
		     MESH("  ip: 192.168.100.3/24\n  groups: [dev]\n"));
	hash_differs(MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"),
		     MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"
			  "  lighthouses: {192.168.100.1: \"198.51.100.10:4242\"}\n"));
	hash_differs(MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"
			  "  inbound:\n    - {port: 8000, proto: tcp, groups: [dev]}\n"),
		     MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"
			  "  inbound:\n    - {port: any, proto: any, host: any}\n"));
	hash_differs(MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"),
		     MESH("  ip: 192.168.100.2/24\n  groups: [dev]\n"
			  "  inbound:\n    - {port: 22, proto: tcp, groups: [dev]}\n"));
#undef MESH
#undef OWNED
#undef NET
}

UNIT_TEST_MAIN(setup, teardown,
	cmocka_unit_test(test_plan_cpus_and_tb),
	cmocka_unit_test(test_plan_hash),
	cmocka_unit_test(test_plan_hash_covers),
	cmocka_unit_test(test_plan_kernel_and_modules),
	cmocka_unit_test(test_plan_image_hash),
	cmocka_unit_test(test_plan_argv_and_cmdline),
	cmocka_unit_test(test_plan_tcg_over_kvm_spec),
	cmocka_unit_test(test_plan_print),
	cmocka_unit_test(test_image_ensure),
	cmocka_unit_test(test_machine_initrd),
	cmocka_unit_test(test_machine_initrd_host_etc))
