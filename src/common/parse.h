/* parse.h - bounded parsers for numbers, sizes and addresses. Pure. */
#ifndef POOL_PARSE_H
#define POOL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole-string decimal in [min, max]. No sign, no spaces, no prefix match.
 * Return 0, or -1 with *why set to a static phrase ("not a number",
 * "too large", "too small"). */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v, const char **why);

/* Sizes: digits with an optional K, M, G or T suffix (powers of 1024);
 * a bare number is bytes. Bounds in bytes. */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v, const char **why);

/* Dotted quad, exactly four decimal parts 0..255, no leading zeros.
 * The result is in host byte order. */
int parse_ipv4(const char *s, uint32_t *addr, const char **why);

/* a.b.c.d/N with N 0..32; host bits must be zero when strict is true. */
int parse_cidr(const char *s, bool strict, uint32_t *net, unsigned *prefix, const char **why);

/* Split line in place into at most max fields separated by spaces and
 * tabs (a trailing newline ends the line). Returns how many fields there
 * are, max + 1 when there are more than max (so "exactly n" is one
 * comparison); each field[i] points into line. */
size_t split_fields(char *line, char **field, size_t max);

/* Format a host-order IPv4 address; buf must hold 16 bytes. */
const char *ipv4_str(uint32_t addr, char buf[16]);

static inline uint32_t prefix_mask(unsigned prefix)
{
	return prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
}

/* Whether address a lies in net/prefix. */
static inline bool ipv4_in(uint32_t a, uint32_t net, unsigned prefix)
{
	return (a & prefix_mask(prefix)) == (net & prefix_mask(prefix));
}


#endif
