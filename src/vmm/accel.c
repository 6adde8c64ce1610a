/* accel.c - choose the accelerator: KVM only where it truly works, else TCG. */
#include "accel.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/parse.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

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

#define BOOT_ID "/proc/sys/kernel/random/boot_id"

int tsc_record_parse(const char *text, size_t len, const char *boot_id, unsigned long *khz)
{
	size_t idlen = strlen(boot_id);
	const char *v, *why;
	char num[24];
	uint64_t u;
	size_t n;

	if (idlen == 0 || len <= idlen + 1 || memcmp(text, boot_id, idlen) != 0 || text[idlen] != ' ')
		return -1;
	v = text + idlen + 1;
	n = len - idlen - 1;
	if (v[n - 1] == '\n')	/* n > 0: len > idlen + 1 */
		n--;
	if (n == 0 || n >= sizeof num)
		return -1;
	memcpy(num, v, n);
	num[n] = '\0';
	if (parse_u64(num, 1000, 100000000, &u, &why) < 0)	/* 1 MHz .. 100 GHz */
		return -1;
	*khz = (unsigned long)u;
	return 0;
}

unsigned long host_tsc_khz_cached(const char *cache)
{
	struct pool_err ignore = { 0 };
	_cleanup_free_ char *id = NULL, *text = NULL;
	char path[PATH_MAX], rec[96];
	size_t idlen, len;
	unsigned long khz;
	int n;

	if (!cache || read_file(BOOT_ID, 128, &id, &idlen, &ignore) < 0)
		return host_tsc_khz();
	id[strcspn(id, "\n ")] = '\0';
	if ((size_t)snprintf(path, sizeof path, "%s/tsc", cache) >= sizeof path)
		return host_tsc_khz();
	/* Trusted only in a folder that is root's alone. */
	if (dir_private(cache, &ignore) == 0 && read_file(path, sizeof rec, &text, &len, &ignore) == 0 &&
	    tsc_record_parse(text, len, id, &khz) == 0)
		return khz;
	khz = host_tsc_khz();
	n = snprintf(rec, sizeof rec, "%s %lu\n", id, khz);
	/* 0: not measured (always so off x86, where cppcheck sees only that) */
	/* cppcheck-suppress knownConditionTrueFalse */
	if (khz && geteuid() == 0 && n > 0 && (size_t)n < sizeof rec && mkdir_p(cache, 0755, &ignore) == 0 &&
	    dir_private(cache, &ignore) == 0)
		write_file_atomic(path, rec, (size_t)n, 0644, &ignore);
	return khz;
}

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
