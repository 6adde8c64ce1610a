#!/usr/bin/env python3
"""hostile.py - write the hand-made seeds of tests/fuzz/corpus/dns/.

    python3 tests/unit/dns/hostile.py tests/fuzz/corpus/dns

Queries a hostile machine could send (whole Ethernet frames, as the TAP
gives them, and bare payloads) and upstream answers that break the rules
the answer parser enforces: pointer loops, forward pointers, pointers into
the header, too many hops, names over 255 bytes, CNAME loops and a chain
of 9, wrong owners, odd TTLs.
"""
import os
import struct
import sys

out = sys.argv[1]


def name(text):
    if text in ("", "."):
        return b"\0"
    b = b""
    for label in text.split("."):
        b += bytes([len(label)]) + label.encode("latin-1")
    return b + b"\0"


def hdr(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def question(text, qtype=1, qclass=1):
    return name(text) + struct.pack(">HH", qtype, qclass)


def query(text, qtype=1, edns=None, qid=0x4242):
    m = hdr(qid, 0x0100, ar=1 if edns else 0) + question(text, qtype)
    if edns is not None:
        m += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    return m


def rr(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def ptr(off):
    return struct.pack(">H", 0xc000 | off)


def a(addr):
    return bytes(int(x) for x in addr.split("."))


def answer(qtext, records, flags=0x8180, qtype=1, qid=0x4242):
    return hdr(qid, flags, an=len(records)) + question(qtext, qtype) + b"".join(records)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(payload, sport=40000, dport=53, src="10.0.0.2", dst="10.0.0.1"):
    s, d = a(src), a(dst)
    ulen = 8 + len(payload)
    udp = struct.pack(">HHHH", sport, dport, ulen, 0) + payload
    c = csum(s + d + struct.pack(">BBH", 0, 17, ulen) + udp) or 0xffff
    udp = udp[:6] + struct.pack(">H", c) + udp[8:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0x4000, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack(">H", csum(ip)) + ip[12:]
    eth = bytes.fromhex("02500000000102000a0000020800")
    return eth + ip + udp


seeds = {}
# queries from the machine, framed as the TAP hands them over
seeds["frame-a"] = frame(query("example.test"))
seeds["frame-aaaa-edns"] = frame(query("www.example.test", 28, edns=1232))
seeds["frame-padded"] = frame(query("a.test")) + b"\0" * 20
seeds["frame-no-csum"] = frame(query("host.example.test"))[:40] + b"\0\0" + frame(query("host.example.test"))[42:]
seeds["frame-https"] = frame(query("api.example.test", 65, edns=4096))
# hostile queries
seeds["q-label64"] = hdr(1, 0x100) + b"\x40" + b"a" * 64 + b"\4test\0" + b"\0\1\0\1"
seeds["q-name256"] = hdr(1, 0x100) + b"".join(bytes([63]) + b"x" * 63 for _ in range(3)) + b"\x3e" + b"y" * 62 + b"\0\0\1\0\1"
seeds["q-name255"] = hdr(1, 0x100) + b"".join(bytes([63]) + b"x" * 63 for _ in range(3)) + b"\x3d" + b"y" * 61 + b"\0\0\1\0\1"
seeds["q-pointer"] = hdr(1, 0x100) + b"\3www" + ptr(12) + b"\0\1\0\1"
seeds["q-dot-in-label"] = hdr(1, 0x100) + b"\x0bexample.com\0\0\1\0\1"
seeds["q-nul"] = hdr(1, 0x100) + b"\3a\0b\4test\0\0\1\0\1"
seeds["q-utf8"] = query("caf\xc3\xa9.test")
seeds["q-chaos"] = hdr(1, 0x100) + question("version.bind", 16, 3)
seeds["q-axfr"] = query("example.test", 252)
seeds["q-any"] = query("example.test", 255)
seeds["q-two-questions"] = hdr(1, 0x100, qd=2) + question("a.test") + question("b.test")
seeds["q-response"] = hdr(1, 0x8180) + question("a.test")
seeds["q-update"] = hdr(1, 0x2800) + question("a.test")
seeds["q-opt-cookie"] = hdr(1, 0x100, ar=1) + question("a.test") + b"\0" + struct.pack(">HHIH", 41, 1232, 0, 12) + struct.pack(">HH", 10, 8) + b"\1" * 8
seeds["q-opt-overrun"] = hdr(1, 0x100, ar=1) + question("a.test") + b"\0" + struct.pack(">HHIH", 41, 1232, 0, 200)
seeds["q-ar-not-opt"] = hdr(1, 0x100, ar=1) + question("a.test") + rr(b"\0", 1, 0, a("1.2.3.4"))
seeds["q-trailing"] = query("a.test") + b"\0\0\0"
seeds["q-root"] = query("", 2)
seeds["q-underscore"] = query("_sip._tcp.Example.TEST", 33)
seeds["q-truncated"] = query("example.test")[:20]
seeds["q-127-labels"] = hdr(1, 0x100) + b"\1x" * 127 + b"\0\0\1\0\1"

Q = 12  # the question's offset
qlen = len(question("q.example.test"))
# answers that break the rules
seeds["ans-self-pointer"] = answer("q.example.test", [rr(ptr(Q + qlen), 1, 60, a("1.1.1.1"))])
seeds["ans-loop-label"] = answer("q.example.test", [rr(b"\1x" + ptr(Q + qlen), 1, 60, a("1.1.1.1"))])
seeds["ans-forward"] = answer("q.example.test", [rr(ptr(Q + qlen + 16), 1, 60, a("1.1.1.1")),
                                                 rr(ptr(Q), 1, 60, a("2.2.2.2"))])
seeds["ans-into-header"] = answer("q.example.test", [rr(ptr(4), 1, 60, a("1.1.1.1"))])
hops = b"".join(ptr(Q + qlen + 12 + 2 * (i - 1)) if i else ptr(Q) for i in range(16))
seeds["ans-17-hops"] = answer("q.example.test", [rr(ptr(Q), 16, 60, hops),
                                                 rr(ptr(Q + qlen + 12 + 30), 1, 60, a("1.1.1.1"))])
seeds["ans-16-hops"] = answer("q.example.test", [rr(ptr(Q), 16, 60, hops),
                                                 rr(ptr(Q + qlen + 12 + 28), 1, 60, a("1.1.1.1"))])
long_q = ".".join(["a" * 63] * 3 + ["b" * 61])
seeds["ans-name257"] = answer(long_q, [rr(b"\1x" + ptr(Q), 1, 60, a("1.1.1.1"))])
seeds["ans-name255"] = answer(long_q, [rr(ptr(Q), 1, 60, a("1.1.1.1"))])


def chain(n, rev=False):
    owners = ["q.example.test"] + ["c%d.example.test" % i for i in range(1, n + 1)]
    recs = [rr(name(owners[i]), 5, 1000 - i, name(owners[i + 1])) for i in range(n)]
    recs.append(rr(name(owners[n]), 1, 300, a("192.0.2.99")))
    return answer("q.example.test", recs[::-1] if rev else recs)


seeds["ans-chain8"] = chain(8)
seeds["ans-chain8-reversed"] = chain(8, True)
seeds["ans-chain9"] = chain(9)
seeds["ans-cname-loop"] = answer("q.example.test", [rr(ptr(Q), 5, 60, name("c1.example.test")),
                                                    rr(name("c1.example.test"), 5, 60, name("q.example.test"))])
seeds["ans-cname-self"] = answer("q.example.test", [rr(ptr(Q), 5, 60, ptr(Q))])
seeds["ans-two-cnames"] = answer("q.example.test", [rr(ptr(Q), 5, 60, name("a.test")),
                                                    rr(ptr(Q), 5, 60, name("b.test"))])
seeds["ans-wrong-owner"] = answer("q.example.test", [rr(name("evil.test"), 1, 60, a("6.6.6.6")),
                                                     rr(ptr(Q), 28, 60, b"\x20\x01\x0d\xb8" + b"\0" * 12),
                                                     rr(ptr(Q), 46, 60, b"\1\2\3\4\5\6"),
                                                     rr(ptr(Q), 1, 60, a("6.6.6.7"), rclass=3),
                                                     rr(ptr(Q), 1, 60, a("192.0.2.1"))])
seeds["ans-ttls"] = answer("q.example.test", [rr(ptr(Q), 1, 0, a("192.0.2.1")),
                                              rr(ptr(Q), 1, 0x80000000, a("192.0.2.2")),
                                              rr(ptr(Q), 1, 0xffffffff, a("192.0.2.3")),
                                              rr(ptr(Q), 1, 0x7fffffff, a("192.0.2.4")),
                                              rr(ptr(Q), 1, 30, a("192.0.2.4"))])
seeds["ans-a-5-bytes"] = answer("q.example.test", [rr(ptr(Q), 1, 60, b"\1\2\3\4\5")])
seeds["ans-rdlen-overrun"] = answer("q.example.test", [rr(ptr(Q), 1, 60, a("1.2.3.4"))])[:-2]
seeds["ans-truncated-tc"] = hdr(0x4242, 0x8380, qd=0)
seeds["ans-nxdomain"] = answer("q.example.test", [], flags=0x8183)
seeds["ans-many"] = answer("q.example.test", [rr(ptr(Q), 1, 60, bytes([10, 0, i // 256, i % 256])) for i in range(60)])
seeds["ans-ancount-lies"] = hdr(0x4242, 0x8180, an=0xffff) + question("q.example.test") + rr(ptr(Q), 1, 60, a("1.1.1.1"))
seeds["tcp-answer"] = struct.pack(">H", len(chain(2))) + chain(2)

for k, v in seeds.items():
    with open(os.path.join(out, k), "wb") as f:
        f.write(v)
