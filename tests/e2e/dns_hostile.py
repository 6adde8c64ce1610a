#!/usr/bin/python3
"""dns_hostile.py - DNS frames at pool's per-machine resolver, for tests/e2e/dnshostile.bats.

Run on the machine's side of the link (inside its namespace, whose eth0
holds the machine's address):
    dns_hostile.py IFNAME MACHINE-MAC MACHINE-IP SERVER-MAC SERVER-IP CASE...
A CASE is q:NAME[:TYPE] (one well-formed query) or the name of a hostile
frame below. For each it sends the frame (or a burst) and prints one line
per reply that comes back to its port within a while:
    CASE: silent
    CASE: NOERROR tc=0 A=198.51.100.10/300 ...
It judges nothing: the test compares these lines with what it expects.
"""

import os
import random
import socket
import struct
import sys
import time

from scapy.all import Ether, IP, Raw, UDP, conf, sendp  # noqa: E402

conf.verb = 0

IFACE, MAC, MIP, SRV_MAC, SIP = sys.argv[1:6]
LISTEN = float(os.environ.get("HOSTILE_LISTEN", "1.5"))
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
TYPES = {"A": 1, "AAAA": 28, "TXT": 16, "MX": 15, "ANY": 255, "CNAME": 5, "HTTPS": 65}


def qname(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, name, qtype=1, flags=0x0100, counts=(1, 0, 0, 0), tail=b""):
    return struct.pack(">HHHHHH", qid, flags, *counts) + qname(name) + struct.pack(">HH", qtype, 1) + tail


def frame(payload, sport, src=MAC, dst=SRV_MAC, ipsrc=MIP, ipdst=SIP, dport=53, **ipkw):
    return Ether(src=src, dst=dst) / IP(src=ipsrc, dst=ipdst, **ipkw) / UDP(sport=sport, dport=dport) / Raw(payload)


def read_name(msg, off, hops=0):
    labels = []
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            ptr = ((n & 0x3F) << 8) | msg[off + 1]
            name, _ = read_name(msg, ptr, hops + 1)
            labels.append(name)
            return ".".join(x for x in labels if x), off + 2
        off += 1
        if n == 0:
            return ".".join(labels), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def describe(msg):
    """One reply in words: rcode, TC, and each answer record."""
    if len(msg) < 12:
        return "short-reply len=%d" % len(msg)
    qid, flags, qd, an, ns, ar = struct.unpack(">HHHHHH", msg[:12])
    words = [RCODES.get(flags & 0xF, "rcode%d" % (flags & 0xF)), "tc=%d" % ((flags >> 9) & 1)]
    try:
        off = 12
        for _ in range(qd):
            _, off = read_name(msg, off)
            off += 4
        for _ in range(an):
            name, off = read_name(msg, off)
            rtype, _, ttl, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
            off += 10
            data = msg[off:off + rdlen]
            off += rdlen
            if rtype == 1:
                words.append("A=%s/%d" % (socket.inet_ntoa(data), ttl))
            elif rtype == 5:
                words.append("CNAME=%s" % read_name(msg, off - rdlen)[0])
            else:
                words.append("type%d" % rtype)
    except (IndexError, struct.error, RecursionError):
        words.append("malformed")
    return " ".join(words)


def exchange(case, frames, sport, listen=LISTEN):
    """Send frames from sport; print what comes back to it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((MIP, sport))
    s.settimeout(0.2)
    sendp(frames, iface=IFACE)
    got = 0
    end = time.time() + listen
    while time.time() < end:
        try:
            msg, peer = s.recvfrom(4096)
        except socket.timeout:
            continue
        got += 1
        print("%s: %s%s" % (case, describe(msg), "" if peer == (SIP, 53) else " from=%s:%d" % peer))
    if not got:
        print("%s: silent" % case)
    s.close()
    sys.stdout.flush()


def mutate(b, rnd):
    b = bytearray(b)
    for _ in range(rnd.randint(1, 6)):
        i = rnd.randrange(len(b))
        b[i] = rnd.randrange(256)
    if rnd.random() < 0.2:
        b = b[: rnd.randrange(1, len(b))]
    if rnd.random() < 0.1:
        b += bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40)))
    return bytes(b)


def case(c):
    sport = random.randint(20000, 60000)
    qid = random.randint(0, 65535)
    if c.startswith("q:"):
        parts = c.split(":")
        name = parts[1]
        qtype = TYPES[parts[2]] if len(parts) > 2 else 1
        exchange(c, frame(query(qid, name, qtype), sport), sport, listen=float(os.environ.get("Q_LISTEN", "6")))
    elif c == "truncated":
        exchange(c, frame(query(qid, "registry.test")[:7], sport), sport)
    elif c == "question-cut":
        exchange(c, frame(query(qid, "registry.test")[:-3], sport), sport)
    elif c == "pointer-loop":
        # the question's name is a pointer to itself
        msg = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack(">HH", 1, 1)
        exchange(c, frame(msg, sport), sport)
    elif c == "huge-counts":
        exchange(c, frame(query(qid, "registry.test", counts=(65535, 65535, 65535, 65535)), sport), sport)
    elif c == "two-questions":
        msg = query(qid, "registry.test", counts=(2, 0, 0, 0)) + qname("evil.test") + struct.pack(">HH", 1, 1)
        exchange(c, frame(msg, sport), sport)
    elif c == "label-64":
        exchange(c, frame(query(qid, "a" * 64 + ".test"), sport), sport)
    elif c == "name-256":
        exchange(c, frame(query(qid, ".".join(["a" * 63] * 4) + ".test"), sport), sport)
    elif c == "response":
        exchange(c, frame(query(qid, "registry.test", flags=0x8180), sport), sport)
    elif c == "wrong-mac":
        exchange(c, frame(query(qid, "registry.test"), sport, src="02:00:0a:00:00:63"), sport)
    elif c == "wrong-ip":
        exchange(c, frame(query(qid, "registry.test"), sport, ipsrc="10.0.0.99"), sport)
    elif c == "other-destination":
        exchange(c, frame(query(qid, "registry.test"), sport, ipdst="203.0.113.53"), sport)
    elif c == "broadcast-mac":
        exchange(c, frame(query(qid, "registry.test"), sport, dst="ff:ff:ff:ff:ff:ff"), sport)
    elif c == "ip-fragment":
        exchange(c, frame(query(qid, "registry.test"), sport, flags="MF"), sport)
    elif c == "bad-char":
        exchange(c, frame(query(qid, "evil\x00name.test"), sport), sport)
    elif c == "flood":
        rnd = random.Random(16)
        base = [query(qid, "registry.test"), query(qid, "evil.test"), query(qid, "alias.test"),
                query(qid, "registry.test", 28)]
        frames = [frame(mutate(rnd.choice(base), rnd), sport) for _ in range(1000)]
        exchange(c, frames, sport, listen=max(LISTEN, 6))
    else:
        print("%s: unknown case" % c)


for arg in sys.argv[6:]:
    case(arg)
