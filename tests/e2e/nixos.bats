#!/usr/bin/env bats
# nixos.bats - image nixos, end to end with a real VM (TCG, network none):
# a fake store folder whose init starts `pool-init --agent`, booted with
# the Debian kernel and an initrd built here that does what a NixOS
# stage 1 does (mount the virtiofs tag `store` on /nix/store read-only,
# switch_root, exec the init= of the command line).

load helpers

setup_file() {
	export POOL_STATE_DIR="$BATS_FILE_TMPDIR/state"
	export POOL_CACHE_DIR="$BATS_FILE_TMPDIR/cache"
	D=$(mktemp -d /tmp/pool-nixos.XXXXXX)
	chmod 755 "$D"
	export D
	HOST_KERNEL=$(ls -v /boot/vmlinuz-* | tail -n 1)
	KVER=${HOST_KERNEL#/boot/vmlinuz-}
	# The spec's kernel lives in its folder, as a store path would be
	# beside it: a spec names nothing outside its folder ungranted.
	KERNEL="$D/vmlinuz-$KVER"
	cp "$HOST_KERNEL" "$KERNEL"
	chmod 644 "$KERNEL"
	export KERNEL
	INIT_BIN="$(dirname "$POOL_BIN")/pool-init"
	[ -x "$INIT_BIN" ] || INIT_BIN="${POOL_INIT:?pool-init not found beside pool}"

	# The store: busybox (static) with its applets as links, pool-init
	# (static), a marker only the store holds, and the system's init.
	mkdir -p "$D/store/bin"
	cp /bin/busybox "$D/store/busybox"
	for a in sh echo cat mkdir mount touch ls tr printf init; do ln -s /nix/store/busybox "$D/store/bin/$a"; done
	cp "$INIT_BIN" "$D/store/pool-init"
	head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$D/store/marker"
	cat > "$D/store/init" <<-'EOF'
	#!/nix/store/bin/sh
	# stage 2 of the fake system: what NixOS runs as the pool-agent service.
	export PATH=/nix/store/bin
	mkdir -p /root /tmp /run
	echo "store-init: starting pool-init --agent"
	exec /nix/store/pool-init --agent
	EOF
	# A second system whose PID 1 is another init (busybox's, standing in
	# for systemd) that keeps the agent running, as the NixOS service does.
	cat > "$D/store/init-other" <<-'EOF'
	#!/nix/store/bin/sh
	export PATH=/nix/store/bin
	mkdir -p /root /tmp /run /etc
	printf '::respawn:/nix/store/agent-service\n' > /etc/inittab
	exec /nix/store/bin/init
	EOF
	cat > "$D/store/agent-service" <<-'EOF'
	#!/nix/store/bin/sh
	export PATH=/nix/store/bin
	exec /nix/store/pool-init --agent
	EOF
	chmod 755 "$D/store/init" "$D/store/init-other" "$D/store/agent-service"

	# The initrd: busybox, the virtio modules of the kernel, and /init.
	local r="$D/initrd-root" m
	mkdir -p "$r/bin" "$r/dev" "$r/proc" "$r/sys" "$r/lib"
	cp /bin/busybox "$r/bin/busybox"
	mknod "$r/dev/console" c 5 1
	: > "$r/modules.list"
	for m in virtio_mmio virtio_console virtiofs; do
		modprobe -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
	done | awk '!seen[$0]++' | while read -r m; do
		mkdir -p "$r$(dirname "$m")"
		cp "$m" "$r$m"
		echo "$m" >> "$r/modules.list"
	done
	cat > "$r/init" <<-'EOF'
	#!/bin/busybox sh
	# stage 1 of the fake system, as a NixOS initrd does it.
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	for m in $(cat /modules.list); do
		name=$(basename "$m" .ko); args=""
		for w in $(cat /proc/cmdline); do
			case "$w" in "$name".*) args="$args ${w#"$name".}";; esac
		done
		insmod "$m" $args || echo "stage1: insmod $m failed"
	done
	init=""
	for w in $(cat /proc/cmdline); do
		case "$w" in init=*) init=${w#init=};; esac
	done
	mkdir -p /newroot
	mount -t tmpfs -o mode=0755 root /newroot
	mkdir -p /newroot/nix/store /newroot/proc /newroot/sys /newroot/dev
	mount -t virtiofs -o ro store /newroot/nix/store || echo "stage1: cannot mount the store"
	for f in proc sys dev; do mount --move /$f /newroot/$f; done
	echo "stage1: switching to $init"
	exec switch_root /newroot "$init"
	EOF
	chmod 755 "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet) > "$D/initrd.img"
	chmod 644 "$D/initrd.img"

	spec_json "$D/store" /nix/store/init "$D/initrd.img" > "$D/m.json"

	# POOL_VIRTIOFSD: a virtiofsd that notes it ran, then is the real one.
	local real
	for real in /usr/lib/qemu/virtiofsd /usr/libexec/virtiofsd "$(command -v virtiofsd)"; do
		[ -x "$real" ] && break
	done
	# (a store other than /nix/store is served as the invoking user, who
	# may write only in this folder)
	mkdir -m 1777 "$D/ran"
	printf '#!/bin/sh\necho "$@" > %s/ran/virtiofsd\nexec %s "$@"\n' "$D" "$real" > "$D/virtiofsd"
	chmod 755 "$D/virtiofsd"
}

teardown_file() {
	"$POOL_BIN" down nixt >/dev/null 2>&1 || true	# a detached machine a failed test left
	rm -rf "$D"
}

setup() {
	export POOL_ACCEL="${POOL_ACCEL:-tcg}"
	export SUDO_UID=4242 SUDO_GID=4242
}

# spec_json STORE INIT INITRD: a nixos spec as nix/modules/guest.nix writes it.
spec_json() {
	printf '{"name": "nixt", "network": "none", "memory": "256M", "image": {"nixos": {"kernel": "%s", "initrd": "%s", "init": "%s", "store": "%s"}}}\n' \
		"$KERNEL" "$3" "$2" "$1"
}

# run_bad_json STORE INIT INITRD [OPTION...]: pool run (with the options) of
# that spec, written to $D/bad.json; what it said shown.
run_bad_json() {
	spec_json "$1" "$2" "$3" > "$D/bad.json"
	run --separate-stderr "$POOL_BIN" run "${@:4}" "$D/bad.json" -- true
	echo "out: $output"
	echo "err: $stderr"
}

@test "pool check: a nixos spec in JSON shows the spec's kernel, initrd, init= and the store shared read-only" {
	POOL_VIRTIOFSD="$D/virtiofsd" run --separate-stderr "$POOL_BIN" check "$D/m.json"
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	output_has "virtiofsd   $D/virtiofsd" \
		"kernel      $KERNEL" \
		"initrd      $D/initrd.img" \
		"init        /nix/store/init" \
		"share       $D/store -> /nix/store (read-only, virtiofs tag store"
	[[ "$(grep '^cmdline' <<< "$output")" == *" init=/nix/store/init"* ]]
	# pool's own image is not involved, and nothing is refused.
	[[ "$output" != *"image hash"* ]]
	[[ "$output" != *"note "* ]]
}

@test "image nixos boots: the store's init starts pool-init --agent, its READY arrives and the command runs" {
	rm -f "$D/ran/virtiofsd"
	POOL_VIRTIOFSD="$D/virtiofsd" POOL_BOOT_TIMES=1 run --separate-stderr timeout 600 "$POOL_BIN" run "$D/m.json" -- sh -c \
		'cat /nix/store/marker; echo; tr "\000" " " < /proc/1/cmdline; echo; cat /proc/cmdline; mount -o remount,rw /nix/store; touch /nix/store/new && echo wrote; exit 3'
	echo "out: $output"
	echo "err: $stderr"
	# The command's status comes back: the agent ran it and reported EXIT.
	[ "$status" -eq 3 ]
	# READY arrived (pool prints the boot times on it).
	[[ "$stderr" == *"boot times:"* ]]
	# The guest read the store's marker through the `store` share ...
	[ "${lines[0]}" = "$(cat "$D/store/marker")" ]
	# ... through the chain: PID 1 is the store's pool-init in agent mode,
	# started by init= from the command line.
	[ "${lines[1]}" = "/nix/store/pool-init --agent " ]
	[[ "${lines[2]}" == *" init=/nix/store/init"* ]]
	# The store is read-only in the guest, even remounted read-write (the
	# host serves it read-only), and unchanged on the host.
	[[ "$stderr" == *"Read-only file system"* ]]
	[[ "$output" != *wrote* ]]
	[ ! -e "$D/store/new" ]
	# The store was served by the virtiofsd POOL_VIRTIOFSD names (from the
	# copy of the folder pool lays out in its own mount namespace; the
	# marker the guest read says which folder that was).
	grep -q "source=/[a-z]*/src,sandbox=namespace" "$D/ran/virtiofsd"
	assert_no_machine_left nixt
}

@test "a nixos spec with a missing initrd fails with one clear line and leaves no state folder" {
	run_bad_json "$D/store" /nix/store/init "$D/no-such-initrd.img"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"bad.json:1:"*"image.nixos.initrd: $D/no-such-initrd.img does not exist"* ]]
	assert_no_machine_left nixt
}

@test "a nixos initrd the invoking user cannot read (/etc/shadow) never reaches the guest" {
	# granted on the command line, it is still opened as the user
	run_bad_json "$D/store" /nix/store/init /etc/shadow --allow-path /etc
	[ "$status" -ne 0 ]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	[[ "$stderr" == *"/etc/shadow"*"ermission denied"* ]]
	assert_no_machine_left nixt
}

@test "a nixos init outside /nix/store, or one the kernel command line cannot carry, fails with one clear line" {
	run_bad_json "$D/store" /sbin/init "$D/initrd.img"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"bad.json:1:"*"image.nixos.init: /sbin/init is not inside the store"* ]]

	spec_json "$D/store" "/nix/store/x quiet init=/bin/sh" "$D/initrd.img" > "$D/bad.json"
	run --separate-stderr "$POOL_BIN" check "$D/bad.json"
	echo "err: $stderr"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"image.nixos.init: has a character the kernel command line cannot carry"* ]]
	assert_no_machine_left nixt
}

@test "pool up --spec FILE (JSON) boots image nixos; SIGTERM powers it off through the agent and clears its state" {
	# The console's input: a FIFO this shell holds open (no helper process).
	mkfifo "$D/in"
	POOL_BOOT_TIMES=1 "$POOL_BIN" up --spec "$D/m.json" < "$D/in" > "$D/up.out" 2> "$D/up.err" &
	local pid=$! hold st=0
	exec {hold}> "$D/in"
	wait_for 300 grep -q 'boot times:' "$D/up.err" || { cat "$D/up.err" "$D/up.out"; kill -KILL $pid; false; }
	[ -d "$POOL_STATE_DIR/nixt" ]
	kill -TERM $pid
	wait $pid || st=$?
	exec {hold}>&-
	echo "out: $(cat "$D/up.out")"
	echo "err: $(cat "$D/up.err")"
	[ "$st" -eq 0 ]
	# The console showed the chain: stage 1 switched to the store's init.
	grep -q 'stage1: switching to /nix/store/init' "$D/up.out"
	grep -q 'store-init: starting pool-init --agent' "$D/up.out"
	grep -q 'reboot: Power down' "$D/up.out"
	assert_no_machine_left nixt
}

@test "pool-init --agent under another init (not PID 1): runs the command, and SHUTDOWN asks that init to power off" {
	spec_json "$D/store" /nix/store/init-other "$D/initrd.img" > "$D/other.json"
	run --separate-stderr timeout 600 "$POOL_BIN" run "$D/other.json" -- sh -c \
		'tr "\000" " " < /proc/1/cmdline; echo; tr "\000" " " < /proc/$PPID/cmdline; echo; exit 5'
	echo "out: $output"
	echo "err: $stderr"
	[ "$status" -eq 5 ]
	[[ "${lines[0]}" =~ ^init\ *$ ]]	# busybox init pads its argv
	[ "${lines[1]}" = "/nix/store/pool-init --agent " ]
	# It went down by power-off (within the grace time, not killed).
	[[ "$stderr" != *"did not power off"* ]]
	assert_no_machine_left nixt
}

@test "pool up -d --spec FILE: a detached nixos machine answers pool exec through its agent and pool down powers it off" {
	run --separate-stderr timeout 600 "$POOL_BIN" up -d --spec "$D/m.json"
	echo "out: $output"; echo "err: $stderr"
	[ "$status" -eq 0 ]
	run --separate-stderr timeout 120 "$POOL_BIN" exec nixt -- sh -c 'cat /nix/store/marker; echo; tr "\000" " " < /proc/1/cmdline'
	echo "out: $output"; echo "err: $stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(cat "$D/store/marker")" ]
	[ "${lines[1]}" = "/nix/store/pool-init --agent " ]
	run --separate-stderr timeout 120 "$POOL_BIN" down nixt
	echo "out: $output"; echo "err: $stderr"
	[ "$status" -eq 0 ]
	wait_for 60 test ! -e "$POOL_STATE_DIR/nixt"
	assert_no_machine_left nixt
}
