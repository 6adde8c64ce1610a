/* load.c - which spec a command means: an argument, ./pool.yaml,
 * or the embedded default. */
#include "load.h"

#include "net/channel.h"
#include "supervise/state.h"
#include "common/parse.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool looks_like_spec(const char *arg)
{
	size_t n = strlen(arg);
	struct stat st;

	if (!((n > 5 && strcmp(arg + n - 5, ".yaml") == 0) ||
	      (n > 4 && strcmp(arg + n - 4, ".yml") == 0) ||
	      (n > 5 && strcmp(arg + n - 5, ".json") == 0)))
		return false;
	return stat(arg, &st) == 0 && S_ISREG(st.st_mode);
}

static int subnet_of(const char *channel, uint32_t *net, unsigned *prefix, void *ctx)
{
	(void)ctx;
	return channel_subnet(channel, net, prefix);
}

/* The embedded default has no address: take the first free one of the
 * channel's subnet from .2 on. */
static int assign_address(struct machine *m, struct pool_err *e)
{
	const char *state = state_root();
	uint32_t net = POOL_DEFAULT_SUBNET;
	unsigned prefix = POOL_DEFAULT_PREFIX;

	channel_subnet(m->channel, &net, &prefix);
	for (uint32_t a = net + 2; a < net + (uint32_t)(1u << (32 - prefix)) - 1; a++) {
		if (!state_address_taken(state, a)) {
			m->address = a;
			m->has_address = true;
			return 0;
		}
	}
	return pool_err_fail(e, "channel %s: no free address left for %s", m->channel, m->name);
}

int machine_load(const char *spec, struct machine *m, struct pool_err *e)
{
	struct spec_env env = { .subnet_of = subnet_of };
	char cwd[PATH_MAX];
	struct stat st;

	if (spec)
		return spec_load(spec, &env, m, e);
	if (stat("pool.yaml", &st) == 0)
		return spec_load("pool.yaml", &env, m, e);
	if (!getcwd(cwd, sizeof cwd))
		return pool_err_sys(e, "getcwd");
	if (spec_default(cwd, &env, m, e) < 0)
		return -1;
	if (m->network != NET_NONE && !m->has_address && assign_address(m, e) < 0) {
		machine_free(m);
		return -1;
	}
	return 0;
}

static int refuse(const struct machine *m, enum spec_key k, const char *key,
		  const char *what, struct pool_err *e)
{
	const struct spec_pos *pos = &m->pos[k];

	if (pos->line)
		return pool_err_usage(e, "%s:%d:%d: %s: %s is not supported yet", m->file,
				      pos->line, pos->col, key, what);
	return pool_err_usage(e, "%s: %s: %s is not supported yet", m->file, key, what);
}

int machine_refuse_unsupported(const struct machine *m, struct pool_err *e)
{
	if (m->image != IMAGE_MINIMAL && m->image != IMAGE_HOST && m->image != IMAGE_NIXOS)
		return refuse(m, KEY_IMAGE, "image", image_kind_str(m->image), e);
	if (m->mesh.set)
		return refuse(m, KEY_MESH, "mesh", "joining a mesh", e);
	if (!m->ephemeral)
		return refuse(m, KEY_EPHEMERAL, "ephemeral", "a persistent root", e);
	return 0;
}
