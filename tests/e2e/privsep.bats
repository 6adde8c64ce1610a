#!/usr/bin/env bats
# privsep.bats - an escape lands nowhere: the supervisor's guest-facing
# process holds no capability, QEMU runs in namespaces of its own, and no
# two machines ever share a uid, whatever their names hash to. Real VMs
# under TCG.

load helpers

setup() {
	pool_env
	D=$(mktemp -d /tmp/pool-privsep.XXXXXX)
	chmod 755 "$D"
}

teardown() {
	kill_supervisors
	sleep 0.2
	[ -z "${DNSMASQ_PID:-}" ] || { kill "$DNSMASQ_PID" 2>/dev/null; wait "$DNSMASQ_PID" 2>/dev/null; } || true
	[ -z "${H:-}" ] || ip netns del "$H" 2>/dev/null || true
	rm -rf "$D"
}

spec() {	# spec NAME: a minimal machine without network
	printf 'name: %s\nimage: minimal\nmemory: 160M\nnetwork: none\n' "$1" > "$D/$1.yaml"
	echo "$D/$1.yaml"
}

supervisor_of() {	# the privileged supervisor's pid, from the machine's status
	sed -n 's/^pid=//p' "$POOL_STATE_DIR/$1/status"
}

child_named() {	# child_named PID COMM: its child running COMM
	local c
	for c in $(children_of "$1"); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && echo "$c"
	done
	return 0
}

field() {	# field PID NAME: a line of /proc/PID/status, its first value
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# up_parts NAME: pool up -d of machine NAME; sup, g and q are then its
# privileged supervisor, its guest-facing process and its QEMU.
up_parts() {
	run --separate-stderr "$POOL_BIN" up -d "$(spec "$1")"
	[ "$status" -eq 0 ]
	sup=$(supervisor_of "$1")
	g=$(child_named "$sup" pool)
	q=$(child_named "$sup" qemu-system-x86)
}

@test "the guest-facing supervisor holds no capability and an id of its own; the privileged one keeps root" {
	up_parts cap
	[ -n "$g" ] && [ -n "$q" ]
	# the control: the privileged process is root, with its capabilities
	[ "$(field "$sup" Uid)" = 0 ]
	[ "$(field "$sup" CapEff)" != 0000000000000000 ]
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(field "$g" $set)" = 0000000000000000 ] || { echo "$set: $(field "$g" $set)"; false; }
	done
	[ "$(field "$g" NoNewPrivs)" = 1 ]
	gu=$(field "$g" Uid)
	qu=$(field "$q" Uid)
	[ "$gu" != 0 ] && [ "$qu" != 0 ] && [ "$gu" != "$qu" ]
	[ "$(field "$g" Gid)" = "$gu" ]
	# it still serves: exec and down go through it
	run --separate-stderr "$POOL_BIN" exec cap -- echo served
	[ "$output" = served ]
	run --separate-stderr "$POOL_BIN" down cap
	[ "$status" -eq 0 ]
	assert_no_machine_left cap
}

# open_from PID UID PATH: open PATH for reading from PID's root, as UID
# (and gid UID) without a capability: "opened " and its first bytes, or
# "open: " and the error.
open_from() {
	python3 -c 'import os, sys
os.chroot("/proc/%s/root" % sys.argv[1])
os.chdir("/")
u = int(sys.argv[2])
os.setgroups([])
os.setresgid(u, u, u)
os.setresuid(u, u, u)
try:
    with open(sys.argv[3]) as f:
        print("opened " + f.read(5))
except OSError as e:
    print("open: " + type(e).__name__)' "$@"
}

@test "the guest-facing supervisor sees no file of the host: its root is empty, /etc/passwd cannot be opened" {
	up_parts files
	[ -n "$g" ]
	# opening /etc/passwd as that process's uid and gid, from its root;
	# the control first: from the privileged supervisor's, it opens
	run open_from "$sup" "$(field "$g" Uid)" /etc/passwd
	[ "$status" -eq 0 ] && [[ "$output" == "opened root:"* ]]
	run open_from "$g" "$(field "$g" Uid)" /etc/passwd
	echo "$output"
	[ "$status" -eq 0 ] && [ "$output" = "open: FileNotFoundError" ]
	[ "$(readlink "/proc/$g/ns/mnt")" != "$(readlink "/proc/$sup/ns/mnt")" ]
	[ -z "$(ls -A "/proc/$g/root/")" ]
	# and no folder of the host's open, which would be a way back out: its
	# working folder is its root, and none of its fds is a folder
	[ "$(stat -L -c %d:%i "/proc/$g/cwd")" = "$(stat -L -c %d:%i "/proc/$g/root")" ]
	[ "$(stat -L -c %d:%i "/proc/$sup/cwd")" != "$(stat -L -c %d:%i "/proc/$g/root")" ]	# the control
	for f in /proc/"$g"/fd/*; do
		[ ! -d "$f" ] || { echo "$f: $(readlink "$f")"; false; }
	done
	# it still serves: exec and down go through it
	run --separate-stderr "$POOL_BIN" exec files -- echo served
	[ "$output" = served ]
	run --separate-stderr "$POOL_BIN" down files
	[ "$status" -eq 0 ]
	assert_no_machine_left files
}

# packet_sockets PID: how many of PID's fds are packet sockets (their
# inodes in /proc/PID/net/packet, the list of its network namespace).
packet_sockets() {
	local inodes n=0 f l
	inodes=" $(awk 'NR > 1 { printf "%s ", $9 }' "/proc/$1/net/packet") "
	for f in /proc/"$1"/fd/*; do
		l=$(readlink "$f") || continue
		case "$l" in socket:\[*\]) ;; *) continue ;; esac
		l=${l#socket:[}
		[[ "$inodes" == *" ${l%]} "* ]] && n=$((n + 1))
	done
	echo "$n"
}

@test "the guest-facing supervisor holds no packet socket, its relays put only its responders' frames on the TAP, and DHCP and DNS still work" {
	command -v dnsmasq >/dev/null || skip "needs dnsmasq"
	# a host of the test's own, with a resolver on its loopback that pool
	# reads from a resolv.conf bound over the host's in a mount namespace
	H="poolp-$$-$BATS_TEST_NUMBER"
	host_ns "$H"
	ip netns exec "$H" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address=127.0.0.1 --pid-file="$D/dnsmasq.pid" --host-record=www.test,198.51.100.7 &
	DNSMASQ_PID=$!
	echo "nameserver 127.0.0.1" > "$D/resolv.conf"
	printf 'name: pkt\nimage: minimal\nmemory: 256M\naddress: 10.0.0.5\nnetwork: nat\n' > "$D/pkt.yaml"
	run --separate-stderr ip netns exec "$H" unshare -m sh -c \
		'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$D/resolv.conf" "$POOL_BIN" up -d "$D/pkt.yaml"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	sup=$(supervisor_of pkt)
	g=$(child_named "$sup" pool)
	[ -n "$g" ]
	echo "packet sockets: privileged $(packet_sockets "$sup"), guest-facing $(packet_sockets "$g")"
	# the control: the privileged side holds the TAP's two, DHCP's and DNS's
	[ "$(packet_sockets "$sup")" = 2 ]
	[ "$(packet_sockets "$g")" = 0 ]
	# and the guest is served through them: a fresh lease from the
	# responder, and a name through the supervisor's resolver
	run --separate-stderr "$POOL_BIN" exec pkt -- sh -c \
		'printf "#!/bin/sh\necho \"\$1 ip=\$ip dns=\$dns\"\n" > /tmp/s; chmod +x /tmp/s
		 udhcpc -i eth0 -f -q -n -t 5 -s /tmp/s; cat /sys/class/net/eth0/address; nslookup www.test'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[[ "$output" == *"bound ip=10.0.0.5 dns=10.0.0.1"* ]]
	[[ "$output" == *"Address: 198.51.100.7"* ]]
	mac=$(grep -Ex '([0-9a-f]{2}:){5}[0-9a-f]{2}' <<<"$output")
	tap=$("$POOL_BIN" check "$D/pkt.yaml" | awk '$1 == "tap" { print $2 }')
	[ -n "$mac" ] && [ -n "$tap" ]
	# a guest-facing side taken over writes its own frames into its relays:
	# what its responders send reaches the TAP (the control), nothing else
	run ip netns exec "$H" python3 "$BATS_TEST_DIRNAME/privsep_attack.py" relay "$g" "$tap" "$mac" 02:00:0a:00:00:01
	echo "$output"
	[ "$status" -eq 0 ]
	answers "relays 2" "seen GOOD-DHCP" "seen GOOD-DNS"
	# and the machine is still served
	run --separate-stderr "$POOL_BIN" exec pkt -- nslookup www.test
	[[ "$output" == *"Address: 198.51.100.7"* ]]
	run --separate-stderr "$POOL_BIN" down pkt
	[ "$status" -eq 0 ]
	assert_no_machine_left pkt
}

@test "QEMU runs in its own network, IPC and mount namespaces, and sees no /tmp, /run or home of the host" {
	echo "host file" > "$D/visible-on-host"
	run --separate-stderr "$POOL_BIN" up -d "$(spec ns)"
	[ "$status" -eq 0 ]
	sup=$(supervisor_of ns)
	q=$(child_named "$sup" qemu-system-x86)
	[ -n "$q" ]
	for ns in net ipc mnt; do
		# the control: the supervisor shares ours
		[ "$(readlink "/proc/$sup/ns/$ns")" = "$(readlink /proc/self/ns/$ns)" ]
		[ "$(readlink "/proc/$q/ns/$ns")" != "$(readlink "/proc/$sup/ns/$ns")" ] || { echo "$ns shared"; false; }
	done
	# its view of the file system, through its own root
	[ -e "$D/visible-on-host" ]
	[ ! -e "/proc/$q/root$D/visible-on-host" ]
	[ -z "$(ls -A "/proc/$q/root/tmp")" ]
	[ -z "$(ls -A "/proc/$q/root/run")" ]
	[ -z "$(ls -A "/proc/$q/root/root")" ]
	[ -x "/proc/$q/root/usr/bin/env" ]	# what it runs from stays
	# and its network has no way out: no address but loopback's, nothing up
	run nsenter -t "$q" -n ip -o addr show
	[[ "$output" != *"inet "*"scope global"* ]]
	"$POOL_BIN" down ns
}

# The first id a name starts from: FNV-1a of the name, 24 bits, from
# 0x70000000 (supervise/ids.c). A name that starts on another's.
first_id() {
	python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode():
    h = ((h ^ c) * 16777619) & 0xffffffff
print(0x70000000 + (h & 0xffffff))' "$1"
}

colliding_name() {	# a name of [a-z0-9] whose first id is that of $1
	python3 -c 'import sys, itertools
def f(s):
    h = 2166136261
    for c in s.encode():
        h = ((h ^ c) * 16777619) & 0xffffffff
    return h & 0xffffff
t = f(sys.argv[1])
for n in itertools.count():
    s = "c%d" % n
    if f(s) == t and s != sys.argv[1]:
        print(s)
        break' "$1"
}

@test "a name crafted to start on a running machine's uid gets uids of its own" {
	other=$(colliding_name victim)
	[ "$(first_id "$other")" = "$(first_id victim)" ]	# the craft works
	run --separate-stderr "$POOL_BIN" up -d "$(spec victim)"
	[ "$status" -eq 0 ]
	run --separate-stderr "$POOL_BIN" up -d "$(spec "$other")"
	[ "$status" -eq 0 ]
	qv=$(child_named "$(supervisor_of victim)" qemu-system-x86)
	qo=$(child_named "$(supervisor_of "$other")" qemu-system-x86)
	gv=$(child_named "$(supervisor_of victim)" pool)
	go=$(child_named "$(supervisor_of "$other")" pool)
	[ "$(field "$qv" Uid)" = "$(first_id victim)" ]	# the first one got its own start
	ids="$(field "$qv" Uid) $(field "$qo" Uid) $(field "$gv" Uid) $(field "$go" Uid)"
	echo "$ids"
	[ "$(echo "$ids" | tr ' ' '\n' | sort -u | wc -l)" = 4 ]
	"$POOL_BIN" down "$other"
	"$POOL_BIN" down victim
	# given back: no lock file of theirs is left
	[ ! -e "/run/pool-ids/$(first_id victim)" ]
}

@test "a uid the host's users know is skipped" {
	start=$(first_id nssuser)
	# the host's passwd, in a mount namespace of this test's, with a user
	# on the id the machine would start from
	cp /etc/passwd "$D/passwd"
	echo "taken:x:$start:$start::/nonexistent:/usr/sbin/nologin" >> "$D/passwd"
	# the control: without that user the machine starts on that id
	run --separate-stderr "$POOL_BIN" up -d "$(spec nssuser)"
	[ "$status" -eq 0 ]
	q=$(child_named "$(supervisor_of nssuser)" qemu-system-x86)
	[ "$(field "$q" Uid)" = "$start" ]
	"$POOL_BIN" down nssuser
	# and with it, another
	run --separate-stderr unshare -m sh -c 'mount --bind "$1" /etc/passwd && shift && exec "$@"' sh "$D/passwd" \
		"$POOL_BIN" up -d "$(spec nssuser)"
	[ "$status" -eq 0 ]
	q=$(child_named "$(supervisor_of nssuser)" qemu-system-x86)
	[ "$(field "$q" Uid)" != "$start" ]
	"$POOL_BIN" down nssuser
}

@test "kill -9 of the privileged supervisor takes its guest-facing process and QEMU with it" {
	up_parts crash
	kill -9 "$sup"
	wait_for 10 sh -c "! kill -0 $g 2>/dev/null && ! kill -0 $q 2>/dev/null"
	# the next run reclaims what it left, its ids included
	run --separate-stderr "$POOL_BIN" run "$(spec crash)" -- echo again
	[ "$status" -eq 0 ]
	[ "$output" = again ]
	assert_no_machine_left crash
}
