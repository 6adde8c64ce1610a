#!/usr/bin/env bats
# lint.bats - the test suite's own rules: no negation that bats never checks.

load helpers

LINT="$POOL_SRC/tests/lint/bats-bang"

setup() {
	work=$(mktemp -d)
}

teardown() {
	rm -rf "$work"
}

@test "a bare negation in the middle of a bats test passes whatever it negates (why the lint exists)" {
	printf '%s\n' '@test "t" {' '	! true' '	true' '}' >"$work/sample.bats"
	run bats --tap "$work/sample.bats"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok 1 t"* ]]
}

@test "the lint names a bare negation by file and line" {
	printf '%s\n' '@test "t" {' '	! true' '	true' '}' >"$work/sample.bats"
	run ! "$LINT" "$work/sample.bats"
	[[ "$output" == *"sample.bats:2: bare negation"* ]]
}

@test "the lint accepts run ! and || false, and the suite itself" {
	printf '%s\n' '@test "t" {' '	run ! true' '	! true || false' '	true' '}' >"$work/sample.bats"
	run "$LINT" "$work/sample.bats"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$LINT" "$POOL_SRC"/tests/e2e/*.bats "$POOL_SRC"/tests/e2e/*.bash "$POOL_SRC"/tests/nix/*.bash
	[ "$status" -eq 0 ]
}
