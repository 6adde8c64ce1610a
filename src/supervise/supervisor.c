/* supervisor.c - one machine's life in the foreground: state folder,
 * hypervisor, console log, agent; run a command or attach the console;
 * power off cleanly; leave nothing behind. */
#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "privdrop.h"
#include "supervise/state.h"
#include "common/ctl_msg.h"
#include "virtiofsd.h"
#include "volumes.h"
#include "sshkeys.h"
#include "image/initramfs.h"
#include "net/dhcpd.h"
#include "net/link.h"
#include "net/mac.h"
#include "common/parse.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/user.h"
#include "common/log.h"

#define RUN_SID 1u
#define SHUTDOWN_GRACE_MS 10000
#define LOG_MAX (4u << 20)	/* console.log is rotated past this */
#define CTRL_RBRACKET 0x1d
#define QEMU_LOG_MAX (1u << 20)	/* what QEMU may write to qemu.log */
#define CTL_CLIENTS_MAX 32	/* control connections at once */
#define CTL_SESSIONS_MAX 28	/* of which exec and console: ls and down always get in */
#define CTL_IDLE_MS 5000	/* a connection that says nothing for this long is closed */
#define CTL_STALL_MS 30000	/* an exec client that reads nothing for this long is dropped */
#define CTL_OUT_HIGH (1u << 20)	/* the guest's output waits while a client lags */
#define CTL_OUT_MAX (4u << 20)	/* a client that reads nothing is dropped past this */
#define AGENT_OUT_MAX (1u << 20)	/* stop taking STDIN while the guest lags */

struct sup;

/* One connection on the control socket: pool ls, down, exec or console. */
struct ctl_client {
	struct sup *s;
	int fd;			/* -1: slot free */
	struct agent_conn conn;
	struct ctl_conv conv;
	uint32_t gsid;		/* exec: the session's id towards the guest */
	uint64_t accepted_ms;
	uint64_t stalled_ms;	/* since when its queue is past CTL_OUT_HIGH and not shrinking */
	size_t stalled_len;
	bool closing;		/* close once what is queued is written */
};

struct sup {
	struct plan *p;
	const struct run_request *req;
	uint8_t *exec;		/* the EXEC payload, encoded before boot */
	size_t exec_len;
	size_t qemu_log_size;
	size_t conq_len;
	size_t log_size;
	size_t tail_len;
	uint64_t deadline_ms;
	uint64_t start_ms;
	time_t started;
	struct ctl_client *cl;	/* CTL_CLIENTS_MAX slots */
	struct pool_err err;	/* for frame callbacks */
	struct virtiofsd fs[PLAN_SHARES_MAX];
	struct volume_set vols;	/* open, locked images */
	struct dhcpd dhcp;
	struct agent_conn agent;
	struct termios saved_tty;

	int lock_fd, log_fd, qemu_log_fd, kernel_fd, initrd_fd, sig_fd;
	int qemu_err;		/* read end of QEMU's stderr */
	int con;		/* our end of the serial console */
	int tap_fd;
	pid_t qemu;
	int qemu_status;
	int exit_status;
	int interrupted;	/* signal that asked us to stop, or 0 */
	int ctl_fd;		/* the listening control socket */
	int ready_fd;		/* pool up -d: told "R" once the agent is READY */
	int console_cl;		/* the client holding the console, or -1 */
	uint32_t next_sid;	/* exec sessions towards the guest */

	bool net_added;
	bool agent_open;
	bool stdin_open;
	bool exec_sent, have_exit;
	bool shutting_down;
	bool reboot_notice;
	bool down_asked;	/* pool down asked for the power-off */
	bool tty_raw;

	uint8_t conq[65536];	/* typed input waiting for the console */
	char tail[4096];	/* the last console bytes, for error messages */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned boot_timeout_s(void)
{
	const char *v = getenv("POOL_BOOT_TIMEOUT");
	char *end;
	unsigned long n;

	if (!v || !*v)
		return 120;
	n = strtoul(v, &end, 10);
	return *end || n == 0 || n > 3600 ? 120 : (unsigned)n;
}

/* QEMU opens the kernel again through /proc/self/fd as the machine's uid,
 * which checks the file's own mode: a kernel others cannot read (0600, as
 * some distributions ship it) goes through a sealed memfd instead. */
/* A boot file a spec names (kernel:, image.nixos.kernel and initrd) is
 * opened as the invoking user: a spec may come with a codebase, and must
 * not hand the guest a file that user could not read (/etc/shadow as an
 * "initrd"). */
static int open_boot_file(void *arg, struct pool_err *e)
{
	const char *path = arg;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return pool_err_sys(e, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pool_err_usage(e, "%s: not a regular file", path);
	}
	return fd;
}

static int kernel_fd_for(const char *path, bool from_spec, struct pool_err *e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int mfd;
	off_t off = 0;

	if (from_spec) {
		const struct pool_user *u;

		if (pool_user_get(&u, e) < 0)
			return -1;
		fd = run_as_user(u, open_boot_file, (void *)path, e);
		if (fd < 0)
			return pool_err_wrap(e, "boot file");
		fcntl(fd, F_SETFL, 0);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return pool_err_sys(e, "%s", path);
	if (st.st_mode & S_IROTH)
		return steal_fd(&fd);
	mfd = memfd_create("pool-kernel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pool_err_sys(e, "memfd for %s", path);
	while (off < st.st_size) {
		ssize_t n = sendfile(mfd, fd, &off, (size_t)(st.st_size - off));

		if (n <= 0) {
			close(mfd);
			return pool_err_sys(e, "copying %s", path);
		}
	}
	fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	return mfd;
}

/* --- state folder --- */

/* What `pool ls` shows of this machine. */
static void status_fill(const struct sup *s, struct ctl_status *st)
{
	const struct machine *m = s->p->m;

	memset(st, 0, sizeof *st);
	snprintf(st->name, sizeof st->name, "%s", m->name);
	if (s->p->has_net) {
		ipv4_str(m->address, st->address);
		snprintf(st->channel, sizeof st->channel, "%s", m->channel);
	}
	st->state = s->shutting_down ? CTL_STOPPING : s->agent.ready ? CTL_RUNNING : CTL_BOOTING;
	st->pid = getpid();
	st->qemu = s->qemu > 0 ? s->qemu : 0;
	for (size_t i = 0; i < s->p->nshares && st->nfs < CTL_FS_MAX; i++)
		if (s->fs[i].pid > 0)
			st->fs[st->nfs++] = s->fs[i].pid;
	st->started = (uint64_t)s->started;
	st->console = s->console_cl >= 0 || (!s->req->argv && !s->req->detached);
}

/* The status file: what a dead supervisor leaves for reclaiming. */
static int status_write(const struct sup *s, struct pool_err *e)
{
	struct ctl_status st;

	status_fill(s, &st);
	return state_status_write(s->p->state_dir, &st, e);
}

static int state_open(struct sup *s, struct pool_err *e)
{
	const struct plan *p = s->p;

	if (state_claim(p->paths.state, p->state_dir, p->m->name, p->m->channel, p->has_net,
			p->m->address, &s->lock_fd, e) < 0)
		return -1;
	s->started = time(NULL);
	return status_write(s, e);
}

/* --- network --- */

/* The channel, the TAP, the machine's rules and its DHCP responder. */
static int net_open(struct sup *s, struct pool_err *e)
{
	struct plan *p = s->p;
	const struct machine *m = p->m;
	struct dhcpd_config dc = { 0 };
	uint32_t subnet;
	unsigned prefix;

	if (channel_subnet(m->channel, &subnet, &prefix) < 0) {
		struct channel_cfg cc;
		bool changed;

		channel_cfg_default(&cc);
		snprintf(cc.name, sizeof cc.name, "%s", m->channel);
		if (channel_up(&cc, &changed, e) < 0)
			return pool_err_wrap(e, "channel %s", m->channel);
		log_info("channel %s was down: brought it up (uplink auto, %s/%u)", m->channel,
			 ipv4_str(cc.subnet, (char[16]){ 0 }), cc.prefix);
		if (channel_subnet(m->channel, &subnet, &prefix) < 0)
			return pool_err_fail(e, "channel %s: no address after bringing it up", m->channel);
	}
	if (!ipv4_in(m->address, subnet, prefix))
		return pool_err_usage(e, "%s: address %s is outside channel %s (%s/%u)", m->file,
				      ipv4_str(m->address, (char[16]){ 0 }), m->channel,
				      ipv4_str(subnet, (char[16]){ 0 }), prefix);
	/* A crashed supervisor may have left this machine's rules: clear them. */
	machine_net_del(m->channel, &p->net, &(struct pool_err){ 0 });
	if (tap_create(m->channel, p->net.tap, &s->tap_fd, e) < 0)
		return -1;
	if (machine_net_add(m->channel, &p->net, e) < 0)
		return -1;
	s->net_added = true;

	memcpy(dc.machine_mac, p->net.mac, 6);
	dc.machine_ip = m->address;
	dc.prefix = prefix;
	dc.router = subnet + 1;
	dc.server_ip = subnet + 1;
	mac_from_ipv4(subnet + 1, dc.server_mac);
	dc.ndns = dhcpd_upstream_dns(dc.dns, 3);
	dc.lease_time = 86400;
	if (m->network == NET_ISOLATED) {
		dc.ndns = 0;	/* isolated machines reach nothing but DHCP */
	}
	return dhcpd_open(&s->dhcp, p->net.tap, &dc, m->name, e);
}

static void net_close(struct sup *s)
{
	struct pool_err ignore = { 0 };

	dhcpd_close(&s->dhcp);
	if (s->net_added && machine_net_del(s->p->m->channel, &s->p->net, &ignore) < 0)
		log_warnx("removing %s's rules: %s", s->p->m->name, ignore.msg);
	s->net_added = false;
	if (s->tap_fd >= 0)
		close(s->tap_fd);	/* the TAP goes with its last fd */
	s->tap_fd = -1;
}

/* The machine's own initrd, a sealed memfd: the cached image, then its
 * passwd, shadow, mounts and (image host) the allowlisted host /etc
 * files. The ssh host key goes into it and leaves the disk. */
static int machine_initrd(struct plan *p, struct pool_err *e)
{
	_cleanup_free_ char *mounts = NULL;
	char key[PATH_MAX + 64];
	bool have_key;
	size_t len = 0;
	FILE *f = open_memstream(&mounts, &len);
	int fd;

	if (!f)
		return pool_err_sys(e, "mounts");
	for (size_t i = 0; i < p->nshares; i++)
		fprintf(f, "%s %s %s\n", p->shares[i].tag, p->shares[i].target,
			p->shares[i].readonly ? "ro" : "rw");
	fclose(f);
	if (sshkeys_make(p, e) < 0)	/* the ssh host key the initrd carries */
		return -1;
	snprintf(key, sizeof key, "%s/" SSHKEYS_HOST_KEY, p->state_dir);
	have_key = access(key, F_OK) == 0;
	fd = image_machine_initrd(p->image_path, p->m, mounts, p->m->image == IMAGE_HOST,
				  have_key ? key : NULL, e);
	if (have_key)
		unlink(key);	/* the public half stays, for pool ssh */
	return fd;
}

/* --- shares --- */

static int shares_start(struct sup *s, struct pool_err *e)
{
	const struct pool_user *u;

	if (pool_user_get(&u, e) < 0)
		return -1;
	for (size_t i = 0; i < s->p->nshares; i++) {
		const struct plan_share *sh = &s->p->shares[i];
		char sock[PATH_MAX + 32];
		/* The host's /usr and /nix/store (world-readable) are read by
		 * the guest's root as root reads them. Any other store folder
		 * comes from a spec, which may come with a codebase: it is read
		 * as the invoking user, like any share. */
		bool sys = strcmp(sh->tag, "usr") == 0 ||
			   (strcmp(sh->tag, "store") == 0 && strcmp(sh->source, "/nix/store") == 0);

		snprintf(sock, sizeof sock, "%s/%s.sock", s->p->state_dir, sh->tag);
		if (virtiofsd_start(&s->fs[i], s->p->paths.virtiofsd, sh->source, sh->readonly,
				    sys ? NULL : u, sock, s->qemu_log_fd, e) < 0)
			return pool_err_wrap(e, "share %s", sh->source);
	}
	return 0;
}

/* A virtiofsd that ends while its machine runs leaves a share that hangs
 * every access: say so and stop the machine rather than let it hang. */
static void shares_check(struct sup *s)
{
	for (size_t i = 0; i < s->p->nshares; i++) {
		int st;

		if (s->fs[i].pid <= 0 || waitpid(s->fs[i].pid, &st, WNOHANG) != s->fs[i].pid)
			continue;
		s->fs[i].pid = -1;
		if (s->shutting_down || s->qemu <= 0)
			continue;
		log_warnx("%s: the virtiofsd of share %s ended (%s %d); stopping the machine",
			  s->p->m->name, s->p->shares[i].source,
			  WIFSIGNALED(st) ? "signal" : "status",
			  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		s->shutting_down = true;
		s->deadline_ms = UINT64_MAX;
		kill(s->qemu, SIGKILL);
	}
}

static void shares_stop(struct sup *s)
{
	for (size_t i = 0; i < s->p->nshares; i++)
		virtiofsd_stop(&s->fs[i]);
}

/* --- console --- */

struct ctl_client;
static void ctl_send_to(struct sup *s, struct ctl_client *c, uint16_t type, uint32_t sid,
			const void *p, size_t n);

static void tail_add(struct sup *s, const char *buf, size_t n)
{
	if (n >= sizeof s->tail) {
		memcpy(s->tail, buf + n - sizeof s->tail, sizeof s->tail);
		s->tail_len = sizeof s->tail;
		return;
	}
	if (s->tail_len + n > sizeof s->tail) {
		size_t drop = s->tail_len + n - sizeof s->tail;

		memmove(s->tail, s->tail + drop, s->tail_len - drop);
		s->tail_len -= drop;
	}
	memcpy(s->tail + s->tail_len, buf, n);
	s->tail_len += n;
}

static void log_write(struct sup *s, const char *buf, size_t n)
{
	if (s->log_fd < 0)
		return;
	if (s->log_size + n > LOG_MAX) {
		char old[PATH_MAX + 4];

		snprintf(old, sizeof old, "%s.1", s->p->console_log);
		rename(s->p->console_log, old);
		close(s->log_fd);
		s->log_fd = open(s->p->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		s->log_size = 0;
		if (s->log_fd < 0)
			return;
	}
	if (write_all(s->log_fd, buf, n) == 0)
		s->log_size += n;
}

/* The last few console lines, made printable, for an error message. */
static void tail_lines(const struct sup *s, char *out, size_t cap, int lines)
{
	size_t start = s->tail_len, o = 0;
	int seen = 0;

	while (start > 0) {
		if (s->tail[start - 1] == '\n' && start != s->tail_len && ++seen > lines)
			break;
		start--;
	}
	for (size_t i = start; i < s->tail_len && o + 2 < cap; i++) {
		unsigned char c = (unsigned char)s->tail[i];

		if (c == '\r')
			continue;
		out[o++] = (c == '\n' || (c >= 32 && c < 127)) ? (char)c : '?';
	}
	while (o > 0 && out[o - 1] == '\n')
		o--;
	out[o] = '\0';
}

/* Read what the console has; all of it when drain is set. */
static void console_in(struct sup *s, bool drain)
{
	char buf[16384];

	do {
		ssize_t n = read(s->con, buf, sizeof buf);

		if (n <= 0) {
			if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(s->con);
				s->con = -1;
			}
			return;
		}
		tail_add(s, buf, (size_t)n);
		log_write(s, buf, (size_t)n);
		if (!s->req->argv && !s->req->detached)	/* pool up: the console is the user's */
			write_all(1, buf, (size_t)n);
		if (s->console_cl >= 0)
			ctl_send_to(s, &s->cl[s->console_cl], CTL_MSG_CONSOLE, 0, buf, (size_t)n);
	} while (drain);
}

/* Typed input to the console, without blocking and without losing any. */
static void console_out(struct sup *s)
{
	while (s->conq_len && s->con >= 0) {
		ssize_t n = write(s->con, s->conq, s->conq_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				s->conq_len = 0;
			return;
		}
		memmove(s->conq, s->conq + n, s->conq_len - (size_t)n);
		s->conq_len -= (size_t)n;
	}
}

/* QEMU's own messages: into qemu.log, bounded. */
static void qemu_err_in(struct sup *s)
{
	char buf[4096];
	ssize_t n = read(s->qemu_err, buf, sizeof buf);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(s->qemu_err);
			s->qemu_err = -1;
		}
		return;
	}
	if (s->qemu_log_size + (size_t)n <= QEMU_LOG_MAX && write_all(s->qemu_log_fd, buf, (size_t)n) == 0)
		s->qemu_log_size += (size_t)n;
}

static void tty_restore(struct sup *s)
{
	if (s->tty_raw) {
		tcsetattr(0, TCSAFLUSH, &s->saved_tty);
		s->tty_raw = false;
	}
}

static void tty_make_raw(struct sup *s)
{
	struct termios t;

	if (!isatty(0) || tcgetattr(0, &s->saved_tty) < 0)
		return;
	t = s->saved_tty;
	cfmakeraw(&t);
	if (tcsetattr(0, TCSAFLUSH, &t) == 0)
		s->tty_raw = true;
}

/* --- going down --- */

static void begin_shutdown(struct sup *s, struct pool_err *e)
{
	uint8_t mode = 0;

	if (s->shutting_down)
		return;
	s->shutting_down = true;
	s->deadline_ms = now_ms() + SHUTDOWN_GRACE_MS;
	if (s->agent_open && s->agent.ready)
		agent_conn_send(&s->agent, AGENT_SHUTDOWN, 0, &mode, 1, e);
	else if (s->qemu > 0)
		kill(s->qemu, SIGKILL);	/* nothing in the guest to ask */
}

/* --- control socket --- */

static int ctl_listen(struct sup *s, struct pool_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", s->p->state_dir,
			     CTL_SOCKET) >= sizeof sa.sun_path)
		return pool_err_usage(e, "POOL_STATE_DIR is too long for a socket path");
	s->cl = calloc(CTL_CLIENTS_MAX, sizeof *s->cl);
	if (!s->cl)
		return pool_err_sys(e, "control socket");
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
		s->cl[i].fd = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pool_err_sys(e, "control socket");
	/* The folder is 0700 and root's: the socket is never reachable by
	 * anyone else, even before the chmod. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, CTL_CLIENTS_MAX) < 0) {
		pool_err_sys(e, "%s", sa.sun_path);
		close(fd);
		return -1;
	}
	s->ctl_fd = fd;
	return 0;
}

static void ctl_drop(struct sup *s, struct ctl_client *c)
{
	struct pool_err ignore = { 0 };

	if (c->fd < 0)
		return;
	/* A command whose client went away gets end-of-input and a hang-up,
	 * as a command whose terminal closed would. */
	if (c->conv.kind == CTL_EXEC && c->gsid && s->agent_open) {
		static const uint8_t hup[4] = { 0, 0, 0, SIGHUP };

		agent_conn_send(&s->agent, AGENT_STDIN, c->gsid, NULL, 0, &ignore);
		agent_conn_send(&s->agent, AGENT_SIGNAL, c->gsid, hup, sizeof hup, &ignore);
	}
	if (s->console_cl == c - s->cl)
		s->console_cl = -1;
	close(c->fd);
	agent_conn_free(&c->conn);
	*c = (struct ctl_client){ .fd = -1 };
}

/* Queue a frame for a client; one that has stopped reading is dropped. */
static void ctl_send_to(struct sup *s, struct ctl_client *c, uint16_t type, uint32_t sid,
			const void *p, size_t n)
{
	struct pool_err ignore = { 0 };

	if (c->fd < 0)
		return;
	if (c->conn.outlen + n > CTL_OUT_MAX ||
	    agent_conn_send(&c->conn, type, sid, p, n, &ignore) < 0) {
		log_warnx("control client of %s reads nothing: dropped", s->p->m->name);
		ctl_drop(s, c);
	}
}

static void ctl_refuse_text(struct sup *s, struct ctl_client *c, const char *msg)
{
	ctl_send_to(s, c, AGENT_ERROR, c->conv.kind == CTL_EXEC ? c->conv.sid : 0, msg, strlen(msg));
	c->closing = true;
}

/* Refuse a client's request with one line, and close once it is sent. */
#define ctl_refuse(s, c, ...)                                   \
	do {                                                    \
		char refusal_[256];                             \
		snprintf(refusal_, sizeof refusal_, __VA_ARGS__); \
		ctl_refuse_text((s), (c), refusal_);            \
	} while (0)

static void ctl_accept(struct sup *s)
{
	for (;;) {
		int fd = accept4(s->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ucred cr;
		socklen_t len = sizeof cr;
		size_t i;

		if (fd < 0)
			return;
		/* Root's folder already keeps others out; check anyway. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || cr.uid != 0) {
			close(fd);
			continue;
		}
		for (i = 0; i < CTL_CLIENTS_MAX && s->cl[i].fd >= 0; i++)
			;
		if (i == CTL_CLIENTS_MAX) {
			uint8_t f[80];
			long n = frame_encode(f, sizeof f, AGENT_ERROR, 0,
						    "too many control connections", 28);

			if (n > 0 && write(fd, f, (size_t)n) < 0)
				log_debug("control socket: %s", strerror(errno));
			close(fd);
			continue;
		}
		s->cl[i] = (struct ctl_client){ .s = s, .fd = fd, .accepted_ms = now_ms() };
		agent_conn_init(&s->cl[i].conn, fd);
	}
}

/* An EXEC from a client: the machine's workdir when it names none, and a
 * session id of the supervisor's own towards the guest. */
static void ctl_exec(struct sup *s, struct ctl_client *c, const uint8_t *p, size_t n)
{
	struct agent_exec x;
	const char *why;
	uint8_t *buf;
	long len;

	if (!s->agent_open || !s->agent.ready || s->shutting_down) {
		ctl_refuse(s, c, "machine %s is %s", s->p->m->name,
			   s->shutting_down ? "stopping" : "not ready yet");
		return;
	}
	if (agent_exec_decode(p, n, &x, &why) < 0) {
		ctl_refuse(s, c, "exec: %s", why);
		return;
	}
	if (!x.cwd[0] && s->p->m->workdir)
		x.cwd = s->p->m->workdir;
	buf = malloc(FRAME_PAYLOAD_MAX);
	len = buf ? agent_exec_encode(buf, FRAME_PAYLOAD_MAX, &x) : -1;
	agent_exec_free(&x);
	if (len < 0) {
		free(buf);
		ctl_refuse(s, c, "exec: the command does not fit in one frame");
		return;
	}
	if (++s->next_sid <= RUN_SID)
		s->next_sid = RUN_SID + 1;
	c->gsid = s->next_sid;
	if (agent_conn_send(&s->agent, AGENT_EXEC, c->gsid, buf, (size_t)len, &s->err) < 0)
		ctl_refuse(s, c, "exec: %s", s->err.msg);
	free(buf);
}

static int on_ctl_frame(void *ctx, const struct frame_hdr *h, const uint8_t *p)
{
	struct ctl_client *c = ctx;
	struct sup *s = c->s;
	enum ctl_kind was = c->conv.kind;
	const char *why;

	if (c->closing || c->fd < 0)
		return 0;
	if (ctl_conv_step(&c->conv, h, p, &why) < 0) {
		ctl_refuse(s, c, "control socket: %s", why);
		return 0;
	}
	if (was == CTL_NEW && (c->conv.kind == CTL_EXEC || c->conv.kind == CTL_CONSOLE)) {
		size_t sessions = 0;

		for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
			sessions += s->cl[i].fd >= 0 && &s->cl[i] != c &&
				    (s->cl[i].conv.kind == CTL_EXEC || s->cl[i].conv.kind == CTL_CONSOLE);
		if (sessions >= CTL_SESSIONS_MAX) {
			c->conv.kind = CTL_STATUS;	/* nothing more from it */
			ctl_refuse(s, c, "machine %s has %d sessions already", s->p->m->name,
				   CTL_SESSIONS_MAX);
			return 0;
		}
	}
	switch (c->conv.kind) {
	case CTL_STATUS: {
		char text[CTL_STATUS_MAX];
		struct ctl_status st;
		long n;

		status_fill(s, &st);
		n = ctl_status_encode(text, sizeof text, &st);
		if (n > 0)
			ctl_send_to(s, c, CTL_MSG_STATUS, 0, text, (size_t)n);
		c->closing = true;
		return 0;
	}
	case CTL_DOWN: {
		uint64_t deadline = now_ms() + (uint64_t)c->conv.down_s * 1000;

		log_info("%s: asked to power off (killed after %u s)", s->p->m->name, c->conv.down_s);
		s->down_asked = true;
		begin_shutdown(s, &s->err);
		if (deadline < s->deadline_ms)
			s->deadline_ms = deadline;
		return 0;	/* the connection ends with the supervisor */
	}
	case CTL_EXEC:
		if (was == CTL_NEW)
			ctl_exec(s, c, p, h->len);
		else if (c->gsid && s->agent_open)
			agent_conn_send(&s->agent, h->type, c->gsid, p, h->len, &s->err);
		return 0;
	case CTL_CONSOLE:
		if (was == CTL_NEW) {
			if (s->console_cl >= 0 || (!s->req->argv && !s->req->detached)) {
				ctl_refuse(s, c, "the console of %s is already attached", s->p->m->name);
				return 0;
			}
			s->console_cl = (int)(c - s->cl);
			/* What the console showed last, so the prompt is there. */
			ctl_send_to(s, c, CTL_MSG_CONSOLE, 0, s->tail, s->tail_len);
			return 0;
		}
		if (h->len > sizeof s->conq - s->conq_len) {
			ctl_refuse(s, c, "console input faster than the machine takes it");
			return 0;
		}
		memcpy(s->conq + s->conq_len, p, h->len);
		s->conq_len += h->len;
		return 0;
	case CTL_NEW:
	default:
		return 0;
	}
}

/* A frame of an exec session that belongs to a control client. */
static void ctl_from_guest(struct sup *s, const struct frame_hdr *h, const uint8_t *p)
{
	const char *why;

	if (h->sid == 0 || frame_payload_check(h->type, p, h->len, &why) < 0)
		return;
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0 || c->conv.kind != CTL_EXEC || c->gsid != h->sid)
			continue;
		ctl_send_to(s, c, h->type, c->conv.sid, p, h->len);
		if (h->type == AGENT_EXIT || h->type == AGENT_ERROR) {
			c->closing = true;
			c->gsid = 0;
		}
		return;
	}
}

/* The guest's agent restarted or went away: its sessions are gone. */
static void ctl_exec_lost(struct sup *s)
{
	static const char msg[] = "the guest agent went away (power-off, reboot or restart); the command was lost";

	if (!s->cl)
		return;
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct ctl_client *c = &s->cl[i];

		if (c->fd < 0 || c->conv.kind != CTL_EXEC || !c->gsid)
			continue;
		c->gsid = 0;
		ctl_send_to(s, c, AGENT_ERROR, c->conv.sid, msg, sizeof msg - 1);
		c->closing = true;
	}
}

static void ctl_client_io(struct sup *s, struct ctl_client *c, short revents)
{
	struct pool_err ignore = { 0 };

	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		int r = agent_conn_read(&c->conn, on_ctl_frame, c, &ignore);

		if (r != 0) {	/* gone, or broke the protocol */
			ctl_drop(s, c);
			return;
		}
	}
	if (c->fd >= 0 && c->conn.outlen && agent_conn_flush(&c->conn, &ignore) < 0) {
		ctl_drop(s, c);
		return;
	}
	if (c->fd >= 0 && c->closing && c->conn.outlen == 0)
		ctl_drop(s, c);
}

static void ctl_close(struct sup *s)
{
	if (s->cl)
		for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
			ctl_drop(s, &s->cl[i]);
	free(s->cl);
	s->cl = NULL;
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	s->ctl_fd = -1;
}

/* --- agent frames --- */

/* A guest's words on pool's stderr: printable only, and at most
 * GUEST_TEXT_MAX of them in a machine's life, so a guest cannot flood it. */
#define GUEST_TEXT_MAX 20
static void print_guest_text(const char *what, const uint8_t *p, size_t n)
{
	static unsigned printed;
	char buf[256];
	size_t o = 0;

	if (printed == GUEST_TEXT_MAX)
		log_warnx("%s: more messages from the guest are not shown", what);
	if (printed++ >= GUEST_TEXT_MAX) {
		printed = GUEST_TEXT_MAX + 1;
		return;
	}

	for (size_t i = 0; i < n && o + 1 < sizeof buf; i++)
		buf[o++] = p[i] >= 32 && p[i] < 127 ? (char)p[i] : '?';
	buf[o] = '\0';
	log_warnx("%s: %s", what, buf);
}

/* The EXEC payload is encoded before the machine boots, so a command
 * that cannot be sent is refused before any work is done. */
static int encode_exec(struct sup *s, struct pool_err *e)
{
	const char *env[3];
	size_t envc = 0;
	const char *term = getenv("TERM");
	char termv[128];
	struct agent_exec x = { 0 };
	long n;

	if (term && strlen(term) < 100 && strchr(term, '=') == NULL) {
		snprintf(termv, sizeof termv, "TERM=%s", term);
		env[envc++] = termv;
	}
	env[envc] = NULL;
	x.flags = 0;
	x.cwd = s->p->m->workdir ? s->p->m->workdir : "";
	x.argv = (const char **)s->req->argv;
	x.argc = (size_t)s->req->argc;
	x.env = env;
	x.envc = envc;
	s->exec = malloc(FRAME_PAYLOAD_MAX);
	if (!s->exec)
		return pool_err_sys(e, "exec");
	n = agent_exec_encode(s->exec, FRAME_PAYLOAD_MAX, &x);
	if (n < 0)
		return pool_err_usage(e, "run: the command (%d arguments) is longer than the agent takes (%u bytes) or has an empty name",
				      s->req->argc, FRAME_PAYLOAD_MAX);
	s->exec_len = (size_t)n;
	return 0;
}

static int send_exec(struct sup *s, struct pool_err *e)
{
	if (agent_conn_send(&s->agent, AGENT_EXEC, RUN_SID, s->exec, s->exec_len, e) < 0)
		return -1;
	s->exec_sent = true;
	s->stdin_open = true;
	return 0;
}

static int on_frame(void *ctx, const struct frame_hdr *h, const uint8_t *p)
{
	struct sup *s = ctx;
	struct pool_err *e = &s->err;
	const char *why;
	int st;

	switch (h->type) {
	case AGENT_READY:
		ctl_exec_lost(s);	/* a second READY: the agent restarted */
		log_debug("guest ready: init at %.3f s, modules %.3f s, agent %.3f s (kernel time)",
			  (double)s->agent.times.init_ns / 1e9, (double)s->agent.times.modules_ns / 1e9,
			  (double)s->agent.times.ready_ns / 1e9);
		if (getenv("POOL_BOOT_TIMES"))
			fprintf(stderr, "pool: boot times: init %.3f s, modules %.3f s, ready %.3f s (guest), "
				"%.3f s (host)\n",
				(double)s->agent.times.init_ns / 1e9, (double)s->agent.times.modules_ns / 1e9,
				(double)s->agent.times.ready_ns / 1e9, (double)(now_ms() - s->start_ms) / 1e3);
		if (s->ready_fd >= 0) {	/* pool up -d: the machine is up */
			if (write(s->ready_fd, "R", 1) < 0)
				log_debug("ready pipe: %s", strerror(errno));
			close(s->ready_fd);
			s->ready_fd = -1;
		}
		if (s->req->argv && !s->exec_sent)
			return send_exec(s, e);
		if (s->req->argv && !s->have_exit) {
			/* pool-init restarted a dead agent: the command is gone. */
			log_warnx("the guest agent restarted; the command was lost");
			s->have_exit = true;
			s->exit_status = 1;
			begin_shutdown(s, e);
		}
		return 0;
	case AGENT_STDOUT:
	case AGENT_STDERR:
		if (h->sid != RUN_SID) {
			ctl_from_guest(s, h, p);
			return 0;
		}
		if (h->len == 0)
			return 0;
		if (write_all(h->type == AGENT_STDOUT ? 1 : 2, p, h->len) < 0) {
			/* Nobody reads any more (| head): stop, as a pipeline would. */
			if (errno != EPIPE)
				log_warn("writing the command's output");
			if (!s->interrupted && !s->have_exit)
				s->interrupted = SIGPIPE;
			begin_shutdown(s, e);
		}
		return 0;
	case AGENT_EXIT:
		if (h->sid != RUN_SID) {
			ctl_from_guest(s, h, p);
			return 0;
		}
		if (s->have_exit)
			return 0;
		if (agent_exit_decode(p, h->len, &st, &why) < 0) {
			log_warnx("agent: bad EXIT from the guest: %s", why);
			st = 1;
		}
		s->have_exit = true;
		s->exit_status = st;
		s->stdin_open = false;
		begin_shutdown(s, e);
		return 0;
	case AGENT_SHUTDOWN:
		s->reboot_notice = h->len == 1 && p[0] == 1;
		return 0;
	case AGENT_ERROR:
		if (h->sid != RUN_SID && h->sid != 0) {
			ctl_from_guest(s, h, p);
			return 0;
		}
		print_guest_text("guest agent", p, h->len);
		if (h->sid == RUN_SID && !s->have_exit) {
			s->have_exit = true;
			s->exit_status = 1;
			begin_shutdown(s, e);
		}
		return 0;
	default:
		return 0;	/* frames the host does not take from a guest are dropped */
	}
}

/* --- the hypervisor --- */

static int spawn_vm(struct sup *s, struct pool_err *e)
{
	int con[2] = { -1, -1 }, ag[2] = { -1, -1 }, qe[2] = { -1, -1 }, fds[VMM_FDS_MAX];
	int nfds;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, con) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ag) < 0 ||
	    pipe2(qe, O_CLOEXEC) < 0) {
		pool_err_sys(e, "socketpair");
		goto fail;
	}
	fds[0] = con[1];
	fds[1] = ag[1];
	fds[2] = s->kernel_fd;
	fds[3] = s->initrd_fd;
	fds[4] = s->tap_fd;
	nfds = 5;
	if (shares_start(s, e) < 0)
		goto fail;
	for (size_t i = 0; i < s->p->nshares; i++)
		fds[nfds++] = s->fs[i].qemu_fd;
	nfds = volumes_fds(s->p, &s->vols, fds, nfds);
	s->qemu = vmm_spawn(s->p, fds, nfds, qe[1], e);
	/* QEMU holds the shares' sockets now. */
	for (size_t i = 0; i < s->p->nshares; i++) {
		close(s->fs[i].qemu_fd);
		s->fs[i].qemu_fd = -1;
	}
	if (s->qemu < 0)
		goto fail;
	close(con[1]);
	close(ag[1]);
	close(qe[1]);
	if (s->qemu_err >= 0)
		close(s->qemu_err);
	s->qemu_err = qe[0];
	fcntl(s->qemu_err, F_SETFL, O_NONBLOCK);
	s->con = con[0];
	fcntl(s->con, F_SETFL, O_NONBLOCK);
	fcntl(ag[0], F_SETFL, O_NONBLOCK);
	agent_conn_init(&s->agent, ag[0]);
	s->agent_open = true;
	s->reboot_notice = false;
	s->start_ms = now_ms();
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (con[i] >= 0)
			close(con[i]);
		if (ag[i] >= 0)
			close(ag[i]);
		if (qe[i] >= 0)
			close(qe[i]);
	}
	return -1;
}

static void close_vm_fds(struct sup *s)
{
	if (s->con >= 0)
		close(s->con);
	s->con = -1;
	if (s->agent_open) {
		close(s->agent.fd);
		agent_conn_free(&s->agent);
		s->agent_open = false;
	}
}

static void reap_qemu(struct sup *s)
{
	int st;

	if (s->qemu <= 0)
		return;
	if (waitpid(s->qemu, &st, WNOHANG) == s->qemu) {
		s->qemu_status = st;
		s->qemu = -1;
	}
}

static void qemu_errline(const struct sup *s, char *out, size_t cap)
{
	char path[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct pool_err ignore = { 0 };

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/qemu.log", s->p->state_dir);
	if (read_file(path, 1 << 20, &text, &len, &ignore) < 0 || !len)
		return;
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	char *last = strrchr(text, '\n');
	snprintf(out, cap, "%s", last ? last + 1 : text);
}

static int event_loop(struct sup *s, struct pool_err *e)
{
	uint64_t boot_deadline = now_ms() + (uint64_t)boot_timeout_s() * 1000;
	bool up = !s->req->argv;

	for (;;) {
		struct pollfd pfd[8 + CTL_CLIENTS_MAX];
		int n = 0, i_sig, i_con = -1, i_ag = -1, i_in = -1, i_qe = -1, i_dh = -1, timeout = 250;
		int i_ctl = -1, i_cl[CTL_CLIENTS_MAX];

		if (s->qemu < 0 && s->con < 0)
			break;
		s->conq_len = s->con >= 0 ? s->conq_len : 0;
		i_sig = n;
		pfd[n++] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
		if (s->con >= 0) {
			i_con = n;
			pfd[n++] = (struct pollfd){ .fd = s->con,
				.events = POLLIN | (s->conq_len ? POLLOUT : 0) };
		}
		if (s->dhcp.fd >= 0) {
			i_dh = n;
			pfd[n++] = (struct pollfd){ .fd = s->dhcp.fd, .events = POLLIN };
		}
		if (s->qemu_err >= 0) {
			i_qe = n;
			pfd[n++] = (struct pollfd){ .fd = s->qemu_err, .events = POLLIN };
		}
		if (s->agent_open) {
			/* An exec client that reads slowly slows its machine's
			 * agent down, as a pipe would, rather than lose output. */
			bool lagging = false;

			for (size_t c = 0; c < CTL_CLIENTS_MAX; c++)
				lagging |= s->cl[c].fd >= 0 && s->cl[c].conv.kind == CTL_EXEC &&
					   s->cl[c].conn.outlen > CTL_OUT_HIGH;
			i_ag = n;
			pfd[n++] = (struct pollfd){ .fd = s->agent.fd,
				.events = (lagging ? 0 : POLLIN) | (s->agent.outlen ? POLLOUT : 0) };
		}
		if (s->ctl_fd >= 0) {
			i_ctl = n;
			pfd[n++] = (struct pollfd){ .fd = s->ctl_fd, .events = POLLIN };
		}
		for (size_t c = 0; c < CTL_CLIENTS_MAX; c++) {
			const struct ctl_client *cl = &s->cl[c];
			short ev = cl->conn.outlen ? POLLOUT : 0;

			i_cl[c] = -1;
			if (cl->fd < 0)
				continue;
			/* Take no more input than the guest keeps up with. */
			if (!cl->closing &&
			    !(cl->conv.kind == CTL_EXEC && s->agent.outlen >= AGENT_OUT_MAX) &&
			    !(cl->conv.kind == CTL_CONSOLE && s->conq_len > 0))
				ev |= POLLIN;
			i_cl[c] = n;
			pfd[n++] = (struct pollfd){ .fd = cl->fd, .events = ev };
		}
		if (!s->shutting_down && s->stdin_open &&
		    ((up && s->con >= 0 && s->conq_len == 0) ||
		     (!up && s->agent_open && s->agent.outlen < (1u << 20)))) {
			i_in = n;
			pfd[n++] = (struct pollfd){ .fd = 0, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR)
			return pool_err_sys(e, "poll");

		if (pfd[i_sig].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(s->sig_fd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGCHLD) {
					shares_check(s);
					continue;
				}
				if (s->shutting_down && s->qemu > 0) {
					kill(s->qemu, SIGKILL);	/* asked twice: stop now */
				} else {
					s->interrupted = (int)si.ssi_signo;
					begin_shutdown(s, e);
				}
			}
		}
		reap_qemu(s);
		if (i_con >= 0 && (pfd[i_con].revents & (POLLIN | POLLHUP)))
			console_in(s, false);
		if (s->con >= 0 && s->conq_len)
			console_out(s);
		if (i_qe >= 0 && (pfd[i_qe].revents & (POLLIN | POLLHUP)))
			qemu_err_in(s);
		if (i_dh >= 0 && (pfd[i_dh].revents & POLLIN))
			dhcpd_serve(&s->dhcp);
		for (size_t c = 0; c < CTL_CLIENTS_MAX; c++) {
			if (i_cl[c] >= 0 && s->cl[c].fd >= 0)
				ctl_client_io(s, &s->cl[c], pfd[i_cl[c]].revents);
			/* A connection that says nothing holds a slot for nothing. */
			if (s->cl[c].fd >= 0 && s->cl[c].conv.kind == CTL_NEW &&
			    now_ms() - s->cl[c].accepted_ms > CTL_IDLE_MS)
				ctl_drop(s, &s->cl[c]);
			/* One that stopped reading slows the machine's agent for
			 * every session; after CTL_STALL_MS it is let go (its
			 * command hangs up, like one whose terminal went away). */
			if (s->cl[c].fd >= 0 && s->cl[c].conn.outlen > CTL_OUT_HIGH) {
				if (!s->cl[c].stalled_ms || s->cl[c].conn.outlen < s->cl[c].stalled_len) {
					s->cl[c].stalled_ms = now_ms();	/* new, or it read some */
					s->cl[c].stalled_len = s->cl[c].conn.outlen;
				} else if (now_ms() - s->cl[c].stalled_ms > CTL_STALL_MS) {
					log_warnx("%s: an exec client read nothing for %d s: dropped",
						  s->p->m->name, CTL_STALL_MS / 1000);
					ctl_drop(s, &s->cl[c]);
				}
			} else if (s->cl[c].fd >= 0) {
				s->cl[c].stalled_ms = 0;
			}
		}
		if (i_ctl >= 0 && (pfd[i_ctl].revents & POLLIN))
			ctl_accept(s);
		if (i_ag >= 0 && pfd[i_ag].revents) {
			int r = 0;

			if (pfd[i_ag].revents & (POLLIN | POLLHUP))
				r = agent_conn_read(&s->agent, on_frame, s, e);
			if (r < 0) {
				/* A guest that breaks the protocol is not trusted further. */
				log_warnx("%s", e->msg);
				if (s->qemu > 0)
					kill(s->qemu, SIGKILL);
				close(s->agent.fd);
				agent_conn_free(&s->agent);
				s->agent_open = false;
			} else if (r == 1) {
				close(s->agent.fd);
				agent_conn_free(&s->agent);
				s->agent_open = false;
			}
			if (!s->agent_open)
				ctl_exec_lost(s);
		}
		if (s->agent_open && s->agent.outlen && agent_conn_flush(&s->agent, e) < 0) {
			log_warnx("%s", e->msg);
			s->agent.outlen = 0;
		}
		if (i_in >= 0 && (pfd[i_in].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
			char buf[32768];
			ssize_t r = (pfd[i_in].revents & POLLNVAL) ? 0 : read(0, buf, sizeof buf);

			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				r = -2;	/* nothing this time */
			if (up) {
				if (r > 0 && memchr(buf, CTRL_RBRACKET, (size_t)r)) {
					fprintf(stderr, "\r\npool: Ctrl-] pressed: powering %s off\r\n", s->p->m->name);
					begin_shutdown(s, e);
				} else if (r > 0 && s->con >= 0) {
					memcpy(s->conq, buf, (size_t)r);	/* conq is empty here */
					s->conq_len = (size_t)r;
					console_out(s);
				} else if (r == 0 || r == -1) {
					s->stdin_open = false;	/* no more input; the console stays */
				}
			} else if (r > 0 && s->agent_open) {
				agent_conn_send(&s->agent, AGENT_STDIN, RUN_SID, buf, (size_t)r, e);
			} else if ((r == 0 || r == -1) && s->agent_open) {
				agent_conn_send(&s->agent, AGENT_STDIN, RUN_SID, NULL, 0, e);
				s->stdin_open = false;
			}
			if (s->agent_open && s->agent.outlen)
				agent_conn_flush(&s->agent, e);
		}

		if (s->qemu < 0) {
			/* Drain what the console and QEMU still hold, then stop. */
			if (s->con >= 0)
				console_in(s, true);
			while (s->qemu_err >= 0)
				qemu_err_in(s);
			if (up && s->reboot_notice && !s->shutting_down) {
				close_vm_fds(s);
				shares_stop(s);	/* virtiofsd ends with its QEMU; start anew */
				ctl_exec_lost(s);
				if (spawn_vm(s, e) < 0)
					return -1;
				boot_deadline = now_ms() + (uint64_t)boot_timeout_s() * 1000;
				continue;
			}
			break;
		}
		if (s->shutting_down && now_ms() > s->deadline_ms) {
			log_warnx("machine %s did not power off within %d s; stopping it",
				  s->p->m->name, SHUTDOWN_GRACE_MS / 1000);
			kill(s->qemu, SIGKILL);
			s->deadline_ms = UINT64_MAX;
		}
		if (!s->agent.ready && !s->shutting_down && now_ms() > boot_deadline) {
			char lines[1024];

			tail_lines(s, lines, sizeof lines, 5);
			kill(s->qemu, SIGKILL);
			waitpid(s->qemu, NULL, 0);
			s->qemu = -1;
			return pool_err_fail(e, "machine %s did not become ready within %u s; last console lines:\n%s",
					     s->p->m->name, boot_timeout_s(), lines);
		}
	}
	return 0;
}

static void sup_close(struct sup *s)
{
	if (s->qemu > 0) {
		kill(s->qemu, SIGKILL);
		waitpid(s->qemu, NULL, 0);
		s->qemu = -1;
	}
	close_vm_fds(s);
	ctl_close(s);
	tty_restore(s);
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->qemu_log_fd >= 0)
		close(s->qemu_log_fd);
	if (s->kernel_fd >= 0)
		close(s->kernel_fd);
	if (s->initrd_fd >= 0)
		close(s->initrd_fd);
	if (s->sig_fd >= 0)
		close(s->sig_fd);
	if (s->qemu_err >= 0)
		close(s->qemu_err);
	free(s->exec);
	shares_stop(s);
	volumes_close(&s->vols);
	net_close(s);
	state_release(s->p->paths.state, s->p->state_dir, &s->lock_fd);
}

int supervise(struct plan *p, const struct run_request *req, struct pool_err *e)
{
	struct sup s = {
		.p = p, .req = req, .lock_fd = -1, .log_fd = -1, .qemu_log_fd = -1,
		.kernel_fd = -1, .initrd_fd = -1, .sig_fd = -1, .con = -1, .qemu = -1,
		.qemu_err = -1, .tap_fd = -1, .dhcp = { .fd = -1 }, .ctl_fd = -1,
		.console_cl = -1, .ready_fd = req->ready_fd, .next_sid = RUN_SID,
	};
	struct image_inputs in = {
		.init = p->paths.init, .busybox = p->paths.busybox, .moddir = p->moddir,
		.modules = &p->modules, .applets = &p->applets,
	};
	char qlog[PATH_MAX + 16];
	sigset_t sigs, old;
	bool built = false;
	int status = -1;

	for (size_t i = 0; i < PLAN_SHARES_MAX; i++)
		s.fs[i] = (struct virtiofsd){ .pid = -1, .qemu_fd = -1 };
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);
	s.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sig_fd < 0) {
		pool_err_sys(e, "signalfd");
		goto out;
	}
	if (req->argv && encode_exec(&s, e) < 0)
		goto out;
	if (state_open(&s, e) < 0 || ctl_listen(&s, e) < 0)
		goto out;
	if (req->detached) {
		/* From here on a detached supervisor's warnings go to its folder. */
		char slog[PATH_MAX + 32];
		int fd;

		snprintf(slog, sizeof slog, "%s/supervisor.log", p->state_dir);
		fd = open(slog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)	/* never the caller's stderr: it may be a pipe someone waits on */
			fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
	}
	if (volumes_open(p, &s.vols, e) < 0)
		goto out;
	/* image nixos: no image of pool's; the spec's initrd, as is (plan.c) */
	if (p->m->image != IMAGE_NIXOS &&
	    image_ensure(p->paths.cache, &in, p->image_hash, p->image_path, sizeof p->image_path,
			 &built, e) < 0)
		goto out;
	if (built)
		log_info("built boot image %.12s (kernel %s, %zu modules)", p->image_hash,
			 p->kernel_version, p->modules.n);
	s.kernel_fd = kernel_fd_for(p->kernel, p->m->kernel || p->m->image == IMAGE_NIXOS, e);
	if (s.kernel_fd < 0)
		goto out;
	s.initrd_fd = p->m->image == IMAGE_NIXOS ? kernel_fd_for(p->initrd, true, e)
						  : machine_initrd(p, e);
	if (s.initrd_fd < 0)
		goto out;
	s.log_fd = open(p->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	snprintf(qlog, sizeof qlog, "%s/qemu.log", p->state_dir);
	s.qemu_log_fd = open(qlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s.log_fd < 0 || s.qemu_log_fd < 0) {
		pool_err_sys(e, "%s", p->state_dir);
		goto out;
	}
	if (p->has_net && net_open(&s, e) < 0)
		goto out;
	if (p->accel.mode == ACCEL_TCG)
		log_info("accel %s", p->accel.why);
	if (spawn_vm(&s, e) < 0)
		goto out;
	if (!req->argv) {
		s.stdin_open = true;
		tty_make_raw(&s);
		if (isatty(0))
			fprintf(stderr, "pool: %s: console attached (Ctrl-] powers the machine off)\r\n",
				p->m->name);
	}
	if (event_loop(&s, e) < 0)
		goto out;

	if (req->argv) {
		if (s.have_exit) {
			status = s.exit_status;
		} else if (s.interrupted) {
			status = 128 + s.interrupted;
		} else if (s.down_asked) {
			pool_err_fail(e, "machine %s was powered off by pool down before the command finished",
				      p->m->name);
		} else {
			char lines[1024], qerr[512];

			tail_lines(&s, lines, sizeof lines, 5);
			qemu_errline(&s, qerr, sizeof qerr);
			pool_err_fail(e, "machine %s stopped before the command finished%s%s%s%s",
				      p->m->name, qerr[0] ? ": " : "", qerr,
				      lines[0] ? "; last console lines:\n" : "", lines);
		}
	} else {
		if (s.interrupted || (WIFEXITED(s.qemu_status) && WEXITSTATUS(s.qemu_status) == 0)) {
			status = 0;
		} else {
			char qerr[512];

			qemu_errline(&s, qerr, sizeof qerr);
			pool_err_fail(e, "machine %s ended abnormally%s%s", p->m->name,
				      qerr[0] ? ": " : "", qerr);
		}
	}
out:
	sup_close(&s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (s.ready_fd >= 0) {
		/* Never READY: tell pool up -d why, once everything is gone. */
		char msg[sizeof e->msg + 64];
		/* "E", the exit status as one digit, the message */
		int n = status < 0 ? snprintf(msg, sizeof msg, "E%d%s",
					      e->status == POOL_EXIT_USAGE ? POOL_EXIT_USAGE : POOL_EXIT_FAIL,
					      e->msg[0] ? e->msg : "failed")
				   : snprintf(msg, sizeof msg, "E%dmachine %s powered off before it was ready",
					      POOL_EXIT_FAIL, p->m->name);

		if (n > 0 && write_all(s.ready_fd, msg, strnlen(msg, sizeof msg)) < 0)
			log_debug("ready pipe: %s", strerror(errno));
		close(s.ready_fd);
	}
	return status;
}

static volatile pid_t detached_child;

static void forward_signal(int sig)
{
	(void)sig;
	if (detached_child > 0)
		kill(detached_child, SIGTERM);
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
		if (rfd[1] != 3) {
			dup2(rfd[1], 3);
			fcntl(3, F_SETFD, FD_CLOEXEC);
			rfd[1] = 3;
		}
		close_range(4, ~0U, 0);
		req.ready_fd = 3;
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

		printf("%s %s\n", p->m->name, p->has_net ? ipv4_str(p->m->address, ip) : "-");
		return 0;
	}
	waitpid(pid, NULL, 0);
	if (len > 1 && msg[0] == 'E')
		return pool_err_set(e, msg[1] == '0' + POOL_EXIT_USAGE ? POOL_EXIT_USAGE : POOL_EXIT_FAIL, 0,
				    "%s", msg + 2);
	return pool_err_fail(e, "the supervisor of %s ended before the machine was ready", p->m->name);
}
