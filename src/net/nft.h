/* nft.h - run nft scripts through libnftables: one script, one transaction. */
#ifndef POOL_NFT_H
#define POOL_NFT_H

#include <stdbool.h>

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

#endif
