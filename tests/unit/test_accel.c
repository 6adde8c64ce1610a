/* test_accel.c - accel_choose over every host, spec and POOL_ACCEL combination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "src/vmm/accel.h"
#include "src/util/err.h"
#include "tests/unit/main.h"

static const enum accel_mode specs[] = { ACCEL_AUTO, ACCEL_KVM, ACCEL_TCG };
static const char *const spec_names[] = { "auto", "kvm", "tcg" };

/* POOL_ACCEL values; bad ones are a usage error whatever else holds. */
struct env_case {
	const char *v;
	bool bad;
};

static const struct env_case envs[] = {
	{ NULL, false }, { "", false }, { "auto", false }, { "kvm", false }, { "tcg", false },
	{ "KVM", true }, { "kvmx", true }, { "tc", true }, { " tcg", true },
};

/* What the user asked for: POOL_ACCEL when set and not empty, else the spec. */
static enum accel_mode wanted(enum accel_mode spec, const char *env)
{
	if (!env || !*env)
		return spec;
	if (strcmp(env, "kvm") == 0)
		return ACCEL_KVM;
	if (strcmp(env, "tcg") == 0)
		return ACCEL_TCG;
	return ACCEL_AUTO;
}

static void check_one(const struct accel_host *h, size_t si, const struct env_case *ec)
{
	struct accel_choice c;
	struct pool_err e = { 0 };
	enum accel_mode want = wanted(specs[si], ec->v);
	int r;
	char ctx[160];

	memset(&c, 0x5a, sizeof c);
	snprintf(ctx, sizeof ctx, "kvm_dev=%d cpu_virt=%d pvm=%d spec=%s env=%s",
		 h->kvm_dev, h->cpu_virt, h->pvm, spec_names[si], ec->v ? ec->v : "(null)");
	r = accel_choose(specs[si], ec->v, h, &c, &e);

	if (ec->bad) {
		if (r != -1 || e.status != POOL_EXIT_USAGE || !strstr(e.msg, "POOL_ACCEL") ||
		    !strstr(e.msg, ec->v))
			fail_msg("%s: want usage error naming POOL_ACCEL, got r=%d status=%d msg=%s",
				 ctx, r, e.status, e.msg);
		return;
	}
	if (want == ACCEL_KVM && !h->kvm_dev) {
		if (r != -1 || e.status == 0 || !strstr(e.msg, "/dev/kvm"))
			fail_msg("%s: kvm without /dev/kvm: want error naming /dev/kvm, got r=%d status=%d msg=%s",
				 ctx, r, e.status, e.msg);
		return;
	}
	if (r != 0)
		fail_msg("%s: unexpected error %s", ctx, e.msg);
	if (!memchr(c.why, '\0', sizeof c.why) || !c.why[0])
		fail_msg("%s: empty or unterminated reason", ctx);

	switch (want) {
	case ACCEL_TCG:
		if (c.mode != ACCEL_TCG)
			fail_msg("%s: tcg asked for, got mode %d", ctx, c.mode);
		/* the reason says who asked */
		if (!strstr(c.why, ec->v && *ec->v ? "POOL_ACCEL" : "spec"))
			fail_msg("%s: reason does not name the source: %s", ctx, c.why);
		break;
	case ACCEL_KVM:
		if (c.mode != ACCEL_KVM)
			fail_msg("%s: kvm asked for, got mode %d", ctx, c.mode);
		if (!strstr(c.why, ec->v && *ec->v ? "POOL_ACCEL" : "spec"))
			fail_msg("%s: reason does not name the source: %s", ctx, c.why);
		if (h->pvm && !strstr(c.why, "PVM"))
			fail_msg("%s: kvm on PVM without a warning: %s", ctx, c.why);
		break;
	case ACCEL_AUTO:
		if (h->kvm_dev && h->cpu_virt && !h->pvm) {
			if (c.mode != ACCEL_KVM)
				fail_msg("%s: auto on a KVM host chose %d (%s)", ctx, c.mode, c.why);
			break;
		}
		if (c.mode != ACCEL_TCG)
			fail_msg("%s: auto chose KVM where it cannot work (%s)", ctx, c.why);
		/* the first thing missing is named */
		if (!h->kvm_dev && !strstr(c.why, "/dev/kvm"))
			fail_msg("%s: reason does not name /dev/kvm: %s", ctx, c.why);
		if (h->kvm_dev && h->pvm && !strstr(c.why, "PVM"))
			fail_msg("%s: reason does not name PVM: %s", ctx, c.why);
		if (h->kvm_dev && !h->pvm && !h->cpu_virt && !strstr(c.why, "vmx"))
			fail_msg("%s: reason does not name vmx: %s", ctx, c.why);
		break;
	}
}

static void test_every_combination(void **state)
{
	(void)state;
	for (int bits = 0; bits < 8; bits++) {
		struct accel_host h = {
			.kvm_dev = bits & 1, .cpu_virt = (bits >> 1) & 1, .pvm = (bits >> 2) & 1,
		};

		for (size_t si = 0; si < sizeof specs / sizeof specs[0]; si++)
			for (size_t ei = 0; ei < sizeof envs / sizeof envs[0]; ei++)
				check_one(&h, si, &envs[ei]);
	}
}

/* The plain cases spelled out, so a reader sees the contract at a glance. */
static void test_auto_kvm_only_on_real_kvm(void **state)
{
	struct accel_host good = { .kvm_dev = true, .cpu_virt = true, .pvm = false };
	struct accel_host pvm = { .kvm_dev = true, .cpu_virt = true, .pvm = true };
	struct accel_host none = { .kvm_dev = false, .cpu_virt = true, .pvm = false };
	struct accel_choice c;
	struct pool_err e = { 0 };

	(void)state;
	assert_int_equal(accel_choose(ACCEL_AUTO, NULL, &good, &c, &e), 0);
	assert_int_equal(c.mode, ACCEL_KVM);
	assert_int_equal(accel_choose(ACCEL_AUTO, NULL, &pvm, &c, &e), 0);
	assert_int_equal(c.mode, ACCEL_TCG);
	assert_non_null(strstr(c.why, "PVM"));
	assert_int_equal(accel_choose(ACCEL_AUTO, "", &none, &c, &e), 0);
	assert_int_equal(c.mode, ACCEL_TCG);
	assert_non_null(strstr(c.why, "/dev/kvm"));
}

static void test_env_overrides_spec(void **state)
{
	struct accel_host good = { .kvm_dev = true, .cpu_virt = true, .pvm = false };
	struct accel_choice c;
	struct pool_err e = { 0 };

	(void)state;
	assert_int_equal(accel_choose(ACCEL_KVM, "tcg", &good, &c, &e), 0);
	assert_int_equal(c.mode, ACCEL_TCG);
	assert_int_equal(accel_choose(ACCEL_TCG, "kvm", &good, &c, &e), 0);
	assert_int_equal(c.mode, ACCEL_KVM);
	assert_int_equal(accel_choose(ACCEL_TCG, "auto", &good, &c, &e), 0);
	assert_int_equal(c.mode, ACCEL_KVM);
}

static void test_bad_env_and_missing_kvm(void **state)
{
	struct accel_host none = { 0 };
	struct accel_choice c;
	struct pool_err e = { 0 };

	(void)state;
	assert_int_equal(accel_choose(ACCEL_AUTO, "KVM", &none, &c, &e), -1);
	assert_int_equal(e.status, POOL_EXIT_USAGE);
	assert_non_null(strstr(e.msg, "POOL_ACCEL"));

	memset(&e, 0, sizeof e);
	assert_int_equal(accel_choose(ACCEL_KVM, NULL, &none, &c, &e), -1);
	assert_int_not_equal(e.status, 0);
	assert_non_null(strstr(e.msg, "/dev/kvm"));
}

/* accel_probe reads the real host: its answer must agree with what the
 * test can see for itself. */
static void test_probe_agrees_with_host(void **state)
{
	struct accel_host h;
	struct stat st;
	FILE *f;

	(void)state;
	accel_probe(&h);
	f = fopen("/dev/kvm", "r+");
	assert_int_equal(h.kvm_dev, f != NULL);
	if (f)
		fclose(f);
	assert_int_equal(h.pvm, stat("/sys/module/kvm_pvm", &st) == 0);
}

UNIT_TEST_MAIN(NULL, NULL,
	cmocka_unit_test(test_every_combination),
	cmocka_unit_test(test_auto_kvm_only_on_real_kvm),
	cmocka_unit_test(test_env_overrides_spec),
	cmocka_unit_test(test_bad_env_and_missing_kvm),
	cmocka_unit_test(test_probe_agrees_with_host))
