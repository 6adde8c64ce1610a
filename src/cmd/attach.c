/* attach.c - a client attached to a machine: the supervisor's frames out
 * to the user, the user's input in as frames. Input goes out without
 * blocking, one frame at a time, so the supervisor's output is always
 * read: a client that pastes much while the machine prints much cannot
 * wedge either side. The user's terminal's size follows it (SIGWINCH). */
#include "cmd/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cmd/ctl_client.h"
#include "util/tty.h"

static volatile sig_atomic_t resized;

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

void attach_follow_winsize(struct attach *a, int fd, bool now)
{
	struct sigaction sa = { .sa_handler = on_winch };	/* no SA_RESTART: poll wakes */

	if (!isatty(fd))
		return;
	a->winsize = true;
	a->winsize_fd = fd;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	resized = now;
}

/* The terminal's size changed: it goes out, as one WINSIZE frame. */
static void send_winsize(struct attach *a)
{
	struct agent_winsize w;
	uint8_t p[AGENT_WINSIZE_LEN];

	resized = 0;
	if (tty_size(a->winsize_fd, &w.rows, &w.cols) && agent_winsize_encode(p, &w) == 0)
		attach_queue(a, AGENT_WINSIZE, p, sizeof p);
}

bool attach_queue(struct attach *a, uint16_t type, const void *p, size_t n)
{
	long len;

	if (a->plen)
		return false;
	len = frame_encode(a->pend, sizeof a->pend, type, a->sid, p, n);
	if (len <= 0)
		return false;
	a->plen = (size_t)len;
	a->poff = 0;
	return true;
}

/* Write what can be written of the queued frame. A peer that takes no
 * more (the command ended, the socket closed) ends the input, not the
 * attachment: what it still says is read. */
static void flush(struct attach *a)
{
	ssize_t n = write(a->fd, a->pend + a->poff, a->plen - a->poff);

	if (n > 0) {
		a->poff += (size_t)n;
		if (a->poff == a->plen)
			a->plen = a->poff = 0;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		a->plen = a->poff = 0;
		a->in_open = false;
	}
}

/* 0: go on; 1: detach once the queued frame is out. */
static int take_input(struct attach *a)
{
	uint8_t in[ATTACH_IN_MAX];
	ssize_t n = read(0, in, sizeof in);
	size_t len;
	int stop = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		a->in_open = false;	/* end of input, for the machine too */
		if (a->eof_frame)
			attach_queue(a, a->in_type, NULL, 0);
		return 0;
	}
	len = (size_t)n;
	if (a->ops->input)
		stop = a->ops->input(a, in, &len);
	if (len)
		attach_queue(a, a->in_type, in, len);
	return stop;
}

int attach_run(struct attach *a, struct pool_err *e)
{
	static uint8_t buf[FRAME_MAX];
	bool detaching = false;

	fcntl(a->fd, F_SETFL, fcntl(a->fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = a->fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		struct frame_hdr h;
		int k;

		if (a->eof_detach && !a->in_open)
			detaching = true;	/* the end of input detaches */
		if (detaching && !a->plen)
			return 0;
		if (!a->plen && resized && a->winsize)
			send_winsize(a);
		if (!a->plen && a->ops->before && (k = a->ops->before(a, e)) != 0)
			return k;
		if (a->plen)
			pfd[0].events |= POLLOUT;
		if (poll(pfd, a->in_open && !a->plen && !detaching ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pool_err_sys(e, "poll");
		}
		if (a->plen && (pfd[0].revents & (POLLOUT | POLLERR | POLLHUP)))
			flush(a);
		if (a->in_open && !a->plen && !detaching && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			detaching = take_input(a) == 1;
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		k = ctl_recv(a->fd, buf, &h, -1, e);
		if (k < 0)
			return -1;
		if (k == 0)
			return a->ops->closed(a, e);
		k = a->ops->frame(a, &h, buf, e);
		if (k != 0)
			return k < 0 ? -1 : a->result;
	}
}
