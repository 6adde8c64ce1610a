/* nft.c - libnftables wrapper: scripts applied atomically, errors kept to one line. */
#include "nft.h"

#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	const char *o;
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
		o = nft_ctx_get_output_buffer(ctx);
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
