/* shares.h - a machine's shares: one virtiofsd each, sandboxed, files
 * owned by the user who invoked pool. */
#ifndef POOL_SUPERVISE_SHARES_H
#define POOL_SUPERVISE_SHARES_H

#include <stdbool.h>
#include <time.h>
#include <sys/types.h>

#include "plan.h"
#include "util/err.h"
#include "util/strv.h"
#include "util/user.h"

struct virtiofsd {
	pid_t pid;
	int qemu_fd;		/* connected vhost-user socket, for QEMU */
};

/* What one virtiofsd serves. */
struct share_serve {
	const char *source;		/* for messages */
	int src_fd;			/* the folder (O_PATH), opened by whom it is served for */
	bool readonly;
	const char *const *protect;	/* paths in it served read-only */
	size_t nprotect;
	const char *const *mask;	/* paths in it hidden behind empty ones */
	size_t nmask;
	const char *mnt;		/* a folder of pool's, where it is laid out */
	uid_t guest_uid;		/* whose its files are in the guest (owner:; uid and gid) */
};

/* Start virtiofsd for the folder sv->src_fd. It runs as the user `as` (NULL:
 * root, for the host's own /usr and /nix/store), its uid and primary gid
 * without supplementary groups (virtiofsd drops those itself), in a new
 * user namespace whose only uid (and gid) sv->guest_uid (0 unless the
 * share names an owner) maps to it; virtiofsd is that id there, with its
 * capabilities. The share's filter (nosetid.h) takes every change of
 * owner without making it and keeps virtiofsd from switching to its
 * callers' ids, so what anyone in the guest creates is the user's on the
 * host, and shows as sv->guest_uid's in the guest. And in a mount
 * namespace where a read-only share is a read-only bind mount (writes
 * fail with EROFS, whatever the guest does). sock_path is where the
 * listening socket is made (inside the machine's state folder); bin is
 * the virtiofsd to run (struct pool_paths). */
int virtiofsd_start(struct virtiofsd *v, const char *bin, const struct share_serve *sv,
		    const struct pool_user *as, const char *sock_path, int log_fd, struct pool_err *e);
void virtiofsd_stop(struct virtiofsd *v);

/* The machine's set, in plan order. */
struct shares {
	struct virtiofsd fs[PLAN_SHARES_MAX];
	int src_fd[PLAN_SHARES_MAX];	/* each folder, opened once */
	struct strv missing[PLAN_SHARES_MAX];	/* protected paths it lacked at the start */
	size_t n;		/* started (or tried) */
	bool opened;
	time_t started;		/* when they were opened: what is newer, the machine made */
};

void shares_init(struct shares *sh);
/* One virtiofsd for each of the plan's shares, as the invoking user (the
 * host's /usr and /nix/store as root); their messages go to log_fd. The
 * first start opens each folder (beneath the spec's folder, as the
 * invoking user); a reboot's start uses the same. usr_mask: paths of the
 * host's /usr that others may not read, hidden from the guest. */
int shares_start(const struct plan *p, struct shares *sh, const struct strv *usr_mask, int log_fd,
		 struct pool_err *e);
/* After the machine: a protected path it made (one that did not exist at
 * the start) is moved aside, NAME.pool-quarantine-TIME, with a warning;
 * the folders are closed. */
void shares_close(const struct plan *p, struct shares *sh);
/* A virtiofsd that has ended: its index, with its wait status in
 * *status; -1 when none has. */
int shares_reap(struct shares *sh, int *status);
void shares_stop(struct shares *sh);

#endif
