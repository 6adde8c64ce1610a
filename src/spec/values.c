/* values.c - typed access to the tree's values: strings, words, booleans,
 * bounded integers and sizes, host and guest paths, mappings and lists. */
#include "parse.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/beneath.h"
#include "util/cleanup.h"
#include "util/fsutil.h"
#include "common/parse.h"

bool is_null(const struct ynode *y)
{
	return y->kind == Y_SCALAR && y->plain &&
	       (y->len == 0 || strcmp(y->text, "null") == 0 || strcmp(y->text, "Null") == 0 ||
		strcmp(y->text, "NULL") == 0 || strcmp(y->text, "~") == 0);
}

bool is_boolish(const struct ynode *y)
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
const char *describe(const struct ynode *y, char *buf, size_t size)
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

int fail_type(struct ctx *c, int n, const char *expected)
{
	char buf[320];

	return fail(c, n, "expected %s, got %s", expected, describe(&c->d->v[n], buf, sizeof buf));
}

int get_text(struct ctx *c, int n, const char **out, const char *expected)
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

int get_string(struct ctx *c, int n, const char **out)
{
	return get_text(c, n, out, "a string");
}

int get_word(struct ctx *c, int n, const char **out, const char *expected)
{
	const struct ynode *y = &c->d->v[n];

	if (y->kind != Y_SCALAR || is_null(y) || is_boolish(y) || y->has_nul)
		return fail_type(c, n, expected);
	*out = y->text;
	return 0;
}

int get_bool(struct ctx *c, int n, bool *out)
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

int get_uint(struct ctx *c, int n, uint64_t min, uint64_t max, uint64_t *out)
{
	const struct ynode *y = &c->d->v[n];
	const char *why;
	char expected[80];
	uint64_t v;

	snprintf(expected, sizeof expected, "an integer %llu..%llu",
		 (unsigned long long)min, (unsigned long long)max);
	if (y->kind != Y_SCALAR || !y->plain || y->has_nul || y->len == 0 ||
	    strspn(y->text, "0123456789") != y->len)
		return fail_type(c, n, expected);
	if (parse_u64(y->text, min, max, &v, &why) < 0) {
		char s[300];

		return fail(c, n, "%s is %s (%llu..%llu)", show(y->text, y->len, s, sizeof s),
			    strcmp(why, "too small") == 0 ? "too small" : "too large",
			    (unsigned long long)min, (unsigned long long)max);
	}
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

int get_size(struct ctx *c, int n, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s, *why;
	char shown[300], bound[32];

	if (get_word(c, n, &s, "a size such as 512M") < 0)
		return -1;
	/* get_word() sets s when it returns 0: fail_type() returns -1 */
	show(s, strlen(s), shown, sizeof shown);	/* NOLINT(clang-analyzer-core.CallAndMessage) */
	if (parse_size(s, min, max, out, &why) == 0)
		return 0;
	if (strcmp(why, "too small") == 0)
		return fail(c, n, "%s is too small (at least %s)", shown, size_str(min, bound, sizeof bound));
	if (strcmp(why, "too large") == 0)
		return fail(c, n, "%s is too large (at most %s)", shown, size_str(max, bound, sizeof bound));
	return fail(c, n, "\"%s\" is not a size (a number with K, M or G, such as 512M)", shown);
}

bool spec_path_beneath(const char *dir, const char *abs)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return abs[0] == '/';
	return strncmp(abs, dir, n) == 0 && (abs[n] == '\0' || abs[n] == '/');
}

/* A host path, resolved against the spec's folder. It must lie beneath
 * that folder, or beneath a folder the command line granted: a spec comes
 * with a codebase, and only the user may give it more of the host. */
int get_host_path(struct ctx *c, int n, char **out)
{
	char norm[PATH_MAX], shown[300];
	const char *s, *why;

	if (get_text(c, n, &s, "a path") < 0)
		return -1;
	if (!*s)
		return fail(c, n, "must not be empty");
	show(s, strlen(s), shown, sizeof shown);
	/* The text's own limits (name and path lengths, how deep); a ".."
	 * that climbs out and an absolute path are judged below, as paths. */
	if (path_rel_check(s, norm, sizeof norm, &why) < 0 && errno != EXDEV)
		return fail(c, n, "\"%s\" %s", shown, why);
	*out = path_resolve(c->dir, s);
	if (!*out)
		return fail_oom(c);
	if (spec_path_beneath(c->dir, *out))
		return 0;
	for (size_t i = 0; c->env && i < c->env->nallow; i++)
		if (spec_path_beneath(c->env->allow[i], *out))
			return 0;
	show(*out, strlen(*out), shown, sizeof shown);
	return fail(c, n, "%s is outside the spec's folder %s; a spec reaches no further than its folder unless you grant it: --allow-path DIR",
		    shown, c->dir);
}

/* An absolute guest path, normalised. */
int get_guest_path(struct ctx *c, int n, char **out)
{
	const char *s;

	if (get_text(c, n, &s, "an absolute path") < 0)
		return -1;
	/* get_text() sets s when it returns 0: fail() returns -1 */
	if (s[0] != '/') {	/* NOLINT(clang-analyzer-core.NullDereference) */
		char shown[300];

		return fail(c, n, "\"%s\" must be an absolute path in the guest",
			    show(s, strlen(s), shown, sizeof shown));
	}
	*out = path_resolve("/", s);
	return *out ? 0 : fail_oom(c);
}

/* A mount target: not the root, not where the guest mounts its own
 * file systems. */
int get_target(struct ctx *c, int n, char **out)
{
	static const char *const kept[] = { "/proc", "/sys", "/dev", "/run" };
	char shown[300];
	size_t i;

	if (get_guest_path(c, n, out) < 0)
		return -1;
	/* get_guest_path() sets *out when it returns 0: fail_oom() returns -1 */
	show(*out, strlen(*out), shown, sizeof shown);	/* NOLINT(clang-analyzer-core.NonNullParamChecker) */
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
int map_keys(struct ctx *c, int map, const char *const *names, size_t nnames, int *vals)
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

int need_map(struct ctx *c, int n, const char *expected)
{
	if (c->d->v[n].kind != Y_MAP)
		return fail_type(c, n, expected);
	return 0;
}

int need_seq(struct ctx *c, int n, const char *expected)
{
	if (c->d->v[n].kind != Y_SEQ)
		return fail_type(c, n, expected);
	return 0;
}

void set_pos(struct spec_pos *p, const struct ynode *y)
{
	p->line = y->line;
	p->col = y->col;
}

/* ---- the keys ---- */
