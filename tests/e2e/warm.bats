#!/usr/bin/env bats
# warm.bats - spares: after a run of a warm: true spec a spare of its plan
# boots in the background; the next run of the same plan takes it instead
# of booting, whole and once. Real VMs under TCG; no network (network:
# none), so nothing here touches an interface.

load helpers

setup() {
	pool_env
	D=$(mktemp -d /tmp/pool-warm.XXXXXX)
	chmod 755 "$D"
	export POOL_STATE_DIR="$D/state"
	unset POOL_WARM_IDLE
}

# The processes of this test's pool: found by pid, through their
# environment (this test's own POOL_STATE_DIR) and their binary; a spare's
# supervisor and the process waiting to boot one are among them.
our_pids() {
	local p exe
	exe=$(readlink -f "$POOL_BIN")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ] || continue
		tr '\0' '\n' < "$p/environ" 2>/dev/null | grep -qx "POOL_STATE_DIR=$POOL_STATE_DIR" || continue
		echo "${p#/proc/}"
	done
	return 0
}

teardown() {
	local pid
	for pid in $(our_pids); do kill -9 "$pid" 2>/dev/null || true; done
	sleep 0.3
	[ -z "${H:-}" ] || ip netns del "$H" 2>/dev/null || true
	rm -rf "$D"
}

spec() {	# spec NAME [EXTRA YAML]: a warm machine
	local f="$D/$1.yaml"
	printf 'name: %s\nimage: minimal\nmemory: 192M\nnetwork: none\nwarm: true\n' "$1" > "$f"
	[ -z "${2:-}" ] || printf '%s\n' "$2" >> "$f"
	echo "$f"
}

ls_field() {	# ls_field NAME FIELD: from pool ls --json
	"$POOL_BIN" ls --json | python3 -c 'import json,sys; d={m["name"]: m for m in json.load(sys.stdin)}; v=d.get(sys.argv[1], {}).get(sys.argv[2]); print("" if v is None else str(v).lower())' "$1" "$2"
}

machines() { "$POOL_BIN" ls --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

spare_ready() { [ "$(ls_field "$1" state)" = spare ] && [ "$(ls_field "$1" ready)" = true ]; }

state_is() { [ "$(ls_field "$1" state)" = "$2" ]; }	# state_is NAME STATE

gone() { [ "$(machines)" = 0 ] && [ ! -e "$POOL_STATE_DIR/$1" ]; }

now() { date +%s.%N; }

# What a guest says about its boot: its boot id, then its uptime in seconds.
BOOT='cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime'

@test "after a run of a warm spec one spare waits; the next run takes it: booted before the run, none of the last run's files" {
	f=$(spec warm1)
	run --separate-stderr "$POOL_BIN" run "$f" -- sh -c "touch /root/left /tmp/left; $BOOT"
	[ "$status" -eq 0 ]
	first=$(echo "$output" | head -1)
	wait_for 120 spare_ready warm1
	[ "$(machines)" -eq 1 ]
	[ "$(ls_field warm1 memory_kib)" -gt 10000 ]	# it counts in pool ls
	sleep 3
	t0=$(now)
	POOL_BOOT_TIMES=1 run --separate-stderr "$POOL_BIN" run "$f" -- sh -c "$BOOT; ls /root /tmp"
	t1=$(now)
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	second=$(echo "$output" | sed -n 1p)
	uptime=$(echo "$output" | sed -n 2p)
	[ "$second" != "$first" ]				# another machine
	# booted before this run started: up longer than the run took, and
	# no hypervisor was started by this run
	[ "$(echo "$uptime > $t1 - $t0 + 2" | bc)" -eq 1 ]
	[[ "$stderr" == *"boot steps: start "*" qemu 0.000000 "* ]]
	[[ "$output" != *left* ]]				# none of the last run's files
	# the used machine goes; the next spare comes, and only one
	wait_for 120 spare_ready warm1
	[ "$(machines)" -eq 1 ]
}

@test "a run claims a spare that is still booting and waits for its READY" {
	f=$(spec warm2)
	"$POOL_BIN" run "$f" -- true
	wait_for 30 state_is warm2 spare
	[ "$(ls_field warm2 ready)" = false ] || skip "the spare was ready before the look (a fast host)"
	POOL_BOOT_TIMES=1 run --separate-stderr "$POOL_BIN" run "$f" -- echo ran
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = ran ]
	[[ "$stderr" == *" qemu 0.000000 "* ]]	# the spare, not a boot of its own
}

@test "a spec change: the next run boots anew and the stale spare is gone; a share's folder replaced: the same" {
	mkdir "$D/code"
	f=$(spec warm3 'shares:
  - {source: code, target: /code}')
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm3
	old=$(ls_field warm3 pid)
	sed -i 's/^memory: 192M/memory: 224M/' "$f"
	t0=$(now)
	POOL_BOOT_TIMES=1 run --separate-stderr "$POOL_BIN" run "$f" -- sh -c "$BOOT"
	t1=$(now)
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"booted for another plan"* ]]
	[[ "$stderr" != *" qemu 0.000000 "* ]]			# it booted
	[ "$(echo "$(echo "$output" | sed -n 2p) < $t1 - $t0" | bc)" -eq 1 ]
	wait_for 30 sh -c "! kill -0 $old 2>/dev/null"		# the stale spare's supervisor goes
	# the next spare is of the new plan: the run after takes it
	wait_for 120 spare_ready warm3
	POOL_BOOT_TIMES=1 run --separate-stderr "$POOL_BIN" run "$f" -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *" qemu 0.000000 "* ]]
	# a share whose folder was replaced (same path, another folder)
	wait_for 120 spare_ready warm3
	mv "$D/code" "$D/code.old" && mkdir "$D/code" && echo new > "$D/code/f"
	POOL_BOOT_TIMES=1 run --separate-stderr "$POOL_BIN" run "$f" -- cat /code/f
	[ "$status" -eq 0 ]
	[ "$output" = new ]
	[[ "$stderr" == *"booted for another plan"* ]]
}

@test "a spare serves the spec's own folder as its share, the one the run that made it read" {
	echo "the spec's folder" > "$D/marker"
	f=$(spec warm9 'shares:
  - {source: ., target: /code}')
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm9
	POOL_BOOT_TIMES=1 run --separate-stderr "$POOL_BIN" run "$f" -- cat /code/marker
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "the spec's folder" ]
	[[ "$stderr" == *" qemu 0.000000 "* ]]	# the spare, not a boot of its own
}

@test "a spare left unclaimed powers off after POOL_WARM_IDLE seconds, and not before" {
	f=$(spec warm4)
	POOL_WARM_IDLE=6 "$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm4
	sleep 2
	spare_ready warm4					# still there before its time
	wait_for 30 gone warm4					# and gone after it
	# POOL_WARM_IDLE=0: no spare at all
	POOL_WARM_IDLE=0 "$POOL_BIN" run "$f" -- true
	sleep 3
	[ "$(machines)" -eq 0 ]
}

@test "two runs at once: one takes the spare, the other boots or is refused as for any running machine; never both the same" {
	f=$(spec warm5)
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm5
	sleep 3
	for x in a b; do
		( t0=$(now); st=0
		  "$POOL_BIN" run "$f" -- sh -c "$BOOT" > "$D/$x.out" 2> "$D/$x.err" || st=$?
		  echo "$st $t0 $(now)" > "$D/$x.t" ) &
	done
	wait
	cat "$D"/a.* "$D"/b.*
	claimed=0; ok=0
	for x in a b; do
		read -r st t0 t1 < "$D/$x.t"
		if [ "$st" -eq 0 ]; then
			ok=$((ok + 1))
			up=$(sed -n 2p "$D/$x.out")
			# the spare: up since well before this run began
			if [ "$(echo "$up > $t1 - $t0 + 2" | bc)" -eq 1 ]; then claimed=$((claimed + 1)); fi
		else
			grep -q "already running" "$D/$x.err"	# refused as today, nothing else
		fi
	done
	[ "$claimed" -eq 1 ]
	if [ "$ok" -eq 2 ]; then
		[ "$(sed -n 1p "$D/a.out")" != "$(sed -n 1p "$D/b.out")" ]
	fi
}

@test "kill -9 of a spare's supervisor: its hypervisor goes with it, the next run reclaims the rest" {
	f=$(spec warm6)
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm6
	sup=$(ls_field warm6 pid)
	qemu=$(for c in $(children_of "$sup"); do [[ "$(cat "/proc/$c/comm")" != qemu* ]] || echo "$c"; done)
	[ -n "$qemu" ]
	kill -9 "$sup"
	wait_for 10 sh -c "! kill -0 $qemu 2>/dev/null"
	[ "$(ls_field warm6 state)" = dead ]
	run --separate-stderr "$POOL_BIN" run "$f" -- echo fine
	[ "$status" -eq 0 ]
	[ "$output" = fine ]
	wait_for 120 spare_ready warm6		# and the spares go on
}

@test "pool down of a spare: it powers off and leaves nothing; no other spare follows" {
	f=$(spec warm7)
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm7
	run "$POOL_BIN" down warm7
	[ "$status" -eq 0 ]
	gone warm7
	sleep 3
	[ "$(machines)" -eq 0 ]
	[ -z "$(our_pids)" ]
}

@test "no spare for a spec without warm; --warm keeps one for the run after" {
	f=$(spec warm8)
	sed -i '/^warm: true/d' "$f"
	"$POOL_BIN" run "$f" -- true
	sleep 4
	[ "$(machines)" -eq 0 ]
	[ -z "$(our_pids)" ]
	"$POOL_BIN" run --warm "$f" -- true
	wait_for 120 spare_ready warm8
}

@test "nobody uses a spare before a run claims it: exec and console are refused" {
	f=$(spec warm9)
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm9
	run --separate-stderr "$POOL_BIN" exec warm9 -- true
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"is a spare"* ]]
	run --separate-stderr timeout 10 "$POOL_BIN" console warm9 < /dev/null
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"is a spare"* ]]
	# the positive control: a machine that is no spare takes both
	run "$POOL_BIN" down warm9
	[ "$status" -eq 0 ]
	run --separate-stderr "$POOL_BIN" up -d "$f"
	[ "$output" = "warm9 -" ]
	run "$POOL_BIN" exec warm9 -- echo mine
	[ "$status" -eq 0 ]
	[ "$output" = mine ]
	printf '\035' > "$D/detach"
	run --separate-stderr timeout 10 "$POOL_BIN" console warm9 < "$D/detach"
	[[ "$stderr" != *"is a spare"* ]]
}

@test "a run right after a run of the same spec waits for its machine to stop, instead of being refused" {
	f=$(spec warm10)
	"$POOL_BIN" run "$f" -- true
	wait_for 120 spare_ready warm10
	for k in 1 2 3; do
		run --separate-stderr "$POOL_BIN" run "$f" -- echo "run $k"
		echo "status $status output <$output> stderr <$stderr>"
		[ "$status" -eq 0 ]
		[ "$output" = "run $k" ]
	done
}

@test "up -d of a warm spec: a spare of its plan takes over; after pool down the next spare comes" {
	f=$(spec warm11)
	run "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	run "$POOL_BIN" down warm11
	[ "$status" -eq 0 ]
	wait_for 120 spare_ready warm11
	run --separate-stderr "$POOL_BIN" up -d "$f"
	[ "$status" -eq 0 ]
	[ "$output" = "warm11 -" ]
	[ "$(ls_field warm11 state)" = running ]
	run "$POOL_BIN" exec warm11 -- echo mine
	[ "$output" = mine ]
	# a run's spare is not an up -d's (another mode: another plan)
	run "$POOL_BIN" down warm11
	wait_for 120 spare_ready warm11
	run --separate-stderr "$POOL_BIN" run "$f" -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"booted for another plan"* ]]
}

@test "a spare binds its published ports only when a run claims it" {
	H="poolw-$$-$BATS_TEST_NUMBER"
	host_ns "$H"
	free_port() {	# whether 127.0.0.1:18080 can be bound in the namespace
		ip netns exec "$H" python3 -c 'import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 18080))'
	}
	printf 'name: warmp\nimage: minimal\nmemory: 192M\naddress: 10.0.0.7\nnetwork: nat\nwarm: true\nports: ["18080:80"]\n' > "$D/p.yaml"
	run --separate-stderr ip netns exec "$H" "$POOL_BIN" run "$D/p.yaml" -- true
	echo "$stderr"
	[ "$status" -eq 0 ]
	wait_for 120 ip netns exec "$H" sh -c "'$POOL_BIN' ls --json | grep -q '\"state\": \"spare\", \"ready\": true'"
	free_port				# the spare holds no port
	ip netns exec "$H" "$POOL_BIN" run "$D/p.yaml" -- sh -c \
		'mkdir -p /srv; echo claimed > /srv/i; busybox httpd -p 80 -h /srv; sleep 15' > "$D/run.out" 2>&1 &
	wait_for 60 sh -c "ip netns exec '$H' curl -s --max-time 3 http://127.0.0.1:18080/i | grep -qx claimed"
	run free_port
	[ "$status" -ne 0 ]			# the claimed machine holds it now
	wait
}

@test "a spare that cannot boot is not tried again; the next run says why, and boots" {
	f=$(spec warm12 'volumes:
  - {path: data.img, size: 64M, target: /data}')
	"$POOL_BIN" run "$f" -- true			# the image is made
	wait_for 120 spare_ready warm12
	"$POOL_BIN" down warm12
	"$POOL_BIN" run "$f" -- sleep 6 &
	r=$!
	wait_for 60 state_is warm12 running
	# the image is locked from the moment that machine lets go of it
	python3 -c 'import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); time.sleep(60)' \
		"$D/data.img" &
	fl=$!
	wait "$r"
	wait_for 60 test -e "$POOL_STATE_DIR/.spares/warm12"	# its spare failed
	sleep 4
	[ "$(machines)" -eq 0 ]				# and was not tried again
	[ -z "$(our_pids)" ]
	kill "$fl"
	wait "$fl" || true
	run --separate-stderr "$POOL_BIN" run "$f" -- echo booted
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$output" = booted ]
	[[ "$stderr" == *"the last spare of warm12 did not boot:"* ]]
	[ ! -e "$POOL_STATE_DIR/.spares/warm12" ]		# said once
}
