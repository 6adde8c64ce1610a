#!/usr/bin/env bats
# dhcphostile.bats - pool's DHCP responder (src/net/dhcpd.c, run alone by
# tests/net/dhcpd_probe) under hostile frames from the guest's side
# (tests/e2e/dhcp_hostile.py, scapy): it answers none of them wrongly and
# still serves a good DISCOVER afterwards. Namespaces of its own.

load helpers

MAC=02:00:0a:00:00:02		# the machine 10.0.0.2
SRV_MAC=02:00:0a:00:00:01	# the channel's bridge, 10.0.0.1
RIGHT="chaddr=$MAC hostname=web mask=255.255.255.0 router=10.0.0.1 server=10.0.0.1 yiaddr=10.0.0.2"

setup_file() {
	DHCPD_PROBE="${DHCPD_PROBE:-$(dirname "${POOL_BIN:-$BATS_TEST_DIRNAME/../../build/pool}")/tests/dhcpd_probe}"
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	[ -x "$DHCPD_PROBE" ] || skip "no dhcpd_probe at $DHCPD_PROBE"
	/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "needs python3-scapy"
	export T="pooldh-$$"
	export S="$T-s" C="$T-c" D="$BATS_FILE_TMPDIR"
	machine_link "$S" "$C"
	ip -n "$S" addr add 10.0.0.1/24 dev srv0
	ip -n "$S" link set srv0 up
	ip -n "$C" link set eth0 up
	# One responder for the whole file: what one frame does to it, the next
	# test sees. ip netns exec execs the probe in place: $! is the probe.
	POOL_DEBUG=1 ip netns exec "$S" "$DHCPD_PROBE" --hostname web srv0 10.0.0.2/24 10.0.0.1 \
		>"$D/probe.out" 2>"$D/probe.err" &
	echo $! >"$D/probe.pid"
	local i
	for i in $(seq 50); do grep -q ready "$D/probe.out" && break; sleep 0.1; done
	grep -q ready "$D/probe.out"
}

teardown_file() {
	local p
	p=$(cat "$D/probe.pid" 2>/dev/null) && kill "$p" 2>/dev/null
	ip netns del "$S" 2>/dev/null || true
	ip netns del "$C" 2>/dev/null || true
}

# hostile CASE...: one line per reply ("CASE: OFFER ...") or "CASE: silent".
hostile() {
	ip netns exec "$C" /usr/bin/python3 "$BATS_TEST_DIRNAME/dhcp_hostile.py" eth0 "$MAC" "$SRV_MAC" "$@"
}

alive() {
	kill -0 "$(cat "$D/probe.pid")"
}

@test "a good DISCOVER gets this machine's address, mask, router" {
	run --separate-stderr hostile good-discover
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "good-discover: OFFER $RIGHT" ]
}

@test "a truncated BOOTP header gets no answer" {
	run --separate-stderr hostile truncated-header
	echo "$output"; echo "$stderr"
	[ "$output" = "truncated-header: silent" ]
	alive
}

@test "an option whose length runs past the end gets no answer" {
	run --separate-stderr hostile option-past-end
	echo "$output"; echo "$stderr"
	[ "$output" = "option-past-end: silent" ]
	alive
}

@test "option overload: honoured when well formed, refused nested or past sname" {
	run --separate-stderr hostile overload-good overload-nested overload-past-sname
	echo "$output"; echo "$stderr"
	answers "overload-good: OFFER $RIGHT" \
		"overload-nested: silent" \
		"overload-past-sname: silent"
	alive
}

@test "a huge or hostile host name is not taken; the DISCOVER is, with the machine's own name" {
	run --separate-stderr hostile huge-hostname evil-hostname
	echo "$output"; echo "$stderr"
	answers "huge-hostname: OFFER $RIGHT" \
		"evil-hostname: OFFER $RIGHT"
}

@test "another MAC (in chaddr, or in chaddr and the frame) gets no answer" {
	run --separate-stderr hostile wrong-mac
	echo "$output"; echo "$stderr"
	[ "$output" = "wrong-mac: silent" ]
	grep -q 'not this machine.s MAC' "$D/probe.err"
}

@test "UDP to port 67 that is not DHCP, and IP fragments, get no answer" {
	run --separate-stderr hostile not-dhcp ip-fragment
	echo "$output"; echo "$stderr"
	answers "not-dhcp: silent" \
		"ip-fragment: silent"
	grep -q 'no magic cookie\|cookie' "$D/probe.err"
	grep -q 'bad UDP checksum' "$D/probe.err"
	alive
}

@test "a REQUEST for another address is NAKed; one for another server is left alone" {
	run --separate-stderr hostile request-other-address request-other-server
	echo "$output"; echo "$stderr"
	answers "request-other-address: NAK chaddr=$MAC server=10.0.0.1 yiaddr=0.0.0.0" \
		"request-other-server: silent"
}

@test "after a flood of 1000 noisy and mutated frames it answers only rightly, and still serves" {
	run --separate-stderr hostile flood discover-after good-request
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	# Mutated DISCOVERs may still be good DISCOVERs (or REQUESTs for another
	# address, or INFORMs, whose ACK carries no address): every answer is
	# for this machine, with its address, none, or a NAK.
	while read -r line; do
		case "$line" in
		"flood: silent" | "flood: OFFER chaddr=$MAC "*" yiaddr=10.0.0.2" | \
		"flood: ACK chaddr=$MAC "*" yiaddr=10.0.0.2" | \
		"flood: ACK chaddr=$MAC "*" yiaddr=0.0.0.0" | \
		"flood: NAK chaddr=$MAC server=10.0.0.1 yiaddr=0.0.0.0") ;;
		flood:*) echo "wrong answer: $line"; false ;;
		esac
	done <<<"$output"
	[[ "$output" == *"discover-after: OFFER $RIGHT"* ]]
	[[ "$output" == *"good-request: ACK $RIGHT"* ]]
	alive
	tail -1 "$D/probe.out"
	[[ "$(tail -1 "$D/probe.out")" =~ ^answered\ [0-9]+\ ignored\ [0-9]{3,}$ ]]
}
