/* agent_proto.h - frames between pool (host) and pool-init's agent (guest).
 *
 * A frame is a 12-byte header and a payload:
 *
 *   be32 len    payload length, 0..AGENT_PAYLOAD_MAX
 *   be16 type   enum agent_type
 *   be16 flags  0 (reserved; a non-zero value is an error)
 *   be32 sid    session: which EXEC a STDIN/STDOUT/STDERR/EXIT belongs to;
 *               0 for READY, SHUTDOWN, STATUS, CONSOLE and DOWN
 *               (anything else is an error)
 *
 * The whole frame is at most AGENT_FRAME_MAX (64 KiB). Both sides treat
 * the other's frames as hostile: every length is checked against what is
 * in hand before it is used, and nothing is copied by a peer's length.
 *
 * Payload rules, per type (agent_hdr_decode checks the lengths,
 * agent_payload_check the lengths and the contents):
 *   READY     exactly AGENT_READY_LEN (24)
 *   EXEC      at least AGENT_EXEC_FIXED_LEN (6); agent_exec_decode for the rest
 *   STDIN/STDOUT/STDERR  any length
 *   EXIT      exactly AGENT_EXIT_LEN (4), status 0..255
 *   SHUTDOWN  exactly AGENT_SHUTDOWN_LEN (1), mode 0 or 1
 *   ERROR     any length, no NUL byte
 *   STATUS    any length, no NUL byte (control socket)
 *   CONSOLE   any length (control socket)
 *   DOWN      exactly AGENT_DOWN_LEN (4) (control socket)
 *   SIGNAL    exactly AGENT_SIGNAL_LEN (4), a signal 1..64, sid != 0
 *
 * This file is built into pool and into the static pool-init: it uses
 * libc only.
 */
#ifndef POOL_AGENT_PROTO_H
#define POOL_AGENT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_PORT_NAME "org.pool.agent"
#define AGENT_HDR_LEN 12u
#define AGENT_FRAME_MAX 65536u
#define AGENT_PAYLOAD_MAX (AGENT_FRAME_MAX - AGENT_HDR_LEN)
#define AGENT_ARGS_MAX 4096u	/* argv + env entries in one EXEC */

enum agent_type {
	AGENT_READY = 1,	/* guest->host: struct agent_ready */
	AGENT_EXEC = 2,		/* host->guest: struct agent_exec */
	AGENT_STDIN = 3,	/* host->guest: bytes; empty payload = EOF */
	AGENT_STDOUT = 4,	/* guest->host: bytes; empty payload = EOF */
	AGENT_STDERR = 5,	/* guest->host: bytes; empty payload = EOF */
	AGENT_EXIT = 6,		/* guest->host: be32 status (signal n -> 128+n) */
	AGENT_SHUTDOWN = 7,	/* host->guest: u8 mode (0 poweroff, 1 reboot) */
	AGENT_ERROR = 8,	/* either way: UTF-8 text, no NUL */
	/* Control socket only (pool <-> a machine's supervisor, see
	 * ctl_proto.h); the guest answers them with ERROR. */
	AGENT_STATUS = 9,	/* request: empty; reply: key=value lines */
	AGENT_CONSOLE = 10,	/* attach (empty), then console bytes both ways */
	AGENT_DOWN = 11,	/* be32 seconds to wait before the machine is killed */
	AGENT_SIGNAL = 12,	/* host->guest: be32 signal for a session's command */
	AGENT_TYPE_MAX = AGENT_SIGNAL,
};

/* "READY", "EXEC", ...; "?" for anything else. */
const char *agent_type_name(unsigned type);

struct agent_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint32_t sid;
};

/* READY payload: be64 x 3, nanoseconds since the guest kernel started
 * (CLOCK_BOOTTIME): pool-init entered, modules loaded, agent ready. */
struct agent_ready {
	uint64_t init_ns, modules_ns, ready_ns;
};
#define AGENT_READY_LEN 24u

/* EXEC payload:
 *   u8 flags (AGENT_EXEC_TTY; other bits must be 0), u8 0, be16 argc (>= 1),
 *   be16 envc, then argc + envc + 1 NUL-terminated strings: cwd ("" =
 *   default), argv[0..argc-1], env[0..envc-1] ("KEY=VALUE").
 * Exactly that many strings; nothing may follow the last NUL.
 * argv[0] is not empty, every env entry has a '=' after a non-empty key,
 * and argc + envc <= AGENT_ARGS_MAX. */
#define AGENT_EXEC_TTY 0x01u
#define AGENT_EXEC_FLAGS AGENT_EXEC_TTY
#define AGENT_EXEC_FIXED_LEN 6u
struct agent_exec {
	uint8_t flags;
	const char *cwd;	/* points into the payload */
	const char **argv;	/* argc + 1 entries, NULL-terminated, malloc'd array */
	size_t argc;
	const char **env;	/* envc + 1 entries, NULL-terminated, malloc'd array */
	size_t envc;
};

/* EXIT payload: be32 status, 0..255 (the guest folds signal n to 128+n). */
#define AGENT_EXIT_LEN 4u
/* SHUTDOWN payload: u8 mode. */
#define AGENT_SHUTDOWN_LEN 1u
#define AGENT_SHUTDOWN_POWEROFF 0u
#define AGENT_SHUTDOWN_REBOOT 1u
/* DOWN payload: be32 seconds, 0..AGENT_DOWN_MAX_S. */
#define AGENT_DOWN_LEN 4u
#define AGENT_DOWN_MAX_S 3600u
/* SIGNAL payload: be32 signal number, 1..AGENT_SIGNAL_MAX. */
#define AGENT_SIGNAL_LEN 4u
#define AGENT_SIGNAL_MAX 64u

/* Header codec. agent_hdr_decode needs n >= AGENT_HDR_LEN and checks the
 * type, the flags, len <= AGENT_PAYLOAD_MAX, the fixed per-type lengths
 * and sid 0 for READY/SHUTDOWN; returns 0 or -1 with *why set (static
 * text). */
void agent_hdr_encode(uint8_t out[AGENT_HDR_LEN], const struct agent_hdr *h);
int agent_hdr_decode(const uint8_t *buf, size_t n, struct agent_hdr *h, const char **why);

/* Per-type payload check (see the table at the top): 0, or -1 with *why.
 * EXEC is checked for its fixed part only: agent_exec_decode does the
 * rest. Pure over (p, n); p may be NULL when n is 0. */
int agent_payload_check(unsigned type, const uint8_t *p, size_t n, const char **why);

/* A stream reassembler: feed bytes as they come; take whole frames out.
 * Fixed storage (64 KiB, keep it off small stacks), no allocation.
 * Bytes buf[off..have) are in hand and not yet taken out. */
struct agent_reader {
	uint8_t buf[AGENT_FRAME_MAX];
	size_t have;
	size_t off;
	const char *err;	/* set once a header was malformed */
};
void agent_reader_init(struct agent_reader *r);
/* Append up to n bytes; returns how many were taken (less than n when the
 * buffer is full: take frames out, then feed the rest). The buffer is only
 * ever full with a whole frame (or a malformed header) in it, so taking
 * frames out always makes room. After a malformed header it takes nothing. */
size_t agent_reader_feed(struct agent_reader *r, const uint8_t *p, size_t n);
/* Next whole frame: 1 and *h, *payload (h->len bytes, valid until the
 * next agent_reader_feed or agent_reader_init: taking frames out never
 * moves bytes); 0 when more bytes are needed; -1 on a malformed header
 * (*why), reported as soon as its 12 bytes are in. After -1 every call
 * returns -1 again: the stream cannot be resynchronised, the caller drops
 * the connection. The payload is not checked: agent_payload_check and the
 * decoders below do that. */
int agent_reader_next(struct agent_reader *r, struct agent_hdr *h,
		      const uint8_t **payload, const char **why);

/* Encode a whole frame into out (capacity cap); returns its length or -1
 * when it does not fit or len exceeds AGENT_PAYLOAD_MAX. */
long agent_frame_encode(uint8_t *out, size_t cap, uint16_t type, uint32_t sid,
			const void *payload, size_t len);

/* Payload codecs. Decoders are pure over (buffer, length) and return 0,
 * or -1 with *why set (static text).
 *
 * agent_exec_encode writes x->argc strings from x->argv and x->envc from
 * x->env (cwd NULL = ""); returns the payload length, or -1 when it does
 * not fit in cap, exceeds AGENT_PAYLOAD_MAX, or breaks a rule that
 * agent_exec_decode checks (so whatever it encodes decodes again).
 * agent_exec_decode: on success the strings point into p (keep p alive),
 * the two pointer arrays are malloc'd, release with agent_exec_free; on
 * failure *x holds nothing to free (agent_exec_free on it is harmless). */
long agent_exec_encode(uint8_t *out, size_t cap, const struct agent_exec *x);
int agent_exec_decode(const uint8_t *p, size_t n, struct agent_exec *x, const char **why);
void agent_exec_free(struct agent_exec *x);	/* frees the arrays only */

void agent_ready_encode(uint8_t out[AGENT_READY_LEN], const struct agent_ready *r);
int agent_ready_decode(const uint8_t *p, size_t n, struct agent_ready *r, const char **why);

/* EXIT: status 0..255; encode returns -1 for anything else. */
int agent_exit_encode(uint8_t out[AGENT_EXIT_LEN], int status);
int agent_exit_decode(const uint8_t *p, size_t n, int *status, const char **why);

/* SHUTDOWN: mode AGENT_SHUTDOWN_POWEROFF or AGENT_SHUTDOWN_REBOOT. */
int agent_shutdown_decode(const uint8_t *p, size_t n, unsigned *mode, const char **why);

#endif
