# tests/nix/fake-nixpkgs/flake.nix - just enough of nixpkgs to evaluate pool's
# flake offline: lib (see lib.nix), legacyPackages.<system> (fake
# derivations) and lib.nixosSystem, a stub that runs the modules through the
# small module system in lib.nix on top of a base module standing in for
# NixOS (kernel, initrd, toplevel). It cannot build anything.
{
  outputs = { self }:
    let
      lib0 = import ./lib.nix;
      systems = [ "x86_64-linux" "aarch64-linux" ];
      pkgsFor = system: import ./pkgs.nix { lib = self.lib; inherit system; };

      # What NixOS itself would declare and build, reduced to what pool reads.
      base = { config, lib, pkgs, ... }: {
        options = {
          nixpkgs.hostPlatform = lib.mkOption { type = lib.types.str; };
          networking.hostName = lib.mkOption { type = lib.types.str; default = "nixos"; };
          boot.kernelParams = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          boot.initrd.availableKernelModules = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          boot.initrd.kernelModules = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          environment.systemPackages = lib.mkOption { type = lib.types.listOf lib.types.package; default = [ ]; };
          system.boot.loader.kernelFile = lib.mkOption { type = lib.types.str; default = "bzImage"; };
          system.boot.loader.initrdFile = lib.mkOption { type = lib.types.str; default = "initrd"; };
          services.getty.autologinUser = lib.mkOption { type = lib.types.nullOr lib.types.str; default = null; };
          system.build = lib.mkOption { type = lib.types.attrs; };
        };
        config.system.build = {
          kernel = pkgs.linux;
          initialRamdisk = pkgs.writeText "initrd-fake" (builtins.toJSON config.boot.initrd.availableKernelModules);
          toplevel = pkgs.writeText "nixos-system-${config.networking.hostName}"
            (builtins.toJSON { inherit (config.boot) kernelParams; });
        };
      };
    in
    {
      lib = lib0 // {
        nixosSystem = { modules, system ? null, specialArgs ? { } }:
          lib0.evalModules {
            modules = [ base ] ++ lib0.optional (system != null) { nixpkgs.hostPlatform = lib0.mkDefault system; } ++ modules;
            inherit specialArgs;
            pkgsFor = config: pkgsFor config.nixpkgs.hostPlatform;
          };
      };
      legacyPackages = lib0.genAttrs systems pkgsFor;
    };
}
