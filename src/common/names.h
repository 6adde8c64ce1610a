/* names.h - what pool accepts as a name, one rule each, everywhere: in the
 * spec, on the command line, in state folders and in the guest. Pure,
 * libc only. */
#ifndef POOL_NAMES_H
#define POOL_NAMES_H

#include <stdbool.h>

#define POOL_NAME_MAX 32	/* machine names */
#define POOL_USER_MAX 32	/* role (user) names */

/* Machine names (and mesh names): [a-z][a-z0-9-]{0,31}. */
bool valid_machine_name(const char *s);
/* Role names: [a-z_][a-z0-9_-]{0,31}. */
bool valid_user_name(const char *s);
/* Channel names: [a-z][a-z0-9-]{0,14} (a bridge name that is also an nft
 * identifier without "_", which separates the parts of pool's names). */
bool valid_channel_name(const char *s);
/* Mesh group names: [A-Za-z0-9._-]{1,64}. */
bool valid_group_name(const char *s);
/* Linux interface names: 1..15 bytes, no '/', ':', whitespace, not "." or "..". */
bool valid_ifname(const char *s);


#define DNS_PATTERN_NAME_MAX 253	/* a DNS name as text, without "*." */

/* A name or pattern a network allow list may hold: labels of 1..63 bytes
 * of [A-Za-z0-9-_] joined by '.', at most 253 characters, not the root;
 * or "*." and such a name. Return 0, or -1 with *why (a static phrase). */
int valid_dns_pattern(const char *s, const char **why);

/* A byte of a DNS label (letters, digits, '-', '_'): NULL, else what it
 * is, in the words dns_pkt.c and the spec both use. */
const char *dns_char_refused(unsigned char c);

#endif
