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
	test_cgroup
}

# The machines' memory cgroups go beneath this test's own cgroup
# (POOL_CGROUP), never at the top of this machine's hierarchy. Sets
# TEST_CGROUP_MOUNT to the hierarchy pool uses, "" when there is none
# (network namespaces made with ip netns exec see no cgroup at all).
test_cgroup() {
	local v2 line
	TEST_CGROUP_MOUNT=""
	v2=$(findmnt -n -t cgroup2 -o TARGET 2>/dev/null | head -n1)
	if [ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
		TEST_CGROUP_MOUNT=$v2
		line=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
	else
		TEST_CGROUP_MOUNT=$(findmnt -n -t cgroup -O memory -o TARGET 2>/dev/null | head -n1)
		line=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)
	fi
	export POOL_CGROUP="${line:-/}"
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

# net_world H I: a namespace H where pool runs (the "host"), a namespace
# I that plays the internet (198.51.100.2, facing the world on wan0), and
# between them a router namespace R = "$I-r", as a home or cloud network
# has one:
#
#   H up0 192.0.2.2/24 -- lan0 R: 192.0.2.1 (H's default route), 192.0.2.3
#                        (a host on the uplink's own subnet, the LAN),
#                        10.99.0.1 (a private LAN), 169.254.169.254 (the
#                        instance metadata address); wan1 203.0.113.1/24
#                                  -- wan0 I: 203.0.113.2/24, 198.51.100.2
#
# The uplink's subnet (TEST-NET-1) is not private: only the host's own
# subnets rule keeps machines off it. Nothing touches this machine's own
# interfaces. net_world_del undoes it.
net_world() {
	local r="$2-r"
	ip netns add "$1"
	ip netns add "$r"
	ip netns add "$2"
	veth_uplink "$1" "$r" 192.0.2.2 192.0.2.1 lan0
	ip link add wan1 netns "$r" type veth peer name wan0 netns "$2"
	ip -n "$r" addr add 192.0.2.3/24 dev lan0
	ip -n "$r" addr add 10.99.0.1/32 dev lo
	ip -n "$r" addr add 169.254.169.254/32 dev lo
	ip -n "$r" addr add 203.0.113.1/24 dev wan1
	ip -n "$2" addr add 203.0.113.2/24 dev wan0
	ip -n "$2" addr add 198.51.100.2/32 dev lo
	for ns in "$1" "$r" "$2"; do ip -n "$ns" link set lo up; done
	ip -n "$r" link set wan1 up
	ip -n "$2" link set wan0 up
	ip -n "$r" route add 198.51.100.0/24 via 203.0.113.2
	ip -n "$2" route add default via 203.0.113.1
	ip netns exec "$r" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
}

# veth_uplink H W HOST_IP WORLD_IP IFNAME: a veth from up0 in namespace H
# to IFNAME in namespace W, HOST_IP and WORLD_IP on it (/24), and H's
# default route through it.
veth_uplink() {
	ip link add up0 netns "$1" type veth peer name "$5" netns "$2"
	ip -n "$1" addr add "$3/24" dev up0
	ip -n "$2" addr add "$4/24" dev "$5"
	ip -n "$1" link set up0 up
	ip -n "$2" link set "$5" up
	ip -n "$1" route add default via "$4"
}

# kill_supervisors [STATE_DIR...]: kill -9, by the pid in its status file,
# every supervisor under these state folders (this test's by default).
kill_supervisors() {
	local d f pid
	for d in "${@:-$POOL_STATE_DIR}"; do
		for f in "$d"/*/status; do
			[ -e "$f" ] || continue
			pid=$(sed -n 's/^pid=//p' "$f")
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
		done
	done
}

# kill_tmux_servers FILE: end each tmux server whose socket FILE lists (a
# test's own servers, one socket a line).
kill_tmux_servers() {
	local s
	while read -r s; do
		tmux -S "$s" kill-server 2>/dev/null || true
	done < "$1"
}

net_world_del() {
	ip netns del "$2" 2>/dev/null || true
	ip netns del "$2-r" 2>/dev/null || true
	ip netns del "$1" 2>/dev/null || true
}

# test_world: net_world for this test, the host H=poolh-PID-N and the
# internet I=pooli-PID-N. net_world_del "$H" "$I" undoes it.
test_world() {
	H="poolh-$$-$BATS_TEST_NUMBER"
	I="pooli-$$-$BATS_TEST_NUMBER"
	net_world "$H" "$I"
}

# host_ns H: a namespace H where pool runs (the "host"), with an uplink for
# the channel's masquerade and the default route: a veth pair with both
# ends in H, so nothing leaves it. ip netns del undoes it.
host_ns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	ip -n "$1" link add up0 type veth peer name up0p
	ip -n "$1" addr add 198.51.100.1/24 dev up0
	ip -n "$1" link set up0 up
	ip -n "$1" link set up0p up
	ip -n "$1" route add default via 198.51.100.2
}

# user_dir NAME SUB...: D, a new /tmp/pool-NAME.XXXXXX with the folders SUB
# in it, all owned by uid 4242, the user pool acts for (SUDO_UID); bats'
# own temp folders are root's alone. The caller removes it.
user_dir() {
	local sub
	export SUDO_UID=4242 SUDO_GID=4242
	D=$(mktemp -d "/tmp/pool-$1.XXXXXX")
	chmod 755 "$D"
	shift
	for sub in "$@"; do
		mkdir -p "$D/$sub"
	done
	chown -R 4242:4242 "$D"
}

# output_has TEXT...: $output holds each TEXT.
output_has() {
	local t
	for t in "$@"; do
		[[ "$output" == *"$t"* ]] || { echo "not in the output: $t"; return 1; }
	done
}

# pane_shows SESSION SECONDS REGEX: wait until tmux's pane in SESSION has a
# line matching REGEX (grep).
pane_shows() {
	wait_for "$2" sh -c 'tmux capture-pane -p -t "$1" | grep -q -- "$2"' pane "$1" "$3"
}

# machine_link S C: namespaces S, the supervisor's side (srv0, with the
# channel bridge's MAC $SRV_MAC), and C, the machine's (eth0, $MAC), joined
# by a veth.
machine_link() {
	ip netns add "$1"
	ip netns add "$2"
	ip -n "$1" link add srv0 address "$SRV_MAC" type veth peer name eth0 netns "$2"
	ip -n "$2" link set eth0 address "$MAC"
}

# lines_are LINE...: $lines begins with these lines, in order.
lines_are() {
	local i=0 want
	for want in "$@"; do
		[ "${lines[$i]}" = "$want" ] || { echo "line $i: '${lines[$i]}', want '$want'"; return 1; }
		i=$((i + 1))
	done
}

# answers LINE...: $lines is these lines, in order, and no more.
answers() {
	lines_are "$@"
	[ "${#lines[@]}" -eq "$#" ]
}
