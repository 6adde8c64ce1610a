/* doctor.c - pool doctor: host prerequisites, each with its fix, and
 * the accelerator that will be used. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/accel.h"
#include "cmd.h"
#include "cmd/usage.h"
#include "image/kernel.h"
#include "plan.h"
#include "util/cgroup.h"
#include "vmm/vmm.h"

static int report(bool ok, const char *what, const char *detail, const char *fix)
{
	printf("%-4s %-14s %s\n", ok ? "ok" : "FAIL", what, detail);
	if (!ok && fix)
		printf("     %-14s fix: %s\n", "", fix);
	return ok ? 0 : 1;
}

/* What pool runs without, but less safely: "warn", not counted. */
static void advise(bool ok, const char *what, const char *detail, const char *fix)
{
	printf("%-4s %-14s %s\n", ok ? "ok" : "warn", what, detail);
	if (!ok && fix)
		printf("     %-14s fix: %s\n", "", fix);
}

/* The memory cgroup each machine's QEMU runs in (util/cgroup.h): without
 * one, the guest's memory: is not a limit on the host. */
static void check_cgroup(void)
{
	struct pool_err ce = { 0 };
	struct cgroup_host h;
	char detail[PATH_MAX + 128];

	if (cgroup_host_find(&h, &ce) < 0) {
		snprintf(detail, sizeof detail, "%s: machines run without a memory limit", ce.msg);
		advise(false, "memory limit", detail,
		       "mount the memory controller: cgroup v2 (memory in /sys/fs/cgroup/cgroup.controllers) or v1 (/sys/fs/cgroup/memory)");
		return;
	}
	if (cgroup_host_writable(&h, &ce) < 0) {
		snprintf(detail, sizeof detail, "%s: not writable (%s): machines run without a memory limit",
			 h.node, ce.msg);
		advise(false, "memory limit", detail, "run pool as root on a host whose cgroup file system is writable");
		return;
	}
	snprintf(detail, sizeof detail, "cgroup %s, in %s: each machine's QEMU gets the guest's memory + %uM (+ TCG's translation cache, an eighth of the host's memory within 128M-1G)",
		 h.version == CGROUP_V2 ? "v2 memory.max" : "v1 memory.limit_in_bytes", h.node,
		 VMM_OVERHEAD_MIB);
	advise(true, "memory limit", detail, NULL);
}

int cmd_doctor(int argc, char **argv, struct pool_err *e)
{
	struct pool_paths paths;
	struct accel_host host;
	struct accel_choice choice;
	struct pool_err ke = { 0 };
	char kpath[4096], kver[128];
	struct stat st;
	int bad = 0, fd;

	(void)argv;
	if (argc > 1)
		return cmd_usage_error(e, argv[0], NULL);
	if (paths_from_env(&paths, e) < 0)
		return -1;

	bad += report(geteuid() == 0, "root", geteuid() == 0 ? "running as root" : "not root",
		      "run pool with sudo: it needs root for TAPs and the channel, and drops it before the hypervisor");
	bad += report(access(paths.qemu, X_OK) == 0, "qemu", paths.qemu,
		      "apt-get install qemu-system-x86");
	if (kernel_auto("/boot", "/lib/modules", kpath, sizeof kpath, kver, sizeof kver, &ke) == 0) {
		char detail[4300];

		snprintf(detail, sizeof detail, "%s (%s)", kpath, kver);
		bad += report(true, "kernel", detail, NULL);
	} else {
		bad += report(false, "kernel", ke.msg, "apt-get install linux-image-cloud-amd64");
	}
	bad += report(stat(paths.busybox, &st) == 0 && S_ISREG(st.st_mode), "busybox", paths.busybox,
		      "apt-get install busybox-static");
	bad += report(access(paths.init, R_OK) == 0, "pool-init", paths.init,
		      "build pool (meson compile -C build) or set POOL_INIT");
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	bad += report(fd >= 0, "/dev/net/tun", fd >= 0 ? "usable" : strerror(errno),
		      "modprobe tun (and run as root)");
	if (fd >= 0)
		close(fd);
	bad += report(access(paths.virtiofsd, X_OK) == 0, "virtiofsd", paths.virtiofsd,
		      "apt-get install qemu-system-common (Debian 12 ships /usr/lib/qemu/virtiofsd), or set POOL_VIRTIOFSD");
	check_cgroup();
	accel_probe(&host);
	if (accel_choose(ACCEL_AUTO, getenv("POOL_ACCEL"), &host, &choice, &ke) == 0)
		report(true, "accel", choice.why, NULL);
	else
		bad += report(false, "accel", ke.msg, "set POOL_ACCEL to auto, kvm or tcg");
	printf("%s\n", bad ? "some prerequisites are missing" : "all prerequisites are present");
	return bad ? 1 : 0;
}
