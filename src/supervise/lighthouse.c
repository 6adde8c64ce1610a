/* lighthouse.c - a mesh's lighthouse on this host: a fresh certificate
 * for its overlay address, nebula with tun disabled run as an
 * unprivileged uid of its own, restarted when it dies, and a control
 * socket that answers pool ls (STATUS) and pool down (DOWN). */
#include "supervise/lighthouse.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/ctl_msg.h"
#include "common/frame.h"
#include "common/log.h"
#include "common/parse.h"
#include "plan.h"
#include "supervise/ids.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

#define RESTART_MS 1000	/* a nebula that died starts again after this long */
#define CONF_FD "/proc/self/fd/3"	/* the uid's folder, open in nebula */

struct lh {
	const char *net;
	char name[POOL_NAME_MAX + 1];
	char dir[PATH_MAX];		/* POOL_STATE_DIR/lh-NET */
	char conf[PATH_MAX + 32];	/* dir/nebula: the uid's */
	char record[PATH_MAX];		/* the mesh's lighthouse record */
	uint32_t ip;
	uid_t uid;			/* nebula's, from the registry */
	struct id_lease id;
	pid_t nebula;
	time_t started;
	int lock_fd, ctl_fd, sig_fd, ready_fd;
	bool detached;
};

void lighthouse_name(const char *net, char *out, size_t cap)
{
	snprintf(out, cap, "lh-%s", net);
}

static int write_as(const struct lh *l, const char *name, const void *data, size_t len,
		    struct pool_err *e)
{
	char path[PATH_MAX + 64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof path, "%s/%s", l->conf, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_all(fd, data, len) < 0 || fchown(fd, l->uid, l->uid) < 0)
		return pool_err_sys(e, "%s", path);
	return 0;
}

/* The uid's folder: key, certificate, CA bundle, config.yml. */
static int files(struct lh *l, const struct mesh_addr *listen, struct pool_err *e)
{
	struct mesh_cert c;
	char host[16], *bundle = NULL, *config;
	size_t blen;
	uint32_t subnet;
	unsigned prefix;
	int r;
	struct mesh_node n = { .listen_port = listen->port, .lighthouse = true };
	char ca[PATH_MAX + 64], crt[PATH_MAX + 64], key[PATH_MAX + 64];

	if (mesh_subnet(l->net, &subnet, &prefix, e) < 0)
		return -1;
	snprintf(l->conf, sizeof l->conf, "%s/nebula", l->dir);
	if (mkdir(l->conf, 0700) < 0 || chown(l->conf, l->uid, l->uid) < 0)
		return pool_err_sys(e, "%s", l->conf);
	/* a year at most: the lighthouse is signed anew when it starts */
	if (mesh_sign(l->net, l->dir, "lighthouse", l->ip, prefix, NULL, 0, 365UL * 86400, &c, e) < 0)
		return -1;
	if (mesh_ca_bundle(l->net, &bundle, &blen, e) < 0) {
		mesh_cert_free(&c);
		return -1;
	}
	/* nebula finds its folder at fd 3: the uid cannot pass through the
	 * state folder (0700, root's), and needs not */
	snprintf(ca, sizeof ca, CONF_FD "/ca.crt");
	snprintf(crt, sizeof crt, CONF_FD "/host.crt");
	snprintf(key, sizeof key, CONF_FD "/host.key");
	n.ca = ca;
	n.cert = crt;
	n.key = key;
	n.subnet = subnet;
	n.prefix = prefix;
	n.listen_host = ipv4_str(listen->ip, host);
	config = mesh_config_yaml(&n);
	r = config ? 0 : pool_err_sys(e, "config");
	if (!r)
		r = write_as(l, "host.key", c.key, c.key_len, e);
	if (!r)
		r = write_as(l, "host.crt", c.crt, c.crt_len, e);
	if (!r)
		r = write_as(l, "ca.crt", bundle, blen, e);
	if (!r)
		/* r is 0 only with a config: pool_err_sys() returns -1 */
		r = write_as(l, "config.yml", config, strlen(config), e);	/* NOLINT(clang-analyzer-core.NonNullParamChecker) */
	mesh_cert_free(&c);
	free(bundle);
	free(config);
	return r;
}

static pid_t start(struct lh *l)
{
	const char *nebula = getenv("POOL_NEBULA");
	char conf[PATH_MAX + 64], log[PATH_MAX + 32];
	pid_t pid;

	if (!nebula || !*nebula)
		nebula = "/usr/bin/nebula";
	snprintf(conf, sizeof conf, CONF_FD "/config.yml");
	snprintf(log, sizeof log, "%s/nebula.log", l->dir);
	pid = fork();
	if (pid < 0) {
		log_warn("lighthouse %s: fork", l->name);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int dir = open(l->conf, O_PATH | O_DIRECTORY | O_CLOEXEC);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd < 0 || null < 0 || dir < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0 || dup2(dir, 3) < 0)
			_exit(127);
		close_range(4, ~0U, 0);
		if (setgroups(0, NULL) < 0 || setresgid(l->uid, l->uid, l->uid) < 0 ||
		    setresuid(l->uid, l->uid, l->uid) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    /* it ends with its supervisor; after setresuid, which clears it */
		    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) {
			dprintf(2, "lighthouse: cannot drop to uid %u: %s\n", (unsigned)l->uid, strerror(errno));
			_exit(127);
		}
		execl(nebula, "nebula", "-config", conf, (char *)NULL);
		dprintf(2, "exec %s: %s\n", nebula, strerror(errno));
		_exit(127);
	}
	return pid;
}

static void status(const struct lh *l, struct ctl_status *st)
{
	memset(st, 0, sizeof *st);
	snprintf(st->name, sizeof st->name, "%s", l->name);
	ipv4_str(l->ip, st->address);
	st->state = CTL_RUNNING;
	st->pid = getpid();
	st->qemu = l->nebula > 0 ? l->nebula : 0;
	st->started = (uint64_t)l->started;
}

static int ctl_open(struct lh *l, struct pool_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", l->dir, CTL_SOCKET) >=
	    sizeof sa.sun_path)
		return pool_err_usage(e, "POOL_STATE_DIR is too long for a socket path");
	l->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->ctl_fd < 0 || bind(l->ctl_fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    chmod(sa.sun_path, 0600) < 0 || listen(l->ctl_fd, 8) < 0)
		return pool_err_sys(e, "%s", sa.sun_path);
	return 0;
}

/* One client, one frame: STATUS is answered, DOWN ends the lighthouse
 * (the client sees the lock go). Anything else closes the connection. */
static bool serve(struct lh *l)
{
	struct timeval tv = { .tv_sec = 2 };
	uint8_t buf[FRAME_HDR_LEN + 64], out[FRAME_HDR_LEN + CTL_STATUS_MAX];
	struct frame_hdr h;
	const char *why;
	size_t got = 0;
	bool down = false;
	int c = accept4(l->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0)
		return false;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	while (got < FRAME_HDR_LEN) {
		ssize_t n = read(c, buf + got, FRAME_HDR_LEN - got);

		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	if (frame_hdr_decode(buf, got, &h, &why) < 0 || h.len > sizeof buf - FRAME_HDR_LEN)
		goto out;
	while (got < FRAME_HDR_LEN + h.len) {
		ssize_t n = read(c, buf + got, FRAME_HDR_LEN + h.len - got);

		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	if (h.type == CTL_MSG_STATUS && h.len == 0) {
		struct ctl_status st;
		char text[CTL_STATUS_MAX];
		long n;

		status(l, &st);
		n = ctl_status_encode(text, sizeof text, &st);
		if (n > 0) {
			long f = frame_encode(out, sizeof out, CTL_MSG_STATUS, 0, text, (size_t)n);

			if (f > 0)
				(void)!write_all(c, out, (size_t)f);
		}
	} else if (h.type == CTL_MSG_DOWN) {
		down = true;
	}
out:
	close(c);
	return down;
}

static void stop_nebula(struct lh *l)
{
	if (l->nebula <= 0)
		return;
	kill(l->nebula, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(l->nebula, NULL, WNOHANG) == l->nebula) {
			l->nebula = -1;
			return;
		}
		usleep(100000);
	}
	kill(l->nebula, SIGKILL);
	waitpid(l->nebula, NULL, 0);
	l->nebula = -1;
}

static int loop(struct lh *l)
{
	struct timespec ts;
	uint64_t restart_at = 0;

	for (;;) {
		struct pollfd p[2] = { { l->sig_fd, POLLIN, 0 }, { l->ctl_fd, POLLIN, 0 } };
		struct signalfd_siginfo si;
		uint64_t now;

		if (poll(p, 2, 250) < 0 && errno != EINTR)
			return -1;
		while (read(l->sig_fd, &si, sizeof si) == sizeof si) {
			int st;

			if (si.ssi_signo != SIGCHLD)
				return 0;
			while (l->nebula > 0 && waitpid(l->nebula, &st, WNOHANG) == l->nebula) {
				log_warnx("lighthouse %s: nebula ended (%s %d); starting it again", l->name,
					  WIFSIGNALED(st) ? "signal" : "status",
					  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
				l->nebula = -1;
				clock_gettime(CLOCK_MONOTONIC, &ts);
				restart_at = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + RESTART_MS;
			}
		}
		if ((p[1].revents & POLLIN) && serve(l))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		if (l->nebula < 0 && now >= restart_at) {
			struct ctl_status st;
			struct pool_err ignore = { 0 };

			l->nebula = start(l);
			status(l, &st);
			state_status_write(l->dir, &st, &ignore);
		}
	}
}

static int record(const struct lh *l, const struct mesh_addr *listen, struct pool_err *e)
{
	char text[96], a[16], b[16];
	int n = snprintf(text, sizeof text, "ip=%s\nlisten=%s:%u\n", ipv4_str(l->ip, a),
			 ipv4_str(listen->ip, b), listen->port);

	return write_file_atomic(l->record, text, (size_t)n, 0600, e);
}

/* The lighthouse's life once its folder is claimed. */
static int run(struct lh *l, const struct mesh_addr *listen, struct pool_err *e)
{
	struct ctl_status st;
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sig_fd < 0)
		return pool_err_sys(e, "signalfd");
	if (files(l, listen, e) < 0 || ctl_open(l, e) < 0 || record(l, listen, e) < 0)
		return -1;
	l->started = time(NULL);
	l->nebula = start(l);
	if (l->nebula < 0)
		return pool_err_sys(e, "starting nebula");
	status(l, &st);
	if (state_status_write(l->dir, &st, e) < 0)
		return -1;
	if (l->ready_fd >= 0) {
		(void)!write(l->ready_fd, "R", 1);
		close(l->ready_fd);
		l->ready_fd = -1;
	}
	return loop(l) < 0 ? pool_err_sys(e, "poll") : 0;
}

static int lighthouse_main(struct lh *l, const struct mesh_addr *listen, struct pool_err *e)
{
	const char *root = state_root();
	int r;

	if (state_claim(root, l->dir, l->name, "", false, 0, &l->lock_fd, e) < 0)
		return -1;
	if (ids_take(&ids_machines, l->name, &l->id, 1, e) < 0) {
		state_release(root, l->dir, &l->lock_fd);
		return -1;
	}
	l->uid = l->id.id;
	if (l->detached) {
		/* from here on its warnings go to its folder */
		char slog[PATH_MAX + 32];
		int fd;

		snprintf(slog, sizeof slog, "%s/supervisor.log", l->dir);
		fd = open(slog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
	}
	r = run(l, listen, e);
	stop_nebula(l);
	unlink(l->record);
	if (l->ctl_fd >= 0)
		close(l->ctl_fd);
	if (l->sig_fd >= 0)
		close(l->sig_fd);
	ids_give(&ids_machines, &l->id, 1);
	state_release(root, l->dir, &l->lock_fd);
	return r;
}

int lighthouse_run(const char *net, uint32_t ip, const struct mesh_addr *listen, bool detach,
		   struct pool_err *e)
{
	struct lh l = { .net = net, .ip = ip, .nebula = -1, .lock_fd = -1, .ctl_fd = -1,
			.sig_fd = -1, .ready_fd = -1, .id = { .fd = -1 } };
	struct mesh_grants g = { 0 };
	uint32_t subnet;
	unsigned prefix;
	char b1[16];
	int rfd[2];
	pid_t pid;

	if (mesh_subnet(net, &subnet, &prefix, e) < 0)
		return -1;
	if (!ipv4_in(ip, subnet, prefix) || ip == subnet || ip == (subnet | ~prefix_mask(prefix))) {
		char b2[16];

		return pool_err_usage(e, "mesh lighthouse: --ip %s is not a host address of mesh %s (%s/%u)",
				      ipv4_str(ip, b1), net, ipv4_str(subnet, b2), prefix);
	}
	if (mesh_grants_load(net, &g, e) < 0)
		return -1;
	for (size_t i = 0; i < g.n; i++)
		if (g.v[i].ip == ip) {
			pool_err_usage(e, "mesh lighthouse: --ip %s is granted to %s", ipv4_str(ip, b1), g.v[i].dir);
			mesh_grants_free(&g);
			return -1;
		}
	mesh_grants_free(&g);
	if (listen->port < 1024)
		return pool_err_usage(e, "mesh lighthouse: --listen port %u: the lighthouse runs unprivileged (1024..65535)",
				      listen->port);
	lighthouse_name(net, l.name, sizeof l.name);
	if ((size_t)snprintf(l.dir, sizeof l.dir, "%s/%s", state_root(), l.name) >= sizeof l.dir ||
	    mesh_dir(net, l.record, sizeof l.record - 16, e) < 0)
		return pool_err_usage(e, "POOL_STATE_DIR or POOL_DATA_DIR is too long");
	strcat(l.record, "/lighthouse");
	if (!detach)
		return lighthouse_main(&l, listen, e);

	if (pipe2(rfd, O_CLOEXEC) < 0)
		return pool_err_sys(e, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return pool_err_sys(e, "fork");
	if (pid == 0) {
		struct pool_err ce = { 0 };
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		close(rfd[0]);
		setsid();
		if (chdir("/") < 0)
			_exit(1);
		l.ready_fd = rfd[1];
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
		}
		l.detached = true;
		if (lighthouse_main(&l, listen, &ce) < 0) {
			if (l.ready_fd >= 0)
				(void)!write(l.ready_fd, ce.msg, strnlen(ce.msg, sizeof ce.msg));
			_exit(ce.status ? ce.status : 1);
		}
		_exit(0);
	}
	close(rfd[1]);
	{
		char msg[sizeof e->msg];
		ssize_t n = read(rfd[0], msg, sizeof msg - 1);

		close(rfd[0]);
		if (n == 1 && msg[0] == 'R')
			return 0;
		if (n > 0) {
			int st;

			msg[n] = '\0';
			waitpid(pid, &st, 0);
			return pool_err_set(e, WIFEXITED(st) && WEXITSTATUS(st) == POOL_EXIT_USAGE ?
					       POOL_EXIT_USAGE : POOL_EXIT_FAIL, 0, "%s", msg);
		}
		return pool_err_fail(e, "lighthouse %s ended before nebula started", l.name);
	}
}
