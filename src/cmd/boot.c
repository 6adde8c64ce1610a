/* boot.c - what pool run, pool up and pool check share: their arguments,
 * loading the machine with what the command line grants, and booting it
 * (load, check, plan, supervise). */
#include "cmd/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/usage.h"
#include "mesh/mesh.h"
#include "common/log.h"
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
	int i = 1, dashes = -1, r;

	memset(a, 0, sizeof *a);
	a->which = cmd;
	for (int k = 1; k < argc && cmd == BOOT_RUN; k++)
		if (strcmp(argv[k], "--") == 0) {
			dashes = k;
			break;
		}
	for (; i < argc && i != dashes; i++) {
		r = option(argc, argv, &i, a, e);
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

int boot_load(const struct boot_args *a, struct load_grants *lg, struct machine *m, struct pool_err *e)
{
	const struct pool_user *u;

	memset(m, 0, sizeof *m);
	if (pool_user_get(&u, e) < 0)	/* who pool acts for, before anything */
		return -1;
	if (load_grants(a->allow_path, a->nallow_path, lg, e) < 0)
		return -1;
	if (machine_load(a->spec, lg, m, e) < 0)
		return -1;
	if (a->network_none) {
		m->network = NET_NONE;
		m->has_allow = false;
	}
	m->allow_lan = a->allow_lan;
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
	    mesh_check_spec(m, e) < 0) {
		machine_free(m);
		return -1;
	}
	user_say_root(u);
	return 0;
}

int boot_machine(const struct boot_args *a, struct pool_err *e)
{
	struct run_request req = { .ready_fd = -1, .detached = a->detached };
	struct load_grants lg;
	struct machine m;
	struct plan p;
	int status = -1;

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
	if (plan_build(&m, a->which == BOOT_RUN ? PLAN_RUN : PLAN_UP, &lg.g, &p, e) == 0) {
		status = req.detached ? supervise_detached(&p, e) : supervise(&p, &req, e);
	}
	plan_free(&p);
	machine_free(&m);
	load_grants_free(&lg);
	command_env_free(&req.env, &req.nenv);
	return status;
}
