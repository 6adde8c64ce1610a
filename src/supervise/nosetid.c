/* nosetid.c - the seccomp filter of a share's virtiofsd: no set-id mode
 * reaches the host, and changes of owner are taken and not made. Classic BPF written out by hand rather than built with libseccomp: the
 * program is a constant table, so installing it between fork and exec
 * allocates nothing, and all of it can be read on one screen. */
#include "nosetid.h"

#include <errno.h>

#if defined(__x86_64__)

#include <fcntl.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <asm/unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

/* Newer than some headers. */
#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif
#ifndef __NR_openat2
#define __NR_openat2 437
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000
#endif

#define SETID (S_ISUID | S_ISGID)
/* O_TMPFILE is __O_TMPFILE | O_DIRECTORY; only the first bit creates. */
#define CREATES (O_CREAT | (O_TMPFILE & ~O_DIRECTORY))

/* The low 32 bits of argument n: all the kernel reads of a mode (umode_t)
 * or of open's flags (int). x86_64 is little-endian. */
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n))

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define IF_NOT(nr, skip) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, (skip))
#define DENY(err) (SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA))

/* Each block starts with the call number in A and either returns or skips
 * itself whole, with A untouched, to the next block. */

/* Call nr, mode in argument m: EPERM with a set-id bit. */
#define MODE(nr, m) \
	IF_NOT(nr, 4), \
	LD(ARG_LO(m)), \
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SETID, 0, 1), \
	RET(DENY(EPERM)), \
	RET(SECCOMP_RET_ALLOW)

/* Call nr, flags in argument f, mode in argument m: the mode counts only
 * when the call creates a file. */
#define CREATE(nr, f, m) \
	IF_NOT(nr, 6), \
	LD(ARG_LO(f)), \
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CREATES, 0, 3), \
	LD(ARG_LO(m)), \
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SETID, 0, 1), \
	RET(DENY(EPERM)), \
	RET(SECCOMP_RET_ALLOW)

/* Call nr: always err. */
#define REFUSE(nr, err) \
	IF_NOT(nr, 1), \
	RET(DENY(err))

/* Call nr: succeeds at once, and the kernel does nothing (an errno of 0). */
#define PRETEND(nr) \
	IF_NOT(nr, 1), \
	RET(SECCOMP_RET_ERRNO)

static const struct sock_filter program[] = {
	LD(offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LD(offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, __X32_SYSCALL_BIT, 0, 1),
	RET(SECCOMP_RET_KILL_PROCESS),
	/* openat first: virtiofsd makes it more than any other of these. */
	CREATE(__NR_openat, 2, 3),
	MODE(__NR_fchmodat, 2),
	MODE(__NR_fchmod, 1),
	MODE(__NR_mknodat, 2),
	MODE(__NR_mkdirat, 2),
	MODE(__NR_fchmodat2, 2),
	CREATE(__NR_open, 1, 2),
	MODE(__NR_creat, 1),
	MODE(__NR_chmod, 1),
	MODE(__NR_mknod, 1),
	MODE(__NR_mkdir, 1),
	/* Owners: a chown is taken and not made; so is the switch to the
	 * guest caller's ids, so everything is done as virtiofsd's own. */
	PRETEND(__NR_fchownat),
	PRETEND(__NR_fchown),
	PRETEND(__NR_lchown),
	PRETEND(__NR_chown),
	PRETEND(__NR_setresuid),
	PRETEND(__NR_setresgid),
	REFUSE(__NR_openat2, ENOSYS),
	REFUSE(__NR_io_uring_setup, ENOSYS),
	RET(SECCOMP_RET_ALLOW),
};

int nosetid_install(void)
{
	/* The kernel copies the program; it never writes through this. */
	struct sock_fprog prog = {
		.len = sizeof program / sizeof program[0],
		.filter = (struct sock_filter *)program,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? -1 : 0;
}

#else

int nosetid_install(void)
{
	errno = ENOSYS;	/* no filter written for this architecture */
	return -1;
}

#endif
