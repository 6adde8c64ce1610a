#!/usr/bin/env bats
# volume.bats - persistent volumes: an image made sparse and formatted when
# missing, owned by the invoking user, whose content outlives the machine;
# one machine at a time. Real VMs under TCG.

load helpers

setup() {
	pool_env
	user_dir vol ctl
	APID=""
}

teardown() {
	if [ -n "$APID" ] && kill -0 "$APID" 2>/dev/null; then
		kill "$APID" 2>/dev/null || true
		wait "$APID" 2>/dev/null || true
	fi
	rm -rf "$D"
}

spec() {	# spec NAME [EXTRA YAML LINES]: image minimal, no network, data.img at /data
	printf 'name: %s\nimage: minimal\nnetwork: none\nvolumes:\n  - {path: data.img, size: 1G, target: /data}\n%s' \
		"$1" "${2:-}" > "$D/$1.yaml"
}

@test "a volume: written, the machine shut down, booted again and read back; the image is sparse and the user's" {
	local token="kept-$RANDOM$RANDOM"
	spec vol
	run "$POOL_BIN" check "$D/vol.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"volume      $D/data.img -> /data"*"missing: created sparse, 1024M, ext4"* ]]

	run --separate-stderr "$POOL_BIN" run "$D/vol.yaml" -- sh -c "grep ' /data ' /proc/mounts; echo $token > /data/kept.txt"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == "/dev/vd"*" /data ext4 rw"* ]]
	assert_no_machine_left vol

	# On the host: a 1 GiB image, mostly holes, mode 0600, the invoking
	# user's; the file is in it (read with debugfs, not through pool).
	[ "$(stat -c %s "$D/data.img")" -eq 1073741824 ]
	[ "$(du -k "$D/data.img" | cut -f1)" -lt 65536 ]
	[ "$(stat -c %u:%g:%a "$D/data.img")" = 4242:4242:600 ]
	[ "$(debugfs -R 'cat /kept.txt' "$D/data.img" 2>/dev/null)" = "$token" ]
	run "$POOL_BIN" check "$D/vol.yaml"
	[[ "$output" == *"volume      $D/data.img -> /data"*"exists: used as is"* ]]

	# The next boot finds it as it was left: not formatted again.
	run --separate-stderr "$POOL_BIN" run "$D/vol.yaml" -- cat /data/kept.txt
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$token" ]
	assert_no_machine_left vol
}

@test "an image in use by a running machine is refused to a second one, and free again once the first is gone" {
	# A holds the volume until told (through a share) to finish.
	spec vola $'shares:\n  - {source: ctl, target: /ctl, readonly: true}\n'
	spec volb
	"$POOL_BIN" run "$D/vola.yaml" -- sh -c \
		'echo up; while [ ! -e /ctl/stop ]; do sleep 0.2; done; echo "written by a" > /data/a.txt' \
		> "$D/a.out" 2> "$D/a.err" &
	APID=$!
	wait_for 240 grep -q '^up$' "$D/a.out" || { cat "$D/a.out" "$D/a.err"; false; }

	run --separate-stderr timeout 60 "$POOL_BIN" run "$D/volb.yaml" -- true
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep -c "volb.yaml:5:12: volumes\[0\].path: volume $D/data.img is in use by machine vola")" -eq 1 ]
	[ "$(printf '%s\n' "$stderr" | grep -vc 'accel tcg')" -eq 1 ]	# that line alone
	assert_no_machine_left volb
	kill -0 "$APID"	# A runs on, untouched

	touch "$D/ctl/stop"
	wait "$APID"
	APID=""
	assert_no_machine_left vola
	run --separate-stderr "$POOL_BIN" run "$D/volb.yaml" -- cat /data/a.txt
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "written by a" ]
}

@test "a volume path that is a symlink, a folder or not an ext4 image is refused with one line, before anything boots" {
	spec bad
	echo "not a file system" > "$D/plain.img"
	truncate -s 1M "$D/plain.img"
	ln -s plain.img "$D/data.img"
	run --separate-stderr "$POOL_BIN" run "$D/bad.yaml" -- true
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"bad.yaml:5:12: volumes[0].path: $D/data.img is a symlink"* ]]
	assert_no_machine_left bad

	rm "$D/data.img"
	mkdir "$D/data.img"
	run --separate-stderr "$POOL_BIN" run "$D/bad.yaml" -- true
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"$D/data.img"*"not a regular file"* || "$stderr" == *"$D/data.img is a folder"* ]]
	assert_no_machine_left bad

	rmdir "$D/data.img"
	mv "$D/plain.img" "$D/data.img"
	# pool opens the image as the invoking user: root's file is refused.
	chown 0:0 "$D/data.img"
	chmod 600 "$D/data.img"
	run --separate-stderr "$POOL_BIN" run "$D/bad.yaml" -- true
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"volume $D/data.img: Permission denied"* ]]
	assert_no_machine_left bad
	chown 4242:4242 "$D/data.img"
	run --separate-stderr "$POOL_BIN" run "$D/bad.yaml" -- true
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"volume $D/data.img holds no ext4 file system"* ]]
	[ "$(head -c 17 "$D/data.img")" = "not a file system" ]	# left as it was
	assert_no_machine_left bad
}

@test "a spec cannot make root create an image where the invoking user may not write" {
	mkdir "$D/roots"
	chmod 755 "$D/roots"	# root's, readable by all, writable by root only
	printf 'name: vroot\nimage: minimal\nnetwork: none\nvolumes:\n  - {path: roots/x.img, size: 64M, target: /data}\n' > "$D/vroot.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/vroot.yaml" -- true
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"Permission denied"* ]]
	[ -z "$(ls -A "$D/roots")" ]
	assert_no_machine_left vroot
}
