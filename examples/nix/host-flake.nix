# host: /etc/nixos/flake.nix
#
# The original host flake (host-flake.original.nix) with what pool needs
# changed, each for a reason:
#  1. modules: no `sources.microvm.nixosModules.host`. `sources` is bound
#     nowhere in the original, so Nix stops at it before evaluating
#     anything ("undefined variable 'sources'"). And pool needs no microvm
#     host module: the host part of pool is the pool-channel service that
#     `channel "wlan0"` below adds, and a machine is started by its runner
#     (`nix run .#machine`, which is `pool up --spec ...`), not by
#     microvm.nix's microvm@ units.
#  2. inputs: no `microvm`. With its module gone nothing reads it; keeping it
#     would only fetch and lock microvm.nix. (The guest side does not need
#     it either: nix/modules/guest.nix declares microvm.declaredRunner
#     itself, and importing microvm.nix's guest module alongside would
#     declare that option twice.)
# Everything else is as in the original. A real /etc/nixos/flake.nix also
# imports the host's hardware configuration (file systems, boot loader), or
# NixOS's own assertions stop the build.
{ inputs = {
    nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
    pool = { url = "/pool"; inputs.nixpkgs.follows = "nixpkgs"; };
  };
  outputs = { pool, nixpkgs, ... }: let arch = "x86_64-linux"; in {
    nixosConfigurations.local = nixpkgs.lib.nixosSystem {
      modules = [ ((pool.outputs.current arch).channel "wlan0") ];
    };
  };
}
