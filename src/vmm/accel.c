/* accel.c - choose the accelerator: KVM only where it truly works, else TCG. */
#include "accel.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

#if defined(__x86_64__) || defined(__i386__)
#include <time.h>
#include <x86intrin.h>

unsigned long host_tsc_khz(void)
{
	unsigned long best = 0;

	for (int i = 0; i < 3; i++) {
		struct timespec a, b, d = { .tv_sec = 0, .tv_nsec = 5 * 1000000 };
		unsigned long long t0, t1;
		long long ns;
		unsigned long khz;

		clock_gettime(CLOCK_MONOTONIC_RAW, &a);
		t0 = __rdtsc();
		nanosleep(&d, NULL);
		t1 = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
		if (ns <= 0 || t1 <= t0)
			continue;
		khz = (unsigned long)((t1 - t0) * 1000000ULL / (unsigned long long)ns);
		/* Round to 1 MHz: the measurement is not better than that. */
		khz = (khz + 500) / 1000 * 1000;
		if (!best)
			best = khz;
		else if (khz != best)
			best = khz < best ? khz : best;
	}
	return best;
}
#else
unsigned long host_tsc_khz(void)
{
	return 0;
}
#endif

static bool cpuinfo_has_virt(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	char line[8192];

	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		char *tok, *save = NULL;

		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save))
			if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0)
				return true;
		return false;
	}
	return false;
}

void accel_probe(struct accel_host *h)
{
	struct stat st;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	h->kvm_dev = fd >= 0;
	if (fd >= 0)
		close(fd);
	h->cpu_virt = cpuinfo_has_virt();
	h->pvm = stat("/sys/module/kvm_pvm", &st) == 0;
}

int accel_choose(enum accel_mode spec, const char *env, const struct accel_host *h,
		 struct accel_choice *c, struct pool_err *e)
{
	enum accel_mode want = spec;
	const char *src = "spec";

	if (env && *env) {
		if (strcmp(env, "auto") == 0)
			want = ACCEL_AUTO;
		else if (strcmp(env, "kvm") == 0)
			want = ACCEL_KVM;
		else if (strcmp(env, "tcg") == 0)
			want = ACCEL_TCG;
		else
			return pool_err_usage(e, "POOL_ACCEL=%s: expected auto, kvm or tcg", env);
		src = "POOL_ACCEL";
	}
	switch (want) {
	case ACCEL_TCG:
		c->mode = ACCEL_TCG;
		snprintf(c->why, sizeof c->why, "tcg: asked for by %s", src);
		return 0;
	case ACCEL_KVM:
		if (!h->kvm_dev)
			return pool_err_usage(e, "accel kvm (from %s): /dev/kvm cannot be opened", src);
		c->mode = ACCEL_KVM;
		snprintf(c->why, sizeof c->why, "kvm: asked for by %s%s", src,
			 h->pvm ? " (warning: /dev/kvm is PVM-backed and may not boot a stock kernel)" : "");
		return 0;
	case ACCEL_AUTO:
		break;
	}
	c->mode = ACCEL_TCG;
	if (!h->kvm_dev)
		snprintf(c->why, sizeof c->why, "tcg: /dev/kvm cannot be opened (software emulation, slower)");
	else if (h->pvm)
		snprintf(c->why, sizeof c->why, "tcg: /dev/kvm is PVM-backed (kvm_pvm loaded) and cannot boot a stock kernel");
	else if (!h->cpu_virt)
		snprintf(c->why, sizeof c->why, "tcg: the CPU shows neither vmx nor svm");
	else {
		c->mode = ACCEL_KVM;
		snprintf(c->why, sizeof c->why, "kvm: /dev/kvm and hardware virtualization (vmx/svm) present");
	}
	return 0;
}
