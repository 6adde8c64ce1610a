/* proc.c - run a program and take what it says. */
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static __attribute__((noreturn)) void child(const struct proc_opts *o, int wfd)
{
	/* Out of the way first, so that no dup2 below lands on itself. */
	int w = fcntl(wfd, F_DUPFD_CLOEXEC, 10);
	int f3 = o->fd3 >= 0 ? fcntl(o->fd3, F_DUPFD_CLOEXEC, 10) : -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (w < 0 || null < 0 || (o->fd3 >= 0 && f3 < 0) || dup2(null, 0) < 0 ||
	    dup2(o->capture_stderr ? null : w, 1) < 0 || dup2(o->capture_stderr ? w : null, 2) < 0 ||
	    (f3 >= 0 && dup2(f3, 3) < 0))
		_exit(127);
	close_range(f3 >= 0 ? 4 : 3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	if (o->umask077)
		umask(077);
	execv(o->path ? o->path : o->argv[0], (char *const *)o->argv);
	dprintf(o->capture_stderr ? 2 : 1, "cannot run %s: %s\n", o->path ? o->path : o->argv[0],
		strerror(errno));
	_exit(127);
}

int proc_run(const struct proc_opts *o, char **out, size_t *len, struct pool_err *e)
{
	char *buf = NULL;
	size_t got = 0;
	int pfd[2], st;
	pid_t pid;

	if (out) {
		buf = malloc(o->max + 1);
		if (!buf)
			return pool_err_sys(e, "%s", o->argv[0]);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return pool_err_sys(e, "pipe");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		free(buf);
		return pool_err_sys(e, "fork");
	}
	if (pid == 0)
		child(o, pfd[1]);
	close(pfd[1]);
	for (;;) {
		char sink[4096];
		bool keep = buf && got < o->max;
		ssize_t n = keep ? read(pfd[0], buf + got, o->max - got) : read(pfd[0], sink, sizeof sink);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (keep)
			got += (size_t)n;
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			free(buf);
			return pool_err_sys(e, "waitpid");
		}
	}
	if (!WIFEXITED(st)) {
		free(buf);
		return pool_err_fail(e, "%s was killed by signal %d", o->argv[0], WTERMSIG(st));
	}
	if (buf) {
		buf[got] = '\0';
		*out = buf;
		*len = got;
	}
	return WEXITSTATUS(st);
}

void close_fds_except(const int *keep, size_t n)
{
	unsigned from = 0;

	/* Lowest first: close the gap below each kept fd, then past the last. */
	for (;;) {
		unsigned next = ~0U;

		for (size_t i = 0; i < n; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= from && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next == ~0U)
			break;
		if (next > from)
			close_range(from, next - 1, 0);
		from = next + 1;
	}
	close_range(from, ~0U, 0);
}
