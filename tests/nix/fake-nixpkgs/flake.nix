# tests/nix/fake-nixpkgs/flake.nix - just enough of nixpkgs to evaluate pool's
# flake offline: lib (lib.nix: the module system and option types, strict as
# NixOS's), legacyPackages.<system> (pkgs.nix: derivations that evaluate but
# cannot be built) and lib.nixosSystem, the modules in nixos.nix (the part
# of NixOS pool's modules use, declared as NixOS declares it) plus the
# caller's.
{
  outputs = { self }:
    let
      lib0 = import ./lib.nix;
      systems = [ "x86_64-linux" "aarch64-linux" ];
      pkgsFor = system: import ./pkgs.nix { lib = self.lib; inherit system; };
      nixosModules = import ./nixos.nix { inherit pkgsFor; };
    in
    {
      lib = lib0 // {
        # nixos/lib/eval-config.nix: the result has config, options, pkgs,
        # extendModules.
        nixosSystem = { modules, system ? null, specialArgs ? { } }:
          let
            eval = lib0.evalModules {
              modules = nixosModules
                ++ lib0.optional (system != null) { nixpkgs.hostPlatform = lib0.mkDefault system; }
                ++ modules;
              specialArgs = { modulesPath = ./.; } // specialArgs;
            };
            withExtra = e: e // {
              pkgs = pkgsFor e.config.nixpkgs.hostPlatform.system;
              extendModules = args: withExtra (e.extendModules args);
            };
          in
          withExtra eval;
      };
      legacyPackages = lib0.genAttrs systems pkgsFor;
    };
}
