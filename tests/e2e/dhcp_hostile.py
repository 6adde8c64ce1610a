#!/usr/bin/python3
"""dhcp_hostile.py - hostile frames at pool's DHCP responder, for tests/e2e/dhcphostile.bats.

Run on the guest's side of the link (inside its namespace):
    dhcp_hostile.py IFNAME MACHINE-MAC SERVER-MAC [CASE...]
For each case it sends one frame (or a burst), listens for what comes
back to UDP port 68 for a while, and prints one line:
    CASE: silent
    CASE: OFFER yiaddr=10.0.0.2 mask=255.255.255.0 router=10.0.0.1 ...
It judges nothing: the test compares these lines with what it expects.
"""

import os
import random
import select
import socket
import sys
import time

from scapy.all import Ether, IP, Raw, UDP, conf  # noqa: E402

conf.verb = 0

IFACE, MAC, SRV_MAC = sys.argv[1], sys.argv[2], sys.argv[3]
LISTEN = float(os.environ.get("HOSTILE_LISTEN", "1.0"))
COOKIE = b"\x63\x82\x53\x63"
TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 5: "ACK", 6: "NAK"}


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def l2(src=MAC, sport=68, dport=67, ipsrc="0.0.0.0", ipdst="255.255.255.255"):
    return Ether(src=src, dst="ff:ff:ff:ff:ff:ff") / IP(src=ipsrc, dst=ipdst) / UDP(sport=sport, dport=dport)


def bootp_raw(xid, chaddr=MAC, op=1, sname=b"", file=b"", ciaddr=b"\0\0\0\0"):
    """The 236-byte fixed header by hand, so every byte is ours to break."""
    h = bytes([op, 1, 6, 0]) + xid.to_bytes(4, "big") + b"\0\0" + b"\x80\x00"
    h += ciaddr + b"\0" * 12
    h += mac_bytes(chaddr) + b"\0" * 10
    h += sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128]
    assert len(h) == 236
    return h


def opts(*pairs):
    b = b""
    for code, val in pairs:
        b += bytes([code, len(val)]) + val
    return b


def discover(xid, chaddr=MAC, extra=b""):
    return bootp_raw(xid, chaddr) + COOKIE + opts((53, b"\x01")) + extra + b"\xff"


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip_str(b):
    return ".".join(str(x) for x in b)


def describe(pkt):
    """One reply, in words: type, yiaddr and the options a client uses."""
    raw = bytes(pkt[UDP].payload)
    if len(raw) < 240 or raw[236:240] != COOKIE:
        return "malformed-reply len=%d" % len(raw)
    out = {"yiaddr": ip_str(raw[16:20]), "chaddr": ":".join("%02x" % x for x in raw[28:34])}
    typ = "?"
    i = 240
    while i < len(raw) and raw[i] != 255:
        if raw[i] == 0:
            i += 1
            continue
        if i + 1 >= len(raw):
            break
        code, n = raw[i], raw[i + 1]
        val = raw[i + 2:i + 2 + n]
        if code == 53 and n == 1:
            typ = TYPES.get(val[0], str(val[0]))
        elif code == 1:
            out["mask"] = ip_str(val)
        elif code == 3:
            out["router"] = ip_str(val[:4])
        elif code == 54:
            out["server"] = ip_str(val)
        elif code == 12:
            out["hostname"] = val.decode("latin-1")
        i += 2 + n
    return typ + " " + " ".join("%s=%s" % kv for kv in sorted(out.items()))


def case_frames():
    """name -> list of frames. xids are distinct, so a late reply is still told apart."""
    c = {}
    x = random.randrange(1 << 20, 1 << 30)

    c["good-discover"] = [l2() / Raw(discover(x + 1))]
    # The BOOTP header cut short: 100 bytes, then the header without cookie.
    c["truncated-header"] = [l2() / Raw(discover(x + 2)[:100]),
                             l2() / Raw(discover(x + 2)[:236])]
    # Option 12 claims 200 bytes; 10 follow.
    c["option-past-end"] = [l2() / Raw(bootp_raw(x + 3) + COOKIE + opts((53, b"\x01")) + b"\x0c\xc8" + b"a" * 10)]
    # Option overload (52) done right: the message type lives in 'file'.
    c["overload-good"] = [l2() / Raw(bootp_raw(x + 4, file=opts((53, b"\x01")) + b"\xff") + COOKIE + opts((52, b"\x01")) + b"\xff")]
    # Overload nested inside 'file', and an option in 'sname' running past its 64 bytes.
    c["overload-nested"] = [l2() / Raw(bootp_raw(x + 5, file=opts((53, b"\x01"), (52, b"\x03")) + b"\xff") + COOKIE + opts((52, b"\x01")) + b"\xff")]
    c["overload-past-sname"] = [l2() / Raw(bootp_raw(x + 6, sname=b"\x0c\x50" + b"h" * 62) + COOKIE + opts((53, b"\x01"), (52, b"\x02")) + b"\xff")]
    # A 255-byte host name and one with bytes outside [A-Za-z0-9.-_]: the
    # name is not taken, the DISCOVER still is.
    c["huge-hostname"] = [l2() / Raw(discover(x + 7, extra=b"\x0c\xff" + b"H" * 255))]
    c["evil-hostname"] = [l2() / Raw(discover(x + 8, extra=opts((12, b"a;rm -rf /\n\x00x"))))]
    # Another machine's MAC in chaddr (and in the Ethernet source), and
    # ours in the frame but another in chaddr.
    c["wrong-mac"] = [l2(src="02:00:0a:00:00:09") / Raw(discover(x + 9, chaddr="02:00:0a:00:00:09")),
                      l2() / Raw(discover(x + 10, chaddr="02:00:0a:00:00:09"))]
    # UDP to 67 that is not DHCP: noise, BOOTP without the cookie, a
    # BOOTREPLY, a wrong source port, no message type, a bad UDP checksum.
    bad_csum = l2() / Raw(discover(x + 11))
    bad_csum[UDP].chksum = 0x1234
    c["not-dhcp"] = [l2() / Raw(os.urandom(300)),
                     l2() / Raw(bootp_raw(x + 12) + b"\0" * 64),
                     l2() / Raw(bootp_raw(x + 13, op=2) + COOKIE + opts((53, b"\x01")) + b"\xff"),
                     l2(sport=1234) / Raw(discover(x + 14)),
                     l2() / Raw(bootp_raw(x + 15) + COOKIE + opts((12, b"nomsgtype")) + b"\xff"),
                     bad_csum,
                     l2() / Raw(b"")]
    # Fragments: the first half of a DISCOVER with MF set.
    frag = l2() / Raw(discover(x + 16))
    frag[IP].flags = "MF"
    c["ip-fragment"] = [frag]
    # A REQUEST for another address (INIT-REBOOT) is refused with a NAK, and
    # one SELECTING another server is left alone.
    c["request-other-address"] = [l2() / Raw(bootp_raw(x + 17) + COOKIE + opts((53, b"\x03"), (50, ip4("10.0.0.9"))) + b"\xff")]
    c["request-other-server"] = [l2() / Raw(bootp_raw(x + 18) + COOKIE + opts((53, b"\x03"), (50, ip4("10.0.0.2")), (54, ip4("10.0.0.77"))) + b"\xff")]
    # A thousand random frames to 67 (then the test's next case is a good DISCOVER).
    # Half pure noise, half a good DISCOVER with random bytes of its options
    # (and flags/secs/ciaddr) changed: whatever answer comes must still be
    # for this machine's MAC with this machine's address.
    good = discover(x + 21, extra=opts((12, b"guest"), (55, bytes([1, 3, 6, 12, 15, 51, 54])), (61, b"\x01" + mac_bytes(MAC))))
    c["flood"] = []
    for i in range(1000):
        if i % 2:
            c["flood"].append(l2() / Raw(os.urandom(random.randrange(0, 600))))
            continue
        b = bytearray(good + os.urandom(random.randrange(0, 64)))
        for _ in range(random.randrange(1, 8)):
            b[random.choice(list(range(8, 16)) + list(range(240, len(b))))] = random.randrange(256)
        c["flood"].append(l2() / Raw(bytes(b)))
    c["discover-after"] = [l2() / Raw(discover(x + 19))]
    c["good-request"] = [l2() / Raw(bootp_raw(x + 20) + COOKIE + opts((53, b"\x03"), (50, ip4("10.0.0.2")), (54, ip4("10.0.0.1"))) + b"\xff")]
    return c


def replies(sk, until):
    """Frames from the server to UDP port 68 until the deadline, parsed."""
    got = []
    while True:
        left = until - time.monotonic()
        if left <= 0 or not select.select([sk], [], [], left)[0]:
            return got
        data = sk.recv(4096)
        try:
            p = Ether(data)
        except Exception:  # noqa: BLE001 - not ours to judge here
            continue
        if p.src == SRV_MAC and UDP in p and p[UDP].dport == 68:
            got.append(p)


def main():
    cases = case_frames()
    names = sys.argv[4:] or list(cases)
    sk = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    sk.bind((IFACE, 0))
    for name in names:
        replies(sk, time.monotonic() + 0.1)  # drain what an earlier case left
        for frame in cases[name]:
            sk.send(bytes(frame))
        got = replies(sk, time.monotonic() + LISTEN)
        if not got:
            print("%s: silent" % name)
        for p in got:
            print("%s: %s" % (name, describe(p)))
        sys.stdout.flush()


main()
