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
	printf(", \"state\": \"%s\", \"ready\": %s, \"uptime_s\": %llu, \"memory_kib\": %llu, \"ports\": [",
	       r->state, r->m.alive && st->ready ? "true" : "false", (unsigned long long)r->uptime_s,
	       (unsigned long long)r->rss_kb);
	for (size_t i = 0; i < st->nports; i++) {
		char ip[16];

		printf("%s{\"host_ip\": \"%s\", \"host_port\": %u, \"guest_port\": %u, \"proto\": \"%s\"}",
		       i ? ", " : "", ipv4_str(st->ports[i].host_ip, ip), st->ports[i].host_port,
		       st->ports[i].guest_port, st->ports[i].proto == 17 ? "udp" : "tcp");
	}
	printf("]}%s\n", last ? "" : ",");
}

#define LS_COLS 7
#define LS_CELL 160

/* One row's cells, as the table shows them. */
static void cells(const struct row *r, char c[LS_COLS][LS_CELL])
{
	snprintf(c[0], LS_CELL, "%s", r->m.st.name);
	snprintf(c[1], LS_CELL, "%s", r->m.st.address[0] ? r->m.st.address : "-");
	snprintf(c[2], LS_CELL, "-");
	if (r->m.alive && r->m.st.pid > 0)
		snprintf(c[2], LS_CELL, "%d", (int)r->m.st.pid);
	snprintf(c[3], LS_CELL, "%s", r->state);
	snprintf(c[4], LS_CELL, "-");
	if (r->m.alive)
		snprintf(c[4], LS_CELL, "%llu:%02llu:%02llu", (unsigned long long)(r->uptime_s / 3600),
			 (unsigned long long)(r->uptime_s / 60 % 60), (unsigned long long)(r->uptime_s % 60));
	snprintf(c[5], LS_CELL, "-");
	if (r->rss_kb)
		snprintf(c[5], LS_CELL, "%.1fM", (double)r->rss_kb / 1024);
	snprintf(c[6], LS_CELL, "-");
	for (size_t k = 0, o = 0; k < r->m.st.nports && o < LS_CELL; k++) {
		char pm[PORT_MAP_STR_MAX];

		o += (size_t)snprintf(c[6] + o, LS_CELL - o, "%s%s", k ? "," : "",
				      port_map_str(&r->m.st.ports[k], pm));
	}
}

static void print_line(char c[LS_COLS][LS_CELL], const int *width)
{
	for (int k = 0; k < LS_COLS - 1; k++)
		printf("%-*s ", width[k], c[k]);
	printf("%s\n", c[LS_COLS - 1]);
}

/* The table: each column as wide as its widest cell, header included. */
static void print_table(const struct row *rows, size_t n)
{
	static const char *const head[LS_COLS] = { "NAME", "ADDRESS", "PID", "STATE", "UPTIME", "MEMORY", "PORTS" };
	char c[LS_COLS][LS_CELL];
	int width[LS_COLS];

	for (int k = 0; k < LS_COLS; k++)
		width[k] = (int)strlen(head[k]);
	for (size_t i = 0; i < n; i++) {
		cells(&rows[i], c);
		for (int k = 0; k < LS_COLS; k++)
			if ((int)strlen(c[k]) > width[k])
				width[k] = (int)strlen(c[k]);
	}
	for (int k = 0; k < LS_COLS; k++)
		snprintf(c[k], sizeof c[k], "%s", head[k]);
	print_line(c, width);
	for (size_t i = 0; i < n; i++) {
		cells(&rows[i], c);
		print_line(c, width);
	}
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
	/* Each machine's folder is root's: anyone else would see none of
	 * them, and an empty list would be a lie. */
	if (geteuid() != 0)
		return pool_err_fail(e, "pool ls needs root (each machine's folder and control socket are root's): try sudo");
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
	print_table(rows, n);
	return 0;
}
