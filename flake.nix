# flake.nix - pool's Nix front end: the package, NixOS host and guest
# modules, and the original interface `(pool.outputs.current arch)`.
{
  description = "pool: a small disposable VM per codebase";

  inputs.nixpkgs.url = "github:nixos/nixpkgs/nixos-25.11";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" ];  # pool drives qemu-system-x86_64 -M microvm
      forAll = f: builtins.listToAttrs (map (s: { name = s; value = f s; }) systems);
    in
    {
      packages = forAll (arch: rec {
        pool = nixpkgs.legacyPackages.${arch}.callPackage ./nix/package.nix { };
        default = pool;
      });

      nixosModules = {
        host = ./nix/modules/host.nix;
        guest = ./nix/modules/guest.nix;
        default = self.nixosModules.host;
      };

      # current ARCH -> { channel, condense, role, pool, pkgs }
      current = import ./nix/lib.nix { inherit self nixpkgs; };
    };
}
