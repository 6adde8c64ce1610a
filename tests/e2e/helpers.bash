# helpers.bash - shared set-up for pool's end-to-end tests (real QEMU under TCG).

bats_require_minimum_version 1.5.0

POOL_SRC="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
POOL_BIN="${POOL_BIN:-$POOL_SRC/build/pool}"
HELLO="$POOL_SRC/examples/hello.yaml"

# Every test file gets its own state and cache folders, so nothing it does
# touches a user's machines and every leak is visible.
pool_env() {
	export POOL_STATE_DIR="$BATS_FILE_TMPDIR/state"
	export POOL_CACHE_DIR="$BATS_FILE_TMPDIR/cache"
	export POOL_ACCEL="${POOL_ACCEL:-tcg}"
}

# Processes whose parent is $1.
children_of() {
	local pid
	for pid in /proc/[0-9]*; do
		[ "$(awk '{print $4}' "$pid/stat" 2>/dev/null)" = "$1" ] && echo "${pid#/proc/}"
	done
	return 0
}

# QEMU processes started from this test's state folder: found by the
# state folder on their command line... QEMU's argv does not name it, so
# look for qemu processes whose parent is a pool process of ours.
assert_no_machine_left() {
	local name="$1"
	[ ! -e "$POOL_STATE_DIR/$name" ] || { echo "state folder $POOL_STATE_DIR/$name left behind"; ls -la "$POOL_STATE_DIR/$name"; return 1; }
}

wait_for() {	# wait_for SECONDS CMD...: poll until CMD succeeds
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# net_world H I: a namespace H where pool runs (the "host") and a namespace
# I that plays the internet (198.51.100.2), joined by a veth uplink up0 --
# wan0; H's default route goes through it. Nothing touches this machine's
# own interfaces. net_world_del undoes it.
net_world() {
	ip netns add "$1"
	ip netns add "$2"
	ip link add up0 netns "$1" type veth peer name wan0 netns "$2"
	ip -n "$1" addr add 198.51.100.1/24 dev up0
	ip -n "$2" addr add 198.51.100.2/24 dev wan0
	ip -n "$1" link set lo up
	ip -n "$2" link set lo up
	ip -n "$1" link set up0 up
	ip -n "$2" link set wan0 up
	ip -n "$1" route add default via 198.51.100.2
}

net_world_del() {
	ip netns del "$2" 2>/dev/null || true
	ip netns del "$1" 2>/dev/null || true
}
