/* nosetid.h - no set-id bit and no file capability crosses a share.
 *
 * The guest's root drives virtiofsd, which writes on the host as the
 * invoking user: a set-uid copy of a shell made in a share would be a
 * set-uid program on the host, runnable by every local user who can reach
 * the folder. Two pieces keep that from happening:
 *
 * - nosetid_install(): a seccomp filter, installed in virtiofsd's process
 *   right before exec, that refuses every mode with S_ISUID or S_ISGID.
 * - NOSETID_VIRTIOFSD_OPTS: virtiofsd options that keep security.capability
 *   (and the rest of security.* and trusted.*) away from the host.
 */
#ifndef POOL_NOSETID_H
#define POOL_NOSETID_H

/* Set no_new_privs and install the filter on the calling thread; it stays
 * across execve and is inherited by children, and stacks with any filter
 * the program installs later (the kernel takes the strictest answer).
 * These fail with EPERM, whatever the caller's privileges:
 *   chmod, fchmod, fchmodat, fchmodat2   mode has S_ISUID or S_ISGID
 *   creat; open, openat with O_CREAT or O_TMPFILE   likewise
 *   mknod, mknodat                       likewise (S_IFREG|S_ISUID too)
 *   mkdir, mkdirat                       likewise; S_ISVTX is allowed
 * These fail with ENOSYS, so that callers fall back to the calls above:
 *   openat2          its mode sits in a struct the filter cannot read
 *   io_uring_setup   a ring's openat and mkdirat never pass the filter
 * A call of another architecture (i386 through int 0x80, x32) kills the
 * process: its numbers would mean other calls.
 *
 * mkdir: Linux drops S_ISUID and S_ISGID from mkdir's mode anyway (a folder
 * is set-gid only when its parent is, or through chmod), and a guest
 * kernel strips them before they reach FUSE; refusing them keeps the rule
 * one line long ("no mode with a set-id bit reaches the host") instead of
 * leaning on that. A folder below one the user made set-gid still inherits
 * the bit: that is the user's choice, and it gives no privilege.
 *
 * Safe between fork and exec, also in a child of a threaded process: the
 * program is a static table, and the function makes two prctl calls and
 * allocates nothing. x86_64 only: elsewhere it fails with ENOSYS, so a
 * share does not start unprotected. Returns 0, or -1 with errno. */
int nosetid_install(void);

/* Options for QEMU 7.2's C virtiofsd, as one -o argument (no commas
 * inside). The xattr map, first match wins:
 *   :prefix:client:security.capability:pool.nocap.:
 *        the guest's security.capability becomes pool.nocap.security.capability
 *        on the host, a name in no namespace the host kernel knows, so
 *        setting, reading and removing it fail with EOPNOTSUPP. (A bad or
 *        unsupported rule for security.capability would be simpler, but
 *        virtiofsd 7.2 maps that name once at start and exits with "Failed
 *        to map security.capability" when the map refuses it.)
 *   :unsupported:all:security.:security.:
 *   :unsupported:all:trusted.:trusted.:
 *        the rest of both namespaces: ENOTSUP for the guest, and the host's
 *        own entries (its security.capability included) hidden from lists
 *   :ok:all:::
 *        everything else as is: user.* and system.* keep working.
 * The guest sees ENOTSUP, which its kernel reads as "no capabilities" when
 * it executes a file, so programs in a share still run. The host image's
 * file capabilities (ping's cap_net_raw) are not seen in the guest either.
 * modcaps=-setfcap: virtiofsd runs without CAP_SETFCAP, so the host kernel
 * itself refuses a security.capability write, should a map ever let one
 * through. */
#define NOSETID_XATTRMAP \
	":prefix:client:security.capability:pool.nocap.:" \
	":unsupported:all:security.:security.:" \
	":unsupported:all:trusted.:trusted.:" \
	":ok:all:::"
#define NOSETID_VIRTIOFSD_OPTS "xattrmap=" NOSETID_XATTRMAP ",modcaps=-setfcap"

#endif
