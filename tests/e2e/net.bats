#!/usr/bin/env bats
# net.bats - machines on a channel, with real VMs under TCG. Every test
# builds its own world: a namespace where pool runs (the "host"), and a
# namespace that plays the internet (an HTTP server on TEST-NET-2), joined
# by a veth uplink. Nothing touches this machine's own interfaces.

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
get() {	# get HOST PORT PATH -> guest shell snippet
	printf "printf 'GET %s HTTP/1.0\\r\\n\\r\\n' | nc -w 5 %s %s" "$3" "$1" "$2"
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
