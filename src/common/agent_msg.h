/* agent_msg.h - the payloads of the agent's frames (frame.h): EXEC, READY,
 * EXIT, WINSIZE, SHUTDOWN, MESH_FILES. Pure codecs over (buffer, length),
 * libc only: built into pool and the static pool-init. */
#ifndef POOL_AGENT_MSG_H
#define POOL_AGENT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define AGENT_ARGS_MAX 4096u	/* argv + env entries in one EXEC */

/* READY payload: be64 x 3, nanoseconds since the guest kernel started
 * (CLOCK_BOOTTIME): pool-init entered, modules loaded, agent ready. */
struct agent_ready {
	uint64_t init_ns, modules_ns, ready_ns;
};

/* EXEC payload:
 *   u8 flags (AGENT_EXEC_TTY, AGENT_EXEC_WINSIZE, AGENT_EXEC_UNLOGGED;
 *   other bits must be 0), u8 0, be16 argc (>= 1), be16 envc,
 *   with AGENT_EXEC_WINSIZE (only beside AGENT_EXEC_TTY) the terminal's
 *   size as a WINSIZE payload (be16 rows, be16 columns, 1..9999 each),
 *   then argc + envc + 1 NUL-terminated strings: cwd ("" =
 *   default), argv[0..argc-1], env[0..envc-1] ("KEY=VALUE").
 * Exactly that many strings; nothing may follow the last NUL.
 * argv[0] is not empty, every env entry has a '=' after a non-empty key,
 * and argc + envc <= AGENT_ARGS_MAX. */
#define AGENT_EXEC_TTY 0x01u	/* the command gets a terminal (a pty) of its own */
#define AGENT_EXEC_WINSIZE 0x02u	/* and its size follows the fixed part */
/* Between pool and the supervisor only (the supervisor takes it off
 * before the EXEC goes to the guest): the session's output is not kept
 * in the machine's log (pool cp's tar stream). */
#define AGENT_EXEC_UNLOGGED 0x80u
#define AGENT_EXEC_FLAGS (AGENT_EXEC_TTY | AGENT_EXEC_WINSIZE | AGENT_EXEC_UNLOGGED)
/* WINSIZE payload (and EXEC's window size): be16 rows, be16 columns. */
struct agent_winsize {
	uint16_t rows, cols;	/* 1..AGENT_WINSIZE_MAX each */
};

struct agent_exec {
	uint8_t flags;
	struct agent_winsize ws;	/* with AGENT_EXEC_WINSIZE */
	const char *cwd;	/* points into the payload */
	const char **argv;	/* argc + 1 entries, NULL-terminated, malloc'd array */
	size_t argc;
	const char **env;	/* envc + 1 entries, NULL-terminated, malloc'd array */
	size_t envc;
};

/* EXIT payload: be32 status, 0..255 (the guest folds signal n to 128+n). */
/* SHUTDOWN payload: u8 mode. */
#define AGENT_SHUTDOWN_POWEROFF 0u
#define AGENT_SHUTDOWN_REBOOT 1u

/* MESH_FILES payload (host -> guest, sid 0):
 *   be64 signed: the host's clock when it signed host.crt (seconds since
 *        the epoch; 1..AGENT_MESH_TIME_MAX): the certificate is valid
 *        from then, so a guest whose clock is behind steps it forward
 *   the files a machine's nebula runs with, always all four, in this
 *   order: ca.crt, host.crt, host.key, config.yml. Each is
 *   be32 length (1..AGENT_MESH_FILE_MAX), then that many bytes,
 * text: printable ASCII, tab and newline only. Nothing follows the last.
 * ca.crt and host.crt begin with nebula's certificate banner, host.key
 * with its X25519 key banner (AGENT_MESH_*_BEGIN). The names are the
 * guest's, never the payload's. */
enum agent_mesh_file {
	AGENT_MESH_CA,
	AGENT_MESH_CERT,
	AGENT_MESH_KEY,
	AGENT_MESH_CONFIG,
	AGENT_MESH_NFILES
};
#define AGENT_MESH_FILE_MAX 16000u	/* four of them and their lengths fit a frame */
#define AGENT_MESH_TIME_MAX (1ull << 40)	/* far past any certificate's end */
#define AGENT_MESH_CERT_BEGIN "-----BEGIN NEBULA CERTIFICATE-----\n"
#define AGENT_MESH_KEY_BEGIN "-----BEGIN NEBULA X25519 PRIVATE KEY-----\n"
struct agent_mesh_files {
	uint64_t signed_at;
	const uint8_t *data[AGENT_MESH_NFILES];	/* decode: pointers into the payload */
	size_t len[AGENT_MESH_NFILES];
};
/* "ca.crt", "host.crt", "host.key", "config.yml" */
extern const char *const agent_mesh_file_name[AGENT_MESH_NFILES];

/* Payload codecs. Decoders are pure over (buffer, length) and return 0,
 * or -1 with *why set (static text).
 *
 * agent_exec_encode writes x->argc strings from x->argv and x->envc from
 * x->env (cwd NULL = ""); returns the payload length, or -1 when it does
 * not fit in cap, exceeds FRAME_PAYLOAD_MAX, or breaks a rule that
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

/* WINSIZE: rows and columns 1..AGENT_WINSIZE_MAX; encode returns -1 for
 * anything else. */
int agent_winsize_encode(uint8_t out[AGENT_WINSIZE_LEN], const struct agent_winsize *w);
int agent_winsize_decode(const uint8_t *p, size_t n, struct agent_winsize *w, const char **why);

/* SHUTDOWN: mode AGENT_SHUTDOWN_POWEROFF or AGENT_SHUTDOWN_REBOOT. */
int agent_shutdown_decode(const uint8_t *p, size_t n, unsigned *mode, const char **why);

/* MESH_FILES: encode returns the payload length, or -1 when a file breaks
 * a rule decode checks or it does not fit in cap (so whatever it encodes
 * decodes again). Decode points f's data into p (keep p alive). */
long agent_mesh_files_encode(uint8_t *out, size_t cap, const struct agent_mesh_files *f);
int agent_mesh_files_decode(const uint8_t *p, size_t n, struct agent_mesh_files *f, const char **why);

#endif
