/* life.c - a machine's life as the supervisor's parts see it: how it
 * stands (what pool ls shows), and going down. */
#include "supervise/sup.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/parse.h"

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void boot_times_print(const struct boot_times *t)
{
	fprintf(stderr, "pool: boot steps: start %.6f qemu %.6f ready %.6f exit %.6f qemu_end %.6f end %.6f (host, s); "
		"init %.6f modules %.6f ready %.6f (guest, s)\n",
		(double)t->start_ns / 1e9, (double)t->qemu_ns / 1e9, (double)t->ready_ns / 1e9,
		(double)t->exit_ns / 1e9, (double)t->qemu_end_ns / 1e9, (double)real_ns() / 1e9,
		(double)t->guest.init_ns / 1e9, (double)t->guest.modules_ns / 1e9,
		(double)t->guest.ready_ns / 1e9);
}

/* What `pool ls` shows of this machine. */
void status_fill(const struct sup *s, struct ctl_status *st)
{
	const struct machine *m = s->p->m;

	memset(st, 0, sizeof *st);
	snprintf(st->name, sizeof st->name, "%s", m->name);
	if (s->p->has_net) {
		ipv4_str(m->address, st->address);
		snprintf(st->channel, sizeof st->channel, "%s", m->channel);
	}
	st->state = s->shutting_down ? CTL_STOPPING : s->spare ? CTL_SPARE
						   : s->agent.ready ? CTL_RUNNING : CTL_BOOTING;
	st->ready = s->agent.ready;
	st->pid = s->priv_pid;
	st->qemu = s->qemu > 0 ? s->qemu : 0;
	for (size_t i = 0; i < s->sh.n && st->nfs < CTL_FS_MAX; i++)
		if (s->sh.fs[i].pid > 0)
			st->fs[st->nfs++] = s->sh.fs[i].pid;
	st->started = (uint64_t)s->started;
	st->console = s->console_cl >= 0 || (!s->req->argv && !s->req->detached);
	for (size_t i = 0; i < s->ports.n && i < PORT_MAPS_MAX; i++)
		st->ports[st->nports++] = s->ports.map[i];
}

void begin_shutdown(struct sup *s, struct pool_err *e)
{
	uint8_t mode = 0;

	if (s->shutting_down)
		return;
	s->shutting_down = true;
	s->deadline_ms = now_ms() + SHUTDOWN_GRACE_MS;
	if (s->agent_open && s->agent.ready)
		agent_conn_send(&s->agent, AGENT_SHUTDOWN, 0, &mode, 1, e);
	else
		vm_kill(s);	/* nothing in the guest to ask */
}

void asked_to_stop(struct sup *s, int sig, struct pool_err *e)
{
	if (s->shutting_down) {
		vm_kill(s);	/* asked twice: stop now */
		return;
	}
	s->interrupted = sig;
	begin_shutdown(s, e);
}
