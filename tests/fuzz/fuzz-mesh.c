/* fuzz-mesh.c - fuzz the grants parser (a root file, but its folders came
 * from a command line) and a machine's mesh state file: what parses is
 * well formed and reads back the same after formatting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/mesh/mesh.h"
#include "src/common/names.h"
#include "tests/fuzz/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		CHECK(mesh_grant_find(&g, gr->dir) == gr);
	}
	text = mesh_grants_format(&g);
	CHECK(text != NULL);
	CHECK(mesh_grants_parse(text, strlen(text), &again, &why, &line) == 0);
	CHECK(again.n == g.n);
	for (size_t i = 0; i < g.n; i++) {
		CHECK(again.v[i].ip == g.v[i].ip && again.v[i].prefix == g.v[i].prefix);
		CHECK(strcmp(again.v[i].dir, g.v[i].dir) == 0);
		CHECK(again.v[i].ngroups == g.v[i].ngroups);
	}
	free(text);
	mesh_grants_free(&again);
	mesh_grants_free(&g);
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
	check_state(copy, size);
	free(copy);
	return 0;
}

#include "tests/fuzz/replay.h"
