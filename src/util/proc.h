/* proc.h - run a program and take what it says: the one fork, exec, pipe
 * and wait that pool's helpers (busybox --list-full, mkfs.ext4,
 * ssh-keygen) need. */
#ifndef POOL_PROC_H
#define POOL_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

struct proc_opts {
	const char *path;		/* what runs; NULL: argv[0] */
	const char *const *argv;	/* NULL-terminated */
	int fd3;			/* -1, or an fd the program finds at 3 */
	bool umask077;			/* files it makes are its owner's alone */
	bool capture_stderr;		/* capture stderr instead of stdout */
	size_t max;			/* bytes kept; what follows is read and dropped */
};

/* Run it with stdin and the other stream on /dev/null and nothing else of
 * ours open (fd3 aside), and wait. With out, up to o->max bytes of the
 * captured stream come back in *out (malloc'd, NUL-terminated, *len
 * bytes; free it). Returns its exit status (0..255), or -1 with e when it
 * could not start or was killed by a signal. */
int proc_run(const struct proc_opts *o, char **out, size_t *len, struct pool_err *e);

/* Close every fd but keep[0..n) (which need not be sorted; -1s are
 * skipped): what a child that drops its privileges keeps of its parent. */
void close_fds_except(const int *keep, size_t n);

#endif
