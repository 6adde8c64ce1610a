/* ctl_msg.c - the control socket's conversation rule and STATUS codec. */
#include "ctl_msg.h"

#include <stdio.h>
#include <string.h>

#include "be.h"
#include "common/names.h"
#include "parse.h"

/* An EXEC that opens an exec session (from the start, or after a CLAIM). */
static int exec_step(struct ctl_conv *c, const struct frame_hdr *h, const uint8_t *p, const char **why)
{
	struct agent_exec x;

	if (h->sid == 0) {
		*why = "EXEC without a session id";
		return -1;
	}
	if (agent_exec_decode(p, h->len, &x, why) < 0)
		return -1;
	agent_exec_free(&x);
	c->kind = CTL_EXEC;
	c->sid = h->sid;
	return 0;
}

int ctl_conv_step(struct ctl_conv *c, const struct frame_hdr *h, const uint8_t *p,
		  const char **why)
{

	if (frame_payload_check(h->type, p, h->len, why) < 0)
		return -1;
	switch (c->kind) {
	case CTL_NEW:
		switch (h->type) {
		case CTL_MSG_STATUS:
			if (h->len != 0)
				break;
			c->kind = CTL_STATUS;
			return 0;
		case CTL_MSG_DOWN:
			c->down_s = get_be32(p);
			c->kind = CTL_DOWN;
			return 0;
		case CTL_MSG_CONSOLE:
			if (h->len != 0)
				break;
			c->kind = CTL_CONSOLE;
			return 0;
		case AGENT_EXEC:
			return exec_step(c, h, p, why);
		case CTL_MSG_CLAIM:
			c->kind = CTL_CLAIM;
			return 0;
		default:
			break;
		}
		*why = "a conversation starts with an empty STATUS, DOWN, EXEC, CLAIM or an empty CONSOLE";
		return -1;
	case CTL_CLAIM:
		if (h->type == AGENT_EXEC)
			return exec_step(c, h, p, why);
		*why = "only EXEC follows CLAIM";
		return -1;
	case CTL_EXEC:
		if ((h->type == AGENT_STDIN || h->type == AGENT_SIGNAL || h->type == AGENT_WINSIZE) &&
		    h->sid == c->sid)
			return 0;
		*why = "only STDIN, SIGNAL or WINSIZE of its own session follows EXEC";
		return -1;
	case CTL_CONSOLE:
		if (h->type == CTL_MSG_CONSOLE || (h->type == AGENT_WINSIZE && h->sid == 0))
			return 0;
		*why = "only CONSOLE, or WINSIZE of the console (session 0), follows CONSOLE";
		return -1;
	case CTL_STATUS:
	case CTL_DOWN:
	default:
		*why = "nothing follows STATUS or DOWN";
		return -1;
	}
}

const char *ctl_state_name(enum ctl_state s)
{
	switch (s) {
	case CTL_BOOTING:
		return "booting";
	case CTL_RUNNING:
		return "running";
	case CTL_STOPPING:
		return "stopping";
	case CTL_SPARE:
		return "spare";
	}
	return "?";
}

long ctl_status_encode(char *out, size_t cap, const struct ctl_status *s)
{
	size_t o = 0;
	int n;

#define PUT(...)                                                        \
	do {                                                            \
		n = snprintf(out + o, cap - o, __VA_ARGS__);            \
		if (n < 0 || (size_t)n >= cap - o)                      \
			return -1;                                      \
		o += (size_t)n;                                         \
	} while (0)
	if (cap == 0)
		return -1;
	PUT("name=%s\n", s->name);
	if (s->address[0])
		PUT("address=%s\n", s->address);
	if (s->channel[0])
		PUT("channel=%s\n", s->channel);
	PUT("state=%s\n", ctl_state_name(s->state));
	PUT("pid=%ld\n", (long)s->pid);
	if (s->qemu > 0)
		PUT("qemu=%ld\n", (long)s->qemu);
	for (size_t i = 0; i < s->nfs && i < CTL_FS_MAX; i++)
		PUT("virtiofsd=%ld\n", (long)s->fs[i]);
	PUT("started=%llu\n", (unsigned long long)s->started);
	PUT("console=%d\n", s->console ? 1 : 0);
	for (size_t i = 0; i < s->nports && i < PORT_MAPS_MAX; i++) {
		char ip[16];

		PUT("port=%s:%u:%u/%s\n", ipv4_str(s->ports[i].host_ip, ip), s->ports[i].host_port,
		    s->ports[i].guest_port, s->ports[i].proto == 17 ? "udp" : "tcp");
	}
	PUT("ready=%d\n", s->ready ? 1 : 0);
#undef PUT
	return (long)o;
}

/* One "key=value" line out of (p, n) at *at; the value is copied, bounded. */
static int next_line(const uint8_t *p, size_t n, size_t *at, char key[16], char val[64],
		     const char **why)
{
	const uint8_t *nl = memchr(p + *at, '\n', n - *at);
	const uint8_t *eq;
	size_t len, klen;

	if (!nl) {
		*why = "STATUS line without a newline";
		return -1;
	}
	len = (size_t)(nl - (p + *at));
	eq = memchr(p + *at, '=', len);
	if (!eq) {
		*why = "STATUS line without '='";
		return -1;
	}
	klen = (size_t)(eq - (p + *at));
	if (klen == 0 || klen >= 16 || len - klen - 1 >= 64) {
		*why = "STATUS key or value too long";
		return -1;
	}
	memcpy(key, p + *at, klen);
	key[klen] = '\0';
	memcpy(val, eq + 1, len - klen - 1);
	val[len - klen - 1] = '\0';
	*at += len + 1;
	return 0;
}

static int pid_value(const char *v, pid_t *pid, const char **why)
{
	uint64_t u;

	if (parse_u64(v, 1, 4194304, &u, why) < 0)
		return -1;
	*pid = (pid_t)u;
	return 0;
}

int ctl_status_decode(const uint8_t *p, size_t n, struct ctl_status *s, const char **why)
{
	enum { K_NAME = 1, K_ADDR = 2, K_STATE = 4, K_PID = 8, K_QEMU = 16, K_STARTED = 32,
	       K_CONSOLE = 64, K_CHANNEL = 128, K_READY = 256 };
	unsigned seen = 0, bit;
	size_t at = 0;
	char key[16], val[64];
	uint64_t u;
	uint32_t ip;

	memset(s, 0, sizeof *s);
	if (n > CTL_STATUS_MAX) {
		*why = "STATUS too long";
		return -1;
	}
	if (n > 0 && memchr(p, 0, n)) {
		*why = "NUL byte in STATUS";
		return -1;
	}
	while (at < n) {
		if (next_line(p, n, &at, key, val, why) < 0)
			return -1;
		if (!strcmp(key, "port")) {
			if (s->nports >= PORT_MAPS_MAX) {
				*why = "STATUS: too many ports";
				return -1;
			}
			if (parse_port_map(val, &s->ports[s->nports], why) < 0)
				return -1;
			s->nports++;
			continue;
		}
		if (!strcmp(key, "virtiofsd")) {
			if (s->nfs >= CTL_FS_MAX) {
				*why = "STATUS: too many virtiofsd";
				return -1;
			}
			if (pid_value(val, &s->fs[s->nfs], why) < 0)
				return -1;
			s->nfs++;
			continue;
		}
		if (!strcmp(key, "name")) {
			if (!valid_machine_name(val)) {
				*why = "STATUS: bad machine name";
				return -1;
			}
			snprintf(s->name, sizeof s->name, "%s", val);
			bit = K_NAME;
		} else if (!strcmp(key, "address")) {
			if (parse_ipv4(val, &ip, why) < 0)
				return -1;
			ipv4_str(ip, s->address);
			bit = K_ADDR;
		} else if (!strcmp(key, "channel")) {
			if (!valid_ifname(val)) {
				*why = "STATUS: bad channel name";
				return -1;
			}
			snprintf(s->channel, sizeof s->channel, "%s", val);
			bit = K_CHANNEL;
		} else if (!strcmp(key, "state")) {
			if (!strcmp(val, "booting"))
				s->state = CTL_BOOTING;
			else if (!strcmp(val, "running"))
				s->state = CTL_RUNNING;
			else if (!strcmp(val, "stopping"))
				s->state = CTL_STOPPING;
			else if (!strcmp(val, "spare"))
				s->state = CTL_SPARE;
			else {
				*why = "STATUS: unknown state";
				return -1;
			}
			bit = K_STATE;
		} else if (!strcmp(key, "pid")) {
			if (pid_value(val, &s->pid, why) < 0)
				return -1;
			bit = K_PID;
		} else if (!strcmp(key, "qemu")) {
			if (pid_value(val, &s->qemu, why) < 0)
				return -1;
			bit = K_QEMU;
		} else if (!strcmp(key, "started")) {
			if (parse_u64(val, 0, UINT64_C(1) << 40, &u, why) < 0)
				return -1;
			s->started = u;
			bit = K_STARTED;
		} else if (!strcmp(key, "console")) {
			if (parse_u64(val, 0, 1, &u, why) < 0)
				return -1;
			s->console = (int)u;
			bit = K_CONSOLE;
		} else if (!strcmp(key, "ready")) {
			if (parse_u64(val, 0, 1, &u, why) < 0)
				return -1;
			s->ready = (int)u;
			bit = K_READY;
		} else {
			*why = "STATUS: unknown key";
			return -1;
		}
		if (seen & bit) {
			*why = "STATUS: key given twice";
			return -1;
		}
		seen |= bit;
	}
	if ((seen & (K_NAME | K_STATE | K_PID)) != (K_NAME | K_STATE | K_PID)) {
		*why = "STATUS without name, state or pid";
		return -1;
	}
	return 0;
}
