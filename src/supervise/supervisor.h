/* supervisor.h - one machine's life: state folder, hypervisor, console,
 * agent; for `pool run` (a command, then power off) and `pool up`
 * (the console attached until the guest powers off). */
#ifndef POOL_SUPERVISOR_H
#define POOL_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>

#include "common/agent_msg.h"
#include "plan.h"

/* When each step of one boot happened, for POOL_BOOT_TIMES and bench/boot:
 * host clocks in ns since the epoch (CLOCK_REALTIME, so they compare with
 * a shell's `date +%s.%N`), 0 for a step that did not happen; the guest's
 * READY timestamps in ns since its kernel started. */
struct boot_times {
	uint64_t start_ns;	/* pool started on the boot */
	uint64_t qemu_ns;	/* the hypervisor spawned */
	uint64_t ready_ns;	/* the agent's READY arrived */
	uint64_t exit_ns;	/* the command's EXIT arrived */
	uint64_t qemu_end_ns;	/* the hypervisor ended */
	struct agent_ready guest;
};

struct run_request {
	char **argv;		/* the guest command (run), NULL for up */
	int argc;
	char **env;		/* its environment, "KEY=VALUE" each: exactly these */
	size_t nenv;
	/* run: AGENT_EXEC_TTY for a terminal of its own in the guest (the
	 * user's, on stdin, raw while it runs), with AGENT_EXEC_WINSIZE and
	 * ws its size (command_terminal) */
	uint8_t exec_flags;
	struct agent_winsize ws;
	bool detached;		/* up -d: no console on stdio */
	int ready_fd;		/* up -d: gets "R" when the agent is READY; else -1 */
	struct boot_times *times;	/* filled in when not NULL */
	/* A spare (spare.h): booted ahead of the next run of its plan, in
	 * state spare until one client claims it with the same plan hash;
	 * powers off after spare_idle_s unclaimed. Detached, no command. */
	bool spare;
	unsigned spare_idle_s;
	const char *plan_hash;	/* the spare's plan_hash(), 64 hex digits */
};

/* POOL_BOOT_TIMES: one line on stderr with every step's clock (bench/boot
 * reads it); a step that did not happen shows 0 (a claimed spare's
 * hypervisor start). */
void boot_times_print(const struct boot_times *t);

/* Boot the plan and serve it in the foreground. Returns the exit status
 * (the guest command's for run; 0 when the guest powered off for up), or
 * -1 with e filled. Leaves no process or state folder behind. */
int supervise(struct plan *p, const struct run_request *req, struct pool_err *e);

/* pool up -d: supervise in a child of its own session; return 0 once the
 * agent is READY (printing "NAME ADDRESS"), or -1 with the reason after
 * the child has cleaned up. */
int supervise_detached(struct plan *p, struct pool_err *e);

#endif
