#!/usr/bin/env bats
# cp.bats - pool cp between this host and a running machine without
# shares: a 20 MB file and a folder both ways; host paths read and written
# as the invoking user, a path the user may not write (or read) refused
# with nothing written; a machine whose tar lies is refused at every name
# that would leave the destination. Real VMs under TCG.

load helpers

setup_file() {
	export POOL_STATE_DIR="$BATS_FILE_TMPDIR/state" POOL_CACHE_DIR="$BATS_FILE_TMPDIR/cache"
	export POOL_ACCEL="${POOL_ACCEL:-tcg}"
	CPM=$(mktemp -d /tmp/pool-cpm.XXXXXX)
	chmod 755 "$CPM"
	F="$CPM/m.yaml"
	printf 'name: cpm\nimage: minimal\nmemory: 256M\nnetwork: none\n' > "$F"
	SUDO_UID=4242 SUDO_GID=4242 "$POOL_BIN" up -d "$F" >&3
}

teardown_file() {
	"$POOL_BIN" down cpm || true
	rm -rf "$CPM"
}

setup() {
	pool_env
	export SUDO_UID=4242 SUDO_GID=4242	# the user pool acts for
	D=$(mktemp -d /tmp/pool-cp.XXXXXX)
	chmod 755 "$D"
	mkdir -p "$D/mine"
	chown 4242:4242 "$D/mine"
}

teardown() {
	rm -rf "$D"
}

@test "a 20 MB file both ways: the same bytes; the host's copy is the user's" {
	head -c 20000000 /dev/urandom > "$D/mine/big"
	chown 4242:4242 "$D/mine/big"
	sum=$(sha256sum < "$D/mine/big")
	run --separate-stderr "$POOL_BIN" cp "$D/mine/big" cpm:/tmp/
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	run "$POOL_BIN" exec cpm -- sh -c 'sha256sum < /tmp/big'
	[ "$output" = "$sum" ]
	run --separate-stderr "$POOL_BIN" cp cpm:/tmp/big "$D/mine/back"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(sha256sum < "$D/mine/back")" = "$sum" ]
	[ "$(stat -c %u:%g "$D/mine/back")" = 4242:4242 ]
	# The stream is no part of the machine's log; that it was, is.
	[ "$(stat -c %s "$POOL_STATE_DIR/cpm/console.log")" -lt 1000000 ]
	run "$POOL_BIN" logs cpm
	[[ "$output" == *"a copy (pool cp), its stream not kept here"* ]]
}

@test "a folder both ways: files, subfolders, a link, modes; into a folder or to a new name" {
	mkdir -p "$D/mine/proj/src/deep"
	printf 'main\n' > "$D/mine/proj/src/main.c"
	printf 'deep\n' > "$D/mine/proj/src/deep/x"
	printf '#!/bin/sh\necho run\n' > "$D/mine/proj/run.sh"
	chmod 750 "$D/mine/proj/run.sh"
	ln -s src/main.c "$D/mine/proj/link"
	chown -hR 4242:4242 "$D/mine/proj"
	run --separate-stderr "$POOL_BIN" cp "$D/mine/proj" cpm:/root
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	run --separate-stderr "$POOL_BIN" cp "$D/mine/proj" cpm:/root/renamed
	[ "$status" -eq 0 ]
	run "$POOL_BIN" exec cpm -- sh -c 'cd /root && find proj renamed | sort; readlink proj/link; stat -c %a proj/run.sh; proj/run.sh'
	echo "$output"
	[[ "$output" == *"proj/src/deep/x"* ]]
	[[ "$output" == *"renamed/src/main.c"* ]]
	[[ "$output" == *$'\nsrc/main.c\n750\nrun'* ]]
	run --separate-stderr "$POOL_BIN" cp cpm:/root/renamed "$D/mine"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	run --separate-stderr "$POOL_BIN" cp cpm:/root/proj "$D/mine/again"
	[ "$status" -eq 0 ]
	diff -r "$D/mine/proj" "$D/mine/renamed"
	diff -r "$D/mine/proj" "$D/mine/again"
	[ "$(readlink "$D/mine/again/link")" = src/main.c ]
	[ "$(stat -c %a "$D/mine/again/run.sh")" = 750 ]
	[ -z "$(find "$D/mine" \( ! -uid 4242 -o ! -gid 4242 \))" ]
}

@test "a link the machine made that leads out of the copy is refused and not made; one that stays inside is made" {
	run "$POOL_BIN" exec cpm -- sh -c 'mkdir -p /root/out/d /root/in/d && ln -s /home/victim/.bashrc /root/out/rc && ln -s ../.. /root/out/d/up && ln -s ../x /root/in/d/x && echo x > /root/in/x'
	[ "$status" -eq 0 ]
	run --separate-stderr "$POOL_BIN" cp cpm:/root/out "$D/mine/out"
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"leads out of the copy"* || "$stderr" == *"absolute path, out of the copy"* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[ ! -L "$D/mine/out/rc" ] && [ ! -L "$D/mine/out/d/up" ]
	# the control: a link within the copy is made as it was
	run --separate-stderr "$POOL_BIN" cp cpm:/root/in "$D/mine/in"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(readlink "$D/mine/in/d/x")" = ../x ]
	[ "$(cat "$D/mine/in/d/x")" = x ]
}

@test "a host folder the user may not write is refused, nothing written; one it may not read likewise" {
	mkdir "$D/roots"	# root's, 0755: the user may not write it
	run --separate-stderr "$POOL_BIN" cp cpm:/etc/passwd "$D/roots/x"
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$D/roots: Permission denied (it is written as uid 4242)"* ]]
	[ -z "$(ls -A "$D/roots")" ]
	run --separate-stderr "$POOL_BIN" cp cpm:/etc/passwd "$D/roots"
	[ "$status" -eq 1 ]
	[ -z "$(ls -A "$D/roots")" ]
	printf 'secret\n' > "$D/roots/secret"
	chmod 600 "$D/roots/secret"
	run --separate-stderr "$POOL_BIN" cp "$D/roots/secret" cpm:/tmp/secret
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$D/roots/secret: Permission denied"* ]]
	run "$POOL_BIN" exec cpm -- test -e /tmp/secret
	[ "$status" -eq 1 ]
	# The control: the user's own folder takes it.
	run --separate-stderr "$POOL_BIN" cp cpm:/etc/passwd "$D/mine/x"
	[ "$status" -eq 0 ]
	grep -q '^root:' "$D/mine/x"
}

@test "a machine whose tar lies: names outside the copy, writes through its own links, an archive past its end, are refused" {
	mkdir -p "$D/outside"
	chown 4242:4242 "$D/outside"
	python3 - "$D" <<'EOF'
import io, sys, tarfile
d = sys.argv[1]
def arch(path, entries):
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
        for name, kind, data, link in entries:
            i = tarfile.TarInfo(name); i.type = kind; i.linkname = link; i.size = len(data)
            t.addfile(i, io.BytesIO(data) if data else None)
arch(d + "/climb.tar", [("x", tarfile.DIRTYPE, b"", ""), ("x/../../outside/pwned", tarfile.REGTYPE, b"no", "")])
arch(d + "/other.tar", [("x", tarfile.DIRTYPE, b"", ""), ("etc-pwned", tarfile.REGTYPE, b"no", "")])
arch(d + "/link.tar", [("x", tarfile.DIRTYPE, b"", ""), ("x/l", tarfile.SYMTYPE, b"", d + "/outside"),
                       ("x/l/pwned", tarfile.REGTYPE, b"no", "")])
arch(d + "/fine.tar", [("x", tarfile.DIRTYPE, b"", ""), ("x/ok", tarfile.REGTYPE, b"yes", "")])
EOF
	# The guest's root makes its tar a liar: a tar of its own first in
	# PATH (image host: /bin/sh is dash, which looks tar up there).
	printf 'name: liar\nimage: host\nnetwork: none\n' > "$D/liar.yaml"
	"$POOL_BIN" up -d "$D/liar.yaml"
	for t in climb other link fine; do
		"$POOL_BIN" exec liar -- sh -c "cat > /root/$t.tar" < "$D/$t.tar"
	done
	"$POOL_BIN" exec liar -- sh -c 'mount -t tmpfs liar /usr/local/sbin; mkdir -p /root/x'
	lie() { "$POOL_BIN" exec liar -- sh -c "printf '#!/bin/sh\ncat /root/$1.tar\n' > /usr/local/sbin/tar; chmod 755 /usr/local/sbin/tar"; }
	lie climb
	run --separate-stderr "$POOL_BIN" cp liar:/root/x "$D/mine/"
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the machine sent \"x/../../outside/pwned\""* ]]
	lie other
	run --separate-stderr "$POOL_BIN" cp liar:/root/x "$D/mine/"
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the machine sent \"etc-pwned\", which is not in x"* ]]
	lie link
	run --separate-stderr "$POOL_BIN" cp liar:/root/x "$D/mine/"
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"x/l -> $D/outside: a link to an absolute path, out of the copy"* ]]
	[ -z "$(ls -A "$D/outside")" ]
	[ ! -e "$D/mine/etc-pwned" ]
	# An archive that goes on past its end blocks is not padding.
	"$POOL_BIN" exec liar -- sh -c "printf '#!/bin/sh\ncat /root/fine.tar; head -c 3000000 /dev/zero\n' > /usr/local/sbin/tar"
	run --separate-stderr "$POOL_BIN" cp liar:/root/x "$D/mine/endless"
	echo "$output $stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"goes on past its end"* ]]
	# The control: the same liar with an honest archive is taken.
	lie fine
	run --separate-stderr "$POOL_BIN" cp liar:/root/x "$D/mine/fine"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(cat "$D/mine/fine/ok")" = yes ]
	"$POOL_BIN" down liar
}

@test "cp: one path in a machine, one here; usage errors before anything connects" {
	run --separate-stderr "$POOL_BIN" cp "$D/a" "$D/b"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"neither path names a machine"* ]]
	run --separate-stderr "$POOL_BIN" cp cpm:/a cpm:/b
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"both paths are in machines"* ]]
	run --separate-stderr "$POOL_BIN" cp "$D/mine" nosuch:/tmp
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"machine nosuch is not running"* ]]
}
