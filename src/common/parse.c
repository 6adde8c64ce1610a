/* parse.c - bounded parsers (OpenBSD strtonum's discipline, no atoi). */
#include "parse.h"

#include <stdio.h>
#include <string.h>

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v, const char **why)
{
	uint64_t n = 0;
	const char *p;

	if (!s || !*s) {
		*why = "not a number";
		return -1;
	}
	for (p = s; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9') {
			*why = "not a number";
			return -1;
		}
		d = (unsigned)(*p - '0');
		if (n > (UINT64_MAX - d) / 10) {
			*why = "too large";
			return -1;
		}
		n = n * 10 + d;
	}
	if (n < min) {
		*why = "too small";
		return -1;
	}
	if (n > max) {
		*why = "too large";
		return -1;
	}
	*v = n;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v, const char **why)
{
	char digits[32];
	size_t len;
	unsigned shift = 0;
	uint64_t n;

	if (!s || !*s) {
		*why = "not a size";
		return -1;
	}
	len = strlen(s);
	switch (s[len - 1]) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	case 'T': shift = 40; break;
	default: break;
	}
	if (shift)
		len--;
	if (len == 0 || len >= sizeof digits) {
		*why = len ? "too large" : "not a size";
		return -1;
	}
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (parse_u64(digits, 0, UINT64_MAX >> shift, &n, why) < 0) {
		if (strcmp(*why, "not a number") == 0)
			*why = "not a size (use a number with K, M, G or T)";
		return -1;
	}
	n <<= shift;
	if (n < min) {
		*why = "too small";
		return -1;
	}
	if (n > max) {
		*why = "too large";
		return -1;
	}
	*v = n;
	return 0;
}

int parse_ipv4(const char *s, uint32_t *addr, const char **why)
{
	uint32_t a = 0;
	int parts = 0;
	const char *p = s;

	if (!s || !*s) {
		*why = "not an IPv4 address";
		return -1;
	}
	for (;;) {
		unsigned v = 0;
		int digits = 0;

		while (*p >= '0' && *p <= '9') {
			if (digits > 0 && v == 0)
				goto bad;	/* leading zero */
			v = v * 10 + (unsigned)(*p - '0');
			if (v > 255 || ++digits > 3)
				goto bad;
			p++;
		}
		if (!digits)
			goto bad;
		a = a << 8 | v;
		parts++;
		if (parts == 4)
			break;
		if (*p++ != '.')
			goto bad;
	}
	if (*p)
		goto bad;
	*addr = a;
	return 0;
bad:
	*why = "not an IPv4 address";
	return -1;
}

int parse_cidr(const char *s, bool strict, uint32_t *net, unsigned *prefix, const char **why)
{
	char buf[20];
	const char *slash = strchr(s, '/');
	uint64_t n;
	uint32_t a;
	size_t len;

	if (!slash) {
		*why = "not a CIDR (a.b.c.d/N)";
		return -1;
	}
	len = (size_t)(slash - s);
	if (len >= sizeof buf) {
		*why = "not a CIDR (a.b.c.d/N)";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_ipv4(buf, &a, why) < 0)
		return -1;
	if (parse_u64(slash + 1, 0, 32, &n, why) < 0) {
		*why = "prefix length must be 0..32";
		return -1;
	}
	if (strict && (a & ~prefix_mask((unsigned)n))) {
		*why = "host bits set after the prefix";
		return -1;
	}
	*net = a;
	*prefix = (unsigned)n;
	return 0;
}

const char *ipv4_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

size_t split_fields(char *line, char **field, size_t max)
{
	size_t n = 0;
	char *p = line;

	p[strcspn(p, "\n")] = '\0';
	for (;;) {
		p += strspn(p, " \t");
		if (!*p)
			return n;
		if (n == max)
			return max + 1;
		field[n++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
}

/* A port: 1..65535, digits only. */
static int parse_port(const char *s, size_t len, uint16_t *port, const char **why)
{
	char buf[8];
	uint64_t v;

	if (len == 0 || len >= sizeof buf || strspn(s, "0123456789") < len) {
		*why = "a port is a number 1..65535";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_u64(buf, 1, 65535, &v, why) < 0) {
		*why = "a port is a number 1..65535";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int parse_port_map(const char *s, struct port_map *pm, const char **why)
{
	const char *slash = strchr(s, '/'), *c1, *c2;
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	pm->host_ip = 0x7f000001;
	pm->proto = 6;
	if (slash) {
		if (strcmp(slash + 1, "tcp") == 0) {
			pm->proto = 6;
		} else if (strcmp(slash + 1, "udp") == 0) {
			pm->proto = 17;
		} else {
			*why = "the protocol is tcp or udp";
			return -1;
		}
	}
	c1 = memchr(s, ':', len);
	if (!c1) {
		*why = "no ':' between the host port and the guest port";
		return -1;
	}
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - s));
	if (c2) {
		size_t iplen = (size_t)(c1 - s);
		char ip[16];

		if (memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - s))) {
			*why = "more than three parts";
			return -1;
		}
		if (iplen == 0 || iplen >= sizeof ip) {
			*why = "the host address is an IPv4 address (a.b.c.d)";
			return -1;
		}
		memcpy(ip, s, iplen);
		ip[iplen] = '\0';
		if (parse_ipv4(ip, &pm->host_ip, why) < 0) {
			*why = "the host address is an IPv4 address (a.b.c.d)";
			return -1;
		}
		s = c1 + 1;
		len -= iplen + 1;
		c1 = c2;
	}
	if (parse_port(s, (size_t)(c1 - s), &pm->host_port, why) < 0 ||
	    parse_port(c1 + 1, len - (size_t)(c1 + 1 - s), &pm->guest_port, why) < 0)
		return -1;
	return 0;
}

const char *port_map_str(const struct port_map *pm, char *buf)
{
	char ip[16];

	snprintf(buf, PORT_MAP_STR_MAX, "%s:%u->%u/%s", ipv4_str(pm->host_ip, ip), pm->host_port,
		 pm->guest_port, pm->proto == 17 ? "udp" : "tcp");
	return buf;
}

int parse_hex(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (size_t k = 0; k < 2; k++) {
			char ch = hex[2 * i + k];

			v <<= 4;
			if (ch >= '0' && ch <= '9')
				v |= (unsigned)(ch - '0');
			else if (ch >= 'a' && ch <= 'f')
				v |= (unsigned)(ch - 'a' + 10);
			else
				return -1;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}
