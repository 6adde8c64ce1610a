/* priv.c - a machine's supervisor is two processes, vmd's way. The
 * privileged one (root) made everything before the machine booted and
 * keeps what needs root while it runs: the hypervisor and the virtiofsd
 * processes (its children, other uids), the TAP, the state folder, the
 * logs' names. The guest-facing one holds no capability and an id of its
 * own; it serves the console, the agent, DHCP and the control socket, and
 * asks the privileged one, over a typed channel (priv_msg.h), for the
 * little it cannot do itself. Each request is checked here against what
 * this side knows; nothing else is done for it. */
#include "supervise/sup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "net/machine_net.h"
#include "supervise/priv_msg.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "vmm/vmm.h"

#define RESTART_MIN_MS 1000	/* a guest that reboots in a loop waits this long each time */
#define HARD_STOP_MS (SHUTDOWN_GRACE_MS + 5000)	/* after a stop signal, at most this */

/* --- the hypervisor (privileged) --- */

int priv_vm_start(struct sup *s, struct pool_err *e)
{
	int con[2] = { -1, -1 }, ag[2] = { -1, -1 }, qe[2] = { -1, -1 };
	struct vmm_fds fds;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, con) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ag) < 0 ||
	    pipe2(qe, O_CLOEXEC) < 0) {
		pool_err_sys(e, "socketpair");
		goto fail;
	}
	vmm_fds_init(&fds);
	fds.fd[VMM_SLOT_CONSOLE] = con[1];
	fds.fd[VMM_SLOT_AGENT] = ag[1];
	fds.fd[VMM_SLOT_KERNEL] = s->kernel_fd;
	fds.fd[VMM_SLOT_INITRD] = s->initrd_fd;
	fds.fd[VMM_SLOT_TAP] = s->net.tap_fd;
	fds.cgroup_procs = s->cgroup_fd;	/* the memory cgroup it joins first */
	if (shares_start(s->p, &s->sh, &s->usr_mask, s->qemu_log_fd, e) < 0)
		goto fail;
	for (size_t i = 0; i < s->sh.n; i++)
		fds.fd[vmm_share_slot(i)] = s->sh.fs[i].qemu_fd;
	volumes_fds(s->p, &s->vols, &fds);
	s->qemu = vmm_spawn(s->p, &fds, qe[1], e);
	/* The hypervisor holds the shares' sockets now. */
	for (size_t i = 0; i < s->sh.n; i++) {
		close(s->sh.fs[i].qemu_fd);
		s->sh.fs[i].qemu_fd = -1;
	}
	if (s->qemu < 0)
		goto fail;
	close(con[1]);
	close(ag[1]);
	close(qe[1]);
	s->qemu_err = qe[0];
	fcntl(s->qemu_err, F_SETFL, O_NONBLOCK);
	s->con = con[0];
	fcntl(s->con, F_SETFL, O_NONBLOCK);
	fcntl(ag[0], F_SETFL, O_NONBLOCK);
	agent_conn_init(&s->agent, ag[0]);
	s->agent_open = true;
	s->reboot_notice = false;
	s->start_ms = now_ms();
	if (s->req->times && !s->req->times->qemu_ns)
		s->req->times->qemu_ns = real_ns();
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

void vm_fds_close(struct sup *s)
{
	if (s->con >= 0)
		close(s->con);
	s->con = -1;
	if (s->qemu_err >= 0)
		close(s->qemu_err);
	s->qemu_err = -1;
	if (s->agent_open) {
		close(s->agent.fd);
		agent_conn_free(&s->agent);
		s->agent_open = false;
	}
}

/* --- the guest-facing side: its privileges go, and what it asks --- */

static void ask(struct sup *s, uint32_t type, int a, int b, const char *text)
{
	struct priv_msg m = { .type = type, .a = a, .b = b };

	if (text)
		snprintf(m.text, sizeof m.text, "%s", text);
	if (priv_send(s->priv_fd, &m, NULL, 0) < 0)
		_exit(1);	/* the privileged side is gone, and the machine with it */
}

void vm_kill(struct sup *s)
{
	if (s->qemu > 0)
		ask(s, PRIV_KILL_VM, 0, 0, NULL);
}

void vm_restart(struct sup *s)
{
	ask(s, PRIV_RESTART_VM, 0, 0, NULL);
	s->restarting = true;
}

void log_rotate(struct sup *s)
{
	if (!s->rotating)
		ask(s, PRIV_ROTATE_LOG, 0, 0, NULL);
	s->rotating = true;
}

void tell_ready(struct sup *s, const char *times)
{
	ask(s, PRIV_READY, 0, 0, times);
}

void tell_mesh_ready(struct sup *s)
{
	ask(s, PRIV_MESH_READY, 0, 0, NULL);
}

void tell_done(struct sup *s, int status, const struct pool_err *e)
{
	ask(s, PRIV_DONE, status, status < 0 ? (e->status ? e->status : POOL_EXIT_FAIL) : 0,
	    status < 0 ? e->msg : NULL);
}

/* The guest-facing process's view of the files: a mount namespace of its
 * own whose root is an empty, read-only tmpfs, the host's tree detached.
 * It opens nothing after the split (what it serves is open, and a new log
 * comes from the privileged side), so an escape finds no file to read or
 * write, not /etc/passwd nor the state folders of other machines. */
static int empty_root(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/* any folder every host has will do as the mount point: it is ours */
	if (mount("none", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=555") < 0)
		return -1;
	if (chdir("/proc") < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

/* Become the guest-facing process: nothing of the parent's but keep, no
 * file system (empty_root), no capability (in any set, the bounding set
 * included), its own uid and gid, and dead with the privileged process. */
void drop_to_guest_facing(struct sup *s, const int *keep, size_t nkeep)
{
	gid_t id = (gid_t)s->p->sup_uid;

	/* What it may make: no process (a fork would outlive the machine with
	 * the machine's id), no file beyond console.log's bound. */
	struct rlimit one = { 1, 1 }, fsize = { 2 * LOG_MAX + (1u << 20), 2 * LOG_MAX + (1u << 20) };

	close_fds_except(keep, nkeep);
	/* Its own session: the user's terminal is not its controlling one, so
	 * it cannot type into the user's shell (TIOCSTI). */
	if (setsid() < 0 || setrlimit(RLIMIT_NPROC, &one) < 0 || setrlimit(RLIMIT_FSIZE, &fsize) < 0 ||
	    empty_root() < 0)
		_exit(1);
	signal(SIGXFSZ, SIG_IGN);
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			_exit(1);
	if (setgroups(0, NULL) < 0 || setresgid(id, id, id) < 0 ||
	    setresuid(s->p->sup_uid, s->p->sup_uid, s->p->sup_uid) < 0 || setresuid(0, 0, 0) == 0)
		_exit(1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != s->priv_pid || chdir("/") < 0)
		_exit(1);
}

/* One event from the privileged side. */
static void priv_event(struct sup *s, const struct priv_msg *m, const int *fds, struct pool_err *e)
{
	switch (m->type) {
	case PRIV_VM_STARTED:
		s->con = fds[0];
		agent_conn_init(&s->agent, fds[1]);
		s->agent_open = true;
		s->qemu_err = fds[2];
		s->qemu = m->a;
		for (size_t i = 0; i < s->sh.n; i++)
			s->sh.fs[i].pid = i < m->npids ? m->pids[i] : -1;
		s->restarting = false;
		s->reboot_notice = false;
		s->boot_quiet = false;	/* a new boot: its noise again */
		s->boot_line_len = 0;
		s->start_ms = now_ms();
		s->boot_deadline_ms = s->start_ms + (uint64_t)s->timeout_s * 1000;
		break;
	case PRIV_VM_EXITED:
		s->qemu_status = m->a;
		s->qemu = -1;
		if (s->req->times)
			s->req->times->qemu_end_ns = real_ns();
		break;
	case PRIV_VM_FAILED:
		s->restarting = false;
		s->restart_failed = true;
		pool_err_fail(e, "%s", m->text);
		break;
	case PRIV_SIGNAL:
		if (m->a == SIGWINCH)
			send_winsize(s);
		else
			asked_to_stop(s, m->a, e);
		break;
	case PRIV_SHARE_ENDED:
		s->shutting_down = true;	/* the privileged side stopped the machine */
		s->deadline_ms = UINT64_MAX;
		break;
	case PRIV_LOG:
		if (s->log_fd >= 0)
			close(s->log_fd);
		s->log_fd = fds[0];
		s->log_size = 0;
		s->rotating = false;
		/* the old one is done: it may take its old name now */
		ask(s, PRIV_LOG_SWITCHED, 0, 0, NULL);
		break;
	case PRIV_MESH_FILES:
		mesh_relay(s, fds[0]);
		break;
	default:	/* PRIV_ALLOWED comes only when asked for (sup_allow) */
		break;
	}
}

/* The next message, waiting up to ms: 1, 0 when none came in time. The
 * privileged side gone (or speaking nonsense) ends this process. */
static int priv_next(struct sup *s, struct priv_msg *m, int *fds, int ms)
{
	const char *why = NULL;
	int r = priv_recv(s->priv_fd, false, m, fds, &why);

	if (r < 0 && errno == EAGAIN && ms > 0) {
		struct pollfd pfd = { .fd = s->priv_fd, .events = POLLIN };

		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			_exit(1);
		r = priv_recv(s->priv_fd, false, m, fds, &why);
	}
	if (r == 0 || (r < 0 && errno != EAGAIN))
		_exit(1);	/* the privileged side is gone: so is everything */
	return r > 0;
}

/* What the privileged side tells: all there is now. */
void priv_events(struct sup *s, struct pool_err *e)
{
	struct priv_msg m;
	int fds[PRIV_FDS_MAX];

	while (priv_next(s, &m, fds, 0))
		priv_event(s, &m, fds, e);
}

#define ALLOW_WAIT_MS 5000

/* The resolver's one privileged call: open these addresses for the
 * machine before the answer goes out. Waits for the answer; what else the
 * privileged side says meanwhile is handled as it comes. */
int sup_allow(struct sup *s, const struct egress_elem *el, size_t n, struct pool_err *e)
{
	struct priv_msg m = { .type = PRIV_ALLOW };
	uint64_t until;

	if (n == 0)
		return 0;
	if (n > EGRESS_ADD_MAX)
		return pool_err_fail(e, "allow: more than %u elements at once", EGRESS_ADD_MAX);
	m.nel = (uint32_t)n;
	memcpy(m.el, el, n * sizeof *el);
	if (priv_send(s->priv_fd, &m, NULL, 0) < 0)
		_exit(1);
	until = now_ms() + ALLOW_WAIT_MS;
	for (;;) {
		uint64_t now = now_ms();
		int fds[PRIV_FDS_MAX];

		if (now >= until || !priv_next(s, &m, fds, (int)(until - now)))
			return pool_err_fail(e, "allow: no answer from the privileged side");
		if (m.type == PRIV_ALLOWED)
			return m.a == 0 ? 0 : pool_err_fail(e, "%s", m.text);
		priv_event(s, &m, fds, e);
	}
}

/* What pool egress shows, to the state file through the privileged side
 * (the guest-facing side cannot write the state folder). */
void sup_egress_state(struct sup *s, const char *text, size_t len)
{
	struct priv_msg m = { .type = PRIV_EGRESS_STATE };
	int fd = memfd_create("pool-egress", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return;
	if (write_all(fd, text, len) == 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0 &&
	    priv_send(s->priv_fd, &m, &fd, 1) < 0)
		_exit(1);
	close(fd);
}

/* --- the privileged side's loop --- */

struct priv {
	struct sup *s;
	int fd;			/* the channel; -1 once the other side closed it */
	pid_t child;		/* the guest-facing process; -1 once reaped */
	int child_status;
	bool done;		/* it said how the machine ended */
	struct priv_msg result;
	unsigned asked;		/* stop signals someone sent us */
	uint64_t last_start_ms;
	uint64_t hard_deadline_ms;
	uint64_t fs_ended_ms;	/* a virtiofsd ended then, its QEMU still running */
	uint64_t egress_ms;	/* the egress state was written then */
	int fs_ended, fs_status;
	int log_new;		/* console.log.new, given to the other side, until it switched */
};

static void tell(struct priv *v, uint32_t type, int a, const char *text, const int *fds, size_t nfds)
{
	struct priv_msg m = { .type = type, .a = a };

	if (text)
		snprintf(m.text, sizeof m.text, "%s", text);
	if (type == PRIV_VM_STARTED)
		for (size_t i = 0; i < v->s->sh.n && i < CTL_FS_MAX; i++)
			m.pids[m.npids++] = v->s->sh.fs[i].pid;
	if (v->fd < 0 || priv_send_flags(v->fd, &m, fds, nfds, MSG_DONTWAIT) == 0)
		return;
	/* A side that does not read what it asked for is not itself. */
	log_warnx("%s: the guest-facing supervisor does not read (%s); stopping the machine",
		  v->s->p->m->name, strerror(errno));
	if (v->s->qemu > 1)
		kill(v->s->qemu, SIGKILL);
	if (v->child > 0)
		kill(v->child, SIGKILL);
}

/* Only ever a pid of ours that is > 1: kill(-1) would be everyone. */
static void stop_vm(struct priv *v)
{
	if (v->s->qemu > 1)
		kill(v->s->qemu, SIGKILL);
}

/* The guest rebooted (pool up): only once its hypervisor has ended, only
 * for a machine that keeps its console, and not sooner than RESTART_MIN_MS
 * after the last start (it waits the rest). */
static void restart(struct priv *v)
{
	struct sup *s = v->s;
	struct pool_err e = { 0 };
	int fds[3];

	uint64_t since = now_ms() - v->last_start_ms;

	if (s->qemu > 0 || s->req->argv || v->asked) {
		tell(v, PRIV_VM_FAILED, 0, "the machine may not start again now", NULL, 0);
		return;
	}
	if (since < RESTART_MIN_MS)	/* a guest that reboots in a loop waits */
		usleep((useconds_t)(RESTART_MIN_MS - since) * 1000);
	shares_stop(&s->sh);	/* virtiofsd ends with its QEMU; start anew */
	v->fs_ended_ms = 0;	/* what ended, ended with the last QEMU: not the next one's */
	if (priv_vm_start(s, &e) < 0) {
		tell(v, PRIV_VM_FAILED, 0, e.msg, NULL, 0);
		return;
	}
	v->last_start_ms = now_ms();
	sup_mesh_booted(&s->mesh, s->p, false, v->last_start_ms);	/* its archive is the first boot's */
	fds[0] = s->con;
	fds[1] = s->agent.fd;
	fds[2] = s->qemu_err;
	tell(v, PRIV_VM_STARTED, s->qemu, NULL, fds, 3);
	vm_fds_close(s);	/* they are the other side's now */
}

/* console.log is past its size (checked here, not believed): the other
 * side gets a fresh one, console.log.new; once it says it writes there
 * (PRIV_LOG_SWITCHED), the old one becomes console.log.1 and the new one
 * console.log. So a reader following console.log (pool logs -f) that
 * sees it change has all of the old one to read. */
static void rotate(struct priv *v)
{
	struct sup *s = v->s;
	char path[PATH_MAX + 8];
	struct stat st;

	if (s->log_fd < 0 || v->log_new >= 0 || fstat(s->log_fd, &st) < 0 || (uint64_t)st.st_size < LOG_MAX)
		return;
	snprintf(path, sizeof path, "%s.new", s->p->console_log);
	v->log_new = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (v->log_new < 0)
		return;
	tell(v, PRIV_LOG, 0, NULL, &v->log_new, 1);
}

static void rotated(struct priv *v)
{
	struct sup *s = v->s;
	char path[PATH_MAX + 8], old[PATH_MAX + 8];

	if (v->log_new < 0)
		return;	/* asked for nothing */
	snprintf(path, sizeof path, "%s.new", s->p->console_log);
	snprintf(old, sizeof old, "%s.1", s->p->console_log);
	if (rename(s->p->console_log, old) < 0 || rename(path, s->p->console_log) < 0)
		log_debug("rotating %s: %s", s->p->console_log, strerror(errno));
	close(s->log_fd);
	s->log_fd = v->log_new;
	v->log_new = -1;
}

/* Open what the guest-facing side asks for, when it is what this machine's
 * allow list can open: each element's port and protocol those of one of
 * its names, its address one that is ever opened, and a private, CGNAT or
 * link-local one only with --allow-lan. A guest-facing side that lies
 * gets no more than an allow list of names could give. */
static void allow(struct priv *v, const struct priv_msg *m)
{
	const struct machine *mc = v->s->p->m;
	struct pool_err e = { 0 };
	int r = 0;

	for (uint32_t i = 0; r == 0 && i < m->nel; i++) {
		const struct egress_elem *x = &m->el[i];
		bool named = false;

		for (size_t k = 0; k < mc->nallow && !named; k++)
			named = mc->allow[k].name && mc->allow[k].port == x->port && mc->allow[k].proto == x->proto;
		if (!mc->has_allow || !named || egress_addr_never(x->addr) ||
		    (egress_addr_lan(x->addr) && !mc->allow_lan))
			r = pool_err_usage(&e, "allow: element %u is not one this machine's allow list opens", i);
	}
	if (r == 0)
		r = machine_net_allow(mc->channel, mc->name, m->el, m->nel, &e);
	tell(v, PRIV_ALLOWED, r < 0 ? -1 : 0, r < 0 ? e.msg : NULL, NULL, 0);
}

#define EGRESS_STATE_MIN_MS 500

/* What pool egress shows: bounded, written atomically, not too often. */
static void egress_state(struct priv *v, int fd)
{
	struct sup *s = v->s;
	char path[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	struct pool_err e = { 0 };
	struct stat st;

	if (now_ms() - v->egress_ms < EGRESS_STATE_MIN_MS || fstat(fd, &st) < 0 || st.st_size < 0 ||
	    st.st_size > EGRESS_TEXT_MAX || !(text = malloc((size_t)st.st_size + 1)))
		return;
	if (pread(fd, text, (size_t)st.st_size, 0) != st.st_size)
		return;
	v->egress_ms = now_ms();
	snprintf(path, sizeof path, "%s/egress", s->p->state_dir);
	if (write_file_atomic(path, text, (size_t)st.st_size, 0600, &e) < 0)
		log_debug("%s", e.msg);
}

/* The mesh's files for the agent, when mesh.c says they are due: made
 * here, where the CA is, and only handed over to be relayed. */
static void mesh_tick(struct priv *v)
{
	struct sup *s = v->s;
	struct pool_err e = { 0 };
	uint64_t now = now_ms();
	int fd;

	if (s->qemu <= 0)
		return;
	fd = sup_mesh_next(s->p, &s->mesh, now, &e);
	if (fd < 0) {
		if (e.msg[0])
			log_warnx("%s: no new mesh certificate: %s", s->p->m->name, e.msg);
		return;
	}
	log_debug("%s: new mesh files for the guest", s->p->m->name);
	tell(v, PRIV_MESH_FILES, 0, NULL, &fd, 1);
	close(fd);
}

#define REQUESTS_A_ROUND 64	/* then the signals get their turn */

static void on_request(struct priv *v)
{
	for (int round = 0; round < REQUESTS_A_ROUND && v->fd >= 0; round++) {
		struct priv_msg m;
		int fds[PRIV_FDS_MAX];
		const char *why = NULL;
		int r = priv_recv(v->fd, true, &m, fds, &why);

		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			/* It broke the protocol: it is not itself any more. */
			log_warnx("%s: the guest-facing supervisor sent %s; stopping the machine",
				  v->s->p->m->name, why ? why : strerror(errno));
			stop_vm(v);
			if (v->child > 0)
				kill(v->child, SIGKILL);
		}
		if (r <= 0) {
			close(v->fd);
			v->fd = -1;
			return;
		}
		switch (m.type) {
		case PRIV_KILL_VM:
			stop_vm(v);
			break;
		case PRIV_RESTART_VM:
			restart(v);
			break;
		case PRIV_ROTATE_LOG:
			rotate(v);
			break;
		case PRIV_LOG_SWITCHED:
			rotated(v);
			break;
		case PRIV_ALLOW:
			allow(v, &m);
			break;
		case PRIV_EGRESS_STATE:
			egress_state(v, fds[0]);
			close(fds[0]);
			break;
		case PRIV_READY:
			if (v->s->ready_fd >= 0) {	/* pool up -d: the machine is up */
				/* "R" and the boot times (which pool up -d shows only as
				 * text it checks) */
				char said[sizeof m.text + 1];

				said[0] = 'R';
				memcpy(said + 1, m.text, strnlen(m.text, sizeof m.text - 1) + 1);
				if (write_all(v->s->ready_fd, said, strlen(said)) < 0)
					log_debug("ready pipe: %s", strerror(errno));
				close(v->s->ready_fd);
				v->s->ready_fd = -1;
			}
			break;
		case PRIV_DONE:
			v->result = m;
			v->done = true;
			break;
		case PRIV_MESH_READY:
			sup_mesh_ready(&v->s->mesh);
			break;
		default:
			break;
		}
	}
}

static void on_signals(struct priv *v)
{
	struct sup *s = v->s;
	struct signalfd_siginfo si;
	int st, i;

	while (read(s->sig_fd, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGWINCH) {
			/* the terminal's new size: the other side tells the guest */
			tell(v, PRIV_SIGNAL, SIGWINCH, NULL, NULL, 0);
			continue;
		}
		if (si.ssi_signo != SIGCHLD) {
			/* The terminal's (Ctrl-C, a hang-up) and anyone's: the
			 * other side has a session of its own and gets them here. */
			if (v->asked++ == 0) {
				tell(v, PRIV_SIGNAL, (int)si.ssi_signo, NULL, NULL, 0);
				v->hard_deadline_ms = now_ms() + HARD_STOP_MS;
			} else {
				stop_vm(v);	/* asked twice: stop now */
			}
			continue;
		}
		if (v->child > 0 && waitpid(v->child, &v->child_status, WNOHANG) == v->child)
			v->child = -1;
		if (s->qemu > 0 && waitpid(s->qemu, &st, WNOHANG) == s->qemu) {
			s->qemu = -1;
			/* A virtiofsd that ended a moment before ended with it:
			 * QEMU closes the share's socket on its way out. */
			v->fs_ended_ms = 0;
			tell(v, PRIV_VM_EXITED, st, NULL, NULL, 0);
		}
		/* virtiofsd also ends when its QEMU does (the socket closes
		 * before QEMU is reaped): judged a little later (fs_check),
		 * unless QEMU ends meanwhile. */
		while ((i = shares_reap(&s->sh, &st)) >= 0) {
			if (s->qemu <= 0 || v->fs_ended_ms)
				continue;
			v->fs_ended_ms = now_ms();
			v->fs_ended = i;
			v->fs_status = st;
		}
	}
}

/* How long QEMU may take to end after its virtiofsd did (it closes the
 * socket first, then frees the guest's memory: slow on a busy host). */
#define FS_GRACE_MS 2000

/* A virtiofsd that ended while its machine still runs leaves a share that
 * hangs every access: say so and stop the machine rather than let it hang. */
static void fs_check(struct priv *v)
{
	struct sup *s = v->s;
	int st = v->fs_status;

	if (!v->fs_ended_ms || now_ms() - v->fs_ended_ms < FS_GRACE_MS)
		return;
	v->fs_ended_ms = 0;
	if (s->qemu <= 0)
		return;	/* it was QEMU ending */
	log_warnx("%s: the virtiofsd of share %s ended (%s %d); stopping the machine", s->p->m->name,
		  s->p->shares[v->fs_ended].source, WIFSIGNALED(st) ? "signal" : "status",
		  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	tell(v, PRIV_SHARE_ENDED, v->fs_ended, NULL, NULL, 0);
	stop_vm(v);
}

int priv_serve(struct sup *s, int fd, pid_t child, struct pool_err *e)
{
	struct priv v = { .s = s, .fd = fd, .child = child, .last_start_ms = now_ms(), .log_new = -1 };

	while (v.child > 0) {
		struct pktrelay *dhcp = &s->net.dhcp_relay, *dns = &s->net.dns_relay;
		/* poll skips the negative fds: a relay this machine has not */
		struct pollfd pfd[6] = {
			{ .fd = s->sig_fd, .events = POLLIN }, { .fd = v.fd, .events = POLLIN },
			{ .fd = dhcp->pkt, .events = POLLIN }, { .fd = dhcp->sock, .events = POLLIN },
			{ .fd = dns->pkt, .events = POLLIN }, { .fd = dns->sock, .events = POLLIN },
		};

		if (poll(pfd, 6, v.fs_ended_ms ? 50 : 250) < 0 && errno != EINTR)
			return pool_err_sys(e, "poll");
		/* What it said before it ended counts: requests first. */
		if (v.fd >= 0 && pfd[1].revents)
			on_request(&v);
		if (pfd[0].revents)
			on_signals(&v);
		/* the TAP's frames, both ways (pktrelay.h) */
		if (pfd[2].revents)
			pktrelay_from_tap(dhcp);
		if (pfd[3].revents)
			pktrelay_to_tap(dhcp);
		if (pfd[4].revents)
			pktrelay_from_tap(dns);
		if (pfd[5].revents)
			pktrelay_to_tap(dns);
		fs_check(&v);
		mesh_tick(&v);
		if (v.hard_deadline_ms && now_ms() > v.hard_deadline_ms && v.child > 0) {
			log_warnx("%s: the supervisor did not stop within %d s; stopping the machine",
				  s->p->m->name, HARD_STOP_MS / 1000);
			stop_vm(&v);
			kill(v.child, SIGKILL);	/* > 0: the loop's condition */
			v.hard_deadline_ms = 0;
		}
	}
	if (v.fd >= 0) {
		on_request(&v);
		if (v.fd >= 0)
			close(v.fd);
	}
	rotated(&v);	/* a rotation the other side never finished: the new log is console.log */
	if (v.done && v.result.a >= 0)
		return v.result.a;
	if (v.done) {
		/* its words reach the user's terminal: printable ones only */
		for (char *c = v.result.text; *c; c++)
			if ((unsigned char)*c < 32 || (unsigned char)*c >= 127)
				*c = *c == '\n' ? '\n' : '?';
		return pool_err_set(e, v.result.b, 0, "%s", v.result.text);
	}
	return pool_err_fail(e, "machine %s: its supervisor's guest-facing process ended (%s %d)",
			     s->p->m->name, WIFSIGNALED(v.child_status) ? "signal" : "status",
			     WIFSIGNALED(v.child_status) ? WTERMSIG(v.child_status)
							 : WEXITSTATUS(v.child_status));
}
