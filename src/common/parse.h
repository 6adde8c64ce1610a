/* parse.h - bounded parsers for numbers, sizes and addresses. Pure. */
#ifndef POOL_PARSE_H
#define POOL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole-string decimal in [min, max]. No sign, no spaces, no prefix match.
 * Return 0, or -1 with *why set to a static phrase ("not a number",
 * "too large", "too small"). */
/* N bytes from 2N lowercase hex digits (a plan hash); what follows them is
 * not looked at. 0, or -1 at a byte that is not one. */
int parse_hex(const char *hex, uint8_t *out, size_t n);

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

/* A published port: HOST_IP:HOST_PORT on the host reaches GUEST_PORT of
 * the machine. */
struct port_map {
	uint32_t host_ip;	/* host byte order; 127.0.0.1 when not given */
	uint16_t host_port, guest_port;	/* 1..65535 */
	uint8_t proto;		/* 6 tcp (the default) or 17 udp */
};

#define PORT_MAPS_MAX 32

/* Docker's "[HOST_IP:]HOST_PORT:GUEST_PORT[/tcp|udp]". Return 0, or -1
 * with *why (a static phrase). */
int parse_port_map(const char *s, struct port_map *pm, const char **why);

/* "127.0.0.1:8080->8000/tcp" into buf (at least PORT_MAP_STR_MAX bytes). */
#define PORT_MAP_STR_MAX 40
const char *port_map_str(const struct port_map *pm, char *buf);

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
