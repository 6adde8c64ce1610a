/* supervisor.c - one machine's life: its state folder, the hypervisor and
 * what it needs (shares, volumes, network, initrd), then two processes
 * (priv.c): the privileged one keeps what needs root, the guest-facing
 * one runs one event loop over everything it watches (the agent, the
 * console, DHCP, the control socket); run a command or attach the
 * console; power off cleanly; leave nothing behind. Its parts: console.c
 * (console and QEMU's log), ctl.c (the control socket), net.c, shares.c,
 * volumes.c, state.c, ids.c. */
#include "supervise/sup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/agent_msg.h"
#include "common/log.h"
#include "common/parse.h"
#include "image/initramfs.h"
#include "image/usr_mask.h"
#include "supervise/ids.h"
#include "supervise/sshkeys.h"
#include "supervise/state.h"
#include "util/cgroup.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "vmm/vmm.h"

/* POOL_BOOT_TIMEOUT: seconds, 1..3600 (120 when unset). */
static int boot_timeout(unsigned *s, struct pool_err *e)
{
	const char *v = getenv("POOL_BOOT_TIMEOUT"), *why;
	uint64_t n;

	*s = 120;
	if (!v || !*v)
		return 0;
	if (parse_u64(v, 1, 3600, &n, &why) < 0)
		return pool_err_usage(e, "POOL_BOOT_TIMEOUT=%.20s: %s (seconds, 1..3600)", v, why);
	*s = (unsigned)n;
	return 0;
}

/* --- state folder --- */

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

/* The machine's own initrd, a sealed memfd: the cached image, then its
 * passwd, shadow, mounts and (image host) the allowlisted host /etc
 * files. The ssh host key goes into it and leaves the disk. */
static int machine_initrd(struct plan *p, const struct sup_mesh *sm, struct pool_err *e)
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
				  have_key ? key : NULL, sm->files, sm->nfiles, e);
	if (have_key)
		unlink(key);	/* the public half stays, for pool ssh */
	return fd;
}

/* The hypervisor's memory cgroup, with the guest's memory and QEMU's
 * overhead as the limit. Without one (a host whose memory controller pool
 * cannot write: pool doctor says so) the machine runs without the limit. */
static void cgroup_open(struct sup *s)
{
	struct pool_err ce = { 0 };

	cgroup_key(s->p->state_dir, s->p->m->name, s->cgroup, sizeof s->cgroup);
	s->cgroup_fd = cgroup_machine_open(s->cgroup, vmm_memory_limit(s->p), &ce);
	if (s->cgroup_fd < 0)
		log_debug("%s: no memory cgroup: %s", s->p->m->name, ce.msg);
}

/* Once the hypervisor is gone. */
static void cgroup_close(struct sup *s)
{
	struct pool_err ce = { 0 };

	if (s->cgroup_fd < 0)
		return;
	close(s->cgroup_fd);
	s->cgroup_fd = -1;
	if (cgroup_machine_remove(s->cgroup, &ce) < 0)
		log_warnx("%s", ce.msg);
}

/* QEMU's last words, for the error when it ended. */
static const char *qemu_errline(const struct sup *s)
{
	return s->qemu_last[0] ? s->qemu_last : "";
}

/* --- the event loop --- */

/* One thing the loop waits on: an fd, what to wait for, what to do. */
struct watch {
	int fd;
	short events;
	void (*fn)(struct sup *s, struct watch *w, short revents, struct pool_err *e);
	struct ctl_client *cl;	/* for a control client's watch */
};

/* A stop signal (the terminal's, or sent to this process); the ones
 * sent to the privileged process come as PRIV_SIGNAL. */
static void on_signal(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	struct signalfd_siginfo si;

	(void)w;
	(void)revents;
	while (read(s->sig_fd, &si, sizeof si) == sizeof si)
		if (si.ssi_signo == SIGWINCH)
			send_winsize(s);
		else if (si.ssi_signo != SIGCHLD)
			asked_to_stop(s, (int)si.ssi_signo, e);
}

static void on_priv(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)revents;
	priv_events(s, e);
}

static void on_console(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)e;
	if (revents & (POLLIN | POLLHUP))
		console_in(s, false);
}

static void on_qemu_err(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)e;
	if (revents & (POLLIN | POLLHUP))
		qemu_err_in(s);
}

static void on_dhcp(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)e;
	if (revents & POLLIN)
		dhcpd_serve(&s->net.dhcp);
}

static void on_dns(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)e;
	if (revents & POLLIN)
		dnsd_serve(&s->net.dns);
}

static void on_ports(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)e;
	if (revents & POLLIN)
		ports_serve(&s->ports);
}

/* The resolver's one privileged call: open an answer's addresses. */
static int dns_allow(void *ctx, const struct egress_elem *el, size_t n, struct pool_err *e)
{
	return sup_allow(ctx, el, n, e);
}

static void dns_state(void *ctx, const char *text, size_t len)
{
	sup_egress_state(ctx, text, len);
}

static void dns_note(void *ctx, const char *line)
{
	console_note(ctx, line);
}

static void on_ctl_listen(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)w;
	(void)e;
	if (revents & POLLIN)
		ctl_accept(s);
}

static void on_ctl_client(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	(void)e;
	if (w->cl->fd >= 0)
		ctl_client_io(s, w->cl, revents);
}

static void agent_close(struct sup *s)
{
	close(s->agent.fd);
	agent_conn_free(&s->agent);
	s->agent_open = false;
}

static void on_agent(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	int r = 0;

	(void)w;
	if (revents & (POLLIN | POLLHUP))
		r = agent_conn_read(&s->agent, on_frame, s, e);
	if (r < 0) {
		/* A guest that breaks the protocol is not trusted further. */
		log_warnx("%s", e->msg);
		vm_kill(s);
		agent_close(s);
	} else if (r == 1) {
		agent_close(s);
	}
	if (!s->agent_open)
		ctl_exec_lost(s);
}

/* The user's input: typed into the console (pool up; Ctrl-] powers the
 * machine off), or the command's stdin (pool run). */
static void on_stdin(struct sup *s, struct watch *w, short revents, struct pool_err *e)
{
	char buf[32768];
	/* The console's queue is empty but for the answers to queries
	 * (console.c) that may have just been put there. */
	size_t room = s->req->argv ? sizeof buf : sizeof s->conq - s->conq_len;
	ssize_t r;

	(void)w;
	if (room == 0)
		return;
	r = (revents & POLLNVAL) ? 0 : read(0, buf, room < sizeof buf ? room : sizeof buf);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;	/* nothing this time */
	if (!s->req->argv) {
		if (r > 0 && memchr(buf, CTRL_RBRACKET, (size_t)r)) {
			fprintf(stderr, "\r\npool: Ctrl-] pressed: powering %s off\r\n", s->p->m->name);
			begin_shutdown(s, e);
		} else if (r > 0 && s->con >= 0) {
			memcpy(s->conq + s->conq_len, buf, (size_t)r);
			s->conq_len += (size_t)r;
			console_out(s);
		} else if (r <= 0) {
			s->stdin_open = false;	/* no more input; the console stays */
		}
	} else if (r > 0 && s->agent_open) {
		agent_conn_send(&s->agent, AGENT_STDIN, RUN_SID, buf, (size_t)r, e);
	} else if (r <= 0 && s->agent_open) {
		agent_conn_send(&s->agent, AGENT_STDIN, RUN_SID, NULL, 0, e);
		s->stdin_open = false;
	}
	if (s->agent_open && s->agent.outlen)
		agent_conn_flush(&s->agent, e);
}

#define WATCHES_MAX (10 + CTL_CLIENTS_MAX)

/* What to wait on this round, in the order it is served. */
static size_t watches(struct sup *s, struct watch *w)
{
	bool up = !s->req->argv;
	size_t n = 0;

	w[n++] = (struct watch){ s->sig_fd, POLLIN, on_signal, NULL };
	w[n++] = (struct watch){ s->priv_fd, POLLIN, on_priv, NULL };
	if (s->con >= 0)
		w[n++] = (struct watch){ s->con, POLLIN | (s->conq_len ? POLLOUT : 0), on_console, NULL };
	if (s->qemu_err >= 0)
		w[n++] = (struct watch){ s->qemu_err, POLLIN, on_qemu_err, NULL };
	if (s->net.dhcp.fd >= 0)
		w[n++] = (struct watch){ s->net.dhcp.fd, POLLIN, on_dhcp, NULL };
	if (s->net.dns.ep >= 0)
		w[n++] = (struct watch){ s->net.dns.ep, POLLIN, on_dns, NULL };
	if (s->ports.ep >= 0)
		w[n++] = (struct watch){ s->ports.ep, POLLIN, on_ports, NULL };
	for (size_t c = 0; c < CTL_CLIENTS_MAX; c++) {
		struct ctl_client *cl = &s->cl[c];
		short ev = cl->conn.outlen ? POLLOUT : 0;

		if (cl->fd < 0)
			continue;
		/* Take no more input than the guest keeps up with. */
		if (!cl->closing && !(cl->conv.kind == CTL_EXEC && s->agent.outlen >= AGENT_OUT_MAX) &&
		    !(cl->conv.kind == CTL_CONSOLE && s->conq_len > 0))
			ev |= POLLIN;
		w[n++] = (struct watch){ cl->fd, ev, on_ctl_client, cl };
	}
	if (s->ctl_fd >= 0)
		w[n++] = (struct watch){ s->ctl_fd, POLLIN, on_ctl_listen, NULL };
	/* An exec client that reads slowly slows its machine's agent down, as
	 * a pipe would, rather than lose output. */
	if (s->agent_open)
		w[n++] = (struct watch){ s->agent.fd, (ctl_lagging(s) ? 0 : POLLIN) |
					 (s->agent.outlen ? POLLOUT : 0), on_agent, NULL };
	if (!s->shutting_down && s->stdin_open &&
	    ((up && s->con >= 0 && s->conq_len == 0) ||
	     (!up && s->agent_open && s->agent.outlen < AGENT_OUT_MAX)))
		w[n++] = (struct watch){ 0, POLLIN, on_stdin, NULL };
	return n;
}

/* The hypervisor has ended: a reboot the guest asked for starts it again
 * (pool up: the privileged side does), anything else ends the loop.
 * 1: go on; 0: done. */
static int after_hypervisor(struct sup *s)
{
	/* Drain what the console and QEMU still hold, then stop. */
	if (s->con >= 0)
		console_in(s, true);
	while (s->qemu_err >= 0)
		qemu_err_in(s);
	if (s->req->argv || !s->reboot_notice || s->shutting_down)
		return 0;
	vm_fds_close(s);
	ctl_exec_lost(s);
	vm_restart(s);
	return 1;
}

static int event_loop(struct sup *s, struct pool_err *e)
{
	s->boot_deadline_ms = s->start_ms + (uint64_t)s->timeout_s * 1000;
	while (s->qemu >= 0 || s->con >= 0 || s->restarting) {
		struct watch w[WATCHES_MAX];
		struct pollfd pfd[WATCHES_MAX];
		size_t n;

		s->conq_len = s->con >= 0 ? s->conq_len : 0;
		n = watches(s, w);
		for (size_t i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = w[i].fd, .events = w[i].events };
		if (poll(pfd, (nfds_t)n, 250) < 0 && errno != EINTR)
			return pool_err_sys(e, "poll");
		for (size_t i = 0; i < n; i++)
			if (pfd[i].revents)
				w[i].fn(s, &w[i], pfd[i].revents, e);
		if (s->restart_failed)
			return -1;
		if (s->con >= 0 && s->conq_len)
			console_out(s);
		ctl_timers(s);
		spare_tick(s);
		if (s->agent_open && s->agent.outlen && agent_conn_flush(&s->agent, e) < 0) {
			log_warnx("%s", e->msg);
			s->agent.outlen = 0;
		}
		if (s->restarting)
			continue;
		if (s->qemu < 0) {
			if (after_hypervisor(s) == 0)
				return 0;
			continue;
		}
		if (s->shutting_down && now_ms() > s->deadline_ms) {
			log_warnx("machine %s did not power off within %d s; stopping it",
				  s->p->m->name, SHUTDOWN_GRACE_MS / 1000);
			vm_kill(s);
			s->deadline_ms = UINT64_MAX;
		}
		if (!s->agent.ready && !s->shutting_down && now_ms() > s->boot_deadline_ms) {
			char lines[1024];

			tail_lines(s, lines, sizeof lines, 5);
			vm_kill(s);
			return pool_err_fail(e, "machine %s did not become ready within %u s; last console lines:\n%s",
					     s->p->m->name, s->timeout_s, lines);
		}
	}
	return 0;
}

/* How the machine ended, as pool run and pool up report it: the exit
 * status, or -1 with e. r: what the event loop returned. */
static int outcome(struct sup *s, int r, struct pool_err *e)
{
	const struct plan *p = s->p;
	char lines[1024];
	const char *qerr = qemu_errline(s);

	if (r < 0)
		return -1;
	if (!s->req->argv) {
		if (s->interrupted || (WIFEXITED(s->qemu_status) && WEXITSTATUS(s->qemu_status) == 0))
			return 0;
		return pool_err_fail(e, "machine %s ended abnormally%s%s", p->m->name, qerr[0] ? ": " : "", qerr);
	}
	if (s->have_exit)
		return s->exit_status;
	if (s->interrupted)
		return 128 + s->interrupted;
	if (s->down_asked)
		return pool_err_fail(e, "machine %s was powered off by pool down before the command finished",
				     p->m->name);
	tail_lines(s, lines, sizeof lines, 5);
	return pool_err_fail(e, "machine %s stopped before the command finished%s%s%s%s", p->m->name,
			     qerr[0] ? ": " : "", qerr, lines[0] ? "; last console lines:\n" : "", lines);
}

/* The guest-facing process: it keeps the fds it serves and nothing else,
 * drops every privilege, runs the loop, and says how it ended. */
static __attribute__((noreturn)) void guest_facing(struct sup *s)
{
	int keep[18 + PORT_MAPS_MAX] = { 0, 1, 2, s->sig_fd, s->priv_fd, s->con, s->agent.fd, s->qemu_err,
					 s->ctl_fd, s->net.dhcp.fd, s->log_fd, s->qemu_log_fd,
					 s->net.dns.ep, s->net.dns.tap_fd, s->net.dns.timer_fd,
					 s->ports.ep, s->ports.timer_fd };
	size_t nkeep = 17;
	struct pool_err e = { 0 };
	int status;

	/* an epoll set holds its fds only while someone else does */
	for (size_t i = 0; i < s->ports.n; i++)
		keep[nkeep++] = s->ports.fd[i];
	drop_to_guest_facing(s, keep, nkeep);
	status = outcome(s, event_loop(s, &e), &e);
	if (s->req->times && s->req->argv && getenv("POOL_BOOT_TIMES"))
		boot_times_print(s->req->times);
	ctl_close(s);
	tell_done(s, status, &e);
	_exit(0);
}

/* Split in two (priv.c): the child serves the guest, this process keeps
 * what needs root until the child has ended. Its result. */
static int split(struct sup *s, struct pool_err *e)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pool_err_sys(e, "socketpair");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return pool_err_sys(e, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		s->priv_fd = sv[1];
		guest_facing(s);
	}
	close(sv[1]);
	/* What the child serves is the child's now. */
	vm_fds_close(s);
	ctl_close(s);
	dhcpd_close(&s->net.dhcp);
	dnsd_close(&s->net.dns);
	return priv_serve(s, sv[0], pid, e);
}

/* The privileged side's teardown, after the guest-facing side ended. */
static void sup_close(struct sup *s)
{
	if (s->qemu > 0) {
		kill(s->qemu, SIGKILL);
		waitpid(s->qemu, NULL, 0);
		s->qemu = -1;
	}
	vm_fds_close(s);
	cgroup_close(s);	/* the hypervisor is gone */
	ctl_close(s);
	/* What the guest left on (mouse reporting, the alternate screen,
	 * colours) is put back before the terminal's modes are. */
	termout_flush(&s->out[0]);
	termout_flush(&s->out[1]);
	tty_restore(&s->tty);
	log_end(s);
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
	free(s->exec);
	shares_stop(&s->sh);
	shares_close(s->p, &s->sh);
	strv_free(&s->usr_mask);
	volumes_close(&s->vols);
	sup_mesh_free(&s->mesh);
	ports_close(&s->ports);
	sup_net_close(s->p, &s->net);
	ids_give(&ids_machines, s->ids, 2);
	state_release(s->p->paths.state, s->p->state_dir, &s->lock_fd);
}

/* The uids the machine runs as: the hypervisor's, the guest-facing side's. */
static int take_ids(struct sup *s, struct pool_err *e)
{
	if (ids_take(&ids_machines, s->p->m->name, s->ids, 2, e) < 0)
		return -1;
	s->p->uid = s->ids[0].id;
	s->p->gid = (gid_t)s->ids[0].id;
	s->p->sup_uid = s->ids[1].id;
	return 0;
}

int supervise(struct plan *p, const struct run_request *req, struct pool_err *e)
{
	struct sup s = {
		.p = p, .req = req, .lock_fd = -1, .log_fd = -1, .qemu_log_fd = -1,
		.kernel_fd = -1, .initrd_fd = -1, .sig_fd = -1, .cgroup_fd = -1, .con = -1, .qemu = -1,
		.qemu_err = -1, .ctl_fd = -1, .priv_fd = -1, .priv_pid = getpid(),
		.console_cl = -1, .ready_fd = req->ready_fd, .next_sid = RUN_SID,
		.ids = { { .fd = -1 }, { .fd = -1 } },
	};
	struct image_inputs in = {
		.init = p->paths.init, .busybox = p->paths.busybox, .moddir = p->moddir,
		.modules = &p->modules, .applets = &p->applets,
		.nebula = p->nebula[0] ? p->nebula : NULL, .nebula_libs = &p->nebula_libs,
	};
	char qlog[PATH_MAX + 16];
	sigset_t sigs, old;
	bool built = false;
	int status = -1;

	logline_init(&s.logl);
	shares_init(&s.sh);
	sup_net_init(&s.net);
	spare_init(&s);
	ports_init(&s.ports);
	s.net.dns_hooks = (struct dnsd_hooks){ .allow = dns_allow, .note = dns_note, .state = dns_state,
						.ctx = &s };
	/* Guest bytes on a terminal are filtered; to a pipe or a file they
	 * are data and go untouched. */
	termout_init(&s.out[0], 1, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	termout_init(&s.out[1], 2, TERMFILTER_TERMINAL, TERMOUT_IF_TERMINAL);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGWINCH);	/* not a stop: the terminal's size, for the guest */
	sigprocmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);
	s.sig_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s.sig_fd < 0) {
		pool_err_sys(e, "signalfd");
		goto out;
	}
	if (boot_timeout(&s.timeout_s, e) < 0 || vmm_argv(p, e) < 0)
		goto out;
	if (req->argv && encode_exec(&s, e) < 0)
		goto out;
	if (state_open(&s, e) < 0 || take_ids(&s, e) < 0 || ctl_listen(&s, e) < 0)
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
	/* a host port already taken is refused before anything boots */
	if (p->has_net && !req->spare &&	/* a spare's, when it is claimed (spare.c) */
	    ports_open(&s.ports, p->m->ports, p->m->nports, p->m->address, e) < 0)
		goto out;
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
	s.kernel_fd = vmm_boot_fd(p->kernel, p->kernel_fd, e);
	if (s.kernel_fd < 0)
		goto out;
	/* the mesh's port and chain before the network, its key after */
	if (sup_mesh_claim(p, &s.mesh, e) < 0)
		goto out;
	if (p->has_net && sup_net_open(p, &s.net, e) < 0)
		goto out;
	if (sup_mesh_files(p, &s.mesh, e) < 0)
		goto out;
	s.initrd_fd = p->m->image == IMAGE_NIXOS ? vmm_boot_fd(p->initrd, p->initrd_fd, e)
						  : machine_initrd(p, &s.mesh, e);
	sup_mesh_free(&s.mesh);	/* the key lives in the sealed archive alone */
	if (s.initrd_fd < 0)
		goto out;
	s.log_fd = open(p->console_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	snprintf(qlog, sizeof qlog, "%s/qemu.log", p->state_dir);
	s.qemu_log_fd = open(qlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s.log_fd < 0 || s.qemu_log_fd < 0) {
		pool_err_sys(e, "%s", p->state_dir);
		goto out;
	}
	if (p->m->image == IMAGE_HOST && usr_mask_load(p->paths.cache, &s.usr_mask, e) < 0)
		goto out;
	if (p->accel.mode == ACCEL_TCG)
		log_info("accel %s", p->accel.why);
	cgroup_open(&s);
	if (priv_vm_start(&s, e) < 0)
		goto out;
	if (req->argv && (req->exec_flags & AGENT_EXEC_TTY))
		tty_save(&s.tty, 0);	/* the guest-facing side makes it raw at READY */
	sup_mesh_booted(&s.mesh, p, true, now_ms());
	if (!req->argv) {
		s.stdin_open = true;
		tty_raw(&s.tty, 0);
		if (isatty(0))
			fprintf(stderr, "pool: %s: console attached (Ctrl-] powers the machine off)\r\n",
				p->m->name);
	}
	status = split(&s, e);
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
