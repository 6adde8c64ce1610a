/* ctl_client.h - pool's side of a machine's control socket, and the state
 * folders under POOL_STATE_DIR: find machines, tell the living from the
 * dead (a supervisor holds its folder's lock while it lives), reclaim the
 * dead. */
#ifndef POOL_CTL_CLIENT_H
#define POOL_CTL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ctl_msg.h"
#include "util/err.h"

/* One machine folder. Live: st comes from the supervisor itself; dead:
 * from the status file it wrote at boot. */
struct machine_entry {
	bool alive;
	bool have_status;
	struct ctl_status st;
};

/* Hold POOL_STATE_DIR/.lock while machine folders are created, probed or
 * reclaimed, so two pools never disagree about who lives. Returns the fd
 * (close it to release), or -1. create: make the state folder if missing. */
int state_lock(const char *root, bool create, struct pool_err *e);

/* 0 and *m for a machine folder, 1 when there is none, -1 on error. */
int machine_probe(const char *root, const char *name, struct machine_entry *m,
		  struct pool_err *e);

/* A dead machine's leftovers: its nft elements and its state folder.
 * Refuses a live one. Call with state_lock held. */
int machine_reclaim(const char *root, const char *name, struct pool_err *e);

/* The network rules a dead machine's status file names (its channel and
 * address then), for a new supervisor taking over its folder. */
int machine_net_reclaim(const char *root, const char *name, struct pool_err *e);

/* Before a machine claims address ip on channel: a live machine already
 * there is a clash (-1, usage error, naming it); a dead one is reclaimed.
 * Call with state_lock held. */
int machine_address_free(const char *root, const char *name, const char *channel,
			 uint32_t ip, struct pool_err *e);

/* After the control socket closed: true when NAME is still running
 * after ms (a supervisor that is going down lets go of its lock soon). */
bool machine_stays_up(const char *root, const char *name, unsigned ms);

/* Connect to NAME's control socket; -1 (with a clear line) when NAME is
 * not running. */
int ctl_connect(const char *root, const char *name, struct pool_err *e);
/* Write one whole frame, blocking. */
int ctl_send(int fd, uint16_t type, uint32_t sid, const void *p, size_t n, struct pool_err *e);
/* Read one whole frame, its header checked and its payload (h->len bytes)
 * in buf (FRAME_MAX bytes): 1; 0 on end of stream; -1 on error or
 * when a wait passes timeout_ms (-1: no timeout). */
int ctl_recv(int fd, uint8_t *buf, struct frame_hdr *h, int timeout_ms, struct pool_err *e);
/* Text from the other side (a guest's ERROR may pass through), made one
 * printable line: control bytes and non-ASCII become '?'. */
const char *ctl_text(const uint8_t *p, size_t n, char *out, size_t cap);

/* Ask a running machine's supervisor for its STATUS. */
int ctl_query(const char *root, const char *name, struct ctl_status *st, struct pool_err *e);

/* The state root from the environment (POOL_STATE_DIR or /run/pool). */
const char *state_root(void);

#endif
