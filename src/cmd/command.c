/* command.c - what pool run and pool exec share about the command they
 * run in the guest: -e, --env-file, -w, -t and -T, the environment made
 * of them, and the terminal (command.h). */
#include "cmd/command.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/usage.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/tty.h"
#include "util/user.h"

#define ENV_FILE_MAX (1u << 20)
#define ENV_VALUE_MAX 4096

int command_option(int argc, char **argv, int *i, const char *cmd, struct command_opts *o,
		   struct pool_err *e)
{
	const char *v;
	bool missing = false;

	if (strcmp(argv[*i], "-t") == 0 || strcmp(argv[*i], "-T") == 0) {
		char t = argv[*i][1];

		if (o->tty && o->tty != t)
			return pool_err_usage(e, "%s: -t and -T: a terminal, or none?", cmd);
		o->tty = t;
		return 1;
	}
	if ((v = cmd_option(argc, argv, i, "-w", &missing))) {
		if (v[0] != '/')
			return pool_err_usage(e, "%s: -w %s: an absolute path in the guest", cmd, v);
		o->workdir = v;
	} else if (!missing && (v = cmd_option(argc, argv, i, "-e", &missing))) {
		if (o->nenv == COMMAND_ENV_MAX)
			return pool_err_usage(e, "%s: -e: at most %d", cmd, COMMAND_ENV_MAX);
		o->env[o->nenv++] = v;
	} else if (!missing && (v = cmd_option(argc, argv, i, "--env-file", &missing))) {
		if (o->env_file)
			return pool_err_usage(e, "%s: --env-file given twice", cmd);
		o->env_file = v;
	}
	if (missing)
		return pool_err_usage(e, "%s: %s needs a value", cmd, argv[*i]);
	return v ? 1 : 0;
}

int command_terminal(const struct command_opts *o, const char *cmd, uint8_t *flags, struct agent_winsize *ws,
		     struct pool_err *e)
{
	bool in = isatty(0), out = isatty(1);

	*flags = 0;
	if (o->tty == 'T' || (!o->tty && !(in && out)))
		return 0;
	if (!in && !out)
		return pool_err_usage(e, "%s: -t: neither stdin nor stdout is a terminal", cmd);
	*flags = AGENT_EXEC_TTY;
	if (tty_size(in ? 0 : 1, &ws->rows, &ws->cols))
		*flags |= AGENT_EXEC_WINSIZE;
	return 0;
}

/* A name an environment may hold: [A-Za-z_][A-Za-z0-9_]*. */
static bool env_name(const char *s, size_t n)
{
	if (n == 0 || n > 255 || !((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* "VAR=VALUE" as given, or "VAR" taken from pool's own environment. */
static int env_add(char ***env, size_t *nenv, const char *item, const char *where, struct pool_err *e)
{
	const char *eq = strchr(item, '=');
	size_t n = eq ? (size_t)(eq - item) : strlen(item);
	char **nv;
	char *one;

	if (!env_name(item, n))
		return pool_err_usage(e, "%s: \"%.*s\" is not a variable name", where, (int)(n > 60 ? 60 : n), item);
	if (strlen(item) > ENV_VALUE_MAX)
		return pool_err_usage(e, "%s: %.*s: the value is longer than %u bytes", where, (int)n, item,
				      ENV_VALUE_MAX);
	if (!eq) {
		const char *v = getenv(item);

		if (!v)
			return pool_err_usage(e, "%s: %s is not set here (sudo resets the environment: sudo -E, or sudo --preserve-env=%s, keeps it)",
					      where, item, item);
		if (asprintf(&one, "%s=%s", item, v) < 0)
			return pool_err_sys(e, "-e");
	} else if (!(one = strdup(item))) {
		return pool_err_sys(e, "-e");
	}
	for (size_t i = 0; i < *nenv; i++) {
		if (strncmp((*env)[i], one, n + 1) == 0) {	/* given twice: the last wins */
			free((*env)[i]);
			(*env)[i] = one;
			return 0;
		}
	}
	nv = realloc(*env, (*nenv + 2) * sizeof *nv);
	if (!nv) {
		free(one);
		return pool_err_sys(e, "-e");
	}
	*env = nv;
	nv[(*nenv)++] = one;
	nv[*nenv] = NULL;
	return 0;
}

static int open_env_file(void *arg, struct pool_err *e)
{
	int fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return pool_err_set(e, POOL_EXIT_USAGE, errno, "--env-file %s", (const char *)arg);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pool_err_usage(e, "--env-file %s: not a regular file", (const char *)arg);
	}
	return fd;
}

/* docker's env-file: VAR=VALUE or VAR a line, # comments, blank lines. */
static int env_file(const char *file, char ***env, size_t *nenv, struct pool_err *e)
{
	_cleanup_free_ char *text = NULL;
	const struct pool_user *u;
	_cleanup_close_ int fd = -1;
	char *line, where[PATH_MAX + 32];
	size_t len;
	int no = 0;

	if (pool_user_get(&u, e) < 0 || (fd = run_as_user(u, open_env_file, (void *)file, e)) < 0)
		return -1;
	fcntl(fd, F_SETFL, 0);
	if (read_fd(fd, file, ENV_FILE_MAX, &text, &len, e) < 0)
		return -1;
	if (memchr(text, '\0', len))
		return pool_err_usage(e, "--env-file %s: holds a NUL byte", file);
	for (char *p = text; (line = strsep(&p, "\n")); ) {
		no++;
		line[strcspn(line, "\r")] = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		snprintf(where, sizeof where, "%s:%d", file, no);
		if (env_add(env, nenv, line, where, e) < 0)
			return -1;
	}
	return 0;
}

int command_env(const struct command_opts *o, char ***env, size_t *nenv, struct pool_err *e)
{
	const char *term = getenv("TERM");

	*env = NULL;
	*nenv = 0;
	if (term && strlen(term) < 100 && !strchr(term, '=') && !strpbrk(term, "\n\r\t") &&
	    env_add(env, nenv, "TERM", "TERM", e) < 0)
		goto fail;
	if (o->env_file && env_file(o->env_file, env, nenv, e) < 0)
		goto fail;
	for (size_t i = 0; i < o->nenv; i++)
		if (env_add(env, nenv, o->env[i], "-e", e) < 0)
			goto fail;
	return 0;
fail:
	command_env_free(env, nenv);
	return -1;
}

void command_env_free(char ***env, size_t *nenv)
{
	for (size_t i = 0; *env && i < *nenv; i++)
		free((*env)[i]);
	free(*env);
	*env = NULL;
	*nenv = 0;
}
