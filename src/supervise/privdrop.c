/* privdrop.c - start the hypervisor as an unprivileged uid. QEMU's own
 * -runas cannot be used under -sandbox elevateprivileges=deny (its seccomp
 * filter is in place before its setuid, and it dies with SIGSYS), so pool
 * drops privileges itself, after opening what needs root, then execs. */
#include "privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static __attribute__((noreturn)) void child_fail(int fd, const char *what)
{
	dprintf(fd, "pool: starting the hypervisor: %s: %s\n", what, strerror(errno));
	_exit(127);
}

pid_t vmm_spawn(const struct plan *p, const int *fds, int nfds, int stderr_fd,
		struct pool_err *e)
{
	sigset_t all, old;
	pid_t parent = getpid(), pid;
	gid_t kvm_gid = p->gid;

	if (p->accel.mode == ACCEL_KVM) {
		struct group *kvm = getgrnam("kvm");	/* in the parent: NSS may open files */

		if (kvm)
			kvm_gid = kvm->gr_gid;
	}

	if (nfds > VMM_FDS_MAX)
		return pool_err_fail(e, "too many fds for the hypervisor");
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pool_err_sys(e, "fork");
	}
	if (pid > 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}

	/* child: no allocation from here on */
	int high[VMM_FDS_MAX], i, null;
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	/* Move everything out of the way first, then into place. */
	for (i = 0; i < nfds; i++) {
		high[i] = -1;
		if (fds[i] >= 0 && (high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100)) < 0)
			child_fail(stderr_fd, "dup");
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		child_fail(stderr_fd, "/dev/null");
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(stderr_fd, 2) < 0)
		child_fail(stderr_fd, "dup2");
	for (i = 0; i < nfds; i++)
		if (high[i] >= 0 && dup2(high[i], VMM_FD_CONSOLE + i) < 0)
			child_fail(2, "dup2");
	if (close_range(VMM_FD_CONSOLE + (unsigned)nfds, ~0U, 0) < 0)
		child_fail(2, "close_range");

	/* Its own process group: a terminal's Ctrl-C or hangup reaches pool,
	 * which shuts the guest down cleanly, not QEMU directly. */
	if (setpgid(0, 0) < 0)
		child_fail(2, "setpgid");
	if (p->accel.mode == ACCEL_KVM) {
		if (setgroups(1, &kvm_gid) < 0)
			child_fail(2, "setgroups");
	} else if (setgroups(0, NULL) < 0) {
		child_fail(2, "setgroups");
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		child_fail(2, "setresgid");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		child_fail(2, "setresuid");
	if (setresuid(0, 0, 0) == 0) {
		errno = EPERM;
		child_fail(2, "privileges could be regained");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(2, "no_new_privs");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)	/* setuid cleared it */
		child_fail(2, "pdeathsig");
	if (chdir("/") < 0)
		child_fail(2, "chdir");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(p->argv.v[0], p->argv.v);
	child_fail(2, p->argv.v[0]);
}
