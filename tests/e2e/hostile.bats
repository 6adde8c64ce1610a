#!/usr/bin/env bats
# hostile.bats - a hostile codebase gets nothing: its spec stays in its
# folder, the share cannot plant what the host runs, the host image shows
# nothing others may not read, and a mistyped spec boots nothing. Real VMs
# under TCG; pool acts for an unprivileged user (uid 4242), as sudo says.
# Every refusal stands beside the same action on an allowed target.

load helpers

setup() {
	pool_env
	export SUDO_UID=4242 SUDO_GID=4242
	T=$(mktemp -d /tmp/pool-hostile.XXXXXX)
	chmod 755 "$T"
	R="$T/repo"			# the codebase, as cloned
	mkdir -p "$R/.git/hooks" "$R/src"
	echo "[core]" > "$R/.git/config"
	echo "inside" > "$R/src/file"
	mkdir -p "$T/outside"
	echo "the user's other files" > "$T/outside/secret"
	chown -R 4242:4242 "$T"
}

teardown() {
	rm -rf "$T"
}

spec() {	# spec EXTRA-YAML: a minimal machine with no network
	printf 'name: hostile\nimage: minimal\nmemory: 192M\nnetwork: none\n%s\n' "$1" > "$R/pool.yaml"
	chown 4242:4242 "$R/pool.yaml"
}

@test "a spec's share of .. is refused with its line and the grant to give; its own folder is shared; --allow-path grants the parent" {
	spec 'shares:
  - {source: .., target: /up}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- ls /up
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"pool.yaml:6:14: shares[0].source: $T is outside the spec's folder $R"*"--allow-path DIR"* ]]
	[ ! -e "$POOL_STATE_DIR/hostile" ]
	# the control: the spec's own folder
	spec 'shares:
  - {source: ., target: /code}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- cat /code/src/file
	[ "$status" -eq 0 ]
	[ "$output" = inside ]
	# and what the command line grants, the spec may name
	spec 'shares:
  - {source: ../outside, target: /o}'
	run --separate-stderr "$POOL_BIN" run --allow-path "$T/outside" "$R/pool.yaml" -- cat /o/secret
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "the user's other files" ]
}

@test "a symlink in the codebase that leads out of its folder is refused; one that stays inside is followed" {
	ln -s "$T/outside" "$R/link"
	ln -s src "$R/inlink"
	chown -h 4242:4242 "$R/link" "$R/inlink"
	spec 'shares:
  - {source: link, target: /l}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- ls /l
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"shares[0].source: $R/link"*"outside"* ]]
	[[ "$output" != *secret* ]]
	spec 'shares:
  - {source: inlink, target: /l}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- cat /l/file
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = inside ]
}

@test "a volume the spec puts outside its folder, through a symlinked folder, is refused and nothing is made there" {
	ln -s "$T/outside" "$R/data"
	chown -h 4242:4242 "$R/data"
	spec 'volumes:
  - {path: data/planted.img, size: 16M, target: /v}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- true
	echo "$stderr"
	[ "$status" -ne 0 ]
	[ ! -e "$T/outside/planted.img" ]
	# the control: the same volume in a real folder of the codebase
	spec 'volumes:
  - {path: src/ok.img, size: 16M, target: /v}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c 'echo hi > /v/x; cat /v/x'
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	[ -f "$R/src/ok.img" ]
}

@test "the guest cannot change .git, its own spec or a protected path, even by renaming its folder; other files it writes" {
	mkdir -p "$R/sub"
	echo keep > "$R/sub/secret"
	chown -R 4242:4242 "$R/sub"
	spec 'shares:
  - {source: ., target: /code, protect: [.git, pool.yaml, sub/secret]}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c '
		echo "#!/bin/sh" > /code/.git/hooks/pre-commit; echo hook=$?
		echo "fsmonitor = evil" >> /code/.git/config; echo config=$?
		mv /code/.git /code/.git2; echo mvgit=$?
		echo "name: evil" > /code/pool.yaml; echo spec=$?
		mv /code/sub /code/sub2 2>/dev/null; echo x >> /code/sub*/secret; echo secret=$?
		echo fine > /code/src/new; echo new=$?'
	echo "$output $stderr"
	[[ "$output" == *"hook=1"* && "$output" == *"config=1"* && "$output" == *"mvgit=1"* ]]
	[[ "$output" == *"spec=1"* && "$output" == *"secret=1"* ]]
	[[ "$output" == *"new=0"* ]]
	[ ! -e "$R/.git/hooks/pre-commit" ]
	[ "$(cat "$R/.git/config")" = "[core]" ]
	[ "$(cat "$R"/sub*/secret)" = keep ]
	grep -q '^name: hostile' "$R/pool.yaml"
	[ "$(cat "$R/src/new")" = fine ]
	[ "$(stat -c %u "$R/src/new")" = 4242 ]
}

@test "a .git the guest makes where there was none is moved aside after the machine, with a warning" {
	rm -rf "$R/.git"
	spec 'shares:
  - {source: ., target: /code}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c \
		'mkdir -p /code/.git && echo "[core]\n\tfsmonitor = /code/evil" > /code/.git/config; echo made=$?; echo ok > /code/src/kept'
	echo "$output $stderr"
	[[ "$output" == *"made=0"* ]]
	[ ! -e "$R/.git" ]
	ls -d "$R"/.git.pool-quarantine-* 
	[[ "$stderr" == *"the machine made $R/.git"*"moved it to .git.pool-quarantine-"* ]]
	[ "$(cat "$R/src/kept")" = ok ]	# what else it wrote stays
}

@test "decoy names do not keep a planted .git: it is moved under a name the guest could not guess; a nested one too; the next run says so" {
	rm -rf "$R/.git"
	mkdir -p "$R/sub"
	chown 4242:4242 "$R/sub"
	spec 'shares:
  - {source: ., target: /code}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c '
		t=$(date +%s); i=-300
		while [ $i -lt 900 ]; do : > /code/.git.pool-quarantine-$((t+i)); i=$((i+1)); done
		mkdir -p /code/.git /code/sub/.git /code/src/deep/er/.hg
		echo "[core]" > /code/sub/.git/config
		echo ok > /code/src/kept'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ ! -e "$R/.git" ]
	[ ! -e "$R/sub/.git" ]
	[ ! -e "$R/src/deep/er/.hg" ]
	ls -d "$R"/.git.pool-quarantine-*-* "$R"/sub/.git.pool-quarantine-*-* "$R"/src/deep/er/.hg.pool-quarantine-*-*
	[[ "$stderr" == *"the machine made $R/.git"* ]]
	[[ "$stderr" == *"the machine made $R/sub/.git"* ]]
	[ "$(cat "$R/src/kept")" = ok ]
	# the control: a nested repository that was there before is left alone
	mkdir -p "$R/vendored/.git"
	chown -R 4242:4242 "$R/vendored"
	sleep 2	# made before the machine's start, by more than the slack
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- true
	echo "$stderr"
	[ -d "$R/vendored/.git" ]
	# and each run says what is still set aside at the top, briefly (the
	# guest's 1200 decoys are names like the others)
	[[ "$stderr" == *".git.pool-quarantine-"*"made by an earlier machine and moved aside"* ]]
	[[ "$stderr" == *"and 1"[0-9][0-9][0-9]" more"* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c 'moved aside by pool')" -le 3 ]
}

@test "a protected file with a second name (a hard link) is refused before boot; with one name it boots" {
	echo "{ }" > "$R/flake.nix"
	ln "$R/flake.nix" "$R/notes.txt"
	chown 4242:4242 "$R/flake.nix"
	spec 'shares:
  - {source: ., target: /code}'
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c 'echo x >> /code/notes.txt'
	echo "$stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"$R/flake.nix is protected but has 2 names"* ]]
	[ "$(cat "$R/flake.nix")" = "{ }" ]
	[ ! -e "$POOL_STATE_DIR/hostile" ]
	rm "$R/notes.txt"
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c 'echo x >> /code/flake.nix; echo w=$?'
	[ "$status" -eq 0 ]
	[[ "$output" == *"w=1"* ]]
	[ "$(cat "$R/flake.nix")" = "{ }" ]
}

@test "pool check prints the protected paths; protect: [] opts out" {
	spec 'shares:
  - {source: ., target: /code}'
	run --separate-stderr "$POOL_BIN" check "$R/pool.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"protect     share0: .git .hg .envrc .vscode .idea .husky flake.nix flake.lock pool.yaml pool.yml"* ]]
	spec 'shares:
  - {source: ., target: /code, protect: []}'
	run --separate-stderr "$POOL_BIN" check "$R/pool.yaml"
	[[ "$output" == *"protect     share0: (none)"* ]]
	run --separate-stderr "$POOL_BIN" run "$R/pool.yaml" -- sh -c 'echo "x" > /code/.git/config; echo w=$?'
	[[ "$output" == *"w=0"* ]]
}

@test "the spec file is opened as the invoking user: a symlink to a root-only file and a FIFO are refused, nothing echoed" {
	echo "ROOT-ONLY-LINE: something" > "$T/rootonly"
	chmod 600 "$T/rootonly"
	chown root:root "$T/rootonly"
	ln -s "$T/rootonly" "$R/link.yaml"
	mkfifo "$R/fifo.yaml"
	chown -h 4242:4242 "$R/link.yaml" "$R/fifo.yaml"
	run --separate-stderr "$POOL_BIN" check "$R/link.yaml"
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" != *ROOT-ONLY-LINE* ]]
	[[ "$stderr" == *"symlink"* ]]
	run --separate-stderr timeout 10 "$POOL_BIN" check "$R/fifo.yaml"
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"not a regular file"* ]]
	# the control: the user's own spec reads
	spec ''
	run --separate-stderr "$POOL_BIN" check "$R/pool.yaml"
	[ "$status" -eq 0 ]
	# a spec the user cannot read is refused though root could read it
	cp "$R/pool.yaml" "$R/closed.yaml"
	chown root:root "$R/closed.yaml"
	chmod 600 "$R/closed.yaml"
	run --separate-stderr "$POOL_BIN" check "$R/closed.yaml"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"Permission denied"* ]]
	[[ "$stderr" != *"name: hostile"* ]]
}

@test "image host: a file of /usr others may not read stays unreadable in the guest; its neighbour reads and shows as root's" {
	# The host's /usr/local, in a mount namespace of the test's own.
	L="$T/usrlocal"
	mkdir -p "$L"
	echo "root's token" > "$L/token"
	chmod 600 "$L/token"
	echo "for everyone" > "$L/open"
	chmod 644 "$L/open"
	printf 'name: usrmask\nimage: host\nmemory: 384M\nnetwork: none\n' > "$R/pool.yaml"
	chown 4242:4242 "$R/pool.yaml"
	run --separate-stderr unshare -m sh -c 'mount --bind "$1" /usr/local && shift && exec "$@"' sh "$L" \
		"$POOL_BIN" run "$R/pool.yaml" -- sh -c \
		'cat /usr/local/open; stat -c %U /usr/local/open; cat /usr/local/token; echo token=$?'
	echo "$output $stderr"
	[[ "$output" == *"for everyone"* ]]
	[[ "$output" == *root* ]]
	[[ "$output" != *"root's token"* ]]
}

@test "a mistyped spec boots nothing; pool.yml is found like pool.yaml; both are refused; the default says so" {
	cd "$R"
	run --separate-stderr "$POOL_BIN" run exmaple.yaml -- uname -a
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: exmaple.yaml: no such spec file" ]
	[ ! -e "$POOL_STATE_DIR/hostile" ]
	printf 'name: yml\nimage: minimal\nmemory: 192M\nnetwork: none\n' > "$R/pool.yml"
	run --separate-stderr "$POOL_BIN" check
	[ "$status" -eq 0 ]
	[[ "$output" == "machine     yml"* ]]
	spec ''
	run --separate-stderr "$POOL_BIN" check
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"holds both pool.yaml and pool.yml"* ]]
	rm "$R/pool.yml" "$R/pool.yaml"
	run --separate-stderr "$POOL_BIN" check
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"no pool.yaml here: the embedded default"* ]]
}

@test "the default spec will not share a folder that holds .ssh (or a home); a project folder it shares" {
	mkdir -p "$T/home/.ssh"
	chown -R 4242:4242 "$T/home"
	cd "$T/home"
	run --separate-stderr "$POOL_BIN" check
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"$T/home holds .ssh"*"run pool in the project's folder"* ]]
	cd "$R/src"
	run --separate-stderr "$POOL_BIN" check
	[ "$status" -eq 0 ]
	[[ "$output" == *"share       $R/src -> $R/src (read-write"* ]]
}
