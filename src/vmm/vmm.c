/* vmm.c - what every hypervisor backend shares: the fd slots, the argv
 * printed as it runs, the boot files, and starting it unprivileged.
 * QEMU's own -runas cannot be used under -sandbox elevateprivileges=deny
 * (its seccomp filter is in place before its setuid, and it dies with
 * SIGSYS), so pool drops privileges itself, after opening what needs root,
 * then execs. */
#include "vmm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

static const struct vmm_backend *const backends[] = { &vmm_qemu };

void vmm_fds_init(struct vmm_fds *f)
{
	for (size_t i = 0; i < VMM_SLOTS_MAX; i++)
		f->fd[i] = -1;
	f->cgroup_procs = -1;
}

uint64_t vmm_memory_limit(const struct plan *p)
{
	uint64_t mib = VMM_OVERHEAD_MIB + (p->accel.mode == ACCEL_KVM ? 0 : p->tb_mib);

	return p->m->memory + (mib << 20);
}

int vmm_argv(struct plan *p, struct pool_err *e)
{
	strv_free(&p->argv);
	return backends[0]->argv(p, &p->argv, e);
}

static void print_quoted(FILE *out, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:@%+") == strlen(s)) {
		fputs(s, out);
		return;
	}
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	}
	fputc('\'', out);
}

void vmm_print(const struct plan *p, FILE *out)
{
	fprintf(out, "argv       ");
	for (size_t i = 0; i < p->argv.n; i++) {
		fputc(' ', out);
		print_quoted(out, p->argv.v[i]);
	}
	fputc('\n', out);
	fprintf(out, "fds         %d console, %d agent, %d kernel, %d initrd", vmm_fd(VMM_SLOT_CONSOLE),
		vmm_fd(VMM_SLOT_AGENT), vmm_fd(VMM_SLOT_KERNEL), vmm_fd(VMM_SLOT_INITRD));
	if (p->has_net)
		fprintf(out, ", %d tap", vmm_fd(VMM_SLOT_TAP));
	for (size_t i = 0; i < p->nshares; i++)
		fprintf(out, ", %d share %s", vmm_fd(vmm_share_slot(i)), p->shares[i].tag);
	for (size_t i = 0; i < p->nvolumes; i++)
		fprintf(out, ", %d volume %s", vmm_fd(vmm_volume_slot(p, i)), p->volumes[i].serial);
	fputc('\n', out);
	fprintf(out, "memory max  %lluM (the guest's %lluM, QEMU's %uM",
		(unsigned long long)(vmm_memory_limit(p) >> 20), (unsigned long long)(p->m->memory >> 20),
		VMM_OVERHEAD_MIB);
	if (p->accel.mode != ACCEL_KVM)
		fprintf(out, ", TCG's translation cache %uM", p->tb_mib);
	fputs("; a memory cgroup where the host has one)\n", out);
}

int vmm_boot_fd(const char *path, int opened, struct pool_err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int mfd;
	off_t off = 0;

	fd = opened >= 0 ? fcntl(opened, F_DUPFD_CLOEXEC, 3) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		fcntl(fd, F_SETFL, 0);
	if (fd < 0 || fstat(fd, &st) < 0)
		return pool_err_sys(e, "%s", path);
	if (st.st_mode & S_IROTH)
		return steal_fd(&fd);
	mfd = memfd_create("pool-kernel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pool_err_sys(e, "memfd for %s", path);
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, fd, &off, (size_t)(st.st_size - off));

		if (n <= 0) {
			close(mfd);
			return pool_err_sys(e, "copying %s", path);
		}
	}
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	return mfd;
}

/* Folders of the host that are none of the hypervisor's business: in its
 * own mount namespace each is an empty read-only tmpfs. Its binary, its
 * libraries and firmware (/usr, /etc, /lib) and /dev, /proc stay. */
static const char *const vmm_hidden[] = {
	"/home", "/root", "/run", "/tmp", "/var", "/srv", "/mnt", "/media", "/opt", "/boot", "/dev/shm",
	NULL,
};

/* The hypervisor's whole environment: none of root's. */
static const char *const vmm_env[] = { "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

/* Whether path is dir or beneath it (the hypervisor's own binary, say). */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static __attribute__((noreturn)) void child_fail(int fd, const char *what)
{
	dprintf(fd, "pool: starting the hypervisor: %s: %s\n", what, strerror(errno));
	_exit(127);
}

pid_t vmm_spawn(const struct plan *p, const struct vmm_fds *fds, int stderr_fd, struct pool_err *e)
{
	int nfds = VMM_SLOTS_MAX;

	sigset_t all, old;
	pid_t parent = getpid(), pid;
	gid_t kvm_gid = p->gid;

	if (p->accel.mode == ACCEL_KVM) {
		struct group *kvm = getgrnam("kvm");	/* in the parent: NSS may open files */

		if (kvm)
			kvm_gid = kvm->gr_gid;
	}

	while (nfds > 0 && fds->fd[nfds - 1] < 0)
		nfds--;
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
	int high[VMM_SLOTS_MAX], i, null;
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);
	/* Into its memory cgroup before it has any memory to speak of. */
	if (fds->cgroup_procs >= 0 && write(fds->cgroup_procs, "0\n", 2) != 2)
		child_fail(stderr_fd, "joining its memory cgroup");
	/* Move everything out of the way first, then into place. */
	for (i = 0; i < nfds; i++) {
		high[i] = -1;
		if (fds->fd[i] >= 0 && (high[i] = fcntl(fds->fd[i], F_DUPFD_CLOEXEC, 100)) < 0)
			child_fail(stderr_fd, "dup");
	}
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		child_fail(stderr_fd, "/dev/null");
	if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(stderr_fd, 2) < 0)
		child_fail(stderr_fd, "dup2");
	for (i = 0; i < nfds; i++)
		if (high[i] >= 0 && dup2(high[i], vmm_fd(i)) < 0)
			child_fail(2, "dup2");
	if (close_range((unsigned)vmm_fd(nfds), ~0U, 0) < 0)
		child_fail(2, "close_range");

	/* Its own session, without a terminal: a terminal's Ctrl-C or hangup
	 * reaches pool, which shuts the guest down cleanly, and an escape
	 * cannot type into the user's shell (TIOCSTI needs the terminal to be
	 * its controlling one). */
	if (setsid() < 0)
		child_fail(2, "setsid");
	/* Its own network (the TAP fd works across), IPC and mount
	 * namespaces: an escape finds no host socket, not even on 127.0.0.1,
	 * no host IPC, and no home, /run or /tmp of the host. */
	if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS) < 0)
		child_fail(2, "unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(2, "making its mounts private");
	for (i = 0; vmm_hidden[i]; i++) {
		if (path_under(p->argv.v[0], vmm_hidden[i]))
			continue;
		if (mount("none", vmm_hidden[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,mode=755") < 0 && errno != ENOENT)
			child_fail(2, vmm_hidden[i]);
	}
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			child_fail(2, "dropping the bounding set");
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
	execve(p->argv.v[0], p->argv.v, (char *const *)vmm_env);
	child_fail(2, p->argv.v[0]);
}
