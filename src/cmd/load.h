/* load.h - which spec a command means: an argument, ./pool.yaml,
 * or the embedded default. Shared by run, up and check. */
#ifndef POOL_MACHINE_LOAD_H
#define POOL_MACHINE_LOAD_H

#include <stdbool.h>

#include "spec/spec.h"

/* spec: a path, or NULL for ./pool.yaml when it exists, else the default. */
int machine_load(const char *spec, struct machine *m, struct pool_err *e);

/* Whether an argument names a spec file (ends .yaml, .yml or .json and
 * is a regular file). */
bool looks_like_spec(const char *arg);

/* Keys that are validated but whose behaviour has not arrived yet are
 * refused by run and up, with the key's file:line:col. */
int machine_refuse_unsupported(const struct machine *m, struct pool_err *e);

#endif
