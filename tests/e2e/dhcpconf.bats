#!/usr/bin/env bats
# dhcpconf.bats - pool's DHCP responder (src/net/dhcpd.c, run alone by
# tests/net/dhcpd_probe) against clients nobody here wrote: dhcpcd and ISC
# dhclient, on the guest side of a veth whose MAC is the machine's. Each
# test inside network namespaces of its own.

bats_require_minimum_version 1.5.0

MAC=02:00:0a:00:00:02	# the machine 10.0.0.2's MAC

setup() {
	DHCPD_PROBE="${DHCPD_PROBE:-$(dirname "${POOL_BIN:-$BATS_TEST_DIRNAME/../../build/pool}")/tests/dhcpd_probe}"
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	[ -x "$DHCPD_PROBE" ] || skip "no dhcpd_probe at $DHCPD_PROBE"
	T="pooldconf-$$-$BATS_TEST_NUMBER"
	S="$T-s"	# the host side: the responder on the machine's link
	C="$T-c"	# plays the guest
	D="$BATS_TEST_TMPDIR"
	PIDS=()
	ip netns add "$S"
	ip netns add "$C"
	ip -n "$S" link set lo up
	ip -n "$C" link set lo up
	ip -n "$S" link add srv0 address 02:00:0a:00:00:01 type veth peer name eth0 netns "$C"
	ip -n "$S" addr add 10.0.0.1/24 dev srv0
	ip -n "$S" link set srv0 up
	ip -n "$C" link set eth0 address "$MAC"
	# What the client understood, one file per reason (BOUND, RENEW, ...).
	cat >"$D/hook" <<-EOF
	#!/bin/sh
	env | grep -E '^(reason|interface|new_)' | sort >"$D/out.\$reason"
	EOF
	chmod +x "$D/hook"
}

teardown() {
	local p ns
	[ -f "$D/dhclient.pid" ] && PIDS+=("$(cat "$D/dhclient.pid")")
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for ns in $(ip netns list | awk '{print $1}'); do
		case "$ns" in "$T"-*) ip netns del "$ns" ;; esac
	done
}

# responder [ARGS...]: the machine 10.0.0.2/24, router and server 10.0.0.1.
# ip netns exec execs the probe in place, so $! is the probe itself.
responder() {
	ip netns exec "$S" "$DHCPD_PROBE" "$@" --dns 10.0.0.53 --dns 192.0.2.53 --hostname conf \
		srv0 10.0.0.2/24 10.0.0.1 >"$D/probe.out" 2>&1 &
	PIDS+=($!)
	wait_for 5 grep -q ready "$D/probe.out"
}

wait_for() {	# wait_for SECONDS CMD...
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# dhcpcd keeps its DUID, leases and control socket under /var/lib/dhcpcd and
# /run: give it empty ones (tmpfs in the mount namespace ip netns exec makes,
# so nothing of this machine's is read or written). Its own script is
# replaced by the recorder: no hook touches resolv.conf or the hostname.
dhcpcd_in_guest() {	# dhcpcd_in_guest ARGS... (execs: as a background job, $! is dhcpcd)
	exec ip netns exec "$C" sh -c 'conf=$1 hook=$2; shift 2
		mount -t tmpfs t /var/lib/dhcpcd && mount -t tmpfs t /run &&
		exec dhcpcd -f "$conf" -c "$hook" -4 "$@"' sh "$D/dhcpcd.conf" "$D/hook" "$@"
}
dhcpcd_conf() {
	printf 'option domain_name_servers, host_name, subnet_mask, routers\nnoipv4ll\n' >"$D/dhcpcd.conf"
}

# dhclient with the recorder as its script, which also applies the lease
# (address with mask and broadcast, default route) the way dhclient-script would.
dhclient_hook() {
	cat >>"$D/hook" <<-'EOF'
	case $reason in
	PREINIT) ip link set "$interface" up ;;
	BOUND|REBOOT)
		ip addr add "$new_ip_address/$new_subnet_mask" broadcast "$new_broadcast_address" dev "$interface"
		ip route add default via "${new_routers%% *}" dev "$interface" ;;
	esac
	EOF
}
dhclient_in_guest() {	# dhclient_in_guest ARGS... (daemonizes once bound; pid in $D/dhclient.pid)
	dhclient_hook
	printf 'timeout 20;\nretry 1;\n' >"$D/dhclient.conf"
	ip netns exec "$C" timeout 60 dhclient -4 -1 -v -cf "$D/dhclient.conf" -sf "$D/hook" \
		-lf "$D/leases" -pf "$D/dhclient.pid" "$@"
}

# The lease the client recorded for REASON carries exactly pool's answer.
assert_lease() {	# assert_lease REASON
	local f="$D/out.$1"
	cat "$f"
	grep -qx 'new_ip_address=10.0.0.2' "$f"
	grep -qx 'new_subnet_mask=255.255.255.0' "$f"
	grep -qx 'new_routers=10.0.0.1' "$f"
	grep -qx 'new_domain_name_servers=10.0.0.53 192.0.2.53' "$f"
	grep -qx 'new_dhcp_server_identifier=10.0.0.1' "$f"
	grep -qx 'new_broadcast_address=10.0.0.255' "$f"
	grep -qx 'new_host_name=conf' "$f"
}

# And the guest's link really is configured with it and can use it.
assert_configured() {
	ip -n "$C" -4 -o addr show dev eth0
	ip -n "$C" route show
	ip -n "$C" -4 -o addr show dev eth0 | grep -q 'inet 10.0.0.2/24 brd 10.0.0.255 '
	[ "$(ip -n "$C" -4 -o addr show dev eth0 | wc -l)" -eq 1 ]
	ip -n "$C" route show default | grep -q '^default via 10.0.0.1 dev eth0'
	ip netns exec "$C" ping -c1 -W2 10.0.0.1 >/dev/null
}

@test "dhcpcd: gets 10.0.0.2/24, router, DNS and name from pool's responder" {
	responder
	dhcpcd_conf
	run dhcpcd_in_guest -1 -t 30 eth0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"leased 10.0.0.2 for 86400 seconds"* ]]
	assert_lease BOUND
	grep -qx 'new_dhcp_lease_time=86400' "$D/out.BOUND"
	grep -qx 'new_dhcp_renewal_time=43200' "$D/out.BOUND"
	grep -qx 'new_dhcp_rebinding_time=75600' "$D/out.BOUND"
	assert_configured
}

@test "dhcpcd: renews at T1 and the responder ACKs the renewal" {
	responder --lease 20
	dhcpcd_conf
	# Not oneshot: it stays to renew at T1 = 10 s (20 s is dhcpcd's floor).
	(dhcpcd_in_guest -B -t 30 eth0 >"$D/dhcpcd.log" 2>&1) &
	PIDS+=($!)
	wait_for 40 test -e "$D/out.RENEW" || { cat "$D/dhcpcd.log"; false; }
	cat "$D/dhcpcd.log"
	assert_lease BOUND
	assert_lease RENEW
	grep -q 'leased 10.0.0.2 for 20 seconds' "$D/dhcpcd.log"
	assert_configured
}

@test "dhclient: gets 10.0.0.2/24, router, DNS and name from pool's responder" {
	responder
	run dhclient_in_guest eth0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"DHCPACK of 10.0.0.2 from 10.0.0.1"* ]]
	assert_lease BOUND
	grep -qx 'new_dhcp_lease_time=86400' "$D/out.BOUND"
	assert_configured
	grep -q 'fixed-address 10.0.0.2;' "$D/leases"
}

@test "dhclient: renews by unicast at T1 and is ACKed" {
	responder --lease 8
	run dhclient_in_guest eth0
	echo "$output"
	[ "$status" -eq 0 ]
	assert_lease BOUND
	# T1 = 4 s: the renewal is a unicast REQUEST from 10.0.0.2 to 10.0.0.1.
	wait_for 30 test -e "$D/out.RENEW"
	assert_lease RENEW
	assert_configured
}

@test "dhclient with a stale lease for another address is NAKed, then gets 10.0.0.2" {
	responder
	# A lease from another life, for 10.0.0.9 (INIT-REBOOT asks for it first).
	cat >"$D/leases" <<-EOF
	lease {
	  interface "eth0";
	  fixed-address 10.0.0.9;
	  option subnet-mask 255.255.255.0;
	  option dhcp-server-identifier 10.0.0.1;
	  renew 6 2099/01/01 00:00:00;
	  rebind 6 2099/01/01 00:00:00;
	  expire 6 2099/01/01 00:00:00;
	}
	EOF
	run dhclient_in_guest eth0
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"DHCPREQUEST for 10.0.0.9"* ]]
	[[ "$output" == *"DHCPNAK from 10.0.0.1"* ]]
	[[ "$output" == *"DHCPACK of 10.0.0.2 from 10.0.0.1"* ]]
	assert_lease BOUND
	assert_configured
	[ "$(ip -n "$C" -4 -o addr show | grep -c 10.0.0.9)" -eq 0 ]
}

@test "a client with another MAC gets nothing from the machine's responder" {
	ip -n "$C" link set eth0 address 02:00:0a:00:00:03
	responder
	dhcpcd_conf
	run dhcpcd_in_guest -1 -t 6 eth0
	echo "$output"
	[ "$status" -ne 0 ]
	[ ! -e "$D/out.BOUND" ]
	[ -z "$(ip -n "$C" -4 -o addr show dev eth0 | grep -v 169.254)" ]
	# It did hear the client, and stayed silent.
	kill "${PIDS[0]}"
	wait "${PIDS[0]}" || true
	cat "$D/probe.out"
	[[ "$(tail -1 "$D/probe.out")" =~ ^answered\ 0\ ignored\ [1-9] ]]
}
