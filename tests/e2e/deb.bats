#!/usr/bin/env bats
# deb.bats - pool's Debian package: dpkg-buildpackage -b -us -uc in a copy
# of the checkout (tests/deb/build) gives pool_VERSION_amd64.deb with the
# binaries, the man pages, the completion, the channel unit and its
# configuration, and the runtime dependencies; the packaged pool runs from
# its tree, and the unit's commands bring a channel up and down. POOL_DEB
# names a .deb already built (tests/run builds it once); otherwise this
# file builds one.

load helpers

setup_file() {
	if [ -n "${POOL_DEB:-}" ]; then
		[ -f "$POOL_DEB" ] || { echo "POOL_DEB=$POOL_DEB: no such file" >&2; return 1; }
		export DEB="$POOL_DEB"
	else
		export DEB
		DEB=$("$POOL_SRC/tests/deb/build" "$BATS_FILE_TMPDIR/deb" | tail -n 1) || return 1
	fi
	export TREE="$BATS_FILE_TMPDIR/tree"
	mkdir -p "$TREE"
	dpkg-deb -x "$DEB" "$TREE"
}

@test "the package is pool_VERSION_amd64.deb, with meson.build's version" {
	want=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$POOL_SRC/meson.build" | head -n 1)
	[ -n "$want" ]
	[ "${DEB##*/}" = "pool_${want}_amd64.deb" ]
	[ "$(dpkg-deb -f "$DEB" Package)" = pool ]
	[ "$(dpkg-deb -f "$DEB" Version)" = "$want" ]
	[ "$(dpkg-deb -f "$DEB" Architecture)" = amd64 ]
}

@test "dpkg -c lists pool, pool-init, the man pages, the completion, the unit and its configuration" {
	run dpkg -c "$DEB"
	[ "$status" -eq 0 ]
	files=$(printf '%s\n' "$output" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\.||' | sort)
	for f in /usr/bin/pool /usr/libexec/pool/pool-init /usr/share/man/man1/pool.1.gz \
		/usr/share/man/man5/pool.yaml.5.gz /usr/share/bash-completion/completions/pool \
		/lib/systemd/system/pool-channel.service /etc/pool/channel.conf; do
		printf '%s\n' "$files" | grep -qxF "$f" || { echo "missing: $f"; printf '%s\n' "$files"; false; }
	done
	# and nothing else but the package's documentation: no test programs
	extra=$(printf '%s\n' "$files" | grep -v -x -E '/usr/bin/pool|/usr/libexec/pool/pool-init|/usr/share/man/man[15]/pool(\.yaml)?\.[15]\.gz|/usr/share/bash-completion/completions/pool|/lib/systemd/system/pool-channel\.service|/etc/pool/channel\.conf|/usr/share/doc/pool/(changelog\.gz|copyright)' || true)
	[ -z "$extra" ] || { echo "unexpected: $extra"; false; }
	# the channel's configuration is a conffile: an upgrade keeps the user's
	dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles | grep -qx /etc/pool/channel.conf
	# the binaries are executable, the rest is not
	printf '%s\n' "$output" | grep -E '^-rwxr-xr-x .* \./usr/bin/pool$'
	printf '%s\n' "$output" | grep -E '^-rwxr-xr-x .* \./usr/libexec/pool/pool-init$'
	printf '%s\n' "$output" | grep -E '^-rw-r--r-- .* \./etc/pool/channel\.conf$'
}

@test "Depends names what pool runs: QEMU, busybox, a kernel, mkfs, ssh, and its libraries" {
	dep=$(dpkg-deb -f "$DEB" Depends)
	echo "Depends: $dep"
	for p in qemu-system-x86 busybox-static 'linux-image-cloud-amd64 | linux-image-amd64' e2fsprogs \
		openssh-client libfyaml0 libmnl0 libnftables1; do
		[[ ", $dep," == *", $p"[\ ,]* ]] || { echo "no $p in Depends"; false; }
	done
	# openssh-server is only suggested: installing pool must not start an
	# ssh server on the host
	[[ "$dep" != *openssh-server* ]]
	[[ "$(dpkg-deb -f "$DEB" Suggests)" == *openssh-server* ]]
}

@test "the packaged pool runs from its tree and finds its own pool-init" {
	run "$TREE/usr/bin/pool" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "pool "* ]]
	pool_env
	run "$TREE/usr/bin/pool" check "$HELLO"
	[ "$status" -eq 0 ]
	line=$(printf '%s\n' "$output" | grep '^pool-init ')
	[ "$line" = "pool-init   $TREE/usr/libexec/pool/pool-init" ] || { echo "$line"; false; }
	# the pages render
	MANWIDTH=80 man -l "$TREE/usr/share/man/man1/pool.1.gz" | grep -q '^NAME'
	MANWIDTH=80 man -l "$TREE/usr/share/man/man5/pool.yaml.5.gz" | grep -q '^KEYS'
}

# The unit's ExecStart= or ExecStop= line as a command: the package's
# pool, and ${NAME}, ${UPLINK}, ${SUBNET} as /etc/pool/channel.conf sets
# them (over the unit's Environment= defaults), as systemd would.
unit_cmd() {
	local line
	line=$(sed -n "s/^$1=//p" "$TREE/lib/systemd/system/pool-channel.service")
	[ -n "$line" ] || return 1
	(
		# shellcheck disable=SC2046 # the unit's defaults, KEY=VALUE words
		export $(sed -n 's/^Environment=//p' "$TREE/lib/systemd/system/pool-channel.service")
		set -a
		# shellcheck disable=SC1091
		. "$TREE/etc/pool/channel.conf"
		set +a
		line=${line//\$\{NAME\}/$NAME}
		line=${line//\$\{UPLINK\}/$UPLINK}
		line=${line//\$\{SUBNET\}/$SUBNET}
		printf '%s\n' "${line/\/usr\/bin\/pool/$TREE/usr/bin/pool}"
	)
}

@test "pool-channel.service brings the channel of channel.conf up and takes it down" {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	grep -qx 'EnvironmentFile=-/etc/pool/channel.conf' "$TREE/lib/systemd/system/pool-channel.service"
	start=$(unit_cmd ExecStart)
	stop=$(unit_cmd ExecStop)
	[ "$start" = "$TREE/usr/bin/pool channel up --name pool0 --uplink auto --subnet 10.0.0.0/24" ] || { echo "$start"; false; }
	[ "$stop" = "$TREE/usr/bin/pool channel down --name pool0" ] || { echo "$stop"; false; }
	H="pooldeb-$$-h"
	I="pooldeb-$$-i"
	export POOL_STATE_DIR="$BATS_TEST_TMPDIR/state"
	net_world "$H" "$I"
	# before: no channel (status says so with 3)
	run ip netns exec "$H" "$TREE/usr/bin/pool" channel status --name pool0
	[ "$status" -eq 3 ] || { net_world_del "$H" "$I"; echo "$output"; false; }
	# shellcheck disable=SC2086 # the unit's command line, as words
	run ip netns exec "$H" $start
	up_status=$status up_out=$output
	run ip netns exec "$H" ip -4 -o addr show dev pool0
	addr=$output
	# shellcheck disable=SC2086
	run ip netns exec "$H" $stop
	down_status=$status
	run ip netns exec "$H" "$TREE/usr/bin/pool" channel status --name pool0
	after=$status
	net_world_del "$H" "$I"
	[ "$up_status" -eq 0 ] || { echo "$up_out"; false; }
	[[ "$up_out" == *"channel pool0 is up"* ]]
	[[ "$addr" == *"inet 10.0.0.1/24"* ]]
	[ "$down_status" -eq 0 ]
	[ "$after" -eq 3 ]
}
