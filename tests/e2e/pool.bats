#!/usr/bin/env bats
# pool.bats - a pool of machines: up -d, ls, exec, console, logs, down,
# many at once, crashes of each piece. Real VMs under TCG; machines with a
# network live in a namespace the test makes (the "host"), never on this
# machine's own interfaces.

load helpers

setup() {
	pool_env
	H="poolp-$$-$BATS_TEST_NUMBER"
	host_ns "$H"
	D=$(mktemp -d /tmp/pool-pool.XXXXXX)
	chmod 755 "$D"
}

# Every supervisor this test started (their pids are in the status files
# of this test's own state folder) is ended by pid; then the namespace.
teardown() {
	[ -z "${FEEDER:-}" ] || kill "$FEEDER" 2>/dev/null || true
	kill_supervisors
	[ -z "${TMUX_S:-}" ] || tmux kill-session -t "$TMUX_S" 2>/dev/null || true
	sleep 0.2
	rm -rf "$POOL_STATE_DIR" "$D"
	ip netns del "$H" 2>/dev/null || true
}

in_host() { ip netns exec "$H" "$@"; }

spec() {	# spec NAME ADDRESS|- [EXTRA YAML]
	local f="$D/$1.yaml"
	if [ "$2" = - ]; then
		printf 'name: %s\nimage: minimal\nmemory: 160M\nnetwork: none\n' "$1" > "$f"
	else
		printf 'name: %s\nimage: minimal\nmemory: 160M\naddress: %s\nnetwork: nat\n' "$1" "$2" > "$f"
	fi
	[ -z "${3:-}" ] || printf '%s\n' "$3" >> "$f"
	echo "$f"
}

json_field() {	# json_field NAME FIELD < ls --json
	python3 -c 'import json,sys; d={m["name"]: m for m in json.load(sys.stdin)}; v=d.get(sys.argv[1], {}).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

sup_pid() { sed -n 's/^pid=//p' "$POOL_STATE_DIR/$1/status"; }

# kill_supervisor NAME: kill -9 machine NAME's supervisor (pid), as a crash would.
kill_supervisor() {
	pid=$(sup_pid "$1")
	kill -9 "$pid"
	wait_for 20 bash -c "! kill -0 $pid 2>/dev/null"
}

# Nothing of machine $1 is left: folder, processes, TAP, nft elements.
assert_gone() {
	[ ! -e "$POOL_STATE_DIR/$1" ] || { echo "state folder of $1 left"; ls -la "$POOL_STATE_DIR/$1"; return 1; }
	run in_host ip -o link show
	[[ "$output" != *"pool-$1"* ]] || { echo "TAP of $1 left: $output"; return 1; }
	run in_host nft list ruleset
	[[ "$output" != *"_m_$1"* && "$output" != *"pool-$1"* ]] || { echo "nft of $1 left: $output"; return 1; }
}

@test "up -d returns once the machine is ready, with its name and address; exec, ls and down" {
	f=$(spec web 10.0.0.2)
	run --separate-stderr in_host "$POOL_BIN" up -d "$f"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "web 10.0.0.2" ]
	# The control socket is root's alone.
	[ "$(stat -c %a "$POOL_STATE_DIR/web")" = 700 ]
	[ "$(stat -c %a "$POOL_STATE_DIR/web/ctl.sock")" = 600 ]
	run --separate-stderr "$POOL_BIN" ls --json
	echo "$output"
	[ "$(echo "$output" | json_field web state)" = running ]
	[ "$(echo "$output" | json_field web address)" = 10.0.0.2 ]
	[ "$(echo "$output" | json_field web pid)" = "$(sup_pid web)" ]
	[ "$(echo "$output" | json_field web memory_kib)" -gt 1000 ]
	run --separate-stderr "$POOL_BIN" exec web -- sh -c 'hostname; ip -o -4 addr show dev eth0; exit 3'
	echo "$output $stderr"
	[ "$status" -eq 3 ]
	[[ "${lines[0]}" == web ]]
	[[ "$output" == *"10.0.0.2/24"* ]]
	"$POOL_BIN" exec web -- sh -c 'echo log-$((6*7)) > /dev/console'
	run --separate-stderr "$POOL_BIN" logs web
	[[ "$output" == *"log-42"* ]]
	pid=$(sup_pid web)
	run --separate-stderr "$POOL_BIN" down web
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	# (the supervisor ends right after it lets go of its lock)
	wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
	assert_gone web
	run --separate-stderr "$POOL_BIN" ls --json
	[ "$(echo "$output" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" -eq 0 ]
	run --separate-stderr "$POOL_BIN" down web
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no machine named web"* ]]
}

@test "8 machines up at once: ls lists 8, exec works on each, down of each leaves nothing" {
	local pids=() i
	for i in 1 2 3 4 5 6 7 8; do
		f=$(spec "m$i" "10.0.0.$((10 + i))")
		in_host "$POOL_BIN" up -d "$f" > "$D/up$i.out" 2> "$D/up$i.err" &
		pids+=($!)
	done
	for i in 1 2 3 4 5 6 7 8; do
		wait "${pids[$((i - 1))]}" || { cat "$D/up$i.out" "$D/up$i.err"; false; }
		[ "$(cat "$D/up$i.out")" = "m$i 10.0.0.$((10 + i))" ]
	done
	run --separate-stderr "$POOL_BIN" ls --json
	echo "$output"
	[ "$(echo "$output" | python3 -c 'import json,sys; print(sum(1 for m in json.load(sys.stdin) if m["state"] == "running"))')" -eq 8 ]
	# (bats' run sets a variable i of its own: these loops use m)
	for m in 1 2 3 4 5 6 7 8; do
		run --separate-stderr "$POOL_BIN" exec "m$m" -- hostname
		echo "m$m: $status [$output] [$stderr]"
		[ "$status" -eq 0 ]
		[ "$output" = "m$m" ]
	done
	for m in 1 2 3 4 5 6 7 8; do
		run --separate-stderr "$POOL_BIN" down "m$m"
		[ "$status" -eq 0 ]
		assert_gone "m$m"
	done
	run in_host nft list ruleset
	[[ "$output" != *10.0.0.1[1-8]* ]]
}

@test "4 concurrent execs on one machine: each output intact, each status its own" {
	f=$(spec cc -)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	local pids=() i
	for i in 1 2 3 4; do
		"$POOL_BIN" exec cc -- sh -c "seq 1 20000 | sed s/^/$i-/; exit $((10 + i))" > "$D/x$i.out" 2> "$D/x$i.err" &
		pids+=($!)
	done
	for i in 1 2 3 4; do
		st=0
		wait "${pids[$((i - 1))]}" || st=$?
		[ "$st" -eq $((10 + i)) ]
		seq 1 20000 | sed "s/^/$i-/" | cmp - "$D/x$i.out"
	done
	# stdin reaches its own command, and only that one.
	run bash -c "echo 'to one' | '$POOL_BIN' exec cc -- cat"
	[ "$output" = "to one" ]
	# Much output before the command reads its much input: neither side
	# waits on the other.
	run bash -c "head -c 20000000 /dev/zero | timeout -k 10 120 '$POOL_BIN' exec cc -- sh -c 'seq 1 1000000; cat | wc -c' | tail -2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1000000
20000000" ]
	# Ctrl-C at pool exec reaches the command (130 back, nothing left
	# running); a client that dies hangs its command up.
	"$POOL_BIN" exec cc -- sleep 300 3>&- &
	xp=$!
	wait_for 30 bash -c "'$POOL_BIN' exec cc -- sh -c 'ps | grep -q \"[s]leep 300\"'"
	kill -INT "$xp"
	st=0
	wait "$xp" || st=$?
	[ "$st" -eq 130 ]
	run "$POOL_BIN" exec cc -- sh -c 'ps | grep -c "[s]leep 300"'
	[ "$output" = 0 ]
	"$POOL_BIN" exec cc -- sleep 301 3>&- &
	xp=$!
	wait_for 30 bash -c "'$POOL_BIN' exec cc -- sh -c 'ps | grep -q \"[s]leep 301\"'"
	kill -9 "$xp"
	wait "$xp" 2>/dev/null || true
	wait_for 10 bash -c "[ \"\$('$POOL_BIN' exec cc -- sh -c 'ps | grep -c \"[s]leep 301\"')\" = 0 ]"
	# A reader slower than the guest loses nothing (the guest waits).
	run bash -c "timeout -k 10 120 '$POOL_BIN' exec cc -- head -c 12000000 /dev/zero | (sleep 3; wc -c)"
	[ "$output" = 12000000 ]
}

@test "console: attach under tmux, type a command, detach with Ctrl-]; the machine keeps running; a second console is refused" {
	f=$(spec con -)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	TMUX_S="poolcon-$$"
	tmux new-session -d -s "$TMUX_S" -x 120 -y 30 "env POOL_STATE_DIR=$POOL_STATE_DIR $POOL_BIN console con; echo console-ended-\$?; sleep 30"
	wait_for 30 bash -c "tmux capture-pane -p -t $TMUX_S | grep -q 'console attached'"
	run --separate-stderr "$POOL_BIN" console con < /dev/null
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"already attached"* ]]
	tmux send-keys -t "$TMUX_S" 'echo typed-$((6*7))' Enter
	wait_for 30 bash -c "tmux capture-pane -p -t $TMUX_S | grep -q typed-42"
	tmux send-keys -t "$TMUX_S" C-]
	wait_for 30 bash -c "tmux capture-pane -p -t $TMUX_S | grep -q console-ended-0"
	run --separate-stderr "$POOL_BIN" ls --json
	[ "$(echo "$output" | json_field con state)" = running ]
	run --separate-stderr "$POOL_BIN" exec con -- echo still-up
	[ "$output" = still-up ]
	# The console is free again.
	run bash -c "printf '\\035' | '$POOL_BIN' console con"
	[ "$status" -eq 0 ]
}

@test "kill -9 of a supervisor: ls says dead; up of the same name reclaims and works; nothing leaks" {
	f=$(spec crash 10.0.0.5)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	pid=$(sup_pid crash)
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	[ -n "$kids" ]
	kill_supervisor crash
	run --separate-stderr "$POOL_BIN" ls --json
	echo "$output"
	[ "$(echo "$output" | json_field crash state)" = dead ]
	# Its hypervisor went with it (parent-death signal).
	wait_for 20 bash -c "for k in $kids; do ! kill -0 \$k 2>/dev/null || exit 1; done"
	run in_host "$POOL_BIN" up -d "$f"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sup_pid crash)" != "$pid" ]
	run --separate-stderr "$POOL_BIN" exec crash -- echo again
	[ "$output" = again ]
	run "$POOL_BIN" down crash
	[ "$status" -eq 0 ]
	assert_gone crash
}

@test "kill -9 of a supervisor, then pool down reclaims what it left" {
	f=$(spec orphan 10.0.0.6)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	kill_supervisor orphan
	run in_host nft list ruleset
	[[ "$output" == *orphan* ]]	# the rules a dead supervisor could not remove
	run --separate-stderr in_host "$POOL_BIN" down orphan
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *reclaimed* ]]
	assert_gone orphan
}

@test "kill -9 of the hypervisor: the machine is gone from ls and leaves nothing" {
	f=$(spec hv 10.0.0.7)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	pid=$(sup_pid hv)
	qemu=$(pgrep -P "$pid" -f qemu-system | head -1)
	[ -n "$qemu" ]
	kill -9 "$qemu"
	wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
	assert_gone hv
	run --separate-stderr "$POOL_BIN" ls --json
	[[ "$output" != *'"hv"'* ]]
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	run "$POOL_BIN" down hv
	[ "$status" -eq 0 ]
	assert_gone hv
}

@test "kill -9 of a virtiofsd: the machine stops instead of hanging, and leaves nothing" {
	export SUDO_UID=4242 SUDO_GID=4242
	mkdir -p "$D/code"
	chown 4242:4242 "$D/code"
	f=$(spec fs - "shares:
  - {source: code, target: /code}")
	run in_host "$POOL_BIN" up -d "$f"
	echo "$output"
	[ "$status" -eq 0 ]
	pid=$(sup_pid fs)
	vfs=$(pgrep -P "$pid" -f virtiofsd | head -1)
	qemu=$(pgrep -P "$pid" -f qemu-system | head -1)
	[ -n "$vfs" ] && [ -n "$qemu" ]
	kill -9 "$vfs"
	wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
	assert_gone fs
	run kill -0 "$qemu"
	[ "$status" -ne 0 ]
}

@test "names are unique per host and addresses per channel: a clash is refused before anything is made" {
	f=$(spec one 10.0.0.8)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	run --separate-stderr in_host "$POOL_BIN" up -d "$f"
	echo "$stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"already running"* ]]
	g=$(spec two 10.0.0.8)
	run --separate-stderr in_host "$POOL_BIN" up -d "$g"
	echo "$stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"10.0.0.8"*"taken by machine one"* ]]
	assert_gone two
	run --separate-stderr "$POOL_BIN" exec one -- echo fine
	[ "$output" = fine ]
}

@test "SIGTERM to a supervisor powers its machine off cleanly" {
	f=$(spec term 10.0.0.9)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	pid=$(sup_pid term)
	kill -TERM "$pid"
	wait_for 30 bash -c "! kill -0 $pid 2>/dev/null"
	assert_gone term
}

@test "a machine that does not boot in time: up -d fails with the last console lines and leaves nothing" {
	f=$(spec slow 10.0.0.10)
	POOL_BOOT_TIMEOUT=1 run --separate-stderr in_host "$POOL_BIN" up -d "$f"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"did not become ready within 1 s"* ]]
	assert_gone slow
}

@test "50 up -d / down cycles: processes, links and open fds on the host side end as they began" {
	f=$(spec cyc 10.0.0.12)
	# Everything pool starts for a machine lives in the namespace: count
	# its processes and their open fds, its links and its nft rules.
	count() {
		local pids fds=0 p
		pids=$(ip netns pids "$H")
		for p in $pids; do fds=$((fds + $(ls /proc/$p/fd 2>/dev/null | wc -l))); done
		echo "procs=$(echo $pids | wc -w) fds=$fds links=$(in_host ip -o link show | wc -l) rules=$(in_host nft list ruleset | wc -l) folders=$(ls "$POOL_STATE_DIR" | wc -l)"
	}
	# A machine that stays up the whole time, driven every cycle: its
	# supervisor's open fds must not grow.
	a=$(spec anchor -)
	run in_host "$POOL_BIN" up -d "$a"
	[ "$status" -eq 0 ]
	anchor=$(sup_pid anchor)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	run "$POOL_BIN" down cyc
	before="$(count) anchor-fds=$(ls /proc/$anchor/fd | wc -l)"
	for c in $(seq 1 50); do
		run in_host "$POOL_BIN" up -d "$f"
		[ "$status" -eq 0 ] || { echo "cycle $c: $output"; false; }
		run "$POOL_BIN" ls --json
		[ "$status" -eq 0 ]
		run "$POOL_BIN" exec anchor -- true
		[ "$status" -eq 0 ]
		run bash -c "printf '\\035' | '$POOL_BIN' console anchor"
		[ "$status" -eq 0 ]
		run "$POOL_BIN" down cyc
		[ "$status" -eq 0 ] || { echo "cycle $c down: $output"; false; }
	done
	after="$(count) anchor-fds=$(ls /proc/$anchor/fd | wc -l)"
	echo "before: $before"
	echo "after:  $after"
	[ "$before" = "$after" ]
	assert_gone cyc
	run "$POOL_BIN" down anchor
	[ "$status" -eq 0 ]
}

@test "pool down of a machine that pool run is using: run ends with one clear line, nothing left" {
	f=$(spec rr -)
	"$POOL_BIN" run "$f" -- sleep 300 > "$D/rr.out" 2> "$D/rr.err" 3>&- &
	rp=$!
	wait_for 120 "$POOL_BIN" exec rr -- true
	run --separate-stderr "$POOL_BIN" down rr
	[ "$status" -eq 0 ]
	st=0
	wait "$rp" || st=$?
	cat "$D/rr.err"
	[ "$st" -eq 1 ]
	grep -q "machine rr was powered off by pool down before the command finished" "$D/rr.err"
	assert_gone rr
}

@test "a dead machine's name taken again with another address: the old address's rules go" {
	f=$(spec moved 10.0.0.20)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	kill_supervisor moved
	run in_host nft list ruleset
	[[ "$output" == *10.0.0.20* ]]
	f=$(spec moved 10.0.0.21)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	run in_host nft list ruleset
	[[ "$output" != *10.0.0.20* ]]
	[[ "$output" == *10.0.0.21* ]]
	run "$POOL_BIN" down moved
	[ "$status" -eq 0 ]
	assert_gone moved
}

@test "a hostile local client (idle connections, garbage) cannot keep pool down from working" {
	f=$(spec hostile -)
	run in_host "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	pid=$(sup_pid hostile)
	/usr/bin/python3 - "$POOL_STATE_DIR/hostile/ctl.sock" > "$D/hostile.out" 2>&1 3>&- <<'PY' &
import socket, sys, time
path = sys.argv[1]
held = []
for i in range(40):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:
        continue
    if i % 4 == 0:
        s.send(b"\xff" * 12)          # a header no one sends
    held.append(s)
print("held", len(held), flush=True)
time.sleep(120)
PY
	hp=$!
	wait_for 20 grep -q held "$D/hostile.out"
	run --separate-stderr "$POOL_BIN" down hostile --timeout 10
	echo "$output $stderr"
	kill "$hp" 2>/dev/null || true
	wait "$hp" 2>/dev/null || true
	[ "$status" -eq 0 ]
	# (the supervisor ends right after it lets go of its lock)
	wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
	assert_gone hostile
}

@test "Ctrl-C while up -d waits: the machine is powered off and nothing is left" {
	f=$(spec intr -)
	"$POOL_BIN" up -d "$f" > "$D/intr.out" 2> "$D/intr.err" 3>&- &
	up=$!
	wait_for 30 test -e "$POOL_STATE_DIR/intr/status"
	kill -INT "$up"
	st=0
	wait "$up" || st=$?
	cat "$D/intr.err"
	[ "$st" -eq 1 ]
	grep -q "powered off before it was ready" "$D/intr.err"
	wait_for 10 bash -c "[ ! -e '$POOL_STATE_DIR/intr' ]"
	assert_gone intr
}

@test "a console fed much input while the machine prints much is not dropped: input goes out without blocking" {
	f=$(spec con -)
	run "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	# The guest prints 6 MB while 0.5 MB more input waits behind it. A
	# client that blocks writing its input reads nothing meanwhile, its
	# queue passes 4 MiB and the supervisor lets it go.
	{
		echo 'yes 0123456789abcdef | head -c 6000000; echo CONSOLE-DONE-$((6*7))'
		for i in $(seq 1 8000); do echo "# filler line $i of input that waits behind the output ........"; done
		echo 'echo INPUT-ALL-IN-$((5*5))'
	} > "$D/in"
	# The input stays open (the end of input detaches the console): fed
	# through a fifo by a writer that sleeps once it has written it all.
	mkfifo "$D/fifo"
	(cat "$D/in"; exec sleep 600) > "$D/fifo" &
	FEEDER=$!
	timeout 600 "$POOL_BIN" console con < "$D/fifo" > "$D/out" 2> "$D/err" &
	cpid=$!
	wait_for 500 grep -q "INPUT-ALL-IN-25" "$D/out" || { tail -c 300 "$D/out"; cat "$D/err"; cat "$POOL_STATE_DIR/con/supervisor.log"; false; }
	grep -q "CONSOLE-DONE-42" "$D/out"
	! grep -q "reads nothing" "$POOL_STATE_DIR/con/supervisor.log" || false
	kill "$cpid" "$FEEDER" 2>/dev/null || true
	wait "$cpid" "$FEEDER" 2>/dev/null || true
	FEEDER=
	run "$POOL_BIN" down con
	[ "$status" -eq 0 ]
}
