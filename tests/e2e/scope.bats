#!/usr/bin/env bats
# scope.bats - what a machine sees: shares (owner mapping, read-only),
# the host image (the host's tools, none of its secrets), and the
# embedded default spec. Real VMs under TCG.

load helpers

setup() {
	pool_env
	user_dir scope code
	echo "from the host" > "$D/code/in.txt"
	chown 4242:4242 "$D/code/in.txt"
	N=""
}

teardown() {
	rm -rf "$D"
	if [ -n "$N" ]; then
		ip netns del "$N-i" 2>/dev/null || true
		ip netns del "$N" 2>/dev/null || true
	fi
}

@test "a read-write share: the guest's files are the invoking user's on the host" {
	printf 'name: sh\nimage: minimal\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c 'cat /code/in.txt; echo guest > /code/out.txt; mkdir /code/dir'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "from the host" ]
	[ "$(cat "$D/code/out.txt")" = guest ]
	[ "$(stat -c %u:%g "$D/code/out.txt")" = 4242:4242 ]
	[ "$(stat -c %u:%g "$D/code/dir")" = 4242:4242 ]
}

@test "a read-only share: writes fail with EROFS in the guest and the host is unchanged" {
	printf 'name: ro\nimage: minimal\nnetwork: none\nshares:\n  - {source: code, target: /ro, readonly: true}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c 'echo x > /ro/in.txt; echo x > /ro/new; mount -o remount,rw /ro; echo y > /ro/new2; cat /ro/in.txt'
	echo "$output $stderr"
	[[ "$stderr" == *"Read-only file system"* ]]
	[ "$(cat "$D/code/in.txt")" = "from the host" ]
	[ ! -e "$D/code/new" ]
	[ ! -e "$D/code/new2" ]
}

@test "the host image: the host's git and python3 run; no /home, /root, shadow or ssh keys of the host" {
	printf 'name: hostimg\nimage: host\nnetwork: none\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c \
		'git --version; python3 -c "print(6*7)"; ls -A /home /root; ls /etc/ssh/*_key 2>/dev/null | wc -l; cat /etc/shadow'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"git version"* ]]
	[[ "$output" == *"42"* ]]
	# /home and /root are empty, there are no ssh host keys, and shadow
	# holds the spec's root alone (no password), nothing of the host's.
	[[ "$output" == *"/home:"*"/root:"* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^root::')" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c ':\$')" -eq 0 ]
	for u in $(cut -d: -f1 /etc/shadow | grep -v '^root$' | head -5); do
		[[ "$output" != *"$u:"* ]]
	done
}

@test "the embedded default: pool run -- make builds in the VM and the output lands in the folder" {
	N="pools-$$"
	ip netns add "$N"
	ip netns add "$N-i"
	ip link add up0 netns "$N" type veth peer name wan0 netns "$N-i"
	ip -n "$N" addr add 198.51.100.1/24 dev up0
	ip -n "$N" link set up0 up
	ip -n "$N" link set lo up
	ip -n "$N-i" link set wan0 up
	ip -n "$N" route add default via 198.51.100.2
	printf 'out.txt:\n\techo built in $$(uname -r) > out.txt\n' > "$D/Makefile"
	chown 4242:4242 "$D/Makefile"
	cd "$D"
	run --separate-stderr ip netns exec "$N" "$POOL_BIN" run -- make
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	guest=$("$POOL_BIN" check "$HELLO" | awk '$1 == "version" {print $2}')
	[ "$(cat "$D/out.txt")" = "built in $guest" ]
	[ "$(stat -c %u "$D/out.txt")" = 4242 ]
}

@test "a share the invoking user cannot reach is refused with one clear line" {
	mkdir -p "$D/closed"
	chown root:root "$D/closed"
	chmod 700 "$D/closed"
	printf 'name: closed\nimage: minimal\nnetwork: none\nshares:\n  - {source: closed, target: /c}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- true
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"$D/closed: uid 4242 cannot read and write it"* ]]
	[ ! -e "$POOL_STATE_DIR/closed" ]
}

@test "shares work when root holds supplementary groups, as under a real sudo" {
	# sudo gives root its groups (group 0 at least); virtiofsd drops any it
	# has, which its user namespace forbids, so pool hands it none.
	printf 'name: grp\nimage: minimal\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr setpriv --groups 0,4 "$POOL_BIN" run "$D/m.yaml" -- cat /code/in.txt
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "from the host" ]
}

@test "a share is served without root's groups: a file of group root stays unreadable, the user's own reads" {
	echo "root's group only" > "$D/code/grp.txt"
	chown 0:0 "$D/code/grp.txt"
	chmod 0640 "$D/code/grp.txt"
	printf 'name: grp\nimage: minimal\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr setpriv --groups 0 "$POOL_BIN" run "$D/m.yaml" -- sh -c \
		'cat /code/in.txt; cat /code/grp.txt; echo status=$?'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "from the host"* ]]	# the control: the user's file reads
	[[ "$output" != *"root's group only"* ]]
	[[ "$output" == *"status=1"* ]]
}

@test "SUDO_UID without SUDO_GID (or the other way) is refused before anything starts" {
	printf 'name: half\nimage: minimal\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr env -u SUDO_GID "$POOL_BIN" run "$D/m.yaml" -- true
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"SUDO_UID is set but SUDO_GID is not: refusing to guess who pool acts for"* ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ ! -e "$POOL_STATE_DIR/half" ]
	run --separate-stderr env -u SUDO_UID "$POOL_BIN" run "$D/m.yaml" -- true
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"SUDO_GID is set but SUDO_UID is not"* ]]
	# the control: both given, it runs
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- cat /code/in.txt
	[ "$status" -eq 0 ]
	[ "$output" = "from the host" ]
}
