/* machine_load.c - which spec a command means: an argument, ./pool.yaml,
 * or the embedded default. */
#include "machine_load.h"

#include "net/channel.h"

#include <errno.h>
#include <limits.h>
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
	return spec_default(cwd, &env, m, e);
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
	if (m->image != IMAGE_MINIMAL)
		return refuse(m, KEY_IMAGE, "image", image_kind_str(m->image), e);
	if (m->nshares)
		return refuse(m, KEY_SHARES, "shares", "sharing folders", e);
	if (m->nvolumes)
		return refuse(m, KEY_VOLUMES, "volumes", "attaching volumes", e);
	if (m->mesh.set)
		return refuse(m, KEY_MESH, "mesh", "joining a mesh", e);
	if (!m->ephemeral)
		return refuse(m, KEY_EPHEMERAL, "ephemeral", "a persistent root", e);
	return 0;
}
