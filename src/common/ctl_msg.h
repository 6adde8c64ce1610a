/* ctl_msg.h - a machine's control socket: what `pool ls`, `down`, `exec`
 * and `console` say to the machine's supervisor.
 *
 * The socket ($POOL_STATE_DIR/NAME/ctl.sock, 0600 in a 0700 folder)
 * carries frames (frame.h: 12-byte header, 64 KiB bound). One
 * connection is one conversation, chosen by the client's first frame:
 *
 *   STATUS (empty)        one STATUS reply (key=value lines), then close
 *   DOWN (be32 seconds)   the machine powers off (killed after that many
 *                         seconds); the connection closes when it is gone
 *   EXEC (sid != 0)       then STDIN, SIGNAL and WINSIZE frames of that sid; the supervisor
 *                         sends STDOUT/STDERR of that sid and one EXIT (or
 *                         ERROR) and closes
 *   CONSOLE (empty)       then CONSOLE frames both ways (typed bytes in,
 *                         console bytes out), and WINSIZE of sid 0 in (the
 *                         user's terminal's size); one console at a time
 *   CLAIM (hash, how)     take a spare whose plan hash is this one: one
 *                         STATUS once it is READY (it is the claimer's
 *                         now), or an ERROR and close; then (how run) one
 *                         EXEC as above, and the machine powers off when
 *                         this connection ends
 *
 * Anything else, in any order, ends the connection: ctl_conv_step is the
 * whole rule, a pure function the supervisor runs on every frame a client
 * sends, and the fuzz target drives. */
#ifndef POOL_CTL_PROTO_H
#define POOL_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_msg.h"
#include "parse.h"
#include "frame.h"

#define CTL_SOCKET "ctl.sock"
#define CTL_FS_MAX 16		/* virtiofsd pids in a STATUS */
#define CTL_STATUS_MAX 2048	/* a STATUS reply is at most this long */

enum ctl_kind {
	CTL_NEW,	/* nothing received yet */
	CTL_STATUS,
	CTL_DOWN,
	CTL_EXEC,
	CTL_CONSOLE,
	CTL_CLAIM,	/* a claim sent; an EXEC may follow */
};

/* One client's conversation, as far as it has gone. */
struct ctl_conv {
	enum ctl_kind kind;
	uint32_t sid;		/* CTL_EXEC: the client's session id */
	unsigned down_s;	/* CTL_DOWN: seconds before the machine is killed */
};

/* Take one frame from a client (header already decoded by frame_reader,
 * payload h->len bytes): 0 when it is allowed at this point of the
 * conversation (c advances), -1 with *why otherwise. EXEC payloads are
 * decoded in full here, so what the supervisor forwards is well formed. */
int ctl_conv_step(struct ctl_conv *c, const struct frame_hdr *h, const uint8_t *p,
		  const char **why);

enum ctl_state {
	CTL_BOOTING,	/* hypervisor started, agent not ready yet */
	CTL_RUNNING,	/* agent READY */
	CTL_STOPPING,	/* powering off */
	CTL_SPARE,	/* booted (or booting) ahead of a run; nobody has used it */
};
const char *ctl_state_name(enum ctl_state s);

/* What a supervisor says about its machine. */
struct ctl_status {
	char name[33];
	char address[16];	/* "" without a network */
	char channel[16];	/* "" without a network */
	enum ctl_state state;
	pid_t pid;		/* the supervisor */
	pid_t qemu;		/* 0 between a reboot's two hypervisors */
	pid_t fs[CTL_FS_MAX];	/* virtiofsd, one per share */
	size_t nfs;
	uint64_t started;	/* seconds since the epoch */
	int console;		/* 1 when a console is attached */
	struct port_map ports[PORT_MAPS_MAX];	/* published ports ("port=IP:HOST:GUEST/proto") */
	size_t nports;
	int ready;		/* 1 once the agent is READY */
};

/* "name=...\n" lines; returns the length or -1 when cap is too small. */
long ctl_status_encode(char *out, size_t cap, const struct ctl_status *s);
/* Pure over (p, n): every key known and given once (fs may repeat up to
 * CTL_FS_MAX), every value checked; name, state and pid required. */
int ctl_status_decode(const uint8_t *p, size_t n, struct ctl_status *s, const char **why);

#endif
