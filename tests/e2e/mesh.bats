#!/usr/bin/env bats
# mesh.bats - Nebula across hosts: two hosts as network namespaces (each
# its own POOL_STATE_DIR, POOL_DATA_DIR, channel and CA), joined by a
# namespace playing the internet; a lighthouse on host A. Real VMs under
# TCG, image minimal, at most two at once.

load helpers

# hA 198.51.100.1 and hB 203.0.113.1, each behind its own router port of
# wan; nothing leaves these namespaces.
setup_file() {
	export N="poolmesh-$$"
	export W="$N-w" HA="$N-a" HB="$N-b"
	export T="$BATS_FILE_TMPDIR/m"
	ip netns add "$W"
	ip netns add "$HA"
	ip netns add "$HB"
	ip -n "$W" link set lo up
	ip -n "$HA" link set lo up
	ip -n "$HB" link set lo up
	veth_uplink "$HA" "$W" 198.51.100.1 198.51.100.254 a0
	veth_uplink "$HB" "$W" 203.0.113.1 203.0.113.254 b0
	ip netns exec "$W" sysctl -qw net.ipv4.ip_forward=1
	mkdir -p "$T"
	chmod 755 "$BATS_FILE_TMPDIR" "$T"
}

teardown_file() {
	local pid
	for pid in $(cat "$T/w.pids" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
	kill_supervisors "$T"/*/state
	sleep 0.2
	ip netns del "$HA" 2>/dev/null || true
	ip netns del "$HB" 2>/dev/null || true
	ip netns del "$W" 2>/dev/null || true
}

setup() {
	export POOL_CACHE_DIR="$BATS_FILE_TMPDIR/cache"
	export POOL_ACCEL="${POOL_ACCEL:-tcg}"
}

# on HOST CMD...: pool (or anything) as host HOST (a, b or c): its
# namespace, state and data; c is a third host inside hB's namespace.
on() {
	local h="$1"; shift
	local ns="$HA"
	[ "$h" = a ] || ns="$HB"
	ip netns exec "$ns" env POOL_STATE_DIR="$T/$h/state" POOL_DATA_DIR="$T/$h/data" "$@"
}
pool_on() { local h="$1"; shift; on "$h" "$POOL_BIN" "$@"; }

# Where host A's lighthouse is, as the other hosts grant it.
GRANT_LH="--lighthouse 192.168.100.1=198.51.100.1:4242"

# spec HOST DIR NAME ADDRESS OVERLAY GROUPS [NETWORK]: a minimal machine on
# mesh corp; its lighthouses: line is $LH when set ("": none).
spec() {
	local lh=${LH-'  lighthouses: {192.168.100.1: "198.51.100.1:4242"}'}
	mkdir -p "$T/$1/$2"
	chmod 755 "$T/$1" "$T/$1/$2"
	cat > "$T/$1/$2/pool.yaml" <<EOF
name: $3
image: minimal
memory: 192M
address: $4
network: ${7:-nat}
mesh:
  network: corp
  ip: $5/24
  groups: [$6]
$lh
  inbound:
    - {port: 8000, proto: tcp, groups: [dev]}
    - {port: any, proto: icmp, host: any}
EOF
}

# up HOST DIR: boot the spec in that folder, detached
up() { (cd "$T/$1/$2" && pool_on "$1" up -d); }
ex() { local h="$1"; shift; POOL_STATE_DIR="$T/$h/state" "$POOL_BIN" exec "$@"; }
down() { POOL_STATE_DIR="$T/$1/state" "$POOL_BIN" down "$2"; }

# a tree's names, modes and contents, to tell that nothing changed
snapshot() { (cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# no trace of machine NAME on HOST: state folder, nft chains and
# elements, key files anywhere under the host's folders
no_trace() {
	[ ! -e "$T/$1/state/$2" ] || { echo "state folder of $2 left"; return 1; }
	run on "$1" nft list table inet pool
	if grep -E "_n_$2|_nd_$2|_a_$2|$3" <<< "$output"; then echo "nft left: $output"; return 1; fi
	# (the lighthouse's own key lives while it does)
	[ -z "$(find "$T/$1" -name '*.key' ! -path '*/data/mesh/corp/ca.key' ! -path '*/state/lh-corp/*')" ] ||
		{ echo "a key file left"; return 1; }
}

@test "mesh: init, trust, grant; bad input is one line and changes nothing" {
	pool_on a mesh init corp
	pool_on b mesh init corp
	mkdir -p "$T/c"
	pool_on c mesh init corp	# a third host's CA that nobody trusts
	[ "$(stat -c %a "$T/a/data")" = 700 ]
	[ "$(stat -c %a "$T/a/data/mesh/corp/ca.key")" = 600 ]
	pool_on a mesh ca corp > "$T/a.crt"
	pool_on b mesh ca corp > "$T/b.crt"
	grep -q 'BEGIN NEBULA CERTIFICATE' "$T/a.crt"
	run grep -c PRIVATE "$T/a.crt"
	[ "$output" = 0 ]
	pool_on a mesh trust corp "$T/b.crt"
	pool_on b mesh trust corp "$T/a.crt"
	# an older pool's grants file (no lighthouses) is read, and written
	# back with what the grant gives
	printf '192.168.100.9/24 dev %s\n' "$T/a" > "$T/a/data/mesh/corp/grants"
	run pool_on a mesh status corp
	[[ "$output" == *"grant       192.168.100.9/24 groups dev lighthouses - $T/a"* ]]
	pool_on a mesh grant corp "$T/a" --ip 192.168.100.9/24 --groups dev \
		$GRANT_LH --lighthouse=192.168.100.20=203.0.113.1:4343
	grep -qxF "192.168.100.9/24 dev 192.168.100.1=198.51.100.1:4242,192.168.100.20=203.0.113.1:4343 $T/a" \
		"$T/a/data/mesh/corp/grants"
	run pool_on a mesh status corp
	[[ "$output" == *"grant       192.168.100.9/24 groups dev lighthouses 192.168.100.1=198.51.100.1:4242,192.168.100.20=203.0.113.1:4343 $T/a"* ]]
	pool_on a mesh revoke corp "$T/a"
	run pool_on a mesh status corp
	[ "$status" -eq 0 ]
	[[ "$output" == *"trusted     pool corp on"* ]]
	[[ "$output" == *"grant       none"* ]]

	printf 'not a certificate\n' > "$T/junk.crt"
	sed -n '/BEGIN/,/END/p' "$T/c/data/mesh/corp/ca.key" > "$T/key.pem"
	nebula-cert ca -name other -ips 10.77.0.0/16 -out-crt "$T/clash.crt" -out-key "$T/clash.key"
	before=$(snapshot "$T/a/data")
	for bad in "mesh init corp" "mesh init two --subnet 192.168.100.128/25" "mesh init two --subnet 10.0.0.0/8" \
		"mesh init Bad" "mesh init two --subnet 300.1.1.0/24" "mesh ca nope" "mesh trust nope $T/b.crt" \
		"mesh trust corp $T/junk.crt" "mesh trust corp $T/key.pem" "mesh trust corp $T/clash.crt" \
		"mesh trust corp $T/a.crt" "mesh trust corp $T/missing.crt" \
		"mesh grant corp $T/a --ip 10.1.1.2/24" "mesh grant corp $T/a --ip 192.168.100.2/16" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --groups a,,b" "mesh grant corp $T/nowhere --ip 192.168.100.2/24" \
		"mesh grant corp $T/a" "mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse 192.168.100.1" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse 192.168.100.1=127.0.0.1:4242" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse 192.168.100.1=198.51.100.1:0" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse 10.9.9.9=198.51.100.1:4242" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse 192.168.100.0=198.51.100.1:4242" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse 192.168.100.2=198.51.100.1:4242" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 $GRANT_LH --lighthouse 192.168.100.1=198.51.100.2:4242" \
		"mesh grant corp $T/a --ip 192.168.100.2/24 --lighthouse" \
		"mesh revoke corp $T/a" "mesh status nope" "mesh lighthouse corp --ip 10.9.9.9 --listen 0.0.0.0:4242" \
		"mesh lighthouse corp --ip 192.168.100.1 --listen 0.0.0.0:80" "mesh frobnicate corp"; do
		# shellcheck disable=SC2086
		run --separate-stderr pool_on a $bad
		[ "$status" -eq 2 ] || { echo "$bad: status $status: $stderr"; return 1; }
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "$bad: $stderr"; return 1; }
		[ -z "$output" ]
	done
	[ "$before" = "$(snapshot "$T/a/data")" ]
	[ ! -e "$T/a/data/mesh/two" ]
}

@test "mesh: the lighthouse runs unprivileged, survives kill -9, is gone after --stop" {
	run --separate-stderr pool_on a mesh lighthouse corp --ip 192.168.100.1 --listen 0.0.0.0:4242 -d
	[ "$status" -eq 0 ]
	run --separate-stderr env POOL_STATE_DIR="$T/a/state" "$POOL_BIN" ls --json
	[[ "$output" == *'"name": "lh-corp", "address": "192.168.100.1"'*'"state": "running"'* ]]
	pid=$(sed -n 's/^qemu=//p' "$T/a/state/lh-corp/status")
	[ -n "$pid" ] && [ "$(stat -c %u "/proc/$pid")" != 0 ]
	wait_for 10 grep -q "interface=disabled" "$T/a/state/lh-corp/nebula.log"
	kill -9 "$pid"
	wait_for 10 bash -c "p=\$(sed -n 's/^qemu=//p' '$T/a/state/lh-corp/status'); [ -n \"\$p\" ] && [ \"\$p\" != $pid ] && [ -e /proc/\$p ]"
	ip netns exec "$HA" ss -uln | grep -q ':4242 '
	pid=$(sed -n 's/^qemu=//p' "$T/a/state/lh-corp/status")
	pool_on a mesh lighthouse corp --stop
	[ ! -e "/proc/$pid" ]
	[ ! -e "$T/a/state/lh-corp" ]
	[ ! -e "$T/a/data/mesh/corp/lighthouse" ]
	run bash -c "ip netns exec '$HA' ss -uln | grep -c ':4242 '"
	[ "$output" = 0 ]
	# a supervisor killed takes its nebula with it; the next start takes its folder over
	pool_on a mesh lighthouse corp --ip 192.168.100.1 --listen 0.0.0.0:4242 -d
	sup=$(sed -n 's/^pid=//p' "$T/a/state/lh-corp/status")
	pid=$(sed -n 's/^qemu=//p' "$T/a/state/lh-corp/status")
	kill -9 "$sup"
	wait_for 10 bash -c "[ ! -e /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"
	# and again, for the machines
	pool_on a mesh lighthouse corp --ip 192.168.100.1 --listen 0.0.0.0:4242 -d
}

@test "mesh: a spec asking for more than its grant is refused before boot, with the grant to run" {
	spec a web m1 10.0.0.2 192.168.100.2 dev
	run --separate-stderr up a web
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"has no grant for mesh corp; to let it join: pool mesh grant corp $T/a/web --ip 192.168.100.2/24 --groups dev" ]]
	pool_on a mesh grant corp "$T/a/web" --ip 192.168.100.2/24 --groups build
	run --separate-stderr up a web
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"mesh: group dev is not granted; to let it join: pool mesh grant corp $T/a/web --ip 192.168.100.2/24 --groups dev" ]]
	[ ! -e "$T/a/state/m1" ]
	pool_on a mesh grant corp "$T/a/web" --ip 192.168.100.2/24 --groups dev
}

@test "mesh: the host says where a machine's lighthouses are; a spec naming another is refused, an isolated one's too" {
	# this host's own lighthouse counts wherever the spec puts it; a
	# second one the host did not give is UDP out of an isolated machine
	LH='  lighthouses: {192.168.100.1: "198.51.100.1:4242", 192.168.100.77: "198.51.100.254:53"}' \
		spec a iso2 m9 10.0.0.9 192.168.100.9 dev isolated
	pool_on a mesh grant corp "$T/a/iso2" --ip 192.168.100.9/24 --groups dev
	run --separate-stderr up a iso2
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"pool.yaml:10:"*": mesh: lighthouse 192.168.100.77 at 198.51.100.254:53 is not granted; to let it join: pool mesh grant corp $T/a/iso2 --ip 192.168.100.9/24 --groups dev --lighthouse 192.168.100.77=198.51.100.254:53" ]]
	[ ! -e "$T/a/state/m9" ]
	# the grant's lighthouse at another port is not the spec's
	pool_on a mesh grant corp "$T/a/iso2" --ip 192.168.100.9/24 --groups dev --lighthouse 192.168.100.77=198.51.100.254:4242
	run --separate-stderr up a iso2
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"lighthouse 192.168.100.77 at 198.51.100.254:53 is not granted (the grant has it at 198.51.100.254:4242); to let it join: pool mesh grant corp $T/a/iso2 --ip 192.168.100.9/24 --groups dev --lighthouse 192.168.100.77=198.51.100.254:53" ]]
	[ ! -e "$T/a/state/m9" ]
	# granted as asked: the spec passes, and pool check shows where the
	# host put them: the second as granted, the first this host's own
	pool_on a mesh grant corp "$T/a/iso2" --ip 192.168.100.9/24 --groups dev --lighthouse 192.168.100.77=198.51.100.254:53
	run --separate-stderr bash -c "cd '$T/a/iso2' && ip netns exec '$HA' env POOL_STATE_DIR='$T/a/state' POOL_DATA_DIR='$T/a/data' '$POOL_BIN' check"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lighthouse  192.168.100.77 at 198.51.100.254:53/udp"* ]]
	[[ "$output" == *"lighthouse  192.168.100.1 at this host's port 4242/udp"* ]]
	[[ "$output" != *"198.51.100.1:4242"* ]]
	pool_on a mesh revoke corp "$T/a/iso2"
}

@test "mesh: machines on two hosts over the overlay: groups, untrusted CA, expiry, nebula restarts, nothing left" {
	spec b dev m2 10.0.0.2 192.168.100.3 dev
	pool_on b mesh grant corp "$T/b/dev" --ip 192.168.100.3/24 --groups dev $GRANT_LH
	up a web
	up b dev
	# m1 listens on 8000 (open to group dev)
	ex a m1 -- sh -c 'setsid sh -c "while true; do echo from-m1 | nc -l -p 8000; done" </dev/null >/dev/null 2>&1 &'
	wait_for 60 ex b m2 -- ping -c1 -W2 192.168.100.2
	run ex b m2 -- sh -c 'echo | timeout 10 nc 192.168.100.2 8000'
	[ "$output" = from-m1 ]
	# m2 came in through m1's forwarded port on host A, not a relay
	run on a nft list chain inet pool pool0_nd_m1
	[[ "$output" == *"udp dport 4243 dnat ip to 10.0.0.2:4242"* ]]
	run on b nft list table inet pool
	[[ "$output" == *"10.0.0.2 : jump pool0_n_m2"* ]]
	# the lighthouse host B granted, UDP to it alone
	run on b nft list chain inet pool pool0_n_m2
	[[ "$output" == *"ip daddr 198.51.100.1 udp dport 4242 accept"* ]]
	[ "$(grep -c 'udp dport .* accept' <<<"$output")" -eq 2 ]	# and the forwarded port's

	# nebula killed in m1 comes back, and the overlay with it
	old=$(ex a m1 -- pidof nebula)
	ex a m1 -- kill -9 "$old"
	wait_for 20 bash -c "p=\$(POOL_STATE_DIR='$T/a/state' '$POOL_BIN' exec m1 -- pidof nebula); [ -n \"\$p\" ] && [ \"\$p\" != $old ]"
	wait_for 60 ex b m2 -- ping -c1 -W2 192.168.100.2
	down b m2
	no_trace b m2 10.0.0.2

	# group guest: ping yes, port 8000 no; its spec names no lighthouse:
	# the grant's are the machine's
	LH= spec b guest m3 10.0.0.3 192.168.100.4 guest
	run ! grep -q lighthouses "$T/b/guest/pool.yaml"
	pool_on b mesh grant corp "$T/b/guest" --ip 192.168.100.4/24 --groups guest $GRANT_LH
	up b guest
	wait_for 60 ex b m3 -- ping -c1 -W2 192.168.100.2
	run ex b m3 -- sh -c 'echo | timeout 8 nc 192.168.100.2 8000'
	[ "$output" != from-m1 ]
	down b m3

	# host c's CA: nobody trusts it; m4 reaches its lighthouse never, m1 never
	spec c untrusted m4 10.0.0.4 192.168.100.5 dev
	pool_on c mesh grant corp "$T/c/untrusted" --ip 192.168.100.5/24 --groups dev $GRANT_LH
	(cd "$T/c/untrusted" && ip netns exec "$HB" env POOL_STATE_DIR="$T/b/state" POOL_DATA_DIR="$T/c/data" "$POOL_BIN" up -d)
	run ex b m4 -- ping -c3 -W3 192.168.100.2
	[ "$status" -ne 0 ]
	down b m4

	# a certificate of 15 s: once it has expired, m1 refuses the handshake
	(cd "$T/b/dev" && POOL_MESH_CERT_SECONDS=15 pool_on b up -d)
	sleep 20
	run ex b m2 -- ping -c3 -W3 192.168.100.2
	[ "$status" -ne 0 ]
	ex a m1 -- grep -q -i 'expired' /run/nebula.log
	down b m2
	no_trace b m2 10.0.0.2
}

# on_w PORT: a service in the world that answers from-w-PORT
on_w() {
	ip netns exec "$W" busybox nc -ll -p "$1" -e /bin/echo "from-w-$1" </dev/null >/dev/null 2>&1 &
	echo $! >> "$T/w.pids"
}

@test "mesh: a nat machine with an allow list reaches its lighthouse and peers; the list still drops the rest" {
	on_w 8080
	on_w 8081
	wait_for 10 bash -c "ip netns exec '$HB' busybox nc 198.51.100.254 8081 </dev/null | grep -qx from-w-8081"
	spec b allow m6 10.0.0.6 192.168.100.7 dev '{mode: nat, allow: ["198.51.100.254:8080/tcp"]}'
	pool_on b mesh grant corp "$T/b/allow" --ip 192.168.100.7/24 --groups dev $GRANT_LH
	up b allow
	# the list: 8080 is open, 8081 (which host B reaches) and UDP 53 are not
	run ex b m6 -- sh -c 'timeout 10 nc 198.51.100.254 8080 </dev/null'
	[ "$output" = from-w-8080 ]
	run ex b m6 -- sh -c 'timeout 10 nc 198.51.100.254 8081 </dev/null'
	[ "$output" != from-w-8081 ]
	run ex b m6 -- timeout 5 nslookup example.test 198.51.100.254
	# the mesh: its lighthouse on host A, and m1 there over the overlay
	wait_for 60 ex b m6 -- ping -c1 -W2 192.168.100.2
	run ex b m6 -- sh -c 'echo | timeout 10 nc 192.168.100.2 8000'
	[ "$output" = from-m1 ]
	# what the list dropped: the other port and the UDP, never the lighthouse
	run --separate-stderr pool_on b egress m6
	echo "$output"
	[[ "$output" == *"198.51.100.254:8081/tcp"* ]]
	[[ "$output" == *"198.51.100.254:53/udp"* ]]
	[[ "$output" != *"198.51.100.1:4242"* ]]
	down b m6
	no_trace b m6 10.0.0.6
}

@test "mesh: two machines of one host reach each other through its lighthouse; an isolated one reaches only its mesh" {
	spec a iso m5 10.0.0.5 192.168.100.6 dev isolated
	pool_on a mesh grant corp "$T/a/iso" --ip 192.168.100.6/24 --groups dev
	up a iso
	# m1 is still up on this host
	wait_for 60 ex a m5 -- ping -c1 -W2 192.168.100.2
	run ex a m5 -- sh -c 'echo | timeout 10 nc 192.168.100.2 8000'
	[ "$output" = from-m1 ]
	# but not the internet, nor the host's other ports
	run ex a m5 -- ping -c2 -W2 198.51.100.254
	[ "$status" -ne 0 ]
	run ex a m5 -- sh -c 'echo | timeout 5 nc 10.0.0.1 22'
	[ "$status" -ne 0 ]
	# an isolated machine has no forwarded port, and UDP to its lighthouse alone
	run on a nft list table inet pool
	[[ "$output" != *pool0_nd_m5* ]]
	run on a nft list chain inet pool pool0_n_m5
	[[ "$output" == *"fib daddr type local udp dport 4242 accept"* ]]
	[[ "$output" != *"198.51.100."* ]]
	run --separate-stderr pool_on a mesh status corp
	[[ "$output" == *"machine     m1 192.168.100.2/24 groups dev, host port 4243/udp (running)"* ]]
	down a m5
	down a m1
	no_trace a m5 10.0.0.5
	no_trace a m1 10.0.0.2
	pool_on a mesh lighthouse corp --stop
	[ -z "$(ls "$T/a/state" | grep -v channels)" ]
	[ -z "$(find "$T/a" -name '*.key' ! -path '*/data/mesh/corp/ca.key')" ]
}
