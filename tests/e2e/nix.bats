#!/usr/bin/env bats
# nix.bats - the Nix front end, evaluated offline with Nix 2.8 against a fake
# nixpkgs (tests/nix/fake-nixpkgs): the original interface (channel,
# condense, role), the guest module, and the JSON spec fed to the real
# `pool check`. What this cannot show: that a real nixpkgs builds the
# package or a bootable NixOS from these modules (see nix/README.md).

bats_require_minimum_version 1.5.0

POOL_SRC="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
POOL_BIN="${POOL_BIN:-$POOL_SRC/build/pool}"
load ../nix/helpers

setup() {
	need_nix
	nix_env
	export POOL_STATE_DIR="$BATS_FILE_TMPDIR/state" POOL_CACHE_DIR="$BATS_FILE_TMPDIR/cache-pool"
}

# Store paths are read-only; let bats remove its temp folder.
teardown_file() {
	chmod -R u+w "$BATS_FILE_TMPDIR" 2>/dev/null || true
}

# json FILE PYTHON-EXPR: print EXPR evaluated with d = the parsed JSON.
json() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# spec_with_files IN OUT: the spec with kernel, initrd and store pointed at
# files and a folder that exist, as a real NixOS build would provide.
spec_with_files() {
	local d="$BATS_TEST_TMPDIR/boot"
	mkdir -p "$d/store"
	echo kernel >"$d/bzImage"
	echo initrd >"$d/initrd"
	python3 - "$1" "$2" "$d" <<-'EOF'
	import json, sys
	spec = json.load(open(sys.argv[1]))
	n = spec["image"]["nixos"]
	n["kernel"], n["initrd"], n["store"] = sys.argv[3] + "/bzImage", sys.argv[3] + "/initrd", sys.argv[3] + "/store"
	json.dump(spec, open(sys.argv[2], "w"))
	EOF
}

@test "every .nix file in the repository parses (but the original host flake, kept as it was)" {
	local n=0 f
	while IFS= read -r f; do
		[ "$f" != "$POOL_SRC/examples/nix/host-flake.original.nix" ] || continue
		run nix-instantiate --store "$BATS_FILE_TMPDIR/store" --parse "$f"
		[ "$status" -eq 0 ] || { echo "$f: $output"; return 1; }
		n=$((n + 1))
	done < <(find "$POOL_SRC" -path "$POOL_SRC/.git" -prune -o -path "$POOL_SRC/build*" -prune \
		-o -name '*.nix' -print)
	for f in flake.nix nix/lib.nix nix/package.nix nix/modules/host.nix nix/modules/guest.nix \
		examples/nix/host-flake.nix examples/nix/codebase-flake.nix; do
		[ -f "$POOL_SRC/$f" ] || { echo "missing $f"; return 1; }
	done
	[ "$n" -ge 7 ]
}

@test "the original host flake does not parse: sources is undefined; host-flake.nix is it without microvm" {
	local orig="$POOL_SRC/examples/nix/host-flake.original.nix"
	run --separate-stderr nix-instantiate --store "$BATS_FILE_TMPDIR/store" --parse "$orig"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"undefined variable 'sources'"* ]]
	# the example parses (the test above) and differs from the original only
	# in its comments and the two microvm lines
	run diff <(grep -v '^ *#' "$orig") <(grep -v '^ *#' "$POOL_SRC/examples/nix/host-flake.nix")
	echo "$output"
	[ "$(grep -c '^<' <<<"$output")" -eq 2 ] && [ "$(grep -c '^>' <<<"$output")" -eq 1 ]
	[[ "$output" == *'< '*'microvm = { url ='* ]]
	[[ "$output" == *'< '*'modules = [ sources.microvm.nixosModules.host ((pool.outputs.current arch).channel "wlan0") ];'* ]]
	[[ "$output" == *'> '*'modules = [ ((pool.outputs.current arch).channel "wlan0") ];'* ]]
}

@test "the example flakes are evaluated as written, but for where pool lives" {
	run diff "$POOL_SRC/examples/nix/host-flake.nix" "$BATS_FILE_TMPDIR/host/flake.nix"
	[ "$(grep -c '^[<>]' <<<"$output")" -eq 2 ]
	[[ "$output" == *"< "*'url = "/pool"'* ]]
	run diff "$POOL_SRC/examples/nix/codebase-flake.nix" "$BATS_FILE_TMPDIR/code/flake.nix"
	[ "$(grep -c '^[<>]' <<<"$output")" -eq 2 ]
	[[ "$output" == *"< "*'url = "/pool"'* ]]
}

@test "role \"root\" {}: empty password, no keys, nushell" {
	run --separate-stderr pool_eval 'c.role "root" { }' --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'sorted(d)')" = "['hashedPassword', 'openssh', 'shell']" ]
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'repr(d["hashedPassword"])')" = "''" ]
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["openssh"]["authorizedKeys"]["keys"]')" = "[]" ]
	[[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["shell"]')" == /nix/store/*-nushell* ]]
}

@test "role \"alice\" { hash = ...; }: the hash, a normal user" {
	run --separate-stderr pool_eval 'c.role "alice" { hash = "$y$j9T$salt$hashhash"; }' --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["hashedPassword"]')" = '$y$j9T$salt$hashhash' ]
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["isNormalUser"]')" = "True" ]
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["openssh"]["authorizedKeys"]["keys"]')" = "[]" ]
}

@test "role \"bob\" { keys = [...]; }: the keys, empty password, custom shell" {
	run --separate-stderr pool_eval 'c.role "bob" { keys = [ "ssh-ed25519 AAAAC3Nza bob" ]; shell = c.pkgs.bashInteractive; }' --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/r.json"
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["openssh"]["authorizedKeys"]["keys"]')" = "['ssh-ed25519 AAAAC3Nza bob']" ]
	[ "$(json "$BATS_TEST_TMPDIR/r.json" 'repr(d["hashedPassword"])')" = "''" ]
	[[ "$(json "$BATS_TEST_TMPDIR/r.json" 'd["shell"]')" == /nix/store/*-bash-interactive-* ]]
}

@test "role with a plain pass is refused: it would be world-readable in /nix/store" {
	run --separate-stderr pool_eval 'c.role "x" { pass = "p"; }' --json
	[ "$status" -ne 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *'role x: a plain pass would be world-readable in /nix/store; give hash = "$(pool mkpasswd)" instead'* ]]
}

@test "channel \"wlan0\": the host's pool-channel service brings the channel up on wlan0" {
	run --separate-stderr nixf eval --json --override-input nixpkgs "path:$FAKE_NIXPKGS" \
		"path:$BATS_FILE_TMPDIR/host#nixosConfigurations.local.config" \
		--apply 'c: { svc = c.systemd.services.pool-channel; pkgs = map toString c.environment.systemPackages; }'
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/h.json"
	start=$(json "$BATS_TEST_TMPDIR/h.json" 'd["svc"]["serviceConfig"]["ExecStart"]')
	[[ "$start" == /nix/store/*-pool-*/bin/"pool channel up --uplink wlan0"* ]]
	[[ "$(json "$BATS_TEST_TMPDIR/h.json" 'd["svc"]["serviceConfig"]["ExecStop"]')" == /nix/store/*/bin/"pool channel down"* ]]
	[ "$(json "$BATS_TEST_TMPDIR/h.json" 'd["svc"]["after"]')" = "['network-online.target']" ]
	[ "$(json "$BATS_TEST_TMPDIR/h.json" 'd["svc"]["wants"]')" = "['network-online.target']" ]
	[ "$(json "$BATS_TEST_TMPDIR/h.json" 'd["svc"]["wantedBy"]')" = "['multi-user.target']" ]
	# the pool the service runs is the one installed
	[ "$(json "$BATS_TEST_TMPDIR/h.json" 'd["pkgs"]')" = "['${start%%/bin/*}']" ]
}

@test "the channel command line is one pool accepts" {
	run --separate-stderr nixf eval --raw --override-input nixpkgs "path:$FAKE_NIXPKGS" \
		"path:$BATS_FILE_TMPDIR/host#nixosConfigurations.local.config.systemd.services.pool-channel.serviceConfig.ExecStart"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ -x "$POOL_BIN" ] || { echo "no pool binary at $POOL_BIN (build first)"; return 1; }
	# same arguments, but `status` (reads only) and a bad subnet prefix to
	# show that each option is parsed, not ignored
	read -r -a argv <<<"$output"
	[ "${argv[1]}" = channel ] && [ "${argv[2]}" = up ]
	# (in a network namespace of its own: should it ever go ahead, it
	# touches none of the host's interfaces)
	local ns=(unshare -n)
	[ "$(id -u)" -eq 0 ] || ns=(unshare -rn)
	run --separate-stderr "${ns[@]}" "$POOL_BIN" channel up "${argv[@]:3}" --subnet 10.0.0.0/31
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--subnet 10.0.0.0/31: prefix must be 8..30"* ]]
}

@test "condense: the codebase flake's packages.machine runs pool up with the generated spec" {
	run --separate-stderr nixf eval --json --override-input pool/nixpkgs "path:$FAKE_NIXPKGS" \
		--override-input flake-utils "path:$FAKE_FLAKE_UTILS" \
		"path:$BATS_FILE_TMPDIR/code#packages.x86_64-linux.machine" \
		--apply 'r: { inherit (r) name text type; main = r.meta.mainProgram; }'
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/m.json"
	[ "$(json "$BATS_TEST_TMPDIR/m.json" 'd["type"]')" = derivation ]
	[ "$(json "$BATS_TEST_TMPDIR/m.json" 'd["main"]')" = machine ]
	text=$(json "$BATS_TEST_TMPDIR/m.json" 'd["text"]')
	[[ "$text" =~ exec\ /nix/store/[a-z0-9]{32}-pool-[^/]*/bin/pool\ up\ --spec\ (/nix/store/[a-z0-9]{32}-pool-machine\.json) ]]
	runner_spec=${BASH_REMATCH[1]}
	# the same spec file as the condensed system's
	run --separate-stderr pool_eval "toString $(condensed).pool.specFile" --raw
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = "$runner_spec" ]
}

@test "condense: the JSON spec names the machine, its NixOS kernel, initrd, init and store" {
	run --separate-stderr pool_eval "let cf = $(condensed); in { spec = cf.pool.spec; file = cf.pool.specFile.text; kernel = toString cf.system.build.kernel; initrd = toString cf.system.build.initialRamdisk; top = toString cf.system.build.toplevel; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/all.json"
	json "$BATS_TEST_TMPDIR/all.json" 'd["spec"]' >"$BATS_TEST_TMPDIR/spec.json"
	[ "$(json "$BATS_TEST_TMPDIR/all.json" 'd["spec"] == d["file"]')" = True ]
	s="$BATS_TEST_TMPDIR/spec.json"
	[ "$(json "$s" 'd["name"], d["address"], d["interface"]')" = "('machine', '10.0.0.2', 'enp0s4')" ]
	[ "$(json "$s" 'd["memory"], d["cpus"], d["network"]')" = "('512M', 1, 'nat')" ]
	[ "$(json "$s" 'd["image"]["nixos"]["store"]')" = /nix/store ]
	[ "$(json "$s" 'd["image"]["nixos"]["kernel"]')" = "$(json "$BATS_TEST_TMPDIR/all.json" 'd["kernel"]')/bzImage" ]
	[ "$(json "$s" 'd["image"]["nixos"]["initrd"]')" = "$(json "$BATS_TEST_TMPDIR/all.json" 'd["initrd"]')/initrd" ]
	[ "$(json "$s" 'd["image"]["nixos"]["init"]')" = "$(json "$BATS_TEST_TMPDIR/all.json" 'd["top"]')/init" ]
}

@test "condense: pool check parses the spec and stops only at the missing NixOS kernel" {
	[ -x "$POOL_BIN" ] || { echo "no pool binary at $POOL_BIN (build first)"; return 1; }
	run --separate-stderr pool_eval "$(condensed).pool.spec" --raw
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/spec.json"
	kernel=$(json "$BATS_TEST_TMPDIR/spec.json" 'd["image"]["nixos"]["kernel"]')
	[ ! -e "$kernel" ]
	run --separate-stderr "$POOL_BIN" check --spec "$BATS_TEST_TMPDIR/spec.json"
	echo "$stderr"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"spec.json:1:"*": image.nixos.kernel: $kernel does not exist" ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
}

@test "condense: with the boot files present, pool check accepts the spec; MAC agrees with the guest's .link" {
	[ -x "$POOL_BIN" ] || { echo "no pool binary at $POOL_BIN (build first)"; return 1; }
	run --separate-stderr pool_eval "let cf = $(condensed); in { spec = cf.pool.spec; link = cf.systemd.network.links.\"10-pool\"; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/all.json"
	json "$BATS_TEST_TMPDIR/all.json" 'd["spec"]' >"$BATS_TEST_TMPDIR/spec.json"
	spec_with_files "$BATS_TEST_TMPDIR/spec.json" "$BATS_TEST_TMPDIR/ok.json"
	run --separate-stderr "$POOL_BIN" check --spec "$BATS_TEST_TMPDIR/ok.json"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "machine" {print $2}' <<<"$output")" = machine ]
	[ "$(awk '$1 == "image" && NR < 5 {print $2}' <<<"$output")" = nixos ]
	[ "$(awk '$1 == "address" {print $2}' <<<"$output")" = 10.0.0.2 ]
	mac=$(awk '$1 == "mac" {print $2}' <<<"$output")
	[ "$mac" = 02:00:0a:00:00:02 ]
	[ "$(json "$BATS_TEST_TMPDIR/all.json" 'd["link"]["matchConfig"]["MACAddress"]')" = "$mac" ]
	[ "$(json "$BATS_TEST_TMPDIR/all.json" 'd["link"]["linkConfig"]["Name"]')" = enp0s4 ]
}

@test "condense: pool.* options reach the spec, and pool check accepts them" {
	[ -x "$POOL_BIN" ] || { echo "no pool binary at $POOL_BIN (build first)"; return 1; }
	code="$BATS_TEST_TMPDIR/code"
	mkdir -p "$code"
	extra="{ pool = { memory = \"1G\"; cpus = 2; network = { mode = \"nat\"; allow = [ \"1.1.1.1/32:53/udp\" ]; };
		shares = [ { source = \"$code\"; target = \"/code\"; readonly = true; } ];
		volumes = [ { path = \"$code/data.img\"; size = \"64M\"; target = \"/var/lib/data\"; } ]; }; }"
	run --separate-stderr pool_eval "$(condensed "$extra").pool.spec" --raw
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/spec.json"
	s="$BATS_TEST_TMPDIR/spec.json"
	[ "$(json "$s" 'd["memory"], d["cpus"]')" = "('1G', 2)" ]
	[ "$(json "$s" 'd["network"]')" = "{'allow': ['1.1.1.1/32:53/udp'], 'mode': 'nat'}" ]
	[ "$(json "$s" 'd["shares"]')" = "[{'readonly': True, 'source': '$code', 'target': '/code'}]" ]
	spec_with_files "$s" "$BATS_TEST_TMPDIR/ok.json"
	run --separate-stderr "$POOL_BIN" check --spec "$BATS_TEST_TMPDIR/ok.json"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(awk '$1 == "cpus" {print $2}' <<<"$output")" = 2 ]
	[ "$(awk '$1 == "memory" && $2 != "max" {print $2}' <<<"$output")" = 1024M ]
	[[ "$output" == *"$code -> /code (read-only"* ]]
	[[ "$output" == *"virtiofs tag share0"* ]]
	# The guest mounts them by the tags pool gives them.
	run --separate-stderr pool_eval "$(condensed "$extra").fileSystems" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/fs.json"
	f="$BATS_TEST_TMPDIR/fs.json"
	[ "$(json "$f" 'd["/code"]["device"], d["/code"]["fsType"], d["/code"]["options"]')" = "('share0', 'virtiofs', ['ro'])" ]
	[ "$(json "$f" 'd["/var/lib/data"]["device"], d["/var/lib/data"]["fsType"]')" = "('/dev/disk/by-id/virtio-vol0', 'ext4')" ]
	[ "$(json "$f" 'd["/nix/store"]["device"]')" = "store" ]
}

@test "guest module: virtio in the initrd, the store over virtiofs tag store, name, networkd, agent" {
	run --separate-stderr pool_eval "let cf = $(condensed); in { inherit (cf.boot.initrd) availableKernelModules; store = cf.fileSystems.\"/nix/store\"; host = cf.networking.hostName; net = cf.systemd.network.networks.\"10-pool\"; agent = cf.systemd.services.pool-agent.serviceConfig.ExecStart; login = cf.services.getty.autologinUser; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/g.json"
	g="$BATS_TEST_TMPDIR/g.json"
	[ "$(json "$g" 'sorted(set(d["availableKernelModules"]) & {"virtio_mmio", "virtio_console", "virtio_net", "virtio_blk", "virtiofs"})')" = "['virtio_blk', 'virtio_console', 'virtio_mmio', 'virtio_net', 'virtiofs']" ]
	[ "$(json "$g" 'd["store"]["device"], d["store"]["fsType"]')" = "('store', 'virtiofs')" ]
	[ "$(json "$g" 'd["host"]')" = machine ]
	[ "$(json "$g" 'd["net"]["matchConfig"]["Name"], d["net"]["networkConfig"]["DHCP"]')" = "('enp0s4', 'ipv4')" ]
	[[ "$(json "$g" 'd["agent"]')" == /nix/store/*-pool-*/libexec/pool/"pool-init --agent" ]]
	[ "$(json "$g" 'd["login"]')" = root ]
}

@test "guest module: no console autologin once root has a password hash" {
	run --separate-stderr pool_eval "$(condensed '{ users.users.root = c.role "root" { hash = "$y$j9T$s$h"; }; }').services.getty.autologinUser" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = null ]
}

@test "guest module: the agent unit waits for its virtio-serial port's device unit, with no skip" {
	command -v systemd-escape >/dev/null || { echo "systemd-escape not found"; return 1; }
	local dev
	dev=$(systemd-escape --path --suffix=device /dev/virtio-ports/org.pool.agent)
	run --separate-stderr pool_eval "$(condensed).systemd.services.pool-agent" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/a.json"
	[ "$(json "$BATS_TEST_TMPDIR/a.json" 'd["after"]')" = "$(python3 -c 'import sys; print([sys.argv[1]])' "$dev")" ]
	[ "$(json "$BATS_TEST_TMPDIR/a.json" 'd["bindsTo"]')" = "$(python3 -c 'import sys; print([sys.argv[1]])' "$dev")" ]
	[ "$(json "$BATS_TEST_TMPDIR/a.json" 'd["wantedBy"]')" = "['multi-user.target']" ]
	[ "$(json "$BATS_TEST_TMPDIR/a.json" '"unitConfig" in d')" = False ]
	[[ "$(json "$BATS_TEST_TMPDIR/a.json" 'd["serviceConfig"]["ExecStart"]')" == /nix/store/*/libexec/pool/"pool-init --agent" ]]
}

# The fake nixpkgs checks options as NixOS does (tests/nix/fake-nixpkgs): a
# misspelt option name is an error naming it, so a typo in pool's modules
# or in a codebase's module cannot pass here.
@test "a misspelt NixOS option is refused, naming it; spelt right, the same module evaluates" {
	local wrong right path value n=0
	while IFS='|' read -r wrong right path value; do
		n=$((n + 1))
		run --separate-stderr pool_eval "$(condensed "{ $wrong }").$path" --json
		[ "$status" -ne 0 ] || { echo "$wrong evaluated: $output"; return 1; }
		local name=${wrong%% =*}
		[ "$name" = "services.opensh.enable" ] && name=services.opensh
		[[ "$stderr" == *"error: The option \`$name' does not exist. Definition values:"* ]] || { echo "$stderr"; return 1; }
		run --separate-stderr pool_eval "$(condensed "{ $right }").$path" --json
		[ "$status" -eq 0 ] || { echo "$right: $stderr"; return 1; }
		[ "$output" = "$value" ]
	done <<-'EOF'
	networking.hostname = "machine";|networking.hostName = "machine";|networking.hostName|"machine"
	services.opensh.enable = true;|services.openssh.enable = true;|services.openssh.enable|true
	services.getty.autoLoginUser = "root";|services.getty.autologinUser = "root";|services.getty.autologinUser|"root"
	users.users.root.hashedPasword = "";|users.users.root.hashedPassword = "";|users.users.root.hashedPassword|""
	EOF
	[ "$n" -eq 4 ]
}

@test "a definition of the wrong type is refused, naming the option and its type" {
	run --separate-stderr pool_eval "$(condensed '{ services.openssh.enable = "yes"; }').services.openssh.enable" --json
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"A definition for option \`services.openssh.enable' is not of type \`boolean'."* ]]
	# NixOS's file systems take a non-empty list of options
	run --separate-stderr pool_eval "$(condensed '{ fileSystems."/x" = { device = "x"; fsType = "tmpfs"; options = [ ]; }; }').fileSystems" --json
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"A definition for option \`fileSystems.\"/x\".options' is not of type \`non-empty (list of "* ]]
	run --separate-stderr pool_eval "$(condensed '{ fileSystems."/x" = { device = "x"; fsType = "tmpfs"; }; }').fileSystems.\"/x\".options" --json
	[ "$status" -eq 0 ] && [ "$output" = '["defaults"]' ]
	# and so does pool's guest module for a read-write share
	run --separate-stderr pool_eval "$(condensed '{ pool.shares = [ { source = "/srv"; target = "/rw"; } ]; }').fileSystems.\"/rw\".options" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = '["defaults"]' ]
}

@test "condense: a machine name NixOS refuses as a host name is refused in one line; a valid one evaluates" {
	local m='(c.condense "web-" "10.0.0.2" "enp0s4" { users.users.root = c.role "root" { }; }).config'
	run --separate-stderr pool_eval "$m.microvm.declaredRunner.drvPath" --raw
	[ "$status" -ne 0 ]
	echo "$stderr"
	[[ "$stderr" == *"Failed assertions:"* ]]
	[ "$(grep -c 'pool.name' <<<"$stderr")" -eq 1 ]
	grep -qx " *- pool.name \"web-\" is not a valid NixOS host name (networking.hostName): letters, digits, '-' or '_', at most 63, beginning and ending with a letter or digit" <<<"$stderr"
	run --separate-stderr pool_eval "$m.pool.spec" --raw
	[ "$status" -ne 0 ] && [[ "$stderr" == *'pool.name "web-" is not a valid NixOS host name'* ]]
	run --separate-stderr pool_eval "let cf = ${m/web-/web}; in { runner = cf.microvm.declaredRunner.drvPath; host = cf.networking.hostName; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/w.json"
	[[ "$(json "$BATS_TEST_TMPDIR/w.json" 'd["runner"]')" == /nix/store/*-web.drv ]]
	[ "$(json "$BATS_TEST_TMPDIR/w.json" 'd["host"]')" = web ]
}

@test "condense: a role with keys gets sshd in the guest, with the keys in users.users; without keys, no sshd" {
	local key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG alice@host"
	run --separate-stderr pool_eval "let cf = $(condensed "{ users.users.alice = c.role \"alice\" { keys = [ \"$key\" ]; }; }"); in { ssh = cf.services.openssh.enable; keys = cf.users.users.alice.openssh.authorizedKeys.keys; unit = cf.systemd.services.sshd.wantedBy; spec = cf.pool.spec; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/s.json"
	[ "$(json "$BATS_TEST_TMPDIR/s.json" 'd["ssh"]')" = True ]
	[ "$(json "$BATS_TEST_TMPDIR/s.json" 'd["keys"]')" = "['$key']" ]
	[ "$(json "$BATS_TEST_TMPDIR/s.json" 'd["unit"]')" = "['multi-user.target']" ]
	# the whole system evaluates (the spec names its toplevel)
	[[ "$(json "$BATS_TEST_TMPDIR/s.json" 'd["spec"]')" == *'"init":"/nix/store/'*'-nixos-system-machine/init"'* ]]
	# root's keys count too
	run --separate-stderr pool_eval "$(condensed "{ users.users.root = c.role \"root\" { keys = [ \"$key\" ]; }; }").services.openssh.enable" --json
	[ "$status" -eq 0 ] && [ "$output" = true ]
	# no keys: no sshd
	run --separate-stderr pool_eval "let cf = $(condensed); in { ssh = cf.services.openssh.enable; unit = cf.systemd.services ? sshd; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "$output" = '{"ssh":false,"unit":false}' ]
	# the codebase's module has the last word
	run --separate-stderr pool_eval "$(condensed "{ users.users.root = c.role \"root\" { keys = [ \"$key\" ]; }; services.openssh.enable = false; }").services.openssh.enable" --json
	[ "$status" -eq 0 ] && [ "$output" = false ]
}

@test "role values are users.users entries NixOS accepts, in a system that evaluates" {
	run --separate-stderr pool_eval "let cf = $(condensed '{ users.users = { root = c.role "root" { }; alice = c.role "alice" { hash = "$y$j9T$s$h"; }; bob = c.role "bob" { keys = [ "ssh-ed25519 AAAA bob" ]; shell = c.pkgs.bashInteractive; }; }; }'); in { top = cf.system.build.toplevel.drvPath; users = builtins.mapAttrs (n: u: { inherit (u) isNormalUser group hashedPassword; shell = toString u.shell; }) cf.users.users; }" --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/u.json"
	u="$BATS_TEST_TMPDIR/u.json"
	[[ "$(json "$u" 'd["top"]')" == /nix/store/*-nixos-system-machine.drv ]]
	[ "$(json "$u" 'sorted(d["users"])')" = "['alice', 'bob', 'root', 'sshd']" ]
	[ "$(json "$u" 'd["users"]["alice"]["isNormalUser"], d["users"]["alice"]["group"], d["users"]["alice"]["hashedPassword"]')" = "(True, 'users', '\$y\$j9T\$s\$h')" ]
	[ "$(json "$u" 'd["users"]["root"]["isNormalUser"], d["users"]["root"]["hashedPassword"]')" = "(False, '')" ]
	[[ "$(json "$u" 'd["users"]["root"]["shell"]')" == /nix/store/*-nushell-* ]]
	# without isNormalUser, NixOS refuses a user that is not root (role sets it)
	run --separate-stderr pool_eval "$(condensed '{ users.users.carol = builtins.removeAttrs (c.role "carol" { }) [ "isNormalUser" ]; }').system.build.toplevel.drvPath" --raw
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"- Exactly one of users.users.carol.isSystemUser and users.users.carol.isNormalUser must be set."* ]]
}

@test "package: pool-init links nixpkgs' libxcrypt with its static archive kept; pool is wrapped with nixpkgs' virtiofsd" {
	run --separate-stderr pool_eval '{ inputs = map (p: { name = p.name; static = p.dontDisableStatic or false; path = toString p; }) c.pool.buildInputs; native = map (p: p.name) c.pool.nativeBuildInputs; flags = c.pool.mesonFlags; post = c.pool.postInstall; libxcrypt = { name = c.pkgs.libxcrypt.name; path = toString c.pkgs.libxcrypt; }; musl = toString c.pkgs.pkgsStatic.libxcrypt; virtiofsd = toString c.pkgs.virtiofsd; glibc = toString c.pkgs.glibc.static; }' --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/p.json"
	p="$BATS_TEST_TMPDIR/p.json"
	# one libxcrypt: nixpkgs' (built against glibc, not pkgsStatic's musl
	# one), overridden to keep libcrypt.a
	[ "$(json "$p" 'len([i for i in d["inputs"] if i["name"].startswith("libxcrypt")])')" = 1 ]
	[ "$(json "$p" '[i for i in d["inputs"] if i["name"].startswith("libxcrypt")][0]["name"] == d["libxcrypt"]["name"]')" = True ]
	[ "$(json "$p" '[i for i in d["inputs"] if i["name"].startswith("libxcrypt")][0]["static"]')" = True ]
	[ "$(json "$p" '[i for i in d["inputs"] if i["name"].startswith("libxcrypt")][0]["path"] not in (d["libxcrypt"]["path"], d["musl"])')" = True ]
	[ "$(json "$p" 'd["glibc"] in [i["path"] for i in d["inputs"]]')" = True ]
	[ "$(json "$p" 'sorted(i["name"].rsplit("-", 1)[0] for i in d["inputs"] if not i["name"].startswith(("libxcrypt", "glibc")))')" = "['libfyaml', 'libmnl', 'nftables']" ]
	[ "$(json "$p" 'sorted(n.rsplit("-", 1)[0] for n in d["native"])')" = "['makeWrapper', 'meson', 'ninja', 'pkg-config', 'scdoc']" ]
	[ "$(json "$p" '"-Dtests=disabled" in d["flags"]')" = True ]
	v=$(json "$p" 'd["virtiofsd"]')
	[[ "$(json "$p" 'd["post"]')" == *"--set-default POOL_VIRTIOFSD $v/bin/virtiofsd "* ]]
}

@test "package: its meson flags configure this tree; -Dtests=disabled defines no tests, -Dtests=enabled (tests/run) the unit suite" {
	run --separate-stderr pool_eval 'c.pool.mesonFlags' --json
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	mapfile -t flags < <(python3 -c 'import json, sys; print("\n".join(json.loads(sys.argv[1])))' "$output")
	[ "${#flags[@]}" -ge 1 ]
	run meson setup "${flags[@]}" "$BATS_TEST_TMPDIR/off" "$POOL_SRC"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	run meson test -C "$BATS_TEST_TMPDIR/off" --list
	[ "$status" -eq 0 ] && [[ "$output" == *"No tests defined."* ]]
	run meson setup -Dtests=enabled "$BATS_TEST_TMPDIR/on" "$POOL_SRC"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	run meson test -C "$BATS_TEST_TMPDIR/on" --list
	[ "$status" -eq 0 ] && [[ "$output" == *"unit / mac"* ]]
}

@test "condense: pool.mesh becomes the spec's mesh:, which pool check reads and the host's grants decide" {
	[ -x "$POOL_BIN" ] || { echo "no pool binary at $POOL_BIN (build first)"; return 1; }
	mesh='{ pool.mesh = { network = "corp"; ip = "192.168.100.2/24"; groups = [ "dev" ]; lighthouses = { "192.168.100.1" = "198.51.100.1:4242"; }; inbound = [ { port = 8000; proto = "tcp"; groups = [ "dev" ]; } ]; }; }'
	run --separate-stderr pool_eval "$(condensed "$mesh").pool.spec" --raw
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	echo "$output" >"$BATS_TEST_TMPDIR/spec.json"
	s="$BATS_TEST_TMPDIR/spec.json"
	[ "$(json "$s" 'd["mesh"]["network"], d["mesh"]["ip"], d["mesh"]["groups"]')" = "('corp', '192.168.100.2/24', ['dev'])" ]
	[ "$(json "$s" 'd["mesh"]["lighthouses"]')" = "{'192.168.100.1': '198.51.100.1:4242'}" ]
	[ "$(json "$s" 'd["mesh"]["inbound"]')" = "[{'groups': ['dev'], 'port': 8000, 'proto': 'tcp'}]" ]
	spec_with_files "$s" "$BATS_TEST_TMPDIR/ok.json"
	# the spec parses; the host has no such mesh, and says how to make it
	export POOL_DATA_DIR="$BATS_TEST_TMPDIR/data"
	run --separate-stderr "$POOL_BIN" check --spec "$BATS_TEST_TMPDIR/ok.json"
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"ok.json:1:"*": mesh.network: no mesh corp on this host (make it with pool mesh init corp)" ]]
	# the guest's nebula: a unit the agent starts, and reloads, on the files it gets
	run --separate-stderr pool_eval "$(condensed "$mesh").systemd.services.pool-nebula.serviceConfig.ExecStart" --raw
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[[ "$output" == /nix/store/*-nebula-*/bin/nebula" -config /etc/pool/mesh/config.yml" ]]
	run --separate-stderr pool_eval "$(condensed "$mesh").systemd.services.pool-nebula.serviceConfig.ExecReload" --raw
	[[ "$output" == *"/bin/kill -HUP \$MAINPID" ]]
	# and without pool.mesh, no mesh: at all, nor that unit
	run --separate-stderr pool_eval "$(condensed).pool.spec" --raw
	[[ "$output" != *'"mesh"'* ]]
	run --separate-stderr pool_eval "$(condensed).systemd.services ? pool-nebula"
	[ "$output" = false ]
}
