#!/usr/bin/env bats
# nosetid.bats - no set-id bit and no file capability crosses a share: the
# guest's root tries, through the real virtiofsd, and the host's files are
# checked. Real VMs under TCG.

load helpers

setup() {
	pool_env
	user_dir nosetid code
}

teardown() {
	rm -rf "$D"
}

# The value of NAME=VALUE on a line of $output.
said() {
	printf '%s\n' "$output" | sed -n "s/^$1=//p"
}

# said_is VALUE NAME...: each NAME said VALUE.
said_is() {
	local want="$1" name
	shift
	for name in "$@"; do
		[ "$(said "$name")" = "$want" ] || { echo "$name=$(said "$name"), want $want"; return 1; }
	done
}

@test "chmod 6755 in the guest is refused and the host's copy of the shell has no set-id bit" {
	printf 'name: setid\nimage: minimal\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c '
		cp /bin/sh /code/x
		chmod 6755 /code/x; echo both=$?
		chmod u+s /code/x; echo suid=$?
		chmod g+s /code/x; echo sgid=$?
		chmod 0755 /code/x; echo plain=$?
		mkdir /code/d; chmod 2775 /code/d; echo dirsgid=$?
		chmod 1777 /code/d; echo sticky=$?
		mknod /code/p p; echo fifo=$?
		ls -l /code'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	said_is 1 both suid sgid dirsgid
	[[ "$stderr" == *"Operation not permitted"* ]]
	# The controls: the same calls without the bits work.
	said_is 0 plain sticky fifo
	[ "$(stat -c %a "$D/code/x")" = 755 ]
	[ "$(stat -c %a "$D/code/d")" = 1777 ]
	[ "$(stat -c %F "$D/code/p")" = fifo ]
	[ -s "$D/code/x" ]	# the copy itself went through
	[ -z "$(find "$D/code" -perm /6000)" ]
}

@test "a file created with a set-id mode is refused; the same create without the bit works" {
	printf 'name: create\nimage: host\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- python3 -c '
import os, stat
def tryit(name, f):
    try:
        f()
        print(name + "=0")
    except OSError as e:
        print(name + "=" + os.strerror(e.errno))
tryit("open4755", lambda: os.close(os.open("/code/s", os.O_CREAT | os.O_WRONLY, 0o4755)))
tryit("open755", lambda: os.close(os.open("/code/s", os.O_CREAT | os.O_WRONLY, 0o755)))
tryit("mknod2755", lambda: os.mknod("/code/r", stat.S_IFREG | 0o2755))
tryit("mknod644", lambda: os.mknod("/code/r", stat.S_IFREG | 0o644))
'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	said_is "Operation not permitted" open4755 mknod2755
	said_is 0 open755 mknod644
	[ "$(stat -c %a "$D/code/s")" = 755 ]
	[ "$(stat -c %a "$D/code/r")" = 644 ]
	[ -z "$(find "$D/code" -perm /6000)" ]
}

@test "security.capability, security.* and trusted.* are refused in the guest and absent on the host; user.* works" {
	[ -x /usr/bin/setfattr ] || { echo "setfattr is missing: tools/setup --test installs attr"; false; }
	printf 'name: xattr\nimage: host\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	# cap_net_raw+ep as a version-2 capability xattr (what setcap writes).
	cap=0sAQAAAgAgAAAAAAAAAAAAAAAAAAA=
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c "
		cp /bin/true /code/t
		setfattr -n user.x -v 1 /code/t; echo user=\$?
		getfattr --only-values -n user.x /code/t; echo
		setfattr -n security.capability -v $cap /code/t; echo cap=\$?
		getfattr -n security.capability /code/t; echo getcap=\$?
		setfattr -n security.x -v 1 /code/t; echo security=\$?
		setfattr -n trusted.x -v 1 /code/t; echo trusted=\$?
		/code/t; echo run=\$?"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	said_is 1 cap getcap security trusted
	[[ "$stderr" == *"Operation not supported"* ]]
	# The controls: user xattrs round-trip, and the program still runs.
	said_is 0 user
	[[ "$output" == *$'\n'1$'\n'* ]]
	said_is 0 run
	[ "$(getfattr --only-values -n user.x "$D/code/t")" = 1 ]
	run getfattr -d -m - "$D/code/t"
	echo "$output"
	[[ "$output" == *'user.x="1"'* ]]
	[[ "$output" != *security.* ]]
	[[ "$output" != *trusted.* ]]
	[[ "$output" != *pool.nocap* ]]
	run ! getfattr -n security.capability "$D/code/t"
}
