/* ctl_client.h - pool's side of a machine's control socket: connect, send
 * and receive frames, ask for a STATUS. */
#ifndef POOL_CTL_CLIENT_H
#define POOL_CTL_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/ctl_msg.h"
#include "supervise/state.h"
#include "util/err.h"

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

#endif
