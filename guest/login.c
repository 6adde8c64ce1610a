/* login.c - roles in the guest: passwd and shadow lookup with a cursor,
 * login names, and the password check (yescrypt through libcrypt). */
#include "login.h"
#include "common/names.h"

#include <crypt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 9	/* shadow has 9 fields, passwd 7 */

struct field {
	const char *p;
	size_t n;
};

/* The line at *cur: [start, end) without its newline; *cur moves past it.
 * Returns false at the end of the buffer. */
static bool next_line(const char *buf, size_t len, size_t *cur, const char **start, size_t *n)
{
	const char *nl;

	if (*cur >= len)
		return false;
	*start = buf + *cur;
	nl = memchr(*start, '\n', len - *cur);
	*n = nl ? (size_t)(nl - *start) : len - *cur;
	*cur += *n + (nl ? 1 : 0);
	return true;
}

/* Split a line on ':' into exactly want fields; false when the count differs. */
static bool split(const char *p, size_t n, struct field *f, size_t want)
{
	size_t k = 0, start = 0;

	if (n > LOGIN_LINE_MAX || memchr(p, '\0', n))
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != ':')
			continue;
		if (k == want)
			return false;
		f[k].p = p + start;
		f[k].n = i - start;
		k++;
		start = i + 1;
	}
	return k == want;
}

static bool field_copy(const struct field *f, char *out, size_t cap)
{
	if (f->n >= cap)
		return false;
	memcpy(out, f->p, f->n);
	out[f->n] = '\0';
	return true;
}

/* Decimal id, no sign, no leading zeros but "0", below 2^31. */
static bool field_id(const struct field *f, unsigned *v)
{
	uint64_t x = 0;

	if (f->n == 0 || f->n > 10 || (f->n > 1 && f->p[0] == '0'))
		return false;
	for (size_t i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(f->p[i] - '0');
	}
	if (x > INT32_MAX)
		return false;
	*v = (unsigned)x;
	return true;
}

int login_passwd_next(const char *buf, size_t len, size_t *cur, struct login_user *u)
{
	struct field f[FIELDS_MAX];
	const char *line;
	size_t n;

	do {
		if (!next_line(buf, len, cur, &line, &n))
			return 0;
	} while (n == 0);
	memset(u, 0, sizeof *u);
	if (!split(line, n, f, 7) ||
	    !field_copy(&f[0], u->name, sizeof u->name) || !valid_user_name(u->name) ||
	    !field_id(&f[2], &u->uid) || !field_id(&f[3], &u->gid) ||
	    !field_copy(&f[5], u->home, sizeof u->home) || u->home[0] != '/' ||
	    !field_copy(&f[6], u->shell, sizeof u->shell)) {
		memset(u, 0, sizeof *u);
		return -1;
	}
	return 1;
}

int login_passwd_find(const char *buf, size_t len, const char *name, struct login_user *u)
{
	size_t cur = 0;
	int r;

	while ((r = login_passwd_next(buf, len, &cur, u)) != 0)
		if (r > 0 && strcmp(u->name, name) == 0)
			return 0;
	memset(u, 0, sizeof *u);
	return -1;
}

int login_shadow_find(const char *buf, size_t len, const char *name, char *hash, size_t cap)
{
	struct field f[FIELDS_MAX];
	const char *line;
	size_t cur = 0, n;

	while (next_line(buf, len, &cur, &line, &n)) {
		const char *colon = memchr(line, ':', n);

		if (!colon || (size_t)(colon - line) != strlen(name) ||
		    memcmp(line, name, (size_t)(colon - line)) != 0)
			continue;
		if (!split(line, n, f, 9) || !field_copy(&f[1], hash, cap))
			return -2;
		return 0;
	}
	return -1;
}

bool login_autologin(const char *shadow, size_t len)
{
	char hash[LOGIN_HASH_MAX + 1];

	return login_shadow_find(shadow, len, "root", hash, sizeof hash) == 0 && hash[0] == '\0';
}

bool login_verify(const char *hash, const char *password)
{
	struct crypt_data *cd;
	const char *h;
	size_t n = strlen(hash);
	bool ok;

	if (n == 0 || n > LOGIN_HASH_MAX || hash[0] == '!' || hash[0] == '*')
		return false;
	cd = calloc(1, sizeof *cd);	/* about 32 KiB: not on the stack */
	if (!cd)
		return false;
	h = crypt_rn(password, hash, cd, (int)sizeof *cd);
	ok = h && h[0] != '*' && strlen(h) == n;
	if (ok) {
		unsigned char diff = 0;

		for (size_t i = 0; i < n; i++)	/* every byte, whatever differs first */
			diff |= (unsigned char)(h[i] ^ hash[i]);
		ok = diff == 0;
	}
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}
