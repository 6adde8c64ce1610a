/* nft.c - libnftables wrapper: scripts applied atomically, errors kept to one line. */
#include "nft.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "util/cleanup.h"

static void nft_ctx_freep(struct nft_ctx **ctx)
{
	if (*ctx)
		nft_ctx_free(*ctx);
}
#define _cleanup_nft_ __attribute__((cleanup(nft_ctx_freep)))

/* The first line of nft's error text that says what went wrong
 * ("Error: ..."), without the echo of the script that follows it. */
static void first_error(const char *text, char *out, size_t size)
{
	const char *s = text ? strstr(text, "Error: ") : NULL;
	size_t n;

	if (!s)
		s = text && *text ? text : "unknown error";
	n = strcspn(s, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static int run(const char *script, unsigned int flags, char **out, struct pool_err *e)
{
	_cleanup_nft_ struct nft_ctx *ctx = NULL;
	int r;

	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return pool_err_fail(e, "nftables: cannot create a context");
	if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0)
		return pool_err_fail(e, "nftables: cannot buffer output");
	nft_ctx_output_set_flags(ctx, flags);
	r = nft_run_cmd_from_buffer(ctx, script);
	if (r != 0) {
		char line[512];

		first_error(nft_ctx_get_error_buffer(ctx), line, sizeof line);
		return pool_err_fail(e, "nftables: %s", line);
	}
	if (out) {
		const char *o = nft_ctx_get_output_buffer(ctx);

		*out = strdup(o ? o : "");
		if (!*out)
			return pool_err_fail(e, "nftables: out of memory");
	}
	return 0;
}

int nft_run(const char *script, char **out, struct pool_err *e)
{
	return run(script, 0, out, e);
}

int nft_table_exists(const char *family, const char *name, bool *exists, struct pool_err *e)
{
	_cleanup_free_ char *out = NULL;
	char want[128];
	const char *p;
	size_t n;

	if (nft_run("list tables", &out, e) < 0)
		return -1;
	n = (size_t)snprintf(want, sizeof want, "table %s %s", family, name);
	*exists = false;
	for (p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, want, n) == 0 && (p[n] == '\n' || p[n] == '\0')) {
			*exists = true;
			break;
		}
	}
	return 0;
}

int nft_list_table(const char *family, const char *name, bool terse, char **out,
		   struct pool_err *e)
{
	char cmd[128];
	bool exists;

	*out = NULL;
	if (nft_table_exists(family, name, &exists, e) < 0)
		return -1;
	if (!exists)
		return 0;
	snprintf(cmd, sizeof cmd, "list table %s %s", family, name);
	return run(cmd, terse ? NFT_CTX_OUTPUT_TERSE : 0, out, e);
}

/* Interface names that go into an nft script: nothing that could end a
 * string or a statement. */
bool nft_name_ok(const char *s)
{
	size_t i;

	if (!valid_ifname(s))
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/* Whether a terse listing holds "\t<kind> <name> {". */
bool nft_has_object(const char *listing, const char *kind, const char *name)
{
	size_t kn = strlen(kind), nn = strlen(name);
	const char *p;

	for (p = listing; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (p[0] != '\t' || p[1] == '\t')
			continue;
		if (strncmp(p + 1, kind, kn) == 0 && p[1 + kn] == ' ' &&
		    strncmp(p + 2 + kn, name, nn) == 0 && strncmp(p + 2 + kn + nn, " {", 2) == 0)
			return true;
	}
	return false;
}

/* Call fn for each top-level object "<kind> <name>" of a terse listing. */
void nft_each_object(const char *listing, nft_object_fn fn, void *data)
{
	static const char *const kinds[] = { "chain", "set", "map" };
	const char *p;

	for (p = listing; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t i, kn, n;
		char name[256];

		if (p[0] != '\t' || p[1] == '\t')
			continue;
		for (i = 0; i < ARRAY_SIZE(kinds); i++) {
			kn = strlen(kinds[i]);
			if (strncmp(p + 1, kinds[i], kn) == 0 && p[1 + kn] == ' ')
				break;
		}
		if (i == ARRAY_SIZE(kinds))
			continue;
		n = strcspn(p + 2 + kn, " \n");
		if (n == 0 || n >= sizeof name)
			continue;
		memcpy(name, p + 2 + kn, n);
		name[n] = '\0';
		fn(kinds[i], name, data);
	}
}

/* Close the memstream f (which fills *buf) and run it as one transaction. */
int nft_run_stream(FILE *f, char **buf, struct pool_err *e)
{
	if (fclose(f) != 0)
		return pool_err_sys(e, "nft script");
	return nft_run(*buf, NULL, e);
}
