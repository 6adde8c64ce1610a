/* nft.h - run nft scripts through libnftables: one script, one transaction. */
#ifndef POOL_NFT_H
#define POOL_NFT_H

#include <stdbool.h>
#include <stdio.h>

#include "util/err.h"

/* Run script (nft syntax, several commands) as a single transaction:
 * all of it applies or none of it. If out is given, it receives the
 * listing output (malloc'd, caller frees). On failure e holds nft's
 * first error line. */
int nft_run(const char *script, char **out, struct pool_err *e);

/* Whether table "family name" exists. -1 with e set when nft failed. */
int nft_table_exists(const char *family, const char *name, bool *exists, struct pool_err *e);

/* The terse listing (no set elements) of table "family name" in *out,
 * or *out = NULL when the table does not exist. */
int nft_list_table(const char *family, const char *name, bool terse, char **out,
		   struct pool_err *e);

/* Interface names that go into an nft script: nothing that could end a
 * string or a statement ([A-Za-z0-9_.-], and a valid interface name). */
bool nft_name_ok(const char *s);

/* Whether a terse listing holds "\t<kind> <name> {". */
bool nft_has_object(const char *listing, const char *kind, const char *name);

/* Call fn for each top-level object "<kind> <name>" (chain, set, map) of
 * a terse listing. */
typedef void (*nft_object_fn)(const char *kind, const char *name, void *data);
void nft_each_object(const char *listing, nft_object_fn fn, void *data);

/* Close the memstream f (which fills *buf) and run it as one transaction. */
int nft_run_stream(FILE *f, char **buf, struct pool_err *e);

#endif
