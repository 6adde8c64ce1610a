#!/usr/bin/env bats
# netguest.bats - the channel's policy seen from inside real guests (image
# host: the guest has this machine's /usr, so ip and python3): two machines
# up at once cannot reach each other, and a guest that spoofs (a second IP,
# a changed MAC, raw frames with another source, forged ARP) gets none of it
# past its TAP, while its own address keeps working. Each test builds its own
# world as net.bats does: a namespace where pool runs (the "host") and one
# that plays the internet, joined by a veth uplink.

load helpers

A_MAC=02:00:0a:00:00:02		# machine a, 10.0.0.2
B_MAC=02:00:0a:00:00:03		# machine b, 10.0.0.3 (and a's spoofed MAC)

setup() {
	pool_env
	H="poolgh-$$-$BATS_TEST_NUMBER"
	I="poolgi-$$-$BATS_TEST_NUMBER"
	net_world "$H" "$I"
	WWW="$BATS_TEST_TMPDIR/www"
	mkdir -p "$WWW"
	echo "hello from the internet $$" > "$WWW/file"
	PIDS=()
	# ip netns exec execs its command in place: $! is httpd itself.
	ip netns exec "$I" busybox httpd -f -p 198.51.100.2:80 -h "$WWW" &
	PIDS+=($!)
	ip netns exec "$H" "$POOL_BIN" channel up --uplink up0 >/dev/null
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	net_world_del "$H" "$I"
}

spec() {	# spec FILE NAME ADDRESS
	printf 'name: %s\nimage: host\nmemory: 512M\naddress: %s\nnetwork: nat\n' "$2" "$3" > "$1"
}

in_host() { ip netns exec "$H" "$@"; }

# A python one-liner-ish program for a guest: the text of $1 as python3 -c.
GET_PY='
import socket, sys
s = socket.create_connection(("198.51.100.2", 80), timeout=10)
s.sendall(b"GET /file HTTP/1.0\r\n\r\n")
print(s.recv(4096).decode(errors="replace"))'

# --- two machines ---

# Machine b: listens on TCP 7777 and UDP 7778 and counts every frame on its
# NIC that comes from machine a (a's MAC, a's IP, or ARP about a's IP).
# A connection whose first bytes are STOP (sent from the host) ends it.
B_PY='
import select, socket, time
a_mac = bytes.fromhex("02000a000002"); a_ip = socket.inet_aton("10.0.0.2")
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)); raw.bind(("eth0", 0))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("0.0.0.0", 7777)); t.listen(8)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0", 7778))
print("READY", flush=True)
frames = 0; tcp = []; udp = []; control = False; end = time.time() + 300
while not control and time.time() < end:
    r = select.select([raw, t, u], [], [], 1)[0]
    if raw in r:
        f, addr = raw.recvfrom(65535)
        if addr[2] != socket.PACKET_OUTGOING and (f[6:12] == a_mac or
                (f[12:14] == b"\x08\x00" and f[26:30] == a_ip) or
                (f[12:14] == b"\x08\x06" and f[28:32] == a_ip)):
            frames += 1
    if t in r:
        c, a = t.accept(); c.settimeout(5)
        try:
            d = c.recv(64)
        except OSError:
            d = b""
        c.close()
        if d.startswith(b"STOP"):
            control = True
        else:
            tcp.append(a[0])
    if u in r:
        d, a = u.recvfrom(64); udp.append(a[0])
print("frames-from-a", frames); print("tcp-from", tcp); print("udp-from", udp)
print("control", control, flush=True)'

# Machine a: ping, TCP and UDP at b; then the internet (a works).
A_PY='
import socket
try:
    s = socket.create_connection(("10.0.0.3", 7777), timeout=5); s.sendall(b"hello b")
    print("tcp-to-b connected")
except OSError as e:
    print("tcp-to-b failed:", e)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(5):
    u.sendto(b"hello b", ("10.0.0.3", 7778))
print("udp-to-b sent")'

@test "two machines up at once cannot reach each other (ping, TCP, UDP, not one frame)" {
	spec "$BATS_TEST_TMPDIR/a.yaml" a 10.0.0.2
	spec "$BATS_TEST_TMPDIR/b.yaml" b 10.0.0.3
	ip netns exec "$H" "$POOL_BIN" run "$BATS_TEST_TMPDIR/b.yaml" -- python3 -u -c "$B_PY" \
		>"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
	BPID=$!
	PIDS+=($BPID)
	wait_for 240 grep -q READY "$BATS_TEST_TMPDIR/b.out" || { cat "$BATS_TEST_TMPDIR/b.err"; false; }

	run --separate-stderr in_host "$POOL_BIN" run "$BATS_TEST_TMPDIR/a.yaml" -- sh -c \
		"ping -c 3 -W 1 10.0.0.3; echo ping=\$?; python3 -c '$A_PY'; python3 -c '$GET_PY'"
	echo "a: $output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ping=1"* ]]			# 100 % loss
	[[ "$output" == *"tcp-to-b failed"* ]]
	[[ "$output" == *"udp-to-b sent"* ]]
	[[ "$output" == *"hello from the internet $$"* ]]	# a's network works

	# The host reaches b (the listener does listen), and tells it to stop.
	in_host /usr/bin/python3 -c 'import socket; socket.create_connection(("10.0.0.3", 7777), timeout=10).sendall(b"STOP")'
	wait_for 120 grep -q '^control' "$BATS_TEST_TMPDIR/b.out"
	wait "$BPID"
	cat "$BATS_TEST_TMPDIR/b.out" "$BATS_TEST_TMPDIR/b.err"
	grep -qx 'control True' "$BATS_TEST_TMPDIR/b.out"
	grep -qx 'frames-from-a 0' "$BATS_TEST_TMPDIR/b.out"
	grep -qx 'tcp-from \[\]' "$BATS_TEST_TMPDIR/b.out"
	grep -qx 'udp-from \[\]' "$BATS_TEST_TMPDIR/b.out"
}

# --- spoofing ---

# A listener for the host's bridge and the internet's uplink: one line per
# frame that comes from a guest (its MAC, one of the machines' addresses,
# or a marker payload), as "udp SRC-MAC SRC-IP PAYLOAD" or "arp OP SHA SPA
# ETH-SRC". Packet sockets see frames before the firewall's input hook, so
# what the bridge let through shows here even if the host drops it later.
LISTEN_PY='
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3)); s.bind((sys.argv[1], 0))
print("listening", flush=True)
def mac(b): return ":".join("%02x" % x for x in b)
while True:
    f, addr = s.recvfrom(65535)
    if addr[2] == socket.PACKET_OUTGOING or len(f) < 42:
        continue
    if f[12:14] == b"\x08\x06":
        print("arp", int.from_bytes(f[20:22], "big"), mac(f[22:28]), socket.inet_ntoa(f[28:32]), mac(f[6:12]), flush=True)
    elif f[12:14] == b"\x08\x00" and f[23] == 17:
        ihl = (f[14] & 15) * 4; p = f[14 + ihl + 8:]
        if b"SPOOF" in p or b"LEGIT" in p:
            print("udp", mac(f[6:12]), socket.inet_ntoa(f[26:30]), p.split(b"\0")[0].decode(errors="replace"), flush=True)'

# Machine a's spoofing program: raw frames on eth0 (no scapy: it would take
# a minute to import under TCG), each sent three times.
SPOOF_PY='
import socket, struct, time
def m(s): return bytes.fromhex(s.replace(":", ""))
A, FAKE, BR, BC = m("02:00:0a:00:00:02"), m("02:00:0a:00:00:03"), m("02:00:0a:00:00:01"), b"\xff" * 6
def csum(b):
    s = sum(struct.unpack("!10H", b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def udp(src, dst, payload, esrc=A):
    u = struct.pack("!HHHH", 40000, 9999, 8 + len(payload), 0) + payload
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return BR + esrc + b"\x08\x00" + h + u
def arp(op, sha, spa, tha, tpa, esrc=A, edst=BC):
    return edst + esrc + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x800, 6, 4, op, sha, socket.inet_aton(spa), tha, socket.inet_aton(tpa))
frames = []
for dst in ("10.0.0.1", "198.51.100.2"):
    frames += [udp("10.0.0.3", dst, b"SPOOF-rawip"),		# another machine s address
               udp("10.0.0.9", dst, b"SPOOF-rawip9"),
               udp("0.0.0.0", dst, b"SPOOF-zero"),		# 0.0.0.0 is for DHCP only
               udp("10.0.0.2", dst, b"SPOOF-rawmac", esrc=FAKE),	# own IP, another MAC
               udp("10.0.0.2", dst, b"LEGIT-raw")]
frames += [arp(2, A, "10.0.0.1", BC, "10.0.0.1"),			# "the gateway is at a"
           arp(2, A, "10.0.0.3", BR, "10.0.0.1", edst=BR),	# "b is at a", to the host
           arp(1, FAKE, "10.0.0.2", b"\0" * 6, "10.0.0.1"),	# ARP sender MAC not a s
           arp(1, FAKE, "10.0.0.3", b"\0" * 6, "10.0.0.1", esrc=FAKE),
           arp(1, A, "10.0.0.2", b"\0" * 6, "10.0.0.1")]		# legit who-has
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(("eth0", 0))
for i in range(3):
    for f in frames:
        s.send(f); time.sleep(0.02)
print("raw frames sent:", len(frames) * 3)'

# UDP with the kernel's stack: from whatever source address the socket has.
udp_send() {	# udp_send SRC PAYLOAD -> guest shell snippet
	printf "python3 -c 'import socket; u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((\"%s\", 0)); [u.sendto(b\"%s\", (d, 9999)) for d in (\"10.0.0.1\", \"198.51.100.2\") for i in range(3)]; print(\"sent %s\")'; " "$1" "$2" "$2"
}

@test "spoofing from inside a guest: second IP, changed MAC, raw frames, forged ARP get nothing through; its own address still works" {
	spec "$BATS_TEST_TMPDIR/a.yaml" a 10.0.0.2
	ip netns exec "$H" /usr/bin/python3 -u -c "$LISTEN_PY" pool0 >"$BATS_TEST_TMPDIR/bridge.log" &
	PIDS+=($!)
	ip netns exec "$I" /usr/bin/python3 -u -c "$LISTEN_PY" wan0 >"$BATS_TEST_TMPDIR/internet.log" &
	PIDS+=($!)
	wait_for 20 grep -q listening "$BATS_TEST_TMPDIR/bridge.log"
	wait_for 20 grep -q listening "$BATS_TEST_TMPDIR/internet.log"

	run --separate-stderr in_host "$POOL_BIN" run "$BATS_TEST_TMPDIR/a.yaml" -- sh -c "
		$(udp_send 10.0.0.2 LEGIT-before)
		ip addr add 10.0.0.9/24 dev eth0 && echo second-ip-added
		$(udp_send 10.0.0.9 SPOOF-secondip)
		ip addr del 10.0.0.9/24 dev eth0
		ip link set eth0 address $B_MAC && echo mac-changed
		ip neigh replace 10.0.0.1 lladdr 02:00:0a:00:00:01 dev eth0
		$(udp_send 10.0.0.2 SPOOF-changedmac)
		ip link set eth0 address $A_MAC && echo mac-restored
		python3 -c '$SPOOF_PY'
		sleep 1
		$(udp_send 10.0.0.2 LEGIT-after)
		python3 -c '$GET_PY'"
	echo "guest: $output $stderr"
	sleep 1
	echo "--- seen on the host's bridge"; cat "$BATS_TEST_TMPDIR/bridge.log"
	echo "--- seen in the internet"; cat "$BATS_TEST_TMPDIR/internet.log"
	echo "--- the host's neighbours"; in_host ip neigh show
	[ "$status" -eq 0 ]
	[[ "$output" == *second-ip-added*mac-changed*mac-restored*"raw frames sent: 45"* ]]
	# The listeners work and a's own traffic passes, before and after.
	grep -q "^udp $A_MAC 10.0.0.2 LEGIT-before$" "$BATS_TEST_TMPDIR/bridge.log"
	grep -q "^udp $A_MAC 10.0.0.2 LEGIT-raw$" "$BATS_TEST_TMPDIR/bridge.log"
	grep -q "^udp $A_MAC 10.0.0.2 LEGIT-after$" "$BATS_TEST_TMPDIR/bridge.log"
	grep -q "^arp 1 $A_MAC 10.0.0.2 $A_MAC$" "$BATS_TEST_TMPDIR/bridge.log"
	grep -q " LEGIT-before$" "$BATS_TEST_TMPDIR/internet.log"
	grep -q " LEGIT-raw$" "$BATS_TEST_TMPDIR/internet.log"
	grep -q " LEGIT-after$" "$BATS_TEST_TMPDIR/internet.log"
	[[ "$output" == *"hello from the internet $$"* ]]
	# Not one spoofed frame: no SPOOF payload, nothing from another MAC or
	# address, no ARP but a's own.
	# (Counted with grep -c: a bare "! cmd" never fails a bats test.)
	[ "$(grep -c SPOOF "$BATS_TEST_TMPDIR/bridge.log")" -eq 0 ]
	[ "$(grep -c SPOOF "$BATS_TEST_TMPDIR/internet.log")" -eq 0 ]
	[ "$(grep '^udp' "$BATS_TEST_TMPDIR/bridge.log" | grep -cv "^udp $A_MAC 10.0.0.2 ")" -eq 0 ]
	[ "$(grep '^arp' "$BATS_TEST_TMPDIR/bridge.log" | grep -v "^arp [12] 02:00:0a:00:00:01 10.0.0.1 " |
		grep -cv "^arp [12] $A_MAC 10.0.0.2 $A_MAC$")" -eq 0 ]
	# The host believes no forged mapping.
	[ "$(in_host ip neigh show | grep -c "10.0.0.3 .*$A_MAC")" -eq 0 ]
	[ "$(in_host ip neigh show | grep -c "$B_MAC")" -eq 0 ]
}
