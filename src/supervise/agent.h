/* agent.h - the host's end of the agent connection: frames in, frames out. */
#ifndef POOL_SUPERVISE_AGENT_H
#define POOL_SUPERVISE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/agent_msg.h"
#include "common/frame.h"
#include "util/err.h"

struct agent_conn {
	int fd;			/* non-blocking socket to QEMU's virtserialport */
	struct frame_reader rd;
	uint8_t *out;		/* frames waiting to be written */
	size_t outlen, outcap;
	bool ready;
	struct agent_ready times;
};

typedef int (*agent_frame_fn)(void *ctx, const struct frame_hdr *h, const uint8_t *payload);

void agent_conn_init(struct agent_conn *a, int fd);
void agent_conn_free(struct agent_conn *a);
/* Queue a frame; it leaves with agent_conn_flush. */
int agent_conn_send(struct agent_conn *a, uint16_t type, uint32_t sid, const void *p,
		    size_t n, struct pool_err *e);
int agent_conn_send_exec(struct agent_conn *a, uint32_t sid, const struct agent_exec *x,
			 struct pool_err *e);
/* Write what can be written without blocking. */
int agent_conn_flush(struct agent_conn *a, struct pool_err *e);
/* Read what is there and hand each whole frame to fn. READY is handled
 * here (times recorded) and also passed on. 0: fine; 1: the guest closed;
 * -1: error (a malformed frame: the connection is not to be trusted). */
int agent_conn_read(struct agent_conn *a, agent_frame_fn fn, void *ctx, struct pool_err *e);

#endif
