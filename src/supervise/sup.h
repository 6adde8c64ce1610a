/* sup.h - inside one machine's supervisor: its state, and what its parts
 * (supervisor.c: lifetime and event loop; priv.c: the split into a
 * privileged and a guest-facing process; life.c; console.c; ctl.c;
 * guest.c) share. Not for use outside src/supervise/. */
#ifndef POOL_SUPERVISE_SUP_H
#define POOL_SUPERVISE_SUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/ctl_msg.h"
#include "common/logline.h"
#include "plan.h"
#include "supervise/agent.h"
#include "supervise/ids.h"
#include "supervise/mesh.h"
#include "supervise/net.h"
#include "supervise/ports.h"
#include "supervise/shares.h"
#include "supervise/supervisor.h"
#include "supervise/volumes.h"
#include "util/err.h"
#include "util/termout.h"
#include "util/tty.h"

#define RUN_SID 1u
#define SHUTDOWN_GRACE_MS 10000
#define LOG_MAX (4u << 20)	/* console.log is rotated past this */
#define CTRL_RBRACKET 0x1d
#define QEMU_LOG_MAX (1u << 20)	/* what QEMU may write to qemu.log */
#define CTL_CLIENTS_MAX 32	/* control connections at once */
#define CTL_SESSIONS_MAX 28	/* of which exec and console: ls and down always get in */
#define CTL_IDLE_MS 5000	/* a connection that says nothing for this long is closed */
#define CTL_STALL_MS 30000	/* an exec client that reads nothing for this long is dropped */
#define CTL_OUT_HIGH (1u << 20)	/* the guest's output waits while a client lags */
#define CTL_OUT_MAX (4u << 20)	/* a client that reads nothing is dropped past this */
#define AGENT_OUT_MAX (1u << 20)	/* stop taking STDIN while the guest lags */

struct sup;

/* One connection on the control socket: pool ls, down, exec or console. */
struct ctl_client {
	struct sup *s;
	int fd;			/* -1: slot free */
	struct agent_conn conn;
	struct ctl_conv conv;
	uint32_t gsid;		/* exec: the session's id towards the guest */
	bool unlogged;		/* exec: its output stays out of the machine's log (pool cp) */
	uint64_t accepted_ms;
	uint64_t stalled_ms;	/* since when its queue is past CTL_OUT_HIGH and not shrinking */
	size_t stalled_len;
	bool closing;		/* close once what is queued is written */
	bool claimer;		/* it claimed this machine when it was a spare (spare.c) */
	bool claim_granted;	/* and was told so (the machine was READY) */
};

struct sup {
	struct plan *p;
	const struct run_request *req;
	uint8_t *exec;		/* the EXEC payload, encoded before boot */
	size_t exec_len;
	size_t qemu_log_size;
	size_t conq_len;
	size_t log_size;
	size_t tail_len;
	uint64_t deadline_ms;
	uint64_t boot_deadline_ms;	/* the agent is READY by then, or the boot failed */
	uint64_t start_ms;
	unsigned timeout_s;		/* POOL_BOOT_TIMEOUT */
	time_t started;
	struct ctl_client *cl;	/* CTL_CLIENTS_MAX slots */
	struct pool_err err;	/* for frame callbacks */
	struct shares sh;	/* one virtiofsd each */
	struct strv usr_mask;	/* image host: what of /usr others may not read */
	struct volume_set vols;	/* open, locked images */
	struct sup_net net;	/* TAP, rules, DHCP */
	struct sup_mesh mesh;	/* its port on the host; its key and certificate until the archive has them */
	struct ports ports;	/* published ports */
	struct agent_conn agent;
	struct tty_saved tty;	/* pool up, and run with a terminal: the user's, raw (run: from READY to EXIT) */
	/* The user's stdout and stderr as guest bytes reach them: the
	 * console in pool up (out[0]), the command's output in pool run. */
	struct termout out[2];

	int lock_fd, log_fd, qemu_log_fd, kernel_fd, initrd_fd, sig_fd;
	int cgroup_fd;		/* the hypervisor's memory cgroup (its cgroup.procs), or -1 */
	char cgroup[POOL_NAME_MAX + 16];	/* its name (util/cgroup.h) */
	int qemu_err;		/* read end of QEMU's stderr */
	int con;		/* our end of the serial console */
	pid_t qemu;
	int qemu_status;
	int exit_status;
	int interrupted;	/* signal that asked us to stop, or 0 */
	int ctl_fd;		/* the listening control socket */
	int ready_fd;		/* pool up -d: told "R" once the agent is READY (privileged side) */
	int priv_fd;		/* the channel between the two processes (priv_msg.h) */
	pid_t priv_pid;		/* the privileged process: what pool ls and pool down see */
	struct id_lease ids[2];	/* the hypervisor's uid and gid, the guest-facing side's */
	int console_cl;		/* the client holding the console, or -1 */
	uint32_t next_sid;	/* exec sessions towards the guest */
	uint32_t orphan[CTL_SESSIONS_MAX];	/* sessions whose client went away: the log keeps their output */
	size_t orphan_next;

	bool agent_open;
	bool stdin_open;
	bool exec_sent, have_exit;
	bool shutting_down;
	bool reboot_notice;
	bool down_asked;	/* pool down asked for the power-off */
	bool restarting;	/* a new hypervisor was asked for */
	bool restart_failed;
	bool rotating;		/* a fresh console.log was asked for */
	bool ready_told;
	/* spare.c: a spare until claimed; claimed, never again. */
	bool spare;		/* nobody has claimed it (it takes no exec, no console) */
	bool claimed;		/* a client claimed it: it was a spare, and is no more */
	bool claimed_run;	/* by pool run: it powers off when the claimer leaves */
	uint64_t idle_deadline_ms;	/* a READY spare powers off at this time */

	uint8_t conq[65536];	/* typed input waiting for the console */
	char boot_line[256];	/* the console's unfinished line while it boots (console.c) */
	size_t boot_line_len;
	bool boot_quiet;	/* its noise line is gone, or the agent is ready: nothing held back */
	bool log_mid;		/* console.log's last line is unfinished */
	uint64_t log_who;	/* who wrote it: LOG_CONSOLE, LOG_POOL, or an exec session (console.c) */
	bool log_fed_mid;	/* the guest's last line is unfinished, held back or not */
	struct logline logl;	/* the guest's bytes on their way into the log (common/logline.h) */
	char tail[4096];	/* the last console bytes, for error messages */
	char qemu_last[512];	/* QEMU's last whole line on stderr */
	char qemu_cur[512];	/* and the one it is writing */
	size_t qemu_cur_len;
};

/* life.c */
uint64_t now_ms(void);
/* CLOCK_REALTIME in ns, for boot_times. */
uint64_t real_ns(void);
/* What pool ls shows of this machine. */
void status_fill(const struct sup *s, struct ctl_status *st);
/* Power the machine off: through its agent, killed after the grace time
 * (at once when there is no agent to ask). */
void begin_shutdown(struct sup *s, struct pool_err *e);
/* Someone sent a stop signal: power off; asked again, stop now. */
void asked_to_stop(struct sup *s, int sig, struct pool_err *e);

/* priv.c, the privileged side */
/* Start the hypervisor and its virtiofsd: s->qemu, s->con, the agent,
 * s->qemu_err. */
int priv_vm_start(struct sup *s, struct pool_err *e);
/* Serve the guest-facing process child over fd until it has ended; its
 * result: the exit status, or -1 with e. */
int priv_serve(struct sup *s, int fd, pid_t child, struct pool_err *e);
/* priv.c, the guest-facing side */
/* Nothing of the parent's but keep[0..nkeep), no capability, its own id,
 * dead with the privileged process. Exits when any of it fails. */
void drop_to_guest_facing(struct sup *s, const int *keep, size_t nkeep);
void priv_events(struct sup *s, struct pool_err *e);
void vm_kill(struct sup *s);
void vm_restart(struct sup *s);
void log_rotate(struct sup *s);
void tell_ready(struct sup *s, const char *times);	/* times: the boot times, one line */
void tell_done(struct sup *s, int status, const struct pool_err *e);
int sup_allow(struct sup *s, const struct egress_elem *el, size_t n, struct pool_err *e);
void sup_egress_state(struct sup *s, const char *text, size_t len);
void tell_mesh_ready(struct sup *s);	/* each READY of a mesh machine (mesh.h) */
/* Both: the console, agent and QEMU's stderr fds closed. */
void vm_fds_close(struct sup *s);

/* guest.c */
/* pool run's EXEC payload, encoded before the machine boots, so a
 * command that cannot be sent is refused before any work is done. */
int encode_exec(struct sup *s, struct pool_err *e);
/* The user's terminal's size to the guest: pool run's command's pty, or
 * pool up's console (nothing for a command without a terminal). */
void send_winsize(struct sup *s);
/* One frame from the guest's agent (agent_frame_fn). */
int on_frame(void *ctx, const struct frame_hdr *h, const uint8_t *p);
/* The mesh's files from the privileged side (PRIV_MESH_FILES, a sealed
 * memfd, which it closes) on to the running guest's agent. */
void mesh_relay(struct sup *s, int fd);

/* console.c */
void console_in(struct sup *s, bool drain);	/* drain: all there is */
void console_out(struct sup *s);		/* typed input, without blocking */
/* The machine booted (its agent is ready): the console is held back no
 * more (see BOOT_NOISE in console.c). */
void console_booted(struct sup *s);
void qemu_err_in(struct sup *s);
/* A line of pool's own for the machine's log and the user's stderr. */
void console_note(struct sup *s, const char *line);
/* An exec session's output in the machine's log: each line marked
 * "[exec SID] " (stdout) or "[exec SID err] " (stderr). */
#define LOG_CONSOLE 0u
#define LOG_POOL UINT64_MAX	/* pool's own lines */
void log_session(struct sup *s, uint32_t sid, bool err, const uint8_t *p, size_t n);
/* A line of pool's own for the machine's log only. */
void log_note(struct sup *s, const char *line);
/* The log is closing: what the guest's stream held back goes in. */
void log_end(struct sup *s);
/* The last few console lines, made printable, for an error message. */
void tail_lines(const struct sup *s, char *out, size_t cap, int lines);

/* spare.c: a spare's life in its supervisor (spare.h has the rest). */
void spare_init(struct sup *s);
/* An EXEC or CONSOLE from client c (after `was`): refused with a line
 * (true) while the machine is a spare, or after a claim not granted. */
bool spare_refuses(struct sup *s, struct ctl_client *c, enum ctl_kind was);
/* A CLAIM from client c (its payload, checked by frame.c). */
void spare_claim(struct sup *s, struct ctl_client *c, const uint8_t *p, size_t n);
/* The agent is READY: a pending claim is granted, a spare's idle clock starts. */
void spare_ready(struct sup *s);
/* Once a round: a spare left unclaimed too long powers off. */
void spare_tick(struct sup *s);
/* Client c is going away: the machine it claimed for a run powers off. */
void spare_client_gone(struct sup *s, struct ctl_client *c);

/* ctl.c */
int ctl_listen(struct sup *s, struct pool_err *e);
void ctl_accept(struct sup *s);
void ctl_client_io(struct sup *s, struct ctl_client *c, short revents);
/* Queue a frame for a client; one that has stopped reading is dropped. */
void ctl_send_to(struct sup *s, struct ctl_client *c, uint16_t type, uint32_t sid, const void *p,
		 size_t n);
void ctl_send_status(struct sup *s, struct ctl_client *c);	/* the machine's STATUS, to c */
void ctl_drop(struct sup *s, struct ctl_client *c);
/* A frame of an exec session that belongs to a control client. */
void ctl_from_guest(struct sup *s, const struct frame_hdr *h, const uint8_t *p);
/* The guest's agent restarted or went away: its sessions are gone. */
void ctl_exec_lost(struct sup *s);
void ctl_timers(struct sup *s);
bool ctl_lagging(const struct sup *s);
void ctl_close(struct sup *s);

#endif
