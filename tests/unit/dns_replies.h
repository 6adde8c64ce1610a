/* dns_replies.h - pool's DNS replies that carry no records, each with the RCODE it sets. */
#ifndef POOL_TESTS_DNS_REPLIES_H
#define POOL_TESTS_DNS_REPLIES_H

#include "src/net/dns_pkt.h"

typedef int (*dns_reply_fn)(const struct dns_query *, uint8_t *, size_t, size_t *, const char **);

static const struct {
	dns_reply_fn fn;
	unsigned rcode;
} dns_rcode_replies[] = {
	{ dns_reply_refused, DNS_RCODE_REFUSED },
	{ dns_reply_servfail, DNS_RCODE_SERVFAIL },
	{ dns_reply_nxdomain, DNS_RCODE_NXDOMAIN },
	{ dns_reply_empty, DNS_RCODE_NOERROR },
};

#endif
