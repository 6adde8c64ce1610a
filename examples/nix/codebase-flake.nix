# per codebase: flake.nix
{ inputs = {
    pool = { url = "/pool"; };
    flake-utils.url = "github:numtide/flake-utils";
  };
  outputs = { self, pool, flake-utils }:
    flake-utils.lib.eachDefaultSystem (arch: let
      current = pool.outputs.current arch;
    in {
      packages.machine = (current.condense "machine" "10.0.0.2" "enp0s4" {
        users.users.root = current.role "root" {};
      }).config.microvm.declaredRunner;
    });
}
