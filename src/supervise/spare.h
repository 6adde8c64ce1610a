/* spare.h - spares: a machine booted ahead of the next `pool run` (or
 * `pool up -d`) of its plan, in state spare, which nobody has used. One
 * client claims it whole, with the same plan hash (plan_hash); a claimed
 * machine is never a spare again, and is discarded after its use as any
 * machine is. The rules, all in spare.c:
 *   - a spare takes no exec and no console: nobody uses it before a claim;
 *   - a claim is one event in the supervisor's single loop: the first
 *     claimer with the same hash gets it, every later one is refused;
 *   - a claim with another hash discards the spare (it powers off);
 *   - a claim by pool run powers the machine off when the claimer leaves;
 *   - a spare left unclaimed for POOL_WARM_IDLE seconds powers off;
 *   - the next spare is booted by the run that used the last one, once its
 *     machine is gone (spare_keep), never by a supervisor that served a
 *     guest. */
#ifndef POOL_SUPERVISE_SPARE_H
#define POOL_SUPERVISE_SPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "util/err.h"

#define SPARE_IDLE_DEFAULT_S 600
#define SPARE_IDLE_MAX_S 86400

/* POOL_WARM_IDLE: seconds a spare waits to be claimed, 0..86400 (600 when
 * unset); 0 disables spares: none is booted, and one found is discarded. */
int spare_idle_s(unsigned *s, struct pool_err *e);

/* Boot a spare of plan p in the background: a child of its own session
 * waits until no machine of p's name is left (the one that just ran stops
 * first: the name and address are the spec's), then supervises a spare of
 * p, detached, hashed anew then. Returns at once (0), or -1 when no child
 * could be made. A spare that fails to boot is not tried again: its reason
 * is kept for the next run of its name (spare_last_failure). */
int spare_keep(struct plan *p, unsigned idle_s, uid_t uid, gid_t gid, const gid_t *groups,
	       size_t ngroups, struct pool_err *e);

/* Why the last spare of name did not boot: 1 and msg (once: the record is
 * removed), 0 when none failed. */
int spare_last_failure(const char *root, const char *name, char *msg, size_t cap);

#endif
