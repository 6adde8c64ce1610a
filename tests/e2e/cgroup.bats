#!/usr/bin/env bats
# cgroup.bats - each machine's QEMU runs in a memory cgroup of its own, with
# the guest's memory plus pool's documented overhead as the limit (read
# back where the host has a writable memory controller); the cgroup goes
# with pool down, and with the reclaim of a supervisor killed with -9.
# The cgroups go beneath this test's own cgroup (POOL_CGROUP, pool_env).

load helpers

setup() {
	pool_env
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -n "$TEST_CGROUP_MOUNT" ] || skip "no memory cgroup hierarchy on this host"
	D="$BATS_TEST_TMPDIR"
	printf 'name: lim\nimage: minimal\nmemory: 192M\nnetwork: none\n' > "$D/lim.yaml"
}

teardown() {
	"$POOL_BIN" down lim >/dev/null 2>&1 || true
}

sup_pid() { sed -n 's/^pid=//p' "$POOL_STATE_DIR/$1/status"; }
qemu_of() { local p; for p in $(children_of "$1"); do grep -q qemu "/proc/$p/comm" && echo "$p"; done; return 0; }
# A process's memory cgroup, as /proc/PID/cgroup names it.
cgroup_of() {
	if [ "$(basename "$TEST_CGROUP_MOUNT")" = memory ]; then
		awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$1/cgroup"
	else
		awk -F: '$1 == 0 { print $3 }' "/proc/$1/cgroup"
	fi
}
# TCG's translation cache: an eighth of the host's memory, within 128M and 1G (plan_tb_mib)
tb_mib() { awk '/^MemTotal:/ { t = int($2 / 1024 / 8); print (t < 128 ? 128 : (t > 1024 ? 1024 : t)) }' /proc/meminfo; }
limit_file() { [ "$(basename "$TEST_CGROUP_MOUNT")" = memory ] && echo memory.limit_in_bytes || echo memory.max; }

@test "QEMU runs in a memory cgroup of its own: the guest's 192M plus 256M, plus the translation cache under TCG" {
	run --separate-stderr "$POOL_BIN" up -d "$D/lim.yaml"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *cgroup* ]]
	sup=$(sup_pid lim)
	q=$(qemu_of "$sup")
	[ -n "$q" ]
	cg=$(cgroup_of "$q")
	echo "qemu $q in $cg"
	[[ "$cg" == "${POOL_CGROUP%/}/pool/lim-"* ]]
	limit=$(cat "$TEST_CGROUP_MOUNT$cg/$(limit_file)")
	tb=$(tb_mib)
	[ "$limit" -eq $(((192 + 256 + tb) << 20)) ]
	# the supervisor is not in it: only the hypervisor is
	[ "$(cgroup_of "$sup")" = "$POOL_CGROUP" ]
	# and the guest's memory is charged there
	[ "$(cat "$TEST_CGROUP_MOUNT$cg/memory.usage_in_bytes" 2>/dev/null || cat "$TEST_CGROUP_MOUNT$cg/memory.current")" -gt $((16 << 20)) ]
	# pool check says the same
	run "$POOL_BIN" check "$D/lim.yaml"
	[[ "$output" == *"memory max  $((192 + 256 + tb))M (the guest's 192M, QEMU's 256M, TCG's translation cache ${tb}M"* ]]
	"$POOL_BIN" down lim
	[ ! -e "$TEST_CGROUP_MOUNT$cg" ]
}

@test "a guest that fills its memory stays within the limit, and its QEMU lives" {
	"$POOL_BIN" up -d "$D/lim.yaml"
	q=$(qemu_of "$(sup_pid lim)")
	cg=$(cgroup_of "$q")
	run --separate-stderr "$POOL_BIN" exec lim -- sh -c 'dd if=/dev/zero of=/fill bs=1M count=400 2>/dev/null; grep -E "MemTotal|MemFree|Shmem:" /proc/meminfo; echo filled'
	echo "$output $stderr"
	[[ "$output" == *filled* ]]
	kill -0 "$q"
	if [ -f "$TEST_CGROUP_MOUNT$cg/memory.max_usage_in_bytes" ]; then
		peak=$(cat "$TEST_CGROUP_MOUNT$cg/memory.max_usage_in_bytes")
	else
		peak=$(cat "$TEST_CGROUP_MOUNT$cg/memory.peak" 2>/dev/null || cat "$TEST_CGROUP_MOUNT$cg/memory.current")
	fi
	echo "peak $((peak >> 20))M of $(( $(cat "$TEST_CGROUP_MOUNT$cg/$(limit_file)") >> 20))M"
	[ "$peak" -gt $((150 << 20)) ]		# the guest's memory is charged there
	[ "$peak" -lt $(((192 + 256 + $(tb_mib)) << 20)) ]
	"$POOL_BIN" down lim
}

@test "a supervisor killed with -9 leaves its cgroup until the reclaim, which removes it" {
	"$POOL_BIN" up -d "$D/lim.yaml"
	sup=$(sup_pid lim)
	q=$(qemu_of "$sup")
	cg=$(cgroup_of "$q")
	[ -d "$TEST_CGROUP_MOUNT$cg" ]
	kill -9 "$sup"
	wait_for 10 sh -c "! kill -0 $q 2>/dev/null"	# QEMU dies with its supervisor
	[ -d "$TEST_CGROUP_MOUNT$cg" ]
	run --separate-stderr "$POOL_BIN" down lim
	echo "$output $stderr"
	[[ "$stderr" == *"its supervisor had died; reclaimed what it left"* ]]
	[ ! -e "$TEST_CGROUP_MOUNT$cg" ]
	# the next boot of the same machine after a kill gets a fresh one too
	"$POOL_BIN" up -d "$D/lim.yaml"
	sup=$(sup_pid lim)
	kill -9 "$sup"
	wait_for 10 sh -c "! kill -0 $sup 2>/dev/null"
	run --separate-stderr "$POOL_BIN" run "$D/lim.yaml" -- cat /proc/meminfo
	[ "$status" -eq 0 ]
	[ ! -e "$TEST_CGROUP_MOUNT$cg" ]
}

@test "without a memory cgroup pool runs quietly, and pool doctor says so" {
	# ip netns exec mounts a fresh /sys: no cgroup hierarchy in there
	ip netns add "poolcg-$$"
	run --separate-stderr ip netns exec "poolcg-$$" "$POOL_BIN" run "$D/lim.yaml" -- echo ran
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[[ "$stderr" != *cgroup* && "$stderr" != *memory* ]]
	run ip netns exec "poolcg-$$" "$POOL_BIN" doctor
	ip netns del "poolcg-$$"
	echo "$output"
	[[ "$output" == *"warn memory limit   no cgroup hierarchy has the memory controller: machines run without a memory limit"* ]]
	# the control: here doctor finds the one this test's machines use
	run "$POOL_BIN" doctor
	echo "$output"
	[[ "$output" == *"ok   memory limit   cgroup "*"in $TEST_CGROUP_MOUNT${POOL_CGROUP%/}/pool"* ]]
}
