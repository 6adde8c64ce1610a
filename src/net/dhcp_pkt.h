/* dhcp_pkt.h - DHCP messages and their Ethernet/IPv4/UDP frames: pure parsers and builders (libc only). */
#ifndef POOL_DHCP_PKT_H
#define POOL_DHCP_PKT_H

/*
 * Used by the host's per-machine DHCP responder and by pool-init's DHCP
 * client, so this depends on libc only: functions return -1 and set
 * *why to a static phrase; nothing logs, nothing allocates.
 *
 * All IPv4 addresses in this interface are in host byte order (as in
 * util/parse.h); the wire is big-endian and is read byte by byte.
 *
 * Parsing rules (RFC 2131, RFC 2132), decided once here:
 *  - The fixed BOOTP header (236 bytes) and the magic cookie are required;
 *    without the cookie the message is not DHCP and is refused.
 *  - Option 53 (message type) is required: plain BOOTP is refused.
 *  - Each option's length is checked against what remains of its field
 *    before it is read; an option running past its field is refused.
 *  - Pad (0) is skipped; End (255) ends a field; a field that simply runs
 *    out without End is accepted (common in the wild).
 *  - Option overload (52) is honoured as RFC 2131 section 4.1 says: the
 *    options field first, then 'file' (value 1 or 3), then 'sname'
 *    (value 2 or 3). Option 52 inside file/sname is refused.
 *  - Duplicates: RFC 3396 concatenation is NOT implemented. An option this
 *    parser interprets that appears twice (in any field) is refused, so no
 *    value is ever assembled from pieces; duplicates of options it does
 *    not interpret are skipped.
 *  - Fixed-size options with the wrong length are refused. Lists (3, 6)
 *    must be a non-zero multiple of 4; only the first router and the
 *    first DHCP_MAX_DNS servers are kept.
 *  - Host name (12): copied (NUL-terminated) only when 1..63 bytes of
 *    [A-Za-z0-9.-_]; anything else is not copied and hostname_ignored is
 *    set, and the message is still accepted.
 *  - Client identifier (61): a pointer and length into the caller's buffer
 *    (valid while that buffer is); never copied.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "udp_frame.h"

enum {
	BOOTREQUEST = 1,
	BOOTREPLY = 2,
};

enum {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTER = 3,
	DHO_DNS = 6,
	DHO_HOST_NAME = 12,
	DHO_DOMAIN_NAME = 15,
	DHO_BROADCAST = 28,
	DHO_REQUESTED_IP = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MSG_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAM_REQ = 55,
	DHO_RENEWAL_TIME = 58,
	DHO_REBINDING_TIME = 59,
	DHO_CLIENT_ID = 61,
	DHO_END = 255,
};

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236		/* op .. file */
#define DHCP_HDR_LEN 240		/* fixed part + magic cookie */
#define DHCP_MIN_LEN 300		/* BOOTP minimum; replies are padded to it */
#define DHCP_PKT_MAX 576		/* what our builders ever produce */
#define DHCP_HOSTNAME_MAX 63
#define DHCP_MAX_DNS 4
#define DHCP_FRAME_HDR_LEN UDP_FRAME_HDR_LEN
#define DHCP_FRAME_MAX (DHCP_FRAME_HDR_LEN + DHCP_PKT_MAX)

/* A parsed BOOTP/DHCP message. Pointers point into the parsed buffer. */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];

	uint8_t type;			/* option 53, always set on success */
	uint8_t overload;		/* option 52 value, 0 if absent */

	bool has_requested_ip, has_server_id, has_lease_time, has_subnet_mask,
	     has_router, has_t1, has_t2, has_broadcast;
	uint32_t requested_ip;		/* 50 */
	uint32_t server_id;		/* 54 */
	uint32_t lease_time;		/* 51, seconds */
	uint32_t subnet_mask;		/* 1 */
	uint32_t router;		/* 3, the first one */
	uint32_t broadcast;		/* 28 */
	uint32_t t1, t2;		/* 58, 59, seconds */
	uint32_t dns[DHCP_MAX_DNS];	/* 6, the first DHCP_MAX_DNS */
	unsigned ndns;

	bool has_hostname, hostname_ignored;
	char hostname[DHCP_HOSTNAME_MAX + 1];	/* 12 */

	const uint8_t *client_id;	/* 61, into the buffer; NULL if absent */
	size_t client_id_len;

	bool has_param_req;
	uint8_t param_req[32];		/* 55 as a bitmap of option codes */
};

#define DHCP_BROADCAST_FLAG 0x8000

static inline bool dhcp_msg_requests(const struct dhcp_msg *m, uint8_t code)
{
	return (m->param_req[code / 8] >> (code % 8)) & 1;
}

/* Parse a UDP payload. Pure: reads only buf[0..len). Return 0, or -1 with
 * *why set. *m is fully written on success and left unspecified on failure. */
int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m, const char **why);

/* Name of a message type ("DISCOVER"), "unknown" for others. */
const char *dhcp_type_name(uint8_t type);

/* udp_frame_parse (udp_frame.h), and then ports 68->67 or 67->68.
 * Return 0, or -1 with *why. */
int dhcp_frame_parse(const uint8_t *frame, size_t len, struct udp_frame *f, const char **why);


/* ---- server side: the per-machine responder ---- */

struct dhcpd_config {
	uint8_t machine_mac[6];		/* the only client answered */
	uint32_t machine_ip;		/* the address it gets */
	unsigned prefix;		/* 1..30 */
	uint32_t router;
	uint32_t server_ip;		/* our source address and server id (54) */
	uint8_t server_mac[6];		/* source MAC of reply frames */
	uint32_t dns[3];
	unsigned ndns;			/* 0..3 */
	const char *hostname;		/* the machine's name; NULL: none sent */
	uint32_t lease_time;		/* seconds; T1 = 50 %, T2 = 87.5 % */
};

enum dhcpd_action {
	DHCPD_SILENT = 0,
	DHCPD_OFFER,
	DHCPD_ACK,
	DHCPD_NAK,
};

enum dhcpd_req_state {
	DHCPD_STATE_NONE = 0,
	DHCPD_STATE_SELECTING,		/* REQUEST with server id */
	DHCPD_STATE_INIT_REBOOT,	/* REQUEST with requested IP, no server id */
	DHCPD_STATE_RENEWING,		/* REQUEST with only ciaddr (renewing or rebinding) */
};

/* What the responder decided, for the log line. */
struct dhcp_reply_info {
	enum dhcpd_action action;
	uint8_t req_type;		/* the request's option 53 */
	enum dhcpd_req_state state;	/* for REQUEST */
	uint32_t addr;			/* address concerned: offered/acked, or the
					 * one declined/released/refused */
	bool broadcast;			/* reply goes to ff:ff:ff:ff:ff:ff / 255.255.255.255 */
	const char *why;		/* reason for silence or NAK; NULL otherwise */
};

/* Decide the reply to a parsed request (README, Network). Pure.
 * Return 1 with the reply payload in out[0..*outlen), 0 when no reply is
 * due (info says why), or -1 when cap or the config is unusable (info->why). */
int dhcpd_reply(const struct dhcpd_config *cfg, const struct dhcp_msg *req,
		uint8_t *out, size_t cap, size_t *outlen, struct dhcp_reply_info *info);

/* Addresses for the frame carrying a reply dhcpd_reply produced:
 * broadcast when info->broadcast, else unicast to ciaddr and chaddr. */
void dhcpd_reply_frame(const struct dhcpd_config *cfg, const struct dhcp_msg *req,
		       const struct dhcp_reply_info *info, struct udp_frame *f);

/* ---- client side: pool-init ---- */

struct dhcpc_params {
	uint8_t mac[6];
	uint32_t xid;
	uint16_t secs;
	uint32_t ciaddr;		/* renewing/rebinding/release; else 0 */
	uint32_t requested_ip;		/* option 50 when non-zero */
	uint32_t server_id;		/* option 54 when non-zero */
	bool broadcast;			/* set the broadcast flag */
};

/* Build a client message of the given type with option 61 (type 1 + MAC),
 * 50 and 54 when set, and for DISCOVER/REQUEST/INFORM the parameter request
 * list 1,3,6,12,15,51,54,58,59. Padded to DHCP_MIN_LEN. */
int dhcpc_build(uint8_t type, const struct dhcpc_params *p,
		uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* DISCOVER with the broadcast flag. */
int dhcpc_discover(const uint8_t mac[6], uint32_t xid,
		   uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* REQUEST in SELECTING state: requested IP and server id from the OFFER. */
int dhcpc_request(const uint8_t mac[6], uint32_t xid, uint32_t requested_ip, uint32_t server_id,
		  uint8_t *out, size_t cap, size_t *outlen, const char **why);

/* Is m a BOOTREPLY to our transaction (xid, Ethernet, our MAC)? */
bool dhcpc_reply_is_ours(const struct dhcp_msg *m, const uint8_t mac[6], uint32_t xid);

#endif
