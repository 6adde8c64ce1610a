/* fuzz-ctl.c - control socket: a client's byte stream through the reader and the conversation rule, and the STATUS codec. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/common/ctl_msg.h"
#include "src/common/names.h"
#include "src/common/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/check.h"

static struct frame_reader reader;

/* How a conversation ended: frames accepted, where it stopped, its state. */
struct outcome {
	size_t frames;
	int refused;		/* a frame was refused (the client is dropped) */
	int bad_header;		/* the reader refused a header */
	struct ctl_conv conv;
};

/* The rule as ctl_msg.h states it, checked against what ctl_conv_step did
 * with one frame: prev is the conversation before it, c after it. */
static void check_step(const struct ctl_conv *prev, const struct ctl_conv *c,
		       const struct frame_hdr *h, const uint8_t *p, int rc, const char *why)
{
	const char *w = NULL;

	if (rc < 0) {
		CHECK(why != NULL);
		/* a refusal changes nothing */
		CHECK(memcmp(prev, c, sizeof(*c)) == 0);
		return;
	}
	CHECK(rc == 0);
	/* whatever is accepted has a well-formed payload */
	CHECK(frame_payload_check(h->type, p, h->len, &w) == 0);
	switch (prev->kind) {
	case CTL_NEW:
		switch (h->type) {
		case CTL_MSG_STATUS:
			CHECK(h->len == 0 && c->kind == CTL_STATUS);
			break;
		case CTL_MSG_CONSOLE:
			CHECK(h->len == 0 && c->kind == CTL_CONSOLE);
			break;
		case CTL_MSG_DOWN:
			CHECK(h->len == CTL_DOWN_LEN && c->kind == CTL_DOWN);
			CHECK(c->down_s <= CTL_DOWN_MAX_S);
			CHECK(c->down_s == ((unsigned)p[0] << 24 | (unsigned)p[1] << 16 |
					    (unsigned)p[2] << 8 | p[3]));
			break;
		case AGENT_EXEC: {
			struct agent_exec x;

			CHECK(h->sid != 0 && c->kind == CTL_EXEC && c->sid == h->sid);
			/* what the supervisor forwards decodes */
			CHECK(agent_exec_decode(p, h->len, &x, &w) == 0);
			agent_exec_free(&x);
			break;
		}
		case CTL_MSG_CLAIM:
			CHECK(h->len == CTL_CLAIM_LEN && h->sid == 0 && c->kind == CTL_CLAIM);
			CHECK(p[CTL_CLAIM_HASH_LEN] == CTL_CLAIM_RUN || p[CTL_CLAIM_HASH_LEN] == CTL_CLAIM_UP);
			break;
		default:
			CHECK(!"a conversation opened by another frame type");
		}
		break;
	case CTL_CLAIM: {
		struct agent_exec x;

		/* only the one EXEC that opens the claimer's session */
		CHECK(h->type == AGENT_EXEC && h->sid != 0 && c->kind == CTL_EXEC && c->sid == h->sid);
		CHECK(agent_exec_decode(p, h->len, &x, &w) == 0);
		agent_exec_free(&x);
		break;
	}
	case CTL_EXEC:
		CHECK((h->type == AGENT_STDIN || h->type == AGENT_SIGNAL || h->type == AGENT_WINSIZE) &&
		      h->sid == prev->sid);
		CHECK(memcmp(prev, c, sizeof(*c)) == 0);
		break;
	case CTL_CONSOLE:
		CHECK(h->type == CTL_MSG_CONSOLE || (h->type == AGENT_WINSIZE && h->sid == 0));
		CHECK(memcmp(prev, c, sizeof(*c)) == 0);
		break;
	default:
		CHECK(!"a frame accepted after STATUS or DOWN");
	}
}

/* Feeds data in chunks of at most chunk bytes, taking frames out after each
 * feed and stepping the conversation on each, until the first refusal. */
static void converse(const uint8_t *data, size_t size, size_t chunk, struct outcome *o)
{
	size_t pos = 0;

	memset(o, 0, sizeof(*o));
	o->conv.kind = CTL_NEW;
	frame_reader_init(&reader);
	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk;
		size_t took = frame_reader_feed(&reader, data + pos, n);
		struct frame_hdr h;
		const uint8_t *p;
		const char *why = NULL;
		size_t frames = 0;
		int rc;

		CHECK(took <= n);
		pos += took;
		while ((rc = frame_reader_next(&reader, &h, &p, &why)) == 1) {
			struct ctl_conv prev = o->conv;
			int st;

			why = NULL;
			st = ctl_conv_step(&o->conv, &h, p, &why);
			check_step(&prev, &o->conv, &h, p, st, why);
			if (st < 0) {
				o->refused = 1;
				return;
			}
			o->frames++;
			frames++;
		}
		if (rc < 0) {
			CHECK(why != NULL);
			o->bad_header = 1;
			return;
		}
		/* the reader is only ever full with a whole frame in it */
		CHECK(took > 0 || frames > 0);
	}
}

static void check_status(const uint8_t *data, size_t size)
{
	struct ctl_status s, t;
	char text[CTL_STATUS_MAX + 1];
	const char *why = NULL;
	long n;
	size_t i;

	if (ctl_status_decode(data, size, &s, &why) < 0) {
		CHECK(why != NULL);
		return;
	}
	CHECK(size <= CTL_STATUS_MAX);
	CHECK(valid_machine_name(s.name));
	CHECK(s.pid > 0 && s.qemu >= 0 && s.nfs <= CTL_FS_MAX);
	CHECK(s.state == CTL_BOOTING || s.state == CTL_RUNNING || s.state == CTL_STOPPING);
	CHECK(s.console == 0 || s.console == 1);
	if (s.address[0]) {
		uint32_t ip;

		CHECK(parse_ipv4(s.address, &ip, &why) == 0);
	}
	CHECK(s.channel[0] == '\0' || valid_ifname(s.channel));
	for (i = 0; i < s.nfs; i++)
		CHECK(s.fs[i] > 0);

	/* what decodes, encodes, and decodes back to the same */
	n = ctl_status_encode(text, sizeof(text), &s);
	CHECK(n > 0 && (size_t)n <= CTL_STATUS_MAX && (size_t)n == strlen(text));
	why = NULL;
	if (ctl_status_decode((const uint8_t *)text, (size_t)n, &t, &why) < 0) {
		fprintf(stderr, "re-decode refused (%s):\n%s", why, text);
		abort();
	}
	CHECK(strcmp(s.name, t.name) == 0);
	CHECK(strcmp(s.address, t.address) == 0);
	CHECK(strcmp(s.channel, t.channel) == 0);
	CHECK(s.state == t.state && s.pid == t.pid && s.qemu == t.qemu);
	CHECK(s.nfs == t.nfs);
	for (i = 0; i < s.nfs; i++)
		CHECK(s.fs[i] == t.fs[i]);
	CHECK(s.started == t.started && s.console == t.console);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, bytes;

	/* as one read, then one byte at a time: the outcome must not depend
	 * on how the socket happened to split the stream */
	converse(data, size, FRAME_MAX, &whole);
	if (size <= 4096) {
		converse(data, size, 1, &bytes);
		CHECK(whole.frames == bytes.frames);
		CHECK(whole.refused == bytes.refused && whole.bad_header == bytes.bad_header);
		CHECK(memcmp(&whole.conv, &bytes.conv, sizeof(whole.conv)) == 0);
	}

	check_status(data, size);
	return 0;
}

#include "tests/fuzz/replay.h"
