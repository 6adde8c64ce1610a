/* ls.c - pool ls [--json]: the machines in POOL_STATE_DIR, each asked
 * through its control socket; a machine whose supervisor died is `dead`. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/usage.h"
#include "common/names.h"
#include "ctl_client.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/parse.h"

struct row {
	struct machine_entry m;
	const char *state;
	uint64_t uptime_s;
	uint64_t rss_kb;	/* supervisor + hypervisor + virtiofsd */
};

/* VmRSS of one process in KiB; 0 when it is gone. */
static uint64_t rss_kb(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct pool_err ignore = { 0 };
	const char *at;
	uint64_t v = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (read_file(path, 1 << 16, &text, &len, &ignore) < 0)
		return 0;
	at = strstr(text, "\nVmRSS:");
	if (!at)
		return 0;
	for (at += 7; *at == ' ' || *at == '\t'; at++)
		;
	while (*at >= '0' && *at <= '9' && v < (UINT64_C(1) << 50))
		v = v * 10 + (uint64_t)(*at++ - '0');
	return v;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->m.st.name, ((const struct row *)b)->m.st.name);
}

static void json_row(const struct row *r, bool last)
{
	const struct ctl_status *st = &r->m.st;

	/* Names and addresses were validated: nothing in them needs escaping. */
	printf("  {\"name\": \"%s\", \"address\": ", st->name);
	if (st->address[0])
		printf("\"%s\"", st->address);
	else
		printf("null");
	printf(", \"pid\": ");
	if (r->m.alive && st->pid > 0)
		printf("%d", (int)st->pid);
	else
		printf("null");
	printf(", \"state\": \"%s\", \"ready\": %s, \"uptime_s\": %llu, \"memory_kib\": %llu}%s\n", r->state,
	       r->m.alive && st->ready ? "true" : "false", (unsigned long long)r->uptime_s,
	       (unsigned long long)r->rss_kb, last ? "" : ",");
}

int cmd_ls(int argc, char **argv, struct pool_err *e)
{
	const char *root = state_root();
	_cleanup_free_ struct row *rows = NULL;
	size_t n = 0, cap = 0;
	bool json = false;
	DIR *d;
	struct dirent *de;
	uint64_t now = (uint64_t)time(NULL);

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return unexpected(e, argv[0], argv[i]);
	}
	d = opendir(root);
	if (!d && errno != ENOENT) {
		if (errno == EACCES)
			return pool_err_usage(e, "%s: permission denied (pool ls needs root: try sudo)", root);
		return pool_err_sys(e, "%s", root);
	}
	while (d && (de = readdir(d))) {
		struct row r = { 0 };
		struct pool_err pe = { 0 };

		if (de->d_name[0] == '.' || !valid_machine_name(de->d_name))
			continue;
		if (machine_probe(root, de->d_name, &r.m, &pe) != 0)
			continue;
		if (!r.m.alive) {
			r.state = "dead";
		} else if (ctl_query(root, de->d_name, &r.m.st, &pe) == 0) {
			r.state = ctl_state_name(r.m.st.state);
			r.rss_kb = rss_kb(r.m.st.pid) + rss_kb(r.m.st.qemu);
			for (size_t i = 0; i < r.m.st.nfs; i++)
				r.rss_kb += rss_kb(r.m.st.fs[i]);
		} else {
			r.state = "unresponsive";	/* alive, but its socket does not answer */
		}
		if (r.m.st.started && r.m.st.started <= now && r.m.alive)
			r.uptime_s = now - r.m.st.started;
		if (n == cap) {
			struct row *g = realloc(rows, (cap ? cap * 2 : 8) * sizeof *g);

			if (!g) {
				closedir(d);
				return pool_err_sys(e, "ls");
			}
			rows = g;
			cap = cap ? cap * 2 : 8;
		}
		rows[n++] = r;
	}
	if (d)
		closedir(d);
	if (n)
		qsort(rows, n, sizeof *rows, by_name);
	if (json) {
		printf("[\n");
		for (size_t i = 0; i < n; i++)
			json_row(&rows[i], i + 1 == n);
		printf("]\n");
		return 0;
	}
	printf("%-20s %-15s %-8s %-12s %-9s %s\n", "NAME", "ADDRESS", "PID", "STATE", "UPTIME", "MEMORY");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		char pid[16] = "-", up[16] = "-", mem[24] = "-";

		if (r->m.alive && r->m.st.pid > 0)
			snprintf(pid, sizeof pid, "%d", (int)r->m.st.pid);
		if (r->m.alive)
			snprintf(up, sizeof up, "%llu:%02llu:%02llu", (unsigned long long)(r->uptime_s / 3600),
				 (unsigned long long)(r->uptime_s / 60 % 60), (unsigned long long)(r->uptime_s % 60));
		if (r->rss_kb)
			snprintf(mem, sizeof mem, "%.1fM", (double)r->rss_kb / 1024);
		printf("%-20s %-15s %-8s %-12s %-9s %s\n", r->m.st.name,
		       r->m.st.address[0] ? r->m.st.address : "-", pid, r->state, up, mem);
	}
	return 0;
}
