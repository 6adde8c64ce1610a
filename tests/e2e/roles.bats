#!/usr/bin/env bats
# roles.bats - users: console autologin and login, the plain text of a
# `pass:` nowhere on the host, ssh with a generated key, nushell as the
# login shell. Real VMs under TCG, consoles driven through tmux.

load helpers

setup() {
	pool_env
	unset SUDO_UID SUDO_GID SUDO_USER	# ssh runs as root with -i
	T="$BATS_TEST_TMPDIR"
	SPEC="$T/m.yaml"
	TS="poolroles-$$-$BATS_TEST_NUMBER"	# our own tmux server
	H="poolr-$$-$BATS_TEST_NUMBER"		# our own network namespace
	host_ns "$H"	# its uplink serves the channel's `auto`
}

teardown() {
	tmux -L "$TS" kill-server 2>/dev/null || true
	# pool powers the machine off when its terminal goes; wait for that.
	wait_for 60 sh -c "! ls '$POOL_STATE_DIR'/*/lock >/dev/null 2>&1" || true
	ip netns del "$H" 2>/dev/null || true
}

in_host() { ip netns exec "$H" "$@"; }

# The console, under tmux: `pool up SPEC` in the foreground, in the namespace.
console_up() {
	tmux -L "$TS" new-session -d -s m -x 200 -y 50 \
		"ip netns exec $H env POOL_STATE_DIR=$POOL_STATE_DIR POOL_CACHE_DIR=$POOL_CACHE_DIR POOL_ACCEL=$POOL_ACCEL $POOL_BIN up $SPEC; echo POOL-EXITED; sleep 600"
}
pane() { tmux -L "$TS" capture-pane -p -J -t m -S -300; }
pane_has() { pane | grep -qF -- "$1"; }
pane_count_ge() { [ "$(pane | grep -cF -- "$1")" -ge "$2" ]; }	# STRING N
type_line() { tmux -L "$TS" send-keys -t m -l -- "$1"; tmux -L "$TS" send-keys -t m Enter; }
show() { echo "--- pane:"; pane; for f in "$POOL_STATE_DIR"/*/console.log; do [ -f "$f" ] && { echo "--- $f:"; tail -c 3000 "$f"; }; done; return 0; }

@test "pool check shows each role's shell: nu for image host, sh for minimal" {
	printf 'name: chk\nimage: host\nnetwork: none\nusers:\n  root: {}\n  bob: {shell: bash, keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x"]}\n  eve: {shell: fish}\n' > "$SPEC"
	run --separate-stderr "$POOL_BIN" check "$SPEC"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"user        root: shell /usr/local/bin/nu, console autologin, 0 ssh keys"* ]]
	[[ "$output" == *"user        bob: shell /usr/bin/bash, no password login, 1 ssh key"* ]]
	[[ "$output" == *"user        eve: shell /usr/local/bin/nu (fish is missing)"* ]]
	sed -i 's/image: host/image: minimal/' "$SPEC"
	run --separate-stderr "$POOL_BIN" check "$SPEC"
	echo "$output $stderr"
	[[ "$output" == *"user        root: shell /bin/sh, console autologin"* ]]
	[[ "$output" == *"user        bob: shell /bin/sh (bash is missing)"* ]]
}

@test "password-less root gets nu on the console at once; nu -c version runs" {
	printf 'name: auto\nimage: host\nnetwork: none\nusers:\n  root: {}\n' > "$SPEC"
	console_up
	# nu's own syntax: a string sum that sh could not run.
	wait_for 180 pane_has "console attached" || { show; false; }
	sleep 2
	until pane_has "shell=nu-yes"; do
		[ $SECONDS -lt 400 ] || { show; false; }
		type_line 'print ("shell=nu-" + "yes")'
		sleep 5
	done
	! pane_has "login:" || false
	type_line "nu -c 'version | get version' | str replace -r '^' 'nu-version='"
	wait_for 120 pane_has "nu-version=0." || { show; false; }
	type_line 'print $"user=(whoami)"'
	wait_for 60 pane_has "user=root" || { show; false; }
	type_line poweroff
	wait_for 120 pane_has "POOL-EXITED" || { show; false; }
	assert_no_machine_left auto
}

@test "a password role: wrong password refused, right one accepted; its plain text is nowhere" {
	PW="Plain-$RANDOM-Turnip-$$-Q"
	BAD="Wrong-$RANDOM-Parsnip-$$-Z"
	printf 'name: pw\nimage: host\nnetwork: none\nusers:\n  alice: {pass: "%s", shell: bash}\n' "$PW" > "$SPEC"
	console_up
	wait_for 400 pane_has "pw login:" || { show; false; }
	type_line alice
	wait_for 30 pane_has "Password:" || { show; false; }
	type_line "$BAD"
	wait_for 60 pane_has "Login incorrect" || { show; false; }
	wait_for 30 pane_count_ge "pw login:" 2 || { show; false; }
	type_line alice
	wait_for 30 pane_count_ge "Password:" 2 || { show; false; }
	type_line "$PW"
	wait_for 60 pane_has "alice@pw:" || { show; false; }	# bash's prompt
	type_line 'echo "who=$(id -un) home=$HOME shell=$SHELL"'
	wait_for 60 pane_has "who=alice home=/home/alice shell=/usr/bin/bash" || { show; false; }

	# Neither password was echoed; the plain text is in no file pool keeps,
	# no command line of the machine's processes, no image, no console log.
	! pane_has "$PW" || false
	! pane_has "$BAD" || false
	[ -s "$POOL_STATE_DIR/pw/console.log" ]
	# The machine's initrd is a memfd of its supervisor, on no disk.
	sup=$(awk -F= '$1 == "pid" {print $2}' "$POOL_STATE_DIR/pw/status")
	initrd=$(for f in /proc/"$sup"/fd/*; do
		[[ "$(readlink "$f")" == "/memfd:pool-initrd"* ]] && echo "$f"; done | head -1)
	[ -n "$initrd" ] && [ -s "$initrd" ]
	grep -q 'alice:\$y\$' "$initrd"	# the hash went in instead
	! grep -qaF -e "$PW" -e "$BAD" "$initrd" || false
	! grep -raF -e "$PW" -e "$BAD" "$POOL_STATE_DIR" "$POOL_CACHE_DIR" || false
	pids=$(pgrep -f -- "$SPEC"; pgrep -f -- "$POOL_STATE_DIR")
	[ -n "$pids" ]
	for p in $pids $(for q in $pids; do children_of "$q"; done); do
		! grep -aF -e "$PW" -e "$BAD" "/proc/$p/cmdline" "/proc/$p/environ" 2>/dev/null || false
	done
	type_line 'exit'
	wait_for 60 pane_count_ge "pw login:" 3 || { show; false; }	# the prompt again
	# Ctrl-] powers the machine off.
	tmux -L "$TS" send-keys -t m C-]
	wait_for 120 pane_has "POOL-EXITED" || { show; false; }
	assert_no_machine_left pw
}

@test "ssh with a generated key logs in as the role; authorized_keys has sshd's modes; another key is refused" {
	ssh-keygen -q -t ed25519 -N "" -C roles-test -f "$T/id"
	ssh-keygen -q -t ed25519 -N "" -C stranger -f "$T/other"
	printf 'name: sshm\nimage: host\naddress: 10.0.0.9\nnetwork: isolated\nusers:\n  root: {}\n  alice:\n    keys: ["%s"]\n' \
		"$(cat "$T/id.pub")" > "$SPEC"
	console_up
	ssh_id() { in_host "$POOL_BIN" ssh -i "$T/id" sshm -- id >"$T/ssh.out" 2>&1; }
	wait_for 400 ssh_id || { cat "$T/ssh.out"; show; false; }
	cat "$T/ssh.out"
	grep -q "uid=1000(alice)" "$T/ssh.out"
	run in_host "$POOL_BIN" ssh -i "$T/id" sshm -- stat -c "'%a %U %n'" .ssh .ssh/authorized_keys
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"700 alice .ssh"* ]]
	[[ "$output" == *"600 alice .ssh/authorized_keys"* ]]
	# The login shell is nu: $nu is its own variable.
	run in_host "$POOL_BIN" ssh -i "$T/id" sshm -- 'print $"nu=($nu.current-exe)"'
	echo "$output"
	[[ "$output" == *"nu=/"*"nu"* ]]
	run in_host "$POOL_BIN" ssh -i "$T/other" sshm -- id
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" != *"uid=1000"* ]]
	[[ "$output" == *"Permission denied"* ]]
	# A machine without the role's keys: pool ssh says why.
	run in_host "$POOL_BIN" ssh nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"machine nosuch is not running"* ]]
	type_line poweroff
	wait_for 120 pane_has "POOL-EXITED" || { show; false; }
	assert_no_machine_left sshm
}
