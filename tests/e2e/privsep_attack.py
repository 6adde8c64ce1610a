#!/usr/bin/env python3
"""privsep_attack.py - plays a guest that took over the guest-facing
supervisor, for privsep.bats: with that process's fds (taken with
pidfd_getfd), as its uid and gid and without a capability, it writes
frames into each of its relays to the TAP, and says which of them a
capture on the TAP saw.

  relay PID TAP MACHINE_MAC SERVER_MAC

prints "relays N", then "seen NAME" for each frame that reached the TAP.
Run as root; the part that sends drops to PID's ids first.
"""
import ctypes
import os
import select
import socket
import struct
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
SYS_pidfd_getfd = 438


def ids(pid):
    uid = gid = None
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
            elif line.startswith("Gid:"):
                gid = int(line.split()[1])
    return uid, gid


def become(pid):
    """PID's uid and gid, no capability, no supplementary group."""
    uid, gid = ids(pid)
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def relays(pid):
    """Copies of PID's non-blocking SOCK_SEQPACKET unix sockets: its ends of
    the TAP's relays (the channel to the privileged side blocks)."""
    pidfd = os.pidfd_open(pid)
    out = []
    for name in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        n = int(name)
        try:
            if not os.readlink("/proc/%d/fd/%d" % (pid, n)).startswith("socket:"):
                continue
            with open("/proc/%d/fdinfo/%d" % (pid, n)) as f:
                flags = int([l for l in f if l.startswith("flags:")][0].split()[1], 8)
        except OSError:
            continue
        fd = libc.syscall(SYS_pidfd_getfd, pidfd, n, 0)
        if fd < 0:
            continue
        s = socket.socket(fileno=fd)
        if (s.family == socket.AF_UNIX and s.type == socket.SOCK_SEQPACKET
                and flags & os.O_NONBLOCK):
            out.append(s)
        else:
            s.close()
    os.close(pidfd)
    return out


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def frame(dst, src, marker, sport=67, proto=17, src_ip="10.0.0.1", ethertype=0x0800):
    payload = marker.encode()
    udp = struct.pack("!HHHH", sport, 68, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, proto, 0,
                     socket.inet_aton(src_ip), socket.inet_aton("10.0.0.2"))
    return dst + src + struct.pack("!H", ethertype) + ip + udp


def cmd_relay(pid, tap, machine_mac, server_mac):
    m, srv, other = mac(machine_mac), mac(server_mac), mac("02:00:0a:00:00:63")
    frames = {
        # what a responder sends: the DHCP relay's and the DNS relay's
        "GOOD-DHCP": frame(m, srv, "POOL-GOOD-DHCP"),
        "GOOD-DNS": frame(m, srv, "POOL-GOOD-DNS", sport=53),
        "OTHER-MACHINE": frame(other, srv, "POOL-OTHER-MACHINE"),
        "OTHER-SOURCE": frame(m, other, "POOL-OTHER-SOURCE"),
        "TCP": frame(m, srv, "POOL-TCP", proto=6),
        "SPOOFED-IP": frame(m, srv, "POOL-SPOOFED-IP", src_ip="10.0.0.9"),
        "OTHER-PORT": frame(m, srv, "POOL-OTHER-PORT", sport=80),
        "ARP": frame(m, srv, "POOL-ARP", ethertype=0x0806),
        "HUGE": frame(m, srv, "POOL-HUGE" + "x" * 3000),
    }
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    cap.bind((tap, 0x0003))
    taken = relays(pid)
    print("relays %d" % len(taken))
    child = os.fork()
    if child == 0:
        cap.close()
        become(pid)
        for s in taken:
            for f in frames.values():
                try:
                    s.send(f)
                except OSError as e:
                    print("send: %s" % e)
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(child, 0)
    seen = set()
    deadline = time.time() + 1.5
    cap.setblocking(False)
    while time.time() < deadline:
        if not select.select([cap], [], [], 0.2)[0]:
            continue
        data = cap.recv(65536)
        for name, f in frames.items():
            if data == f:
                seen.add(name)
    for name in sorted(seen):
        print("seen %s" % name)


def main(argv):
    if len(argv) != 6 or argv[1] != "relay":
        sys.exit(__doc__)
    cmd_relay(int(argv[2]), argv[3], argv[4], argv[5])
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv)
