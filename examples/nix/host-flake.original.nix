# examples/nix/host-flake.original.nix - the original interface's host flake,
# kept beside host-flake.nix (what pool evaluates) to show what changed and
# why; see the comments there and nix/README.md. It does not evaluate, and
# does not even parse: `sources` is defined nowhere, and Nix refuses an
# undefined variable when it reads the file ("undefined variable 'sources'").
#
# Reconstructed: no verbatim copy of the original is in this repository's
# history or documentation. Below is host-flake.nix with the two things it
# dropped put back: the `microvm` input (microvm.nix; its url is assumed)
# and `sources.microvm.nixosModules.host` in the modules.
# host: /etc/nixos/flake.nix
{ inputs = {
    nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";
    microvm = { url = "github:astro/microvm.nix"; inputs.nixpkgs.follows = "nixpkgs"; };
    pool = { url = "/pool"; inputs.nixpkgs.follows = "nixpkgs"; };
  };
  outputs = { pool, nixpkgs, ... }: let arch = "x86_64-linux"; in {
    nixosConfigurations.local = nixpkgs.lib.nixosSystem {
      modules = [ sources.microvm.nixosModules.host ((pool.outputs.current arch).channel "wlan0") ];
    };
  };
}
