# tests/nix/fake-flake-utils/flake.nix - numtide/flake-utils' eachDefaultSystem,
# offline: { packages.X = ...; } per system becomes { packages.<system>.X = ...; }.
{
  outputs = { self }:
    let
      defaultSystems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
      eachSystem = systems: f: builtins.foldl' (acc: system:
        let out = f system; in
        acc // builtins.mapAttrs (n: v: (acc.${n} or { }) // { ${system} = v; }) out) { } systems;
    in
    {
      lib = { inherit defaultSystems eachSystem; eachDefaultSystem = eachSystem defaultSystems; };
    };
}
