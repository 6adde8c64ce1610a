/* boot.c - what pool run, pool up and pool check share: their arguments,
 * loading the machine with what the command line grants, and booting it
 * (load, check, plan, supervise). */
#include "cmd/boot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/claim.h"
#include "cmd/usage.h"
#include "mesh/mesh.h"
#include "common/log.h"
#include "common/parse.h"
#include "supervise/spare.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/user.h"

/* One option at argv[*i]: 1 when it was one, 0 when argv[*i] is not an
 * option, -1 (e) when it is one that is wrong or not this command's. */
static int option(int argc, char **argv, int *i, struct boot_args *a, struct pool_err *e)
{
	const char *v, *arg = argv[*i];
	bool missing = false;
	int r;

	if (arg[0] != '-' || strcmp(arg, "-") == 0 || strcmp(arg, "--") == 0)
		return 0;
	if ((v = cmd_option(argc, argv, i, "--allow-path", &missing))) {
		if (a->nallow_path == LOAD_GRANTS_MAX)
			return pool_err_usage(e, "%s: --allow-path: at most %d", argv[0], LOAD_GRANTS_MAX);
		a->allow_path[a->nallow_path++] = v;
	} else if ((v = cmd_option(argc, argv, i, "--spec", &missing))) {
		if (a->spec)
			return pool_err_usage(e, "%s: two specs: %s and %s", argv[0], a->spec, v);
		a->spec = v;
	} else if ((v = cmd_option(argc, argv, i, "--network", &missing))) {
		if (strcmp(v, "none") != 0)
			return pool_err_usage(e, "%s: --network %s: the command line narrows a spec's network to none only",
					      argv[0], v);
		a->network_none = true;
	} else if ((v = cmd_option(argc, argv, i, "-p", &missing)) || (v = cmd_option(argc, argv, i, "--publish", &missing))) {
		const char *why;

		if (a->nports == PORT_MAPS_MAX)
			return pool_err_usage(e, "%s: -p: at most %d", argv[0], PORT_MAPS_MAX);
		if (parse_port_map(v, &a->ports[a->nports], &why) < 0)
			return pool_err_usage(e, "%s: -p %s: %s ([HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|udp])",
					      argv[0], v, why);
		a->nports++;
	} else if (strcmp(arg, "--allow-lan") == 0) {
		a->allow_lan = true;
	} else if ((a->which == BOOT_RUN || a->which == BOOT_UP) && strcmp(arg, "--warm") == 0) {
		a->warm = true;
	} else if (a->which == BOOT_UP && (strcmp(arg, "-d") == 0 || strcmp(arg, "--detach") == 0)) {
		a->detached = true;
	} else if (!missing && a->which == BOOT_RUN && (r = command_option(argc, argv, i, argv[0], &a->command, e)) != 0) {
		return r;
	} else if (!missing) {
		return unexpected(e, argv[0], arg);
	}
	if (missing)
		return pool_err_usage(e, "%s: %s needs a value", argv[0], arg);
	return 1;
}

int boot_args_parse(int argc, char **argv, enum boot_cmd cmd, struct boot_args *a, struct pool_err *e)
{
	int i = 1, dashes = -1;

	memset(a, 0, sizeof *a);
	a->which = cmd;
	for (int k = 1; k < argc && cmd == BOOT_RUN; k++)
		if (strcmp(argv[k], "--") == 0) {
			dashes = k;
			break;
		}
	for (; i < argc && i != dashes; i++) {
		int r = option(argc, argv, &i, a, e);

		if (r < 0)
			return -1;
		if (r == 1)
			continue;
		/* not an option: the spec, or (run) the command's start */
		if (cmd == BOOT_RUN && dashes < 0 && !names_spec_file(argv[i]))
			break;
		if (a->spec)
			return cmd == BOOT_RUN ? pool_err_usage(e, "%s: %s: put the command after --", argv[0], argv[i])
					       : unexpected(e, argv[0], argv[i]);
		a->spec = argv[i];
	}
	if (cmd == BOOT_UP && a->warm && !a->detached)
		return pool_err_usage(e, "%s: --warm keeps a spare for the next up -d or run: it needs -d", argv[0]);
	if (cmd != BOOT_RUN)
		return 0;
	if (i == dashes)
		i++;
	if (i >= argc)
		return cmd_usage_error(e, argv[0], NULL);
	a->cmd = argv + i;
	a->ncmd = argc - i;
	return 0;
}

/* What an earlier machine made in a share and pool moved aside, at the
 * share's top: said at each boot until the user has looked at it. */
static void remind_quarantined(const struct machine *m, const struct path_grants *g)
{
	for (size_t i = 0; i < m->nshares; i++) {
		const struct share *sh = &m->shares[i];
		struct pool_err ignore = { 0 };
		struct dirent *de;
		unsigned shown = 0;
		DIR *d;
		int fd;

		if (sh->readonly)
			continue;
		fd = spec_path_open_as_user(m, g, sh->source, O_RDONLY | O_DIRECTORY, BENEATH_DIR, "shares",
					    &sh->pos, &ignore);
		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((de = readdir(d)))
			if (strstr(de->d_name, ".pool-quarantine-") && shown++ < 3)
				log_warnx("%s/%s: made by an earlier machine and moved aside by pool; look at it before you use or remove it",
					  sh->source, de->d_name);
		if (shown > 3)
			log_warnx("%s: and %u more like it", sh->source, shown - 3);
		closedir(d);
	}
}

/* The spec asks, the host grants; from here on the machine's lighthouses
 * are the ones the host decided (pool check shows them). */
static int boot_mesh(struct machine *m, struct pool_err *e)
{
	struct mesh_lighthouse v[MESH_MACHINE_LIGHTHOUSES_MAX], *copy;
	size_t n;

	if (mesh_check_spec(m, v, &n, e) < 0)
		return -1;
	if (!m->mesh.set)
		return 0;
	copy = calloc(n + 1, sizeof *copy);
	if (!copy)
		return pool_err_sys(e, "mesh");
	memcpy(copy, v, n * sizeof *copy);
	free(m->mesh.lighthouses);
	m->mesh.lighthouses = copy;
	m->mesh.nlighthouses = n;
	return 0;
}

int boot_load(const struct boot_args *a, struct load_grants *lg, struct machine *m, struct pool_err *e)
{
	const struct pool_user *u;

	memset(m, 0, sizeof *m);
	if (pool_user_get(&u, e) < 0)	/* who pool acts for, before anything */
		return -1;
	if (load_grants(a->allow_path, a->nallow_path, lg, e) < 0)
		return -1;
	lg->allow_lan = a->allow_lan;
	if (machine_load(a->spec, lg, m, e) < 0)
		return -1;
	if (a->network_none) {
		m->network = NET_NONE;
		m->has_allow = false;
	}
	if (a->network_none && a->nports) {
		machine_free(m);
		return pool_err_usage(e, "-p: --network none leaves the machine no port to publish");
	}
	if (a->network_none && m->nports) {
		log_info("--network none: the spec's %zu published port%s stay unpublished", m->nports,
			 m->nports == 1 ? "" : "s");
		m->nports = 0;
	} else if (a->nports) {
		/* the command line's -p after the spec's ports; the same host
		 * port twice is refused here, before anything binds */
		struct port_map *pm = realloc(m->ports, (m->nports + a->nports) * sizeof *pm);

		if (!pm) {
			machine_free(m);
			return pool_err_sys(e, "-p");
		}
		m->ports = pm;
		for (size_t i = 0; i < a->nports; i++) {
			for (size_t k = 0; k < m->nports; k++)
				if (pm[k].host_port == a->ports[i].host_port && pm[k].proto == a->ports[i].proto &&
				    (pm[k].host_ip == a->ports[i].host_ip || pm[k].host_ip == 0 ||
				     a->ports[i].host_ip == 0)) {
					char s1[PORT_MAP_STR_MAX];

					machine_free(m);
					return pool_err_usage(e, "-p %s: that host port is published twice",
							      port_map_str(&a->ports[i], s1));
				}
			if (m->nports == PORT_MAPS_MAX) {
				machine_free(m);
				return pool_err_usage(e, "-p: at most %d published ports", PORT_MAPS_MAX);
			}
			pm[m->nports++] = a->ports[i];
		}
		if (m->network == NET_NONE) {
			machine_free(m);
			return pool_err_usage(e, "-p: a machine with network: none has no port to publish");
		}
	}
	if (a->command.workdir) {
		char *w = strdup(a->command.workdir);

		if (!w) {
			machine_free(m);
			return pool_err_sys(e, "-w");
		}
		free(m->workdir);
		m->workdir = w;
	}
	if (machine_refuse_unsupported(m, e) < 0 || spec_check_host(m, &lg->g, e) < 0 ||
	    boot_mesh(m, e) < 0) {
		machine_free(m);
		return -1;
	}
	user_say_root(u);
	remind_quarantined(m, &lg->g);
	return 0;
}

/* A spare of p for the next run (spare.h), when the spec or --warm asks
 * and POOL_WARM_IDLE allows: said, not fatal, when it cannot be made. */
static void keep_spare(struct plan *p, unsigned idle_s)
{
	const struct pool_user *u;
	struct pool_err e = { 0 };

	if (pool_user_get(&u, &e) < 0 || spare_keep(p, idle_s, u->uid, u->gid, u->groups, u->ngroups, &e) < 0)
		log_warnx("%s: no spare for the next run: %s", p->m->name, e.msg);
}

/* Before a cold boot: a spare of the same plan is used instead, a stale
 * one discarded, a machine that is stopping waited out (claim.h). 1 with
 * *status when a spare did the work, 0 to boot, -1 with e. */
static int try_spare(const struct boot_args *a, struct plan *p, const struct run_request *req, bool spares,
		     int *status, struct pool_err *e)
{
	const struct pool_user *u;
	struct claim_request cr = {
		.root = p->paths.state, .name = p->m->name, .times = req->times,
		.argv = req->argv, .argc = req->argc, .env = req->env, .nenv = req->nenv,
		.exec_flags = req->exec_flags, .ws = req->ws,
		.cwd = p->m->workdir ? p->m->workdir : "",
	};
	char hash[65], ip[16], why[1024], line[64 + PORT_MAPS_MAX * PORT_MAP_STR_MAX];
	size_t o;

	if (pool_user_get(&u, e) < 0 ||
	    plan_hash(p, u->uid, u->gid, u->groups, u->ngroups, hash, e) < 0)
		return -1;
	cr.hash = hash;
	/* what up -d prints (supervise_detached's line) */
	o = (size_t)snprintf(line, sizeof line, "%s %s", p->m->name,
			     p->has_net ? ipv4_str(p->m->address, ip) : "-");
	for (size_t i = 0; p->has_net && i < p->m->nports && o < sizeof line; i++) {
		char pm[PORT_MAP_STR_MAX];

		o += (size_t)snprintf(line + o, sizeof line - o, " %s", port_map_str(&p->m->ports[i], pm));
	}
	cr.up_line = line;
	cr.how = !spares || (a->which == BOOT_UP && !a->detached) ? CLAIM_DISCARD
		 : a->which == BOOT_RUN ? CLAIM_FOR_RUN : CLAIM_FOR_UP;
	if (spare_last_failure(p->paths.state, p->m->name, why, sizeof why))
		log_warnx("the last spare of %s did not boot: %s", p->m->name, why);
	return claim_spare(&cr, status, e);
}

int boot_machine(const struct boot_args *a, struct pool_err *e)
{
	struct boot_times times = { 0 };
	struct run_request req = { .ready_fd = -1, .detached = a->detached, .times = &times };
	struct load_grants lg;
	struct machine m;
	struct plan p = { .kernel_fd = -1, .initrd_fd = -1 };
	unsigned idle_s = 0;
	int status = -1;
	struct timespec t0;

	clock_gettime(CLOCK_REALTIME, &t0);
	times.start_ns = (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec;

	/* -t without a terminal is refused before anything else */
	if (a->which == BOOT_RUN && command_terminal(&a->command, "run", &req.exec_flags, &req.ws, e) < 0)
		return -1;
	if (geteuid() != 0)
		return pool_err_usage(e, "pool %s needs root (it opens the machine's devices and drops privileges before the hypervisor starts): try sudo",
				      a->which == BOOT_RUN ? "run" : "up");
	if (a->which == BOOT_RUN) {
		req.argv = a->cmd;
		req.argc = a->ncmd;
		if (command_env(&a->command, &req.env, &req.nenv, e) < 0)
			return -1;
	}
	if (boot_load(a, &lg, &m, e) < 0) {
		load_grants_free(&lg);
		command_env_free(&req.env, &req.nenv);
		return -1;
	}
	if (spare_idle_s(&idle_s, e) < 0)
		goto out;
	if (plan_build(&m, a->which == BOOT_RUN ? PLAN_RUN : PLAN_UP, &lg.g, &p, e) == 0) {
		bool warm = (m.warm || a->warm) && idle_s > 0 && (a->which == BOOT_RUN || req.detached);
		int r = try_spare(a, &p, &req, idle_s > 0, &status, e);

		if (r == 0)	/* a cold boot: its guest-facing side says its times */
			status = req.detached ? supervise_detached(&p, e) : supervise(&p, &req, e);
		else if (r < 0)
			status = -1;
		if (r == 1 && a->which == BOOT_RUN && getenv("POOL_BOOT_TIMES"))
			boot_times_print(&times);
		/* After a run that booted or claimed (its machine is gone, or
		 * going), or an up -d that is up: the next spare. */
		if (warm && (status >= 0 || r == 1))
			keep_spare(&p, idle_s);
	}
out:
	plan_free(&p);
	machine_free(&m);
	load_grants_free(&lg);
	command_env_free(&req.env, &req.nenv);
	return status;
}
