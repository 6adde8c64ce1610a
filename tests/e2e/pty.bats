#!/usr/bin/env bats
# pty.bats - a terminal of the command's own in the guest. In a tmux pane
# (a real terminal) pool run -- sh gets a pty: tty names /dev/pts/N, stty
# size is the pane's and follows a resize, Ctrl-C stops a guest sleep and
# the shell stays, Ctrl-Z stops one (job control), exit 3 comes back as
# 3, and the pane's modes (stty -g) are the same afterwards, also after
# pool down from elsewhere, after QEMU is killed and after SIGTERM. -t
# without a terminal is refused before anything boots or connects, and
# works on one (piped input still ends); -T and no terminal keep the
# pipes. pool exec gets a pty the same way; pool console sends the pane's
# size to the serial console and follows it, and ends at the end of its
# input; pool up's console follows it too. Real VMs under TCG, network
# none.

load helpers

setup() {
	pool_env
	T="$BATS_TEST_TMPDIR"
	TS="$T/tmux"	# our own tmux servers: sockets $TS-NAME, gone with $T
	NAME="pty$BATS_TEST_NUMBER"
	SPEC="$T/m.yaml"
	printf 'name: %s\nimage: minimal\nnetwork: none\nmemory: 192M\n' "$NAME" > "$SPEC"
	: > "$T/servers"
	ENV="env POOL_STATE_DIR='$POOL_STATE_DIR' POOL_CACHE_DIR='$POOL_CACHE_DIR' POOL_ACCEL='$POOL_ACCEL' POOL_CGROUP='$POOL_CGROUP'"
}

# Every tmux server this test started, then every supervisor.
teardown() {
	kill_tmux_servers "$T/servers"
	kill_supervisors
	sleep 0.2
	rm -rf "$POOL_STATE_DIR"
}

tm() { local s="$TS-$1"; shift; tmux -S "$s" "$@"; }

# new_pane NAME COMMAND: a 100x20 pane on a tmux server of its own.
new_pane() {
	echo "$TS-$1" >> "$T/servers"
	tm "$1" new-session -d -s t -x 100 -y 20 "$2"
}

# shows NAME TEXT: the pane shows TEXT (waited for up to 60 s).
shows() {
	wait_for 60 bash -c "tmux -S '$TS-$1' capture-pane -p -t t | grep -qF -- '$2'" ||
		{ echo "--- pane $1 never showed: $2"; tm "$1" capture-pane -p -t t; false; }
}

# type NAME LINE: LINE typed into the pane, then Enter.
type_in() {
	tm "$1" send-keys -t t -l -- "$2"
	tm "$1" send-keys -t t Enter
}

# run_pane NAME ARGS: pool run ARGS in a pane, between the pane's modes
# before ($T/NAME.before) and after ($T/NAME.after); "ended-STATUS" at the end.
run_pane() {
	local name="$1"
	shift
	new_pane "$name" "stty -g > '$T/$name.before'; $ENV '$POOL_BIN' run $* 2> '$T/$name.err'; echo ended-\$?; stty -g > '$T/$name.after'; sleep 600"
}

# The pane's modes are what they were before pool started.
modes_back() {
	wait_for 30 test -s "$T/$1.after"
	echo "before: $(cat "$T/$1.before")"
	echo "after:  $(cat "$T/$1.after")"
	cmp "$T/$1.before" "$T/$1.after"
}

@test "pool run -- sh on a terminal: a pty of its own, the pane's size and its change, Ctrl-C, Ctrl-Z, exit 3, the modes back" {
	run_pane r "'$SPEC' -- sh"
	shows r 'built-in shell'
	type_in r 'tty'
	shows r '/dev/pts/'
	type_in r 'stty size'
	shows r '20 100'
	tm r resize-window -t t -x 120 -y 30
	type_in r 'stty size'
	shows r '30 120'
	# Ctrl-C stops the guest's foreground sleep; the shell stays
	type_in r 'sleep 100'
	sleep 1
	tm r send-keys -t t C-c
	type_in r 'echo alive-$?'
	shows r 'alive-130'
	# Ctrl-Z stops the next one: job control
	type_in r 'sleep 50'
	sleep 1
	tm r send-keys -t t C-z
	type_in r 'jobs'
	shows r 'Stopped'
	# fg brings it back to the foreground, where Ctrl-C reaches it
	type_in r 'fg'
	sleep 1
	tm r send-keys -t t C-c
	type_in r 'echo fg-$?'
	shows r 'fg-130'
	type_in r 'exit 3'
	shows r 'ended-3'
	modes_back r
	cat "$T/r.err"
}

@test "pool run -- sh on a terminal: pool down from elsewhere, QEMU killed, SIGTERM to pool: the pane's modes as they were" {
	run_pane d "'$SPEC' -- sh"
	shows d 'built-in shell'
	type_in d 'tty'
	shows d '/dev/pts/'
	run "$POOL_BIN" down "$NAME"
	echo "$output"
	[ "$status" -eq 0 ]
	shows d 'ended-1'
	modes_back d
	grep -q 'powered off by pool down' "$T/d.err"

	run_pane k "'$SPEC' -- sh"
	shows k 'built-in shell'
	type_in k 'tty'
	shows k '/dev/pts/'
	local sup qemu
	sup=$(sed -n 's/^pid=//p' "$POOL_STATE_DIR/$NAME/status")
	qemu=$(for p in $(children_of "$sup"); do
		case "$(cat "/proc/$p/comm")" in qemu*) echo "$p" ;; esac
	done)
	echo "supervisor $sup, qemu $qemu"
	[ -n "$qemu" ]
	kill -9 "$qemu"
	shows k 'ended-'
	modes_back k

	run_pane s "'$SPEC' -- sh"
	shows s 'built-in shell'
	type_in s 'tty'
	shows s '/dev/pts/'
	kill -TERM "$(sed -n 's/^pid=//p' "$POOL_STATE_DIR/$NAME/status")"
	shows s 'ended-143'
	modes_back s
}

@test "-t without a terminal is refused before anything boots or connects; on a terminal it gets one; -T and no terminal keep the pipes" {
	echo piped-in > "$T/in"
	run -2 "$POOL_BIN" run -t "$SPEC" -- tty < /dev/null
	echo "$output"
	[[ "$output" == *"-t: neither stdin nor stdout is a terminal"* ]]
	[ ! -e "$POOL_STATE_DIR/$NAME" ]
	run -2 "$POOL_BIN" exec -t nosuchmachine -- tty < /dev/null
	echo "$output"
	[[ "$output" == *"-t: neither stdin nor stdout is a terminal"* ]]

	# the control: the same with stdout on a terminal gets a pty
	run_pane t "-t '$SPEC' -- tty < /dev/null"
	shows t '/dev/pts/'
	shows t 'ended-0'
	modes_back t

	# input from a pipe reaches the end: the pty passes its EOF on
	run_pane p "-t '$SPEC' -- cat < '$T/in'"
	shows p 'piped-in'
	shows p 'ended-0'

	# -T on a terminal, and no terminal at all: pipes, as before
	run_pane n "-T '$SPEC' -- tty"
	shows n 'not a tty'
	shows n 'ended-1'
	run "$POOL_BIN" run "$SPEC" -- tty < /dev/null
	echo "$output"
	[[ "$output" == *"not a tty"* ]]
}

@test "pool exec on a terminal: a pty; pool console: the pane's size on the serial console, and its change; the end of input detaches" {
	run "$POOL_BIN" up -d "$SPEC"
	echo "$output"
	[ "$status" -eq 0 ]

	new_pane e "stty -g > '$T/e.before'; $ENV '$POOL_BIN' exec '$NAME' -- sh; echo ended-\$?; stty -g > '$T/e.after'; sleep 600"
	shows e 'built-in shell'
	type_in e 'tty; stty size'
	shows e '/dev/pts/'
	shows e '20 100'
	type_in e 'exit 4'
	shows e 'ended-4'
	modes_back e
	run "$POOL_BIN" exec "$NAME" -- tty < /dev/null
	[[ "$output" == *"not a tty"* ]]

	# Nobody was attached to answer the console's own size probe: the
	# serial line has no size (0 0, which busybox's stty reports as an
	# error) until pool console sends the pane's.
	run "$POOL_BIN" exec "$NAME" -- stty -F /dev/ttyS0 size
	echo "console before: $output"
	[[ "$output" == "0 0" || "$output" == "stty: /dev/ttyS0"* ]]
	new_pane c "$ENV '$POOL_BIN' console '$NAME'; echo console-ended-\$?; sleep 600"
	shows c 'console attached'
	wait_for 30 bash -c "[ \"\$('$POOL_BIN' exec '$NAME' -- stty -F /dev/ttyS0 size)\" = '20 100' ]"
	type_in c 'stty size'
	shows c '20 100'
	tm c resize-window -t t -x 120 -y 30
	type_in c 'stty size'
	shows c '30 120'
	tm c send-keys -t t C-]
	shows c 'console-ended-0'

	# at the end of its input pool console detaches; the machine stays
	run timeout 30 "$POOL_BIN" console "$NAME" < /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	run "$POOL_BIN" exec "$NAME" -- echo still-up
	[ "$output" = "still-up" ]
}

@test "pool up in the foreground: the console's size follows the pane's" {
	new_pane u "$ENV '$POOL_BIN' up '$SPEC'; echo up-ended-\$?; sleep 600"
	shows u 'built-in shell'
	type_in u 'stty size'
	shows u '20 100'
	tm u resize-window -t t -x 120 -y 30
	type_in u 'stty size'
	shows u '30 120'
	tm u send-keys -t t C-]
	shows u 'up-ended-0'
}
