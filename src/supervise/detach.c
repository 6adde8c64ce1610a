/* detach.c - pool up -d: the supervisor as a child in its own session;
 * the parent returns once the machine is READY, or with the reason it
 * never was (after the child has cleaned up). */
#include "supervise/supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/parse.h"
#include "util/proc.h"

static volatile pid_t detached_child;

static void forward_signal(int sig)
{
	(void)sig;
	if (detached_child > 0)
		kill(detached_child, SIGTERM);
}

/* Close every fd but stdio, ready and the plan's own: the files the spec
 * named, opened as the invoking user, and the folders the command line
 * granted. */
static void close_plan_strangers(const struct plan *p, int ready)
{
	size_t ng = p->grants ? p->grants->n : 0, n = 0;
	int *keep = calloc(7 + ng, sizeof *keep);

	if (!keep)
		_exit(1);
	for (int fd = 0; fd <= 2; fd++)
		keep[n++] = fd;
	keep[n++] = ready;
	keep[n++] = p->kernel_fd;
	keep[n++] = p->initrd_fd;
	keep[n++] = p->m->has_dir_fd ? p->m->dir_fd : -1;
	for (size_t i = 0; i < ng; i++)
		keep[n++] = p->grants->v[i].fd;
	close_fds_except(keep, n);
	free(keep);
}

int supervise_detached(struct plan *p, struct pool_err *e)
{
	char msg[sizeof e->msg + 64];
	size_t len = 0;
	int rfd[2];
	pid_t pid;

	if (pipe2(rfd, O_CLOEXEC) < 0)
		return pool_err_sys(e, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(rfd[0]);
		close(rfd[1]);
		return pool_err_sys(e, "fork");
	}
	if (pid == 0) {
		struct run_request req = { .detached = true, .ready_fd = rfd[1] };
		struct pool_err ce = { 0 };
		int null;

		close(rfd[0]);
		setsid();	/* no terminal: the user's Ctrl-C and hang-up are not ours */
		if (chdir("/") < 0)
			_exit(1);
		/* Nothing of the caller's but the ready pipe: a shell or a test
		 * runner waiting on an inherited pipe would wait for the machine. */
		close_plan_strangers(p, rfd[1]);
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			close(null);
		}
		_exit(supervise(p, &req, &ce) < 0 ? 1 : 0);
	}
	close(rfd[1]);
	/* Ctrl-C while waiting: the machine was not wanted after all. The
	 * child powers it off and says so through the pipe. */
	detached_child = pid;
	{
		struct sigaction sa = { .sa_handler = forward_signal };

		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}
	for (;;) {
		ssize_t n = read(rfd[0], msg + len, sizeof msg - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof msg - 1)
			break;
	}
	close(rfd[0]);
	msg[len] = '\0';
	if (len > 0 && msg[0] == 'R') {
		char ip[16];

		/* the boot times, as the supervisor's other side measured them:
		 * shown as numbers and words only */
		if (getenv("POOL_BOOT_TIMES") && len > 1) {
			for (size_t i = 1; i < len; i++)
				if (!((msg[i] >= 'a' && msg[i] <= 'z') || (msg[i] >= '0' && msg[i] <= '9') ||
				      strchr(" .,:()", msg[i])))
					msg[i] = '?';
			fprintf(stderr, "pool: %s\n", msg + 1);
		}
		printf("%s %s", p->m->name, p->has_net ? ipv4_str(p->m->address, ip) : "-");
		for (size_t i = 0; p->has_net && i < p->m->nports; i++) {
			char pm[PORT_MAP_STR_MAX];

			printf(" %s", port_map_str(&p->m->ports[i], pm));
		}
		printf("\n");
		return 0;
	}
	waitpid(pid, NULL, 0);
	if (len > 1 && msg[0] == 'E')
		return pool_err_set(e, msg[1] == '0' + POOL_EXIT_USAGE ? POOL_EXIT_USAGE : POOL_EXIT_FAIL, 0,
				    "%s", msg + 2);
	return pool_err_fail(e, "the supervisor of %s ended before the machine was ready", p->m->name);
}
