#!/usr/bin/env bats
# nosetid.bats - no set-id bit and no file capability crosses a share: the
# guest's root tries, through the real virtiofsd, and the host's files are
# checked. Real VMs under TCG.

load helpers

setup() {
	pool_env
	export SUDO_UID=4242 SUDO_GID=4242	# the user pool acts for
	D=$(mktemp -d /tmp/pool-nosetid.XXXXXX)
	chmod 755 "$D"
	mkdir -p "$D/code"
	chown -R 4242:4242 "$D"
}

teardown() {
	rm -rf "$D"
}

# The value of NAME=VALUE on a line of $output.
said() {
	printf '%s\n' "$output" | sed -n "s/^$1=//p"
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
	[ "$(said both)" = 1 ]
	[ "$(said suid)" = 1 ]
	[ "$(said sgid)" = 1 ]
	[ "$(said dirsgid)" = 1 ]
	[[ "$stderr" == *"Operation not permitted"* ]]
	# The controls: the same calls without the bits work.
	[ "$(said plain)" = 0 ]
	[ "$(said sticky)" = 0 ]
	[ "$(said fifo)" = 0 ]
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
	[ "$(said open4755)" = "Operation not permitted" ]
	[ "$(said mknod2755)" = "Operation not permitted" ]
	[ "$(said open755)" = 0 ]
	[ "$(said mknod644)" = 0 ]
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
	[ "$(said cap)" = 1 ]
	[ "$(said getcap)" = 1 ]
	[ "$(said security)" = 1 ]
	[ "$(said trusted)" = 1 ]
	[[ "$stderr" == *"Operation not supported"* ]]
	# The controls: user xattrs round-trip, and the program still runs.
	[ "$(said user)" = 0 ]
	[[ "$output" == *$'\n'1$'\n'* ]]
	[ "$(said run)" = 0 ]
	[ "$(getfattr --only-values -n user.x "$D/code/t")" = 1 ]
	run getfattr -d -m - "$D/code/t"
	echo "$output"
	[[ "$output" == *'user.x="1"'* ]]
	[[ "$output" != *security.* ]]
	[[ "$output" != *trusted.* ]]
	[[ "$output" != *pool.nocap* ]]
	run ! getfattr -n security.capability "$D/code/t"
}
