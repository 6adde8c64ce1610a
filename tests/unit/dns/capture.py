#!/usr/bin/env python3
"""capture.py - record real DNS bytes for test_dns_pkt.c and the fuzz corpus.

Run as root (it makes its own network and mount namespaces, touching
nothing of the host's):

    unshare -n -m python3 tests/unit/dns/capture.py OUTDIR

Inside: loopback up, Debian's dnsmasq on 127.0.0.1:5353 serving only
local names (--no-resolv), and a relay on 127.0.0.1:53 that records each
query and dnsmasq's answer. Clients: glibc (getent, with a private
resolv.conf bind-mounted over /etc/resolv.conf in this mount namespace),
busybox nslookup, and queries written here by hand (EDNS, mixed case,
other types). Each exchange is saved as OUTDIR/NN-label.query and
OUTDIR/NN-label.answer.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

conf = os.path.join(out, ".resolv.conf")
with open(conf, "w") as f:
    f.write("nameserver 127.0.0.1\noptions attempts:1 timeout:2\n")
subprocess.run(["mount", "--bind", conf, "/etc/resolv.conf"], check=True)

dnsmasq = subprocess.Popen([
    "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=",
    "--no-resolv", "--no-hosts", "--port=5353", "--listen-address=127.0.0.1",
    "--bind-interfaces", "--local-ttl=60",
    "--address=/example.test/192.0.2.7",
    "--host-record=host.example.test,192.0.2.8,300",
    "--host-record=multi.example.test,192.0.2.10",
    "--host-record=multi.example.test,192.0.2.11",
    "--host-record=multi.example.test,192.0.2.12",
    "--cname=alias.example.test,host.example.test,120",
    "--cname=deep.example.test,alias.example.test,30",
    "--cname=Mixed.Example.Test,multi.example.test",
])
time.sleep(0.5)

seq = [0]
lock = threading.Lock()


def save(label, q, a):
    with lock:
        seq[0] += 1
        base = os.path.join(out, "%02d-%s" % (seq[0], label))
    with open(base + ".query", "wb") as f:
        f.write(q)
    if a is not None:
        with open(base + ".answer", "wb") as f:
            f.write(a)


current = ["client"]


def relay():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 53))
    while True:
        q, peer = s.recvfrom(4096)
        if q == b"stop":
            return
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(2)
        u.sendto(q, ("127.0.0.1", 5353))
        try:
            a = u.recv(4096)
        except socket.timeout:
            a = None
        u.close()
        save(current[0], q, a)
        if a is not None:
            s.sendto(a, peer)


t = threading.Thread(target=relay)
t.start()
time.sleep(0.2)


def client(label, argv):
    current[0] = label
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    time.sleep(0.2)


client("glibc-alias", ["getent", "ahosts", "alias.example.test"])
client("glibc-deep", ["getent", "hosts", "deep.example.test"])
client("glibc-multi", ["getent", "ahosts", "multi.example.test"])
client("busybox-host", ["busybox", "nslookup", "host.example.test", "127.0.0.1"])


def name(text):
    b = b""
    for label in text.split("."):
        b += bytes([len(label)]) + label.encode()
    return b + b"\0"


def query(qid, text, qtype, flags=0x0100, edns=None):
    ar = 1 if edns else 0
    m = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, ar) + name(text) + struct.pack(">HH", qtype, 1)
    if edns:
        m += b"\0" + struct.pack(">HHIH", 41, edns, 0, 0)
    return m


def ask(label, m):
    current[0] = label
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(3)
    c.sendto(m, ("127.0.0.1", 53))
    try:
        c.recv(4096)
    except socket.timeout:
        pass
    c.close()
    time.sleep(0.1)


ask("a-address", query(0x1234, "example.test", 1))
ask("a-edns", query(0x2345, "www.example.test", 1, edns=1232))
ask("aaaa-empty", query(0x3456, "example.test", 28))
ask("a-mixed-case", query(0x4567, "MiXeD.eXaMpLe.TeSt", 1))
ask("a-deep-edns4096", query(0x5678, "deep.example.test", 1, edns=4096))
ask("a-unknown", query(0x6789, "nothing.invalid", 1))
ask("txt", query(0x789a, "host.example.test", 16))
ask("mx-multi", query(0x89ab, "multi.example.test", 15))

c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b"stop", ("127.0.0.1", 53))
t.join()
dnsmasq.terminate()
dnsmasq.wait()
os.unlink(conf)
