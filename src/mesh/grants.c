/* grants.c - the grants file of a mesh: which folder's spec may join with
 * which overlay address and groups, and which lighthouses its machine may
 * reach. Pure: parsed and written here, read and replaced by ca.c. The
 * file is root's, but the folders in it came from a command line, so
 * every line is checked as if hostile. */
#include "mesh/mesh.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "common/parse.h"

bool mesh_name_ok(const char *net)
{
	return valid_machine_name(net) && strlen(net) <= MESH_NAME_MAX;
}

bool mesh_grant_dir_ok(const char *dir)
{
	size_t n = strlen(dir);

	if (n < 1 || n > 4095 || dir[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)dir[i] < 0x20 || dir[i] == 0x7f)
			return false;
	return true;
}

static void free_groups(char **groups, size_t n)
{
	for (size_t i = 0; groups && i < n; i++)
		free(groups[i]);
	free(groups);
}

int mesh_groups_split(const char *s, char ***groups, size_t *n, const char **why)
{
	char **v = NULL;
	size_t k = 0;
	const char *p = s;

	*groups = NULL;
	*n = 0;
	if (!*s || strcmp(s, "-") == 0)
		return 0;
	v = calloc(MESH_GROUPS_MAX + 1, sizeof *v);
	if (!v) {
		*why = "out of memory";
		return -1;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char name[72];

		if (len == 0 || len >= sizeof name) {
			*why = len ? "a group name is too long (at most 64)" : "an empty group name";
			goto fail;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		if (!valid_group_name(name)) {
			*why = "a group name has characters other than letters, digits, '.', '_' or '-'";
			goto fail;
		}
		for (size_t i = 0; i < k; i++)
			if (strcmp(v[i], name) == 0) {
				*why = "a group is given twice";
				goto fail;
			}
		if (k == MESH_GROUPS_MAX) {
			*why = "too many groups (at most 64)";
			goto fail;
		}
		v[k] = strdup(name);
		if (!v[k]) {
			*why = "out of memory";
			goto fail;
		}
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*groups = v;
	*n = k;
	return 0;
fail:
	free_groups(v, k);
	return -1;
}

bool mesh_lighthouse_host_ok(uint32_t host)
{
	uint8_t a = (uint8_t)(host >> 24);

	return a != 0 && a != 127 && a < 224;
}

int mesh_lighthouse_parse(const char *s, struct mesh_lighthouse *l, const char **why)
{
	const char *eq = strchr(s, '='), *colon = strrchr(s, ':');
	char overlay[16], host[16];
	uint64_t port;

	memset(l, 0, sizeof *l);
	if (!eq || !colon || colon < eq || (size_t)(eq - s) >= sizeof overlay ||
	    (size_t)(colon - eq - 1) >= sizeof host) {
		*why = "not OVERLAY=HOST:PORT";
		return -1;
	}
	memcpy(overlay, s, (size_t)(eq - s));
	overlay[eq - s] = '\0';
	memcpy(host, eq + 1, (size_t)(colon - eq - 1));
	host[colon - eq - 1] = '\0';
	if (parse_ipv4(overlay, &l->overlay, why) < 0) {
		*why = "the overlay address is not a.b.c.d";
		return -1;
	}
	if (parse_ipv4(host, &l->host, why) < 0 || !mesh_lighthouse_host_ok(l->host)) {
		*why = "the host is not a unicast IPv4 address";
		return -1;
	}
	if (parse_u64(colon + 1, 1, 65535, &port, why) < 0) {
		*why = "the port is not 1..65535";
		return -1;
	}
	l->port = (uint16_t)port;
	return 0;
}

const char *mesh_lighthouse_str(const struct mesh_lighthouse *l, char *buf)
{
	char a[16], b[16];

	snprintf(buf, MESH_LIGHTHOUSE_STR_MAX, "%s=%s:%u", ipv4_str(l->overlay, a), ipv4_str(l->host, b),
		 l->port);
	return buf;
}

int mesh_lighthouses_split(const char *s, struct mesh_lighthouse **out, size_t *n, const char **why)
{
	struct mesh_lighthouse *v;
	const char *p = s;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!*s || strcmp(s, "-") == 0)
		return 0;
	v = calloc(MESH_GRANT_LIGHTHOUSES_MAX, sizeof *v);
	if (!v) {
		*why = "out of memory";
		return -1;
	}
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[MESH_LIGHTHOUSE_STR_MAX];

		if (len == 0 || len >= sizeof item) {
			*why = len ? "a lighthouse is not OVERLAY=HOST:PORT" : "an empty lighthouse";
			goto fail;
		}
		if (k == MESH_GRANT_LIGHTHOUSES_MAX) {
			*why = "too many lighthouses (at most 16)";
			goto fail;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (mesh_lighthouse_parse(item, &v[k], why) < 0)
			goto fail;
		for (size_t i = 0; i < k; i++)
			if (v[i].overlay == v[k].overlay) {
				*why = "a lighthouse's overlay address is given twice";
				goto fail;
			}
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*out = v;
	*n = k;
	return 0;
fail:
	free(v);
	return -1;
}

static const struct mesh_lighthouse *find_overlay(const struct mesh_lighthouse *v, size_t n,
						  uint32_t overlay)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].overlay == overlay)
			return &v[i];
	return NULL;
}

int mesh_lighthouses_pick(const struct mesh_grant *gr, const struct mesh_lighthouse *want,
			  size_t nwant, const struct mesh_lighthouse *own, struct mesh_lighthouse *out,
			  size_t cap, size_t *refused)
{
	size_t n = 0;

	*refused = 0;
	/* this host's own lighthouse, unless the machine has its address */
	if (own && own->overlay == gr->ip)
		own = NULL;
	if (!nwant) {
		for (size_t i = 0; i < gr->nlighthouses; i++) {
			if (own && gr->lighthouses[i].overlay == own->overlay)
				continue;
			if (n == cap)
				goto full;
			out[n++] = gr->lighthouses[i];
		}
	}
	for (size_t i = 0; i < nwant; i++) {
		const struct mesh_lighthouse *g;

		*refused = i;
		if (own && want[i].overlay == own->overlay)
			continue;
		g = find_overlay(gr->lighthouses, gr->nlighthouses, want[i].overlay);
		if (!g || g->host != want[i].host || g->port != want[i].port)
			return -1;
		if (find_overlay(out, n, want[i].overlay))
			continue;
		if (n == cap)
			goto full;
		out[n] = *g;
		out[n++].pos = want[i].pos;
	}
	if (own) {
		if (n == cap)
			goto full;
		out[n++] = *own;
	}
	*refused = 0;
	return (int)n;
full:
	*refused = nwant;
	return -1;
}

void mesh_grants_free(struct mesh_grants *g)
{
	for (size_t i = 0; g->v && i < g->n; i++) {
		free_groups(g->v[i].groups, g->v[i].ngroups);
		free(g->v[i].lighthouses);
		free(g->v[i].dir);
	}
	free(g->v);
	g->v = NULL;
	g->n = 0;
}

static void grant_clear(struct mesh_grant *gr)
{
	free_groups(gr->groups, gr->ngroups);
	free(gr->lighthouses);
	free(gr->dir);
	memset(gr, 0, sizeof *gr);
}

#define LINE_FORM "expected IP/PREFIX GROUPS LIGHTHOUSES DIR"

/* One line, without its newline, NUL-terminated in place. */
static int parse_line(char *line, struct mesh_grant *gr, const char **why)
{
	char *sp1 = strchr(line, ' '), *sp2, *rest, *lh = NULL;
	const char *w;

	memset(gr, 0, sizeof *gr);
	if (!sp1) {
		*why = LINE_FORM;
		return -1;
	}
	*sp1 = '\0';
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2) {
		*why = LINE_FORM;
		return -1;
	}
	*sp2 = '\0';
	rest = sp2 + 1;
	/* an older pool's line has the folder here: it starts with '/' */
	if (rest[0] != '/') {
		char *sp3 = strchr(rest, ' ');

		if (!sp3) {
			*why = LINE_FORM;
			return -1;
		}
		*sp3 = '\0';
		lh = rest;
		rest = sp3 + 1;
	}
	if (parse_cidr(line, false, &gr->ip, &gr->prefix, &w) < 0 || gr->prefix < 1 ||
	    gr->prefix > 30) {
		*why = "not an overlay address with a prefix (a.b.c.d/N, N 1..30)";
		return -1;
	}
	if (!mesh_grant_dir_ok(rest)) {
		*why = "the folder is not an absolute path without control characters";
		return -1;
	}
	if (mesh_groups_split(sp1 + 1, &gr->groups, &gr->ngroups, why) < 0)
		return -1;
	if (lh && mesh_lighthouses_split(lh, &gr->lighthouses, &gr->nlighthouses, why) < 0)
		goto fail;
	if (find_overlay(gr->lighthouses, gr->nlighthouses, gr->ip)) {
		*why = "a lighthouse has the grant's own address";
		goto fail;
	}
	gr->dir = strdup(rest);
	if (!gr->dir) {
		*why = "out of memory";
		goto fail;
	}
	return 0;
fail:
	grant_clear(gr);
	return -1;
}

int mesh_grants_parse(const char *buf, size_t len, struct mesh_grants *g, const char **why,
		      size_t *line)
{
	size_t off = 0, cap = 0;

	g->v = NULL;
	g->n = 0;
	*line = 0;
	if (len > MESH_GRANTS_FILE_MAX) {
		*why = "the file is too large";
		return -1;
	}
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		struct mesh_grant gr;
		char *copy;

		++*line;
		if (!nl) {
			*why = "the last line has no newline";
			goto fail;
		}
		if (memchr(buf + off, '\0', n)) {
			*why = "a NUL byte";
			goto fail;
		}
		if (g->n == MESH_GRANTS_MAX) {
			*why = "too many grants";
			goto fail;
		}
		copy = malloc(n + 1);
		if (!copy) {
			*why = "out of memory";
			goto fail;
		}
		memcpy(copy, buf + off, n);
		copy[n] = '\0';
		if (parse_line(copy, &gr, why) < 0) {
			free(copy);
			goto fail;
		}
		free(copy);
		if (mesh_grant_find(g, gr.dir)) {
			grant_clear(&gr);
			*why = "the folder has a grant already";
			goto fail;
		}
		if (g->n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct mesh_grant *v = realloc(g->v, nc * sizeof *v);

			if (!v) {
				grant_clear(&gr);
				*why = "out of memory";
				goto fail;
			}
			g->v = v;
			cap = nc;
		}
		g->v[g->n++] = gr;
		off += n + 1;
	}
	return 0;
fail:
	mesh_grants_free(g);
	return -1;
}

char *mesh_grants_format(const struct mesh_grants *g)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < g->n; i++) {
		const struct mesh_grant *gr = &g->v[i];
		char ip[16];

		fprintf(f, "%s/%u ", ipv4_str(gr->ip, ip), gr->prefix);
		if (!gr->ngroups)
			fputc('-', f);
		for (size_t k = 0; k < gr->ngroups; k++)
			fprintf(f, "%s%s", k ? "," : "", gr->groups[k]);
		fputc(' ', f);
		if (!gr->nlighthouses)
			fputc('-', f);
		for (size_t k = 0; k < gr->nlighthouses; k++) {
			char l[MESH_LIGHTHOUSE_STR_MAX];

			fprintf(f, "%s%s", k ? "," : "", mesh_lighthouse_str(&gr->lighthouses[k], l));
		}
		fprintf(f, " %s\n", gr->dir);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

const struct mesh_grant *mesh_grant_find(const struct mesh_grants *g, const char *dir)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].dir, dir) == 0)
			return &g->v[i];
	return NULL;
}

/* --- a machine's state file --- */

int mesh_machine_format(const struct mesh_machine *mm, char *out, size_t cap)
{
	char ip[16];
	int n = snprintf(out, cap, "network=%s\nip=%s/%u\ngroups=%s\nport=%u\n", mm->network,
			 ipv4_str(mm->ip, ip), mm->prefix, mm->groups, mm->port);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int mesh_machine_parse(const char *buf, size_t len, struct mesh_machine *mm)
{
	size_t off = 0;
	unsigned seen = 0;

	memset(mm, 0, sizeof *mm);
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		char line[1100], *eq;
		const char *why;
		uint64_t v;

		if (n >= sizeof line || memchr(buf + off, '\0', n))
			return -1;
		memcpy(line, buf + off, n);
		line[n] = '\0';
		off += n + (nl ? 1 : 0);
		eq = strchr(line, '=');
		if (!eq)
			return -1;
		*eq++ = '\0';
		if (strcmp(line, "network") == 0 && mesh_name_ok(eq)) {
			snprintf(mm->network, sizeof mm->network, "%s", eq);
			seen |= 1;
		} else if (strcmp(line, "ip") == 0 &&
			   parse_cidr(eq, false, &mm->ip, &mm->prefix, &why) == 0) {
			seen |= 2;
		} else if (strcmp(line, "groups") == 0 && strlen(eq) < sizeof mm->groups &&
			   strspn(eq, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-,") ==
				   strlen(eq)) {
			snprintf(mm->groups, sizeof mm->groups, "%s", eq);
			seen |= 4;
		} else if (strcmp(line, "port") == 0 && parse_u64(eq, 0, 65535, &v, &why) == 0) {
			mm->port = (uint16_t)v;
			seen |= 8;
		} else {
			return -1;
		}
	}
	return seen == 15 ? 0 : -1;
}
