#!/usr/bin/env bats
# everyday.bats - the small things of a day's work: pool ls as a user, a
# second run of a running machine, default names per folder, the default
# spec without an uplink, a pool.yaml above the current folder, where the
# console starts, a quiet boot, boot times for up -d. Real VMs under TCG;
# machines with a network only in a namespace the test makes.

load helpers

setup() {
	pool_env
	D=$(mktemp -d /tmp/pool-everyday.XXXXXX)
	chmod 755 "$D"
	H="poole-$$-$BATS_TEST_NUMBER"
}

teardown() {
	kill_supervisors
	sleep 0.2
	rm -rf "$POOL_STATE_DIR" "$D"
	ip netns del "$H" 2>/dev/null || true
}

spec() {	# spec NAME [EXTRA YAML]: a small machine without a network
	printf 'name: %s\nimage: minimal\nmemory: 160M\nnetwork: none\n' "$1" > "$D/$1.yaml"
	[ -z "${2:-}" ] || printf '%s\n' "$2" >> "$D/$1.yaml"
	echo "$D/$1.yaml"
}

@test "pool ls as a user says it needs root (status 1) while a machine runs; root sees the machine" {
	"$POOL_BIN" up -d "$(spec lsm)"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups "$POOL_BIN" ls
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"pool ls needs root"*"try sudo"* ]]
	[ -z "$output" ]
	run --separate-stderr "$POOL_BIN" ls
	[ "$status" -eq 0 ]
	[[ "$output" == *lsm* ]]
	"$POOL_BIN" down lsm
}

@test "pool run of a running machine's spec says to use pool exec NAME" {
	f=$(spec twice)
	"$POOL_BIN" up -d "$f"
	run --separate-stderr "$POOL_BIN" run "$f" -- true
	echo "$output $stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"machine twice is already running: pool exec twice -- CMD runs a command on it"* ]]
	run "$POOL_BIN" exec twice -- echo here	# what it points at works
	[ "$output" = here ]
	"$POOL_BIN" down twice
}

@test "default machine names: one per folder, the same each time (a hash of the path)" {
	mkdir -p "$D/a/web" "$D/b/web"
	name_in() { (cd "$1" && "$POOL_BIN" check --network none 2>/dev/null | sed -n 's/^machine *//p'); }
	a=$(name_in "$D/a/web")
	b=$(name_in "$D/b/web")
	echo "$a $b"
	[[ "$a" == web-?????? ]]
	[[ "$b" == web-?????? ]]
	[ "$a" != "$b" ]
	[ "$a" = "$(name_in "$D/a/web")" ]
	[ "$a" = "web-$(printf %s "$D/a/web" | sha256sum | cut -c1-6)" ]
}

@test "the default spec without an uplink says how to do without one; --network none boots" {
	ip netns add "$H"
	ip -n "$H" link set lo up	# no default route here
	mkdir -p "$D/proj"
	cd "$D/proj"
	run --separate-stderr ip netns exec "$H" "$POOL_BIN" run -- true
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"no IPv4 default route"* ]]
	[[ "$stderr" == *"--network none boots the machine without a network"* ]]
	run --separate-stderr ip netns exec "$H" "$POOL_BIN" run --network none -- pwd
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$D/proj" ]
}

@test "a pool.yaml in a parent folder: the command runs in the matching subfolder of its share" {
	mkdir -p "$D/proj/src/lib" "$D/proj/.git"
	printf 'name: upper\nimage: minimal\nmemory: 160M\nnetwork: none\nshares:\n  - {source: ., target: /code}\nworkdir: /code\n' > "$D/proj/pool.yaml"
	cd "$D/proj/src/lib"
	run --separate-stderr "$POOL_BIN" run -- pwd
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = /code/src/lib ]
	cd "$D/proj"
	run --separate-stderr "$POOL_BIN" run -- pwd
	[ "$output" = /code ]	# the control: from the spec's own folder, its workdir
	cd "$D/proj/src/lib"
	run --separate-stderr "$POOL_BIN" run -w /tmp -- pwd
	[ "$output" = /tmp ]	# -w still wins
}

@test "the console starts in the working folder; the boot prints no PCI line, no nu banner, no Config file created" {
	f=$(spec quiet 'workdir: /tmp')
	sed -i 's/image: minimal/image: host/; s/memory: 160M/memory: 512M/' "$f"
	run --separate-stderr env POOL_BOOT_TIMES=1 "$POOL_BIN" up -d "$f"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"pool: boot times: init "*" s (guest), "*" s (host)"* ]]	# up -d shows them too
	console_cwd() {
		"$POOL_BIN" exec quiet -- sh -c 'for p in /proc/[0-9]*; do [ "$(readlink $p/fd/0)" = /dev/ttyS0 ] && readlink $p/cwd && exit 0; done; exit 1'
	}
	wait_for 60 console_cwd
	[ "$(console_cwd)" = /tmp ]
	"$POOL_BIN" exec quiet -- sh -c 'echo marker-$((6*7)) > /dev/console'
	wait_for 20 grep -q marker-42 "$POOL_STATE_DIR/quiet/console.log"
	log=$(cat "$POOL_STATE_DIR/quiet/console.log")
	[[ "$log" != *"PCI: Fatal"* ]]
	[[ "$log" != *"Welcome to"* ]]
	[[ "$log" != *"Config file created"* ]]
	# The control: the kernel did say it; only the console is spared.
	run "$POOL_BIN" exec quiet -- sh -c 'dmesg | grep -c "PCI: Fatal: No config space"'
	[ "$output" = 1 ]
	run "$POOL_BIN" exec quiet -- cat /root/.config/nushell/config.nu
	[[ "$output" == *"show_banner = false"* ]]
	"$POOL_BIN" down quiet
}
