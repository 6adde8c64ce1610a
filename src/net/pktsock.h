/* pktsock.h - a TAP's packet socket that takes only IPv4 UDP to one port. */
#ifndef POOL_PKTSOCK_H
#define POOL_PKTSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* An AF_PACKET socket on tap (ETH_P_ALL: on a bridge port only "all" taps
 * see frames before the bridge takes them), non-blocking, that ignores
 * our own frames and reports offloaded checksums (PACKET_AUXDATA). A
 * classic BPF filter lets through only unfragmented IPv4 UDP to
 * dst_port, whatever the MAC (a frame to the bridge's MAC arrives as
 * PACKET_OTHERHOST), so the kernel copies nothing else to us. Return the
 * fd with *ifindex, or -1 with e. */
int pktsock_open(const char *tap, uint16_t dst_port, int *ifindex, const char *what,
		 struct pool_err *e);

/* One frame: its length (0..cap), or -1 when nothing is waiting. Frames
 * that are ours, cut short or too long are skipped (counted in *skipped).
 * *csum_not_ready: the UDP checksum was offloaded (udp_frame_forget_csum). */
long pktsock_recv(int fd, uint8_t *buf, size_t cap, bool *csum_not_ready, unsigned *skipped);

#endif
