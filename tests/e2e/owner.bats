#!/usr/bin/env bats
# owner.bats - who owns what in a share: the guest's root restores foreign
# owners (tar -xf, cp -a, chown, pip and npm installs) and succeeds, while
# every file on the host stays the invoking user's; owner: ROLE makes a
# share that role's in the guest, so a non-root role writes its project.
# Real VMs under TCG.

load helpers

setup() {
	pool_env
	export SUDO_UID=4242 SUDO_GID=4242	# the user pool acts for
	H="poolo-$$-$BATS_TEST_NUMBER"	# a namespace of our own, where one is needed
	D=$(mktemp -d /tmp/pool-owner.XXXXXX)
	chmod 755 "$D"
	mkdir -p "$D/code"
	# An archive as one from elsewhere: owners this host does not have.
	python3 - "$D/code/foreign.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    def add(name, kind, data=b"", mode=0o644, link=""):
        i = tarfile.TarInfo(name)
        i.type, i.mode, i.uid, i.gid, i.uname, i.gname = kind, mode, 4343, 4344, "builder", "builder"
        i.mtime, i.linkname, i.size = 1500000000, link, len(data)
        t.addfile(i, io.BytesIO(data) if data else None)
    add("pkg", tarfile.DIRTYPE, mode=0o755)
    add("pkg/run.sh", tarfile.REGTYPE, b"#!/bin/sh\necho ran\n", 0o750)
    add("pkg/secret", tarfile.REGTYPE, b"only mine\n", 0o600)
    add("pkg/link", tarfile.SYMTYPE, link="run.sh")
EOF
	chown -R 4242:4242 "$D"
}

teardown() {
	kill_supervisors
	ip netns del "$H" 2>/dev/null || true
	rm -rf "$D"
}

said() {	# said NAME: the value of NAME=VALUE in $output
	printf '%s\n' "$output" | sed -n "s/^$1=//p"
}

# Every file under $1 is the invoking user's.
all_mine() {
	local other
	other=$(find "$1" \( ! -uid 4242 -o ! -gid 4242 \) -printf '%u:%g %p\n')
	[ -z "$other" ] || { echo "not the user's: $other"; return 1; }
}

@test "as the guest's root, tar -xf of foreign owners, cp -a and chown succeed in a share; the host's files stay the user's" {
	printf 'name: owners\nimage: host\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c '
		cd /code
		tar -xf foreign.tar; echo tar=$?
		cp -a pkg copy; echo cp=$?
		chown 77:78 pkg/secret; echo chown=$?
		chown -h 79 pkg/link; echo lchown=$?
		./pkg/run.sh; ./copy/link
		stat -c "%a %s %Y %n" pkg/run.sh pkg/secret copy/secret
		readlink copy/link
		touch mine; echo touch=$?
		stat -c "owner=%u:%g" pkg/secret'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(said tar)" = 0 ]
	[ "$(said cp)" = 0 ]
	[ "$(said chown)" = 0 ]
	[ "$(said lchown)" = 0 ]
	[[ "$stderr" != *"Cannot change ownership"* ]]
	# What tar restores besides owners arrived: modes, times, links, data.
	[[ "$output" == *$'ran\nran'* ]]
	[[ "$output" == *"750 19 1500000000 pkg/run.sh"* ]]
	[[ "$output" == *"600 10 1500000000 pkg/secret"* ]]
	[[ "$output" == *"600 10 1500000000 copy/secret"* ]]
	[[ "$output" == *$'\nrun.sh\n'* ]]
	# The guest sees the owner the host has (its root), not the one it set.
	[ "$(said owner)" = "0:0" ]
	[ "$(said touch)" = 0 ]
	# On the host: all of it the user's, the modes and contents as made.
	all_mine "$D/code"
	[ "$(stat -c %a "$D/code/pkg/secret")" = 600 ]
	[ "$(cat "$D/code/copy/secret")" = "only mine" ]
	[ "$(readlink "$D/code/pkg/link")" = run.sh ]
	[ -z "$(find "$D/code" -perm /6000)" ]
}

@test "pip and npm install into a share as the guest's root, offline; the host's files stay the user's" {
	mkdir -p "$D/code/pyhello/hello" "$D/code/jshello" "$D/code/app"
	printf 'from setuptools import setup\nsetup(name="hello", version="1.0", packages=["hello"])\n' > "$D/code/pyhello/setup.py"
	printf 'WORD = "py-ok"\n' > "$D/code/pyhello/hello/__init__.py"
	printf '{"name": "jshello", "version": "1.0.0", "main": "index.js"}\n' > "$D/code/jshello/package.json"
	printf 'module.exports = "js-ok";\n' > "$D/code/jshello/index.js"
	printf '{"name": "app", "version": "1.0.0"}\n' > "$D/code/app/package.json"
	chown -R 4242:4242 "$D/code"
	printf 'name: installs\nimage: host\nmemory: 768M\nnetwork: none\nshares:\n  - {source: code, target: /code}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c '
		cd /code
		python3 -m pip install -q --no-index --no-build-isolation --target /code/pylib ./pyhello; echo pip=$?
		PYTHONPATH=/code/pylib python3 -c "import hello; print(hello.WORD)"
		cd app && HOME=/tmp npm install --offline --no-audit --no-fund ../jshello >/dev/null; echo npm=$?
		node -e "console.log(require(\"jshello\"))"'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(said pip)" = 0 ]
	[ "$(said npm)" = 0 ]
	[[ "$output" == *py-ok* ]]
	[[ "$output" == *js-ok* ]]
	[ -d "$D/code/pylib/hello" ]
	[ -e "$D/code/app/node_modules/jshello" ]
	all_mine "$D/code"
}

@test "owner: ROLE: the share is that role's in the guest and the role writes it; its files are the user's on the host" {
	printf 'name: owned\nimage: host\nnetwork: none\nusers:\n  root: {}\n  dev: {}\nshares:\n  - {source: code, target: /code, owner: dev}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c '
		stat -c "share=%U:%g" /code
		setpriv --reuid=dev --regid=1000 --clear-groups sh -c "
			mkdir /code/src && echo code > /code/src/main.c; echo write=\$?
			tar -C /code -xf /code/foreign.tar; echo tar=\$?
			stat -c made=%U /code/src/main.c"
		touch /code/by-root; stat -c root-made=%U /code/by-root'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(said share)" = "dev:1000" ]
	[ "$(said write)" = 0 ]
	[ "$(said tar)" = 0 ]
	[ "$(said made)" = dev ]
	[ "$(said root-made)" = dev ]
	all_mine "$D/code"
	[ "$(cat "$D/code/src/main.c")" = code ]
	# The control: without owner: the share is root's, and the role may
	# not write it.
	sed -i 's/, owner: dev//' "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- sh -c '
		stat -c "share=%U" /code
		setpriv --reuid=dev --regid=1000 --clear-groups sh -c "touch /code/x; echo write=\$?"'
	echo "$output $stderr"
	[ "$(said share)" = root ]
	[ "$(said write)" = 1 ]
	[ ! -e "$D/code/x" ]
}

@test "owner: names a role of users:; pool check says whose the share is" {
	printf 'name: owned\nimage: minimal\nnetwork: none\nusers:\n  root: {}\n  dev: {}\nshares:\n  - {source: code, target: /code, owner: bob}\n' > "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" check "$D/m.yaml"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"m.yaml:8:42: shares[0].owner: bob is not one of users:"* ]]
	sed -i 's/owner: bob/owner: dev/' "$D/m.yaml"
	run --separate-stderr "$POOL_BIN" check "$D/m.yaml"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"share       $D/code -> /code (read-write, virtiofs tag share0, owner uid 1000 in the guest)"* ]]
}

@test "an ssh role with owner: logs in with ssh and writes its share, as the user on the host" {
	# ssh runs as the invoking user, who needs a passwd entry: nobody here
	export SUDO_UID=65534 SUDO_GID=65534
	chown -R 65534:65534 "$D/code"
	ssh-keygen -q -t ed25519 -N "" -C owner-test -f "$D/id"
	chown 65534:65534 "$D/id" "$D/id.pub"
	host_ns "$H"
	printf 'name: sshown\nimage: host\naddress: 10.0.0.9\nnetwork: isolated\nusers:\n  root: {}\n  dev:\n    shell: bash\n    keys: ["%s"]\nshares:\n  - {source: code, target: /code, owner: dev}\n' \
		"$(cat "$D/id.pub")" > "$D/m.yaml"
	run --separate-stderr ip netns exec "$H" "$POOL_BIN" up -d "$D/m.yaml"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	ssh_in() { ip netns exec "$H" "$POOL_BIN" ssh -i "$D/id" sshown -- "$@" 2>"$D/ssh.err"; }
	wait_for 300 ssh_in true || { cat "$D/ssh.err"; false; }
	# one word: ssh hands the remote shell (bash) one command line
	run ssh_in 'id -un; cd /code && echo from-ssh > note && mkdir -p src && stat -c "%U %n" note src'
	echo "$output"
	ip netns exec "$H" "$POOL_BIN" down sshown
	[ "${lines[0]}" = dev ]
	[[ "$output" == *"dev note"* ]]
	[[ "$output" == *"dev src"* ]]
	[ "$(cat "$D/code/note")" = from-ssh ]
	[ "$(stat -c %u:%g "$D/code/note")" = 65534:65534 ]
}
