/* cgroup.c - find the memory controller, make a machine's cgroup in pool's
 * node with its limit, and remove it again. */
#include "util/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/sha256.h"

#define CGROUP_NODE "pool"

bool cgroup_list_has(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	if (!n)
		return false;
	while (p && *p) {
		size_t k = strcspn(p, " ,\n");

		if (k == n && strncmp(p, word, n) == 0)
			return true;
		p += k;
		p += strspn(p, " ,\n");
	}
	return false;
}

/* Field i (0-based, space separated) of line, into out; false when the
 * line has fewer. */
static bool field(const char *line, size_t len, int i, char *out, size_t size)
{
	size_t at = 0;

	for (;;) {
		size_t k;

		while (at < len && line[at] == ' ')
			at++;
		k = at;
		while (k < len && line[k] != ' ')
			k++;
		if (k == at)
			return false;
		if (i-- == 0) {
			if (k - at >= size)
				return false;
			memcpy(out, line + at, k - at);
			out[k - at] = '\0';
			return true;
		}
		at = k;
	}
}

void cgroup_mounts_parse(const char *mountinfo, struct cgroup_mounts *m)
{
	const char *line = mountinfo;

	memset(m, 0, sizeof *m);
	while (line && *line) {
		size_t len = strcspn(line, "\n");
		char point[PATH_MAX], word[PATH_MAX], fstype[64];
		int i, sep = -1;

		for (i = 6; field(line, len, i, word, sizeof word); i++) {
			if (strcmp(word, "-") == 0) {
				sep = i;
				break;
			}
		}
		if (sep > 0 && field(line, len, 4, point, sizeof point) && point[0] == '/' &&
		    !strchr(point, '\\') && field(line, len, sep + 1, fstype, sizeof fstype)) {
			if (strcmp(fstype, "cgroup2") == 0 && !m->v2[0])
				snprintf(m->v2, sizeof m->v2, "%s", point);
			else if (strcmp(fstype, "cgroup") == 0 && !m->v1_memory[0]) {
				char opts[1024];

				if (field(line, len, sep + 3, opts, sizeof opts) && cgroup_list_has(opts, "memory"))
					snprintf(m->v1_memory, sizeof m->v1_memory, "%s", point);
			}
		}
		line += len;
		if (*line == '\n')
			line++;
	}
}

/* POOL_CGROUP: the cgroup pool's node goes in, as /proc/self/cgroup names
 * cgroups ("/" when unset: the top of the hierarchy). */
static int cgroup_parent(const char **out, struct pool_err *e)
{
	const char *v = getenv("POOL_CGROUP");

	*out = "";
	if (!v || !*v || strcmp(v, "/") == 0)
		return 0;
	if (v[0] != '/' || strstr(v, "/../") || strstr(v, "/./") || strstr(v, "//") ||
	    (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0) ||
	    (strlen(v) >= 2 && strcmp(v + strlen(v) - 2, "/.") == 0) || v[strlen(v) - 1] == '/' ||
	    strlen(v) > 1024)
		return pool_err_usage(e, "POOL_CGROUP=%.60s: want a cgroup's absolute path, such as /pool.slice", v);
	*out = v;
	return 0;
}

int cgroup_host_find(struct cgroup_host *h, struct pool_err *e)
{
	_cleanup_free_ char *info = NULL, *controllers = NULL;
	struct cgroup_mounts m;
	const char *parent;
	size_t len;

	memset(h, 0, sizeof *h);
	if (cgroup_parent(&parent, e) < 0 ||
	    read_file("/proc/self/mountinfo", 1 << 20, &info, &len, e) < 0)
		return -1;
	cgroup_mounts_parse(info, &m);
	if (m.v2[0]) {
		char path[PATH_MAX + 32];

		snprintf(path, sizeof path, "%s/cgroup.controllers", m.v2);
		if (read_file(path, 4096, &controllers, &len, NULL) == 0 &&
		    cgroup_list_has(controllers, "memory")) {
			h->version = CGROUP_V2;
			snprintf(h->node, sizeof h->node, "%s%s/" CGROUP_NODE, m.v2, parent);
			return 0;
		}
	}
	if (m.v1_memory[0]) {
		h->version = CGROUP_V1;
		snprintf(h->node, sizeof h->node, "%s%s/" CGROUP_NODE, m.v1_memory, parent);
		return 0;
	}
	return pool_err_fail(e, m.v2[0] ? "cgroup v2 at %s has no memory controller, and no cgroup v1 has one"
				      : "no cgroup hierarchy has the memory controller", m.v2);
}

int cgroup_host_writable(const struct cgroup_host *h, struct pool_err *e)
{
	char top[PATH_MAX];
	char *slash;

	if (access(h->node, W_OK) == 0)
		return 0;
	if (errno != ENOENT)
		return pool_err_sys(e, "%s", h->node);
	snprintf(top, sizeof top, "%s", h->node);
	slash = strrchr(top, '/');
	if (slash)
		*slash = '\0';
	if (access(top, W_OK) < 0)
		return pool_err_sys(e, "%s", top);
	return 0;
}

void cgroup_key(const char *state_dir, const char *name, char *out, size_t size)
{
	struct sha256 s;
	uint8_t d[32];
	char hex[65];

	sha256_init(&s);
	sha256_update(&s, state_dir, strlen(state_dir));
	sha256_final(&s, d);
	sha256_hex(d, hex);
	snprintf(out, size, "%s-%.8s", name, hex);
}

/* Write a short value into a cgroup file (they take one write each). */
static int put(const char *dir, const char *file, const char *value, bool optional,
	       struct pool_err *e)
{
	char path[PATH_MAX + 64];
	_cleanup_close_ int fd = -1;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 && optional && errno == ENOENT)
		return 0;
	if (fd < 0 || write_all(fd, value, strlen(value)) < 0)
		return pool_err_sys(e, "%s", path);
	return 0;
}

/* v2: the memory controller on for the node's children (the node itself
 * holds no process, so the hierarchy's root can hand it on). */
static int v2_enable(const char *node, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL;
	char top[PATH_MAX], path[PATH_MAX + 32];
	const char *dirs[2] = { top, node };
	char *slash;
	size_t len;

	snprintf(top, sizeof top, "%s", node);
	slash = strrchr(top, '/');
	if (slash)
		*slash = '\0';
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/cgroup.subtree_control", dirs[i]);
		free(text);
		text = NULL;
		if (read_file(path, 4096, &text, &len, e) < 0)
			return -1;
		if (!cgroup_list_has(text, "memory") && put(dirs[i], "cgroup.subtree_control", "+memory", false, e) < 0)
			return -1;
	}
	return 0;
}

static int remove_dir(const char *dir, struct pool_err *e)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };

	/* A process that was killed leaves its cgroup a moment later. */
	for (int i = 0; i < 20; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&tick, NULL);
	}
	return pool_err_sys(e, "removing the cgroup %s", dir);
}

int cgroup_machine_open(const char *key, uint64_t limit, struct pool_err *e)
{
	struct cgroup_host h;
	char dir[PATH_MAX + 128], value[32], path[PATH_MAX + 160];
	int fd;

	if (!key[0] || strchr(key, '/') || key[0] == '.')
		return pool_err_fail(e, "cgroup name %s", key);
	if (cgroup_host_find(&h, e) < 0)
		return -1;
	if (mkdir(h.node, 0755) < 0 && errno != EEXIST)
		return pool_err_sys(e, "%s", h.node);
	if (h.version == CGROUP_V2 && v2_enable(h.node, e) < 0)
		return -1;
	snprintf(dir, sizeof dir, "%s/%s", h.node, key);
	if (remove_dir(dir, e) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0)
		return pool_err_sys(e, "%s", dir);
	snprintf(value, sizeof value, "%llu", (unsigned long long)limit);
	if (h.version == CGROUP_V2) {
		if (put(dir, "memory.max", value, false, e) < 0 ||
		    put(dir, "memory.swap.max", "0", true, e) < 0)
			goto fail;
	} else if (put(dir, "memory.limit_in_bytes", value, false, e) < 0 ||
		   put(dir, "memory.memsw.limit_in_bytes", value, true, e) < 0) {
		goto fail;
	}
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		pool_err_sys(e, "%s", path);
		goto fail;
	}
	return fd;
fail:
	rmdir(dir);
	return -1;
}

int cgroup_machine_remove(const char *key, struct pool_err *e)
{
	struct cgroup_host h;
	char dir[PATH_MAX + 128];

	if (!key[0] || strchr(key, '/') || key[0] == '.')
		return pool_err_fail(e, "cgroup name %s", key);
	if (cgroup_host_find(&h, NULL) < 0)
		return 0;
	snprintf(dir, sizeof dir, "%s/%s", h.node, key);
	return remove_dir(dir, e);
}
