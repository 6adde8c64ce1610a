/* util.h - the small helpers pool-init's parts share (util.c). */
#ifndef POOL_GUEST_UTIL_H
#define POOL_GUEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guest-side log: one line on the console, prefixed "pool-init: ". */
void glog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Nanoseconds since the guest kernel started (CLOCK_BOOTTIME). */
uint64_t boot_ns(void);

/* Value of "key=" on the kernel command line, copied into out (cap bytes);
 * 0 when present, -1 when absent or too long. */
int cmdline_get(const char *cl, const char *key, char *out, size_t cap);

/* A regular file of at most max bytes, NUL-terminated; NULL on failure. */
char *read_small_file(const char *path, size_t max, size_t *len);
/* Whether path is an executable here (login_shell_resolve's question). */
bool guest_exists(const char *path, void *ctx);

/* mkdir -p (0755); the first line of a small file (sysfs),
 * without its newline: 0, or -1 when missing or empty. */
void mkdir_p(const char *path);
int read_line_file(const char *path, char *buf, size_t cap);

/* A daemon, PID 1's child in a session of its own: stdin /dev/null,
 * stdout and stderr appended to LOG, signals unblocked; argv[0] is the
 * program. Its pid, or -1 (said in the console log as WHAT). */
int spawn_daemon(const char *what, const char *log, char *const argv[]);

#endif
