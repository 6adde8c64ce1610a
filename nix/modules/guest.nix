# nix/modules/guest.nix - NixOS guest module: a NixOS that boots as a pool
# machine, and the JSON spec plus runner (`pool up --spec ...`) that boot it.
#
# Contract with the C side (image `nixos` of the spec):
#   - pool boots image.nixos.kernel/initrd with init=image.nixos.init and
#     shares image.nixos.store (the host's /nix/store) read-only over
#     virtiofs with the tag `store`; this module mounts that tag on
#     /nix/store in stage 1 (root itself is a tmpfs).
#   - the NIC's MAC is 02:00:a:b:c:d for address a.b.c.d (as src/net/mac.c);
#     a systemd-networkd .link pins the name `interface` to that MAC and
#     DHCP takes the lease from pool's responder.
#   - the agent is `pool-init --agent` on the virtio-serial port
#     org.pool.agent (guest/agent.c agent_only: READY, EXEC, SHUTDOWN;
#     no PID 1 duties; power-off goes to systemd as SIGRTMIN+4). Its unit
#     waits for the port's device unit: systemd's 99-systemd.rules tags
#     vport* devices, so /dev/virtio-ports/org.pool.agent has the unit
#     dev-virtio\x2dports-org.pool.agent.device.
#   - a mesh (pool.mesh): the supervisor sends nebula's four files over
#     the agent at READY and before each certificate expires (MESH_FILES);
#     the agent writes them into /etc/pool/mesh and runs `systemctl
#     --no-block reload-or-restart pool-nebula.service` (guest/mesh.c).
#   - the machine name is the guest's host name; a name NixOS would refuse
#     there is refused first, by an assertion that says so in one line.
{ config, lib, pkgs, ... }:
let
  cfg = config.pool;

  hex2 = n:
    let
      digits = [ "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "a" "b" "c" "d" "e" "f" ];
      at = i: builtins.elemAt digits i;
    in
    at (n / 16) + at (n - (n / 16) * 16);
  octets = a:
    let m = builtins.match "([0-9]+)\\.([0-9]+)\\.([0-9]+)\\.([0-9]+)" a;
    in if m == null then throw "pool.address: \"${a}\" is not an IPv4 address"
    else map builtins.fromJSON m;
  macOf = a: builtins.concatStringsSep ":" ([ "02" "00" ] ++ map hex2 (octets a));

  rootHash = config.users.users.root.hashedPassword or null;

  # networking.hostName's type (nixos/modules/tasks/network-interfaces.nix),
  # without its "" (no name): a machine has one.
  validHostName = builtins.match "[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?" cfg.name != null;

  # systemd-escape --path /dev/virtio-ports/org.pool.agent
  agentDevice = "dev-virtio\\x2dports-org.pool.agent.device";

  spec = {
    inherit (cfg) name interface memory cpus network shares volumes;
    image.nixos = {
      kernel = "${config.system.build.kernel}/${config.system.boot.loader.kernelFile}";
      initrd = "${config.system.build.initialRamdisk}/${config.system.boot.loader.initrdFile}";
      init = "${config.system.build.toplevel}/init";
      store = "/nix/store";
    };
  } // lib.optionalAttrs (cfg.address != null) { inherit (cfg) address; }
    // lib.optionalAttrs (cfg.mesh != null) {
      # the spec's mesh: (the host grants it: pool mesh grant)
      mesh = { inherit (cfg.mesh) network ip groups lighthouses; }
        // lib.optionalAttrs (cfg.mesh.inbound != null) { inherit (cfg.mesh) inbound; };
    }
    // lib.optionalAttrs (config.boot.kernelParams != [ ]) {
      cmdline = builtins.concatStringsSep " " config.boot.kernelParams;
    };
in
{
  options.pool = {
    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../package.nix { };
      description = "The pool package (host tool for the runner, pool-init for the agent).";
    };
    name = lib.mkOption { type = lib.types.str; description = "Machine name ([a-z][a-z0-9-]{0,31})."; };
    address = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
      description = "IPv4 address in the channel's subnet; null only with network none.";
    };
    interface = lib.mkOption { type = lib.types.str; default = "eth0"; description = "NIC name in the guest."; };
    memory = lib.mkOption { type = lib.types.str; default = "512M"; description = "Guest memory (K/M/G)."; };
    cpus = lib.mkOption { type = lib.types.int; default = 1; description = "Virtual CPUs (1..64)."; };
    network = lib.mkOption {
      type = lib.types.either (lib.types.enum [ "nat" "isolated" "none" ]) lib.types.attrs;
      default = "nat";
      description = "nat | isolated | none | { mode = \"nat\"; allow = [ \"CIDR[:PORT[/tcp|udp]]\" ]; }";
    };
    shares = lib.mkOption {
      type = lib.types.listOf lib.types.attrs;
      default = [ ];
      description = "Host folders shared over virtiofs: { source; target; readonly ? false; }.";
    };
    volumes = lib.mkOption {
      type = lib.types.listOf lib.types.attrs;
      default = [ ];
      description = "Persistent block devices: { path; size; target; }.";
    };
    mesh = lib.mkOption {
      type = lib.types.nullOr (lib.types.submodule {
        options = {
          network = lib.mkOption { type = lib.types.str; description = "The mesh (made with pool mesh init NET)."; };
          ip = lib.mkOption { type = lib.types.str; description = "Overlay address with the mesh's prefix (a.b.c.d/N), as granted."; };
          groups = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; description = "Nebula groups, as granted."; };
          lighthouses = lib.mkOption {
            type = lib.types.attrsOf lib.types.str;
            default = { };
            description = "Overlay address -> \"HOST:PORT\" where that lighthouse listens, each one granted (pool mesh grant --lighthouse); { }: every lighthouse the grant gives.";
          };
          inbound = lib.mkOption {
            type = lib.types.nullOr (lib.types.listOf lib.types.attrs);
            default = null;
            description = "{ port = N | \"A-B\" | \"any\"; proto = tcp|udp|icmp|any; and one of groups, host, cidr; }; null: ICMP from the mesh.";
          };
        };
      });
      default = null;
      description = "Join a Nebula mesh of the host's (the spec's mesh:); the host must grant it.";
    };
    spec = lib.mkOption {
      type = lib.types.str;
      readOnly = true;
      description = "The machine spec pool reads, as JSON (generated).";
    };
    specFile = lib.mkOption {
      type = lib.types.package;
      readOnly = true;
      description = "pool.spec written to the store (generated).";
    };
  };

  # Named as in microvm.nix, so that `.config.microvm.declaredRunner` of the
  # original interface works; do not import microvm.nix alongside.
  options.microvm.declaredRunner = lib.mkOption {
    type = lib.types.package;
    readOnly = true;
    description = "Boots this system with `pool up --spec <pool.specFile>`.";
  };

  config = {
    pool.spec = builtins.toJSON spec;
    pool.specFile = pkgs.writeText "pool-${cfg.name}.json" cfg.spec;
    microvm.declaredRunner = pkgs.writeShellScriptBin cfg.name ''
      exec ${cfg.package}/bin/pool up --spec ${cfg.specFile} "$@"
    '';

    assertions = [
      {
        assertion = validHostName;
        message = "pool.name \"${cfg.name}\" is not a valid NixOS host name (networking.hostName): letters, digits, '-' or '_', at most 63, beginning and ending with a letter or digit";
      }
    ];
    networking.hostName = lib.mkIf validHostName cfg.name;

    boot.initrd.availableKernelModules = [ "virtio_mmio" "virtio_console" "virtio_net" "virtio_blk" "virtiofs" ];
    boot.initrd.kernelModules = [ "virtio_mmio" "virtiofs" ];
    boot.kernelParams = [ "console=ttyS0" ];
    boot.loader.grub.enable = false;

    # pool's tags: spec share i is virtiofs tag share<i>; volume i is the
    # virtio-blk disk with serial vol<i> (src/plan.c, src/volume.c).
    fileSystems = builtins.listToAttrs (builtins.genList (i:
      let sh = builtins.elemAt cfg.shares i; in {
        name = sh.target;
        # options is a non-empty list in NixOS: "defaults" unless read-only.
        value = { device = "share${toString i}"; fsType = "virtiofs";
                  options = lib.mkIf (sh.readonly or false) [ "ro" ]; };
      }) (builtins.length cfg.shares))
    // builtins.listToAttrs (builtins.genList (i:
      let v = builtins.elemAt cfg.volumes i; in {
        name = v.target;
        value = { device = "/dev/disk/by-id/virtio-vol${toString i}"; fsType = "ext4"; };
      }) (builtins.length cfg.volumes))
    // {
      "/" = lib.mkDefault { device = "none"; fsType = "tmpfs"; options = [ "mode=0755" ]; };
      "/nix/store" = {
        device = "store";        # the virtiofs tag pool gives image.nixos.store
        fsType = "virtiofs";
        options = [ "ro" ];
        neededForBoot = true;
      };
    };

    networking.useDHCP = false;
    networking.useNetworkd = true;
    systemd.network.enable = true;
    systemd.network.links."10-pool" = lib.mkIf (cfg.address != null) {
      matchConfig.MACAddress = macOf cfg.address;
      linkConfig.Name = cfg.interface;
    };
    systemd.network.networks."10-pool" = lib.mkIf (cfg.address != null) {
      matchConfig.Name = cfg.interface;
      networkConfig.DHCP = "ipv4";
    };

    # The original: root logs in on the console without a password.
    services.getty.autologinUser = lib.mkIf (rootHash == "") (lib.mkDefault "root");

    systemd.services.pool-agent = {
      description = "pool agent (exec, shutdown) on virtio-serial org.pool.agent";
      wantedBy = [ "multi-user.target" ];
      # Waits for the port, which udev may not have named yet when
      # multi-user.target starts this (a ConditionPathExists would skip the
      # unit for good then), and stops if the port goes away.
      after = [ agentDevice ];
      bindsTo = [ agentDevice ];
      serviceConfig = {
        ExecStart = "${cfg.package}/libexec/pool/pool-init --agent";
        Restart = "always";
      };
    };

    # Started (and reloaded: SIGHUP) by the agent once it has written the
    # files pool sends; nothing else starts it.
    systemd.services.pool-nebula = lib.mkIf (cfg.mesh != null) {
      description = "Nebula on the mesh files pool sends over the agent (/etc/pool/mesh)";
      serviceConfig = {
        ExecStart = "${pkgs.nebula}/bin/nebula -config /etc/pool/mesh/config.yml";
        ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
        Restart = "always";
        RestartSec = "2";
      };
    };

    system.stateVersion = lib.mkDefault "25.11";
  };
}
