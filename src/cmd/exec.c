/* exec.c - pool exec NAME [--] CMD [ARG...]: run a command on a
 * running machine through its supervisor; stdio streamed, its status
 * returned. Several at once on one machine each get their own session. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define EXEC_SID 1u
#define SIGNALS_MAX 3	/* the third Ctrl-C stops waiting for the command */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

static int send_exec(int fd, char **cmd, int ncmd, struct pool_err *e)
{
	_cleanup_free_ uint8_t *buf = malloc(FRAME_PAYLOAD_MAX);
	const char *env[2] = { NULL, NULL };
	const char *term = getenv("TERM");
	char termv[128];
	struct agent_exec x = { .cwd = "", .argv = (const char **)cmd, .argc = (size_t)ncmd, .env = env };
	long n;

	if (!buf)
		return pool_err_sys(e, "exec");
	if (term && strlen(term) < 100 && !strchr(term, '=')) {
		snprintf(termv, sizeof termv, "TERM=%s", term);
		env[x.envc++] = termv;
	}
	n = agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x);
	if (n < 0)
		return pool_err_usage(e, "exec: the command is longer than the agent takes (%u bytes) or has an empty name",
				      FRAME_PAYLOAD_MAX);
	return ctl_send(fd, AGENT_EXEC, EXEC_SID, buf, (size_t)n, e);
}

int cmd_exec(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root(), *name, *why;
	static uint8_t buf[FRAME_MAX];
	static uint8_t pend[FRAME_HDR_LEN + 32768];
	size_t plen = 0, poff = 0;
	_cleanup_close_ int fd = -1;
	bool in_open = true;
	int at = 2, signals = 0;

	if (argc < 3)
		return cmd_usage_error(e, argv[0], NULL);
	name = argv[1];
	if (strcmp(argv[2], "--") == 0)
		at = 3;
	if (at >= argc)
		return cmd_usage_error(e, argv[0], NULL);
	fd = ctl_connect(root, name, e);
	if (fd < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if (send_exec(fd, argv + at, argc - at, e) < 0)
		return -1;
	/* Ctrl-C and friends go to the command (its process group), as they
	 * would on a local terminal; poll is interrupted (no SA_RESTART). */
	{
		struct sigaction sa = { .sa_handler = on_signal };
		static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			sigaction(sigs[i], &sa, NULL);
	}
	/* Input goes out without blocking, so output is always read: a
	 * command that writes much before it reads its input cannot wedge
	 * the two of us. One STDIN frame waits in pend at a time. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = fd, .events = POLLIN | (plen ? POLLOUT : 0) },
					 { .fd = 0, .events = POLLIN } };
		struct frame_hdr h;
		int k, status;

		if (got_signal && !plen) {
			uint8_t sig[4] = { 0, 0, 0, (uint8_t)got_signal };
			long len = frame_encode(pend, sizeof pend, AGENT_SIGNAL, EXEC_SID, sig, sizeof sig);

			if (++signals >= SIGNALS_MAX)
				return pool_err_fail(e, "%s: stopped waiting for the command (signal %d three times)",
						     name, (int)got_signal);
			got_signal = 0;
			if (len > 0)
				plen = (size_t)len;
			pfd[0].events |= POLLOUT;
		}
		if (poll(pfd, in_open && !plen ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "poll");
		}
		if (plen && (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(fd, pend + poff, plen - poff);

			if (n > 0) {
				poff += (size_t)n;
				if (poff == plen)
					plen = poff = 0;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				/* A command that has ended takes no input: its EXIT
				 * is still to be read, so this is no error. */
				plen = poff = 0;
				in_open = false;
			}
		}
		if (in_open && !plen && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			uint8_t in[32768];
			ssize_t n = read(0, in, sizeof in);
			long len;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				in_open = false;	/* end of input, for the command too */
			len = frame_encode(pend, sizeof pend, AGENT_STDIN, EXEC_SID, in,
						 n > 0 ? (size_t)n : 0);
			if (len > 0)
				plen = (size_t)len;
		}
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = ctl_recv(fd, buf, &h, -1, e);
		if (k < 0)
			return -1;
		if (k == 0) {
			if (machine_stays_up(root, name, 3000))
				return pool_err_fail(e, "machine %s: the supervisor closed the connection (see its supervisor.log)",
						     name);
			return pool_err_fail(e, "machine %s stopped before the command finished", name);
		}
		switch (h.type) {
		case AGENT_STDOUT:
		case AGENT_STDERR:
			if (h.sid != EXEC_SID)
				break;
			if (h.len && write_all(h.type == AGENT_STDOUT ? 1 : 2, buf, h.len) < 0)
				return errno == EPIPE ? 128 + SIGPIPE : pool_err_sys(e, "writing the output");
			break;
		case AGENT_EXIT:
			if (agent_exit_decode(buf, h.len, &status, &why) < 0)
				return pool_err_fail(e, "exec: bad EXIT: %s", why);
			return status;
		case AGENT_ERROR: {
			char text[256];

			return pool_err_fail(e, "%s: %s", name, ctl_text(buf, h.len, text, sizeof text));
		}
		default:
			return pool_err_fail(e, "exec: unexpected %s frame", frame_type_name(h.type));
		}
	}
}
