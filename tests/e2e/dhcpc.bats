#!/usr/bin/env bats
# dhcpc.bats - pool-init's network set-up (net_setup via dhcpc_probe) against
# busybox udhcpd, each test inside network namespaces of its own.

MAC=02:00:0a:09:00:05

setup() {
	DHCPC_PROBE="${DHCPC_PROBE:-$BATS_TEST_DIRNAME/../../build/tests/dhcpc_probe}"
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	[ -x "$DHCPC_PROBE" ] || skip "no dhcpc_probe at $DHCPC_PROBE"
	command -v busybox >/dev/null || skip "needs busybox (udhcpd)"
	T="pooldhcpc-$$-$BATS_TEST_NUMBER"
	S="$T-s"	# the DHCP server's side
	C="$T-c"	# plays the guest
	D="$BATS_TEST_TMPDIR"
	UDHCPD_PID=
	PROBE_PID=
	ip netns add "$S"
	ip netns add "$C"
	ip -n "$S" link set lo up
	# The guest's NIC: a veth with the machine's MAC and a name of chance.
	ip -n "$S" link add srv0 type veth peer name veth7 netns "$C"
	ip -n "$S" addr add 10.9.0.1/24 dev srv0
	ip -n "$S" link set srv0 up
	ip -n "$C" link set veth7 address "$MAC"
}

teardown() {
	local ns
	if [ -n "$PROBE_PID" ]; then
		kill "$PROBE_PID" 2>/dev/null || true
		wait "$PROBE_PID" 2>/dev/null || true
	fi
	if [ -n "$UDHCPD_PID" ]; then
		kill "$UDHCPD_PID" 2>/dev/null || true
		wait "$UDHCPD_PID" 2>/dev/null || true
	fi
	for ns in $(ip netns list | awk '{print $1}'); do
		case "$ns" in "$T"-*) ip netns del "$ns" ;; esac
	done
}

# udhcpd on srv0 with a static lease for $MAC.
server() {
	cat >"$D/udhcpd.conf" <<-EOF
	start 10.9.0.100
	end 10.9.0.150
	interface srv0
	lease_file $D/leases
	pidfile $D/udhcpd.pid
	static_lease $MAC 10.9.0.5
	option subnet 255.255.255.0
	option router 10.9.0.1
	option dns 10.9.0.53 192.0.2.53
	option lease 3600
	EOF
	: >"$D/leases"
	ip netns exec "$S" busybox udhcpd -f -a 50 "$D/udhcpd.conf" >"$D/udhcpd.log" 2>&1 &
	UDHCPD_PID=$!
}

probe() { ip netns exec "$C" "$DHCPC_PROBE" --resolv "$D/resolv.conf" "$@"; }
inc() { ip netns exec "$C" "$@"; }

# The link in the guest namespace that has MAC $1: its name.
name_of_mac() {
	ip -n "$C" -o link show | awk -v m="$1" '$0 ~ "link/ether " m { sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2 }'
}

@test "lease applied: address, mask, broadcast, default route, resolv.conf; NIC renamed" {
	server
	run probe "$MAC,enp0s4"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^pool-init:\ enp0s4\ 10\.9\.0\.5/24\ via\ 10\.9\.0\.1\ \(DHCP\ in\ [0-9]+\ ms\)$ ]]
	[ "$(name_of_mac "$MAC")" = enp0s4 ]
	! ip -n "$C" link show veth7 2>/dev/null || false
	ip -n "$C" -4 -o addr show dev enp0s4 | grep -q 'inet 10.9.0.5/24 brd 10.9.0.255 scope global enp0s4'
	[ "$(ip -n "$C" -4 -o addr show dev enp0s4 | wc -l)" -eq 1 ]
	ip -n "$C" route show default | grep -qx 'default via 10.9.0.1 dev enp0s4 *'
	ip -n "$C" -o link show lo | grep -q 'state UNKNOWN\|,UP'
	ip -n "$C" -o link show enp0s4 | grep -q '<[^>]*UP'
	[ "$(cat "$D/resolv.conf")" = "$(printf 'nameserver 10.9.0.53\nnameserver 192.0.2.53')" ]
	[ "$(stat -c %a "$D/resolv.conf")" = 644 ]
	[[ "$output" == *"lease=3600 t1=1800 t2=3150"* ]]
	# The guest really is on the link: the server answers its ping.
	inc ping -c1 -W2 10.9.0.1 >/dev/null
}

@test "the name already matches: no rename, lease taken" {
	ip -n "$C" link set veth7 name enp0s4
	idx=$(ip -n "$C" -o link show enp0s4 | cut -d: -f1)
	server
	run probe "$MAC,enp0s4"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ip -n "$C" -o link show enp0s4 | cut -d: -f1)" = "$idx" ]
	ip -n "$C" -4 -o addr show dev enp0s4 | grep -q 'inet 10.9.0.5/24'
}

@test "the wanted name is taken by another link: that one is moved out of the way" {
	ip -n "$C" link add enp0s4 type veth peer name peer9
	ip -n "$C" link set enp0s4 address 02:00:00:00:00:99
	other=$(ip -n "$C" -o link show enp0s4 | cut -d: -f1)
	server
	run probe "$MAC,enp0s4"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(name_of_mac "$MAC")" = enp0s4 ]
	[ "$(name_of_mac 02:00:00:00:00:99)" = "old$other" ]
	ip -n "$C" -4 -o addr show dev enp0s4 | grep -q 'inet 10.9.0.5/24'
}

@test "a server that starts late is reached by retransmission" {
	probe --timeout 10000 "$MAC,enp0s4" >"$D/out" 2>&1 &
	PROBE_PID=$!
	sleep 1
	server
	wait "$PROBE_PID"
	PROBE_PID=
	cat "$D/out"
	grep -q '^addr=10.9.0.5$' "$D/out"
}

@test "renewal: a REQUEST from the bound address is ACKed" {
	server
	run probe --renew "$MAC,enp0s4"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"renewed lease=3600"* ]]
	[ "$(grep -c 'sending ACK' "$D/udhcpd.log")" -eq 2 ]
}

@test "no DHCP server: gives up after its budget with one line" {
	SECONDS=0
	run probe --timeout 1500 "$MAC,enp0s4"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "dhcpc_probe: no DHCP answer in "*" ms" ]]
	[ "$SECONDS" -le 4 ]
	# The name still holds, and nothing was configured.
	[ "$(name_of_mac "$MAC")" = enp0s4 ]
	[ -z "$(ip -n "$C" -4 -o addr show dev enp0s4)" ]
	[ ! -e "$D/resolv.conf" ]
}

@test "no link with the MAC: gives up after the wait" {
	run probe --find 300 "02:00:0a:09:00:06,enp0s4"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no network interface with MAC 02:00:0a:09:00:06 after 300 ms"* ]]
	[ "$(name_of_mac "$MAC")" = veth7 ]
}

@test "a bad pool.net value is refused before anything is touched" {
	for spec in "$MAC" "01:00:0a:09:00:05,enp0s4" "$MAC,enp0s4/x" "$MAC,waytoolongname0123" "02:00:0a:09:00,enp0s4" "$MAC,"; do
		run probe "$spec"
		echo "$spec: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == "dhcpc_probe: pool.net="* ]]
	done
	[ "$(name_of_mac "$MAC")" = veth7 ]
}
