#!/usr/bin/env bats
# termfilter.bats - guest bytes on their way to the user's terminal. A
# machine prints OSC 52 with a payload (the clipboard), DA1, DA2 and CPR
# queries (the terminal would type its answers into its own input),
# colours and bytes that are not UTF-8. On a real terminal (a tmux pane
# that takes OSC 52: set-clipboard on) pool run, pool exec, pool logs,
# pool console and pool up let the text and colours through and neither
# the clipboard nor the answers; to a pipe or a file a command's output is
# data, byte for byte; pool logs is filtered even through a pipe, and
# --raw is not; the console gets pool's own answer to the cursor position
# query, so a shell that asks does not stall. Real VMs under TCG.

load helpers

# What the guest prints, as a printf format (the guest's busybox printf
# and the host's give the same bytes).
FMT='before\r\n\033[31mred\033[0m \033[38;2;0;128;255mblue\033[0m\r\n\033]52;c;UE9PTENMSVA=\a\033[c\033[>c\033[6n\377\200after\r\n'
CLIP=POOLCLIP	# what UE9PTENMSVA= decodes to

setup() {
	pool_env
	T="$BATS_TEST_TMPDIR"
	TS="$T/tmux"	# our own tmux servers: sockets $TS-NAME, gone with $T
	NAME="tf$BATS_TEST_NUMBER"
	SPEC="$T/m.yaml"
	printf 'name: %s\nimage: minimal\nnetwork: none\nmemory: 192M\n' "$NAME" > "$SPEC"
	printf 'set -g set-clipboard on\n' > "$T/tmux.conf"
	# shellcheck disable=SC2059
	printf "$FMT" > "$T/hostile"
	: > "$T/servers"
}

# Every tmux server this test started, then every supervisor (by the pid
# in its status file).
teardown() {
	kill_tmux_servers "$T/servers"
	kill_supervisors
	sleep 0.2
	rm -rf "$POOL_STATE_DIR"
}

# tm NAME ARGS...: tmux on our server NAME.
tm() { local s="$TS-$1"; shift; tmux -S "$s" "$@"; }

new_pane() {	# new_pane NAME COMMAND: a 100x20 pane on a server of its own
	echo "$TS-$1" >> "$T/servers"
	tm "$1" -f "$T/tmux.conf" new-session -d -s t -x 100 -y 20 "$2"
}

# in_pane NAME SCRIPT: run the shell SCRIPT in a fresh pane whose terminal
# is raw and does not echo, then read for 2 s what the terminal typed into
# its own input. Leaves $T/NAME.reply (that input), NAME.buffer (tmux's
# paste buffer: what OSC 52 set) and NAME.screen (the pane, with colours).
in_pane() {
	local name="$1"
	cat > "$T/$name.sh" <<-EOF
		export POOL_STATE_DIR='$POOL_STATE_DIR' POOL_CACHE_DIR='$POOL_CACHE_DIR' POOL_ACCEL='$POOL_ACCEL' POOL_CGROUP='${POOL_CGROUP:-}'
		stty raw -echo
		$2
		timeout --foreground 2 cat > '$T/$name.reply'
		stty sane
		touch '$T/$name.done'
		sleep 600
	EOF
	new_pane "$name" "sh '$T/$name.sh'"
	wait_for 120 test -e "$T/$name.done"
	tm "$name" show-buffer > "$T/$name.buffer" 2>/dev/null || : > "$T/$name.buffer"
	tm "$name" capture-pane -p -e -t t > "$T/$name.screen"
	tm "$name" kill-server
	echo "--- $name: reply: $(cat -v "$T/$name.reply")"
	echo "--- $name: buffer: $(cat -v "$T/$name.buffer")"
	echo "--- $name: screen:"
	grep -v '^$' "$T/$name.screen" | cat -v
}

# has FILE FORMAT: FILE holds the bytes printf FORMAT makes.
has() {
	# shellcheck disable=SC2059
	LC_ALL=C grep -qaF -- "$(printf "$2")" "$1"
}

# What a pane shows of the guest's text when it came through the filter:
# text and colours, and neither the clipboard nor any answer.
assert_filtered_on_pane() {	# NAME
	[ ! -s "$T/$1.buffer" ]
	[ ! -s "$T/$1.reply" ]
	has "$T/$1.screen" 'before'
	has "$T/$1.screen" '\033[31mred'
	has "$T/$1.screen" '\033[38;2;0;128;255mblue'
	has "$T/$1.screen" 'after'
}

# Machine $NAME up and detached; its console says $FMT (as the serial
# line sends it: a newline becomes CR LF).
up_printed() {
	run "$POOL_BIN" up -d "$SPEC"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$POOL_BIN" exec "$NAME" -- sh -c 'printf "$1" > /dev/console' sh "$FMT"
	[ "$status" -eq 0 ]
	wait_for 30 grep -qa after "$POOL_STATE_DIR/$NAME/console.log"
}

@test "the filter alone, in front of tmux: clipboard, answers, title, mouse reporting (termfilter_tmux.sh)" {
	run "$POOL_SRC/tests/e2e/termfilter_tmux.sh" "$(dirname "$POOL_BIN")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"termfilter_tmux: all passed"* ]]
}

@test "pool run on a terminal: no clipboard, no answers typed into it, colours pass; the same bytes by cat set the clipboard" {
	# The control: the bytes straight to the pane do both.
	in_pane control "cat '$T/hostile'"
	[ "$(cat "$T/control.buffer")" = "$CLIP" ]
	[ -s "$T/control.reply" ]
	in_pane run "'$POOL_BIN' run '$SPEC' -- sh -c 'printf \"\$1\"' sh '$FMT' < /dev/null 2> '$T/run.err'; echo exit=\$?"
	cat "$T/run.err"
	has "$T/run.screen" 'exit=0'
	assert_filtered_on_pane run
}

@test "pool run on a claimed spare: the same filter on a terminal" {
	printf 'warm: true\n' >> "$SPEC"
	"$POOL_BIN" run "$SPEC" -- true
	# the spare of that plan, ready to be claimed, and up a while
	wait_for 120 bash -c "'$POOL_BIN' ls --json | grep -q '\"state\": \"spare\", \"ready\": true'"
	sleep 15
	in_pane claimed "'$POOL_BIN' run '$SPEC' -- sh -c 'printf \"\$1\"; echo up=\$(cut -d. -f1 /proc/uptime)' sh '$FMT' < /dev/null 2> '$T/claimed.err'; echo exit=\$?"
	cat "$T/claimed.err"
	has "$T/claimed.screen" 'exit=0'
	# the spare ran it: a machine up since before the run, not a new boot
	up=$(grep -ao 'up=[0-9]*' "$T/claimed.screen" | cut -d= -f2)
	[ -n "$up" ] && [ "$up" -ge 15 ]
	assert_filtered_on_pane claimed
}

@test "pool run into a pipe: stdout keeps every byte; stderr on the terminal is filtered" {
	in_pane pipe "'$POOL_BIN' run '$SPEC' -- sh -c 'printf \"\$1\"; printf \"\$1\" >&2' sh '$FMT' < /dev/null | cat > '$T/out'"
	sha256sum "$T/hostile" "$T/out"
	cmp "$T/hostile" "$T/out"
	assert_filtered_on_pane pipe
}

@test "a detached machine: pool exec filtered on a terminal and intact in a pipe; pool logs filtered on a terminal and in a pipe, --raw intact" {
	up_printed

	in_pane exec "'$POOL_BIN' exec '$NAME' -- sh -c 'printf \"\$1\"' sh '$FMT' < /dev/null"
	assert_filtered_on_pane exec
	"$POOL_BIN" exec "$NAME" -- sh -c 'printf "$1"' sh "$FMT" < /dev/null | cat > "$T/exec.out"
	cmp "$T/hostile" "$T/exec.out"

	in_pane logs "'$POOL_BIN' logs '$NAME'"
	assert_filtered_on_pane logs
	"$POOL_BIN" logs "$NAME" | cat > "$T/logs.out"
	has "$T/logs.out" 'before\r\r\n\033[31mred\033[0m \033[38;2;0;128;255mblue\033[0m\r\r\n'
	run ! grep -qaF "$CLIP" "$T/logs.out"
	# the payload's text only in pool's note of the command line
	run ! bash -c "grep -aF UE9PTENMSVA '$T/logs.out' | grep -qav '^pool: exec '"
	run ! has "$T/logs.out" '\033]'
	run ! has "$T/logs.out" '\033[c'
	run ! has "$T/logs.out" '\033[>c'
	run ! has "$T/logs.out" '\033[6n'
	run ! has "$T/logs.out" '\377'
	has "$T/logs.out" 'after'

	# --raw: the bytes as the console sent them, which set the clipboard.
	"$POOL_BIN" logs --raw "$NAME" | cat > "$T/raw.out"
	has "$T/raw.out" '\033]52;c;UE9PTENMSVA=\a\033[c\033[>c\033[6n\377\200after'
	in_pane raw "'$POOL_BIN' logs --raw '$NAME'"
	[ "$(cat "$T/raw.buffer")" = "$CLIP" ]
}

# A line for busybox sh on the console (typed once its banner, "built-in
# shell", is there): a clipboard write, then the cursor
# position query and its answer read back within 2 s (-n: without waiting
# for a newline), printed as got[ROW;COL.
ASK='printf '\''\033]52;c;UE9PTENMSVA=\a\033[6n'\''; read -t 2 -n 16 -d R x; echo "got${x#?}"'

@test "pool console: the cursor position query gets pool's answer (the pane's last row), the clipboard nothing" {
	run "$POOL_BIN" up -d "$SPEC"
	[ "$status" -eq 0 ]
	new_pane con "env POOL_STATE_DIR='$POOL_STATE_DIR' '$POOL_BIN' console '$NAME'; echo console-ended-\$?; sleep 600"
	wait_for 30 bash -c "tmux -S '$TS-con' capture-pane -p -t t | grep -q 'console attached'"
	wait_for 30 bash -c "tmux -S '$TS-con' capture-pane -p -t t | grep -q 'built-in shell'"
	tm con send-keys -t t -l -- "$ASK"
	tm con send-keys -t t Enter
	# Without an answer read times out and prints "got"; tmux's own
	# answer would name the cursor's real place, not row 20 column 1.
	wait_for 30 bash -c "tmux -S '$TS-con' capture-pane -p -t t | grep -qF 'got[20;1'" ||
		{ tm con capture-pane -p -t t; false; }
	run ! tm con show-buffer
	tm con send-keys -t t C-]
	wait_for 30 bash -c "tmux -S '$TS-con' capture-pane -p -t t | grep -q console-ended-0"
}

@test "pool up in the foreground: the console learns the pane's size; the cursor position query gets pool's answer, the clipboard nothing" {
	new_pane up "env POOL_STATE_DIR='$POOL_STATE_DIR' POOL_CACHE_DIR='$POOL_CACHE_DIR' POOL_ACCEL='$POOL_ACCEL' '$POOL_BIN' up '$SPEC'; echo up-ended-\$?; sleep 600"
	wait_for 60 bash -c "tmux -S '$TS-up' capture-pane -p -t t | grep -q 'built-in shell'"
	# pool-init asks the size as the shell starts (the cursor sent to
	# 999;999, then CPR): pool answers the bottom right corner, 20;100.
	tm up send-keys -t t -l -- 'stty -a | head -1'
	tm up send-keys -t t Enter
	wait_for 30 bash -c "tmux -S '$TS-up' capture-pane -p -t t | grep -qF 'rows 20; columns 100'" ||
		{ tm up capture-pane -p -t t; false; }
	tm up send-keys -t t -l -- "$ASK"
	tm up send-keys -t t Enter
	wait_for 30 bash -c "tmux -S '$TS-up' capture-pane -p -t t | grep -qF 'got[20;1'" ||
		{ tm up capture-pane -p -t t; false; }
	run ! tm up show-buffer
	tm up send-keys -t t C-]
	wait_for 60 bash -c "tmux -S '$TS-up' capture-pane -p -t t | grep -q up-ended-0"
}
