/* frame.h - the frames pool speaks: between the host and pool-init's agent
 * (guest), and on a machine's control socket (pool and its supervisor).
 *
 * A frame is a 12-byte header and a payload:
 *
 *   be32 len    payload length, 0..FRAME_PAYLOAD_MAX
 *   be16 type   enum agent_type, or enum ctl_type on a control socket
 *   be16 flags  0 (reserved; a non-zero value is an error)
 *   be32 sid    session: which EXEC a STDIN/STDOUT/STDERR/EXIT belongs to;
 *               0 for READY, SHUTDOWN, STATUS, CONSOLE and DOWN
 *               (anything else is an error)
 *
 * The whole frame is at most FRAME_MAX (64 KiB). Both sides treat
 * the other's frames as hostile: every length is checked against what is
 * in hand before it is used, and nothing is copied by a peer's length.
 *
 * Payload rules, per type (frame_hdr_decode checks the lengths,
 * frame_payload_check the lengths and the contents):
 *   READY     exactly AGENT_READY_LEN (24)
 *   EXEC      at least AGENT_EXEC_FIXED_LEN (6); agent_exec_decode for the rest
 *   STDIN/STDOUT/STDERR  any length
 *   EXIT      exactly AGENT_EXIT_LEN (4), status 0..255
 *   SHUTDOWN  exactly AGENT_SHUTDOWN_LEN (1), mode 0 or 1
 *   ERROR     any length, no NUL byte
 *   STATUS    any length, no NUL byte (control socket)
 *   CONSOLE   any length (control socket)
 *   DOWN      exactly CTL_DOWN_LEN (4) (control socket)
 *   CLAIM     exactly CTL_CLAIM_LEN (33): a plan hash and how (0 run, 1 up -d)
 *   SIGNAL    exactly AGENT_SIGNAL_LEN (4), a signal 1..64, sid != 0
 *   WINSIZE   exactly AGENT_WINSIZE_LEN (4): rows and columns, each
 *             1..AGENT_WINSIZE_MAX; sid 0 is the serial console, any
 *             other a session's terminal
 *   MESH_FILES at least AGENT_MESH_FILES_MIN_LEN; agent_mesh_files_decode
 *             for the rest; sid 0
 *
 * This file is built into pool and into the static pool-init: it uses
 * libc only.
 */
#ifndef POOL_FRAME_H
#define POOL_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_PORT_NAME "org.pool.agent"
#define FRAME_HDR_LEN 12u
#define FRAME_MAX 65536u
#define FRAME_PAYLOAD_MAX (FRAME_MAX - FRAME_HDR_LEN)

/* Frames between the host and the guest's agent (and forwarded, for an
 * exec session, between pool exec and the supervisor). */
enum agent_type {
	AGENT_READY = 1,	/* guest->host: struct agent_ready */
	AGENT_EXEC = 2,		/* host->guest: struct agent_exec */
	AGENT_STDIN = 3,	/* host->guest: bytes; empty payload = EOF */
	AGENT_STDOUT = 4,	/* guest->host: bytes; empty payload = EOF */
	AGENT_STDERR = 5,	/* guest->host: bytes; empty payload = EOF */
	AGENT_EXIT = 6,		/* guest->host: be32 status (signal n -> 128+n) */
	AGENT_SHUTDOWN = 7,	/* host->guest: u8 mode (0 poweroff, 1 reboot) */
	AGENT_ERROR = 8,	/* either way: UTF-8 text, no NUL */
	AGENT_SIGNAL = 12,	/* host->guest: be32 signal for a session's command */
	AGENT_WINSIZE = 14,	/* host->guest: a terminal's size (agent_winsize_decode) */
	AGENT_MESH_FILES = 15,	/* host->guest: the mesh's four files (agent_msg.h) */
};

/* Frames on a machine's control socket only (pool <-> its supervisor,
 * ctl_msg.h); never on the agent port. One number space with the agent's. */
enum ctl_type {
	CTL_MSG_STATUS = 9,	/* request: empty; reply: key=value lines */
	CTL_MSG_CONSOLE = 10,	/* attach (empty), then console bytes both ways */
	CTL_MSG_DOWN = 11,	/* be32 seconds to wait before the machine is killed */
	CTL_MSG_CLAIM = 13,	/* a spare for this plan: 32-byte plan hash, u8 how */
};

#define FRAME_TYPE_MAX 15u

/* "READY", "EXEC", ...; "?" for anything else. */
const char *frame_type_name(unsigned type);

struct frame_hdr {
	uint32_t len;
	uint16_t type;
	uint16_t flags;
	uint32_t sid;
};

/* Payload lengths the header alone decides (agent_msg.h has the rest). */
#define AGENT_READY_LEN 24u
#define AGENT_EXEC_FIXED_LEN 6u
#define AGENT_EXIT_LEN 4u
#define AGENT_SHUTDOWN_LEN 1u
#define AGENT_SIGNAL_LEN 4u
#define AGENT_SIGNAL_MAX 64u	/* SIGNAL payload: be32 signal number, 1..64 */
#define AGENT_WINSIZE_LEN 4u
#define AGENT_WINSIZE_MAX 9999u	/* WINSIZE: be16 rows, be16 columns, each 1..9999 */
#define AGENT_MESH_FILES_MIN_LEN 28u	/* the time, four be32 lengths and a byte of each file */
/* DOWN payload: be32 seconds, 0..CTL_DOWN_MAX_S. */
#define CTL_DOWN_LEN 4u
#define CTL_DOWN_MAX_S 3600u
/* CLAIM payload: the claimer's plan hash (raw SHA-256), then how: the
 * machine powers off when the claiming connection ends (CTL_CLAIM_RUN,
 * pool run), or stays up as any machine (CTL_CLAIM_UP, pool up -d). */
#define CTL_CLAIM_HASH_LEN 32u
#define CTL_CLAIM_LEN 33u
#define CTL_CLAIM_RUN 0u
#define CTL_CLAIM_UP 1u

/* Header codec. frame_hdr_decode needs n >= FRAME_HDR_LEN and checks the
 * type, the flags, len <= FRAME_PAYLOAD_MAX, the fixed per-type lengths
 * and sid 0 for READY/SHUTDOWN/MESH_FILES; returns 0 or -1 with *why set (static
 * text). */
void frame_hdr_encode(uint8_t out[FRAME_HDR_LEN], const struct frame_hdr *h);
int frame_hdr_decode(const uint8_t *buf, size_t n, struct frame_hdr *h, const char **why);

/* Per-type payload check (see the table at the top): 0, or -1 with *why.
 * EXEC is checked for its fixed part only: agent_exec_decode does the
 * rest; MESH_FILES whole (agent_mesh_files_decode). Pure over (p, n); p may be NULL when n is 0. */
int frame_payload_check(unsigned type, const uint8_t *p, size_t n, const char **why);

/* A stream reassembler: feed bytes as they come; take whole frames out.
 * Fixed storage (64 KiB, keep it off small stacks), no allocation.
 * Bytes buf[off..have) are in hand and not yet taken out. */
struct frame_reader {
	uint8_t buf[FRAME_MAX];
	size_t have;
	size_t off;
	const char *err;	/* set once a header was malformed */
};
void frame_reader_init(struct frame_reader *r);
/* Append up to n bytes; returns how many were taken (less than n when the
 * buffer is full: take frames out, then feed the rest). The buffer is only
 * ever full with a whole frame (or a malformed header) in it, so taking
 * frames out always makes room. After a malformed header it takes nothing. */
size_t frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n);
/* Next whole frame: 1 and *h, *payload (h->len bytes, valid until the
 * next frame_reader_feed or frame_reader_init: taking frames out never
 * moves bytes); 0 when more bytes are needed; -1 on a malformed header
 * (*why), reported as soon as its 12 bytes are in. After -1 every call
 * returns -1 again: the stream cannot be resynchronised, the caller drops
 * the connection. The payload is not checked: frame_payload_check and the
 * decoders below do that. */
int frame_reader_next(struct frame_reader *r, struct frame_hdr *h,
		      const uint8_t **payload, const char **why);

/* Encode a whole frame into out (capacity cap); returns its length or -1
 * when it does not fit or len exceeds FRAME_PAYLOAD_MAX. */
long frame_encode(uint8_t *out, size_t cap, uint16_t type, uint32_t sid,
			const void *payload, size_t len);

#endif
