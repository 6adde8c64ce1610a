#!/usr/bin/env bats
# boot.bats - the boot path end to end: spec -> image -> QEMU microvm ->
# pool-init -> agent -> clean power-off. Real VMs under TCG.

load helpers

setup_file() {
	pool_env
}

setup() {
	pool_env
}

# pool_in_tmux MARK WORDS: pool WORDS (shell words) with this test's state
# in the 150x40 tmux session s=pooltest-PID, then "POOL-MARK-EXIT=status".
pool_in_tmux() {
	s="pooltest-$$"
	tmux new-session -d -s "$s" -x 150 -y 40 \
		"POOL_STATE_DIR='$POOL_STATE_DIR' POOL_CACHE_DIR='$POOL_CACHE_DIR' POOL_ACCEL=tcg '$POOL_BIN' $2; echo POOL-$1-EXIT=\$?; sleep 60"
}

teardown() {
	# A test that failed half-way must not leave a machine running.
	if [ -n "${BG_PID:-}" ] && kill -0 "$BG_PID" 2>/dev/null; then
		kill -TERM "$BG_PID" 2>/dev/null || true
		sleep 2
		kill -KILL "$BG_PID" 2>/dev/null || true
	fi
	tmux kill-session -t "pooltest-$$" 2>/dev/null || true
}

@test "run prints the guest kernel's version" {
	version="$("$POOL_BIN" check "$HELLO" | awk '$1 == "version" {print $2}')"
	[ -n "$version" ]
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- uname -r
	[ "$status" -eq 0 ]
	[ "$output" = "$version" ]
	assert_no_machine_left hello
}

@test "the first boot builds the image, the second does no image work" {
	rm -rf "$POOL_CACHE_DIR"
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"built boot image"* ]]
	image=$(ls "$POOL_CACHE_DIR"/images/*.cpio)
	before=$(stat -c %Y.%i "$image")
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"built boot image"* ]]
	[ "$(ls "$POOL_CACHE_DIR"/images/ | wc -l)" -eq 1 ]
	[ "$(stat -c %Y.%i "$image")" = "$before" ]
}

@test "state on tmpfs, cache on another file system: the machine boots (as on every systemd host)" {
	# /run is tmpfs on a standard host, /var/cache is not: nothing may be
	# copied or linked between the two as if they were one file system.
	# Here the state folder is a tmpfs of its own, in a mount namespace.
	mkdir -p "$BATS_TEST_TMPDIR/run"
	run --separate-stderr unshare -m sh -c '
		mount -t tmpfs -o mode=0755 tmpfs "$1" &&
		[ "$(stat -f -c %T "$1")" = tmpfs ] &&
		POOL_STATE_DIR="$1/pool" "$2" run "$3" -- cat /proc/version' \
		sh "$BATS_TEST_TMPDIR/run" "$POOL_BIN" "$HELLO"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "Linux version "* ]]
}

@test "the guest command's exit status comes back" {
	run "$POOL_BIN" run "$HELLO" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$POOL_BIN" run "$HELLO" -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	run -127 "$POOL_BIN" run "$HELLO" -- no-such-command
	[ "$status" -eq 127 ]
}

@test "stdin is piped through" {
	run --separate-stderr sh -c "echo hi | '$POOL_BIN' run '$HELLO' -- cat"
	[ "$status" -eq 0 ]
	[ "$output" = "hi" ]
	# More than one frame of input, checked in the guest.
	head -c 300000 /dev/urandom > "$BATS_TEST_TMPDIR/in"
	want=$(md5sum < "$BATS_TEST_TMPDIR/in" | cut -d' ' -f1)
	run --separate-stderr sh -c "'$POOL_BIN' run '$HELLO' -- md5sum < '$BATS_TEST_TMPDIR/in'"
	[ "$status" -eq 0 ]
	[ "${output%% *}" = "$want" ]
}

@test "5 MB of stdout arrives intact" {
	run --separate-stderr sh -c "'$POOL_BIN' run '$HELLO' -- sh -c 'head -c 5000000 /dev/urandom > /tmp/x; md5sum /tmp/x >&2; cat /tmp/x' | md5sum"
	[ "$status" -eq 0 ]
	guest_sum=$(printf '%s\n' "$stderr" | awk '/\/tmp\/x/ {print $1}')
	[ -n "$guest_sum" ]
	[ "${output%% *}" = "$guest_sum" ]
}

@test "stdout and stderr stay apart" {
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- sh -c 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ "$output" = "out" ]
	[[ "$stderr" == *err* ]]
}

@test "the console: a root shell at once, shutdown now ends the machine and pool up exits 0" {
	pool_in_tmux UP "up '$HELLO'"
	pane_shows "$s" 60 '#$'
	tmux send-keys -t "$s" 'echo $((6*7))-$(id -u)' Enter
	pane_shows "$s" 20 '^42-0'
	tmux send-keys -t "$s" 'shutdown now' Enter
	pane_shows "$s" 30 'POOL-UP-EXIT='
	tmux capture-pane -p -t "$s" | grep -q 'POOL-UP-EXIT=0'
	assert_no_machine_left hello
}

@test "reboot in the guest brings the machine back" {
	pool_in_tmux UP "up '$HELLO'"
	pane_shows "$s" 60 '#$'
	tmux send-keys -t "$s" 'touch /tmp/before-reboot; reboot' Enter
	pane_shows "$s" 60 'Restarting system'
	wait_for 60 sh -c "tmux capture-pane -p -t '$s' | grep -v '^\$' | tail -1 | grep -q '#\$'"
	# A new boot: the tmpfs root is fresh.
	tmux send-keys -t "$s" 'test -e /tmp/before-reboot && echo STILL-THERE || echo FRESH-BOOT' Enter
	pane_shows "$s" 20 '^FRESH-BOOT'
	tmux send-keys -t "$s" 'poweroff' Enter
	pane_shows "$s" 30 'POOL-UP-EXIT=0'
	assert_no_machine_left hello
}

@test "Ctrl-C stops the machine cleanly" {
	pool_in_tmux RUN "run '$HELLO' -- sh -c 'echo GUEST-RUNNING; sleep 300'"
	pane_shows "$s" 60 '^GUEST-RUNNING'
	tmux send-keys -t "$s" C-c
	pane_shows "$s" 30 'POOL-RUN-EXIT='
	tmux capture-pane -p -t "$s" | grep -q 'POOL-RUN-EXIT=130'
	assert_no_machine_left hello
}

@test "SIGTERM stops the machine cleanly, and no QEMU is left" {
	"$POOL_BIN" run "$HELLO" -- sleep 300 &
	BG_PID=$!
	wait_for 60 test -e "$POOL_STATE_DIR/hello/console.log"
	qemu=""
	wait_for 30 sh -c "[ -n \"\$(awk '\$4 == $BG_PID {print \$1}' /proc/[0-9]*/stat 2>/dev/null)\" ]"
	qemu=$(children_of "$BG_PID")
	[ -n "$qemu" ]
	sleep 3
	kill -TERM "$BG_PID"
	rc=0
	wait "$BG_PID" || rc=$?
	[ "$rc" -eq 143 ]
	for p in $qemu; do ! kill -0 "$p" 2>/dev/null; done
	assert_no_machine_left hello
}

@test "QEMU does not run as root" {
	"$POOL_BIN" run "$HELLO" -- sleep 5 &
	BG_PID=$!
	wait_for 60 sh -c "[ -n \"\$(ls /proc/*/exe -l 2>/dev/null | grep -c qemu-system)\" ]"
	found=0
	for i in $(seq 50); do
		for p in $(children_of "$BG_PID"); do
			if [ "$(readlink /proc/$p/exe)" = "$(command -v qemu-system-x86_64)" ]; then
				uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' /proc/$p/status)
				echo "qemu $p uids: $uid"
				[[ "$uid" != *"0"* ]] || [[ "$uid" =~ [1-9] ]]
				for u in $uid; do [ "$u" -ne 0 ]; done
				found=1
			fi
		done
		[ $found -eq 1 ] && break
		sleep 0.2
	done
	[ $found -eq 1 ]
	wait "$BG_PID"
}

@test "a bad spec exits 2 with its file:line message and leaves nothing behind" {
	bad="$BATS_TEST_TMPDIR/bad.yaml"
	printf 'name: bad\nimage: minimal\nnetwork: none\ncpus: 0\n' > "$bad"
	rm -rf "$POOL_STATE_DIR" "$POOL_CACHE_DIR"
	run --separate-stderr "$POOL_BIN" run "$bad" -- true
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: $bad:4:7: cpus: 0 is too small (1..64)" ]
	[ ! -e "$POOL_STATE_DIR" ] || [ -z "$(ls -A "$POOL_STATE_DIR")" ]
	[ ! -e "$POOL_CACHE_DIR" ] || [ -z "$(ls -A "$POOL_CACHE_DIR")" ]
}

@test "a key whose behaviour has not arrived is refused, not ignored" {
	spec="$BATS_TEST_TMPDIR/m.yaml"
	printf 'name: m\nimage: minimal\nnetwork: none\nephemeral: false\n' > "$spec"
	run --separate-stderr "$POOL_BIN" run "$spec" -- true
	[ "$status" -eq 2 ]
	[[ "$stderr" == "pool: $spec:4:12: ephemeral: "*"not supported yet" ]]
	[ ! -e "$POOL_STATE_DIR/m" ]
}

@test "a second machine of the same name is refused while the first runs" {
	"$POOL_BIN" run "$HELLO" -- sleep 8 &
	BG_PID=$!
	wait_for 60 test -e "$POOL_STATE_DIR/hello/console.log"
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- true
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"machine hello is already running"* ]]
	wait "$BG_PID"
	assert_no_machine_left hello
}

@test "pool run -- CMD | head ends when head does" {
	run --separate-stderr timeout 60 sh -c "'$POOL_BIN' run '$HELLO' -- yes | head -3"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'y\ny\ny')" ]
	assert_no_machine_left hello
}

@test "a command too long for the agent is refused before anything boots" {
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- echo $(seq 1 20000)
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"longer than the agent takes"* ]]
	[ ! -e "$POOL_STATE_DIR/hello" ]
}

@test "a state folder that is a symlink is refused, and its target left alone" {
	victim="$BATS_TEST_TMPDIR/victim"
	mkdir -p "$victim" "$POOL_STATE_DIR"
	echo precious > "$victim/file"
	ln -sfn "$victim" "$POOL_STATE_DIR/hello"
	run --separate-stderr "$POOL_BIN" run "$HELLO" -- true
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"is not a folder (a symlink?)"* ]]
	[ "$(cat "$victim/file")" = precious ]
	rm "$POOL_STATE_DIR/hello"
}

@test "pool check refuses what run refuses" {
	spec="$BATS_TEST_TMPDIR/m.yaml"
	printf 'name: m\nimage: minimal\nnetwork: none\nephemeral: false\n' > "$spec"
	run --separate-stderr "$POOL_BIN" check "$spec"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "pool: $spec:4:12: ephemeral: "*"not supported yet" ]]
	printf 'name: m\nimage: minimal\nnetwork: none\n' > "$spec"
	run --separate-stderr "$POOL_BIN" check "$spec"
	[ "$status" -eq 0 ]
}
