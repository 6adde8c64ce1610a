/* addr.h - IPv4 addresses of a link and the default route, over rtnetlink. */
#ifndef POOL_ADDR_H
#define POOL_ADDR_H

#include <stdint.h>

#include "nl.h"

/* Addresses are in host byte order. All return 0 or a negative kernel
 * error code. */
int addr_add(struct nl *nl, int index, uint32_t addr, unsigned prefix);
int addr_del(struct nl *nl, int index, uint32_t addr, unsigned prefix);

/* The first IPv4 address on the link: -ENOENT when it has none. */
int addr_get(struct nl *nl, int index, uint32_t *addr, unsigned *prefix);

/* Call fn for every IPv4 address on every link (fn returns 0 to go on, or
 * a negative errno that addr_each returns). */
typedef int (*addr_fn)(int index, uint32_t addr, unsigned prefix, void *data);
int addr_each(struct nl *nl, addr_fn fn, void *data);

/* The interface of the IPv4 default route of the main table (the one
 * with the lowest metric): -ENOENT when there is none. */
int route_default_oif(struct nl *nl, int *index);

#endif
