#!/usr/bin/env bats
# cli.bats - the command line itself: usage written once, help per
# subcommand, usage errors with exit status 2. Boots nothing.

load helpers

@test "every subcommand answers --help with the usage pool --help lists for it" {
	run "$POOL_BIN" --help
	[ "$status" -eq 0 ]
	# a command of several verbs (mesh) is listed once a verb: "mesh init"
	cmds=$(printf '%s\n' "$output" | awk '$1 == "pool" && $2 != "COMMAND" {n[$2]++; l[NR] = $2; v[NR] = $3}
		END {for (i = 1; i <= NR; i++) if (i in l) print (n[l[i]] > 1 ? l[i] "_" v[i] : l[i])}')
	[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 12 ]
	for c in $cmds; do
		c=${c/_/ }
		line=$(printf '%s\n' "$output" | awk -v c="$c" '$1 == "pool" && ($2 == c || $2 " " $3 == c)')
		# shellcheck disable=SC2086
		run "$POOL_BIN" $c --help
		[ "$status" -eq 0 ] || { echo "$c --help: $status"; false; }
		[[ "$output" == "usage: pool $c"* ]] || { echo "$c: $output"; false; }
		# the same arguments as in the list: one table, no drift
		args=${output#usage: pool $c}
		[[ "$line" == *"pool $c$args "* ]] || { echo "$c: '$args' not in '$line'"; false; }
		run "$POOL_BIN" --help
	done
	# and the command of several verbs names them all
	run "$POOL_BIN" mesh --help
	[ "$output" = "usage: pool mesh init|ca|trust|grant|revoke|status|lighthouse NET ..." ]
}

@test "a usage error exits 2 with the command's usage; an unknown command too" {
	run --separate-stderr "$POOL_BIN" ls --bogus
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: ls: unexpected argument --bogus (usage: pool ls [--json])" ]
	run --separate-stderr "$POOL_BIN" console
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: usage: pool console NAME" ]
	run --separate-stderr "$POOL_BIN" frobnicate
	[ "$status" -eq 2 ]
	[[ "$stderr" == "pool: frobnicate: unknown command"* ]]
	# the control: a well-formed call of the same command works
	POOL_STATE_DIR="$BATS_TEST_TMPDIR/state" run "$POOL_BIN" ls --json
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '[\n]')" ]
}

@test "pool --version and pool version print meson.build's version" {
	want=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$POOL_SRC/meson.build" | head -n 1)
	[ -n "$want" ]
	run "$POOL_BIN" --version
	[ "$status" -eq 0 ]
	[ "$output" = "pool $want" ]
	run "$POOL_BIN" version
	[ "$status" -eq 0 ]
	[ "$output" = "pool $want" ]
}

# The start of each column on each line of pool ls.
column_starts() {
	awk '{ s = ""; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1); p = i > 1 ? substr($0, i - 1, 1) : " ";
		if (c != " " && p == " ") s = s " " i } print s }'
}

@test "pool ls lines its columns up whatever the names' lengths" {
	# Two machines whose supervisors are gone (a folder with its lock and
	# nothing holding it): pool ls lists them dead, without booting.
	st="$BATS_TEST_TMPDIR/state"
	long=abcdefghijklmnopqrstuvwxyz-12345	# 32 characters, the longest name
	mkdir -p "$st/a/" "$st/$long/"
	: >"$st/a/lock"
	: >"$st/$long/lock"
	POOL_STATE_DIR="$st" run "$POOL_BIN" ls
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "NAME "*"ADDRESS"*"PID"*"STATE"*"UPTIME"*"MEMORY"*"PORTS" ]]
	[[ "${lines[1]}" == "a "*" dead "* ]]
	[[ "${lines[2]}" == "$long "*" dead "* ]]
	starts=$(printf '%s\n' "${lines[@]}" | column_starts | sort -u)
	[ "$(printf '%s\n' "$starts" | wc -l)" -eq 1 ] || { printf '%s\n' "${lines[@]}" "$starts"; false; }
	# seven columns, each one space past the widest cell before it
	[ "$starts" = " 1 $((${#long} + 2)) 42 46 52 59 66" ] || { printf '%s\n' "${lines[@]}"; echo "starts:$starts"; false; }
}

@test "pool egress and -p: usage errors beside well-formed calls" {
	run --separate-stderr "$POOL_BIN" egress
	[ "$status" -eq 2 ]
	[ "$stderr" = "pool: usage: pool egress NAME [--json]" ]
	run --separate-stderr "$POOL_BIN" egress NOT_A_NAME
	[ "$status" -eq 2 ]
	# the control: a well-formed name that is not running
	POOL_STATE_DIR="$BATS_TEST_TMPDIR/state" run --separate-stderr "$POOL_BIN" egress web
	[ "$status" -ne 2 ]
	[[ "$stderr" == *web* ]]
	run --separate-stderr "$POOL_BIN" check -p 8080 "$POOL_SRC/examples/hello.yaml"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-p 8080: no ':' between the host port and the guest port"* ]]
	run --separate-stderr "$POOL_BIN" check -p 8080:80/sctp "$POOL_SRC/examples/hello.yaml"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"the protocol is tcp or udp"* ]]
}
