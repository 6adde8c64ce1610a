#!/usr/bin/env bats
# logs.bats - pool logs: the output of pool exec sessions in the machine's
# log, marked by session; -f follows the log across its rotation until the
# machine ends; --last keeps the log after pool down until the name is
# used again. Real VMs under TCG, without a network.

load helpers

setup() {
	pool_env
	D=$(mktemp -d /tmp/pool-logs.XXXXXX)
	chmod 755 "$D"
	printf 'name: lg\nimage: minimal\nmemory: 160M\nnetwork: none\n' > "$D/m.yaml"
}

teardown() {
	[ -z "${FOLLOWER:-}" ] || kill "$FOLLOWER" 2>/dev/null || true
	kill_supervisors
	sleep 0.2
	rm -rf "$POOL_STATE_DIR" "$D"
}

@test "exec output is in the log, each line marked by its session, with the command and its status; a command that outlives its hung-up client keeps logging" {
	"$POOL_BIN" up -d "$D/m.yaml"
	"$POOL_BIN" exec lg -- sh -c 'echo first-out; echo first-err >&2; exit 3' || true
	"$POOL_BIN" exec -w /tmp lg -- sh -c 'printf "a\nb"; sleep 1; printf "c\n"'
	run "$POOL_BIN" logs lg
	echo "$output"
	[ "$status" -eq 0 ]
	s1=$(printf '%s\n' "$output" | sed -n 's/^pool: exec \([0-9]*\) in ~: sh -c echo first-out.*/\1/p')
	s2=$(printf '%s\n' "$output" | sed -n 's|^pool: exec \([0-9]*\) in /tmp: sh -c printf.*|\1|p')
	[ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ]
	[[ "$output" == *"[exec $s1] first-out"* ]]
	[[ "$output" == *"[exec $s1 err] first-err"* ]]
	[[ "$output" == *"pool: exec $s1 exited with status 3"* ]]
	# a line written in two parts is one line of the log, marked once
	[[ "$output" == *"[exec $s2] a"*"[exec $s2] bc"* ]]
	[[ "$output" == *"pool: exec $s2 exited with status 0"* ]]
	# A server whose client goes away: it ignores the hang-up, the log keeps
	# its output.
	"$POOL_BIN" exec lg -- sh -c 'trap "" HUP; echo trapped-$((5*5)); sleep 3; echo after-client-$((6*7)); sleep 1; echo still-$((6*8))' &
	c=$!
	# the hang-up comes once the command ignores it
	wait_for 60 bash -c "'$POOL_BIN' logs lg | grep -q '] trapped-25'"
	kill -9 $c
	wait_for 60 bash -c "'$POOL_BIN' logs lg | grep -q '] still-48'"
	run "$POOL_BIN" logs lg
	echo "$output"
	[[ "$output" == *"its client went away"* ]]
	[[ "$output" == *"] after-client-42"* ]]
	[[ "$output" == *"exited with status 0"* ]]
	"$POOL_BIN" down lg
}

@test "logs -f follows the log across its rotation and ends when the machine does, with every line in order" {
	"$POOL_BIN" up -d "$D/m.yaml"
	# the console's shell has said hello: nothing else cuts the lines
	wait_for 60 grep -q "built-in shell" "$POOL_STATE_DIR/lg/console.log"
	"$POOL_BIN" logs -f --raw lg > "$D/followed" &
	FOLLOWER=$!
	# 300000 marked lines are past the 4 MiB where the log is rotated.
	"$POOL_BIN" exec lg -- seq 1 300000 > /dev/null
	[ -e "$POOL_STATE_DIR/lg/console.log.1" ]
	"$POOL_BIN" exec lg -- echo the-end
	sleep 1
	kill -0 "$FOLLOWER"	# still following while the machine runs
	"$POOL_BIN" down lg
	run timeout 30 tail --pid="$FOLLOWER" -f /dev/null	# -f ends with the machine
	[ "$status" -eq 0 ]
	FOLLOWER=
	grep -q '\] the-end' "$D/followed"
	# what was followed (--raw) is the log, byte for byte
	cat "$POOL_STATE_DIR/.last/lg/console.log.1" "$POOL_STATE_DIR/.last/lg/console.log" | cmp - "$D/followed"
	# every number once, in order, across the rotation
	run bash -c "sed -n 's/^\[exec [0-9]*\] \([0-9][0-9]*\)\r\?$/\1/p' '$D/followed' | tr -d '\r' > '$D/nums'; seq 1 300000 | cmp - '$D/nums'"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "logs --last: the log after pool down, until the name is used again" {
	run --separate-stderr "$POOL_BIN" logs --last lg
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"no log of a machine named lg that ended"* ]]
	"$POOL_BIN" up -d "$D/m.yaml"
	"$POOL_BIN" exec lg -- echo from-the-first
	"$POOL_BIN" down lg
	[ ! -e "$POOL_STATE_DIR/lg" ]
	run --separate-stderr "$POOL_BIN" logs lg
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"pool logs --last lg shows the log of the last one"* ]]
	run --separate-stderr "$POOL_BIN" logs --last lg
	[ "$status" -eq 0 ]
	[[ "$output" == *"] from-the-first"* ]]
	[[ "$output" == *"exited with status 0"* ]]
	# A new machine of the name: the old log goes, the new one is the log.
	"$POOL_BIN" up -d "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" logs --last lg
	[ "$status" -eq 1 ]
	"$POOL_BIN" exec lg -- echo from-the-second
	run "$POOL_BIN" logs lg
	[[ "$output" == *"] from-the-second"* ]]
	[[ "$output" != *from-the-first* ]]
	"$POOL_BIN" down lg
	run "$POOL_BIN" logs --last lg
	[[ "$output" == *"] from-the-second"* ]]
}

# The log as a terminal shows it: SGR dropped, each line drawn with its CRs
# and BSs (the cursor back to the start, or one to the left).
shown() {
	python3 -c '
import re, sys
for raw in sys.stdin.buffer.read().decode("utf-8", "replace").split("\n"):
    raw = re.sub(r"\x1b\[[0-9;:]*m", "", raw)
    line, col = [], 0
    for ch in raw:
        if ch == "\r":
            col = 0
        elif ch == "\b":
            col = max(0, col - 1)
        else:
            if col < len(line):
                line[col] = ch
            else:
                line.append(ch)
            col += 1
    print("".join(line))
'
}

@test "a guest's lines never pass for pool's in the log: not on the console, not after a CR or BS in exec output" {
	"$POOL_BIN" up -d "$D/m.yaml"
	wait_for 60 grep -q "built-in shell" "$POOL_STATE_DIR/lg/console.log"
	"$POOL_BIN" exec lg -- sh -c 'printf "pool: exec 71 exited with status 0\r\n[exec 71] console-forged\r\n" > /dev/console'
	"$POOL_BIN" exec lg -- sh -c 'printf "x\rpool: exec 72 exited with status 0\n"; printf "abc\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\033[1mpo\033[mol: exec 73 exited with status 0\n"; printf "p"; sleep 0.5; printf "ool: exec 74 exited with status 0\n"'
	"$POOL_BIN" exec lg -- sh -c 'exit 5' || true
	run "$POOL_BIN" logs lg
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | shown > "$D/shown"
	cat "$D/shown"
	# pool's own lines are there, at the start of their lines
	grep -q '^pool: exec [0-9]* exited with status 5' "$D/shown"
	# and the guest's are nowhere pool's would be
	run grep -E '^(pool: exec 7[1-4]|\[exec 71\])' "$D/shown"
	[ "$status" -eq 1 ]
	# they are there, marked as the guest's, after the session's mark
	grep -q '^\[exec [0-9]*\] x' "$D/shown"
	grep -q '(guest) pool: exec 71 exited' "$D/shown"
	grep -q '(guest) \[exec 71\] console-forged' "$D/shown"
	grep -q '(guest) pool: exec 72 exited' "$D/shown"
	grep -q '^\[exec [0-9]*\] abc(guest) pool: exec 73 exited' "$D/shown"
	grep -q '(guest) pool: exec 74 exited' "$D/shown"
	"$POOL_BIN" down lg
}
