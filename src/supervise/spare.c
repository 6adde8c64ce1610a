/* spare.c - spares (spare.h): in a spare's supervisor, the claim and the
 * rules around it; outside, booting the next spare once the last machine
 * of its name is gone, and remembering why one failed.
 *
 * The one invariant: a machine is handed to a claimer only while it is a
 * spare (s->spare), and the claim clears that flag in the same step, in
 * the supervisor's single event loop, before anything else can happen. A
 * spare takes no exec and no console, so no one has used it before; once
 * cleared, nothing sets the flag again, so no one gets it after. */
#include "supervise/sup.h"
#include "supervise/spare.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/parse.h"
#include "supervise/state.h"
#include "util/cleanup.h"
#include "util/fsutil.h"

/* --- in the spare's supervisor --- */

void spare_init(struct sup *s)
{
	s->spare = s->req->spare;
	s->claimed = s->claimed_run = false;
	s->idle_deadline_ms = UINT64_MAX;
}

/* Refuse client c with one line, and close once it is sent. */
static void refuse(struct sup *s, struct ctl_client *c, const char *msg)
{
	ctl_send_to(s, c, AGENT_ERROR, c->conv.kind == CTL_EXEC ? c->conv.sid : 0, msg, strlen(msg));
	c->closing = true;
}

bool spare_refuses(struct sup *s, struct ctl_client *c, enum ctl_kind was)
{
	if (s->spare) {
		char msg[160];

		snprintf(msg, sizeof msg, "machine %s is a spare: nobody uses it before a run claims it",
			 s->p->m->name);
		refuse(s, c, msg);
		return true;
	}
	if (was == CTL_CLAIM && !c->claim_granted) {
		refuse(s, c, "exec before the claim was granted");
		return true;
	}
	return false;
}

/* The claimer is told the machine is its own: its STATUS. */
static void grant(struct sup *s, struct ctl_client *c)
{
	ctl_send_status(s, c);
	c->claim_granted = true;
	if (!s->claimed_run)
		c->closing = true;	/* up -d: the machine is up; nothing follows */
}

void spare_claim(struct sup *s, struct ctl_client *c, const uint8_t *p, size_t n)
{
	const char *name = s->p->m->name;
	uint8_t mine[32];
	char msg[256];

	if (n != CTL_CLAIM_LEN)
		return;	/* frame.c made sure of it */
	if (!s->spare || s->shutting_down) {
		struct ctl_status st;

		status_fill(s, &st);
		snprintf(msg, sizeof msg, "machine %s is not a spare (it is %s)", name, ctl_state_name(st.state));
		refuse(s, c, msg);
		return;
	}
	if (!s->req->plan_hash || parse_hex(s->req->plan_hash, mine, CTL_CLAIM_HASH_LEN) < 0 ||
	    memcmp(mine, p, CTL_CLAIM_HASH_LEN) != 0) {
		/* The spec, a share or pool itself changed since it booted:
		 * this spare serves no run any more. */
		s->spare = false;
		log_info("%s: claimed for another plan: the spare is discarded", name);
		snprintf(msg, sizeof msg, "the spare of %s was booted for another plan (the spec, a share or pool changed): discarded",
			 name);
		refuse(s, c, msg);
		begin_shutdown(s, &s->err);
		return;
	}
	/* Its published ports only now that it is a run's: bound here (this
	 * side holds no capability: a port below 1024 cannot be), or the
	 * spare is discarded and the run boots, and binds them, anew. */
	if (s->p->has_net && s->p->m->nports &&
	    ports_open(&s->ports, s->p->m->ports, s->p->m->nports, s->p->m->address, &s->err) < 0) {
		s->spare = false;
		log_info("%s: the spare cannot publish its ports (%s): discarded", name, s->err.msg);
		snprintf(msg, sizeof msg, "the spare of %s cannot publish its ports here: discarded", name);
		refuse(s, c, msg);
		begin_shutdown(s, &s->err);
		return;
	}
	/* The claim: c's machine from here on, and never a spare again. */
	s->spare = false;
	s->claimed = true;
	s->claimed_run = p[CTL_CLAIM_HASH_LEN] == CTL_CLAIM_RUN;
	c->claimer = true;
	log_info("%s: spare claimed (%s)", name, s->claimed_run ? "run" : "up -d");
	if (s->agent.ready)
		grant(s, c);	/* else at READY */
}

void spare_ready(struct sup *s)
{
	if (s->spare && s->idle_deadline_ms == UINT64_MAX)
		s->idle_deadline_ms = now_ms() + (uint64_t)s->req->spare_idle_s * 1000;
	for (size_t i = 0; s->cl && i < CTL_CLIENTS_MAX; i++)
		if (s->cl[i].fd >= 0 && s->cl[i].claimer && !s->cl[i].claim_granted)
			grant(s, &s->cl[i]);
}

void spare_tick(struct sup *s)
{
	if (!s->spare || s->shutting_down || now_ms() < s->idle_deadline_ms)
		return;
	log_info("%s: a spare unclaimed for %u s (POOL_WARM_IDLE): powering off", s->p->m->name,
		 s->req->spare_idle_s);
	begin_shutdown(s, &s->err);
}

void spare_client_gone(struct sup *s, struct ctl_client *c)
{
	if (!c->claimer || !s->claimed_run || s->shutting_down)
		return;
	/* The run that claimed it is over (or gone): discarded, as a run's
	 * machine is. */
	begin_shutdown(s, &s->err);
}

/* --- outside: the next spare, and why one failed --- */

int spare_idle_s(unsigned *s, struct pool_err *e)
{
	const char *v = getenv("POOL_WARM_IDLE"), *why;
	uint64_t n;

	*s = SPARE_IDLE_DEFAULT_S;
	if (!v || !*v)
		return 0;
	if (parse_u64(v, 0, SPARE_IDLE_MAX_S, &n, &why) < 0)
		return pool_err_usage(e, "POOL_WARM_IDLE=%.20s: %s (seconds, 0..%d; 0: no spares)", v, why,
				      SPARE_IDLE_MAX_S);
	*s = (unsigned)n;
	return 0;
}

/* ROOT/.spares/NAME: why the last spare of NAME did not boot. */
static int failure_path(const char *root, const char *name, char *out, size_t cap)
{
	return (size_t)snprintf(out, cap, "%s/.spares%s%s", root, name ? "/" : "", name ? name : "") < cap
		       ? 0 : -1;
}

static void failure_record(const char *root, const char *name, const char *msg)
{
	struct pool_err ignore = { 0 };
	char dir[PATH_MAX], path[PATH_MAX];

	if (failure_path(root, NULL, dir, sizeof dir) < 0 || failure_path(root, name, path, sizeof path) < 0)
		return;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	if (dir_private(dir, &ignore) == 0)
		write_file_atomic(path, msg, strnlen(msg, 1000), 0600, &ignore);
}

int spare_last_failure(const char *root, const char *name, char *msg, size_t cap)
{
	struct pool_err ignore = { 0 };
	_cleanup_free_ char *text = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	size_t len, o = 0;

	if (failure_path(root, NULL, dir, sizeof dir) < 0 || failure_path(root, name, path, sizeof path) < 0 ||
	    dir_private(dir, &ignore) < 0 || read_file(path, 4096, &text, &len, &ignore) < 0)
		return 0;
	unlink(path);
	for (size_t i = 0; i < len && o + 1 < cap; i++)	/* one printable line */
		msg[o++] = text[i] >= 32 && text[i] < 127 ? text[i] : ' ';
	msg[o] = '\0';
	return 1;
}

/* Until no supervisor of name lives: its lock, taken shared, waits for it
 * to let go (it does last, after its folder is gone). */
static void wait_gone(const char *root, const char *name)
{
	char lock[PATH_MAX + 64];
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	snprintf(lock, sizeof lock, "%s/%s/lock", root, name);
	for (;;) {
		struct pool_err ignore = { 0 };
		struct machine_entry m;
		int fd;

		if (machine_probe(root, name, &m, &ignore) != 0 || !m.alive)
			return;
		fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			nanosleep(&tick, NULL);
			continue;
		}
		while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
			;
		close(fd);
	}
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd but 0..2 and what the plan holds open: the files the
 * spec named, the spec's folder, the folders the command line granted. */
static void close_all_but(const struct plan *p)
{
	int keep[8 + 2 * 64], n = 0, from = 3;

	if (p->kernel_fd >= 0)
		keep[n++] = p->kernel_fd;
	if (p->initrd_fd >= 0)
		keep[n++] = p->initrd_fd;
	if (p->m->has_dir_fd && p->m->dir_fd >= 0)
		keep[n++] = p->m->dir_fd;	/* every share and volume is opened beneath it */
	for (size_t i = 0; p->grants && i < p->grants->n && n < (int)ARRAY_SIZE(keep); i++)
		if (p->grants->v[i].fd >= 0)
			keep[n++] = p->grants->v[i].fd;
	qsort(keep, (size_t)n, sizeof *keep, cmp_int);
	for (int i = 0; i < n; i++) {
		if (keep[i] > from)
			close_range((unsigned)from, (unsigned)keep[i] - 1, 0);
		if (keep[i] >= from)
			from = keep[i] + 1;
	}
	close_range((unsigned)from, ~0U, 0);
}

int spare_keep(struct plan *p, unsigned idle_s, uid_t uid, gid_t gid, const gid_t *groups,
	       size_t ngroups, struct pool_err *e)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return pool_err_sys(e, "fork");
	if (pid == 0) {
		struct pool_err ce = { 0 };
		struct run_request req = { .ready_fd = -1, .detached = true, .spare = true,
					   .spare_idle_s = idle_s };
		struct machine_entry m;
		char hash[65];
		int null;

		setsid();	/* the user's terminal, its Ctrl-C and hang-up are not ours */
		if (chdir("/") < 0)
			_exit(1);
		/* Nothing of the caller's: a shell or a test runner waiting on
		 * an inherited pipe would wait for the spare. */
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		close_all_but(p);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		wait_gone(p->paths.state, p->m->name);
		/* Hashed now: what it is when it boots (a volume made by the
		 * last run, a share's folder) is what a claim compares. */
		if (plan_hash(p, uid, gid, groups, ngroups, hash, &ce) < 0)
			_exit(1);
		req.plan_hash = hash;
		if (supervise(p, &req, &ce) < 0) {
			struct pool_err ignore = { 0 };

			/* Another run of the name came first: not a failure. */
			if (machine_probe(p->paths.state, p->m->name, &m, &ignore) == 0 && m.alive)
				_exit(0);
			failure_record(p->paths.state, p->m->name, ce.msg[0] ? ce.msg : "failed");
			_exit(1);
		}
		_exit(0);
	}
	return 0;
}
