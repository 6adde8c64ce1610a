# host: /etc/nixos/flake.nix
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
