#!/usr/bin/env bats
# egress.bats - allow by name and published ports, with real VMs under TCG.
# Each test builds its own world (helpers.bash: a namespace where pool runs
# and one that plays the internet) with a real dnsmasq in the internet; pool
# reads it as its upstream from a resolv.conf bound over /etc/resolv.conf
# (and /run/systemd/resolve/resolv.conf where that exists) in a mount
# namespace the test makes, never the machine's own files.

load helpers

setup() {
	pool_env
	command -v dnsmasq >/dev/null || skip "needs dnsmasq"
	H="poole-$$-$BATS_TEST_NUMBER"
	I="pooli-$$-$BATS_TEST_NUMBER"
	net_world "$H" "$I"
	ip -n "$I" addr add 198.51.100.3/24 dev wan0
	WWW="$BATS_TEST_TMPDIR/www"
	mkdir -p "$WWW"
	echo "hello from the internet $$" > "$WWW/file"
	PIDS=()
	for a in 198.51.100.2:80 198.51.100.2:8080 198.51.100.3:80; do
		ip netns exec "$I" busybox httpd -f -p "$a" -h "$WWW" &
		PIDS+=($!)
	done
	ip netns exec "$I" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address=198.51.100.2 --pid-file="$BATS_TEST_TMPDIR/dnsmasq.pid" \
		--host-record=www.test,198.51.100.2,300 --host-record=other.test,198.51.100.3,300 \
		--cname=alias.test,www.test --cname=into.test,other.test \
		--host-record=short.test,198.51.100.3,1 --address=/wild.test/198.51.100.3 &
	PIDS+=($!)
	echo "nameserver 198.51.100.2" > "$BATS_TEST_TMPDIR/resolv.conf"
	SPEC="$BATS_TEST_TMPDIR/m.yaml"
}

teardown() {
	in_host "$POOL_BIN" down web >/dev/null 2>&1 || true
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	net_world_del "$H" "$I"
}

# Run in the host namespace with the world's resolver bound over resolv.conf.
in_host() {
	ip netns exec "$H" unshare -m --propagation private sh -c '
		mount --bind "$0" /etc/resolv.conf
		[ ! -e /run/systemd/resolve/resolv.conf ] || mount --bind "$0" /run/systemd/resolve/resolv.conf
		exec "$@"' "$BATS_TEST_TMPDIR/resolv.conf" "$@"
}

spec() {	# spec NAME ADDRESS NETWORK [MORE]
	printf 'name: %s\nimage: minimal\nmemory: 256M\naddress: %s\nnetwork: %s\n%s\n' "$1" "$2" "$3" "${4:-}" > "$SPEC"
}

# What the machine tries, one line each: "WHAT ok" or "WHAT blocked". A
# name is asked twice, as a resolver retries: a loaded host may lose the
# first. Only A is asked: busybox's nslookup sends A and AAAA with one ID
# and takes the first answer with that ID as A's; the supervisor answers an
# allowed name's AAAA (none) at once and its A after the upstream, so that
# would be the empty one.
PROBES='
try() { w=$1; shift; if "$@" >/dev/null 2>&1; then echo "$w ok"; else echo "$w blocked"; fi; }
get() { printf "GET /file HTTP/1.0\r\n\r\n" | nc -w 5 "$1" "$2" | grep -q "hello from the internet"; }
res() { nslookup -type=a "$@" 2>&1 | grep -Eq "^Address: 198[.]51[.]100[.][0-9]+$" || nslookup -type=a "$@" 2>&1 | grep -Eq "^Address: 198[.]51[.]100[.][0-9]+$"; }
try resolve res www.test
try fetch get www.test 80
try other-port get www.test 8080
try other-name res other.test
try other-by-ip get 198.51.100.3 80
try outside-resolver res www.test 198.51.100.2
try alias-into res alias.test
try cname-out res into.test
try wildcard res a.wild.test
'

@test "an allowed name resolves and is fetched; another port, name, its IP and the outside resolver are blocked (a nat machine: all work)" {
	spec ctl 10.0.0.4 nat
	run --separate-stderr in_host timeout 300 "$POOL_BIN" run "$SPEC" -- sh -c "$PROBES"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	for w in resolve fetch other-port other-name other-by-ip outside-resolver alias-into cname-out wildcard; do
		grep -qx "$w ok" <<<"$output"
	done

	spec web 10.0.0.2 '{mode: nat, allow: ["www.test:80", "into.test", "*.wild.test:443"]}'
	run --separate-stderr in_host timeout 300 "$POOL_BIN" run "$SPEC" -- sh -c "$PROBES"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	grep -qx "resolve ok" <<<"$output"
	grep -qx "fetch ok" <<<"$output"
	grep -qx "other-port blocked" <<<"$output"
	grep -qx "other-name blocked" <<<"$output"
	grep -qx "other-by-ip blocked" <<<"$output"
	grep -qx "outside-resolver blocked" <<<"$output"
	# the question's name decides: into an allowed name no, out of one yes
	grep -qx "alias-into blocked" <<<"$output"
	grep -qx "cname-out ok" <<<"$output"
	grep -qx "wildcard ok" <<<"$output"
	# the user is told what to add, once a name
	[[ "$stderr" == *"pool: web: DNS refused: other.test (not in network.allow)"* ]]
	[ "$(grep -c 'DNS refused: other.test' <<<"$stderr")" -eq 1 ]
	run in_host nft list ruleset
	[[ "$output" != *web* ]]
}

@test "pool egress shows names, refusals and drops; a short TTL's element ends; published ports reach the machine from loopback only" {
	spec web 10.0.0.2 '{mode: nat, allow: ["www.test:80", "short.test:80"]}' 'ports: ["8080:80"]'
	run --separate-stderr in_host timeout 300 "$POOL_BIN" up -d "$SPEC"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "web 10.0.0.2 127.0.0.1:8080->80/tcp" ]
	run --separate-stderr in_host "$POOL_BIN" exec web -- sh -c '
		nslookup www.test; nslookup short.test; nslookup evil.test
		printf "x" | nc -w 3 198.51.100.2 8080
		mkdir -p /srv; echo "hello from the machine" > /srv/index.html
		busybox httpd -p 80 -h /srv'
	echo "$output"; echo "$stderr"
	run in_host "$POOL_BIN" egress web
	echo "$output"
	[[ "$output" == *"www.test"*"198.51.100.2"*"80/tcp"* ]]
	[[ "$output" == *"evil.test"* ]]
	[[ "$output" =~ DROPPED\ [1-9][0-9]*\ connection ]]
	[[ "$output" == *"198.51.100.2:8080/tcp"* ]]
	run in_host "$POOL_BIN" egress web --json
	echo "$output"
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(r["name"]=="www.test" for r in d["resolved"]); assert d["dropped"]["total"]>0' <<<"$output"
	run in_host "$POOL_BIN" ls --json
	[[ "$output" == *'"host_port": 8080, "guest_port": 80, "proto": "tcp"'* ]]

	# the published port: from the host's loopback, not from its other address
	wait_for 30 sh -c "ip netns exec '$H' curl -s --max-time 3 http://127.0.0.1:8080/ | grep -q 'hello from the machine'"
	run ip netns exec "$H" curl -s --max-time 3 http://192.0.2.2:8080/	# the host's uplink address
	[ "$status" -ne 0 ]

	# short.test: TTL 1, its element lives the floor (30 s) plus 2 s
	ip netns exec "$H" nft list set inet pool pool0_e_web | grep -q '198.51.100.3 . tcp . 80'
	sleep 34
	run ! sh -c "ip netns exec '$H' nft list set inet pool pool0_e_web | grep -q '198.51.100.3 . tcp . 80'"
	ip netns exec "$H" nft list set inet pool pool0_e_web | grep -q '198.51.100.2 . tcp . 80'

	# kill -9 of the supervisor: the port is free at once; pool down reclaims the rest
	kill -9 "$(in_host "$POOL_BIN" ls --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pid"])')"
	sleep 1
	run ip netns exec "$H" curl -s --max-time 3 http://127.0.0.1:8080/
	[ "$status" -ne 0 ]
	in_host "$POOL_BIN" down web || true
	run ip netns exec "$H" nft list ruleset
	[[ "$output" != *web* ]]
	assert_no_machine_left web
}

@test "a published port already taken on the host is refused before the machine boots" {
	ip netns exec "$H" busybox nc -l -p 8081 &
	PIDS+=($!)
	sleep 0.5
	spec web 10.0.0.2 nat
	SECONDS=0
	run --separate-stderr in_host timeout 300 "$POOL_BIN" run -p 8081:80 "$SPEC" -- true
	echo "$output"; echo "$stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"127.0.0.1:8081/tcp is already taken on this host"* ]]
	[ "$SECONDS" -lt 10 ]
	assert_no_machine_left web
	# positive control: a free port boots
	run --separate-stderr in_host timeout 300 "$POOL_BIN" run -p 8082:80 "$SPEC" -- true
	echo "$stderr"
	[ "$status" -eq 0 ]
}
