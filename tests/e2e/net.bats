#!/usr/bin/env bats
# net.bats - machines on a channel, with real VMs under TCG. Every test
# builds its own world (net_world in helpers.bash): a namespace where pool
# runs (the "host"), a router with the uplink's LAN and the metadata
# address, and further on a namespace that plays the internet (an HTTP
# server on TEST-NET-2). Nothing touches this machine's own interfaces.

load helpers

setup() {
	pool_env
	test_world
	WWW="$BATS_TEST_TMPDIR/www"
	mkdir -p "$WWW"
	echo "hello from the internet $$" > "$WWW/file"
	PIDS=()
	for port in 80 8080; do
		ip netns exec "$I" busybox httpd -f -p "198.51.100.2:$port" -h "$WWW" &
		PIDS+=($!)
	done
	SPEC="$BATS_TEST_TMPDIR/m.yaml"
	R="$I-r"	# the router, with the LAN behind it
}

teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	net_world_del "$H" "$I"
}

spec() {	# spec NAME ADDRESS NETWORK [INTERFACE]
	printf 'name: %s\nimage: minimal\nmemory: 256M\naddress: %s\nnetwork: %s\ninterface: %s\n' \
		"$1" "$2" "$3" "${4:-eth0}" > "$SPEC"
}

in_host() { ip netns exec "$H" "$@"; }

# An HTTP GET from the guest with busybox nc (busybox-static's wget crashes
# under the guest's emulated CPU; nc is all a reachability test needs).
get() {	# get HOST PORT PATH [SECONDS] -> guest shell snippet
	printf "printf 'GET %s HTTP/1.0\\r\\n\\r\\n' | nc -w %s %s %s" "$3" "${4:-5}" "$1" "$2"
}

# The LAN and the metadata service, on the router: a host on the uplink's
# own subnet, one on a private LAN, and 169.254.169.254 with a credential.
lan_services() {
	LANWWW="$BATS_TEST_TMPDIR/lan"
	mkdir -p "$LANWWW/latest/meta-data/iam"
	echo "lan service $$" > "$LANWWW/file"
	echo "AKIA-instance-secret-$$" > "$LANWWW/latest/meta-data/iam/security-credentials"
	for a in 192.0.2.3 10.99.0.1 169.254.169.254; do
		ip netns exec "$R" busybox httpd -f -p "$a:80" -h "$LANWWW" &
		PIDS+=($!)
	done
	# and a service of the host itself, on its uplink address
	ip netns exec "$H" busybox httpd -f -p 192.0.2.2:8082 -h "$LANWWW" &
	PIDS+=($!)
	wait_for 10 in_host curl -s -m 1 -o /dev/null http://169.254.169.254/file
}

# The guest fetches from each place; its output is cut into sections.
reach_all() {
	printf 'echo @INTERNET; %s; echo @UPLINK; %s; echo @PRIVATE; %s; echo @METADATA; %s; echo @HOST; %s; echo @END' \
		"$(get 198.51.100.2 80 /file)" "$(get 192.0.2.3 80 /file 3)" "$(get 10.99.0.1 80 /file 3)" \
		"$(get 169.254.169.254 80 /latest/meta-data/iam/security-credentials 3)" "$(get 192.0.2.2 8082 /file 3)"
}
section() {	# section NAME: what the guest got there
	local rest="${output#*@$1}"
	printf '%s' "${rest%%@*}"
}

@test "a nat machine fetches a file from the internet" {
	spec web 10.0.0.2 nat
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c "$(get 198.51.100.2 80 /file)"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"200 OK"* ]]
	[[ "$output" == *"hello from the internet $$"* ]]
	# The machine is gone and so are its TAP and rules; the channel stays.
	run in_host ip -o link show
	[[ "$output" != *pool-web* ]]
	run in_host nft list ruleset
	[[ "$output" != *web* ]]
}

@test "an isolated machine reaches nothing but DHCP" {
	spec iso 10.0.0.3 isolated
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c \
		"ip -o -4 addr show dev eth0; $(get 198.51.100.2 80 /file)"
	echo "$output $stderr"
	[[ "$output" == *"10.0.0.3/24"* ]]
	[[ "$output" != *"hello from the internet"* ]]
}

@test "an allow machine reaches the allowed port and not another on the same address" {
	printf 'name: allow\nimage: minimal\nmemory: 256M\naddress: 10.0.0.4\nnetwork: {mode: nat, allow: ["198.51.100.2:80/tcp"]}\n' > "$SPEC"
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c \
		"echo port80; $(get 198.51.100.2 80 /file); echo port8080; $(get 198.51.100.2 8080 /file)"
	echo "$output $stderr"
	# The answer from port 80 arrives; port 8080 on the same address stays silent.
	[[ "$output" == *"hello from the internet $$"*port8080* ]]
	[[ "${output##*port8080}" != *"hello from the internet"* ]]
}

@test "a service on the host's bridge address is unreachable from the machine" {
	spec probe 10.0.0.5 nat
	# The channel must exist before the listener can bind to its address.
	in_host "$POOL_BIN" channel up --uplink up0
	# ip netns exec execs httpd in place, so $! is httpd itself.
	ip netns exec "$H" busybox httpd -f -p 10.0.0.1:8081 -h "$WWW" &
	PIDS+=($!)
	sleep 0.5
	in_host wget -q -T 2 -O /dev/null http://10.0.0.1:8081/file	# it does serve the host
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c \
		"$(get 10.0.0.1 8081 /file); echo UPLINK; $(get 198.51.100.2 80 /file)"
	echo "$output $stderr"
	[[ "${output%%UPLINK*}" != *"hello from the internet"* ]]
	[[ "${output##*UPLINK}" == *"hello from the internet $$"* ]]	# while the uplink works
}

@test "interface enp0s4 and lan hold, with the spec's address from DHCP, over 10 boots" {
	for i in 1 2 3 4 5; do
		for ifname in enp0s4 lan; do
			spec named 10.0.0.6 nat "$ifname"
			run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- ip -o -4 addr show
			echo "$ifname boot $i: $output $stderr"
			[ "$status" -eq 0 ]
			[[ "$output" == *"$ifname    inet 10.0.0.6/24"* ]]
		done
	done
}

# with_resolv FILE CMD...: CMD in H with FILE over /etc/resolv.conf, in a
# mount namespace of its own (the host's files stay as they are).
with_resolv() {
	local f="$1"
	shift
	in_host unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$f" "$@"
}

@test "the guest's DHCP lease carries router and DNS: the supervisor, never the host's resolvers" {
	spec dns 10.0.0.7 nat
	printf 'nameserver 127.0.0.53\nnameserver 198.51.100.53\n' > "$BATS_TEST_TMPDIR/resolv.conf"
	run --separate-stderr with_resolv "$BATS_TEST_TMPDIR/resolv.conf" "$POOL_BIN" run "$SPEC" -- sh -c 'cat /etc/resolv.conf; ip route'
	echo "$output $stderr"
	[[ "$output" == *"nameserver 10.0.0.1"* ]]
	[[ "$output" != *"127.0.0.53"* ]]
	[[ "$output" != *"198.51.100.53"* ]]
	[[ "$output" == *"default via 10.0.0.1"* ]]
}

@test "busybox udhcpc in the guest gets the machine's address, mask, router, DNS and name from the responder" {
	spec udc 10.0.0.8 nat
	printf 'nameserver 198.51.100.53\n' > "$BATS_TEST_TMPDIR/resolv.conf"
	# udhcpc hands what it got to a script; this one prints it.
	run --separate-stderr with_resolv "$BATS_TEST_TMPDIR/resolv.conf" "$POOL_BIN" run "$SPEC" -- sh -c \
		'printf "#!/bin/sh\necho \"\$1 ip=\$ip subnet=\$subnet router=\$router dns=\$dns host=\$hostname lease=\$lease\"\n" > /tmp/s; chmod +x /tmp/s; udhcpc -i eth0 -f -q -n -t 5 -s /tmp/s'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"bound ip=10.0.0.8 subnet=255.255.255.0 router=10.0.0.1 dns=10.0.0.1 host=udc lease=86400"* ]]
}

@test "no leaks: 20 boots leave only the channel; kill -9 of a supervisor is reclaimed by the next run" {
	spec leak 10.0.0.8 nat
	in_host "$POOL_BIN" channel up --uplink up0
	links_before=$(in_host ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
	rules_before=$(in_host nft list ruleset)
	for i in $(seq 20); do
		in_host "$POOL_BIN" run "$SPEC" -- true
	done
	[ "$(in_host ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$links_before" ]
	[ "$(in_host nft list ruleset)" = "$rules_before" ]

	# ip netns exec execs pool in place: $! is the supervisor itself.
	ip netns exec "$H" "$POOL_BIN" run "$SPEC" -- sleep 300 &
	BG=$!
	PIDS+=($BG)
	wait_for 60 sh -c "ip netns exec '$H' nft list ruleset | grep -q leak"
	kill -9 "$BG"
	wait "$BG" 2>/dev/null || true
	# QEMU and virtiofsd die with their supervisor (PDEATHSIG); the TAP goes
	# with its last fd; the rules stay until the next run of that machine.
	wait_for 10 sh -c "! ip netns exec '$H' ip -o link show | grep -q pool-leak"
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- echo reclaimed
	[ "$status" -eq 0 ]
	[ "$output" = reclaimed ]
	[ "$(in_host nft list ruleset)" = "$rules_before" ]
	[ ! -e "$POOL_STATE_DIR/leak" ]
}

@test "a nat machine reaches the internet only: not the LAN, the metadata address, the uplink's subnet or the host" {
	lan_services
	in_host curl -s -m 2 http://192.0.2.3/file | grep -q "lan service"	# they do serve
	spec web 10.0.0.2 nat
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c "$(reach_all)"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$(section INTERNET)" == *"hello from the internet $$"* ]]
	[[ "$(section UPLINK)" != *"lan service"* ]]
	[[ "$(section PRIVATE)" != *"lan service"* ]]
	[[ "$(section METADATA)" != *AKIA* ]]
	[[ "$(section HOST)" != *"lan service"* ]]
	[[ "$output" == *@END* ]]
}

@test "with --allow-lan a nat machine reaches the LAN, the metadata address and the uplink's subnet, still not the host" {
	lan_services
	spec web 10.0.0.2 nat
	run --separate-stderr in_host "$POOL_BIN" run --allow-lan "$SPEC" -- sh -c "$(reach_all)"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$(section INTERNET)" == *"hello from the internet $$"* ]]
	[[ "$(section UPLINK)" == *"lan service $$"* ]]
	[[ "$(section PRIVATE)" == *"lan service $$"* ]]
	[[ "$(section METADATA)" == *"AKIA-instance-secret-$$"* ]]
	[[ "$(section HOST)" != *"lan service"* ]]
	# the grant goes with the machine: the next run without it reaches no LAN
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c "$(get 192.0.2.3 80 /file 3); echo @END"
	[[ "$output" != *"lan service"* ]]
	[[ "$output" == *@END* ]]
}

@test "an allow list names the uplink's subnet only with --allow-lan, and then reaches that alone" {
	lan_services
	printf 'name: lim\nimage: minimal\nmemory: 256M\naddress: 10.0.0.4\nnetwork:\n  mode: nat\n  allow: ["192.0.2.3:80/tcp"]\n' > "$SPEC"
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- true
	echo "$output $stderr"
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: $SPEC:7:11: network.allow[0]: \"192.0.2.3:80/tcp\" is in the host's subnet 192.0.2.0/24: a spec reaches the LAN only when the command line says --allow-lan" ]
	run --separate-stderr in_host "$POOL_BIN" run --allow-lan "$SPEC" -- sh -c "$(reach_all)"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$(section UPLINK)" == *"lan service $$"* ]]
	[[ "$(section INTERNET)" != *"hello from the internet"* ]]
	[[ "$(section PRIVATE)" != *"lan service"* ]]
	[[ "$(section METADATA)" != *AKIA* ]]
}

@test "an isolated machine reaches nothing on UDP 67 of any host address; its lease comes from its responder" {
	LISTEN="$BATS_TEST_TMPDIR/l.out"
	in_host "$POOL_BIN" channel up --uplink up0 >/dev/null
	# a UDP 67 service of the host, on every address
	ip netns exec "$H" /usr/bin/python3 -u -c '
import socket, time
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
u.bind(("0.0.0.0", 67)); u.settimeout(0.5)
print("READY", flush=True)
end = time.time() + 600
while time.time() < end:
    try:
        d, a = u.recvfrom(2048)
    except socket.timeout:
        continue
    print("from", a[0], a[1], d[:8], flush=True)
    if d == b"STOP":
        break' > "$LISTEN" &
	PIDS+=($!)
	wait_for 10 grep -q READY "$LISTEN"
	printf 'name: iso\nimage: host\nmemory: 512M\naddress: 10.0.0.3\nnetwork: isolated\n' > "$SPEC"
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c '
		ip -o -4 addr show dev eth0
		python3 -c "
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
u.bind((\"10.0.0.3\", 68))
for d in (\"10.0.0.1\", \"192.0.2.2\", \"10.0.0.255\", \"255.255.255.255\"):
    for i in range(3):
        u.sendto(b\"guest\", (d, 67))
print(\"sent\")"'
	echo "$output $stderr"
	sleep 1
	# the control: what the host sends itself arrives
	in_host /usr/bin/python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"STOP", ("10.0.0.1", 67))'
	wait_for 10 grep -q STOP "$LISTEN"
	cat "$LISTEN"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.0.0.3/24"* ]]	# the responder's answer
	[[ "$output" == *sent* ]]
	# not one datagram from the guest: neither its own nor its DHCP client's
	[ "$(grep -c '^from' "$LISTEN")" -eq 1 ]
	grep -q "^from 10.0.0.1 .* b'STOP'" "$LISTEN"
}

@test "a spec's channel other is refused until pool channel up other made it; then it works" {
	printf 'name: oth\nimage: minimal\nmemory: 256M\naddress: 10.1.0.2\nchannel: other\nnetwork: nat\n' > "$SPEC"
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- true
	echo "$output $stderr"
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: $SPEC:5:10: channel: other is not up (pool brings up only pool0 by itself): make it first with sudo pool channel up other --subnet CIDR" ]
	! in_host ip link show other 2>/dev/null || false
	# a subnet that overlaps pool0's is refused too
	in_host "$POOL_BIN" channel up --uplink up0 >/dev/null
	run in_host "$POOL_BIN" channel up other --uplink up0 --subnet 10.0.0.0/16
	[ "$status" -eq 2 ]
	[[ "$output" == *"overlaps 10.0.0.1/24 on pool0"* ]]
	in_host "$POOL_BIN" channel up other --uplink up0 --subnet 10.1.0.0/24
	run --separate-stderr in_host "$POOL_BIN" run "$SPEC" -- sh -c "ip -o -4 addr show dev eth0; $(get 198.51.100.2 80 /file)"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"10.1.0.2/24"* ]]
	[[ "$output" == *"hello from the internet $$"* ]]
}
