/* fuzz-mesh.c - fuzz the grants parser (a root file, but its folders came
 * from a command line), the lighthouses a grant lets a machine have, one
 * --lighthouse value, and a machine's mesh state file: what parses is
 * well formed and reads back the same after formatting, and a machine
 * gets no lighthouse its grant (or this host) did not give. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/mesh/mesh.h"
#include "src/common/names.h"
#include "tests/fuzz/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_place(const struct mesh_lighthouse *a, const struct mesh_lighthouse *b)
{
	return a->overlay == b->overlay && a->host == b->host && a->port == b->port;
}

/* What a machine of gr gets: only the grant's and own, never twice. */
static void check_pick(const struct mesh_grant *gr, const struct mesh_lighthouse *want,
		       size_t nwant, const struct mesh_lighthouse *own)
{
	struct mesh_lighthouse out[MESH_MACHINE_LIGHTHOUSES_MAX];
	size_t refused = 0;
	int n = mesh_lighthouses_pick(gr, want, nwant, own, out, MESH_MACHINE_LIGHTHOUSES_MAX, &refused);

	if (n < 0) {
		CHECK(refused < nwant);	/* a grant parsed here always has room */
		return;
	}
	CHECK((size_t)n <= MESH_MACHINE_LIGHTHOUSES_MAX);
	for (int i = 0; i < n; i++) {
		bool granted = own && same_place(&out[i], own) && own->overlay != gr->ip;

		for (size_t k = 0; k < gr->nlighthouses && !granted; k++)
			granted = same_place(&out[i], &gr->lighthouses[k]);
		CHECK(granted);
		for (int k = 0; k < i; k++)
			CHECK(out[k].overlay != out[i].overlay);
	}
}

static void check_grants(const uint8_t *data, size_t size)
{
	struct mesh_grants g, again;
	const char *why = NULL;
	size_t line = 0;
	char *text;

	if (mesh_grants_parse((const char *)data, size, &g, &why, &line) < 0) {
		CHECK(why != NULL);
		CHECK(line >= 1 || size > MESH_GRANTS_FILE_MAX);
		CHECK(g.v == NULL && g.n == 0);
		return;
	}
	for (size_t i = 0; i < g.n; i++) {
		const struct mesh_grant *gr = &g.v[i];

		CHECK(gr->prefix >= 1 && gr->prefix <= 30);
		CHECK(mesh_grant_dir_ok(gr->dir));
		CHECK(gr->ngroups <= MESH_GROUPS_MAX);
		for (size_t k = 0; k < gr->ngroups; k++)
			CHECK(valid_group_name(gr->groups[k]));
		CHECK(gr->nlighthouses <= MESH_GRANT_LIGHTHOUSES_MAX);
		for (size_t k = 0; k < gr->nlighthouses; k++) {
			const struct mesh_lighthouse *l = &gr->lighthouses[k];

			CHECK(mesh_lighthouse_host_ok(l->host) && l->port != 0 && l->overlay != gr->ip);
			for (size_t j = 0; j < k; j++)
				CHECK(gr->lighthouses[j].overlay != l->overlay);
		}
		CHECK(mesh_grant_find(&g, gr->dir) == gr);
		/* none asked: every one of the grant's; all asked: the same */
		{
			struct mesh_lighthouse out[MESH_MACHINE_LIGHTHOUSES_MAX];
			size_t refused;

			CHECK(mesh_lighthouses_pick(gr, NULL, 0, NULL, out, MESH_MACHINE_LIGHTHOUSES_MAX,
						    &refused) == (int)gr->nlighthouses);
			CHECK(mesh_lighthouses_pick(gr, gr->lighthouses, gr->nlighthouses, NULL, out,
						    MESH_MACHINE_LIGHTHOUSES_MAX, &refused) == (int)gr->nlighthouses);
		}
		/* the other grants' lighthouses, asked by this one's machine,
		 * with this host's own being another grant's first */
		for (size_t j = 0; j < g.n; j++)
			check_pick(gr, g.v[j].lighthouses, g.v[j].nlighthouses,
				   g.v[(j + 1) % g.n].nlighthouses ? &g.v[(j + 1) % g.n].lighthouses[0] : NULL);
	}
	text = mesh_grants_format(&g);
	CHECK(text != NULL);
	CHECK(mesh_grants_parse(text, strlen(text), &again, &why, &line) == 0);
	CHECK(again.n == g.n);
	for (size_t i = 0; i < g.n; i++) {
		CHECK(again.v[i].ip == g.v[i].ip && again.v[i].prefix == g.v[i].prefix);
		CHECK(strcmp(again.v[i].dir, g.v[i].dir) == 0);
		CHECK(again.v[i].ngroups == g.v[i].ngroups);
		CHECK(again.v[i].nlighthouses == g.v[i].nlighthouses);
		for (size_t k = 0; k < g.v[i].nlighthouses; k++)
			CHECK(same_place(&again.v[i].lighthouses[k], &g.v[i].lighthouses[k]));
	}
	free(text);
	mesh_grants_free(&again);
	mesh_grants_free(&g);
}

/* One --lighthouse value: the input up to its first newline. */
static void check_lighthouse(const uint8_t *data, size_t size)
{
	struct mesh_lighthouse l, back;
	char s[64], out[MESH_LIGHTHOUSE_STR_MAX];
	const char *why = NULL;
	size_t n = 0;

	while (n < size && n < sizeof s - 1 && data[n] != '\n' && data[n] != '\0')
		n++;
	memcpy(s, data, n);
	s[n] = '\0';
	if (mesh_lighthouse_parse(s, &l, &why) < 0) {
		CHECK(why != NULL);
		return;
	}
	CHECK(mesh_lighthouse_host_ok(l.host) && l.port != 0);
	mesh_lighthouse_str(&l, out);
	CHECK(strlen(out) < sizeof out);
	CHECK(mesh_lighthouse_parse(out, &back, &why) == 0 && same_place(&l, &back));
}

static void check_state(const uint8_t *data, size_t size)
{
	struct mesh_machine mm, back;
	char buf[2048];
	int n;

	if (mesh_machine_parse((const char *)data, size, &mm) < 0)
		return;
	CHECK(mesh_name_ok(mm.network));
	CHECK(memchr(mm.groups, '\0', sizeof mm.groups) != NULL);
	n = mesh_machine_format(&mm, buf, sizeof buf);
	CHECK(n > 0);
	CHECK(mesh_machine_parse(buf, (size_t)n, &back) == 0);
	CHECK(back.ip == mm.ip && back.prefix == mm.prefix && back.port == mm.port);
	CHECK(strcmp(back.groups, mm.groups) == 0 && strcmp(back.network, mm.network) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);	/* exact size: ASan sees overreads */

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	check_grants(copy, size);
	check_lighthouse(copy, size);
	check_state(copy, size);
	free(copy);
	return 0;
}

#include "tests/fuzz/replay.h"
