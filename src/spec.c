/* spec.c - parse and validate a machine spec (YAML 1.2 or JSON) into a struct machine. */
#include "spec.h"

#include <crypt.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/fsutil.h"
#include "util/log.h"
#include "util/parse.h"

#define SPEC_FILE_MAX (1u << 20)
#define SPEC_DEPTH_MAX 16
#define SPEC_NODES_MAX 20000
#define SPEC_STRING_MAX 8192
#define SPEC_CMDLINE_MAX 1024
#define SPEC_USERS_MAX 64
#define SPEC_KEYS_MAX 64
#define SPEC_SHARES_MAX 64
#define SPEC_VOLUMES_MAX 64
#define SPEC_ALLOW_MAX 256
#define SPEC_GROUPS_MAX 64
#define SPEC_VOLUME_MIN (1ULL << 20)
#define SPEC_VOLUME_MAX (1ULL << 46)

/* The YAML document as a small tree of our own: libfyaml's event parser
 * gives every node's position, and we refuse what we do not want
 * (aliases, anchors, tags, a second document) before looking at values. */
enum ykind { Y_SCALAR, Y_MAP, Y_SEQ, Y_ALIAS };

struct ynode {
	enum ykind kind;
	bool plain;		/* scalar written without quotes or block style */
	bool has_nul;		/* scalar text holds a NUL byte */
	int line, col;		/* 1-based */
	int parent;		/* -1: the root */
	int key;		/* map keys and values: the key node; -1 otherwise */
	int index;		/* sequence items: their position */
	int first, last, next;	/* children; a map's are key, value, key, value... */
	size_t n;
	char *text;		/* scalars: NUL-terminated copy */
	size_t len;
};

struct ydoc {
	struct ynode *v;
	size_t n, cap;
};

struct ctx {
	const char *file, *dir;
	const struct spec_env *env;
	struct pool_err *e;
	struct ydoc *d;
	struct machine *m;
	int pass_node[SPEC_USERS_MAX];	/* per role: its `pass:` value, or -1 */
};

static void ydoc_free(struct ydoc *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].text) {
			/* a `pass:` may be among them */
			explicit_bzero(d->v[i].text, d->v[i].len);
			free(d->v[i].text);
		}
	}
	free(d->v);
	memset(d, 0, sizeof *d);
}

/* ---- messages ---- */

/* User text in a one-line message: escaped, and cut when long. */
static const char *show(const char *s, size_t len, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i >= 60) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		} else {
			buf[o++] = (char)ch;
		}
	}
	buf[o] = '\0';
	return buf;
}

static bool simple_word(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 60)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Append one key or index of a key path. */
static void path_add(char *buf, size_t size, const struct ydoc *d, int n)
{
	const struct ynode *y = &d->v[n];
	size_t o = strlen(buf);
	char tmp[300];

	if (o + 1 >= size || y->parent < 0)
		return;
	if (d->v[y->parent].kind == Y_SEQ) {
		snprintf(buf + o, size - o, "[%d]", y->index);
		return;
	}
	{
		const struct ynode *k = &d->v[y->key];

		if (k->kind != Y_SCALAR)
			snprintf(tmp, sizeof tmp, "?");
		else if (simple_word(k->text, k->len))
			snprintf(tmp, sizeof tmp, "%s", k->text);
		else {
			char s[256];

			snprintf(tmp, sizeof tmp, "\"%s\"", show(k->text, k->len, s, sizeof s));
		}
	}
	snprintf(buf + o, size - o, "%s%s", o ? "." : "", tmp);
}

static void node_path(const struct ydoc *d, int n, char *buf, size_t size)
{
	int chain[SPEC_DEPTH_MAX + 2];
	int depth = 0, i;

	buf[0] = '\0';
	for (i = n; i >= 0 && depth < (int)ARRAY_SIZE(chain); i = d->v[i].parent)
		chain[depth++] = i;
	while (depth-- > 0)
		path_add(buf, size, d, chain[depth]);
}

/* "FILE:LINE:COL: PATH[.sub]: what" at node n. */
static int vfail(struct ctx *c, int n, const char *sub, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static int vfail(struct ctx *c, int n, const char *sub, const char *fmt, va_list ap)
{
	char path[512], what[800];
	int line = 1, col = 1;

	vsnprintf(what, sizeof what, fmt, ap);
	path[0] = '\0';
	if (n >= 0) {
		node_path(c->d, n, path, sizeof path);
		line = c->d->v[n].line;
		col = c->d->v[n].col;
	}
	if (sub) {
		size_t o = strlen(path);

		snprintf(path + o, sizeof path - o, "%s%s", o ? "." : "", sub);
	}
	if (path[0])
		return pool_err_usage(c->e, "%s:%d:%d: %s: %s", c->file, line, col, path, what);
	return pool_err_usage(c->e, "%s:%d:%d: %s", c->file, line, col, what);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct ctx *c, int n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, n, NULL, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 4, 5)))
static int fail_sub(struct ctx *c, int n, const char *sub, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, n, sub, fmt, ap);
	va_end(ap);
	return r;
}

static int fail_oom(struct ctx *c)
{
	return pool_err_set(c->e, POOL_EXIT_FAIL, ENOMEM, "%s", c->file);
}

/* ---- building the tree from libfyaml's events ---- */

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
	(void)diag;
	(void)user;
	(void)buf;
	(void)len;
}

static int ynode_add(struct ctx *c, enum ykind kind, int parent, const struct fy_mark *mk)
{
	struct ydoc *d = c->d;
	struct ynode *y;
	int idx;

	if (d->n >= SPEC_NODES_MAX)
		return -2;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 64;
		struct ynode *nv = realloc(d->v, ncap * sizeof *nv);

		if (!nv)
			return -1;
		d->v = nv;
		d->cap = ncap;
	}
	idx = (int)d->n++;
	y = &d->v[idx];
	memset(y, 0, sizeof *y);
	y->kind = kind;
	y->parent = parent;
	y->key = -1;
	y->first = y->last = y->next = -1;
	if (mk) {
		y->line = mk->line + 1;
		y->col = mk->column + 1;
	} else if (idx > 0) {
		/* an empty value has no mark: point at what came before (its key) */
		y->line = d->v[idx - 1].line;
		y->col = d->v[idx - 1].col;
	} else {
		y->line = y->col = 1;
	}
	if (parent >= 0) {
		struct ynode *p = &d->v[parent];

		if (p->kind == Y_SEQ)
			y->index = (int)p->n;
		else
			y->key = (p->n % 2 == 0) ? idx : p->last;
		if (p->last >= 0)
			d->v[p->last].next = idx;
		else
			p->first = idx;
		p->last = idx;
		p->n++;
	}
	return idx;
}

/* A scalar's text, unescaped and copied. NULL token: the empty scalar.
 * (libfyaml 0.7.12 leaks a small buffer here for a single-quoted scalar
 * that starts with '' escapes; its token iterator, the other way to read
 * the text, returns wrong bytes, so we live with the leak.) */
static char *token_text(struct fy_token *t, size_t *lenp)
{
	const char *text = t ? fy_token_get_text(t, lenp) : NULL;
	char *buf;

	if (!text)
		*lenp = 0;
	buf = malloc(*lenp + 1);
	if (!buf)
		return NULL;
	if (*lenp)
		memcpy(buf, text, *lenp);
	buf[*lenp] = '\0';
	return buf;
}

static int yaml_error(struct ctx *c, struct fy_diag *diag)
{
	struct fy_diag_error *de;
	void *it = NULL;
	char msg[300];

	de = fy_diag_errors_iterate(diag, &it);
	if (!de || !de->msg)
		return pool_err_usage(c->e, "%s: not valid YAML", c->file);
	show(de->msg, strlen(de->msg), msg, sizeof msg);
	return pool_err_usage(c->e, "%s:%d:%d: %s", c->file,
			      de->line > 0 ? de->line : 1, de->column > 0 ? de->column : 1, msg);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t l, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		l = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		l = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		l = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < l)
		return 0;
	for (i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((l == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (l == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return l;
}

/* YAML streams are printable UTF-8 text; anything else is refused before
 * libfyaml sees it (its scanner has looped forever on invalid UTF-8). */
static int check_text(struct ctx *c, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	int line = 1, col = 1;
	size_t i = 0, l;

	while (i < len) {
		if (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return pool_err_usage(c->e, "%s:%d:%d: control character 0x%02x in the text",
					      c->file, line, col, s[i]);
		if (s[i] == 0x7f)
			return pool_err_usage(c->e, "%s:%d:%d: control character 0x7f in the text",
					      c->file, line, col);
		l = utf8_len(s + i, len - i);
		if (!l)
			return pool_err_usage(c->e, "%s:%d:%d: not valid UTF-8 text", c->file, line, col);
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += l;
	}
	return 0;
}

static int build_tree(struct ctx *c, const char *text, size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_parse_cfg cfg;
	struct fy_diag *diag;
	struct fy_parser *fyp = NULL;
	struct fy_event *ev;
	int stack[SPEC_DEPTH_MAX + 1];
	int depth = 0, docs = 0, r = 0;

	if (check_text(c, text, len) < 0)
		return -1;
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = diag_discard;
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return fail_oom(c);
	fy_diag_set_collect_errors(diag, true);

	memset(&cfg, 0, sizeof cfg);
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_DISABLE_RECYCLING |
		(ends_with(c->file, ".json") ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE);
	cfg.diag = diag;
	fyp = fy_parser_create(&cfg);
	if (!fyp || fy_parser_set_string(fyp, text, len) < 0) {
		r = fail_oom(c);
		goto out;
	}

	while ((ev = fy_parser_parse(fyp))) {
		const struct fy_mark *mk = fy_event_start_mark(ev);
		int parent = depth ? stack[depth - 1] : -1;
		struct fy_token *anchor = NULL, *tag = NULL;
		enum ykind kind = Y_SCALAR;
		int n = -1;

		switch (ev->type) {
		case FYET_DOCUMENT_START:
			if (++docs > 1) {
				r = pool_err_usage(c->e, "%s:%d:%d: only one YAML document is allowed",
						   c->file, mk ? mk->line + 1 : 1,
						   mk ? mk->column + 1 : 1);
			}
			break;
		case FYET_MAPPING_START:
		case FYET_SEQUENCE_START:
			kind = ev->type == FYET_MAPPING_START ? Y_MAP : Y_SEQ;
			anchor = kind == Y_MAP ? ev->mapping_start.anchor : ev->sequence_start.anchor;
			tag = kind == Y_MAP ? ev->mapping_start.tag : ev->sequence_start.tag;
			/* fall through */
		case FYET_SCALAR:
		case FYET_ALIAS:
			if (ev->type == FYET_SCALAR) {
				anchor = ev->scalar.anchor;
				tag = ev->scalar.tag;
			} else if (ev->type == FYET_ALIAS) {
				kind = Y_ALIAS;
			}
			if (parent < 0 && c->d->n > 0) {
				r = pool_err_usage(c->e, "%s: only one YAML document is allowed", c->file);
				break;
			}
			n = ynode_add(c, kind, parent, mk);
			if (n == -1) {
				r = fail_oom(c);
				break;
			}
			if (n == -2) {
				r = fail(c, parent, "too many values (at most %d)", SPEC_NODES_MAX);
				break;
			}
			if (kind == Y_ALIAS) {
				r = fail(c, n, "anchors and aliases are not allowed");
				break;
			}
			if (anchor) {
				r = fail(c, n, "anchors and aliases are not allowed");
				break;
			}
			if (tag) {
				r = fail(c, n, "tags are not allowed");
				break;
			}
			if (kind == Y_SCALAR) {
				struct ynode *y = &c->d->v[n];

				y->plain = fy_event_get_node_style(ev) == FYNS_PLAIN ||
					   !ev->scalar.value;
				/* libfyaml marks a quoted scalar after its quote */
				if ((fy_event_get_node_style(ev) == FYNS_SINGLE_QUOTED ||
				     fy_event_get_node_style(ev) == FYNS_DOUBLE_QUOTED) && y->col > 1)
					y->col--;
				y->text = token_text(ev->scalar.value, &y->len);
				if (!y->text) {
					r = fail_oom(c);
					break;
				}
				y->has_nul = memchr(y->text, '\0', y->len) != NULL;
			} else if (kind != Y_ALIAS) {
				if (depth >= SPEC_DEPTH_MAX) {
					r = fail(c, n, "nested too deeply (at most %d levels)",
						 SPEC_DEPTH_MAX);
					break;
				}
				stack[depth++] = n;
			}
			break;
		case FYET_MAPPING_END:
		case FYET_SEQUENCE_END:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		fy_parser_event_free(fyp, ev);
		if (r < 0)
			goto out;
	}
	if (fy_parser_get_stream_error(fyp)) {
		r = yaml_error(c, diag);
		goto out;
	}
out:
	if (fyp)
		fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return r;
}

/* ---- typed access to values ---- */

static bool is_null(const struct ynode *y)
{
	return y->kind == Y_SCALAR && y->plain &&
	       (y->len == 0 || strcmp(y->text, "null") == 0 || strcmp(y->text, "Null") == 0 ||
		strcmp(y->text, "NULL") == 0 || strcmp(y->text, "~") == 0);
}

static bool is_boolish(const struct ynode *y)
{
	static const char *const words[] = { "true", "True", "TRUE", "false", "False", "FALSE" };
	size_t i;

	if (y->kind != Y_SCALAR || !y->plain)
		return false;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(y->text, words[i]) == 0)
			return true;
	return false;
}

/* How a value looks, for "expected X, got Y". */
static const char *describe(const struct ynode *y, char *buf, size_t size)
{
	char s[300];

	switch (y->kind) {
	case Y_MAP:
		return "a mapping";
	case Y_SEQ:
		return "a list";
	case Y_ALIAS:
		return "an alias";
	case Y_SCALAR:
		break;
	}
	if (is_null(y))
		return "null";
	show(y->text, y->len, s, sizeof s);
	if (is_boolish(y))
		snprintf(buf, size, "%s", s);
	else if (y->plain)
		snprintf(buf, size, "\"%s\"", s);
	else
		snprintf(buf, size, "the string \"%s\"", s);
	return buf;
}

static int fail_type(struct ctx *c, int n, const char *expected)
{
	char buf[320];

	return fail(c, n, "expected %s, got %s", expected, describe(&c->d->v[n], buf, sizeof buf));
}

static int get_text(struct ctx *c, int n, const char **out, const char *expected)
{
	const struct ynode *y = &c->d->v[n];
	size_t i;

	if (y->kind != Y_SCALAR || is_null(y) || is_boolish(y))
		return fail_type(c, n, expected);
	if (y->has_nul)
		return fail(c, n, "contains a NUL byte");
	if (y->len > SPEC_STRING_MAX)
		return fail(c, n, "too long (%zu bytes, at most %d)", y->len, SPEC_STRING_MAX);
	for (i = 0; i < y->len; i++) {
		unsigned char ch = (unsigned char)y->text[i];

		if (ch < 0x20 || ch == 0x7f)
			return fail(c, n, "contains a control character (0x%02x); only one line of text is allowed",
				    ch);
	}
	*out = y->text;
	return 0;
}

static int get_string(struct ctx *c, int n, const char **out)
{
	return get_text(c, n, out, "a string");
}

static int get_word(struct ctx *c, int n, const char **out, const char *expected)
{
	const struct ynode *y = &c->d->v[n];

	if (y->kind != Y_SCALAR || is_null(y) || is_boolish(y) || y->has_nul)
		return fail_type(c, n, expected);
	*out = y->text;
	return 0;
}

static int get_bool(struct ctx *c, int n, bool *out)
{
	const struct ynode *y = &c->d->v[n];

	if (y->kind == Y_SCALAR && y->plain && strcmp(y->text, "true") == 0)
		*out = true;
	else if (y->kind == Y_SCALAR && y->plain && strcmp(y->text, "false") == 0)
		*out = false;
	else
		return fail_type(c, n, "true or false");
	return 0;
}

static int get_uint(struct ctx *c, int n, uint64_t min, uint64_t max, uint64_t *out)
{
	const struct ynode *y = &c->d->v[n];
	const char *why;
	char expected[80], s[300];
	uint64_t v;

	snprintf(expected, sizeof expected, "an integer %llu..%llu",
		 (unsigned long long)min, (unsigned long long)max);
	if (y->kind != Y_SCALAR || !y->plain || y->has_nul || y->len == 0 ||
	    strspn(y->text, "0123456789") != y->len)
		return fail_type(c, n, expected);
	if (parse_u64(y->text, min, max, &v, &why) < 0)
		return fail(c, n, "%s is %s (%llu..%llu)", show(y->text, y->len, s, sizeof s),
			    strcmp(why, "too small") == 0 ? "too small" : "too large",
			    (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

static const char *size_str(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = 1ULL << (10 * (i + 1));

		if (v >= unit && v % unit == 0) {
			snprintf(buf, size, "%llu%c", (unsigned long long)(v / unit), units[i]);
			return buf;
		}
	}
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

static int get_size(struct ctx *c, int n, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s, *why;
	char shown[300], a[32], b[32];

	if (get_word(c, n, &s, "a size such as 512M") < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (parse_size(s, min, max, out, &why) == 0)
		return 0;
	if (strcmp(why, "too small") == 0)
		return fail(c, n, "%s is too small (at least %s)", shown, size_str(min, a, sizeof a));
	if (strcmp(why, "too large") == 0)
		return fail(c, n, "%s is too large (at most %s)", shown, size_str(max, b, sizeof b));
	return fail(c, n, "\"%s\" is not a size (a number with K, M or G, such as 512M)", shown);
}

/* A host path, resolved against the spec's folder. */
static int get_host_path(struct ctx *c, int n, char **out)
{
	const char *s;

	if (get_text(c, n, &s, "a path") < 0)
		return -1;
	if (!*s)
		return fail(c, n, "must not be empty");
	*out = path_resolve(c->dir, s);
	return *out ? 0 : fail_oom(c);
}

/* An absolute guest path, normalised. */
static int get_guest_path(struct ctx *c, int n, char **out)
{
	char shown[300];
	const char *s;

	if (get_text(c, n, &s, "an absolute path") < 0)
		return -1;
	if (s[0] != '/')
		return fail(c, n, "\"%s\" must be an absolute path in the guest",
			    show(s, strlen(s), shown, sizeof shown));
	*out = path_resolve("/", s);
	return *out ? 0 : fail_oom(c);
}

/* A mount target: not the root, not where the guest mounts its own
 * file systems. */
static int get_target(struct ctx *c, int n, char **out)
{
	static const char *const kept[] = { "/proc", "/sys", "/dev", "/run" };
	char shown[300];
	size_t i;

	if (get_guest_path(c, n, out) < 0)
		return -1;
	show(*out, strlen(*out), shown, sizeof shown);
	if (strcmp(*out, "/") == 0)
		return fail(c, n, "/ is not allowed (it is the guest's root)");
	/* pool-init reads targets from space-separated lines */
	if (strpbrk(*out, " \t"))
		return fail(c, n, "\"%s\": a mount target has no spaces or tabs", shown);
	if (strlen(*out) > 255)
		return fail(c, n, "\"%.40s...\" is too long for a mount target (at most 255)", shown);
	if (strcmp(*out, "/etc") == 0 || strcmp(*out, "/etc/pool") == 0 ||
	    strncmp(*out, "/etc/pool/", 10) == 0)
		return fail(c, n, "%s is not allowed (pool writes the guest's /etc and /etc/pool at boot)",
			    shown);
	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		size_t l = strlen(kept[i]);

		if (strncmp(*out, kept[i], l) == 0 && ((*out)[l] == '\0' || (*out)[l] == '/'))
			return fail(c, n, "%s is not allowed (the guest mounts %s itself)",
				    shown, kept[i]);
	}
	return 0;
}

/* Look up a mapping's keys: vals[i] gets the value of names[i] or -1.
 * Unknown and repeated keys are errors. */
static int map_keys(struct ctx *c, int map, const char *const *names, size_t nnames, int *vals)
{
	const struct ydoc *d = c->d;
	size_t i;
	int k;

	for (i = 0; i < nnames; i++)
		vals[i] = -1;
	for (k = d->v[map].first; k >= 0; k = d->v[d->v[k].next].next) {
		const struct ynode *key = &d->v[k];

		if (key->kind != Y_SCALAR || key->has_nul || is_null(key))
			return fail(c, k, "keys must be names, got %s",
				    key->kind == Y_SCALAR ? "null" : key->kind == Y_MAP ? "a mapping" :
				    key->kind == Y_SEQ ? "a list" : "an alias");
		for (i = 0; i < nnames; i++)
			if (strcmp(key->text, names[i]) == 0)
				break;
		if (i == nnames) {
			char known[400];
			size_t o = 0, j;

			known[0] = '\0';
			for (j = 0; j < nnames && o < sizeof known; j++)
				o += (size_t)snprintf(known + o, sizeof known - o, "%s%s",
						      j ? ", " : "", names[j]);
			return fail(c, k, "unknown key (known keys: %s)", known);
		}
		if (vals[i] >= 0)
			return fail(c, k, "given twice (first at line %d)",
				    d->v[d->v[vals[i]].key].line);
		vals[i] = key->next;
	}
	return 0;
}

static int need_map(struct ctx *c, int n, const char *expected)
{
	if (c->d->v[n].kind != Y_MAP)
		return fail_type(c, n, expected);
	return 0;
}

static int need_seq(struct ctx *c, int n, const char *expected)
{
	if (c->d->v[n].kind != Y_SEQ)
		return fail_type(c, n, expected);
	return 0;
}

static void set_pos(struct spec_pos *p, const struct ynode *y)
{
	p->line = y->line;
	p->col = y->col;
}

/* ---- the keys ---- */

static int do_name(struct ctx *c, int n)
{
	char shown[300];
	const char *s;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (strlen(s) > POOL_NAME_MAX)
		return fail(c, n, "\"%s\" is too long (at most %d characters)", shown, POOL_NAME_MAX);
	if (!valid_machine_name(s))
		return fail(c, n, "\"%s\" is not a valid name (a lowercase letter, then lowercase letters, digits or '-')",
			    shown);
	if (strcmp(s, "channels") == 0)
		return fail(c, n, "\"channels\" is reserved (pool keeps its channels' state under that name)");
	memcpy(c->m->name, s, strlen(s) + 1);
	return 0;
}

static int get_ifname(struct ctx *c, int n, char out[16], const char *what)
{
	char shown[300];
	const char *s;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (strlen(s) > 15)
		return fail(c, n, "\"%s\" is too long (at most 15 characters)", shown);
	if (!valid_ifname(s))
		return fail(c, n, "\"%s\" is not a valid %s name (no spaces, '/' or ':')", shown, what);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int do_image(struct ctx *c, int n)
{
	static const char *const ikeys[] = { "disk", "nixos" };
	static const char *const nkeys[] = { "kernel", "initrd", "init", "store" };
	struct machine *m = c->m;
	const struct ynode *y = &c->d->v[n];
	int iv[2], nv[4];
	size_t i;

	if (y->kind == Y_SCALAR && !is_null(y) && !is_boolish(y)) {
		char shown[300];

		if (strcmp(y->text, "minimal") == 0) {
			m->image = IMAGE_MINIMAL;
			return 0;
		}
		if (strcmp(y->text, "host") == 0) {
			m->image = IMAGE_HOST;
			return 0;
		}
		return fail(c, n, "expected minimal, host or a mapping with disk or nixos, got \"%s\"",
			    show(y->text, y->len, shown, sizeof shown));
	}
	if (y->kind != Y_MAP)
		return fail_type(c, n, "minimal, host or a mapping with disk or nixos");
	if (map_keys(c, n, ikeys, 2, iv) < 0)
		return -1;
	if (iv[0] >= 0 && iv[1] >= 0)
		return fail(c, iv[1], "give either disk or nixos, not both");
	if (iv[0] >= 0) {
		m->image = IMAGE_DISK;
		set_pos(&m->disk_pos, &c->d->v[iv[0]]);
		return get_host_path(c, iv[0], &m->disk);
	}
	if (iv[1] < 0)
		return fail(c, n, "expected disk or nixos in the mapping");
	m->image = IMAGE_NIXOS;
	if (need_map(c, iv[1], "a mapping with kernel, initrd, init and store") < 0 ||
	    map_keys(c, iv[1], nkeys, 4, nv) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		if (nv[i] < 0)
			return fail_sub(c, iv[1], nkeys[i], "required key is missing");
	set_pos(&m->nixos.kernel_pos, &c->d->v[nv[0]]);
	set_pos(&m->nixos.initrd_pos, &c->d->v[nv[1]]);
	set_pos(&m->nixos.init_pos, &c->d->v[nv[2]]);
	set_pos(&m->nixos.store_pos, &c->d->v[nv[3]]);
	if (get_host_path(c, nv[0], &m->nixos.kernel) < 0 ||
	    get_host_path(c, nv[1], &m->nixos.initrd) < 0 ||
	    get_guest_path(c, nv[2], &m->nixos.init) < 0 ||
	    get_host_path(c, nv[3], &m->nixos.store) < 0)
		return -1;
	return 0;
}

static int do_kernel(struct ctx *c, int n)
{
	const char *s;

	if (get_string(c, n, &s) < 0)
		return -1;
	if (strcmp(s, "auto") == 0)
		return 0;
	return get_host_path(c, n, &c->m->kernel);
}

static int do_cmdline(struct ctx *c, int n)
{
	const struct ynode *y = &c->d->v[n];
	const char *s;

	if (y->kind == Y_SCALAR && !y->has_nul && y->len > SPEC_CMDLINE_MAX)
		return fail(c, n, "too long (%zu bytes, at most %d)", y->len, SPEC_CMDLINE_MAX);
	if (get_string(c, n, &s) < 0)
		return -1;
	free(c->m->cmdline);
	c->m->cmdline = strdup(s);
	return c->m->cmdline ? 0 : fail_oom(c);
}

static int parse_allow(struct ctx *c, int n, struct allow_rule *r)
{
	char rule[300], part[64];
	const char *s, *colon, *why;
	uint64_t port;
	size_t alen;

	if (get_string(c, n, &s) < 0)
		return -1;
	show(s, strlen(s), rule, sizeof rule);
	memset(r, 0, sizeof *r);
	colon = strchr(s, ':');
	alen = colon ? (size_t)(colon - s) : strlen(s);
	if (alen >= sizeof part)
		goto bad_addr;
	memcpy(part, s, alen);
	part[alen] = '\0';
	{
		char *slash = strchr(part, '/'), *last = strrchr(part, '/');

		if (last && (strcmp(last + 1, "tcp") == 0 || strcmp(last + 1, "udp") == 0))
			return fail(c, n, "\"%s\": a protocol needs a port (CIDR:PORT/%s)", rule,
				    last + 1);
		if (slash) {
			if (parse_cidr(part, true, &r->net, &r->prefix, &why) < 0) {
				if (strcmp(why, "host bits set after the prefix") == 0)
					return fail(c, n, "\"%s\": host bits set after the prefix", rule);
				goto bad_addr;
			}
		} else {
			if (parse_ipv4(part, &r->net, &why) < 0)
				goto bad_addr;
			r->prefix = 32;
		}
	}
	if (!colon)
		return 0;
	{
		const char *p = colon + 1, *slash = strchr(p, '/');
		size_t plen = slash ? (size_t)(slash - p) : strlen(p);

		if (plen == 0) {
			if (slash)
				return fail(c, n, "\"%s\": a protocol needs a port (CIDR:PORT%s)", rule, slash);
			return fail(c, n, "\"%s\": no port after ':'", rule);
		}
		if (plen >= sizeof part)
			plen = sizeof part - 1;
		memcpy(part, p, plen);
		part[plen] = '\0';
		if (strspn(part, "0123456789") != plen) {
			char shown[300];

			return fail(c, n, "\"%s\": \"%s\" is not a port (1..65535)", rule,
				    show(part, plen, shown, sizeof shown));
		}
		if (parse_u64(part, 1, 65535, &port, &why) < 0)
			return fail(c, n, "\"%s\": port %s is out of range (1..65535)", rule, part);
		r->port = (uint16_t)port;
		if (!slash)
			return 0;
		if (strcmp(slash + 1, "tcp") == 0)
			r->proto = 6;
		else if (strcmp(slash + 1, "udp") == 0)
			r->proto = 17;
		else
		{
			char shown[300];

			return fail(c, n, "\"%s\": unknown protocol \"%s\" (tcp or udp)", rule,
				    show(slash + 1, strlen(slash + 1), shown, sizeof shown));
		}
	}
	return 0;
bad_addr:
	return fail(c, n, "\"%s\" is not an address or CIDR (a.b.c.d[/N][:PORT[/tcp|udp]])", rule);
}

static int do_network(struct ctx *c, int n)
{
	static const char *const keys[] = { "mode", "allow" };
	struct machine *m = c->m;
	const struct ynode *y = &c->d->v[n];
	char shown[300];
	const char *s;
	int v[2], i;
	size_t k;

	if (y->kind == Y_SCALAR && !is_null(y) && !is_boolish(y)) {
		if (strcmp(y->text, "nat") == 0)
			m->network = NET_NAT;
		else if (strcmp(y->text, "isolated") == 0)
			m->network = NET_ISOLATED;
		else if (strcmp(y->text, "none") == 0)
			m->network = NET_NONE;
		else
			return fail(c, n, "expected nat, isolated, none or a mapping, got \"%s\"",
				    show(y->text, y->len, shown, sizeof shown));
		return 0;
	}
	if (y->kind != Y_MAP)
		return fail_type(c, n, "nat, isolated, none or a mapping");
	if (map_keys(c, n, keys, 2, v) < 0)
		return -1;
	if (v[0] < 0)
		return fail_sub(c, n, "mode", "required key is missing (nat or isolated)");
	if (get_word(c, v[0], &s, "nat or isolated") < 0)
		return -1;
	if (strcmp(s, "nat") == 0)
		m->network = NET_NAT;
	else if (strcmp(s, "isolated") == 0)
		m->network = NET_ISOLATED;
	else
		return fail(c, v[0], "expected nat or isolated, got \"%s\"",
			    show(s, strlen(s), shown, sizeof shown));
	if (v[1] < 0)
		return 0;
	if (m->network != NET_NAT)
		return fail(c, v[1], "needs mode nat (an isolated machine has no way out)");
	if (need_seq(c, v[1], "a list of CIDR[:PORT[/tcp|udp]]") < 0)
		return -1;
	if (c->d->v[v[1]].n > SPEC_ALLOW_MAX)
		return fail(c, v[1], "too many rules (at most %d)", SPEC_ALLOW_MAX);
	m->has_allow = true;
	m->allow = calloc(c->d->v[v[1]].n + 1, sizeof *m->allow);
	if (!m->allow)
		return fail_oom(c);
	k = 0;
	for (i = c->d->v[v[1]].first; i >= 0; i = c->d->v[i].next) {
		if (parse_allow(c, i, &m->allow[k]) < 0)
			return -1;
		m->nallow = ++k;
	}
	return 0;
}

static bool valid_user_name(const char *s)
{
	size_t i;

	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 1; s[i]; i++) {
		char ch = s[i];

		if (i >= 32)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* crypt(3) hashes pool knows: "$id$" then the salt/hash alphabet. */
static bool valid_hash(const char *s)
{
	static const char *const ids[] = { "$y$", "$gy$", "$7$", "$2b$", "$2a$", "$2y$", "$6$", "$5$" };
	size_t i, l = strlen(s);

	if (l > 512)
		return false;
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		size_t il = strlen(ids[i]);

		if (strncmp(s, ids[i], il) == 0)
			return l > il + 8 &&
			       strspn(s + il, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "abcdefghijklmnopqrstuvwxyz$=,") == l - il;
	}
	return false;
}

static bool valid_shell(const char *s)
{
	size_t l = strlen(s);

	if (s[0] == '/')
		return l > 1;
	if (l == 0 || l > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == l;
}

static bool valid_ssh_key(const char *s)
{
	return strncmp(s, "ssh-", 4) == 0 || strncmp(s, "ecdsa-", 6) == 0 ||
	       strncmp(s, "sk-", 3) == 0;
}

static int do_role(struct ctx *c, int keyn, int n, struct role *r, int *pass_node)
{
	static const char *const keys[] = { "keys", "hash", "pass", "shell" };
	char shown[300];
	const char *s;
	int v[4], i;

	*pass_node = -1;
	if (get_word(c, keyn, &s, "a user name") < 0)
		return -1;
	set_pos(&r->pos, &c->d->v[keyn]);
	if (!valid_user_name(s))
		return fail(c, keyn, "\"%s\" is not a valid user name (a lowercase letter or '_', then lowercase letters, digits, '_' or '-'; at most 32)",
			    show(s, strlen(s), shown, sizeof shown));
	r->name = strdup(s);
	if (!r->name)
		return fail_oom(c);
	if (need_map(c, n, "a mapping (use {} for a user with no settings)") < 0 ||
	    map_keys(c, n, keys, 4, v) < 0)
		return -1;
	if (v[0] >= 0) {
		size_t k = 0;

		if (need_seq(c, v[0], "a list of ssh public keys") < 0)
			return -1;
		if (c->d->v[v[0]].n > SPEC_KEYS_MAX)
			return fail(c, v[0], "too many keys (at most %d)", SPEC_KEYS_MAX);
		r->keys = calloc(c->d->v[v[0]].n + 1, sizeof *r->keys);
		if (!r->keys)
			return fail_oom(c);
		for (i = c->d->v[v[0]].first; i >= 0; i = c->d->v[i].next) {
			if (get_string(c, i, &s) < 0)
				return -1;
			if (!valid_ssh_key(s))
				return fail(c, i, "\"%s\" is not an ssh public key (one line starting with ssh-, ecdsa- or sk-)",
					    show(s, strlen(s), shown, sizeof shown));
			r->keys[k] = strdup(s);
			if (!r->keys[k])
				return fail_oom(c);
			r->nkeys = ++k;
		}
	}
	if (v[1] >= 0 && v[2] >= 0)
		return fail(c, c->d->v[v[1] > v[2] ? v[1] : v[2]].key,
			    "give either hash or pass, not both");
	if (v[1] >= 0) {
		if (get_string(c, v[1], &s) < 0)
			return -1;
		if (!valid_hash(s))
			return fail(c, v[1], "not a crypt(3) hash such as $y$... (make one with pool mkpasswd)");
		r->hash = strdup(s);
		if (!r->hash)
			return fail_oom(c);
	}
	if (v[2] >= 0) {
		if (get_string(c, v[2], &s) < 0)
			return -1;
		if (!*s)
			return fail(c, v[2], "empty password (leave pass out for a user without one)");
		*pass_node = v[2];
	}
	if (v[3] >= 0) {
		if (get_string(c, v[3], &s) < 0)
			return -1;
		if (!valid_shell(s))
			return fail(c, v[3], "\"%s\" is not a shell (a name such as bash, or an absolute path)",
				    show(s, strlen(s), shown, sizeof shown));
		r->shell = strdup(s);
		if (!r->shell)
			return fail_oom(c);
	}
	return 0;
}

static int do_users(struct ctx *c, int n)
{
	struct machine *m = c->m;
	const struct ydoc *d = c->d;
	size_t count, j;
	int k;

	if (need_map(c, n, "a mapping of user names") < 0)
		return -1;
	count = d->v[n].n / 2;
	if (count > SPEC_USERS_MAX)
		return fail(c, n, "too many users (at most %d)", SPEC_USERS_MAX);
	m->users = calloc(count + 1, sizeof *m->users);
	if (!m->users)
		return fail_oom(c);
	for (k = d->v[n].first; k >= 0; k = d->v[d->v[k].next].next) {
		struct role *r = &m->users[m->nusers];

		if (d->v[k].kind == Y_SCALAR && !d->v[k].has_nul) {
			for (j = 0; j < m->nusers; j++)
				if (strcmp(m->users[j].name, d->v[k].text) == 0)
					return fail(c, k, "given twice (first at line %d)",
						    m->users[j].pos.line);
		}
		m->nusers++;
		if (do_role(c, k, d->v[k].next, r, &c->pass_node[m->nusers - 1]) < 0)
			return -1;
	}
	return 0;
}

static int do_shares(struct ctx *c, int n, int *targets, size_t *ntargets)
{
	static const char *const keys[] = { "source", "target", "readonly" };
	struct machine *m = c->m;
	int i, v[3];

	if (need_seq(c, n, "a list of {source, target, readonly}") < 0)
		return -1;
	if (c->d->v[n].n > SPEC_SHARES_MAX)
		return fail(c, n, "too many shares (at most %d)", SPEC_SHARES_MAX);
	m->shares = calloc(c->d->v[n].n + 1, sizeof *m->shares);
	if (!m->shares)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		struct share *s = &m->shares[m->nshares++];

		set_pos(&s->pos, &c->d->v[i]);
		if (need_map(c, i, "a mapping {source, target, readonly}") < 0 ||
		    map_keys(c, i, keys, 3, v) < 0)
			return -1;
		if (v[0] < 0)
			return fail_sub(c, i, "source", "required key is missing");
		if (v[1] < 0)
			return fail_sub(c, i, "target", "required key is missing");
		set_pos(&s->source_pos, &c->d->v[v[0]]);
		if (get_host_path(c, v[0], &s->source) < 0 || get_target(c, v[1], &s->target) < 0)
			return -1;
		if (v[2] >= 0 && get_bool(c, v[2], &s->readonly) < 0)
			return -1;
		targets[(*ntargets)++] = v[1];
	}
	return 0;
}

static int do_volumes(struct ctx *c, int n, int *targets, size_t *ntargets)
{
	static const char *const keys[] = { "path", "size", "target" };
	struct machine *m = c->m;
	int i, v[3];

	if (need_seq(c, n, "a list of {path, size, target}") < 0)
		return -1;
	if (c->d->v[n].n > SPEC_VOLUMES_MAX)
		return fail(c, n, "too many volumes (at most %d)", SPEC_VOLUMES_MAX);
	m->volumes = calloc(c->d->v[n].n + 1, sizeof *m->volumes);
	if (!m->volumes)
		return fail_oom(c);
	for (i = c->d->v[n].first; i >= 0; i = c->d->v[i].next) {
		struct volume *vol = &m->volumes[m->nvolumes++];

		set_pos(&vol->pos, &c->d->v[i]);
		if (need_map(c, i, "a mapping {path, size, target}") < 0 ||
		    map_keys(c, i, keys, 3, v) < 0)
			return -1;
		if (v[0] < 0)
			return fail_sub(c, i, "path", "required key is missing");
		if (v[1] < 0)
			return fail_sub(c, i, "size", "required key is missing");
		set_pos(&vol->path_pos, &c->d->v[v[0]]);
		if (get_host_path(c, v[0], &vol->path) < 0 ||
		    get_size(c, v[1], SPEC_VOLUME_MIN, SPEC_VOLUME_MAX, &vol->size) < 0)
			return -1;
		if (v[2] >= 0) {
			if (get_target(c, v[2], &vol->target) < 0)
				return -1;
			targets[(*ntargets)++] = v[2];
		}
	}
	return 0;
}

/* Two mounts on one target: the second would hide the first. */
static int check_targets(struct ctx *c, const int *targets, size_t ntargets)
{
	size_t i, j;
	char path[512];

	for (i = 0; i < ntargets; i++) {
		char *a = path_resolve("/", c->d->v[targets[i]].text);

		if (!a)
			return fail_oom(c);
		for (j = 0; j < i; j++) {
			char *b = path_resolve("/", c->d->v[targets[j]].text);
			bool same = b && strcmp(a, b) == 0;

			free(b);
			if (same) {
				char shown[300];

				node_path(c->d, c->d->v[targets[j]].parent, path, sizeof path);
				fail(c, targets[i], "%s is already the target of %s",
				     show(a, strlen(a), shown, sizeof shown), path);
				free(a);
				return -1;
			}
		}
		free(a);
	}
	return 0;
}

static int do_workdir(struct ctx *c, int n)
{
	return get_guest_path(c, n, &c->m->workdir);
}

static int do_accel(struct ctx *c, int n)
{
	char shown[300];
	const char *s;

	if (get_word(c, n, &s, "auto, kvm or tcg") < 0)
		return -1;
	if (strcmp(s, "auto") == 0)
		c->m->accel = ACCEL_AUTO;
	else if (strcmp(s, "kvm") == 0)
		c->m->accel = ACCEL_KVM;
	else if (strcmp(s, "tcg") == 0)
		c->m->accel = ACCEL_TCG;
	else
		return fail(c, n, "expected auto, kvm or tcg, got \"%s\"",
			    show(s, strlen(s), shown, sizeof shown));
	return 0;
}

static bool valid_group(const char *s)
{
	size_t l = strlen(s);

	return l > 0 && l <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == l;
}

static int do_mesh(struct ctx *c, int n)
{
	static const char *const keys[] = { "network", "ip", "groups", "lighthouse" };
	struct machine *m = c->m;
	char shown[300];
	const char *s, *why;
	int v[4], i;

	if (need_map(c, n, "a mapping {network, ip, groups, lighthouse}") < 0 ||
	    map_keys(c, n, keys, 4, v) < 0)
		return -1;
	if (v[0] < 0)
		return fail_sub(c, n, "network", "required key is missing");
	if (v[1] < 0)
		return fail_sub(c, n, "ip", "required key is missing");
	if (get_string(c, v[0], &s) < 0)
		return -1;
	if (!valid_machine_name(s))
		return fail(c, v[0], "\"%s\" is not a valid mesh network name (a lowercase letter, then lowercase letters, digits or '-'; at most 32)",
			    show(s, strlen(s), shown, sizeof shown));
	m->mesh.network = strdup(s);
	if (!m->mesh.network)
		return fail_oom(c);
	if (get_string(c, v[1], &s) < 0)
		return -1;
	show(s, strlen(s), shown, sizeof shown);
	if (parse_cidr(s, false, &m->mesh.ip, &m->mesh.prefix, &why) < 0)
		return fail(c, v[1], "\"%s\" is not an address with a prefix length (a.b.c.d/N)", shown);
	if (m->mesh.prefix < 1 || m->mesh.prefix > 30)
		return fail(c, v[1], "prefix length /%u is out of range (1..30)", m->mesh.prefix);
	if (v[2] >= 0) {
		size_t k = 0;

		if (need_seq(c, v[2], "a list of group names") < 0)
			return -1;
		if (c->d->v[v[2]].n > SPEC_GROUPS_MAX)
			return fail(c, v[2], "too many groups (at most %d)", SPEC_GROUPS_MAX);
		m->mesh.groups = calloc(c->d->v[v[2]].n + 1, sizeof *m->mesh.groups);
		if (!m->mesh.groups)
			return fail_oom(c);
		for (i = c->d->v[v[2]].first; i >= 0; i = c->d->v[i].next) {
			if (get_string(c, i, &s) < 0)
				return -1;
			if (!valid_group(s))
				return fail(c, i, "\"%s\" is not a valid group name (letters, digits, '.', '_' or '-'; at most 64)",
					    show(s, strlen(s), shown, sizeof shown));
			m->mesh.groups[k] = strdup(s);
			if (!m->mesh.groups[k])
				return fail_oom(c);
			m->mesh.ngroups = ++k;
		}
	}
	if (v[3] >= 0 && get_bool(c, v[3], &m->mesh.lighthouse) < 0)
		return -1;
	m->mesh.set = true;
	return 0;
}

static void channel_subnet(const struct spec_env *env, const char *channel, uint32_t *net,
			   unsigned *prefix)
{
	if (!env || !env->subnet_of || env->subnet_of(channel, net, prefix, env->ctx) < 0 ||
	    *prefix > 32) {
		*net = POOL_DEFAULT_SUBNET;
		*prefix = POOL_DEFAULT_PREFIX;
	}
	*net &= prefix_mask(*prefix);
}

static int check_address(struct ctx *c, int n)
{
	const struct machine *m = c->m;
	uint32_t net, mask, a = m->address;
	unsigned prefix;
	char as[16], ns[16];
	const char *what = NULL;

	channel_subnet(c->env, m->channel, &net, &prefix);
	mask = prefix_mask(prefix);
	ipv4_str(a, as);
	ipv4_str(net, ns);
	if ((a & mask) != net)
		return fail(c, n, "%s is outside channel %s (%s/%u)", as, m->channel, ns, prefix);
	if (prefix <= 30) {
		if (a == net)
			what = "the network address of";
		else if (a == (net | ~mask))
			what = "the broadcast address of";
		else if (a == net + 1)
			what = "the host's own address on";
	}
	if (what)
		return fail(c, n, "%s is %s channel %s (%s/%u)", as, what, m->channel, ns, prefix);
	return 0;
}

static int hash_passwords(struct ctx *c)
{
	struct machine *m = c->m;
	size_t i;

	for (i = 0; i < m->nusers; i++) {
		const struct ynode *y;
		struct crypt_data *cd;
		char salt[CRYPT_GENSALT_OUTPUT_SIZE];
		const char *h;
		char path[512];

		if (c->pass_node[i] < 0)
			continue;
		y = &c->d->v[c->pass_node[i]];
		node_path(c->d, c->pass_node[i], path, sizeof path);
		if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt))
			return pool_err_sys(c->e, "%s:%d:%d: %s: cannot make a salt", c->file,
					    y->line, y->col, path);
		cd = calloc(1, sizeof *cd);
		if (!cd)
			return fail_oom(c);
		h = crypt_rn(y->text, salt, cd, (int)sizeof *cd);
		if (!h || h[0] == '*' || !(m->users[i].hash = strdup(h))) {
			int err = errno ? errno : EINVAL;

			explicit_bzero(cd, sizeof *cd);
			free(cd);
			return pool_err_set(c->e, POOL_EXIT_FAIL, err, "%s:%d:%d: %s: cannot hash",
					    c->file, y->line, y->col, path);
		}
		explicit_bzero(cd, sizeof *cd);
		free(cd);
		log_warnx("%s:%d:%d: %s: plain-text password accepted; store `hash:` instead (pool mkpasswd)",
			  c->file, y->line, y->col, path);
	}
	return 0;
}

static int set_defaults(struct machine *m)
{
	m->has_address = false;
	snprintf(m->interface, sizeof m->interface, "eth0");
	m->cpus = 1;
	m->memory = 512ULL << 20;
	m->image = IMAGE_HOST;
	snprintf(m->channel, sizeof m->channel, "pool0");
	m->network = NET_NAT;
	m->ephemeral = true;
	m->accel = ACCEL_AUTO;
	m->cmdline = strdup("");
	return m->cmdline ? 0 : -1;
}

static int default_users(struct machine *m)
{
	m->users = calloc(1, sizeof *m->users);
	if (!m->users)
		return -1;
	m->users[0].name = strdup("root");
	if (!m->users[0].name)
		return -1;
	m->nusers = 1;
	return 0;
}

static const char *const top_keys[KEY__MAX] = {
	[KEY_NAME] = "name", [KEY_ADDRESS] = "address", [KEY_INTERFACE] = "interface",
	[KEY_CPUS] = "cpus", [KEY_MEMORY] = "memory", [KEY_IMAGE] = "image",
	[KEY_KERNEL] = "kernel", [KEY_CMDLINE] = "cmdline", [KEY_CHANNEL] = "channel",
	[KEY_NETWORK] = "network", [KEY_USERS] = "users", [KEY_SHARES] = "shares",
	[KEY_VOLUMES] = "volumes", [KEY_EPHEMERAL] = "ephemeral", [KEY_WORKDIR] = "workdir",
	[KEY_ACCEL] = "accel", [KEY_MESH] = "mesh",
};

static int validate(struct ctx *c)
{
	struct machine *m = c->m;
	const struct ydoc *d = c->d;
	int v[KEY__MAX], targets[SPEC_SHARES_MAX + SPEC_VOLUMES_MAX];
	size_t ntargets = 0, i;
	uint64_t u = 0;

	if (d->n == 0 || (d->v[0].kind == Y_SCALAR && is_null(&d->v[0])))
		return pool_err_usage(c->e, "%s:1:1: the spec is empty (at least name: is needed)",
				      c->file);
	if (d->v[0].kind != Y_MAP) {
		char buf[320];

		return fail(c, 0, "the spec must be a mapping of keys such as name:, got %s",
			    describe(&d->v[0], buf, sizeof buf));
	}
	if (map_keys(c, 0, top_keys, KEY__MAX, v) < 0)
		return -1;
	for (i = 0; i < KEY__MAX; i++)
		if (v[i] >= 0)
			set_pos(&m->pos[i], &d->v[v[i]]);

	if (v[KEY_NAME] < 0)
		return fail_sub(c, 0, "name", "required key is missing");
	if (do_name(c, v[KEY_NAME]) < 0)
		return -1;
	if (v[KEY_ADDRESS] >= 0) {
		const char *s, *why;
		char shown[300];

		if (get_string(c, v[KEY_ADDRESS], &s) < 0)
			return -1;
		if (parse_ipv4(s, &m->address, &why) < 0)
			return fail(c, v[KEY_ADDRESS], "\"%s\" is not an IPv4 address (a.b.c.d)",
				    show(s, strlen(s), shown, sizeof shown));
		m->has_address = true;
	}
	if (v[KEY_INTERFACE] >= 0 && get_ifname(c, v[KEY_INTERFACE], m->interface, "interface") < 0)
		return -1;
	if (v[KEY_CPUS] >= 0) {
		if (get_uint(c, v[KEY_CPUS], 1, POOL_CPUS_MAX, &u) < 0)
			return -1;
		m->cpus = (unsigned)u;
	}
	if (v[KEY_MEMORY] >= 0 &&
	    get_size(c, v[KEY_MEMORY], POOL_MEMORY_MIN, POOL_MEMORY_MAX, &m->memory) < 0)
		return -1;
	if (v[KEY_IMAGE] >= 0 && do_image(c, v[KEY_IMAGE]) < 0)
		return -1;
	if (v[KEY_KERNEL] >= 0 && do_kernel(c, v[KEY_KERNEL]) < 0)
		return -1;
	if (v[KEY_CMDLINE] >= 0 && do_cmdline(c, v[KEY_CMDLINE]) < 0)
		return -1;
	if (v[KEY_CHANNEL] >= 0 && get_ifname(c, v[KEY_CHANNEL], m->channel, "channel") < 0)
		return -1;
	if (v[KEY_NETWORK] >= 0 && do_network(c, v[KEY_NETWORK]) < 0)
		return -1;
	if (v[KEY_USERS] >= 0) {
		if (do_users(c, v[KEY_USERS]) < 0)
			return -1;
	} else if (default_users(m) < 0) {
		return fail_oom(c);
	}
	if (v[KEY_SHARES] >= 0 && do_shares(c, v[KEY_SHARES], targets, &ntargets) < 0)
		return -1;
	if (v[KEY_VOLUMES] >= 0 && do_volumes(c, v[KEY_VOLUMES], targets, &ntargets) < 0)
		return -1;
	if (check_targets(c, targets, ntargets) < 0)
		return -1;
	if (v[KEY_EPHEMERAL] >= 0 && get_bool(c, v[KEY_EPHEMERAL], &m->ephemeral) < 0)
		return -1;
	if (v[KEY_WORKDIR] >= 0 && do_workdir(c, v[KEY_WORKDIR]) < 0)
		return -1;
	if (v[KEY_ACCEL] >= 0 && do_accel(c, v[KEY_ACCEL]) < 0)
		return -1;
	if (v[KEY_MESH] >= 0 && do_mesh(c, v[KEY_MESH]) < 0)
		return -1;

	/* needs channel and network, wherever they stood */
	if (m->network != NET_NONE) {
		if (!m->has_address)
			return fail_sub(c, 0, "address", "required key is missing (it may only be left out with network: none)");
		if (check_address(c, v[KEY_ADDRESS]) < 0)
			return -1;
	}
	return hash_passwords(c);
}

int spec_parse(const char *text, size_t len, const char *file, const char *dir,
	       const struct spec_env *env, struct machine *m, struct pool_err *e)
{
	struct ydoc d = { 0 };
	struct ctx c;
	size_t i;
	int r;

	memset(m, 0, sizeof *m);
	memset(&c, 0, sizeof c);
	c.file = file ? file : "<spec>";
	c.dir = dir ? dir : "/";
	c.env = env;
	c.e = e;
	c.d = &d;
	c.m = m;
	for (i = 0; i < SPEC_USERS_MAX; i++)
		c.pass_node[i] = -1;

	if (set_defaults(m) < 0 || !(m->file = strdup(c.file)) || !(m->dir = strdup(c.dir))) {
		r = fail_oom(&c);
		goto out;
	}
	r = build_tree(&c, text ? text : "", text ? len : 0);
	if (r == 0)
		r = validate(&c);
out:
	ydoc_free(&d);
	if (r < 0) {
		machine_free(m);
		return -1;
	}
	return 0;
}

int spec_load(const char *path, const struct spec_env *env, struct machine *m,
	      struct pool_err *e)
{
	_cleanup_free_ char *buf = NULL, *copy = NULL, *real = NULL;
	char *slash;
	size_t len = 0;
	int r;

	memset(m, 0, sizeof *m);
	if (read_file(path, SPEC_FILE_MAX, &buf, &len, e) < 0) {
		if (e->code == 0 || e->code == ENOENT || e->code == EISDIR || e->code == ENOTDIR)
			e->status = POOL_EXIT_USAGE;
		return -1;
	}
	copy = strdup(path);
	if (!copy) {
		explicit_bzero(buf, len);
		return pool_err_sys(e, "%s", path);
	}
	slash = strrchr(copy, '/');
	if (!slash)
		real = realpath(".", NULL);
	else if (slash == copy)
		real = strdup("/");
	else {
		*slash = '\0';
		real = realpath(copy, NULL);
	}
	if (!real) {
		explicit_bzero(buf, len);
		return pool_err_sys(e, "%s: cannot resolve its folder", path);
	}
	r = spec_parse(buf, len, path, real, env, m, e);
	explicit_bzero(buf, len);	/* may hold a `pass:` */
	return r;
}

static const char *const kept_default[] = { "/proc", "/sys", "/dev", "/run" };

int spec_default(const char *cwd, const struct spec_env *env, struct machine *m,
		 struct pool_err *e)
{
	const char *base, *end;
	size_t n = 0, i;

	(void)env;
	memset(m, 0, sizeof *m);
	if (!cwd || cwd[0] != '/')
		return pool_err_usage(e, "<default>: the current folder %s is not an absolute path",
				      cwd ? cwd : "(null)");
	if (set_defaults(m) < 0)
		goto oom;

	/* name: the folder's base name, made to fit [a-z][a-z0-9-]{0,31} */
	end = cwd + strlen(cwd);
	while (end > cwd + 1 && end[-1] == '/')
		end--;
	base = end;
	while (base > cwd && base[-1] != '/')
		base--;
	if (base < end && !(*base >= 'a' && *base <= 'z') && !(*base >= 'A' && *base <= 'Z')) {
		memcpy(m->name, "m-", 2);
		n = 2;
	}
	for (i = 0; base + i < end && n < POOL_NAME_MAX; i++) {
		char ch = base[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
			ch = '-';
		m->name[n++] = ch;
	}
	m->name[n] = '\0';
	if (n == 0)
		snprintf(m->name, sizeof m->name, "pool");

	for (i = 0; i < ARRAY_SIZE(kept_default); i++) {
		size_t l = strlen(kept_default[i]);

		if (strcmp(cwd, "/") == 0 ||
		    (strncmp(cwd, kept_default[i], l) == 0 && (cwd[l] == '\0' || cwd[l] == '/'))) {
			machine_free(m);
			return pool_err_usage(e, "<default>: cannot share %s with the guest; run pool in a project folder or write a pool.yaml",
					      cwd);
		}
	}

	if (!(m->file = strdup("<default>")) || !(m->dir = path_resolve("/", cwd)) ||
	    default_users(m) < 0 || !(m->shares = calloc(1, sizeof *m->shares)))
		goto oom;
	m->nshares = 1;
	m->shares[0].readonly = false;
	if (!(m->shares[0].source = strdup(m->dir)) || !(m->shares[0].target = strdup(m->dir)) ||
	    !(m->workdir = strdup(m->dir)))
		goto oom;
	return 0;
oom:
	machine_free(m);
	return pool_err_set(e, POOL_EXIT_FAIL, ENOMEM, "<default>");
}

/* ---- host checks ---- */

__attribute__((format(printf, 5, 6)))
static int host_fail(struct pool_err *e, const struct machine *m, const struct spec_pos *p,
		     const char *key, const char *fmt, ...)
{
	char what[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (p->line > 0)
		return pool_err_usage(e, "%s:%d:%d: %s: %s", m->file, p->line, p->col, key, what);
	return pool_err_usage(e, "%s: %s: %s", m->file, key, what);
}

/* kind: 'd' folder, 'f' regular file (or block device for disks) */
static int check_path(struct pool_err *e, const struct machine *m, const struct spec_pos *p,
		      const char *key, const char *path, char kind)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return host_fail(e, m, p, key, "%s does not exist", path);
		return host_fail(e, m, p, key, "%s: %s", path, strerror(errno));
	}
	if (kind == 'd' && !S_ISDIR(st.st_mode))
		return host_fail(e, m, p, key, "%s is not a folder", path);
	if (kind == 'f' && !S_ISREG(st.st_mode))
		return host_fail(e, m, p, key, "%s is not a regular file", path);
	if (kind == 'b' && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return host_fail(e, m, p, key, "%s is not a file or a block device", path);
	return 0;
}

int spec_check_host(const struct machine *m, struct pool_err *e)
{
	char key[64];
	size_t i;

	for (i = 0; i < m->nshares; i++) {
		snprintf(key, sizeof key, "shares[%zu].source", i);
		if (check_path(e, m, &m->shares[i].source_pos, key, m->shares[i].source, 'd') < 0)
			return -1;
	}
	for (i = 0; i < m->nvolumes; i++) {
		const struct volume *v = &m->volumes[i];
		_cleanup_free_ char *parent = path_resolve(v->path, "..");
		struct stat st;

		snprintf(key, sizeof key, "volumes[%zu].path", i);
		if (!parent)
			return pool_err_set(e, POOL_EXIT_FAIL, ENOMEM, "%s", m->file);
		if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode))
			return host_fail(e, m, &v->path_pos, key, "folder %s does not exist", parent);
		if (stat(v->path, &st) == 0 && !S_ISREG(st.st_mode))
			return host_fail(e, m, &v->path_pos, key,
					 "%s exists and is not a regular file", v->path);
	}
	if (m->image == IMAGE_DISK &&
	    check_path(e, m, &m->disk_pos, "image.disk", m->disk, 'b') < 0)
		return -1;
	if (m->image == IMAGE_NIXOS &&
	    (check_path(e, m, &m->nixos.kernel_pos, "image.nixos.kernel", m->nixos.kernel, 'f') < 0 ||
	     check_path(e, m, &m->nixos.initrd_pos, "image.nixos.initrd", m->nixos.initrd, 'f') < 0 ||
	     check_path(e, m, &m->nixos.store_pos, "image.nixos.store", m->nixos.store, 'd') < 0))
		return -1;
	if (m->kernel && check_path(e, m, &m->pos[KEY_KERNEL], "kernel", m->kernel, 'f') < 0)
		return -1;
	return 0;
}

void machine_free(struct machine *m)
{
	size_t i, j;

	if (!m)
		return;
	free(m->file);
	free(m->dir);
	free(m->disk);
	free(m->nixos.kernel);
	free(m->nixos.initrd);
	free(m->nixos.init);
	free(m->nixos.store);
	free(m->kernel);
	free(m->cmdline);
	free(m->allow);
	for (i = 0; m->users && i < m->nusers; i++) {
		struct role *r = &m->users[i];

		free(r->name);
		if (r->hash) {
			explicit_bzero(r->hash, strlen(r->hash));
			free(r->hash);
		}
		for (j = 0; r->keys && j < r->nkeys; j++)
			free(r->keys[j]);
		free(r->keys);
		free(r->shell);
	}
	free(m->users);
	for (i = 0; m->shares && i < m->nshares; i++) {
		free(m->shares[i].source);
		free(m->shares[i].target);
	}
	free(m->shares);
	for (i = 0; m->volumes && i < m->nvolumes; i++) {
		free(m->volumes[i].path);
		free(m->volumes[i].target);
	}
	free(m->volumes);
	free(m->workdir);
	free(m->mesh.network);
	for (i = 0; m->mesh.groups && i < m->mesh.ngroups; i++)
		free(m->mesh.groups[i]);
	free(m->mesh.groups);
	memset(m, 0, sizeof *m);
}

const char *image_kind_str(enum image_kind k)
{
	switch (k) {
	case IMAGE_MINIMAL: return "minimal";
	case IMAGE_HOST: return "host";
	case IMAGE_DISK: return "disk";
	case IMAGE_NIXOS: return "nixos";
	}
	return "?";
}

const char *net_mode_str(enum net_mode n)
{
	switch (n) {
	case NET_NAT: return "nat";
	case NET_ISOLATED: return "isolated";
	case NET_NONE: return "none";
	}
	return "?";
}

const char *accel_mode_str(enum accel_mode a)
{
	switch (a) {
	case ACCEL_AUTO: return "auto";
	case ACCEL_KVM: return "kvm";
	case ACCEL_TCG: return "tcg";
	}
	return "?";
}
