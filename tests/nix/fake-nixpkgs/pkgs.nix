# tests/nix/fake-nixpkgs/pkgs.nix - stand-in packages for one system: real
# derivations (so store paths, string context and toJSON behave as with
# nixpkgs) whose builders always fail. Evaluation only; nothing here builds.
# Packages pool's Nix files name are here under their nixpkgs names, with the
# attributes those files read (shellPath of login shells, glibc.static,
# overrideAttrs, pkgsStatic built for musl as in nixpkgs).
{ lib, system }:
let
  never = [ "-c" "echo 'fake nixpkgs: this derivation cannot be built' >&2; exit 1" ];

  # stdenv.mkDerivation: the attributes go into the derivation as nixpkgs
  # puts them (lists of packages become their paths); meta and passthru stay
  # out of it; overrideAttrs re-makes it with attributes changed.
  mkDerivationWith = hostSuffix: args0:
    let
      make = args:
        let
          clean = removeAttrs args [ "meta" "passthru" ];
          name = args.name or "${args.pname}${hostSuffix}-${args.version}";
          drv = derivation (clean // {
            inherit name system;
            builder = "/bin/sh";
            args = never;
          });
        in
        drv // (args.passthru or { }) // {
          meta = args.meta or { };
          overrideAttrs = f: make (args // (if builtins.isFunction f then f args else f));
        };
    in
    make args0;
  mkDerivation = mkDerivationWith "";

  fake = pname: attrs: mkDerivation ({ inherit pname; version = "1.0"; } // attrs);

  pkgs = {
    inherit lib system;
    stdenv = {
      hostPlatform = { inherit system; isLinux = true; isStatic = false; libc = "glibc"; };
      inherit mkDerivation;
    };
    callPackage = f: over:
      let fn = if builtins.isFunction f then f else import f;
      in fn (builtins.intersectAttrs (builtins.functionArgs fn) pkgs // over);
    writeText = name: text: derivation {
      inherit name text system;
      builder = "/bin/sh";
      args = [ "-c" "printf %s \"$text\" > $out" ];
    };
    writeShellScriptBin = name: text: derivation {
      inherit name system;
      text = "#!/bin/sh\n" + text;
      builder = "/bin/sh";
      args = never;
    } // { meta.mainProgram = name; };

    glibc = fake "glibc" { version = "2.40"; } // { static = fake "glibc-static" { version = "2.40"; }; };
    # As pkgs/by-name/li/libxcrypt: autotools, so stdenv adds --disable-static
    # unless dontDisableStatic is set.
    libxcrypt = fake "libxcrypt" { version = "4.4.38"; configureFlags = [ "--enable-hashes=strong" "--enable-obsolete-api=glibc" "--disable-failure-tokens" ]; };
    nushell = fake "nushell" { version = "0.106.1"; passthru.shellPath = "/bin/nu"; };
    bashInteractive = fake "bash-interactive" { version = "5.3"; passthru.shellPath = "/bin/bash"; };
    shadow = fake "shadow" { version = "4.17"; passthru.shellPath = "/bin/nologin"; };
    # the guest module's pool-nebula.service (pool.mesh)
    nebula = fake "nebula" { version = "1.9.7"; };
    coreutils = fake "coreutils" { version = "9.7"; };

    # pkgsStatic: nixpkgs' pkgsCross.musl64 with static linking.
    pkgsStatic = {
      stdenv.hostPlatform = { inherit system; isLinux = true; isStatic = true; libc = "musl"; };
      busybox = mkDerivationWith "-static-x86_64-unknown-linux-musl" { pname = "busybox"; version = "1.37.0"; };
      libxcrypt = mkDerivationWith "-static-x86_64-unknown-linux-musl" { pname = "libxcrypt"; version = "4.4.38"; };
    };
  } // lib.genAttrs [
    "meson" "ninja" "pkg-config" "makeWrapper" "scdoc" "libfyaml" "libmnl" "nftables"
    "qemu" "busybox" "virtiofsd" "linux" "cmocka"
  ] (n: fake n { });
in
pkgs
