/* dhcp_pkt.c - DHCP messages and frames: cursor-based parsers and bounded builders (libc only). */
#include "dhcp_pkt.h"

#include <string.h>

#include "common/be.h"

/*
 * Parsers follow OpenBSD dhcpleased's parse_dhcp: a cursor and the number
 * of bytes that remain; every read is preceded by a check of what remains
 * and a short read is a `goto too_short`. Nothing copies a length the peer
 * gives: values are copied into fixed fields only after their length has
 * been compared with the field's size.
 */

static const uint8_t dhcp_cookie[4] = { 99, 130, 83, 99 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Offsets in the fixed BOOTP header (RFC 2131, figure 1). */
enum {
	OFF_OP = 0, OFF_HTYPE = 1, OFF_HLEN = 2, OFF_HOPS = 3, OFF_XID = 4,
	OFF_SECS = 8, OFF_FLAGS = 10, OFF_CIADDR = 12, OFF_YIADDR = 16,
	OFF_SIADDR = 20, OFF_GIADDR = 24, OFF_CHADDR = 28, OFF_SNAME = 44,
	OFF_FILE = 108,
	SNAME_LEN = 64, FILE_LEN = 128,
};

enum field { FIELD_OPTIONS, FIELD_FILE, FIELD_SNAME };

const char *dhcp_type_name(uint8_t type)
{
	switch (type) {
	case DHCPDISCOVER: return "DISCOVER";
	case DHCPOFFER: return "OFFER";
	case DHCPREQUEST: return "REQUEST";
	case DHCPDECLINE: return "DECLINE";
	case DHCPACK: return "ACK";
	case DHCPNAK: return "NAK";
	case DHCPRELEASE: return "RELEASE";
	case DHCPINFORM: return "INFORM";
	default: return "unknown";
	}
}

static bool hostname_char_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

/* Options this parser interprets: a second occurrence is refused. */
static bool interpreted(uint8_t code)
{
	switch (code) {
	case DHO_SUBNET_MASK: case DHO_ROUTER: case DHO_DNS: case DHO_HOST_NAME:
	case DHO_BROADCAST: case DHO_REQUESTED_IP: case DHO_LEASE_TIME:
	case DHO_OVERLOAD: case DHO_MSG_TYPE: case DHO_SERVER_ID:
	case DHO_PARAM_REQ: case DHO_RENEWAL_TIME: case DHO_REBINDING_TIME:
	case DHO_CLIENT_ID:
		return true;
	default:
		return false;
	}
}

/* One option's value, its length already checked against its field. */
static int take_option(struct dhcp_msg *m, uint8_t code,
		       const uint8_t *v, size_t len, const char **why)
{
	size_t i;

	switch (code) {
	case DHO_MSG_TYPE:
		if (len != 1 || v[0] == 0)
			goto bad;
		m->type = v[0];
		break;
	case DHO_OVERLOAD:
		if (len != 1 || v[0] < 1 || v[0] > 3)
			goto bad;
		m->overload = v[0];
		break;
	case DHO_SUBNET_MASK:
	case DHO_BROADCAST:
	case DHO_REQUESTED_IP:
	case DHO_SERVER_ID:
	case DHO_LEASE_TIME:
	case DHO_RENEWAL_TIME:
	case DHO_REBINDING_TIME:
		if (len != 4)
			goto bad;
		switch (code) {
		case DHO_SUBNET_MASK: m->subnet_mask = get_be32(v); m->has_subnet_mask = true; break;
		case DHO_BROADCAST: m->broadcast = get_be32(v); m->has_broadcast = true; break;
		case DHO_REQUESTED_IP: m->requested_ip = get_be32(v); m->has_requested_ip = true; break;
		case DHO_SERVER_ID: m->server_id = get_be32(v); m->has_server_id = true; break;
		case DHO_LEASE_TIME: m->lease_time = get_be32(v); m->has_lease_time = true; break;
		case DHO_RENEWAL_TIME: m->t1 = get_be32(v); m->has_t1 = true; break;
		default: m->t2 = get_be32(v); m->has_t2 = true; break;
		}
		break;
	case DHO_ROUTER:
		if (len == 0 || len % 4)
			goto bad;
		m->router = get_be32(v);
		m->has_router = true;
		break;
	case DHO_DNS:
		if (len == 0 || len % 4)
			goto bad;
		for (i = 0; i < len / 4 && m->ndns < DHCP_MAX_DNS; i++)
			m->dns[m->ndns++] = get_be32(v + 4 * i);
		break;
	case DHO_HOST_NAME:
		if (len == 0)
			goto bad;
		if (len > DHCP_HOSTNAME_MAX) {
			m->hostname_ignored = true;
			break;
		}
		for (i = 0; i < len; i++) {
			if (!hostname_char_ok(v[i])) {
				m->hostname_ignored = true;
				return 0;
			}
		}
		memcpy(m->hostname, v, len);	/* len <= DHCP_HOSTNAME_MAX, checked above */
		m->hostname[len] = '\0';
		m->has_hostname = true;
		break;
	case DHO_CLIENT_ID:
		if (len < 2)
			goto bad;
		m->client_id = v;
		m->client_id_len = len;
		break;
	case DHO_PARAM_REQ:
		if (len == 0)
			goto bad;
		for (i = 0; i < len; i++)
			m->param_req[v[i] / 8] |= (uint8_t)(1u << (v[i] % 8));
		m->has_param_req = true;
		break;
	default:
		break;
	}
	return 0;
bad:
	*why = "option with a bad length or value";
	return -1;
}

/* Walk one options area: the options field, or an overloaded file/sname. */
static int parse_options(struct dhcp_msg *m, enum field field, const uint8_t *p, size_t rem,
			 uint8_t seen[32], const char **why)
{
	while (rem > 0) {
		uint8_t code, olen;

		code = *p;
		p++;
		rem--;
		if (code == DHO_PAD)
			continue;
		if (code == DHO_END)
			return 0;
		if (rem < 1)
			goto too_short;
		olen = *p;
		p++;
		rem--;
		if (rem < olen)
			goto too_short;
		if (code == DHO_OVERLOAD && field != FIELD_OPTIONS) {
			*why = "option overload inside an overloaded field";
			return -1;
		}
		if (interpreted(code)) {
			if (seen[code / 8] & (1u << (code % 8))) {
				*why = "option given twice";
				return -1;
			}
			seen[code / 8] |= (uint8_t)(1u << (code % 8));
		}
		if (take_option(m, code, p, olen, why) < 0)
			return -1;
		p += olen;
		rem -= olen;
	}
	return 0;
too_short:
	*why = "option runs past the end of its field";
	return -1;
}

int dhcp_parse(const uint8_t *buf, size_t len, struct dhcp_msg *m, const char **why)
{
	const uint8_t *p = buf;
	size_t rem = len;
	uint8_t seen[32] = { 0 };

	memset(m, 0, sizeof *m);
	if (rem < DHCP_FIXED_LEN)
		goto too_short;
	m->op = p[OFF_OP];
	m->htype = p[OFF_HTYPE];
	m->hlen = p[OFF_HLEN];
	m->hops = p[OFF_HOPS];
	m->xid = get_be32(p + OFF_XID);
	m->secs = get_be16(p + OFF_SECS);
	m->flags = get_be16(p + OFF_FLAGS);
	m->ciaddr = get_be32(p + OFF_CIADDR);
	m->yiaddr = get_be32(p + OFF_YIADDR);
	m->siaddr = get_be32(p + OFF_SIADDR);
	m->giaddr = get_be32(p + OFF_GIADDR);
	memcpy(m->chaddr, p + OFF_CHADDR, sizeof m->chaddr);
	if (m->hlen > sizeof m->chaddr) {
		*why = "hardware address longer than 16 bytes";
		return -1;
	}
	p += DHCP_FIXED_LEN;
	rem -= DHCP_FIXED_LEN;

	if (rem < sizeof dhcp_cookie || memcmp(p, dhcp_cookie, sizeof dhcp_cookie) != 0) {
		*why = "no DHCP magic cookie";
		return -1;
	}
	p += sizeof dhcp_cookie;
	rem -= sizeof dhcp_cookie;

	if (parse_options(m, FIELD_OPTIONS, p, rem, seen, why) < 0)
		return -1;
	if ((m->overload & 1) &&
	    parse_options(m, FIELD_FILE, buf + OFF_FILE, FILE_LEN, seen, why) < 0)
		return -1;
	if ((m->overload & 2) &&
	    parse_options(m, FIELD_SNAME, buf + OFF_SNAME, SNAME_LEN, seen, why) < 0)
		return -1;
	if (m->type == 0) {
		*why = "no DHCP message type (plain BOOTP)";
		return -1;
	}
	return 0;
too_short:
	*why = "shorter than a BOOTP header";
	return -1;
}

/* ---- frames: udp_frame.c, tied to the DHCP ports ---- */

int dhcp_frame_parse(const uint8_t *frame, size_t len, struct udp_frame *f, const char **why)
{
	if (udp_frame_parse(frame, len, f, why) < 0)
		return -1;
	if (!((f->src_port == DHCP_CLIENT_PORT && f->dst_port == DHCP_SERVER_PORT) ||
	      (f->src_port == DHCP_SERVER_PORT && f->dst_port == DHCP_CLIENT_PORT))) {
		*why = "not DHCP ports";
		return -1;
	}
	return 0;
}

/* ---- builders ---- */

/* A bounded writer: the first write that does not fit marks it full and
 * every later write is dropped; the caller checks full once at the end. */
struct wbuf {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

static void w_bytes(struct wbuf *w, const void *v, size_t n)
{
	if (w->full || w->cap - w->len < n) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void w_u8(struct wbuf *w, uint8_t v)
{
	w_bytes(w, &v, 1);
}

static void w_opt(struct wbuf *w, uint8_t code, const void *v, uint8_t n)
{
	w_u8(w, code);
	w_u8(w, n);
	w_bytes(w, v, n);
}

static void w_opt32(struct wbuf *w, uint8_t code, uint32_t v)
{
	uint8_t b[4];

	put_be32(b, v);
	w_opt(w, code, b, 4);
}

/* The fixed header and cookie; the caller fills in what differs. */
static void w_header(struct wbuf *w, uint8_t op, uint32_t xid, uint16_t secs, uint16_t flags,
		     uint32_t ciaddr, uint32_t yiaddr, uint32_t giaddr, const uint8_t mac[6])
{
	uint8_t h[DHCP_FIXED_LEN];

	memset(h, 0, sizeof h);
	h[OFF_OP] = op;
	h[OFF_HTYPE] = 1;
	h[OFF_HLEN] = 6;
	put_be32(h + OFF_XID, xid);
	put_be16(h + OFF_SECS, secs);
	put_be16(h + OFF_FLAGS, flags);
	put_be32(h + OFF_CIADDR, ciaddr);
	put_be32(h + OFF_YIADDR, yiaddr);
	put_be32(h + OFF_GIADDR, giaddr);
	memcpy(h + OFF_CHADDR, mac, 6);
	w_bytes(w, h, sizeof h);
	w_bytes(w, dhcp_cookie, sizeof dhcp_cookie);
}

/* End option, then zeros up to the BOOTP minimum size. */
static void w_finish(struct wbuf *w)
{
	w_u8(w, DHO_END);
	while (!w->full && w->len < DHCP_MIN_LEN)
		w_u8(w, 0);
}

/* ---- server ---- */

static int silent(struct dhcp_reply_info *info, const char *why)
{
	info->action = DHCPD_SILENT;
	info->why = why;
	return 0;
}

/* REQUEST: which state the client is in, and whether we ACK it. */
static void decide_request(const struct dhcpd_config *cfg, const struct dhcp_msg *req,
			   struct dhcp_reply_info *info)
{
	if (req->has_server_id) {
		info->state = DHCPD_STATE_SELECTING;
		info->addr = req->requested_ip;
		if (req->server_id != cfg->server_ip) {
			info->action = DHCPD_SILENT;
			info->why = "client selected another server";
		} else if (!req->has_requested_ip) {
			info->action = DHCPD_NAK;
			info->why = "no requested address";
		} else if (req->requested_ip != cfg->machine_ip) {
			info->action = DHCPD_NAK;
			info->why = "requested address is not the machine's";
		} else {
			info->action = DHCPD_ACK;
		}
	} else if (req->has_requested_ip) {
		info->state = DHCPD_STATE_INIT_REBOOT;
		info->addr = req->requested_ip;
		if (req->requested_ip != cfg->machine_ip ||
		    (req->ciaddr != 0 && req->ciaddr != cfg->machine_ip)) {
			info->action = DHCPD_NAK;
			info->why = "requested address is not the machine's";
		} else {
			info->action = DHCPD_ACK;
		}
	} else if (req->ciaddr != 0) {
		info->state = DHCPD_STATE_RENEWING;
		info->addr = req->ciaddr;
		if (req->ciaddr != cfg->machine_ip) {
			info->action = DHCPD_NAK;
			info->why = "client address is not the machine's";
		} else {
			info->action = DHCPD_ACK;
		}
	} else {
		info->action = DHCPD_SILENT;
		info->why = "REQUEST names no address";
	}
}

int dhcpd_reply(const struct dhcpd_config *cfg, const struct dhcp_msg *req,
		uint8_t *out, size_t cap, size_t *outlen, struct dhcp_reply_info *info)
{
	struct wbuf w = { .p = out, .cap = cap };
	uint32_t mask, ciaddr = 0, yiaddr = 0;
	uint8_t type;
	size_t hlen = 0;
	bool inform = false;

	memset(info, 0, sizeof *info);
	info->req_type = req->type;
	*outlen = 0;
	if (cfg->prefix < 1 || cfg->prefix > 30 || cfg->ndns > 3 || cfg->lease_time == 0) {
		info->why = "bad responder configuration";
		return -1;
	}
	if (cfg->hostname) {
		hlen = strnlen(cfg->hostname, DHCP_HOSTNAME_MAX + 1);
		if (hlen == 0 || hlen > DHCP_HOSTNAME_MAX) {
			info->why = "bad responder configuration";
			return -1;
		}
	}
	mask = ~(uint32_t)0 << (32 - cfg->prefix);

	if (req->op != BOOTREQUEST)
		return silent(info, "not a BOOTREQUEST");
	if (req->htype != 1 || req->hlen != 6)
		return silent(info, "not an Ethernet client");
	if (memcmp(req->chaddr, cfg->machine_mac, 6) != 0)
		return silent(info, "not this machine's MAC");

	switch (req->type) {
	case DHCPDISCOVER:
		info->action = DHCPD_OFFER;
		info->addr = cfg->machine_ip;
		break;
	case DHCPREQUEST:
		decide_request(cfg, req, info);
		break;
	case DHCPDECLINE:
		info->addr = req->requested_ip;
		return silent(info, "client declined the address");
	case DHCPRELEASE:
		info->addr = req->ciaddr;
		return silent(info, "client released its lease");
	case DHCPINFORM:
		info->action = DHCPD_ACK;
		info->addr = req->ciaddr;
		inform = true;
		break;
	default:
		return silent(info, "not a client message type");
	}

	switch (info->action) {
	case DHCPD_SILENT:
		return 0;
	case DHCPD_OFFER:
		type = DHCPOFFER;
		yiaddr = cfg->machine_ip;
		break;
	case DHCPD_ACK:
		type = DHCPACK;
		ciaddr = req->ciaddr;
		yiaddr = inform ? 0 : cfg->machine_ip;
		break;
	default:
		type = DHCPNAK;
		break;
	}
	/* RFC 2131 4.1: NAKs are broadcast; otherwise to ciaddr when the client
	 * has one and did not ask for broadcast. */
	info->broadcast = type == DHCPNAK || req->ciaddr == 0 ||
			  (req->flags & DHCP_BROADCAST_FLAG);

	w_header(&w, BOOTREPLY, req->xid, 0, req->flags & DHCP_BROADCAST_FLAG,
		 ciaddr, yiaddr, req->giaddr, cfg->machine_mac);
	w_opt(&w, DHO_MSG_TYPE, &type, 1);
	w_opt32(&w, DHO_SERVER_ID, cfg->server_ip);
	if (type != DHCPNAK) {
		if (!inform) {
			w_opt32(&w, DHO_LEASE_TIME, cfg->lease_time);
			w_opt32(&w, DHO_RENEWAL_TIME, (uint32_t)((uint64_t)cfg->lease_time / 2));
			w_opt32(&w, DHO_REBINDING_TIME, (uint32_t)((uint64_t)cfg->lease_time * 7 / 8));
		}
		w_opt32(&w, DHO_SUBNET_MASK, mask);
		w_opt32(&w, DHO_ROUTER, cfg->router);
		w_opt32(&w, DHO_BROADCAST, (cfg->machine_ip & mask) | ~mask);
		if (cfg->ndns) {
			uint8_t dns[12];

			for (unsigned i = 0; i < cfg->ndns; i++)
				put_be32(dns + 4 * i, cfg->dns[i]);
			w_opt(&w, DHO_DNS, dns, (uint8_t)(4 * cfg->ndns));
		}
		if (hlen)
			w_opt(&w, DHO_HOST_NAME, cfg->hostname, (uint8_t)hlen);
	}
	w_finish(&w);
	if (w.full) {
		info->why = "reply buffer too small";
		return -1;
	}
	*outlen = w.len;
	return 1;
}

void dhcpd_reply_frame(const struct dhcpd_config *cfg, const struct dhcp_msg *req,
		       const struct dhcp_reply_info *info, struct udp_frame *f)
{
	memset(f, 0, sizeof *f);
	memcpy(f->src_mac, cfg->server_mac, 6);
	f->src_ip = cfg->server_ip;
	f->src_port = DHCP_SERVER_PORT;
	f->dst_port = DHCP_CLIENT_PORT;
	if (info->broadcast || req->ciaddr == 0) {
		memcpy(f->dst_mac, bcast_mac, 6);
		f->dst_ip = 0xffffffff;
	} else {
		memcpy(f->dst_mac, req->chaddr, 6);
		f->dst_ip = req->ciaddr;
	}
}

/* ---- client ---- */

int dhcpc_build(uint8_t type, const struct dhcpc_params *p,
		uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	static const uint8_t prl[] = {
		DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS, DHO_HOST_NAME, DHO_DOMAIN_NAME,
		DHO_LEASE_TIME, DHO_SERVER_ID, DHO_RENEWAL_TIME, DHO_REBINDING_TIME,
	};
	struct wbuf w = { .p = out, .cap = cap };
	uint8_t cid[7];

	switch (type) {
	case DHCPDISCOVER: case DHCPREQUEST: case DHCPDECLINE:
	case DHCPRELEASE: case DHCPINFORM:
		break;
	default:
		*why = "not a client message type";
		return -1;
	}
	w_header(&w, BOOTREQUEST, p->xid, p->secs, p->broadcast ? DHCP_BROADCAST_FLAG : 0,
		 p->ciaddr, 0, 0, p->mac);
	w_opt(&w, DHO_MSG_TYPE, &type, 1);
	cid[0] = 1;	/* hardware type Ethernet, then the MAC (RFC 2132 9.14) */
	memcpy(cid + 1, p->mac, 6);
	w_opt(&w, DHO_CLIENT_ID, cid, sizeof cid);
	if (p->requested_ip)
		w_opt32(&w, DHO_REQUESTED_IP, p->requested_ip);
	if (p->server_id)
		w_opt32(&w, DHO_SERVER_ID, p->server_id);
	if (type == DHCPDISCOVER || type == DHCPREQUEST || type == DHCPINFORM)
		w_opt(&w, DHO_PARAM_REQ, prl, sizeof prl);
	w_finish(&w);
	if (w.full) {
		*why = "message buffer too small";
		return -1;
	}
	*outlen = w.len;
	return 0;
}

int dhcpc_discover(const uint8_t mac[6], uint32_t xid,
		   uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	struct dhcpc_params p = { .xid = xid, .broadcast = true };

	memcpy(p.mac, mac, 6);
	return dhcpc_build(DHCPDISCOVER, &p, out, cap, outlen, why);
}

int dhcpc_request(const uint8_t mac[6], uint32_t xid, uint32_t requested_ip, uint32_t server_id,
		  uint8_t *out, size_t cap, size_t *outlen, const char **why)
{
	struct dhcpc_params p = {
		.xid = xid, .requested_ip = requested_ip, .server_id = server_id, .broadcast = true,
	};

	memcpy(p.mac, mac, 6);
	return dhcpc_build(DHCPREQUEST, &p, out, cap, outlen, why);
}

bool dhcpc_reply_is_ours(const struct dhcp_msg *m, const uint8_t mac[6], uint32_t xid)
{
	return m->op == BOOTREPLY && m->htype == 1 && m->hlen == 6 && m->xid == xid &&
	       memcmp(m->chaddr, mac, 6) == 0;
}
