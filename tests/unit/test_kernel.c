/* test_kernel.c - bzImage version from the setup header; `kernel: auto` selection. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/image/kernel.h"
#include "src/util/cleanup.h"
#include "src/util/fsutil.h"
#include "tests/unit/cases.h"
#include "tests/unit/main.h"

#define IMG_LEN 0x400
#define STR_AT 0x300

static const char banner[] = "6.1.0-9-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP";

/* A setup header as boot.rst lays it out, version string at 0x300. */
static void make_image(uint8_t *img, const char *str)
{
	memset(img, 0, IMG_LEN);
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;		/* protocol 2.15 */
	img[0x207] = 0x02;
	img[0x20e] = (STR_AT - 0x200) & 0xff;
	img[0x20f] = (STR_AT - 0x200) >> 8;
	if (str)
		memcpy(img + STR_AT, str, strlen(str));
}

static const char *version_of(const uint8_t *img, size_t n, size_t cap)
{
	static char out[256];
	const char *why = NULL;

	assert_true(cap <= sizeof out);
	if (bzimage_version(img, n, out, cap, &why) < 0) {
		assert_non_null(why);
		return NULL;
	}
	return out;
}

static void test_good(void **state)
{
	uint8_t img[IMG_LEN];
	const char *v;

	(void)state;
	make_image(img, banner);
	v = version_of(img, sizeof img, 256);
	assert_non_null(v);
	assert_string_equal(v, "6.1.0-9-cloud-amd64");
	/* A string with no space is the version whole. */
	make_image(img, "6.6.7");
	assert_string_equal(version_of(img, sizeof img, 256), "6.6.7");
	/* The buffer may end just after the NUL. */
	assert_string_equal(version_of(img, STR_AT + 6, 256), "6.6.7");
	assert_null(version_of(img, STR_AT + 5, 256));
	/* Protocol 2.00 is the oldest accepted. */
	img[0x206] = 0x00;
	assert_string_equal(version_of(img, sizeof img, 256), "6.6.7");
	/* cap counts the NUL. */
	assert_null(version_of(img, sizeof img, 5));
	assert_string_equal(version_of(img, sizeof img, 6), "6.6.7");
}

static void test_bad(void **state)
{
	static const char *const refused[] = {
		" 6.1.0", "", "6.1\x01-x more", "6.1\t-x more", "6.1\xc3\xa9 more", "../../etc more",
		".. more",
	};
	uint8_t img[IMG_LEN];
	const char *why = NULL;
	char out[64];

	(void)state;
	make_image(img, banner);
	img[0x202] = 'h';
	assert_int_equal(bzimage_version(img, sizeof img, out, sizeof out, &why), -1);
	assert_string_equal(why, "no \"HdrS\" setup header magic");

	make_image(img, banner);
	img[0x1fe] = 0;
	assert_null(version_of(img, sizeof img, 64));

	make_image(img, banner);
	img[0x206] = 0xff;
	img[0x207] = 0x01;		/* 1.255 */
	assert_int_equal(bzimage_version(img, sizeof img, out, sizeof out, &why), -1);
	assert_string_equal(why, "boot protocol older than 2.00");

	make_image(img, banner);
	img[0x20e] = 0;
	img[0x20f] = 0;
	assert_null(version_of(img, sizeof img, 64));

	/* Offsets at and past the end, up to the largest u16. */
	make_image(img, banner);
	img[0x20e] = 0x00;
	img[0x20f] = 0x02;		/* 0x200 + 0x200 == IMG_LEN */
	assert_int_equal(bzimage_version(img, sizeof img, out, sizeof out, &why), -1);
	assert_string_equal(why, "kernel_version points past the end");
	img[0x20e] = 0xff;
	img[0x20f] = 0xff;
	assert_null(version_of(img, sizeof img, 64));

	/* No NUL before the end of the buffer. */
	make_image(img, NULL);
	memset(img + STR_AT, 'a', IMG_LEN - STR_AT);
	assert_int_equal(bzimage_version(img, sizeof img, out, sizeof out, &why), -1);
	assert_string_equal(why, "kernel_version string is not terminated");

	/* Banners whose version is not one. */
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		make_image(img, refused[i]);
		case_true(refused[i], version_of(img, sizeof img, 64) == NULL);
	}

	/* Every prefix shorter than the header fails cleanly. */
	make_image(img, banner);
	for (size_t n = 0; n < 0x210; n++)
		assert_null(version_of(img, n, 64));
}

/* Every prefix of a good image: either the right version or an error. */
static void test_prefixes(void **state)
{
	uint8_t img[IMG_LEN];

	(void)state;
	make_image(img, banner);
	for (size_t n = 0; n <= IMG_LEN; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		const char *v;

		assert_non_null(copy);
		memcpy(copy, img, n);
		v = version_of(copy, n, 64);
		if (n > STR_AT + strlen(banner))
			assert_string_equal(v, "6.1.0-9-cloud-amd64");
		else
			assert_null(v);
		free(copy);
	}
}

/* The kernels installed here: the header agrees with the file name. */
static void test_real(void **state)
{
	DIR *d = opendir("/boot");
	struct dirent *de;
	int seen = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		struct pool_err e = { 0 };
		char path[512], v[128];

		if (strncmp(de->d_name, "vmlinuz-", 8) != 0)
			continue;
		snprintf(path, sizeof path, "/boot/%s", de->d_name);
		if (kernel_version(path, v, sizeof v, &e) < 0)
			fail_msg("%s", e.msg);
		assert_string_equal(v, de->d_name + 8);
		seen++;
	}
	closedir(d);
	if (!seen)
		fail_msg("no /boot/vmlinuz-*: install linux-image-cloud-amd64");
}

static void test_real_auto(void **state)
{
	struct pool_err e = { 0 };
	char path[512], v[128], v2[128];

	(void)state;
	if (kernel_auto("/boot", "/lib/modules", path, sizeof path, v, sizeof v, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(kernel_version(path, v2, sizeof v2, &e), 0);
	assert_string_equal(v, v2);
}

static void test_version_file_errors(void **state)
{
	struct pool_err e = { 0 };
	char v[64];

	(void)state;
	assert_int_equal(kernel_version("/nonexistent/vmlinuz", v, sizeof v, &e), -1);
	assert_int_equal(e.code, ENOENT);
	assert_non_null(strstr(e.msg, "/nonexistent/vmlinuz"));
	assert_int_equal(kernel_version("/boot", v, sizeof v, &e), -1);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(kernel_version("/etc/hostname", v, sizeof v, &e), -1);
	assert_non_null(strstr(e.msg, "/etc/hostname: not a usable bzImage: "));
}

static char tmp[64];

static void touch(const char *rel, const void *data, size_t len)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	assert_int_equal(write_file_atomic(p, data, len, 0644, NULL), 0);
}

static void mkd(const char *rel)
{
	char p[256];

	snprintf(p, sizeof p, "%s/%s", tmp, rel);
	assert_int_equal(mkdir_p(p, 0755, NULL), 0);
}

static void test_auto(void **state)
{
	struct pool_err e = { 0 };
	char boot[128], mod[128], path[256], v[64], want[512];

	(void)state;
	strcpy(tmp, "/tmp/pool-test-kernel-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(boot, sizeof boot, "%s/boot", tmp);
	snprintf(mod, sizeof mod, "%s/modules", tmp);
	mkd("boot");
	mkd("modules");

	assert_int_equal(kernel_auto(boot, mod, path, sizeof path, v, sizeof v, &e), -1);
	snprintf(want, sizeof want, "no kernel in %s with modules in %s: "
		 "install linux-image-cloud-amd64", boot, mod);
	assert_string_equal(e.msg, want);

	/* -9 < -10 < -11 in version order (not in strcmp order); -11 and
	 * -12 have no modules folder, -13 is not a file. */
	touch("boot/vmlinuz-6.1.0-9-cloud-amd64", "k", 1);
	touch("boot/vmlinuz-6.1.0-10-cloud-amd64", "k", 1);
	touch("boot/vmlinuz-6.1.0-11-cloud-amd64", "k", 1);
	touch("boot/vmlinuz-6.1.0-12-cloud-amd64", "k", 1);
	mkd("boot/vmlinuz-6.1.0-13-cloud-amd64");
	touch("boot/vmlinuz", "k", 1);
	touch("boot/config-6.1.0-99-cloud-amd64", "k", 1);
	mkd("modules/6.1.0-9-cloud-amd64");
	mkd("modules/6.1.0-10-cloud-amd64");
	touch("modules/6.1.0-12-cloud-amd64", "not a folder", 12);
	mkd("modules/6.1.0-13-cloud-amd64");
	mkd("modules/6.1.0-99-cloud-amd64");

	assert_int_equal(kernel_auto(boot, mod, path, sizeof path, v, sizeof v, &e), 0);
	assert_string_equal(v, "6.1.0-10-cloud-amd64");
	snprintf(want, sizeof want, "%s/vmlinuz-6.1.0-10-cloud-amd64", boot);
	assert_string_equal(path, want);

	/* Too small for the result: an error, not a cut path. */
	assert_int_equal(kernel_auto(boot, mod, path, 10, v, sizeof v, &e), -1);
	assert_int_equal(kernel_auto(boot, mod, path, sizeof path, v, 8, &e), -1);

	assert_int_equal(kernel_auto("/nonexistent", mod, path, sizeof path, v, sizeof v, &e), -1);
	assert_int_equal(e.code, ENOENT);
	assert_int_equal(rm_rf(tmp, NULL), 0);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_good),
	cmocka_unit_test(test_bad),
	cmocka_unit_test(test_prefixes),
	cmocka_unit_test(test_real),
	cmocka_unit_test(test_real_auto),
	cmocka_unit_test(test_version_file_errors),
	cmocka_unit_test(test_auto))
