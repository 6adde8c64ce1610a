#!/usr/bin/env bats
# cli.bats - the command line itself: usage written once, help per
# subcommand, usage errors with exit status 2. Boots nothing.

load helpers

@test "every subcommand answers --help with the usage pool --help lists for it" {
	run "$POOL_BIN" --help
	[ "$status" -eq 0 ]
	cmds=$(printf '%s\n' "$output" | awk '$1 == "pool" && $2 != "COMMAND" {print $2}')
	[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 12 ]
	for c in $cmds; do
		line=$(printf '%s\n' "$output" | awk -v c="$c" '$1 == "pool" && $2 == c')
		run "$POOL_BIN" "$c" --help
		[ "$status" -eq 0 ] || { echo "$c --help: $status"; false; }
		[[ "$output" == "usage: pool $c"* ]] || { echo "$c: $output"; false; }
		# the same arguments as in the list: one table, no drift
		args=${output#usage: pool $c}
		[[ "$line" == *"pool $c$args "* ]] || { echo "$c: '$args' not in '$line'"; false; }
		run "$POOL_BIN" --help
	done
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
