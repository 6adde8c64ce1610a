#!/usr/bin/env bats
# reboot.bats - what ends a machine with shares and volumes, and what does
# not: a reboot in the guest brings an image host machine back with its
# shares served (pool up -d and pool up), a clean power-off says nothing
# of virtiofsd, and Ctrl-C at pool run powers the machine off cleanly (the
# volume needs no journal recovery at the next boot). Real VMs under TCG.

load helpers

setup() {
	pool_env
	user_dir reboot proj
	echo "shared-$RANDOM$RANDOM" > "$D/proj/token"
	chown 4242:4242 "$D/proj/token"
	s="pooltest-reboot-$$"
}

teardown() {
	"$POOL_BIN" down rb 2>/dev/null || true
	"$POOL_BIN" down rbmin 2>/dev/null || true
	tmux kill-session -t "$s" 2>/dev/null || true
	kill_supervisors
	rm -rf "$D"
}

spec() {	# spec NAME IMAGE [EXTRA YAML LINES]: no network, the project shared at /proj
	printf 'name: %s\nimage: %s\nmemory: 512M\nnetwork: none\nshares:\n  - {source: proj, target: /proj}\n%s' \
		"$1" "$2" "${3:-}" > "$D/$1.yaml"
}

# in_tmux WORDS: pool WORDS (shell words) in the tmux session $s, stderr to
# $D/err, then "POOL-EXIT=status".
in_tmux() {
	tmux new-session -d -s "$s" -x 150 -y 40 \
		"POOL_STATE_DIR='$POOL_STATE_DIR' POOL_CACHE_DIR='$POOL_CACHE_DIR' POOL_ACCEL=tcg SUDO_UID=4242 SUDO_GID=4242 '$POOL_BIN' $1 2>'$D/err'; echo POOL-EXIT=\$?; sleep 120"
}

# reboot_detached NAME [host]: the machine (up -d) reboots from inside and
# is back: pool exec reads and writes the share (and, for image host,
# reads the host's /usr) after it, and its supervisor said nothing of
# virtiofsd.
reboot_detached() {
	run --separate-stderr "$POOL_BIN" up -d "$D/$1.yaml"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	boot_before=$("$POOL_BIN" exec "$1" -- cat /proc/sys/kernel/random/boot_id)
	[ -n "$boot_before" ]
	run --separate-stderr "$POOL_BIN" exec "$1" -- reboot
	# Back within a minute: the same machine, a new boot.
	wait_for 90 sh -c '"$1" exec "$2" -- cat /proc/sys/kernel/random/boot_id > "$3" 2>/dev/null' \
		sh "$POOL_BIN" "$1" "$D/boot_id" || {
		cat "$POOL_STATE_DIR/$1/supervisor.log" 2>/dev/null; "$POOL_BIN" ls; false; }
	[ "$(cat "$D/boot_id")" != "$boot_before" ]
	run --separate-stderr "$POOL_BIN" exec "$1" -- cat /proj/token
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$D/proj/token")" ]
	# Written after the reboot, seen on the host.
	run --separate-stderr "$POOL_BIN" exec "$1" -- sh -c 'echo after > /proj/after'
	[ "$status" -eq 0 ]
	[ "$(cat "$D/proj/after")" = after ]
	if [ "${2:-}" = host ]; then
		run --separate-stderr "$POOL_BIN" exec "$1" -- md5sum /usr/bin/env
		[ "$status" -eq 0 ]
		[ "${output%% *}" = "$(md5sum < /usr/bin/env | cut -d' ' -f1)" ]
	fi
	run "$POOL_BIN" ls
	[[ "$output" == *"$1 "*running* ]]
	run -1 grep -i virtiofsd "$POOL_STATE_DIR/$1/supervisor.log"
	run --separate-stderr "$POOL_BIN" down "$1"
	[ "$status" -eq 0 ]
	assert_no_machine_left "$1"
}

@test "reboot brings an image host machine back (up -d): pool exec works after it and reads its share" {
	spec rb host
	reboot_detached rb host
}

@test "reboot brings an image minimal machine with a share back (up -d)" {
	spec rbmin minimal
	reboot_detached rbmin
}

@test "reboot at the console of an image host machine (pool up): back with its share; shutdown now says nothing of virtiofsd" {
	spec rb host
	in_tmux "up '$D/rb.yaml'"
	pane_shows "$s" 90 '^[~/][^ ]*> ' || { tmux capture-pane -p -t "$s"; cat "$D/err"; false; }
	tmux send-keys -t "$s" 'reboot' Enter
	pane_shows "$s" 60 'Restarting system'
	# The console comes back: a new prompt after the restart line.
	wait_for 90 sh -c "tmux capture-pane -p -t '$s' | sed -n '/Restarting system/,\$p' | grep -q '^[~/][^ ]*> '" || {
		tmux capture-pane -p -t "$s"; cat "$D/err"; false; }
	tmux send-keys -t "$s" 'cat /proj/token' Enter
	pane_shows "$s" 30 "^$(cat "$D/proj/token")" || { tmux capture-pane -p -t "$s"; cat "$D/err"; false; }
	tmux send-keys -t "$s" 'shutdown now' Enter
	pane_shows "$s" 60 'POOL-EXIT='
	tmux capture-pane -p -t "$s" | grep -q 'POOL-EXIT=0'
	cat "$D/err"
	run -1 grep -iE 'virtiofsd|ended abnormally' "$D/err"
	assert_no_machine_left rb
}

# needs_recovery IMG: the volume's journal is in use (mounted, or left so).
needs_recovery() {
	dumpe2fs -h "$1" 2>/dev/null | grep -q '^Filesystem features:.*needs_recovery'
}

@test "Ctrl-C at pool run of an image host machine with a volume: it powers off cleanly, no journal recovery at the next boot" {
	spec rb host $'volumes:\n  - {path: data.img, size: 256M, target: /data}\n'
	in_tmux "run '$D/rb.yaml' -- sh -c 'echo kept > /data/kept; sync; echo GUEST-RUNNING; sleep 300' </dev/null"
	pane_shows "$s" 120 '^GUEST-RUNNING' || { tmux capture-pane -p -t "$s"; cat "$D/err"; false; }
	# The check can fail: while mounted the journal is in use.
	needs_recovery "$D/data.img"
	# The terminal's SIGINT goes to its foreground process group: of pool's
	# processes, pool alone is in it (beside the pane's own shell).
	pane_pid=$(tmux display -p -t "$s" '#{pane_pid}')
	pgid=$(ps -o tpgid= -p "$pane_pid" | tr -d ' ')
	members=$(ps -eo pid=,pgid=,comm= | awk -v g="$pgid" -v sh="$pane_pid" '$2 == g && $1 != sh { print $3 }' | tr '\n' ' ')
	echo "foreground group: $members"
	[ "$members" = "pool " ]
	t0=$(date +%s%N)
	tmux send-keys -t "$s" C-c
	pane_shows "$s" 30 'POOL-EXIT='
	t1=$(date +%s%N)
	echo "# Ctrl-C to pool's exit: $(( (t1 - t0) / 1000000 )) ms" >&3
	tmux capture-pane -p -t "$s" | grep -q 'POOL-EXIT=130'
	cat "$D/err"
	run -1 grep -iE 'virtiofsd|did not power off|stopping it' "$D/err"
	assert_no_machine_left rb
	dumpe2fs -h "$D/data.img" 2>/dev/null | grep -q 'Filesystem state: *clean'
	run -1 needs_recovery "$D/data.img"

	# The next boot: no journal replayed, no orphans, the file there.
	run --separate-stderr "$POOL_BIN" run "$D/rb.yaml" -- sh -c 'cat /data/kept; dmesg | grep -iE "EXT4-fs.*(recover|orphan)" || true'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = kept ]
	run -1 grep -iE 'recovery complete|orphan' "$POOL_STATE_DIR/.last/rb/console.log"
}

@test "control: a machine killed with its volume mounted needs journal recovery, and the next boot says so" {
	spec rb host $'volumes:\n  - {path: data.img, size: 256M, target: /data}\n'
	"$POOL_BIN" run "$D/rb.yaml" -- sh -c 'echo kept > /data/kept; sync; echo GUEST-RUNNING; sleep 300' \
		> "$D/out" 2> "$D/err" < /dev/null &
	pid=$!
	wait_for 120 grep -q GUEST-RUNNING "$D/out" || { cat "$D/out" "$D/err"; false; }
	for c in $(children_of "$pid"); do
		[ "$(cat "/proc/$c/comm")" = qemu-system-x86 ] && kill -9 "$c"
	done
	wait "$pid" || true
	needs_recovery "$D/data.img"
	run --separate-stderr "$POOL_BIN" run "$D/rb.yaml" -- sh -c 'cat /data/kept; dmesg | grep -iE "EXT4-fs.*recover"'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == kept*"recovery complete"* ]]
}
