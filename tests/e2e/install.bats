#!/usr/bin/env bats
# install.bats - pool installed like a real tool: `meson install` into a
# prefix of its own (a fresh build dir, -Dtests=disabled), the installed
# pool booting a machine with no POOL_INIT, also after the installed tree
# moved; the man pages rendering and naming every subcommand, option,
# environment variable and spec key the code has; the bash completion.

load helpers

setup_file() {
	export PREFIX="$BATS_FILE_TMPDIR/prefix"
	local b="$BATS_FILE_TMPDIR/build" log="$BATS_FILE_TMPDIR/build.log"
	if ! { meson setup -Dtests=disabled -Dman=enabled --prefix="$PREFIX" "$b" "$POOL_SRC" &&
		ninja -C "$b" && meson install -C "$b" --no-rebuild; } >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		return 1
	fi
	export MAN1="$PREFIX/share/man/man1/pool.1" MAN5="$PREFIX/share/man/man5/pool.yaml.5"
	export COMPLETION="$PREFIX/share/bash-completion/completions/pool"
}

# The pages as a reader sees them: no hyphenation, no justification.
render() { MANWIDTH=100 man --nh --nj -l "$1" 2>&1; }

# The subcommands pool --help lists, each once (a command of several
# verbs, pool mesh, has a line per verb).
subcommands() { "$POOL_BIN" --help | awk '$1 == "pool" && $2 != "COMMAND" && !seen[$2]++ {print $2}'; }

# The verbs of a command of several (mesh: init, ca, ...); none for the rest.
verbs() {
	"$POOL_BIN" --help | awk -v c="$1" '$1 == "pool" && $2 == c {n++; v[n] = $3}
		END {if (n > 1) for (i = 1; i <= n; i++) print v[i]}'
}

@test "meson install puts pool, pool-init, the man pages and the completion under the prefix" {
	for f in bin/pool libexec/pool/pool-init share/man/man1/pool.1 share/man/man5/pool.yaml.5 \
		share/bash-completion/completions/pool; do
		[ -f "$PREFIX/$f" ] || { echo "missing: $PREFIX/$f"; find "$PREFIX" -type f; false; }
	done
	[ -x "$PREFIX/bin/pool" ]
	[ -x "$PREFIX/libexec/pool/pool-init" ]
	# -Dtests=disabled: nothing of the tests is built or installed
	[ -z "$(find "$PREFIX" -name 'test_*' -o -name 'fuzz-*')" ]
	[ ! -e "$BATS_FILE_TMPDIR/build/tests" ]
}

@test "the installed pool boots a machine with its own pool-init, no POOL_INIT; POOL_INIT still overrides" {
	pool_env
	unset POOL_INIT
	run "$PREFIX/bin/pool" check "$HELLO"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\npool-init   '"$PREFIX/libexec/pool/pool-init"$'\n'* ]] || { echo "$output" | grep pool-init; false; }
	want=$(printf '%s\n' "$output" | awk '$1 == "version" {print $2}')
	[ -n "$want" ]
	run --separate-stderr "$PREFIX/bin/pool" run "$HELLO" -- uname -r
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	[ "$output" = "$want" ]
	# the override, refused when it names nothing
	POOL_INIT=/nonexistent/pool-init run --separate-stderr "$PREFIX/bin/pool" run "$HELLO" -- true
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"/nonexistent/pool-init"* ]]
	assert_no_machine_left hello
}

@test "an installed tree that moved still finds its pool-init, and boots" {
	pool_env
	unset POOL_INIT
	moved="$BATS_FILE_TMPDIR/moved"
	mv "$PREFIX" "$moved"
	run "$moved/bin/pool" check "$HELLO"
	check_status=$status check_out=$output
	run --separate-stderr "$moved/bin/pool" run "$HELLO" -- echo moved
	run_status=$status run_out=$output run_err=$stderr
	# the control: the same binary away from its tree (and with the
	# configured libexecdir gone) finds no pool-init, and says so
	cp "$moved/bin/pool" "$BATS_TEST_TMPDIR/pool"
	run --separate-stderr "$BATS_TEST_TMPDIR/pool" check "$HELLO"
	lone_status=$status lone_err=$stderr
	mv "$moved" "$PREFIX"
	[ "$check_status" -eq 0 ]
	[[ "$check_out" == *$'\npool-init   '"$moved/libexec/pool/pool-init"$'\n'* ]] || { echo "$check_out" | grep pool-init; false; }
	[ "$run_status" -eq 0 ] || { echo "$run_err"; false; }
	[ "$run_out" = moved ]
	[ "$lone_status" -ne 0 ]
	[[ "$lone_err" == *"pool-init $PREFIX/libexec/pool/pool-init"* ]] || { echo "$lone_err"; false; }
}

@test "man -l renders both pages, with their sections" {
	run render "$MAN1"
	[ "$status" -eq 0 ]
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS SPEC 'WHAT POOL PROTECTS, AND WHAT IT DOES NOT' \
		ENVIRONMENT FILES 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		printf '%s\n' "$output" | grep -qx "$s" || { echo "pool(1): no section $s"; false; }
	done
	# the threat model's parts
	for s in Protected 'What a spec may ask for, and only that' 'What only the command line gives' \
		'What stays at risk'; do
		printf '%s\n' "$output" | grep -qx " *$s" || { echo "pool(1): no part '$s'"; false; }
	done
	[[ "${lines[-1]}" == *"pool "*"pool(1)" ]]
	printf '%s\n' "$output" | grep -A1 -x 'SEE ALSO' | grep -q 'pool.yaml(5)'
	run render "$MAN5"
	[ "$status" -eq 0 ]
	for s in NAME DESCRIPTION KEYS EXAMPLES 'SEE ALSO'; do
		printf '%s\n' "$output" | grep -qx "$s" || { echo "pool.yaml(5): no section $s"; false; }
	done
}

@test "pool(1) names every subcommand pool --help lists, every option and POOL_ variable the code reads" {
	text=$(render "$MAN1")
	cmds=$(subcommands)
	[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 12 ]
	commands=$(printf '%s\n' "$text" | sed -n '/^COMMANDS$/,/^[A-Z]/p')
	for c in $cmds; do
		# an entry of its own in COMMANDS: the command at a line's start
		printf '%s\n' "$commands" | grep -qE "^ +$c( |,|$)" || { echo "pool(1): no entry for $c"; false; }
		# and one for each of its verbs: "mesh init"
		for v in $(verbs "$c"); do
			printf '%s\n' "$commands" | grep -qE "^ +$c $v( |$)" || { echo "pool(1): no entry for $c $v"; false; }
		done
	done
	[ "$(verbs mesh | wc -l)" -ge 7 ]
	[ -z "$(verbs run)" ]
	# options: every one the commands compare their arguments with
	opts=$(grep -hoE '(strcmp\((argv\[[a-z0-9]+\]|arg|a), |(value_of|[a-z_]*option)\(argc, argv, &?i, )"-{1,2}[a-z][a-z-]*"' \
		"$POOL_SRC"/src/cmd/*.c "$POOL_SRC"/src/main.c | grep -oE '"-[^"]*"' | tr -d '"' | sort -u)
	[ "$(printf '%s\n' "$opts" | wc -l)" -ge 25 ]
	printf '%s\n' "$opts" | grep -qx -- --listen	# the mesh verbs' own
	for o in $opts; do
		printf '%s\n' "$text" | grep -qE -- "(^|[[ ,(])$o([] ,=).]|$)" || { echo "pool(1): no option $o"; false; }
	done
	# environment: every POOL_ variable pool reads, as an entry
	vars=$(grep -rhoE '(getenv\(|env_path\([^"]*)"POOL_[A-Z_]+"' "$POOL_SRC/src" | grep -oE 'POOL_[A-Z_]+' | sort -u)
	[ "$(printf '%s\n' "$vars" | wc -l)" -ge 16 ]
	printf '%s\n' "$vars" | grep -qx POOL_CACHE_DIR	# read through env_path
	for v in $vars; do
		printf '%s\n' "$text" | sed -n '/^ENVIRONMENT$/,/^[A-Z]/p' | grep -qE "^ +$v$" ||
			{ echo "pool(1): ENVIRONMENT has no entry for $v"; false; }
	done
	# --json's fields, as pool ls and pool egress write them
	for c in ls egress; do
		fields=$(grep -oE '\\"[a-z_]+\\": ' "$POOL_SRC/src/cmd/$c.c" | tr -d '\\": ' | sort -u)
		[ "$(printf '%s\n' "$fields" | wc -l)" -ge 6 ]
		for f in $fields; do
			printf '%s\n' "$text" | grep -qw -- "$f" || { echo "pool(1): no $c --json field $f"; false; }
		done
	done
	# the control: a name the code does not have is not found
	! printf '%s\n' "$text" | grep -qE "^ +frobnicate( |,|$)" || false
}

# The keys of the spec, from src/spec/keys.c: the top-level table
# (top_keys) and every mapping's list of keys (static ... *keys[] = {...}).
spec_keys() {
	awk '/static const char \*const [a-z_]*keys\[[A-Z_]*\] = \{/ { on = 1 }
		on { print } on && /};/ { on = 0 }' "$POOL_SRC/src/spec/keys.c" |
		grep -oE '"[a-z_]+"' | tr -d '"' | sort -u
}

top_keys() {
	awk '/top_keys\[KEY__MAX\] = \{/ { on = 1 } on { print } on && /};/ { on = 0 }' "$POOL_SRC/src/spec/keys.c" |
		grep -oE '"[a-z_]+"' | tr -d '"'
}

@test "pool.yaml(5) has an entry for every key src/spec/keys.c knows" {
	text=$(render "$MAN5")
	top=$(top_keys)
	[ "$(printf '%s\n' "$top" | wc -l)" -ge 17 ]
	all=$(spec_keys)
	[ "$(printf '%s\n' "$all" | wc -l)" -gt "$(printf '%s\n' "$top" | wc -l)" ]
	keys=$(printf '%s\n' "$text" | sed -n '/^KEYS$/,/^[A-Z]/p')
	for k in $top; do
		# a top-level entry: at the first indentation of the section
		printf '%s\n' "$keys" | grep -qE "^       $k:( |$)" || { echo "pool.yaml(5): no top-level entry $k:"; false; }
	done
	for k in $all; do
		printf '%s\n' "$keys" | grep -qE "^ +$k:( |$)" || { echo "pool.yaml(5): no entry $k:"; false; }
	done
	# the control: a key keys.c does not have has no entry
	! printf '%s\n' "$keys" | grep -qE "^ +frobnicate:( |$)" || false
	# every top-level key's default or "Required" is said
	for k in $top; do
		printf '%s\n' "$keys" | awk -v k="$k:" '$1 == k && /^       [a-z]/ { on = 1; next } on && /^       [a-z]/ { exit } on' |
			grep -qE 'Default|Required|default' || { echo "pool.yaml(5): $k: no default"; false; }
	done
}

# complete WORD...: what the completion offers for the words, the last being
# the one under the cursor, one a line.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _pool
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@"
}

@test "the completion offers the subcommands pool --help lists, and each one's options" {
	run complete_words pool ""
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(subcommands | sort)" ]
	run complete_words pool ex
	[ "$output" = exec ]
	for c in $(subcommands); do
		usage=$("$POOL_BIN" "$c" --help)
		if [ "$c" = channel ]; then
			run complete_words pool channel up -	# its options follow the action
		else
			run complete_words pool "$c" -
		fi
		for o in --help $(printf '%s\n' "$usage" | grep -oE '(^|[ [])-{1,2}[a-z][a-z-]*' | tr -d ' ['); do
			printf '%s\n' "${lines[@]}" | grep -qxF -- "$o" || { echo "pool $c -<TAB>: no $o in: ${lines[*]}"; false; }
		done
		# a command of several verbs: the verbs, then each one's options
		[ -n "$(verbs "$c")" ] || continue
		run complete_words pool "$c" ""
		[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(verbs "$c" | sort)" ] || { echo "pool $c <TAB>: ${lines[*]}"; false; }
		for v in $(verbs "$c"); do
			usage=$("$POOL_BIN" "$c" "$v" --help)
			[[ "$usage" == "usage: pool $c $v"* ]]
			run complete_words pool "$c" "$v" -
			for o in --help $(printf '%s\n' "$usage" | grep -oE '(^|[ [])-{1,2}[a-z][a-z-]*' | tr -d ' ['); do
				printf '%s\n' "${lines[@]}" | grep -qxF -- "$o" ||
					{ echo "pool $c $v -<TAB>: no $o in: ${lines[*]}"; false; }
			done
		done
	done
	# the control: an option no verb has is not offered
	run complete_words pool mesh grant -
	! printf '%s\n' "${lines[@]}" | grep -qxF -- --listen || false
}

@test "the completion offers running machines' names from the state folder, without their socket" {
	export POOL_STATE_DIR="$BATS_TEST_TMPDIR/state"
	mkdir -p "$POOL_STATE_DIR/web" "$POOL_STATE_DIR/db-1" "$POOL_STATE_DIR/channels" "$POOL_STATE_DIR/Not_A_Name"
	: >"$POOL_STATE_DIR/stray-file"
	for c in exec down console logs ssh egress; do
		run complete_words pool "$c" ""
		[ "$status" -eq 0 ]
		[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "db-1 web " ] || { echo "pool $c: ${lines[*]}"; false; }
	done
	run complete_words pool exec w
	[ "$output" = web ]
	# after the name comes the command: no names there
	run complete_words pool exec web ""
	[[ "$output" != *db-1* ]]
	# with no state folder, nothing (and no error)
	POOL_STATE_DIR="$BATS_TEST_TMPDIR/none" run complete_words pool exec ""
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the completion offers spec files for run, up and check" {
	d="$BATS_TEST_TMPDIR/proj"
	mkdir -p "$d/sub"
	: >"$d/pool.yaml"
	: >"$d/web.yml"
	: >"$d/nix.json"
	: >"$d/notes.txt"
	cd "$d"
	for c in run up check; do
		run complete_words pool "$c" ""
		[ "$status" -eq 0 ]
		[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "nix.json pool.yaml sub web.yml " ] ||
			{ echo "pool $c: ${lines[*]}"; false; }
	done
	run complete_words pool run --spec p
	[ "$output" = pool.yaml ]
	run complete_words pool run --allow-path ""
	[ "$output" = sub ]
}
