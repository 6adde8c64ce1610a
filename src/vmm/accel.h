/* accel.h - choose the accelerator: KVM only where it truly works, else TCG. */
#ifndef POOL_ACCEL_H
#define POOL_ACCEL_H

#include <stdbool.h>
#include <stddef.h>

#include "spec/spec.h"
#include "util/err.h"

struct accel_choice {
	enum accel_mode mode;	/* ACCEL_KVM or ACCEL_TCG */
	char why[200];		/* one line a user can read */
};

/* What the host offers, read from the system (accel_probe) or made up by
 * tests. */
struct accel_host {
	bool kvm_dev;		/* /dev/kvm can be opened read-write */
	bool cpu_virt;		/* vmx or svm in /proc/cpuinfo flags */
	bool pvm;		/* /sys/module/kvm_pvm exists: KVM cannot boot a stock kernel */
};

void accel_probe(struct accel_host *h);

/* The host's TSC rate in kHz, measured against CLOCK_MONOTONIC_RAW over a
 * few milliseconds; 0 when it cannot be measured. Under TCG the guest's
 * TSC runs at the host's rate, and telling the guest kernel
 * (tsc_early_khz=) spares it calibrating against the emulated PIT, which
 * under load fails often enough to hang one boot in ten. */
unsigned long host_tsc_khz(void);

/* The same, measured once per host boot: kept in CACHE/tsc as
 * "BOOT_ID KHZ" (/proc/sys/kernel/random/boot_id), trusted only in a
 * folder that is root's alone and written only by root. */
unsigned long host_tsc_khz_cached(const char *cache);

/* Pure: the rate in a "BOOT_ID KHZ\n" record when it is for boot_id;
 * 0, or -1 for another boot or anything malformed. */
int tsc_record_parse(const char *text, size_t len, const char *boot_id, unsigned long *khz);

/* Pure. env is POOL_ACCEL (may be NULL); it overrides the spec's accel.
 * A bad POOL_ACCEL value is a usage error; kvm asked for where there is no
 * /dev/kvm is an error. */
int accel_choose(enum accel_mode spec, const char *env, const struct accel_host *h,
		 struct accel_choice *c, struct pool_err *e);

#endif
