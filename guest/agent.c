/* agent.c - the guest agent: serves the host on virtio-serial port
 * org.pool.agent. READY once, then EXEC sessions with streamed stdio (or,
 * asked for a terminal, a pty of the session's own) and their exit
 * status; WINSIZE sizes a session's pty or the serial console; SHUTDOWN
 * asks PID 1 to power off. Frames from the host are checked like any
 * input from outside. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "common/agent_msg.h"
#include "common/frame.h"

#define MAX_SESSIONS 64
#define STDIN_QUEUE_MAX (4u << 20)	/* stop reading the port past this */
/* A terminal session whose command has ended: what it printed last is
 * read for this long, then the pty is hung up (a background job still
 * holding it gets SIGHUP, as ssh's would) and the session ends. */
#define PTY_LINGER_MS 300

struct chunk {
	struct chunk *next;
	size_t len, off;
	uint8_t data[];
};

struct session {
	uint32_t sid;
	pid_t pid;
	int in, out, err;	/* -1 once closed */
	int pty;		/* a terminal session: the pty's master (out, and in's twin), else -1 */
	bool in_eof;		/* host sent EOF: close `in` once the queue drains */
	uint8_t last_in;	/* the last byte written to `in` (0: none yet) */
	bool exited;
	int status;
	uint64_t hangup_ms;	/* a terminal session: when its pty is hung up, once the command ended */
	struct chunk *q, *qtail;
	size_t qlen;
};

static struct session sessions[MAX_SESSIONS];
static int port = -1;
static size_t queued_total;
static bool only;	/* pool-init --agent: no pool-init as PID 1 to ask */

int agent_port_path(char *out, size_t cap)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *de;
	int found = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char p[300], name[64];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "/sys/class/virtio-ports/%s/name", de->d_name);
		if (read_line_file(p, name, sizeof name) < 0)
			continue;
		if (strcmp(name, AGENT_PORT_NAME) == 0 &&
		    (size_t)snprintf(out, cap, "/dev/%s", de->d_name) < cap) {
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

static void send_frame(uint16_t type, uint32_t sid, const void *p, size_t n)
{
	static uint8_t buf[FRAME_MAX];
	long len = frame_encode(buf, sizeof buf, type, sid, p, n);
	size_t off = 0;

	if (len < 0)
		return;
	while (off < (size_t)len) {
		ssize_t w = write(port, buf + off, (size_t)len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = port, .events = POLLOUT };
				poll(&pfd, 1, 1000);
				continue;
			}
			glog("agent: write: %s", strerror(errno));
			return;
		}
		off += (size_t)w;
	}
}

static void send_error(uint32_t sid, const char *msg)
{
	send_frame(AGENT_ERROR, sid, msg, strlen(msg));
}

static struct session *session_find(uint32_t sid)
{
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (sessions[i].pid > 0 && sessions[i].sid == sid)
			return &sessions[i];
	return NULL;
}

static void session_close_in(struct session *s)
{
	while (s->q) {
		struct chunk *c = s->q;

		s->q = c->next;
		queued_total -= c->len - c->off;
		free(c);
	}
	s->qtail = NULL;
	s->qlen = 0;
	if (s->in >= 0)
		close(s->in);
	s->in = -1;
}

static void session_end_if_done(struct session *s)
{
	uint8_t st[4];

	if (!s->exited || s->out >= 0 || s->err >= 0)
		return;
	st[0] = (uint8_t)(s->status >> 24);
	st[1] = (uint8_t)(s->status >> 16);
	st[2] = (uint8_t)(s->status >> 8);
	st[3] = (uint8_t)s->status;
	send_frame(AGENT_EXIT, s->sid, st, 4);
	session_close_in(s);
	memset(s, 0, sizeof *s);
	s->in = s->out = s->err = s->pty = -1;
}

/* A pty for a terminal session: its master (non-blocking) in *master,
 * its slave open in *slave (not yet anyone's controlling terminal), the
 * size set when the host sent one. 0, or -1 with nothing open. */
static int pty_open(const struct agent_exec *x, int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];
	int sl;

	if (m < 0)
		m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return -1;
	if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0 ||
	    (sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		close(m);
		return -1;
	}
	if (x->flags & AGENT_EXEC_WINSIZE) {
		struct winsize ws = { .ws_row = x->ws.rows, .ws_col = x->ws.cols };

		ioctl(m, TIOCSWINSZ, &ws);
	}
	fcntl(m, F_SETFL, O_NONBLOCK);
	*master = m;
	*slave = sl;
	return 0;
}

static void close_pair(int p[2])
{
	for (int i = 0; i < 2; i++)
		if (p[i] >= 0)
			close(p[i]);
	p[0] = p[1] = -1;
}

/* The command's stdio: three pipes, or (a terminal session) the slave of
 * a pty three times over, whose master is both the input's end and the
 * output's (in[1] a dup of it, so ending the input does not hang the
 * terminal up). 0, or -1 with nothing open. */
static int session_stdio(const struct agent_exec *x, int in[2], int out[2], int err[2], int *pty)
{
	int m, sl;

	*pty = -1;
	if (!(x->flags & AGENT_EXEC_TTY)) {
		if (pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0)
			return 0;
		close_pair(in);
		close_pair(out);
		close_pair(err);
		return -1;
	}
	if (pty_open(x, &m, &sl) < 0)
		return -1;
	in[1] = fcntl(m, F_DUPFD_CLOEXEC, 3);
	in[0] = sl;
	out[0] = m;
	out[1] = -1;
	if (in[1] < 0) {
		close(m);
		close(sl);
		in[0] = in[1] = out[0] = -1;
		return -1;
	}
	*pty = m;
	return 0;
}

static void do_exec(uint32_t sid, const uint8_t *p, size_t n)
{
	struct agent_exec x;
	struct session *s = NULL;
	const char *why;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, pty = -1;
	pid_t pid;

	if (session_find(sid)) {
		send_error(sid, "session id already in use");
		return;
	}
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (sessions[i].pid == 0) {
			s = &sessions[i];
			break;
		}
	if (!s) {
		send_error(sid, "too many sessions");
		return;
	}
	if (agent_exec_decode(p, n, &x, &why) < 0) {
		char msg[200];

		snprintf(msg, sizeof msg, "bad EXEC: %s", why);
		send_error(sid, msg);
		return;
	}
	if (session_stdio(&x, in, out, err, &pty) < 0) {
		send_error(sid, x.flags & AGENT_EXEC_TTY ? "no pty for the command's terminal" : "pipe failed");
		agent_exec_free(&x);
		return;
	}
	pid = fork();
	if (pid == 0) {
		sigset_t none;
		const char *cwd = x.cwd[0] ? x.cwd : getenv("POOL_WORKDIR");

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);	/* the agent ignores it; commands must not inherit that */
		setsid();
		if (pty >= 0) {
			/* its own session, and the pty its controlling terminal:
			 * Ctrl-C, Ctrl-Z and Ctrl-\ reach its foreground group */
			if (ioctl(in[0], TIOCSCTTY, 0) < 0) {
				dprintf(in[0], "pool: no controlling terminal: %s\r\n", strerror(errno));
				_exit(126);
			}
			dup2(in[0], 0);
			dup2(in[0], 1);
			dup2(in[0], 2);
		} else {
			dup2(in[0], 0);
			dup2(out[1], 1);
			dup2(err[1], 2);
		}
		if (!cwd || !*cwd)
			cwd = "/root";
		if (chdir(cwd) < 0) {
			dprintf(2, "pool: cannot enter %s: %s\n", cwd, strerror(errno));
			_exit(126);
		}
		for (size_t i = 0; i < x.envc; i++)
			putenv((char *)x.env[i]);
		execvp(x.argv[0], (char *const *)x.argv);
		dprintf(2, "pool: %s: %s\n", x.argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(in[0]);
	if (out[1] >= 0)
		close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	agent_exec_free(&x);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		if (err[0] >= 0)
			close(err[0]);
		send_error(sid, "fork failed");
		return;
	}
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	memset(s, 0, sizeof *s);
	s->sid = sid;
	s->pid = pid;
	s->in = in[1];
	s->out = out[0];
	s->err = err[0];
	s->pty = pty;
}

/* WINSIZE: a terminal session's pty takes the size (its foreground group
 * gets SIGWINCH from the kernel); session 0 is the serial console. */
static void do_winsize(uint32_t sid, const uint8_t *p, size_t n)
{
	struct agent_winsize w;
	struct winsize ws;
	const char *why;
	int fd;

	if (agent_winsize_decode(p, n, &w, &why) < 0) {
		send_error(sid, why);
		return;
	}
	ws = (struct winsize){ .ws_row = w.rows, .ws_col = w.cols };
	if (sid != 0) {
		struct session *s = session_find(sid);

		if (s && s->pty >= 0 && s->out >= 0)
			ioctl(s->pty, TIOCSWINSZ, &ws);
		return;	/* a session without a terminal has no size */
	}
	fd = open("/dev/ttyS0", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		fd = open("/dev/console", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	ioctl(fd, TIOCSWINSZ, &ws);
	close(fd);
}

/* The end of the host's input: a pipe is closed; a terminal in canonical
 * mode also gets its EOF character, as from a user typing Ctrl-D (twice
 * after a partial line: the first one ends the line). */
static void session_end_input(struct session *s)
{
	struct termios t;

	if (s->pty >= 0 && s->in >= 0 && tcgetattr(s->pty, &t) == 0 && (t.c_lflag & ICANON) &&
	    t.c_cc[VEOF] != _POSIX_VDISABLE) {
		uint8_t eof[2] = { t.c_cc[VEOF], t.c_cc[VEOF] };

		if (write(s->in, eof, s->last_in && s->last_in != '\n' ? 2 : 1) < 0)
			glog("agent: session %u: end of input: %s", (unsigned)s->sid, strerror(errno));
	}
	session_close_in(s);
}

static void do_stdin(uint32_t sid, const uint8_t *p, size_t n)
{
	struct session *s = session_find(sid);
	struct chunk *c;

	if (!s || s->in < 0)
		return;		/* the command stopped reading; drop it */
	if (n == 0) {
		s->in_eof = true;
		if (!s->q)
			session_end_input(s);
		return;
	}
	c = malloc(sizeof *c + n);
	if (!c) {
		session_close_in(s);
		return;
	}
	c->next = NULL;
	c->len = n;
	c->off = 0;
	memcpy(c->data, p, n);
	if (s->qtail)
		s->qtail->next = c;
	else
		s->q = c;
	s->qtail = c;
	s->qlen += n;
	queued_total += n;
}

static void flush_stdin(struct session *s)
{
	while (s->q) {
		struct chunk *c = s->q;
		ssize_t w = write(s->in, c->data + c->off, c->len - c->off);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			session_close_in(s);	/* EPIPE: the command closed stdin */
			return;
		}
		c->off += (size_t)w;
		if (w > 0)
			s->last_in = c->data[c->off - 1];
		queued_total -= (size_t)w;
		s->qlen -= (size_t)w;
		if (c->off < c->len)
			return;
		s->q = c->next;
		if (!s->q)
			s->qtail = NULL;
		free(c);
	}
	if (s->in_eof)
		session_end_input(s);
}

/* 1: bytes went out; 0: none there; -1: the end (EOF sent, fd closed). A
 * pty's master reads EIO once the last of its slave is closed. */
static int pump_output(struct session *s, int *fd, uint16_t type)
{
	static uint8_t buf[32768];
	ssize_t n = read(*fd, buf, sizeof buf);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		send_frame(type, s->sid, NULL, 0);
		close(*fd);
		*fd = -1;
		if (fd == &s->out)
			s->pty = -1;
		return -1;
	}
	send_frame(type, s->sid, buf, (size_t)n);
	return 1;
}

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Terminal sessions whose command ended and whose linger is over: what
 * is there is read, then the pty hung up. Returns the poll timeout until
 * the next one is due (-1: none). */
static int pty_hangups(void)
{
	uint64_t now = mono_ms();
	int wait = -1;

	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &sessions[i];
		int r = 1;

		if (s->pid <= 0 || !s->exited || s->pty < 0 || s->out < 0)
			continue;
		if (now < s->hangup_ms) {
			uint64_t d = s->hangup_ms - now;

			if (wait < 0 || d < (uint64_t)wait)
				wait = (int)d;
			continue;
		}
		for (int k = 0; k < 64 && (r = pump_output(s, &s->out, AGENT_STDOUT)) == 1; k++)
			;
		if (r >= 0) {
			send_frame(AGENT_STDOUT, s->sid, NULL, 0);
			close(s->out);
			s->out = s->pty = -1;
		}
		session_end_if_done(s);
	}
	return wait;
}

static void reap(void)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);

		if (p <= 0)
			return;
		for (int i = 0; i < MAX_SESSIONS; i++) {
			struct session *s = &sessions[i];

			if (s->pid != p)
				continue;
			s->exited = true;
			s->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			s->hangup_ms = mono_ms() + PTY_LINGER_MS;
			session_end_if_done(s);
		}
	}
}

/* pool-init --agent going down at the host's request. It tells the host
 * how (as pool-init's announce() does), then: under systemd, asks it with
 * the signals systemd(1) documents (SIGRTMIN+4 poweroff.target, SIGRTMIN+5
 * reboot.target; no systemctl needed in PATH); as PID 1 itself (a bare
 * initrd that execs it, as the tests do), syncs and calls reboot(2); under
 * any other init, the busybox/pool-init convention (SIGUSR2 poweroff,
 * SIGTERM reboot). A reboot started inside the guest under systemd reaches
 * the host as a poweroff: nothing tells the agent which it is. */
static void only_go_down(bool reboot_too)
{
	uint8_t m = reboot_too ? 1 : 0;

	send_frame(AGENT_SHUTDOWN, 0, &m, 1);
	sync();
	if (getpid() == 1) {
		kill(-1, SIGKILL);
		sync();
		reboot(reboot_too ? RB_AUTOBOOT : RB_POWER_OFF);
		glog("agent: reboot(2): %s", strerror(errno));
		return;
	}
	if (access("/run/systemd/system", F_OK) == 0)
		kill(1, reboot_too ? SIGRTMIN + 5 : SIGRTMIN + 4);
	else
		kill(1, reboot_too ? SIGTERM : SIGUSR2);
}

static void handle_frame(const struct frame_hdr *h, const uint8_t *p)
{
	switch (h->type) {
	case AGENT_EXEC:
		do_exec(h->sid, p, h->len);
		break;
	case AGENT_STDIN:
		do_stdin(h->sid, p, h->len);
		break;
	case AGENT_WINSIZE:
		do_winsize(h->sid, p, h->len);
		break;
	case AGENT_SIGNAL: {
		/* The command leads its own session: signal its whole group. */
		struct session *s = session_find(h->sid);
		const char *why;

		if (s && !s->exited && frame_payload_check(h->type, p, h->len, &why) == 0)
			kill(-s->pid, (int)((unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
					    (unsigned)p[2] << 8 | p[3]));
		break;
	}
	case AGENT_MESH_FILES:	/* mesh.c */
		if (mesh_files(p, h->len, !only) < 0)
			send_error(0, "mesh: the files were not installed (the console log says why)");
		break;
	case AGENT_SHUTDOWN:
		if (only)
			only_go_down(h->len == 1 && p[0] == 1);
		else
			kill(1, h->len == 1 && p[0] == 1 ? SIGTERM : SIGUSR2);
		break;
	default:
		send_error(h->sid, "unexpected frame type");
		break;
	}
}

static int open_port(void)
{
	char path[300];
	int i;

	/* The port appears once virtio_console has probed; wait for it. */
	for (i = 0;; i++) {
		if (agent_port_path(path, sizeof path) == 0) {
			int fd = open(path, O_RDWR | O_CLOEXEC);

			if (fd >= 0)
				return fd;
		}
		usleep(i < 100 ? 10000 : 1000000);
	}
}

static __attribute__((noreturn)) void agent_main(uint64_t init_ns, uint64_t modules_ns)
{
	static struct frame_reader rd;
	/* signalfd, the port, and up to three pipes a session */
	struct pollfd pfd[2 + 3 * MAX_SESSIONS];
	struct session *who[2 + 3 * MAX_SESSIONS];
	int whichfd[2 + 3 * MAX_SESSIONS];
	struct agent_ready ready;
	uint8_t rb[AGENT_READY_LEN];
	sigset_t chld;
	int sfd;

	for (int i = 0; i < MAX_SESSIONS; i++)
		sessions[i].in = sessions[i].out = sessions[i].err = sessions[i].pty = -1;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);
	port = open_port();
	frame_reader_init(&rd);
	ready.init_ns = init_ns;
	ready.modules_ns = modules_ns;
	ready.ready_ns = boot_ns();
	agent_ready_encode(rb, &ready);
	send_frame(AGENT_READY, 0, rb, sizeof rb);

	for (;;) {
		int n = 0;

		pfd[n].fd = sfd;
		pfd[n].events = POLLIN;
		who[n] = NULL;
		n++;
		pfd[n].fd = port;
		pfd[n].events = queued_total < STDIN_QUEUE_MAX ? POLLIN : 0;
		who[n] = NULL;
		n++;
		for (int i = 0; i < MAX_SESSIONS; i++) {
			struct session *s = &sessions[i];

			if (s->pid <= 0)
				continue;
			if (s->out >= 0) {
				pfd[n] = (struct pollfd){ .fd = s->out, .events = POLLIN };
				who[n] = s;
				whichfd[n++] = 1;
			}
			if (s->err >= 0) {
				pfd[n] = (struct pollfd){ .fd = s->err, .events = POLLIN };
				who[n] = s;
				whichfd[n++] = 2;
			}
			if (s->in >= 0 && s->q) {
				pfd[n] = (struct pollfd){ .fd = s->in, .events = POLLOUT };
				who[n] = s;
				whichfd[n++] = 0;
			}
		}
		if (poll(pfd, (nfds_t)n, pty_hangups()) < 0) {
			if (errno == EINTR)
				continue;
			glog("agent: poll: %s", strerror(errno));
			sleep(1);
			continue;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof si) > 0)
				;
			reap();
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			uint8_t buf[16384];
			ssize_t r = read(port, buf, sizeof buf);

			if (r > 0) {
				size_t off = 0;

				while (off < (size_t)r) {
					struct frame_hdr h;
					const uint8_t *payload;
					const char *why;
					int got;

					off += frame_reader_feed(&rd, buf + off, (size_t)r - off);
					while ((got = frame_reader_next(&rd, &h, &payload, &why)) == 1)
						handle_frame(&h, payload);
					if (got < 0) {
						glog("agent: bad frame from host: %s", why);
						frame_reader_init(&rd);
						break;
					}
				}
			} else if (r == 0) {
				/* The host side is not connected: wait a little. */
				usleep(100000);
			}
		}
		for (int i = 2; i < n; i++) {
			struct session *s = who[i];

			if (!pfd[i].revents || !s || s->pid <= 0)
				continue;
			if (whichfd[i] == 0) {
				if (s->in >= 0)
					flush_stdin(s);
			} else if (whichfd[i] == 1 && s->out >= 0) {
				pump_output(s, &s->out, AGENT_STDOUT);
			} else if (whichfd[i] == 2 && s->err >= 0) {
				pump_output(s, &s->err, AGENT_STDERR);
			}
			session_end_if_done(s);
		}
		/* Queued input may be writable without poll saying so yet. */
		for (int i = 0; i < MAX_SESSIONS; i++)
			if (sessions[i].pid > 0 && sessions[i].in >= 0 && sessions[i].q)
				flush_stdin(&sessions[i]);
	}
}

void agent_only(void)
{
	sigset_t chld;
	uint64_t now = boot_ns();
	struct stat st;

	only = true;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);	/* for the agent's signalfd */
	/* NixOS: the system's programs, not only the service's PATH. */
	if (stat("/run/current-system/sw/bin", &st) == 0 && S_ISDIR(st.st_mode)) {
		const char *path = getenv("PATH");
		char buf[4096];

		snprintf(buf, sizeof buf, "/run/wrappers/bin:/run/current-system/sw/bin%s%s",
			 path && *path ? ":" : "", path ? path : "");
		setenv("PATH", buf, 1);
	}
	if (!getenv("HOME"))
		setenv("HOME", "/root", 1);
	/* No boot of its own to time: init and modules are "when the agent started". */
	agent_main(now, now);
}

int agent_spawn(uint64_t init_ns, uint64_t modules_ns)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigaddset(&none, SIGCHLD);
		sigprocmask(SIG_SETMASK, &none, NULL);	/* SIGCHLD stays blocked for signalfd */
		agent_main(init_ns, modules_ns);
	}
	return pid < 0 ? -1 : pid;
}
