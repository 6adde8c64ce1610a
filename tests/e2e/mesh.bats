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

@test "mesh: machines on two hosts over the overlay: groups, untrusted CA, nebula restarts, nothing left" {
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
}

# not_after FILE: when the certificate in FILE ends (seconds since the
# epoch); fingerprint FILE: its fingerprint
not_after() { date -d "$(nebula-cert print -json -path "$1" | sed -n 's/.*"notAfter":"\([^"]*\)".*/\1/p')" +%s; }
fingerprint() { nebula-cert print -json -path "$1" | sed -n 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/p'; }
# until_past HOST MACHINE T: sleep until the machine's clock is past T
# (it judges certificates by its own, and under TCG a guest's clock falls
# behind the host's: 10 s in 10 min here)
until_past() { while [ "$(ex "$1" "$2" -- date +%s)" -le "$3" ]; do sleep 1; done; }
# m1_restart: m1's nebula killed; pool-init starts it again, and every
# peer must shake hands with it anew (showing the certificate it has now)
m1_restart() {
	local old
	old=$(ex a m1 -- pidof nebula)
	ex a m1 -- kill -9 "$old"
	wait_for 20 bash -c "p=\$(POOL_STATE_DIR='$T/a/state' '$POOL_BIN' exec m1 -- pidof nebula); [ -n \"\$p\" ] && [ \"\$p\" != $old ]"
}

@test "mesh: a machine outlives its certificate: a new one comes over the agent before it ends; once revoked, none, and the peer refuses it" {
	# certificates of 60 s: a new one every 40 s
	(cd "$T/b/dev" && POOL_MESH_CERT_SECONDS=60 pool_on b up -d)
	wait_for 60 ex b m2 -- ping -c1 -W2 192.168.100.2
	ex b m2 -- cat /etc/pool/mesh/host.crt > "$T/first.crt"
	nebula=$(ex b m2 -- pidof nebula)
	end=$(not_after "$T/first.crt")
	[ "$end" -le $(( $(date +%s) + 60 )) ]
	until_past a m1 $((end + 2))
	# the guest has another certificate now, root's and 0600 in its 0700 folder,
	# and the same nebula took it without a restart
	ex b m2 -- cat /etc/pool/mesh/host.crt > "$T/second.crt"
	! cmp -s "$T/first.crt" "$T/second.crt" || false
	[ "$(not_after "$T/second.crt")" -gt "$(date +%s)" ]
	nebula-cert print -path "$T/second.crt" | grep -q 'Name: m2'
	[ "$(ex b m2 -- stat -c '%a %u' /etc/pool/mesh/host.crt /etc/pool/mesh/host.key /etc/pool/mesh)" = "600 0
600 0
700 0" ]
	[ "$(ex b m2 -- pidof nebula)" = "$nebula" ]
	ex b m2 -- grep -q 'Client cert refreshed from disk' /run/nebula.log
	# m1 meets it afresh, past the first certificate's end: it takes a new
	# one (m1's clock, behind, may first find it not valid yet)
	seen=$(ex a m1 -- sh -c 'wc -l < /run/nebula.log')
	m1_restart
	wait_for 60 ex b m2 -- ping -c1 -W2 192.168.100.2
	run ex b m2 -- sh -c 'echo | timeout 10 nc 192.168.100.2 8000'
	[ "$output" = from-m1 ]
	ex a m1 -- tail -n +"$((seen + 1))" /run/nebula.log | grep 'Handshake message received" certName=m2 ' > "$T/took"
	[ -s "$T/took" ]
	! grep -q "fingerprint=$(fingerprint "$T/first.crt")" "$T/took" || false

	# revoked: no new certificate; once the one it has ends, m1 refuses it
	pool_on b mesh revoke corp "$T/b/dev"
	sleep 2
	ex b m2 -- cat /etc/pool/mesh/host.crt > "$T/last.crt"
	end=$(not_after "$T/last.crt")
	until_past a m1 $((end + 2))
	ex b m2 -- cat /etc/pool/mesh/host.crt | cmp -s - "$T/last.crt"
	grep -q "no new mesh certificate: .*has no grant for mesh corp" "$T/b/state/m2/supervisor.log"
	seen=$(ex a m1 -- sh -c 'wc -l < /run/nebula.log')
	m1_restart
	# as long as m2 took to come back above (its tunnel through the relay
	# is found dead first), and no answer
	run ex b m2 -- ping -c 45 -W 2 192.168.100.2
	[ "$status" -ne 0 ]
	[[ "$output" == *" 0 packets received"* ]]
	ex a m1 -- tail -n +"$((seen + 1))" /run/nebula.log > "$T/m1.log"
	grep -q 'Invalid certificate from host.*Name: m2.*expired' "$T/m1.log"
	! grep -q 'Handshake message received" certName=m2 ' "$T/m1.log" || false
	down b m2
	no_trace b m2 10.0.0.2
	pool_on b mesh grant corp "$T/b/dev" --ip 192.168.100.3/24 --groups dev $GRANT_LH
}

# nixos_fake DIR: in DIR a spec folder with what image nixos boots, as
# tests/e2e/nixos.bats makes it: the host's kernel, an initrd that does
# what a NixOS stage 1 does (modules, the virtiofs store, switch_root), and
# a store whose init takes a DHCP lease and execs pool-init --agent. The
# store has nebula (with its libraries) and a systemctl standing in for
# systemd's: reload-or-restart pool-nebula.service starts nebula on
# /etc/pool/mesh/config.yml or sends it SIGHUP, as the guest module's unit.
nixos_fake() {
	local d="$1" r="$1/initrd-root" kernel kver m
	kernel=$(ls -v /boot/vmlinuz-* | tail -n 1)
	kver=${kernel#/boot/vmlinuz-}
	mkdir -p "$d/store/bin" "$d/store/lib"
	cp "$kernel" "$d/vmlinuz"
	cp /bin/busybox "$d/store/busybox"
	for a in sh cat mkdir mount kill sleep echo ifconfig route udhcpc stat ping timeout nc grep wc; do ln -s /nix/store/busybox "$d/store/bin/$a"; done
	cp "$(dirname "$POOL_BIN")/pool-init" "$d/store/pool-init"
	cp /usr/bin/nebula "$d/store/nebula"
	for m in $(ldd /usr/bin/nebula | grep -o '/[^ ]*'); do cp -L "$m" "$d/store/lib/"; done
	cat > "$d/store/init" <<-'EOF'
	#!/nix/store/bin/sh
	export PATH=/nix/store/bin
	mkdir -p /root /tmp /run /etc
	ifconfig lo up
	ifconfig eth0 up
	udhcpc -q -n -t 10 -i eth0 -s /nix/store/dhcp
	exec /nix/store/pool-init --agent
	EOF
	cat > "$d/store/dhcp" <<-'EOF'
	#!/nix/store/bin/sh
	[ "$1" = bound ] || exit 0
	ifconfig "$interface" "$ip" netmask "$subnet" up
	route add default gw "$router"
	EOF
	cat > "$d/store/bin/systemctl" <<-'EOF'
	#!/nix/store/bin/sh
	echo "$*" >> /run/systemctl.log
	[ "$*" = "--no-block reload-or-restart pool-nebula.service" ] || exit 1
	[ -s /run/nebula.pid ] && kill -HUP "$(cat /run/nebula.pid)" && exit 0
	/nix/store/lib/ld-linux-x86-64.so.2 --library-path /nix/store/lib /nix/store/nebula \
		-config /etc/pool/mesh/config.yml >> /run/nebula.log 2>&1 </dev/null &
	echo $! > /run/nebula.pid
	EOF
	chmod 755 "$d/store/init" "$d/store/dhcp" "$d/store/bin/systemctl"
	mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys"
	cp /bin/busybox "$r/bin/busybox"
	: > "$r/modules.list"
	for m in virtio_mmio virtio_console virtiofs virtio_net tun; do
		modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++' | while read -r m; do
		mkdir -p "$r$(dirname "$m")"
		cp "$m" "$r$m"
		echo "$m" >> "$r/modules.list"
	done
	cat > "$r/init" <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	for m in $(cat /modules.list); do insmod "$m"; done
	mkdir -p /newroot
	mount -t tmpfs -o mode=0755 root /newroot
	mkdir -p /newroot/nix/store /newroot/proc /newroot/sys /newroot/dev
	mount -t virtiofs -o ro store /newroot/nix/store
	for f in proc sys dev; do mount --move /$f /newroot/$f; done
	exec switch_root /newroot /nix/store/init
	EOF
	chmod 755 "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet) > "$d/initrd.img"
	chmod -R a+rX "$d"
}

@test "mesh: image nixos joins: its files come over the agent at READY, its own nebula runs them, and reloads the next ones" {
	local d="$T/b/nixos"
	nixos_fake "$d"
	printf '{"name": "n7", "address": "10.0.0.7", "memory": "256M", "image": {"nixos": {"kernel": "%s", "initrd": "%s", "init": "/nix/store/init", "store": "%s"}}, "mesh": {"network": "corp", "ip": "192.168.100.8/24", "groups": ["dev"]}}\n' \
		"$d/vmlinuz" "$d/initrd.img" "$d/store" > "$d/n7.json"
	pool_on b mesh grant corp "$d" --ip 192.168.100.8/24 --groups dev $GRANT_LH
	(cd "$d" && POOL_MESH_CERT_SECONDS=60 pool_on b up -d n7.json)
	# m1 on host A, over the overlay
	wait_for 90 ex b n7 -- ping -c1 -W2 192.168.100.2
	run ex b n7 -- sh -c 'echo | timeout 10 nc 192.168.100.2 8000'
	[ "$output" = from-m1 ]
	[ "$(ex b n7 -- stat -c '%a %u' /etc/pool/mesh /etc/pool/mesh/host.key /etc/pool/mesh/config.yml)" = "700 0
600 0
600 0" ]
	ex b n7 -- cat /etc/pool/mesh/host.crt > "$T/n7.crt"
	nebula-cert print -path "$T/n7.crt" | grep -q 'Name: n7'
	[ "$(ex b n7 -- cat /run/systemctl.log)" = "--no-block reload-or-restart pool-nebula.service" ]
	# 40 s on, the next ones: the same nebula reloads them
	pid=$(ex b n7 -- cat /run/nebula.pid)
	wait_for 60 ex b n7 -- grep -q 'Client cert refreshed from disk' /run/nebula.log
	[ "$(ex b n7 -- cat /run/systemctl.log | wc -l)" -eq 2 ]
	[ "$(ex b n7 -- cat /run/nebula.pid)" = "$pid" ]
	! ex b n7 -- cat /etc/pool/mesh/host.crt | cmp -s - "$T/n7.crt" || false
	wait_for 30 ex b n7 -- ping -c1 -W2 192.168.100.2
	down b n7
	no_trace b n7 10.0.0.7
	pool_on b mesh revoke corp "$d"
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
