/* attach.h - a client attached to a machine: the supervisor's frames out
 * to the user, the user's input in as frames, and neither ever waits on
 * the other (pool exec, pool console). */
#ifndef POOL_ATTACH_H
#define POOL_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/frame.h"
#include "util/err.h"

#define ATTACH_IN_MAX 32768	/* input bytes in one frame */

struct attach;

/* What the client does with the machine's side. */
struct attach_ops {
	/* Before each wait, with nothing queued: may queue a frame
	 * (attach_queue). 0 to go on, or a result to end with. */
	int (*before)(struct attach *a, struct pool_err *e);
	/* Input read from stdin (buf[0..*n), may be changed): 0 to send it
	 * as a frame of the client's input type, 1 to send what is left in
	 * it and then end with 0 (a detach). */
	int (*input)(struct attach *a, uint8_t *buf, size_t *n);
	/* A frame from the supervisor: 0 to go on, 1 to end with a->result,
	 * -1 on error. */
	int (*frame)(struct attach *a, const struct frame_hdr *h, const uint8_t *p, struct pool_err *e);
	/* The supervisor closed the connection: the result to end with. */
	int (*closed)(struct attach *a, struct pool_err *e);
};

struct attach {
	int fd;			/* the control socket */
	uint16_t in_type;	/* AGENT_STDIN or CTL_MSG_CONSOLE */
	uint32_t sid;
	bool eof_frame;		/* at end of input, send an empty frame of in_type */
	bool eof_detach;	/* the end of input detaches (ends with 0); may be set on the way */
	bool in_open;
	bool winsize;		/* attach_follow_winsize: the size of ... */
	int winsize_fd;		/* ... the terminal on this fd goes out */
	int result;		/* set by frame() when it ends the attachment */
	const struct attach_ops *ops;
	void *ctx;
	uint8_t pend[FRAME_HDR_LEN + ATTACH_IN_MAX];	/* one frame on its way out */
	size_t plen, poff;
};

/* Queue one frame, written without blocking; false when one is queued. */
bool attach_queue(struct attach *a, uint16_t type, const void *p, size_t n);

/* From now on, each change of the size of the terminal on fd (SIGWINCH)
 * goes out as a WINSIZE frame of a->sid (0: the console's); with now, its
 * size at the start too. Does nothing when fd is not a terminal. */
void attach_follow_winsize(struct attach *a, int fd, bool now);

/* Pump until a callback ends it: its result, or -1 with e. */
int attach_run(struct attach *a, struct pool_err *e);

#endif
