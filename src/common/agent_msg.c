/* agent_msg.c - the agent's payload codecs: EXEC, READY, EXIT, WINSIZE,
 * SHUTDOWN, MESH_FILES (libc only: also in pool-init). */
#include "agent_msg.h"

#include <stdlib.h>
#include <string.h>

#include "be.h"

static bool env_entry_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq != s;
}

/* The EXEC payload's strings in order: cwd, argv, env. */
static const char *exec_str(const struct agent_exec *x, const char *cwd, size_t i)
{
	if (i == 0)
		return cwd;
	if (i <= x->argc)
		return x->argv[i - 1];
	return x->env[i - 1 - x->argc];
}

long agent_exec_encode(uint8_t *out, size_t cap, const struct agent_exec *x)
{
	const char *cwd = x->cwd ? x->cwd : "";
	size_t i, off, total, lim = cap < FRAME_PAYLOAD_MAX ? cap : FRAME_PAYLOAD_MAX;
	size_t nstr, fixed = AGENT_EXEC_FIXED_LEN;

	if (x->flags & ~AGENT_EXEC_FLAGS)
		return -1;
	if (x->flags & AGENT_EXEC_WINSIZE) {
		if (!(x->flags & AGENT_EXEC_TTY) || lim < fixed + AGENT_WINSIZE_LEN ||
		    agent_winsize_encode(out + fixed, &x->ws) < 0)
			return -1;
		fixed += AGENT_WINSIZE_LEN;
	}
	if (x->argc < 1 || x->argc > AGENT_ARGS_MAX || x->envc > AGENT_ARGS_MAX - x->argc)
		return -1;
	if (!x->argv || (x->envc > 0 && !x->env))
		return -1;
	if (!x->argv[0] || !x->argv[0][0])
		return -1;
	nstr = 1 + x->argc + x->envc;

	/* Measure first, stopping as soon as it cannot fit. */
	total = fixed;
	for (i = 0; i < nstr; i++) {
		const char *s = exec_str(x, cwd, i);
		size_t l;

		if (!s)
			return -1;
		if (i > x->argc && !env_entry_ok(s))
			return -1;
		l = strnlen(s, lim) + 1;
		if (l > lim || total > lim - l)
			return -1;
		total += l;
	}

	out[0] = x->flags;
	out[1] = 0;
	put_be16(out + 2, (uint16_t)x->argc);
	put_be16(out + 4, (uint16_t)x->envc);
	off = fixed;	/* the window size is in place already */
	for (i = 0; i < nstr; i++) {
		const char *s = exec_str(x, cwd, i);
		size_t l = strlen(s) + 1;

		memcpy(out + off, s, l);
		off += l;
	}
	return (long)off;
}

int agent_exec_decode(const uint8_t *p, size_t n, struct agent_exec *x, const char **why)
{
	size_t argc, envc, nstr, nul, i, off, fixed = AGENT_EXEC_FIXED_LEN;
	const char **argv = NULL, **env = NULL;
	struct agent_winsize ws = { 0, 0 };
	const char *cwd;

	memset(x, 0, sizeof(*x));
	if (n < AGENT_EXEC_FIXED_LEN) {
		*why = "EXEC payload shorter than 6 bytes";
		return -1;
	}
	if (n > FRAME_PAYLOAD_MAX) {
		*why = "EXEC payload too long";
		return -1;
	}
	if (p[0] & ~AGENT_EXEC_FLAGS) {
		*why = "unknown EXEC flags";
		return -1;
	}
	if (p[1] != 0) {
		*why = "reserved EXEC byte set";
		return -1;
	}
	if (p[0] & AGENT_EXEC_WINSIZE) {
		if (!(p[0] & AGENT_EXEC_TTY)) {
			*why = "EXEC with a window size but no terminal";
			return -1;
		}
		if (n < fixed + AGENT_WINSIZE_LEN) {
			*why = "EXEC shorter than its window size";
			return -1;
		}
		if (agent_winsize_decode(p + fixed, AGENT_WINSIZE_LEN, &ws, why) < 0)
			return -1;
		fixed += AGENT_WINSIZE_LEN;
	}
	argc = get_be16(p + 2);
	envc = get_be16(p + 4);
	if (argc < 1) {
		*why = "EXEC without argv";
		return -1;
	}
	if (argc + envc > AGENT_ARGS_MAX) {
		*why = "EXEC with too many arguments";
		return -1;
	}
	nstr = 1 + argc + envc;

	/* Count the strings before trusting argc/envc for anything. */
	nul = 0;
	for (off = fixed; off < n; off++)
		if (p[off] == 0)
			nul++;
	if (nul < nstr) {
		*why = p[n - 1] != 0 && nul + 1 == nstr ? "EXEC string not NUL-terminated"
							 : "EXEC has fewer strings than argc + envc + 1";
		return -1;
	}
	if (nul > nstr) {
		*why = "EXEC has more strings than argc + envc + 1";
		return -1;
	}
	if (p[n - 1] != 0) {
		*why = "EXEC has bytes after the last string";
		return -1;
	}

	/* Exactly nstr strings, the last one ending at p[n - 1]. */
	off = fixed;
	cwd = (const char *)p + off;
	off += strlen(cwd) + 1;
	if (p[off] == 0) {
		*why = "EXEC with an empty argv[0]";
		return -1;
	}
	argv = calloc(argc + 1, sizeof(*argv));
	env = calloc(envc + 1, sizeof(*env));
	if (!argv || !env) {
		*why = "out of memory";
		goto fail;
	}
	for (i = 0; i < argc; i++) {
		argv[i] = (const char *)p + off;
		off += strlen(argv[i]) + 1;
	}
	for (i = 0; i < envc; i++) {
		env[i] = (const char *)p + off;
		if (!env_entry_ok(env[i])) {
			*why = "EXEC env entry is not KEY=VALUE";
			goto fail;
		}
		off += strlen(env[i]) + 1;
	}
	x->flags = p[0];
	x->ws = ws;
	x->cwd = cwd;
	x->argv = argv;
	x->argc = argc;
	x->env = env;
	x->envc = envc;
	return 0;
fail:
	free(argv);
	free(env);
	return -1;
}

void agent_exec_free(struct agent_exec *x)
{
	free(x->argv);
	free(x->env);
	x->argv = NULL;
	x->env = NULL;
	x->argc = 0;
	x->envc = 0;
}

void agent_ready_encode(uint8_t out[AGENT_READY_LEN], const struct agent_ready *r)
{
	put_be64(out, r->init_ns);
	put_be64(out + 8, r->modules_ns);
	put_be64(out + 16, r->ready_ns);
}

int agent_ready_decode(const uint8_t *p, size_t n, struct agent_ready *r, const char **why)
{
	if (n != AGENT_READY_LEN) {
		*why = "READY payload is not 24 bytes";
		return -1;
	}
	r->init_ns = get_be64(p);
	r->modules_ns = get_be64(p + 8);
	r->ready_ns = get_be64(p + 16);
	return 0;
}

int agent_exit_encode(uint8_t out[AGENT_EXIT_LEN], int status)
{
	if (status < 0 || status > 255)
		return -1;
	put_be32(out, (uint32_t)status);
	return 0;
}

int agent_exit_decode(const uint8_t *p, size_t n, int *status, const char **why)
{
	uint32_t v;

	if (n != AGENT_EXIT_LEN) {
		*why = "EXIT payload is not 4 bytes";
		return -1;
	}
	v = get_be32(p);
	if (v > 255) {
		*why = "EXIT status out of range 0..255";
		return -1;
	}
	*status = (int)v;
	return 0;
}

int agent_winsize_encode(uint8_t out[AGENT_WINSIZE_LEN], const struct agent_winsize *w)
{
	if (w->rows < 1 || w->rows > AGENT_WINSIZE_MAX || w->cols < 1 || w->cols > AGENT_WINSIZE_MAX)
		return -1;
	put_be16(out, w->rows);
	put_be16(out + 2, w->cols);
	return 0;
}

int agent_winsize_decode(const uint8_t *p, size_t n, struct agent_winsize *w, const char **why)
{
	uint16_t rows, cols;

	if (n != AGENT_WINSIZE_LEN) {
		*why = "WINSIZE payload is not 4 bytes";
		return -1;
	}
	rows = get_be16(p);
	cols = get_be16(p + 2);
	if (rows < 1 || rows > AGENT_WINSIZE_MAX || cols < 1 || cols > AGENT_WINSIZE_MAX) {
		*why = "WINSIZE rows or columns outside 1..9999";
		return -1;
	}
	w->rows = rows;
	w->cols = cols;
	return 0;
}

int agent_shutdown_decode(const uint8_t *p, size_t n, unsigned *mode, const char **why)
{
	if (n != AGENT_SHUTDOWN_LEN) {
		*why = "SHUTDOWN payload is not 1 byte";
		return -1;
	}
	if (p[0] != AGENT_SHUTDOWN_POWEROFF && p[0] != AGENT_SHUTDOWN_REBOOT) {
		*why = "unknown SHUTDOWN mode";
		return -1;
	}
	*mode = p[0];
	return 0;
}

const char *const agent_mesh_file_name[AGENT_MESH_NFILES] = {
	[AGENT_MESH_CA] = "ca.crt",
	[AGENT_MESH_CERT] = "host.crt",
	[AGENT_MESH_KEY] = "host.key",
	[AGENT_MESH_CONFIG] = "config.yml",
};

/* One file's rules: its length, text only, the banner its kind starts with. */
static const char *mesh_file_check(unsigned i, const uint8_t *d, size_t n)
{
	const char *begin = i == AGENT_MESH_KEY ? AGENT_MESH_KEY_BEGIN
			    : i == AGENT_MESH_CONFIG ? NULL : AGENT_MESH_CERT_BEGIN;

	if (n == 0)
		return "MESH_FILES: an empty file";
	if (n > AGENT_MESH_FILE_MAX)
		return "MESH_FILES: a file longer than 16000 bytes";
	for (size_t k = 0; k < n; k++)
		if ((d[k] < 0x20 || d[k] > 0x7e) && d[k] != '\n' && d[k] != '\t')
			return "MESH_FILES: a byte that is not text";
	if (begin && (n < strlen(begin) || memcmp(d, begin, strlen(begin)) != 0))
		return i == AGENT_MESH_KEY ? "MESH_FILES: host.key is not a nebula key"
					   : "MESH_FILES: a certificate without nebula's banner";
	return NULL;
}

long agent_mesh_files_encode(uint8_t *out, size_t cap, const struct agent_mesh_files *f)
{
	size_t off = 8;

	if (f->signed_at == 0 || f->signed_at > AGENT_MESH_TIME_MAX || cap < 8)
		return -1;
	put_be64(out, f->signed_at);

	for (unsigned i = 0; i < AGENT_MESH_NFILES; i++) {
		if (!f->data[i] || mesh_file_check(i, f->data[i], f->len[i]))
			return -1;
		/* len <= AGENT_MESH_FILE_MAX: no overflow */
		if (cap - off < 4 || cap - off - 4 < f->len[i])
			return -1;
		put_be32(out + off, (uint32_t)f->len[i]);
		memcpy(out + off + 4, f->data[i], f->len[i]);
		off += 4 + f->len[i];
	}
	return off > FRAME_PAYLOAD_MAX ? -1 : (long)off;
}

int agent_mesh_files_decode(const uint8_t *p, size_t n, struct agent_mesh_files *f, const char **why)
{
	size_t off = 8;

	memset(f, 0, sizeof *f);
	if (n > FRAME_PAYLOAD_MAX) {
		*why = "MESH_FILES payload too long";
		return -1;
	}
	if (n < 8) {
		*why = "MESH_FILES payload truncated";
		return -1;
	}
	f->signed_at = get_be64(p);
	if (f->signed_at == 0 || f->signed_at > AGENT_MESH_TIME_MAX) {
		*why = "MESH_FILES signing time out of range";
		goto fail;
	}
	for (unsigned i = 0; i < AGENT_MESH_NFILES; i++) {
		uint32_t len;
		const char *bad;

		if (n - off < 4) {
			*why = "MESH_FILES payload truncated";
			goto fail;
		}
		len = get_be32(p + off);
		off += 4;
		if (len > n - off) {
			*why = "MESH_FILES file longer than the payload";
			goto fail;
		}
		bad = mesh_file_check(i, p + off, len);
		if (bad) {
			*why = bad;
			goto fail;
		}
		f->data[i] = p + off;
		f->len[i] = len;
		off += len;
	}
	if (off != n) {
		*why = "MESH_FILES has bytes after the last file";
		goto fail;
	}
	return 0;
fail:
	memset(f, 0, sizeof *f);
	return -1;
}
