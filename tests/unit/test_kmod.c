/* test_kmod.c - module closure in load order, on synthetic and the real modules.dep. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/image/kmod.h"
#include "src/util/cleanup.h"
#include "src/util/fsutil.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

/* The closure as one string "a b c" of module names, or the error. */
static char result[4096];

static int closure(const char *dep, size_t len, const char *const *want, size_t nwant)
{
	struct strv out = { 0 };
	struct pool_err e = { 0 };
	size_t at = 0;
	int r;

	r = kmod_closure(dep, len, want, nwant, &out, &e);
	result[0] = '\0';
	if (r < 0) {
		assert_int_equal(out.n, 0);
		snprintf(result, sizeof result, "%s", e.msg);
		strv_free(&out);
		return r;
	}
	for (size_t i = 0; i < out.n; i++)
		at += (size_t)snprintf(result + at, sizeof result - at, "%s%s",
				       i ? " " : "", out.v[i]);
	strv_free(&out);
	return r;
}

#define WANT(...) ((const char *const[]){ __VA_ARGS__ }), \
	ARRAY_SIZE(((const char *const[]){ __VA_ARGS__ }))

/* The closure in dep of the modules named after expected is expected. */
#define assert_closure(dep, expected, ...) do { \
	assert_int_equal(closure(dep, strlen(dep), WANT(__VA_ARGS__)), 0); \
	assert_string_equal(result, expected); \
} while (0)

static const char diamond[] =
	"kernel/top.ko: kernel/left.ko kernel/right.ko kernel/base.ko\n"
	"kernel/left.ko: kernel/base.ko\n"
	"kernel/right.ko: kernel/base.ko\n"
	"kernel/base.ko:\n"
	"kernel/other.ko:\n";

static void test_diamond(void **state)
{
	(void)state;
	assert_closure(diamond, "kernel/base.ko kernel/left.ko kernel/right.ko kernel/top.ko",
		       "top");
	/* Asked for twice, and for something already in: each once. */
	assert_closure(diamond, "kernel/base.ko kernel/left.ko kernel/right.ko kernel/top.ko",
		       "left", "top", "left", "base");
	assert_closure(diamond, "kernel/other.ko kernel/base.ko", "other", "base");
	assert_int_equal(closure(diamond, strlen(diamond), NULL, 0), 0);
	assert_string_equal(result, "");
}

static void test_chain(void **state)
{
	/* Dependencies listed only one level deep: the closure follows them. */
	static const char dep[] =
		"a/m1.ko: a/m2.ko\n"
		"a/m2.ko: a/m3.ko\n"
		"a/m3.ko: a/m4.ko\n"
		"a/m4.ko:";			/* no newline at the end */

	(void)state;
	assert_closure(dep, "a/m4.ko a/m3.ko a/m2.ko a/m1.ko", "m1");
	assert_closure(dep, "a/m4.ko a/m3.ko a/m2.ko", "m4", "m2");
}

/* kmod_name of path, in a buffer of cap bytes, is want. */
static void assert_kmod_name(const char *path, size_t cap, const char *want)
{
	char name[64];

	kmod_name(path, name, cap);
	assert_string_equal(name, want);
}

static void test_names(void **state)
{
	static const char dep[] =
		"kernel/drivers/char/hw_random/virtio-rng.ko.xz: kernel/virtio.ko.zst\n"
		"kernel/virtio.ko.zst:   \n"
		"kernel/fs/fuse/fuse.ko.gz:\r\n"
		"\n"
		"  \n";

	(void)state;
	assert_closure(dep, "kernel/virtio.ko.zst kernel/drivers/char/hw_random/virtio-rng.ko.xz",
		       "virtio_rng");
	assert_closure(dep, "kernel/virtio.ko.zst kernel/drivers/char/hw_random/virtio-rng.ko.xz "
			    "kernel/fs/fuse/fuse.ko.gz",
		       "virtio-rng", "fuse");

	assert_kmod_name("kernel/fs/fuse/virtiofs.ko", 64, "virtiofs");
	assert_kmod_name("kernel/drivers/char/hw_random/virtio-rng.ko.xz", 64, "virtio_rng");
	assert_kmod_name("x.ko.zst", 64, "x");
	assert_kmod_name("plain-name", 64, "plain_name");
	assert_kmod_name("kernel/long_module_name.ko", 5, "long");
}

static void test_errors(void **state)
{
	static const char cycle[] =
		"k/a.ko: k/b.ko\n"
		"k/b.ko: k/c.ko\n"
		"k/c.ko: k/a.ko\n"
		"k/d.ko:\n";
	static const char missing[] = "k/a.ko: k/gone.ko\n";
	static const char self[] = "k/a.ko: k/a.ko\n";
	static const char nocolon[] = "k/a.ko:\nk/b.ko k/a.ko\n";

#define DEP(text) text, sizeof(text) - 1
	/* modules.dep, the module wanted; what closure() returns and its result
	 * (NULL: not looked at) */
	static const struct {
		const char *dep;
		size_t len;
		const char *module;
		int r;
		const char *result;
	} cases[] = {
		{ DEP(cycle), "a", -1, "modules.dep: dependency cycle: a -> b -> c -> a" },
		{ DEP(cycle), "d", 0, "k/d.ko" },
		{ DEP(self), "a", -1, "modules.dep: dependency cycle: a -> a" },
		{ DEP(cycle), "nosuch", -1, "module nosuch is not in modules.dep" },
		{ DEP(""), "virtio", -1, "module virtio is not in modules.dep" },
		{ DEP(cycle), "", -1, NULL },
		{ DEP(missing), "a", -1, "module k/gone.ko (needed by a) is not in modules.dep" },
		{ DEP(nocolon), "a", -1, "modules.dep:2: no ':' after the module path" },
		{ DEP("k/a.ko:\0k/b.ko:\n"), "a", -1, "modules.dep:1: NUL byte" },
	};
#undef DEP

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char what[64];

		snprintf(what, sizeof what, "case %zu, module \"%s\"", i, cases[i].module);
		case_int_equal(what, closure(cases[i].dep, cases[i].len, &cases[i].module, 1),
			       cases[i].r);
		if (cases[i].result)
			case_string_equal(what, result, cases[i].result);
	}
}

/* Never reads past len: the text is cut in the middle of a line, in a
 * buffer of exactly that size. */
static void test_bounded(void **state)
{
	static const char dep[] = "k/a.ko: k/b.ko\nk/b.ko:\nk/c.ko: k/a.ko";
	(void)state;
	for (size_t n = 0; n <= strlen(dep); n++) {
		char *copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, dep, n);
		closure(copy, n, WANT("a"));
		free(copy);
	}
	/* Cut after "k/b.ko:\nk/c.ko: k/a" — c's dependency is "a", which exists. */
	assert_int_equal(closure(dep, strlen(dep) - 3, WANT("c")), 0);
	assert_string_equal(result, "k/b.ko k/a.ko k/c.ko");
}

/* A chain 20000 modules deep: no recursion, no quadratic blowup. */
static void test_deep(void **state)
{
	size_t n = 20000, cap = n * 40, at = 0;
	char *dep = malloc(cap);
	struct strv out = { 0 };
	struct pool_err e = { 0 };

	(void)state;
	assert_non_null(dep);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n)
			at += (size_t)snprintf(dep + at, cap - at, "m/m%zu.ko: m/m%zu.ko\n", i, i + 1);
		else
			at += (size_t)snprintf(dep + at, cap - at, "m/m%zu.ko:\n", i);
	}
	assert_int_equal(kmod_closure(dep, at, WANT("m0"), &out, &e), 0);
	assert_int_equal(out.n, n);
	assert_string_equal(out.v[0], "m/m19999.ko");
	assert_string_equal(out.v[n - 1], "m/m0.ko");
	strv_free(&out);
	free(dep);
}

static void test_builtin(void **state)
{
	static const char b[] =
		"kernel/drivers/virtio/virtio_mmio.ko\n"
		"kernel/drivers/char/hw_random/rng-core.ko\n"
		"kernel/fs/ext4/ext4.ko";

	(void)state;
	assert_int_equal(kmod_builtin(b, strlen(b), "virtio_mmio"), 1);
	assert_int_equal(kmod_builtin(b, strlen(b), "virtio-mmio"), 1);
	assert_int_equal(kmod_builtin(b, strlen(b), "rng_core"), 1);
	assert_int_equal(kmod_builtin(b, strlen(b), "ext4"), 1);
	assert_int_equal(kmod_builtin(b, strlen(b) - 1, "ext4"), 0);
	assert_int_equal(kmod_builtin(b, strlen(b), "virtio"), 0);
	assert_int_equal(kmod_builtin(b, strlen(b), "mmio"), 0);
	assert_int_equal(kmod_builtin(b, strlen(b), ""), 0);
	assert_int_equal(kmod_builtin("", 0, "ext4"), 0);
}

/* The modules folder of the installed cloud kernel. */
static int real_moddir(char *dir, size_t cap)
{
	DIR *d = opendir("/lib/modules");
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char path[1024];

		if (!strstr(de->d_name, "cloud"))
			continue;
		snprintf(path, sizeof path, "/lib/modules/%s/modules.dep", de->d_name);
		if (access(path, R_OK) == 0 && strlen(path) < cap) {
			memcpy(dir, path, strlen(path) - strlen("/modules.dep"));
			dir[strlen(path) - strlen("/modules.dep")] = '\0';
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static size_t index_of(const struct strv *s, const char *name)
{
	char n[64];

	for (size_t i = 0; i < s->n; i++) {
		kmod_name(s->v[i], n, sizeof n);
		if (strcmp(n, name) == 0)
			return i;
	}
	fail_msg("%s is not in the closure", name);
	return SIZE_MAX;
}

static void test_real(void **state)
{
	char dir[256], path[512];
	_cleanup_free_ char *dep = NULL;
	size_t len;
	struct strv out = { 0 };
	struct pool_err e = { 0 };

	(void)state;
	if (!real_moddir(dir, sizeof dir))
		fail_msg("no /lib/modules/*cloud*/modules.dep: install linux-image-cloud-amd64");
	snprintf(path, sizeof path, "%s/modules.dep", dir);
	assert_int_equal(read_file(path, 64 << 20, &dep, &len, &e), 0);

	assert_int_equal(kmod_closure(dep, len, WANT("virtio_net"), &out, &e), 0);
	assert_true(out.n >= 5);
	assert_true(index_of(&out, "virtio_ring") < index_of(&out, "virtio"));
	assert_true(index_of(&out, "failover") < index_of(&out, "net_failover"));
	assert_int_equal(index_of(&out, "virtio_net"), out.n - 1);
	for (size_t i = 0; i < out.n; i++) {
		char p[1024];

		snprintf(p, sizeof p, "%s/%s", dir, out.v[i]);
		if (access(p, R_OK) != 0)
			fail_msg("%s is not a file", p);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(out.v[i], out.v[j]);
	}
	strv_free(&out);
	memset(&out, 0, sizeof out);

	assert_int_equal(kmod_closure(dep, len, WANT("virtiofs"), &out, &e), 0);
	assert_int_equal(index_of(&out, "virtiofs"), out.n - 1);
	assert_true(index_of(&out, "fuse") < out.n - 1);
	strv_free(&out);
	memset(&out, 0, sizeof out);

	/* Every module of the real file closes without error. */
	for (size_t at = 0; at < len; ) {
		const char *nl = memchr(dep + at, '\n', len - at);
		const char *colon = memchr(dep + at, ':', len - at);
		char p[1024], name[64];
		const char *w[1] = { name };

		assert_non_null(colon);
		snprintf(p, sizeof p, "%.*s", (int)(colon - dep - at), dep + at);
		kmod_name(p, name, sizeof name);
		if (kmod_closure(dep, len, w, 1, &out, &e) < 0)
			fail_msg("%s: %s", name, e.msg);
		assert_int_equal(index_of(&out, name), out.n - 1);
		strv_free(&out);
		memset(&out, 0, sizeof out);
		at = nl ? (size_t)(nl - dep) + 1 : len;
	}
}

/* A module with a signature trailer: body, signature of sig bytes,
 * struct module_signature (sig_len big-endian), the magic. */
static size_t signed_module(uint8_t *buf, size_t body, uint32_t sig, uint32_t claimed)
{
	static const char magic[] = "~Module signature appended~\n";
	size_t n = 0;

	memset(buf, 'B', body);
	n += body;
	memset(buf + n, 'S', sig);
	n += sig;
	memset(buf + n, 0, 12);
	buf[n + 2] = 2;	/* PKEY_ID_PKCS7 */
	buf[n + 8] = (uint8_t)(claimed >> 24);
	buf[n + 9] = (uint8_t)(claimed >> 16);
	buf[n + 10] = (uint8_t)(claimed >> 8);
	buf[n + 11] = (uint8_t)claimed;
	n += 12;
	memcpy(buf + n, magic, sizeof magic - 1);
	return n + sizeof magic - 1;
}

static void test_unsigned_len(void **state)
{
	static uint8_t buf[4096];
	size_t n;

	(void)state;
	n = signed_module(buf, 1000, 500, 500);
	assert_int_equal(kmod_unsigned_len(buf, n), 1000);
	/* no trailer: as is */
	assert_int_equal(kmod_unsigned_len(buf, 1000), 1000);
	/* a signature longer than the file: as is */
	n = signed_module(buf, 10, 5, 100000);
	assert_int_equal(kmod_unsigned_len(buf, n), n);
	/* shorter than a trailer */
	assert_int_equal(kmod_unsigned_len(buf, 20), 20);
	assert_int_equal(kmod_unsigned_len(buf, 0), 0);
}

/* The host's own modules: each signed one loses exactly its trailer. */
static void test_unsigned_len_real(void **state)
{
	char path[512];
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct pool_err e = { 0 };
	struct dirent *de;
	DIR *d = opendir("/lib/modules");

	(void)state;
	if (!d) {
		skip();
		return;	/* skip() does not return: for the analyzer */
	}
	while ((de = readdir(d)) && de->d_name[0] == '.')
		;
	if (!de) {
		closedir(d);
		skip();
	}
	snprintf(path, sizeof path, "/lib/modules/%s/kernel/drivers/virtio/virtio_ring.ko", de->d_name);
	closedir(d);
	if (read_file(path, 64u << 20, &buf, &len, &e) < 0)
		skip();
	if (len > 28 && memcmp(buf + len - 28, "~Module signature appended~\n", 28) == 0) {
		size_t u = kmod_unsigned_len((const uint8_t *)buf, len);

		assert_true(u < len - 40);
		assert_true(u > len / 2);
		assert_memory_equal(buf, "\177ELF", 4);
	} else {
		assert_int_equal(kmod_unsigned_len((const uint8_t *)buf, len), len);
	}
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_unsigned_len),
	cmocka_unit_test(test_unsigned_len_real),
	cmocka_unit_test(test_diamond),
	cmocka_unit_test(test_chain),
	cmocka_unit_test(test_names),
	cmocka_unit_test(test_errors),
	cmocka_unit_test(test_bounded),
	cmocka_unit_test(test_deep),
	cmocka_unit_test(test_builtin),
	cmocka_unit_test(test_real))
