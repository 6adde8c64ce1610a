/* tar.c - a tar stream read as it comes, and its headers written
 * (tar.h); libc only, pure. */
#include "tar.h"

#include <stdio.h>
#include <string.h>

enum { ST_HDR, ST_DATA, ST_SKIP, ST_META, ST_PAD, ST_DONE, ST_ERR };

/* Header fields: offset and length. */
#define F_NAME 0, 100
#define F_MODE 100, 8
#define F_SIZE 124, 12
#define F_MTIME 136, 12
#define F_CHKSUM 148, 8
#define F_TYPE 156
#define F_LINK 157, 100
#define F_MAGIC 257, 8
#define F_PREFIX 345, 155

void tar_reader_init(struct tar_reader *r)
{
	memset(r, 0, sizeof *r);
	r->state = ST_HDR;
}

static enum tar_event fail(struct tar_reader *r, const char *msg, const char **why)
{
	r->state = ST_ERR;
	r->err = msg;
	*why = msg;
	return TAR_ERROR;
}

/* A numeric field: octal digits (leading spaces, then NUL or space at
 * the end), or GNU base-256 (high bit of the first byte; positive only).
 * 0 and *v, -1 when it is neither or past max. */
static int num_field(const uint8_t *f, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (f[0] & 0x80) {
		if (f[0] != 0x80)
			return -1;	/* negative, or too large for 63 bits below */
		for (i = 1; i < len; i++) {
			if (x > (max >> 8))
				return -1;
			x = x << 8 | f[i];
		}
		if (x > max)
			return -1;
		*v = x;
		return 0;
	}
	while (i < len && f[i] == ' ')
		i++;
	if (i == len || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (x > (max >> 3))
			return -1;
		x = x << 3 | (uint64_t)(f[i] - '0');
	}
	if (x > max)
		return -1;
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*v = x;
	return 0;
}

/* The checksum: the header's bytes summed with the checksum field read as
 * spaces; unsigned, as POSIX says (some old writers summed signed bytes). */
static bool checksum_ok(const uint8_t *b)
{
	uint64_t want;
	unsigned long u = 0;
	long sg = 0;

	if (num_field(b + 148, 8, 07777777, &want) < 0)
		return false;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		uint8_t c = i >= 148 && i < 156 ? ' ' : b[i];

		u += c;
		sg += (signed char)c;
	}
	return want == u || (sg >= 0 && want == (uint64_t)sg);
}

/* A text field into out (NUL-terminated; the field may fill its length). */
static void text_field(const uint8_t *f, size_t len, char *out)
{
	size_t n = strnlen((const char *)f, len);

	memcpy(out, f, n);
	out[n] = '\0';
}

static bool all_zero(const uint8_t *b)
{
	for (size_t i = 0; i < TAR_BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* A decimal number in a pax value (digits, then optionally a fraction). */
static int pax_num(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	if (n == 0)
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (x > (max - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 0)
		return -1;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (i != n)
		return -1;
	*v = x;
	return 0;
}

/* pax records "LEN KEY=VALUE\n", LEN counting the whole record. */
static const char *pax_parse(struct tar_reader *r)
{
	size_t off = 0;

	while (off < r->mlen) {
		const char *rec = r->mbuf + off, *sp, *eq;
		size_t avail = r->mlen - off, len = 0, i;

		for (i = 0; i < avail && rec[i] >= '0' && rec[i] <= '9' && i < 8; i++)
			len = len * 10 + (size_t)(rec[i] - '0');
		if (i == 0 || i == avail || rec[i] != ' ' || len <= i + 1 || len > avail || rec[len - 1] != '\n')
			return "malformed pax record";
		sp = rec + i + 1;
		eq = memchr(sp, '=', (size_t)(rec + len - 1 - sp));
		if (!eq)
			return "pax record without '='";
		{
			size_t klen = (size_t)(eq - sp), vlen = (size_t)(rec + len - 1 - (eq + 1));
			const char *val = eq + 1;
			uint64_t v;

			if ((klen == 4 && !memcmp(sp, "path", 4)) || (klen == 8 && !memcmp(sp, "linkpath", 8))) {
				char *dst = klen == 4 ? r->pax_name : r->pax_link;

				if (vlen == 0 || vlen >= TAR_NAME_MAX || memchr(val, '\0', vlen))
					return "pax path or linkpath empty, too long or with a NUL";
				memcpy(dst, val, vlen);
				dst[vlen] = '\0';
			} else if (klen == 4 && !memcmp(sp, "size", 4)) {
				if (pax_num(val, vlen, TAR_SIZE_MAX, &v) < 0 || memchr(val, '.', vlen))
					return "pax size is not a number";
				r->pax_size = v;
				r->has_size = true;
			} else if (klen == 5 && !memcmp(sp, "mtime", 5)) {
				if (pax_num(val, vlen, (uint64_t)INT64_MAX, &v) < 0)
					return "pax mtime is not a number";
				r->pax_mtime = (int64_t)v;
				r->has_mtime = true;
			}	/* other keys (atime, uid, uname, xattrs...) are not used */
		}
		off += len;
	}
	return NULL;
}

/* The header in r->block: the next entry, or a record to collect. */
static enum tar_event header(struct tar_reader *r, const char **why)
{
	const uint8_t *b = r->block;
	uint64_t size, mode, mtime;
	char type = (char)b[F_TYPE];
	bool posix;
	struct tar_entry *e = &r->e;

	if (all_zero(b)) {
		if (++r->zeros == 2) {
			r->state = ST_DONE;
			return TAR_END;
		}
		return TAR_NEED;
	}
	if (r->zeros)
		return fail(r, "a zero block inside the archive", why);
	if (!checksum_ok(b))
		return fail(r, "header checksum does not match", why);
	posix = !memcmp(b + 257, "ustar\0" "00", 8);
	if (!posix && memcmp(b + 257, "ustar  \0", 8) != 0)
		return fail(r, "not a ustar or GNU tar header", why);
	if (num_field(b + 124, 12, TAR_SIZE_MAX, &size) < 0)
		return fail(r, "bad size field", why);
	if (type == 'L' || type == 'K' || type == 'x' || type == 'g') {
		if ((type == 'L' || type == 'K') && (size == 0 || size > TAR_NAME_MAX))
			return fail(r, "long name record empty or past 4096 bytes", why);
		if (type == 'x' && size > TAR_PAX_MAX)
			return fail(r, "pax header past 64 KiB", why);
		r->meta = type == 'g' ? 0 : type;
		r->mlen = 0;
		r->left = size;
		r->pad = tar_pad(size);
		r->state = size ? ST_META : ST_PAD;
		return TAR_NEED;
	}
	if (r->has_size)	/* a pax size is the entry's, not a record's */
		size = r->pax_size;
	if (num_field(b + 100, 8, 07777777, &mode) < 0)
		return fail(r, "bad mode field", why);
	if (num_field(b + 136, 12, (uint64_t)INT64_MAX, &mtime) < 0)
		return fail(r, "bad mtime field", why);
	memset(e, 0, sizeof *e);
	switch (type) {
	case '0':
	case '\0':
	case '7':
		e->kind = TAR_FILE;
		break;
	case '5':
		e->kind = TAR_DIR;
		break;
	case '2':
		e->kind = TAR_SYMLINK;
		break;
	case '1':
		e->kind = TAR_HARDLINK;
		break;
	case '3':
	case '4':
	case '6':
		e->kind = TAR_OTHER;
		break;
	default:
		return fail(r, "unsupported entry type (sparse, multi-volume or unknown)", why);
	}
	/* the name: pax, then GNU long name, then the header's own */
	if (r->pax_name[0]) {
		memcpy(e->name, r->pax_name, sizeof e->name);
	} else if (r->long_name[0]) {
		memcpy(e->name, r->long_name, sizeof e->name);
	} else {
		char pre[156], nm[101];

		text_field(b + 0, 100, nm);
		pre[0] = '\0';
		if (posix)
			text_field(b + 345, 155, pre);
		/* at most 155 + 1 + 100 bytes: it fits */
		snprintf(e->name, sizeof e->name, "%s%s%s", pre, pre[0] ? "/" : "", nm);
	}
	if (!e->name[0])
		return fail(r, "entry without a name", why);
	if (e->kind == TAR_SYMLINK || e->kind == TAR_HARDLINK) {
		if (r->pax_link[0])
			memcpy(e->link, r->pax_link, sizeof e->link);
		else if (r->long_link[0])
			memcpy(e->link, r->long_link, sizeof e->link);
		else
			text_field(b + 157, 100, e->link);
		if (!e->link[0])
			return fail(r, "link without a target", why);
	}
	e->mode = (uint32_t)(mode & 07777);
	e->mtime = r->has_mtime ? r->pax_mtime : (int64_t)mtime;
	r->long_name[0] = r->long_link[0] = r->pax_name[0] = r->pax_link[0] = '\0';
	r->has_size = r->has_mtime = false;
	/* only a file's data is handed out; whatever another entry carries
	 * (a hard link's, a device's) is skipped */
	r->left = size;
	r->pad = tar_pad(size);
	if (e->kind == TAR_FILE) {
		e->size = size;
		r->state = size ? ST_DATA : ST_PAD;
	} else {
		r->state = size ? ST_SKIP : ST_PAD;
	}
	return TAR_ENTRY;
}

/* A whole record is in: what it says applies to the next entry. */
static enum tar_event meta_done(struct tar_reader *r, const char **why)
{
	const char *bad;

	r->state = ST_PAD;
	if (r->meta == 'L' || r->meta == 'K') {
		char *dst = r->meta == 'L' ? r->long_name : r->long_link;
		size_t n = strnlen(r->mbuf, r->mlen);

		if (n == 0 || n >= TAR_NAME_MAX)
			return fail(r, "long name record empty or without its end", why);
		memcpy(dst, r->mbuf, n);
		dst[n] = '\0';
	} else if (r->meta == 'x' && (bad = pax_parse(r))) {
		return fail(r, bad, why);
	}
	return TAR_NEED;
}

enum tar_event tar_reader_step(struct tar_reader *r, const uint8_t *p, size_t n, size_t *used,
			       const uint8_t **data, size_t *dlen, const char **why)
{
	size_t take;

	*used = 0;
	*data = NULL;
	*dlen = 0;
	for (;;) {
		switch (r->state) {
		case ST_ERR:
			*why = r->err;
			return TAR_ERROR;
		case ST_DONE:
			*used = n;	/* what follows the end (a writer's padding) is not read */
			return TAR_NEED;
		case ST_HDR:
			take = TAR_BLOCK - r->have < n - *used ? TAR_BLOCK - r->have : n - *used;
			memcpy(r->block + r->have, p + *used, take);
			r->have += take;
			*used += take;
			if (r->have < TAR_BLOCK)
				return TAR_NEED;
			r->have = 0;
			{
				enum tar_event ev = header(r, why);

				if (ev != TAR_NEED)
					return ev;
			}
			break;
		case ST_DATA:
			if (*used == n)
				return TAR_NEED;
			take = r->left < n - *used ? (size_t)r->left : n - *used;
			*data = p + *used;
			*dlen = take;
			*used += take;
			r->left -= take;
			if (r->left == 0)
				r->state = ST_PAD;
			return TAR_DATA;
		case ST_SKIP:
		case ST_META:
			if (*used == n)
				return TAR_NEED;
			take = r->left < n - *used ? (size_t)r->left : n - *used;
			if (r->state == ST_META && r->meta) {
				memcpy(r->mbuf + r->mlen, p + *used, take);	/* left <= TAR_PAX_MAX - mlen */
				r->mlen += take;
			}
			*used += take;
			r->left -= take;
			if (r->left == 0) {
				if (r->state == ST_META && meta_done(r, why) == TAR_ERROR)
					return TAR_ERROR;
				r->state = ST_PAD;
			}
			break;
		case ST_PAD:
			take = r->pad < n - *used ? (size_t)r->pad : n - *used;
			*used += take;
			r->pad -= take;
			if (r->pad)
				return TAR_NEED;
			r->state = ST_HDR;
			break;
		}
	}
}

int tar_reader_finish(const struct tar_reader *r, const char **why)
{
	if (r->state == ST_ERR) {
		*why = r->err;
		return -1;
	}
	if (r->state == ST_DONE || (r->state == ST_HDR && r->have == 0 && !r->long_name[0] &&
				     !r->long_link[0] && !r->pax_name[0] && !r->pax_link[0] && !r->has_size))
		return 0;
	*why = "the archive ends in the middle of an entry";
	return -1;
}

size_t tar_pad(uint64_t size)
{
	return (size_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
}

static void octal(uint8_t *f, size_t len, uint64_t v)
{
	/* len - 1 digits and a NUL */
	f[len - 1] = '\0';
	for (size_t i = len - 1; i-- > 0; v >>= 3)
		f[i] = (uint8_t)('0' + (v & 7));
}

static void size_field(uint8_t *f, uint64_t v)
{
	if (v < (UINT64_C(1) << 33)) {
		octal(f, 12, v);
		return;
	}
	memset(f, 0, 12);	/* base-256 */
	f[0] = 0x80;
	for (size_t i = 11; i > 0; i--, v >>= 8)
		f[i] = (uint8_t)(v & 0xff);
}

static void finish_header(uint8_t *b)
{
	unsigned long sum = 0;

	memcpy(b + 257, "ustar  \0", 8);
	memcpy(b + 265, "root", 4);
	memcpy(b + 297, "root", 4);
	octal(b + 108, 8, 0);
	octal(b + 116, 8, 0);
	memset(b + 148, ' ', 8);
	for (size_t i = 0; i < TAR_BLOCK; i++)
		sum += b[i];
	octal(b + 148, 7, sum);
	b[155] = ' ';
}

/* A GNU long-name record of text (type 'L' or 'K'): header and data. */
static size_t long_record(uint8_t *out, char type, const char *text)
{
	size_t n = strlen(text) + 1, total = TAR_BLOCK + n + tar_pad(n);

	memset(out, 0, total);
	memcpy(out, "././@LongLink", 13);
	octal(out + 100, 8, 0644);
	size_field(out + 124, n);
	octal(out + 136, 12, 0);
	out[156] = (uint8_t)type;
	finish_header(out);
	memcpy(out + TAR_BLOCK, text, n);
	return total;
}

long tar_header_encode(uint8_t *out, size_t cap, const struct tar_entry *e)
{
	size_t nlen = strnlen(e->name, TAR_NAME_MAX), llen = strnlen(e->link, TAR_NAME_MAX), off = 0;
	bool sym = e->kind == TAR_SYMLINK;
	uint8_t *b;

	if (e->kind != TAR_FILE && e->kind != TAR_DIR && !sym)
		return -1;
	if (nlen == 0 || nlen >= TAR_NAME_MAX || (sym && (llen == 0 || llen >= TAR_NAME_MAX)))
		return -1;
	if (e->size > TAR_SIZE_MAX || (e->kind != TAR_FILE && e->size) || e->mtime < 0 || cap < TAR_HEADER_MAX)
		return -1;
	if (nlen >= 100)
		off += long_record(out + off, 'L', e->name);
	if (sym && llen >= 100)
		off += long_record(out + off, 'K', e->link);
	b = out + off;
	memset(b, 0, TAR_BLOCK);
	memcpy(b, e->name, nlen < 100 ? nlen : 99);
	octal(b + 100, 8, e->mode & 07777);
	size_field(b + 124, e->size);
	if ((uint64_t)e->mtime < (UINT64_C(1) << 33))
		octal(b + 136, 12, (uint64_t)e->mtime);
	else
		size_field(b + 136, (uint64_t)e->mtime);
	b[156] = e->kind == TAR_FILE ? '0' : e->kind == TAR_DIR ? '5' : '2';
	if (sym)
		memcpy(b + 157, e->link, llen < 100 ? llen : 99);
	finish_header(b);
	return (long)(off + TAR_BLOCK);
}

int tar_link_within(const char *dir, const char *target, const char **why)
{
	long depth = 0;
	bool climbing = true;

	if (!dir) {
		*why = "the copy itself is a link";
		return -1;
	}
	if (target[0] == '\0' || target[0] == '/') {
		*why = target[0] ? "a link to an absolute path, out of the copy" : "an empty link";
		return -1;
	}
	for (const char *p = dir; *p;) {
		size_t l = strcspn(p, "/");

		depth += l > 0;
		p += l + (p[l] == '/');
	}
	for (const char *p = target; *p;) {
		size_t l = strcspn(p, "/");

		if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (!climbing || --depth < 0) {
				*why = climbing ? "a link that leads out of the copy"
						: "a link with \"..\" after a name (it could climb through another link)";
				return -1;
			}
		} else if (l > 0 && !(l == 1 && p[0] == '.')) {
			climbing = false;
			depth++;
		}
		p += l + (p[l] == '/');
	}
	return 0;
}
