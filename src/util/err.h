/* err.h - error objects: library code fills one and returns <0; main prints it. */
#ifndef POOL_ERR_H
#define POOL_ERR_H

#include <stdarg.h>

/* Exit statuses of the pool command (pool(1), EXIT STATUS). */
enum {
	POOL_EXIT_FAIL = 1,	/* any failure that is not the user's input */
	POOL_EXIT_USAGE = 2,	/* bad spec or bad command line */
};

struct pool_err {
	int status;		/* POOL_EXIT_*; 0 while unset */
	int code;		/* errno of the cause, or 0 */
	char msg[1024];
};

/* Set the error and return -1. The message is printf-formatted; when code
 * is non-zero ": strerror(code)" is appended. */
int pool_err_set(struct pool_err *e, int status, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Shorthands: a failure with errno (status 1), and a usage/spec error (2). */
#define pool_err_sys(e, ...)   pool_err_set((e), POOL_EXIT_FAIL, errno, __VA_ARGS__)
#define pool_err_fail(e, ...)  pool_err_set((e), POOL_EXIT_FAIL, 0, __VA_ARGS__)
#define pool_err_usage(e, ...) pool_err_set((e), POOL_EXIT_USAGE, 0, __VA_ARGS__)

/* Prefix context to an error on its way up: "context: old message".
 * Returns -1 so it can end a return statement. */
int pool_err_wrap(struct pool_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
