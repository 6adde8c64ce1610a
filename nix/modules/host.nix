# nix/modules/host.nix - NixOS host module: pool installed and, when enabled,
# the channel (bridge pool0 + nftables NAT to the uplink) brought up at boot.
{ config, lib, pkgs, ... }:
let
  cfg = config.services.pool;
in
{
  options.services.pool = {
    package = lib.mkOption {
      type = lib.types.package;
      default = pkgs.callPackage ../package.nix { };
      description = "The pool package.";
    };
    channel = {
      enable = lib.mkEnableOption "the pool channel (host bridge and NAT for machines)";
      uplink = lib.mkOption {
        type = lib.types.str;
        default = "auto";
        description = "Interface the machines reach the internet through; auto: the default route's.";
      };
      name = lib.mkOption {
        type = lib.types.str;
        default = "pool0";
        description = "Name of the host bridge.";
      };
      subnet = lib.mkOption {
        type = lib.types.str;
        default = "10.0.0.0/24";
        description = "IPv4 subnet of the channel; the host takes its .1.";
      };
    };
  };

  config = {
    environment.systemPackages = [ cfg.package ];

    systemd.services.pool-channel = lib.mkIf cfg.channel.enable {
      description = "pool channel ${cfg.channel.name} (uplink ${cfg.channel.uplink})";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = "${cfg.package}/bin/pool channel up --uplink ${cfg.channel.uplink}"
          + " --name ${cfg.channel.name} --subnet ${cfg.channel.subnet}";
        ExecStop = "${cfg.package}/bin/pool channel down --name ${cfg.channel.name}";
      };
    };
  };
}
