/* kmod.c - kernel module closure from modules.dep, in load order; modules.builtin lookups. */
#include "kmod.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

#define KMOD_PATH_MAX 4095

/* A line of modules.dep: "path: dep dep ...". All spans point into the text. */
struct kmod_entry {
	const char *path;
	size_t plen;
	const char *name;	/* the module name inside path, not yet normalized */
	size_t nlen;
	const char *deps;	/* what follows the ':' */
	size_t dlen;
	size_t line;		/* 1-based, also the tie-break for duplicate names */
};

/* A DFS frame: the entry and how far into its dependency list we are. */
struct kmod_frame {
	size_t ent;
	size_t cur;
};

enum { KMOD_NEW = 0, KMOD_OPEN, KMOD_DONE };

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static int has_suffix(const char *p, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(p + len - n, suf, n) == 0;
}

/* The module name in a path: its last component without .ko[.xz|.zst|.gz]. */
static void name_span(const char *p, size_t len, const char **name, size_t *nlen)
{
	static const char *const sufs[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	const char *b = p;

	for (size_t i = 0; i < len; i++)
		if (p[i] == '/')
			b = p + i + 1;
	len -= (size_t)(b - p);
	for (size_t i = 0; i < ARRAY_SIZE(sufs); i++) {
		if (has_suffix(b, len, sufs[i])) {
			len -= strlen(sufs[i]);
			break;
		}
	}
	*name = b;
	*nlen = len;
}

static char norm(char ch)
{
	return ch == '-' ? '_' : ch;
}

/* Module names compare with '-' and '_' the same. */
static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)norm(a[i]), y = (unsigned char)norm(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

void kmod_name(const char *path, char *out, size_t cap)
{
	const char *name;
	size_t nlen;

	if (cap == 0)
		return;
	name_span(path, strlen(path), &name, &nlen);
	if (nlen > cap - 1)
		nlen = cap - 1;
	for (size_t i = 0; i < nlen; i++)
		out[i] = norm(name[i]);
	out[nlen] = '\0';
}

/* The next line of text at *cur, without its '\n' and trimmed at both ends. */
static int next_line(const char *text, size_t len, size_t *cur, const char **line, size_t *llen)
{
	const char *s, *nl;
	size_t n;

	if (*cur >= len)
		return 0;
	s = text + *cur;
	nl = memchr(s, '\n', len - *cur);
	n = nl ? (size_t)(nl - s) : len - *cur;
	*cur += n + (nl ? 1 : 0);
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	*line = s;
	*llen = n;
	return 1;
}

/* The next whitespace-separated word of deps[0..dlen) from *cur. */
static int next_word(const char *deps, size_t dlen, size_t *cur, const char **w, size_t *wlen)
{
	size_t i = *cur, j;

	while (i < dlen && is_space(deps[i]))
		i++;
	if (i == dlen) {
		*cur = i;
		return 0;
	}
	for (j = i; j < dlen && !is_space(deps[j]); j++)
		;
	*w = deps + i;
	*wlen = j - i;
	*cur = j;
	return 1;
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct kmod_entry *a = pa, *b = pb;
	int r = name_cmp(a->name, a->nlen, b->name, b->nlen);

	if (r)
		return r;
	return a->line < b->line ? -1 : a->line > b->line ? 1 : 0;
}

/* The first entry (in file order) with this name, or SIZE_MAX. */
static size_t lookup(const struct kmod_entry *ents, size_t n, const char *name, size_t nlen)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (name_cmp(ents[mid].name, ents[mid].nlen, name, nlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && name_cmp(ents[lo].name, ents[lo].nlen, name, nlen) == 0)
		return lo;
	return SIZE_MAX;
}

/* Split modules.dep into entries, sorted by name. */
static int parse_dep(const char *dep, size_t len, struct kmod_entry **out, size_t *nout,
		     struct pool_err *e)
{
	_cleanup_free_ struct kmod_entry *ents = NULL;
	size_t nlines = 1, n = 0, cur = 0, lineno = 0;
	const char *line;
	size_t llen;

	for (size_t i = 0; i < len; i++)
		if (dep[i] == '\n')
			nlines++;
	ents = calloc(nlines, sizeof *ents);
	if (!ents)
		return pool_err_sys(e, "modules.dep");
	while (next_line(dep, len, &cur, &line, &llen)) {
		struct kmod_entry *en;
		const char *colon;
		size_t plen;

		lineno++;
		if (llen == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', llen))
			return pool_err_fail(e, "modules.dep:%zu: NUL byte", lineno);
		colon = memchr(line, ':', llen);
		if (!colon)
			return pool_err_fail(e, "modules.dep:%zu: no ':' after the module path",
					     lineno);
		plen = (size_t)(colon - line);
		while (plen && is_space(line[plen - 1]))
			plen--;
		if (plen == 0)
			return pool_err_fail(e, "modules.dep:%zu: empty module path", lineno);
		if (plen > KMOD_PATH_MAX)
			return pool_err_fail(e, "modules.dep:%zu: module path longer than %d bytes",
					     lineno, KMOD_PATH_MAX);
		en = &ents[n++];
		en->path = line;
		en->plen = plen;
		name_span(line, plen, &en->name, &en->nlen);
		if (en->nlen == 0)
			return pool_err_fail(e, "modules.dep:%zu: no module name in %.*s",
					     lineno, (int)plen, line);
		en->deps = colon + 1;
		en->dlen = llen - (size_t)(colon + 1 - line);
		en->line = lineno;
	}
	if (n)
		qsort(ents, n, sizeof *ents, entry_cmp);
	*out = steal_ptr(&ents);
	*nout = n;
	return 0;
}

/* "a -> b -> a" from the DFS stack, from the frame of `again` to the top. */
static int cycle_err(const struct kmod_entry *ents, const struct kmod_frame *st, size_t top,
		     size_t again, struct pool_err *e)
{
	char msg[512];
	size_t at = 0, i = top;

	while (i > 0 && st[i - 1].ent != again)
		i--;
	if (i > 0)
		i--;
	msg[0] = '\0';
	for (; i < top && at < sizeof msg; i++) {
		const struct kmod_entry *en = &ents[st[i].ent];
		int w = snprintf(msg + at, sizeof msg - at, "%.*s -> ", (int)en->nlen, en->name);

		if (w < 0)
			break;
		at += (size_t)w;
	}
	return pool_err_fail(e, "modules.dep: dependency cycle: %s%.*s", msg,
			     (int)ents[again].nlen, ents[again].name);
}

int kmod_closure(const char *dep, size_t len, const char *const *want, size_t nwant,
		 struct strv *out, struct pool_err *e)
{
	_cleanup_free_ struct kmod_entry *ents = NULL;
	_cleanup_free_ struct kmod_frame *st = NULL;
	_cleanup_free_ uint8_t *state = NULL;
	_cleanup_free_ size_t *order = NULL;
	size_t n = 0, norder = 0, n0 = out->n;

	if (parse_dep(dep, len, &ents, &n, e) < 0)
		return -1;
	st = calloc(n + 1, sizeof *st);
	state = calloc(n + 1, 1);
	order = calloc(n + 1, sizeof *order);
	if (!st || !state || !order)
		return pool_err_sys(e, "modules.dep");

	for (size_t w = 0; w < nwant; w++) {
		const char *name;
		size_t nlen, top = 0, ent;

		name_span(want[w], strlen(want[w]), &name, &nlen);
		ent = nlen ? lookup(ents, n, name, nlen) : SIZE_MAX;
		if (ent == SIZE_MAX)
			return pool_err_fail(e, "module %s is not in modules.dep", want[w]);
		if (state[ent] == KMOD_DONE)
			continue;
		state[ent] = KMOD_OPEN;
		st[top++] = (struct kmod_frame){ .ent = ent, .cur = 0 };
		/* Iterative DFS: a module is done once all it needs is done. */
		while (top) {
			struct kmod_frame *f = &st[top - 1];
			/* ents is NULL only for an empty modules.dep, where lookup() finds nothing */
			const struct kmod_entry *en = &ents[f->ent];
			const char *word, *dn;
			size_t wlen, dnlen, d;

			if (!next_word(en->deps, en->dlen, &f->cur, &word, &wlen)) {	/* NOLINT(clang-analyzer-core.NullDereference) */
				state[f->ent] = KMOD_DONE;
				order[norder++] = f->ent;
				top--;
				continue;
			}
			name_span(word, wlen, &dn, &dnlen);
			d = dnlen ? lookup(ents, n, dn, dnlen) : SIZE_MAX;
			if (d == SIZE_MAX)
				return pool_err_fail(e, "module %.*s (needed by %.*s) is not in modules.dep",
						     (int)(wlen > 256 ? 256 : wlen), word,
						     (int)en->nlen, en->name);
			if (state[d] == KMOD_DONE)
				continue;
			if (state[d] == KMOD_OPEN)
				return cycle_err(ents, st, top, d, e);
			state[d] = KMOD_OPEN;
			st[top++] = (struct kmod_frame){ .ent = d, .cur = 0 };
		}
	}

	for (size_t i = 0; i < norder; i++) {
		const struct kmod_entry *en = &ents[order[i]];

		if (strv_addf(out, "%.*s", (int)en->plen, en->path) < 0) {
			while (out->n > n0)
				free(out->v[--out->n]);
			if (out->v)
				out->v[out->n] = NULL;
			return pool_err_sys(e, "modules.dep");
		}
	}
	return 0;
}

int kmod_builtin(const char *builtin, size_t len, const char *name)
{
	const char *want, *line;
	size_t wlen, llen, cur = 0;

	name_span(name, strlen(name), &want, &wlen);
	if (wlen == 0)
		return 0;
	while (next_line(builtin, len, &cur, &line, &llen)) {
		const char *mn;
		size_t mlen;

		if (llen == 0 || line[0] == '#')
			continue;
		name_span(line, llen, &mn, &mlen);
		if (name_cmp(mn, mlen, want, wlen) == 0)
			return 1;
	}
	return 0;
}

#define MODULE_SIG_STRING "~Module signature appended~\n"
#define MODULE_SIG_INFO_LEN 12	/* algo, hash, id_type, signer_len, key_id_len, pad[3], be32 sig_len */

size_t kmod_unsigned_len(const uint8_t *buf, size_t n)
{
	const size_t mlen = sizeof MODULE_SIG_STRING - 1;
	const uint8_t *info;
	uint64_t sig;

	if (n < mlen + MODULE_SIG_INFO_LEN || memcmp(buf + n - mlen, MODULE_SIG_STRING, mlen) != 0)
		return n;
	info = buf + n - mlen - MODULE_SIG_INFO_LEN;
	sig = (uint64_t)info[3] + info[4] +
	      ((uint64_t)info[8] << 24 | (uint64_t)info[9] << 16 | (uint64_t)info[10] << 8 | info[11]);
	if (sig > n - mlen - MODULE_SIG_INFO_LEN)
		return n;
	return n - mlen - MODULE_SIG_INFO_LEN - (size_t)sig;
}
