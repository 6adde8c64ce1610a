#!/usr/bin/env bats
# dnshostile.bats - pool's per-machine resolver (src/net/dnsd.c, run alone by
# tests/net/dnsd_probe) against a real dnsmasq upstream, and under hostile
# frames from the machine's side (tests/e2e/dns_hostile.py, scapy): allowed
# names are answered and opened, others refused; hostile frames get no wrong
# answer and it still serves. Namespaces of its own: the machine's (C), the
# supervisor's (S) and the upstream's (U).

load helpers

MAC=02:00:0a:00:00:02		# the machine 10.0.0.2
SRV_MAC=02:00:0a:00:00:01	# the channel's bridge, 10.0.0.1

setup_file() {
	DNSD_PROBE="${DNSD_PROBE:-$(dirname "${POOL_BIN:-$BATS_TEST_DIRNAME/../../build/pool}")/tests/dnsd_probe}"
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	[ -x "$DNSD_PROBE" ] || skip "no dnsd_probe at $DNSD_PROBE"
	command -v dnsmasq >/dev/null || skip "needs dnsmasq"
	/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "needs python3-scapy"
	export T="pooldn-$$"
	export S="$T-s" C="$T-c" U="$T-u" D="$BATS_FILE_TMPDIR"
	machine_link "$S" "$C"
	ip netns add "$U"
	ip -n "$C" addr add 10.0.0.2/24 dev eth0
	ip -n "$C" link set eth0 up
	ip -n "$C" link set lo up
	# srv0 holds no address, as a TAP does not: the bridge's MAC stands for it
	ip -n "$C" neigh add 10.0.0.1 lladdr "$SRV_MAC" dev eth0
	ip -n "$S" link set srv0 up
	ip -n "$S" link set lo up
	ip -n "$S" link add up0 type veth peer name wan0 netns "$U"
	ip -n "$S" addr add 203.0.113.1/24 dev up0
	ip -n "$S" link set up0 up
	ip -n "$U" addr add 203.0.113.53/24 dev wan0
	ip -n "$U" link set wan0 up
	ip -n "$U" link set lo up
	local big=() i
	for i in $(seq 10 89); do big+=("--host-record=big.test,198.51.100.$i"); done
	ip netns exec "$U" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address=203.0.113.53 --pid-file="$D/dnsmasq.pid" "${big[@]}" \
		--host-record=registry.test,198.51.100.10,300 --cname=alias.test,registry.test \
		--cname=into.test,out.test --host-record=out.test,198.51.100.12,300 \
		--address=/wild.test/198.51.100.20 --host-record=lan.test,192.168.1.5 \
		--host-record=mixed.test,192.168.1.6 --host-record=mixed.test,198.51.100.13 \
		2>"$D/dnsmasq.err" &
	echo $! >"$D/dnsmasq.pid.bats"
	# One resolver for the whole file: what one frame does to it, the next
	# test sees. ip netns exec execs the probe in place: $! is the probe.
	POOL_DEBUG=1 ip netns exec "$S" "$DNSD_PROBE" --allow registry.test:443 --allow '*.wild.test:80' \
		--allow into.test --allow big.test --allow lan.test --allow mixed.test \
		--state "$D/egress" srv0 10.0.0.2 10.0.0.1 203.0.113.53 >"$D/probe.out" 2>"$D/probe.err" &
	echo $! >"$D/probe.pid"
	for i in $(seq 50); do grep -q ready "$D/probe.out" && break; sleep 0.1; done
	grep -q ready "$D/probe.out"
}

teardown_file() {
	local p
	p=$(cat "$D/probe.pid" 2>/dev/null) && kill "$p" 2>/dev/null
	p=$(cat "$D/dnsmasq.pid.bats" 2>/dev/null) && kill "$p" 2>/dev/null
	ip netns del "$S" 2>/dev/null || true
	ip netns del "$C" 2>/dev/null || true
	ip netns del "$U" 2>/dev/null || true
}

hostile() {
	ip netns exec "$C" /usr/bin/python3 "$BATS_TEST_DIRNAME/dns_hostile.py" eth0 "$MAC" 10.0.0.2 "$SRV_MAC" 10.0.0.1 "$@"
}

alive() {
	kill -0 "$(cat "$D/probe.pid")"
}

@test "an allowed name is answered and opened for its port before the answer" {
	run --separate-stderr hostile q:registry.test
	echo "$output"; cat "$D/probe.out"
	[ "$output" = "q:registry.test: NOERROR tc=0 A=198.51.100.10/300" ]
	grep -qx 'allow 198.51.100.10 443 tcp 302' "$D/probe.out"
}

@test "another name is REFUSED and noted once; AAAA of an allowed name is empty" {
	run --separate-stderr hostile q:evil.test q:evil.test q:registry.test:AAAA
	echo "$output"
	lines_are "q:evil.test: REFUSED tc=0" \
		"q:evil.test: REFUSED tc=0" \
		"q:registry.test:AAAA: NOERROR tc=0"
	[ "$(grep -c 'note probe: DNS refused: evil.test (not in network.allow)' "$D/probe.out")" -eq 1 ]
}

@test "the question decides: a CNAME into an allowed name is refused, out of one is followed" {
	run --separate-stderr hostile q:alias.test q:into.test
	echo "$output"
	lines_are "q:alias.test: REFUSED tc=0" \
		"q:into.test: NOERROR tc=0 A=198.51.100.12/0"
	grep -qx 'allow 198.51.100.12 0 any 32' "$D/probe.out"
}

@test "a wildcard opens the names below it, not the name itself" {
	run --separate-stderr hostile q:a.wild.test q:wild.test
	echo "$output"
	lines_are "q:a.wild.test: NOERROR tc=0 A=198.51.100.20/0" \
		"q:wild.test: REFUSED tc=0"
}

@test "LAN addresses get no element without --allow-lan, and are left out of the answer" {
	run --separate-stderr hostile q:lan.test q:mixed.test
	echo "$output"
	lines_are "q:lan.test: NOERROR tc=0" \
		"q:mixed.test: NOERROR tc=0 A=198.51.100.13/0"
	! grep -q 'allow 192.168' "$D/probe.out" || false
	grep -q 'note probe: DNS: lan.test: 192.168.1.5 is not opened (a LAN address: --allow-lan opens it)' "$D/probe.out"
}

@test "an answer too long for UDP is fetched over TCP; the machine's never has TC" {
	run --separate-stderr hostile q:big.test
	echo "$output"
	[[ "$output" == "q:big.test: NOERROR tc=0 A=198.51.100."* ]]
	# as many as fit 512 bytes
	[ "$(echo "$output" | grep -o 'A=' | wc -l)" -ge 20 ]
}

@test "pool egress's table: names, addresses, ports and the refused" {
	sleep 1.2
	cat "$D/egress"
	grep -Eq '^resolved registry.test 198.51.100.10 443 tcp [0-9]+$' "$D/egress"
	grep -Eq '^refused evil.test 2 [0-9]+$' "$D/egress"
}

@test "malformed frames and queries get no answer; a bad character is REFUSED" {
	run --separate-stderr hostile truncated question-cut pointer-loop huge-counts two-questions \
		label-64 name-256 response ip-fragment bad-char
	echo "$output"
	answers "truncated: silent" \
		"question-cut: silent" \
		"pointer-loop: silent" \
		"huge-counts: silent" \
		"two-questions: silent" \
		"label-64: silent" \
		"name-256: silent" \
		"response: silent" \
		"ip-fragment: silent" \
		"bad-char: REFUSED tc=0"
	alive
}

@test "another MAC, another source or another destination gets no answer (beside a good query)" {
	run --separate-stderr hostile wrong-mac wrong-ip other-destination broadcast-mac q:registry.test
	echo "$output"
	lines_are "wrong-mac: silent" \
		"wrong-ip: silent" \
		"other-destination: silent" \
		"broadcast-mac: silent" \
		"q:registry.test: NOERROR tc=0 A=198.51.100.10/300"
	grep -q 'not this machine to its server' "$D/probe.err"
}

@test "after a flood of 1000 mutated queries it answered only rightly, and still serves" {
	run --separate-stderr hostile flood q:registry.test
	echo "$output" | sort | uniq -c
	while read -r line; do
		case "$line" in
		"flood: silent" | "flood: REFUSED tc=0" | "flood: NOERROR tc=0" | \
		"flood: NOERROR tc=0 A=198.51.100.10/300" | "flood: SERVFAIL tc=0") ;;
		flood:*) echo "wrong answer: $line"; false ;;
		esac
	done <<<"$output"
	[[ "$output" == *"q:registry.test: NOERROR tc=0 A=198.51.100.10/300"* ]]
	run ! grep -Eq '^allow ' <(grep -v -e '198.51.100.10 443 tcp' -e '198.51.100.12 0 any' \
		-e '198.51.100.20 80 tcp' -e '198.51.100.13 0 any' -e '198.51.100.[1-8][0-9] 0 any' "$D/probe.out")
	alive
}
