/* agent_proto.c - agent frame codec and stream reassembler (libc only: also in pool-init). */
#include "frame.h"

#include <stdlib.h>
#include <string.h>

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

const char *agent_type_name(unsigned type)
{
	static const char *const names[] = {
		[AGENT_READY] = "READY",
		[AGENT_EXEC] = "EXEC",
		[AGENT_STDIN] = "STDIN",
		[AGENT_STDOUT] = "STDOUT",
		[AGENT_STDERR] = "STDERR",
		[AGENT_EXIT] = "EXIT",
		[AGENT_SHUTDOWN] = "SHUTDOWN",
		[AGENT_ERROR] = "ERROR",
		[AGENT_STATUS] = "STATUS",
		[AGENT_CONSOLE] = "CONSOLE",
		[AGENT_DOWN] = "DOWN",
		[AGENT_SIGNAL] = "SIGNAL",
	};

	if (type == 0 || type > AGENT_TYPE_MAX)
		return "?";
	return names[type];
}

/* The payload length rules that the header alone can check. */
static int len_check(unsigned type, size_t len, const char **why)
{
	switch (type) {
	case AGENT_READY:
		if (len != AGENT_READY_LEN) {
			*why = "READY payload is not 24 bytes";
			return -1;
		}
		return 0;
	case AGENT_EXEC:
		if (len < AGENT_EXEC_FIXED_LEN) {
			*why = "EXEC payload shorter than 6 bytes";
			return -1;
		}
		return 0;
	case AGENT_EXIT:
		if (len != AGENT_EXIT_LEN) {
			*why = "EXIT payload is not 4 bytes";
			return -1;
		}
		return 0;
	case AGENT_SHUTDOWN:
		if (len != AGENT_SHUTDOWN_LEN) {
			*why = "SHUTDOWN payload is not 1 byte";
			return -1;
		}
		return 0;
	case AGENT_DOWN:
		if (len != AGENT_DOWN_LEN) {
			*why = "DOWN payload is not 4 bytes";
			return -1;
		}
		return 0;
	case AGENT_SIGNAL:
		if (len != AGENT_SIGNAL_LEN) {
			*why = "SIGNAL payload is not 4 bytes";
			return -1;
		}
		return 0;
	case AGENT_STDIN:
	case AGENT_STDOUT:
	case AGENT_STDERR:
	case AGENT_ERROR:
	case AGENT_STATUS:
	case AGENT_CONSOLE:
		return 0;
	default:
		*why = "unknown frame type";
		return -1;
	}
}

void agent_hdr_encode(uint8_t out[AGENT_HDR_LEN], const struct agent_hdr *h)
{
	put_be32(out, h->len);
	put_be16(out + 4, h->type);
	put_be16(out + 6, h->flags);
	put_be32(out + 8, h->sid);
}

int agent_hdr_decode(const uint8_t *buf, size_t n, struct agent_hdr *h, const char **why)
{
	struct agent_hdr d;

	if (n < AGENT_HDR_LEN) {
		*why = "frame header truncated";
		return -1;
	}
	d.len = get_be32(buf);
	d.type = get_be16(buf + 4);
	d.flags = get_be16(buf + 6);
	d.sid = get_be32(buf + 8);
	if (d.type == 0 || d.type > AGENT_TYPE_MAX) {
		*why = "unknown frame type";
		return -1;
	}
	if (d.flags != 0) {
		*why = "reserved frame flags set";
		return -1;
	}
	if (d.len > AGENT_PAYLOAD_MAX) {
		*why = "frame payload too long";
		return -1;
	}
	if (len_check(d.type, d.len, why) < 0)
		return -1;
	if ((d.type == AGENT_READY || d.type == AGENT_SHUTDOWN || d.type == AGENT_STATUS ||
	     d.type == AGENT_CONSOLE || d.type == AGENT_DOWN) && d.sid != 0) {
		*why = "READY/SHUTDOWN/STATUS/CONSOLE/DOWN frame with a session id";
		return -1;
	}
	if (d.type == AGENT_SIGNAL && d.sid == 0) {
		*why = "SIGNAL frame without a session id";
		return -1;
	}
	*h = d;
	return 0;
}

int agent_payload_check(unsigned type, const uint8_t *p, size_t n, const char **why)
{
	int status;
	unsigned mode;

	if (len_check(type, n, why) < 0)
		return -1;
	switch (type) {
	case AGENT_EXEC:
		if (p[0] & ~AGENT_EXEC_FLAGS) {
			*why = "unknown EXEC flags";
			return -1;
		}
		if (p[1] != 0) {
			*why = "reserved EXEC byte set";
			return -1;
		}
		return 0;
	case AGENT_EXIT:
		return agent_exit_decode(p, n, &status, why);
	case AGENT_SHUTDOWN:
		return agent_shutdown_decode(p, n, &mode, why);
	case AGENT_ERROR:
	case AGENT_STATUS:
		if (n > 0 && memchr(p, 0, n)) {
			*why = "NUL byte in ERROR or STATUS text";
			return -1;
		}
		return 0;
	case AGENT_DOWN:
		if (get_be32(p) > AGENT_DOWN_MAX_S) {
			*why = "DOWN timeout past 3600 s";
			return -1;
		}
		return 0;
	case AGENT_SIGNAL:
		if (get_be32(p) == 0 || get_be32(p) > AGENT_SIGNAL_MAX) {
			*why = "SIGNAL number outside 1..64";
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

void agent_reader_init(struct agent_reader *r)
{
	r->have = 0;
	r->off = 0;
	r->err = NULL;
}

size_t agent_reader_feed(struct agent_reader *r, const uint8_t *p, size_t n)
{
	size_t room;

	if (r->err || n == 0)
		return 0;
	if (r->off == r->have) {
		r->off = 0;
		r->have = 0;
	} else if (r->off > 0 && sizeof(r->buf) - r->have < n) {
		memmove(r->buf, r->buf + r->off, r->have - r->off);
		r->have -= r->off;
		r->off = 0;
	}
	room = sizeof(r->buf) - r->have;
	if (n > room)
		n = room;
	if (n > 0) {
		memcpy(r->buf + r->have, p, n);
		r->have += n;
	}
	return n;
}

int agent_reader_next(struct agent_reader *r, struct agent_hdr *h,
		      const uint8_t **payload, const char **why)
{
	struct agent_hdr d;
	size_t avail;

	if (r->err) {
		*why = r->err;
		return -1;
	}
	avail = r->have - r->off;
	if (avail < AGENT_HDR_LEN)
		return 0;
	if (agent_hdr_decode(r->buf + r->off, avail, &d, why) < 0) {
		r->err = *why;
		return -1;
	}
	/* d.len <= AGENT_PAYLOAD_MAX: no overflow. */
	if (avail - AGENT_HDR_LEN < d.len)
		return 0;
	*h = d;
	*payload = r->buf + r->off + AGENT_HDR_LEN;
	r->off += AGENT_HDR_LEN + d.len;
	return 1;
}

long agent_frame_encode(uint8_t *out, size_t cap, uint16_t type, uint32_t sid,
			const void *payload, size_t len)
{
	struct agent_hdr h = { .type = type, .flags = 0, .sid = sid };

	if (len > AGENT_PAYLOAD_MAX || cap < AGENT_HDR_LEN || cap - AGENT_HDR_LEN < len)
		return -1;
	h.len = (uint32_t)len;
	agent_hdr_encode(out, &h);
	if (len > 0)
		memmove(out + AGENT_HDR_LEN, payload, len);
	return (long)(AGENT_HDR_LEN + len);
}

/* argv[0] must not be empty; env entries are KEY=VALUE with a key. */
static bool env_entry_ok(const char *s)
{
	const char *eq = strchr(s, '=');

	return eq && eq != s;
}

long agent_exec_encode(uint8_t *out, size_t cap, const struct agent_exec *x)
{
	const char *cwd = x->cwd ? x->cwd : "";
	size_t i, off, total, lim = cap < AGENT_PAYLOAD_MAX ? cap : AGENT_PAYLOAD_MAX;
	size_t nstr;

	if (x->flags & ~AGENT_EXEC_FLAGS)
		return -1;
	if (x->argc < 1 || x->argc > AGENT_ARGS_MAX || x->envc > AGENT_ARGS_MAX - x->argc)
		return -1;
	if (!x->argv || (x->envc > 0 && !x->env))
		return -1;
	if (!x->argv[0] || !x->argv[0][0])
		return -1;
	nstr = 1 + x->argc + x->envc;

	/* Measure first, stopping as soon as it cannot fit. */
	total = AGENT_EXEC_FIXED_LEN;
	for (i = 0; i < nstr; i++) {
		const char *s;
		size_t l;

		if (i == 0)
			s = cwd;
		else if (i <= x->argc)
			s = x->argv[i - 1];
		else
			s = x->env[i - 1 - x->argc];
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
	off = AGENT_EXEC_FIXED_LEN;
	for (i = 0; i < nstr; i++) {
		const char *s;
		size_t l;

		if (i == 0)
			s = cwd;
		else if (i <= x->argc)
			s = x->argv[i - 1];
		else
			s = x->env[i - 1 - x->argc];
		l = strlen(s) + 1;
		memcpy(out + off, s, l);
		off += l;
	}
	return (long)off;
}

int agent_exec_decode(const uint8_t *p, size_t n, struct agent_exec *x, const char **why)
{
	size_t argc, envc, nstr, nul, i, off;
	const char **argv = NULL, **env = NULL;
	const char *cwd;

	memset(x, 0, sizeof(*x));
	if (n < AGENT_EXEC_FIXED_LEN) {
		*why = "EXEC payload shorter than 6 bytes";
		return -1;
	}
	if (n > AGENT_PAYLOAD_MAX) {
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
	for (off = AGENT_EXEC_FIXED_LEN; off < n; off++)
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
	off = AGENT_EXEC_FIXED_LEN;
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
