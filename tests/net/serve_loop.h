/* serve_loop.h - the probes' main loop: say "ready", then serve a socket
 * each time it is readable, and move the TAP's frames through its relay
 * as the privileged supervisor does (pktrelay.h), until SIGTERM or SIGINT. */
#ifndef POOL_TESTS_SERVE_LOOP_H
#define POOL_TESTS_SERVE_LOOP_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "src/net/pktrelay.h"

static volatile sig_atomic_t serve_loop_stop;

static inline void serve_loop_on_signal(int sig)
{
	(void)sig;
	serve_loop_stop = 1;
}

/* serve(ctx) for each time fd is readable, and r's frames moved each
 * way; errors say who (name) failed. */
static inline void serve_loop(const char *name, int fd, void (*serve)(void *), void *ctx,
			      struct pktrelay *r)
{
	struct sigaction sa = { .sa_handler = serve_loop_on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!serve_loop_stop) {
		struct pollfd p[3] = { { .fd = fd, .events = POLLIN }, { .fd = r->pkt, .events = POLLIN },
				       { .fd = r->sock, .events = POLLIN } };

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", name, strerror(errno));
			break;
		}
		if (p[1].revents)
			pktrelay_from_tap(r);
		if (p[0].revents & POLLIN)
			serve(ctx);
		if (p[2].revents)
			pktrelay_to_tap(r);
	}
}

#endif
