# nix/lib.nix - the original interface: (pool.outputs.current arch).{channel, condense, role}.
{ self, nixpkgs }:
arch:
let
  pkgs = nixpkgs.legacyPackages.${arch};
in
rec {
  inherit pkgs;
  pool = self.packages.${arch}.pool;

  # channel UPLINK: a NixOS host module; the machines' outbound connection.
  channel = uplink: { lib, ... }: {
    imports = [ self.nixosModules.host ];
    nixpkgs.hostPlatform = lib.mkDefault arch;
    services.pool.channel = {
      enable = true;
      inherit uplink;
    };
  };

  # condense NAME ADDRESS INTERFACE MODULE: a NixOS system booted by pool;
  # its config.microvm.declaredRunner runs `pool up --spec <generated JSON>`.
  # A user with keys (role NAME { keys = [...]; }) gets sshd in the guest.
  # Whether any user has keys is read from the system without sshd: within
  # one evaluation services.openssh.enable cannot depend on users.users,
  # which sshd.nix defines under mkIf services.openssh.enable (its own
  # user), an infinite recursion.
  condense = name: address: interface: module:
    let
      system = nixpkgs.lib.nixosSystem {
        modules = [
          self.nixosModules.guest
          ({ lib, ... }: {
            nixpkgs.hostPlatform = lib.mkDefault arch;
            pool = { inherit name address interface; };
          })
          module
        ];
      };
      withKeys = builtins.filter (u: u.openssh.authorizedKeys.keys != [ ])
        (builtins.attrValues system.config.users.users);
    in
    system.extendModules {
      modules = [
        ({ lib, ... }: { services.openssh.enable = lib.mkDefault (withKeys != [ ]); })
      ];
    };

  # role NAME { hash, keys, shell }: a users.users.NAME value.
  # No hash: an empty password (and console autologin for root, see
  # modules/guest.nix). A plain `pass` is refused: everything a flake
  # evaluates to lands in /nix/store, which every local user can read, and
  # hashing in Nix would need the salt in the store too. Hash on the host
  # instead: `pool mkpasswd` prints a yescrypt hash.
  role = name: { pass ? null, hash ? null, keys ? [ ], shell ? pkgs.nushell }:
    if pass != null then
      throw "role ${name}: a plain pass would be world-readable in /nix/store; give hash = \"$(pool mkpasswd)\" instead"
    else
      {
        hashedPassword = if hash == null then "" else hash;
        openssh.authorizedKeys.keys = keys;
        inherit shell;
      } // (if name == "root" then { } else { isNormalUser = true; });
}
