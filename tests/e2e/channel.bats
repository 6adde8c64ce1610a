#!/usr/bin/env bats
# channel.bats - pool channel up/down/status and the per-machine policy, each
# test inside network namespaces of its own (never the host's network).

load helpers

setup() {
	POOL_BIN="${POOL_BIN:-$BATS_TEST_DIRNAME/../../build/pool}"
	NET_PROBE="${NET_PROBE:-$BATS_TEST_DIRNAME/../../build/tests/net_probe}"
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	[ -x "$POOL_BIN" ] || skip "no pool binary at $POOL_BIN"
	command -v nft >/dev/null || skip "needs nft to inspect the ruleset"
	export POOL_STATE_DIR="$BATS_TEST_TMPDIR/state"
	T="pooltest-$$-$BATS_TEST_NUMBER"
	H="$T-h"	# plays the host
	I="$T-i"	# plays the internet, behind the host's uplink
	ip netns add "$H"
	ip netns add "$I"
	ip -n "$H" link set lo up
	ip -n "$I" link set lo up
}

teardown() {
	local ns
	for ns in $(ip netns list | awk '{print $1}'); do
		case "$ns" in "$T"-*) ip netns del "$ns" ;; esac
	done
}

inh() { ip netns exec "$H" "$@"; }
pool() { ip netns exec "$H" "$POOL_BIN" "$@"; }
probe() {
	[ -x "$NET_PROBE" ] || skip "no net_probe at $NET_PROBE"
	ip netns exec "$H" "$NET_PROBE" "$@"
}

# uplink up0 (192.0.2.2) in the host, its peer (192.0.2.1) in the internet,
# which also holds 198.51.100.1 and .2; default route through it.
uplink() {
	ip -n "$H" link add up0 type veth peer name wan0 netns "$I"
	ip -n "$H" addr add 192.0.2.2/24 dev up0
	ip -n "$H" link set up0 up
	ip -n "$I" addr add 192.0.2.1/24 dev wan0
	ip -n "$I" addr add 198.51.100.1/32 dev lo
	ip -n "$I" addr add 198.51.100.2/32 dev lo
	ip -n "$I" link set wan0 up
	ip -n "$H" route add default via 192.0.2.1
}

# machine NAME IP: a namespace whose eth0 is a veth whose other end, named
# like the machine's TAP, is on the bridge (what QEMU's TAP would be).
machine() {
	local name=$1 ip=$2 tap mac
	tap=$(probe name "$name")
	mac=$(printf '02:00:%02x:%02x:%02x:%02x' ${ip//./ })
	ip netns add "$T-$name"
	ip -n "$H" link add "$tap" type veth peer name eth0 netns "$T-$name"
	ip -n "$H" link set "$tap" master pool0 up
	ip -n "$T-$name" link set lo up
	ip -n "$T-$name" link set eth0 address "$mac"
	ip -n "$T-$name" addr add "$ip/24" dev eth0
	ip -n "$T-$name" link set eth0 up
	ip -n "$T-$name" route add default via 10.0.0.1
}
inm() { local n=$1; shift; ip netns exec "$T-$n" "$@"; }
reaches() { inm "$1" ping -c1 -W1 "${@:2}" >/dev/null 2>&1; }

links_of() { inh ip -d link show | sed -E 's/[a-z_]*timer +[0-9.]+//g'; }

@test "channel up: bridge pool0 with 10.0.0.1/24, both tables, forwarding on" {
	uplink
	run pool channel up
	[ "$status" -eq 0 ]
	[[ "$output" == *"channel pool0 is up"* ]]
	inh ip -4 -o addr show dev pool0 | grep -q 'inet 10.0.0.1/24'
	inh ip -d link show pool0 | grep -q 'bridge '
	inh ip link show pool0 | grep -q 'link/ether 02:00:0a:00:00:01'
	run inh nft list tables
	[[ "$output" == *"table inet pool"* ]]
	[[ "$output" == *"table bridge pool"* ]]
	[ "$(inh cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	inh nft list table inet pool | grep -q 'oifname "up0" ip saddr 10.0.0.0/24 masquerade'
	# the host's own network namespace was not touched
	! ip link show pool0 2>/dev/null || false
}

@test "a second channel up changes nothing and says so" {
	uplink
	pool channel up
	before_rules=$(inh nft list ruleset)
	before_links=$(links_of)
	run pool channel up
	[ "$status" -eq 0 ]
	[[ "$output" == *"already up"*"nothing changed"* ]]
	[ "$(inh nft list ruleset)" = "$before_rules" ]
	[ "$(links_of)" = "$before_links" ]
}

@test "a second channel up keeps the machines' elements" {
	uplink
	pool channel up
	probe add pool0 web 10.0.0.2 nat
	before=$(inh nft list ruleset)
	run pool channel up
	[ "$status" -eq 0 ]
	[ "$(inh nft list ruleset)" = "$before" ]
	inh nft list set inet pool pool0_nat | grep -q '10.0.0.2'
}

@test "channel down removes every trace and restores forwarding" {
	uplink
	[ "$(inh cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
	pool channel up
	[ -f "$POOL_STATE_DIR/channels/pool0" ]
	run pool channel down
	[ "$status" -eq 0 ]
	[[ "$output" == *"channel pool0 is down"* ]]
	[ -z "$(inh nft list ruleset)" ]
	! inh ip link show pool0 2>/dev/null || false
	[ "$(inh cat /proc/sys/net/ipv4/ip_forward)" = 0 ]
	[ ! -e "$POOL_STATE_DIR/channels/pool0" ]
	run pool channel down
	[ "$status" -eq 0 ]
	[[ "$output" == *"was not up"* ]]
}

@test "channel down leaves forwarding on when it was on before" {
	uplink
	inh sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
	pool channel up
	pool channel down
	[ "$(inh cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
}

@test "--subnet 10.9.0.0/24 is honoured" {
	uplink
	run pool channel up --subnet 10.9.0.0/24
	[ "$status" -eq 0 ]
	inh ip -4 -o addr show dev pool0 | grep -q 'inet 10.9.0.1/24'
	inh nft list table inet pool | grep -q 'ip saddr 10.9.0.0/24 masquerade'
	[ "$(probe subnet pool0)" = 10.9.0.0/24 ]
	# the same channel with another subnet is refused, and left as it was
	run pool channel up --subnet 10.8.0.0/24
	[ "$status" -eq 1 ]
	[[ "$output" == *"10.9.0.1/24"* ]]
	inh ip -4 -o addr show dev pool0 | grep -q 'inet 10.9.0.1/24'
}

@test "a bad --subnet exits 2 with one line and creates nothing" {
	uplink
	for bad in 10.0.0.1/24 10.0.0.0/33 banana 10.0.0.0/31 10.0.0.0 300.0.0.0/24 --; do
		run pool channel up --subnet "$bad"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == *"subnet"* ]]
	done
	run pool channel up --subnet
	[ "$status" -eq 2 ]
	run pool channel up --bogus
	[ "$status" -eq 2 ]
	run pool channel sideways
	[ "$status" -eq 2 ]
	[ -z "$(inh nft list ruleset)" ]
	! inh ip link show pool0 2>/dev/null || false
}

@test "--uplink auto takes the default route's interface" {
	uplink
	ip -n "$H" link add lan0 type veth peer name lan0p
	ip -n "$H" addr add 203.0.113.2/24 dev lan0
	ip -n "$H" link set lan0 up
	ip -n "$H" route replace default via 203.0.113.1 dev lan0
	run pool channel up --uplink auto
	[ "$status" -eq 0 ]
	inh nft list table inet pool | grep -q 'oifname "lan0" ip saddr 10.0.0.0/24 masquerade'
	! inh nft list table inet pool | grep -q '"up0"' || false
	run pool channel status
	[[ "$output" == *"uplink     lan0"* ]]
}

@test "without a default route --uplink auto fails and says what to do" {
	run pool channel up
	[ "$status" -eq 1 ]
	[[ "$output" == *"--uplink"* ]]
	! inh ip link show pool0 2>/dev/null || false
	run pool channel up --uplink nosuch0
	[ "$status" -eq 2 ]
	[[ "$output" == *"nosuch0"* ]]
}

@test "channel status prints the truth" {
	uplink
	run pool channel status
	[ "$status" -eq 3 ]
	[[ "$output" == *"pool0: down"* ]]
	[[ "$output" == *"bridge     none"* ]]
	pool channel up --subnet 10.7.0.0/24
	probe add pool0 web 10.7.0.2 nat
	run pool channel status
	[ "$status" -eq 0 ]
	output_has "pool0: up" \
		"address    10.7.0.1/24" \
		"uplink     up0" \
		"forwarding on" \
		"machines   web"
	# someone deletes the table behind pool's back: status says so
	inh nft delete table inet pool
	run pool channel status
	[ "$status" -eq 3 ]
	[[ "$output" == *"partly up"* ]]
	[[ "$output" == *"nft        inet pool: none"* ]]
	# and up repairs it
	pool channel up --subnet 10.7.0.0/24
	run pool channel status
	[ "$status" -eq 0 ]
}

@test "tap_create + machine_net_add, then machine_net_del leaves nothing" {
	uplink
	pool channel up
	before=$(inh nft list ruleset)
	run probe tap pool0 web 10.0.0.2 nat -- \
		'nft list ruleset; echo LINKS; ip -o link show master pool0; echo DOWN; '"$POOL_BIN"' channel down; echo rc=$?'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"pool-web" : goto pool0_m_web'* ]]
	[[ "$output" == *'ether saddr != 02:00:0a:00:00:02 drop'* ]]
	[[ "$output" == *'elements = { 10.0.0.2 }'* ]]
	[[ "$output" == *"pool-web"*"master pool0"* ]]
	# down refuses while a TAP is attached, and names it
	[[ "$output" == *"in use by pool-web"*"rc=1"* ]]
	# after: the TAP is gone with its fd, the ruleset is as before
	! inh ip link show pool-web 2>/dev/null || false
	[ "$(inh nft list ruleset)" = "$before" ]
	! inh nft list ruleset | grep -q -e web -e 10.0.0.2 || false
}

@test "a long machine name gets a hashed TAP; allow rules become its own chain" {
	uplink
	pool channel up
	before=$(inh nft list ruleset)
	tap=$(probe name a-rather-long-machine-name)
	[ "${#tap}" -eq 15 ]
	[[ "$tap" == pool-* ]]
	run probe tap pool0 a-rather-long-machine-name 10.0.0.9 nat allow \
		198.51.100.0/24:443/tcp 9.9.9.9/32:53 -- 'nft list ruleset; ip -o link show "$NET_PROBE_TAP"'
	[ "$status" -eq 0 ]
	output_has "\"$tap\" : goto pool0_m_a-rather-long-machine-name" \
		"10.0.0.9 : goto pool0_a_a-rather-long-machine-name" \
		"ip daddr 198.51.100.0/24 tcp dport 443 accept" \
		"ip daddr 9.9.9.9 meta l4proto { tcp, udp } th dport 53 accept"
	[[ "$output" == *"$tap"*"master pool0"* ]]
	[ "$(inh nft list ruleset)" = "$before" ]
}

@test "machine_net_add and _del are idempotent; channel down clears leftovers" {
	uplink
	pool channel up
	before=$(inh nft list ruleset)
	probe add pool0 web 10.0.0.2 isolated
	once=$(inh nft list ruleset)
	probe add pool0 web 10.0.0.2 isolated
	[ "$(inh nft list ruleset)" = "$once" ]
	probe del pool0 web 10.0.0.2
	probe del pool0 web 10.0.0.2
	[ "$(inh nft list ruleset)" = "$before" ]
	# a machine that crashed leaves its elements: down still removes all
	probe add pool0 web 10.0.0.2 nat
	probe add pool0 db 10.0.0.3 nat allow 198.51.100.1/32
	pool channel down
	[ -z "$(inh nft list ruleset)" ]
	# and del with the channel gone is not an error
	run probe del pool0 web 10.0.0.2
	[ "$status" -eq 0 ]
	run probe add pool0 web 10.0.0.2 nat
	[ "$status" -eq 1 ]
	[[ "$output" == *"channel pool0 is not up"* ]]
}

@test "policy: nat reaches out, host and other machines are unreachable, spoofing fails" {
	uplink
	pool channel up
	machine m1 10.0.0.2
	machine m2 10.0.0.3
	probe add pool0 m1 10.0.0.2 nat
	probe add pool0 m2 10.0.0.3 nat
	reaches m1 198.51.100.1
	reaches m2 198.51.100.1
	# the host reaches a machine (its replies are established)
	inh ping -c1 -W1 10.0.0.2 >/dev/null
	inh ping -c1 -W1 10.0.0.3 >/dev/null
	# a machine reaches no host service and no other machine
	! reaches m1 10.0.0.1 || false
	! reaches m1 10.0.0.3 || false
	! reaches m2 10.0.0.2 || false
	# the internet counts the pings that reach it
	ip netns exec "$I" nft add table inet probe
	ip netns exec "$I" nft add counter inet probe echo
	ip netns exec "$I" nft add chain inet probe in '{ type filter hook input priority 0; }'
	ip netns exec "$I" nft add rule inet probe in icmp type echo-request counter name echo
	echoes() { ip netns exec "$I" nft list counter inet probe echo | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
	reaches m1 198.51.100.1
	[ "$(echoes)" = 1 ]
	# spoofed source IP (m2's, which is allowed out) is dropped at the bridge
	inm m1 ip addr add 10.0.0.3/32 dev eth0
	! reaches m1 -I 10.0.0.3 198.51.100.1 || false
	[ "$(echoes)" = 1 ]
	inm m1 ip addr del 10.0.0.3/32 dev eth0
	reaches m1 198.51.100.1
	[ "$(echoes)" = 2 ]
	# spoofed source MAC (m2's): nothing passes
	inm m1 ip link set eth0 address 02:00:0a:00:00:03
	inh ip neigh flush dev pool0
	! reaches m1 198.51.100.1 || false
	[ "$(echoes)" = 2 ]
	inm m1 ip link set eth0 address 02:00:0a:00:00:02
	inh ip neigh flush dev pool0
	reaches m1 198.51.100.1
	# once removed, the machine is cut off entirely
	probe del pool0 m1 10.0.0.2
	! reaches m1 198.51.100.1 || false
}

@test "policy: isolated gets nowhere; allow reaches only what it lists" {
	uplink
	pool channel up
	machine iso 10.0.0.4
	machine lim 10.0.0.5
	probe add pool0 iso 10.0.0.4 isolated
	probe add pool0 lim 10.0.0.5 nat allow 198.51.100.1/32
	inh ping -c1 -W1 10.0.0.4 >/dev/null
	! reaches iso 198.51.100.1 || false
	reaches lim 198.51.100.1
	! reaches lim 198.51.100.2 || false
	! reaches lim 192.0.2.1 || false
}

@test "policy: forged frames (raw) — DHCP from 0.0.0.0 passes, forged ARP, MAC and IPv6 do not" {
	command -v python3 >/dev/null || skip "needs python3"
	uplink
	pool channel up
	machine m1 10.0.0.2
	probe add pool0 m1 10.0.0.2 nat
	# counters on what reaches the host through the bridge (after pool's chain)
	inh nft -f - <<-'NFT'
	table bridge probe {
		counter dhcp { }
		counter arpok { }
		counter arpspoof { }
		counter v6 { }
		chain in {
			type filter hook input priority 100; policy accept;
			iifname "pool-m1" udp dport 67 counter name dhcp
			iifname "pool-m1" arp daddr ip 10.0.0.77 arp saddr ip 10.0.0.2 counter name arpok
			iifname "pool-m1" arp saddr ip 10.0.0.3 counter name arpspoof
			iifname "pool-m1" ether type ip6 counter name v6
		}
	}
	NFT
	cat > "$BATS_TEST_TMPDIR/send.py" <<-'PY'
	import socket, struct, sys
	ifname, kind, mac, src = sys.argv[1:5]
	mac = bytes.fromhex(mac.replace(":", ""))
	bcast = b"\xff" * 6
	def csum(b):
	    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	    s = (s >> 16) + (s & 0xffff); s += s >> 16
	    return ~s & 0xffff
	def ipv4(src, dst, payload):
	    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, 17, 0,
	                    socket.inet_aton(src), socket.inet_aton(dst))
	    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload
	udp = struct.pack("!HHHH", 68, 67, 8 + 240, 0) + b"\x01" * 240
	if kind == "dhcp":
	    frame = bcast + mac + b"\x08\x00" + ipv4(src, "255.255.255.255", udp)
	elif kind == "arp":
	    frame = bcast + mac + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4,
	        int(sys.argv[5]), mac, socket.inet_aton(src), b"\0" * 6, socket.inet_aton(sys.argv[6]))
	elif kind == "ip6":
	    frame = b"\x33\x33\x00\x00\x00\x01" + mac + b"\x86\xdd" + bytes([0x60]) + b"\0" * 39
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind((ifname, 0))
	s.send(frame.ljust(60, b"\0"))
	PY
	send() { inm m1 python3 "$BATS_TEST_TMPDIR/send.py" eth0 "$@"; sleep 0.2; }
	count() { inh nft list counter bridge probe "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
	own=02:00:0a:00:00:02
	[ "$(count dhcp)" = 0 ]
	send dhcp "$own" 0.0.0.0
	[ "$(count dhcp)" = 1 ]
	send dhcp 02:00:0a:00:00:03 0.0.0.0	# someone else's MAC
	send dhcp 02:00:0a:00:00:03 10.0.0.3
	send dhcp "$own" 10.0.0.3		# someone else's IP
	send dhcp "$own" 10.0.0.99
	[ "$(count dhcp)" = 1 ]
	send dhcp "$own" 10.0.0.2
	[ "$(count dhcp)" = 2 ]
	send arp "$own" 10.0.0.2 1 10.0.0.77
	[ "$(count arpok)" = 1 ]
	send arp "$own" 10.0.0.3 2 10.0.0.1	# forged reply: "10.0.0.3 is at m1"
	send arp "$own" 10.0.0.3 1 10.0.0.1
	send arp 02:00:0a:00:00:03 10.0.0.3 2 10.0.0.1
	[ "$(count arpspoof)" = 0 ]
	send ip6 "$own" ::
	[ "$(count v6)" = 0 ]
}
