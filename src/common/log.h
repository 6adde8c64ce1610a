/* log.h - messages to stderr, prefixed "pool: " (vmd's log.c shape). */
#ifndef POOL_LOG_H
#define POOL_LOG_H

#define POOL_PRINTF(a, b) __attribute__((format(printf, a, b)))

extern int log_verbose;		/* 0 quiet, 1 info, 2 debug */
extern const char *log_prog;	/* "pool" or "pool-init" */

void log_warn(const char *fmt, ...) POOL_PRINTF(1, 2);	/* adds strerror(errno) */
void log_warnx(const char *fmt, ...) POOL_PRINTF(1, 2);
void log_info(const char *fmt, ...) POOL_PRINTF(1, 2);
void log_debug(const char *fmt, ...) POOL_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) POOL_PRINTF(1, 2);

#endif
