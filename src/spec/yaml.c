/* yaml.c - the spec as a YAML tree of our own (libfyaml events), and its one-line
 * messages: "FILE:LINE:COL: KEY.PATH: what". */
#include "parse.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

void ydoc_free(struct ydoc *d)
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
const char *show(const char *s, size_t len, char *buf, size_t size)
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

void node_path(const struct ydoc *d, int n, char *buf, size_t size)
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
int fail(struct ctx *c, int n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, n, NULL, fmt, ap);
	va_end(ap);
	return r;
}

__attribute__((format(printf, 4, 5)))
int fail_sub(struct ctx *c, int n, const char *sub, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail(c, n, sub, fmt, ap);
	va_end(ap);
	return r;
}

int fail_oom(struct ctx *c)
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
	size_t i = 0;

	while (i < len) {
		size_t l;

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

int build_tree(struct ctx *c, const char *text, size_t len)
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
