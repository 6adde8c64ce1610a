/* nosetid.h - no set-id bit and no file capability crosses a share, and
 * a change of owner in a share is taken without being made.
 *
 * The guest's root drives virtiofsd, which writes on the host as the
 * invoking user: a set-uid copy of a shell made in a share would be a
 * set-uid program on the host, runnable by every local user who can reach
 * the folder. Two pieces keep that from happening:
 *
 * - nosetid_install(): a seccomp filter, installed in virtiofsd's process
 *   right before exec, that refuses every mode with S_ISUID or S_ISGID.
 * - NOSETID_VIRTIOFSD_OPTS: virtiofsd options that keep security.capability
 *   writes (and the rest of security.* and trusted.*) away from the host.
 *
 * The same filter makes every chown succeed without changing anything
 * (below): a share's files stay the invoking user's, and builds that
 * restore owners (tar as root, cp -a) work.
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
 * These succeed at once and the kernel does nothing:
 *   chown, fchown, lchown, fchownat     a share's files are the invoking
 *        user's on the host, whoever the guest says owns them: tar, cp -a,
 *        npm and pip, run as the guest's root, restore owners and stop
 *        when that fails; the host owner stays, and the guest sees it
 *        (root, or the share's owner:) on its next look
 *   setresuid, setresgid                 virtiofsd's switch to the ids of
 *        the guest process it serves (only its namespace's one id is
 *        mapped, so any other failed): everything is done as virtiofsd
 *        itself, so a guest role writes what the guest kernel lets it
 *        (virtiofs checks permissions in the guest), and it lands as the
 *        user. The guest's root could do all of that anyway.
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
 *   :ok:all:security.capability:security.capability:
 *        the name as it is. virtiofsd 7.2 maps it once at start (a bad or
 *        unsupported rule makes it exit: "Failed to map
 *        security.capability"), and when the map changes the name, every
 *        chown first removes the changed one through an O_PATH fd, which
 *        fails with EBADF: no chown could ever work. Unchanged, virtiofsd
 *        removes nothing itself. Writing it stays refused by the host
 *        kernel: virtiofsd has no CAP_SETFCAP (modcaps below), and one
 *        written in its user namespace would be a namespaced (v3)
 *        capability, void outside it. The guest reads the host's (ping's
 *        cap_net_raw in image host): a privilege in the guest alone.
 *   :unsupported:all:security.:security.:
 *   :unsupported:all:trusted.:trusted.:
 *        the rest of both namespaces: ENOTSUP for the guest, and the host's
 *        own entries hidden from lists
 *   :ok:all:::
 *        everything else as is: user.* and system.* keep working.
 * modcaps=-setfcap: virtiofsd runs without CAP_SETFCAP, so the host kernel
 * itself refuses every security.capability write (EPERM in the guest). */
#define NOSETID_XATTRMAP \
	":ok:all:security.capability:security.capability:" \
	":unsupported:all:security.:security.:" \
	":unsupported:all:trusted.:trusted.:" \
	":ok:all:::"
#define NOSETID_VIRTIOFSD_OPTS "xattrmap=" NOSETID_XATTRMAP ",modcaps=-setfcap"

#endif
