#!/usr/bin/env bats
# env.bats - the guest command's environment is exactly what the command
# line names (-e VAR, -e VAR=VALUE, --env-file FILE), and its folder what
# -w says; for pool run and pool exec alike. Options before the spec or
# NAME and between it and the command; an unknown one refused before
# anything boots or connects. Real VMs under TCG.

load helpers

setup() {
	pool_env
	D=$(mktemp -d /tmp/pool-env.XXXXXX)
	chmod 755 "$D"
	printf 'name: %s\nimage: minimal\nmemory: 160M\nnetwork: none\nworkdir: /tmp\n' envm > "$D/m.yaml"
}

teardown() {
	kill_supervisors
	rm -rf "$D"
}

has_line() { printf '%s\n' "$output" | grep -qxF -- "$1"; }

# The guest's variables (names only, sorted) from `env` output in $1,
# less those of $2 (the same command without any -e): what the options
# added.
added() {
	comm -23 <(printf '%s\n' "$1" | sed -n 's/=.*//p' | sort -u) <(printf '%s\n' "$2" | sed -n 's/=.*//p' | sort -u) | tr '\n' ' '
}

@test "run: -e VAR=VALUE, -e VAR and --env-file give exactly those variables; the host's others stay out" {
	printf '# a comment\n\nFROM_FILE=one\n  SPACED=two words\nOVERRIDE=file\nHOSTVAR\n' > "$D/vars"
	export HOSTVAR=from-host SECRET_TOKEN=do-not-pass
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" -- env
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	base=$output
	[[ "$base" != *SECRET_TOKEN* && "$base" != *HOSTVAR* ]]
	run --separate-stderr "$POOL_BIN" run -e CI=1 "$D/m.yaml" -e HOSTVAR --env-file "$D/vars" -e OVERRIDE=cli -- env
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(added "$output" "$base")" = "CI FROM_FILE HOSTVAR OVERRIDE SPACED " ]
	has_line "CI=1"
	has_line "HOSTVAR=from-host"
	has_line "SPACED=two words"
	has_line "OVERRIDE=cli"
	[[ "$output" != *SECRET_TOKEN* ]]
}

@test "run: -e of an unset variable and a bad --env-file line are refused before boot, with FILE:LINE" {
	unset NOT_SET_HERE
	run --separate-stderr "$POOL_BIN" run -e NOT_SET_HERE "$D/m.yaml" -- env
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"NOT_SET_HERE is not set here (sudo resets the environment: sudo -E, or sudo --preserve-env=NOT_SET_HERE, keeps it)"* ]]
	printf 'GOOD=1\n\n1BAD=x\n' > "$D/vars"
	run --separate-stderr "$POOL_BIN" run --env-file "$D/vars" "$D/m.yaml" -- env
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"$D/vars:3: \"1BAD\" is not a variable name"* ]]
	run --separate-stderr "$POOL_BIN" run --bogus "$D/m.yaml" -- env
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unexpected argument --bogus"* ]]
	run --separate-stderr "$POOL_BIN" run "$D/m.yaml" --bogus -- env
	[ "$status" -eq 2 ]
	# Nothing booted: no machine folder was made, no accelerator chosen.
	[ ! -e "$POOL_STATE_DIR/envm" ]
	[[ "$stderr" != *accel* ]]
}

@test "exec: -e, --env-file and -w before NAME and between NAME and --; exactly those variables; unknown options refused before connecting" {
	run --separate-stderr "$POOL_BIN" exec --bogus nosuch -- env
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"unexpected argument --bogus"* ]]
	run --separate-stderr "$POOL_BIN" exec nosuch -e 1X=2 -- env
	[ "$status" -eq 2 ]
	[[ "$stderr" == *'"1X" is not a variable name'* ]]
	run --separate-stderr "$POOL_BIN" exec nosuch -- env
	[ "$status" -eq 1 ]	# the control: a well-formed exec gets as far as the machine
	[[ "$stderr" == *"nosuch"* ]]

	run --separate-stderr "$POOL_BIN" up -d "$D/m.yaml"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	run --separate-stderr "$POOL_BIN" exec envm -- env
	[ "$status" -eq 0 ]
	base=$output
	printf 'TOKEN=abc\n' > "$D/vars"
	export HOSTVAR=from-host SECRET_TOKEN=do-not-pass
	run --separate-stderr "$POOL_BIN" exec -e CI=1 --env-file "$D/vars" envm -e HOSTVAR -w / -- env
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$(added "$output" "$base")" = "CI HOSTVAR TOKEN " ]
	has_line "TOKEN=abc"
	[[ "$output" != *SECRET_TOKEN* ]]
	run --separate-stderr "$POOL_BIN" exec envm pwd
	[ "$output" = /tmp ]	# the spec's workdir
	run --separate-stderr "$POOL_BIN" exec -w /proc envm pwd
	[ "$status" -eq 0 ]
	[ "$output" = /proc ]
	# Without --, the command starts at the first word after NAME that is
	# not an option; what follows is the command's.
	run --separate-stderr "$POOL_BIN" exec envm -e X=1 sh -c 'echo "$X" "$1"' sh -e
	echo "$output $stderr"
	[ "$output" = "1 -e" ]
	"$POOL_BIN" down envm
}
