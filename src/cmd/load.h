/* load.h - which spec a command means: a file named on the command line,
 * the nearest pool.yaml up to the repository's root, or the embedded
 * default; and the folders the command line grants beyond the spec's.
 * Shared by run, up and check. */
#ifndef POOL_MACHINE_LOAD_H
#define POOL_MACHINE_LOAD_H

#include <stdbool.h>

#include "spec/spec.h"
#include "util/beneath.h"

#define LOAD_GRANTS_MAX 16

/* --allow-path folders, opened once as the invoking user, and the
 * trusted Nix store; allow[] names them for the spec's checks. allow_lan:
 * --allow-lan (set by the caller after load_grants). */
struct load_grants {
	struct path_grants g;
	const char *allow[2 * LOAD_GRANTS_MAX + 1];
	size_t n;
	bool allow_lan;
};

int load_grants(const char *const *dirs, size_t n, struct load_grants *lg, struct pool_err *e);
void load_grants_free(struct load_grants *lg);

/* spec: a path (it must exist), or NULL: the nearest pool.yaml or
 * pool.yml from the current folder up to the repository's root (both in
 * one folder is refused), else the embedded default, which refuses to
 * share a home folder or one that holds .ssh and the like, and says it is
 * in use. */
int machine_load(const char *spec, const struct load_grants *lg, struct machine *m,
		 struct pool_err *e);

/* Whether an argument names a spec file by its name (.yaml, .yml, .json). */
bool names_spec_file(const char *arg);

/* Keys that are validated but whose behaviour has not arrived yet are
 * refused by run and up, with the key's file:line:col. */
int machine_refuse_unsupported(const struct machine *m, struct pool_err *e);

#endif
