/* claim.h - pool run's and pool up -d's side of a spare (supervise/spare.h):
 * before a cold boot, a spare of the same plan is claimed and used instead;
 * a spare of another plan is discarded; a machine of the name that is
 * stopping is waited out, not refused. */
#ifndef POOL_CMD_CLAIM_H
#define POOL_CMD_CLAIM_H

#include <stdbool.h>
#include <stddef.h>

#include "supervise/supervisor.h"
#include "util/err.h"

enum claim_how {
	CLAIM_FOR_RUN,		/* run the command on it; it powers off after */
	CLAIM_FOR_UP,		/* up -d: it stays up, as a booted machine would */
	CLAIM_DISCARD,		/* take no spare (pool up attached, POOL_WARM_IDLE=0): one found is discarded */
};

struct claim_request {
	const char *root;	/* POOL_STATE_DIR */
	const char *name;
	const char *hash;	/* the plan's plan_hash(), 64 hex digits */
	enum claim_how how;
	const char *up_line;	/* up -d: what it prints once the machine is up ("NAME ADDRESS [PORTS]") */
	/* run: the command, as pool run would send it */
	char **argv;
	int argc;
	char **env;
	size_t nenv;
	const char *cwd;	/* "" for the machine's workdir */
	uint8_t exec_flags;	/* AGENT_EXEC_TTY (and _WINSIZE, ws): a terminal of its own */
	struct agent_winsize ws;
	struct boot_times *times;	/* ready_ns (the claim granted), exit_ns */
};

/* Before a cold boot of machine r->name:
 *   - a spare of this plan: claimed; for run, the command runs on it and
 *     *status is its exit status; for up -d, "NAME ADDRESS" is printed and
 *     *status is 0. Returns 1.
 *   - a spare of another plan, or one not wanted (CLAIM_DISCARD): it is
 *     discarded, and gone when this returns 0;
 *   - a machine of the name that is stopping: gone when this returns 0;
 *   - none, a dead one, or one that runs: 0 (the cold boot reclaims a dead
 *     one and refuses a running one, as it always did).
 * -1 with e: the claimed machine failed the command, as a cold run's would
 * (it stopped, or its agent said so). */
int claim_spare(const struct claim_request *r, int *status, struct pool_err *e);

#endif
