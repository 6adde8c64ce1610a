/* priv_msg.h - the typed channel between a machine's two supervisor
 * processes: the privileged one (root: the state folder, the hypervisor
 * and virtiofsd, the network rules) and the guest-facing one (no
 * capability, an id of its own: it parses every byte the guest sends).
 *
 * One message a packet (SOCK_SEQPACKET), fixed size, fds beside it. The
 * privileged side takes only the requests below, re-checks each against
 * what it knows, and does nothing else for the other side: a guest that
 * takes over the guest-facing process gains nothing it did not have. */
#ifndef POOL_SUPERVISE_PRIV_MSG_H
#define POOL_SUPERVISE_PRIV_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ctl_msg.h"
#include "net/egress.h"

enum priv_type {
	/* guest-facing -> privileged */
	PRIV_KILL_VM = 1,	/* stop the hypervisor now (SIGKILL) */
	PRIV_RESTART_VM,	/* the guest rebooted: start the hypervisor again */
	PRIV_ROTATE_LOG,	/* console.log is full: a fresh one (PRIV_LOG), the old as .1 */
	PRIV_READY,		/* the agent is READY: pool up -d may return; text: the boot times */
	PRIV_ALLOW,		/* el[0..nel): open these for the machine's allow list (answered PRIV_ALLOWED) */
	PRIV_EGRESS_STATE,	/* fds: a memfd with what pool egress shows */
	PRIV_DONE,		/* a: exit status or -1; b: its error's status; text */
	PRIV_LOG_SWITCHED,	/* nothing more goes to the old console.log: rename now */
	PRIV_MESH_READY,	/* the agent is READY (each boot): the mesh's files, if this boot lacks them */
	/* privileged -> guest-facing */
	PRIV_VM_STARTED = 16,	/* a: the hypervisor's pid; pids: virtiofsd's; fds: console, agent, stderr */
	PRIV_VM_EXITED,		/* a: its wait status */
	PRIV_VM_FAILED,		/* a restart failed: text */
	PRIV_SIGNAL,		/* a: a signal someone sent the machine's supervisor */
	PRIV_SHARE_ENDED,	/* a: the share whose virtiofsd ended; the hypervisor is stopped */
	PRIV_LOG,		/* fds: the new console.log (console.log.new until PRIV_LOG_SWITCHED) */
	PRIV_ALLOWED,		/* a: 0, or -1 and text: the answer to PRIV_ALLOW */
	PRIV_MESH_FILES,	/* fds: a sealed memfd, a MESH_FILES payload for the agent */
};

#define PRIV_TEXT_MAX 1024
#define PRIV_FDS_MAX 3

struct priv_msg {
	uint32_t type;
	int32_t a, b;
	uint32_t npids;
	int32_t pids[CTL_FS_MAX];
	uint32_t nel;
	struct egress_elem el[EGRESS_ADD_MAX];
	char text[PRIV_TEXT_MAX];	/* NUL-terminated */
};

/* Whether len bytes at buf are one well-formed message of a type that
 * flows that way (to_priv: a request; else an event), and the number of
 * fds it carries is the one its type has. 0 and *out, or -1 and *why. */
int priv_msg_check(const void *buf, size_t len, size_t nfds, bool to_priv, struct priv_msg *out,
		   const char **why);

/* How many fds a message of type t carries. */
size_t priv_msg_fds(uint32_t t);

/* Send one message with nfds fds (may be 0); 0 or -1 with errno. The
 * privileged side sends with MSG_DONTWAIT (flags): a guest-facing side
 * that reads nothing must not hang it. */
int priv_send(int sock, const struct priv_msg *m, const int *fds, size_t nfds);
int priv_send_flags(int sock, const struct priv_msg *m, const int *fds, size_t nfds, int flags);

/* Receive one: 1 with *m and fds[0..priv_msg_fds) (others closed), 0 at
 * the end, -1 with errno (EAGAIN: nothing yet; EPROTO: malformed, *why). */
int priv_recv(int sock, bool to_priv, struct priv_msg *m, int fds[PRIV_FDS_MAX], const char **why);

#endif
