# tests/nix/helpers.bash - evaluate pool's flake offline with Nix 2.8: inputs
# overridden by the fake nixpkgs/flake-utils beside this file, a private
# store under the test's temp folder (no root needed, nothing lands in
# /nix), no lock file written anywhere.

NIX_FIXTURES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FAKE_NIXPKGS="$NIX_FIXTURES/fake-nixpkgs"
FAKE_FLAKE_UTILS="$NIX_FIXTURES/fake-flake-utils"

# CI installs nix-bin (tools/setup --test); a missing Nix is a failure.
need_nix() {
	command -v nix-instantiate >/dev/null && command -v nix >/dev/null || {
		echo "nix-instantiate/nix not found: apt-get install nix-bin (tools/setup --test does)" >&2
		return 1
	}
}

# nix_env: private store and caches; copies of pool's flake and of the two
# example flakes. The examples name pool as url = "/pool" (where the original
# README puts it); Nix 2.8 stats a bare path flake url before any
# --override-input applies, so the copies point that one url at the copy of
# pool instead (as path:, so that a git checkout around the temp folder does
# not matter). Nothing else in them changes (asserted by a test).
nix_env() {
	T="$BATS_FILE_TMPDIR"
	export HOME="$T/home" XDG_CACHE_HOME="$T/cache" NIX_CONFIG=""
	mkdir -p "$HOME" "$XDG_CACHE_HOME"
	if [ ! -d "$T/pool" ]; then
		mkdir -p "$T/pool" "$T/host" "$T/code"
		cp -r "$POOL_SRC/flake.nix" "$POOL_SRC/nix" "$T/pool/"
		sed "s|\"/pool\"|\"path:$T/pool\"|" "$POOL_SRC/examples/nix/host-flake.nix" >"$T/host/flake.nix"
		sed "s|\"/pool\"|\"path:$T/pool\"|" "$POOL_SRC/examples/nix/codebase-flake.nix" >"$T/code/flake.nix"
	fi
}

nixf() {	# nixf SUBCOMMAND ARGS...
	local sub="$1"; shift
	nix --extra-experimental-features 'nix-command flakes' "$sub" \
		--store "$BATS_FILE_TMPDIR/store" --no-write-lock-file "$@"
}

# pool_eval EXPR [nix eval flags]: EXPR is applied to `current`, the
# flake's `current` output, with c = current "x86_64-linux" in scope.
pool_eval() {
	local expr="$1"; shift
	nixf eval --override-input nixpkgs "path:$FAKE_NIXPKGS" "$@" "path:$BATS_FILE_TMPDIR/pool#current" \
		--apply "current: let c = current \"x86_64-linux\"; in $expr"
}

# The condensed machine of the original README, plus MODULE (Nix text).
condensed() {
	local extra="${1:-}"
	[ -n "$extra" ] || extra='{ }'
	echo "(c.condense \"machine\" \"10.0.0.2\" \"enp0s4\" ({ users.users.root = c.role \"root\" { }; } // $extra)).config"
}
