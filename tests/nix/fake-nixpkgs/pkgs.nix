# tests/nix/fake-nixpkgs/pkgs.nix - stand-in packages for one system: real
# derivations (so store paths, string context and toJSON behave as with
# nixpkgs) whose builders always fail. Evaluation only; nothing here builds.
{ lib, system }:
let
  never = [ "-c" "echo 'fake nixpkgs: this derivation cannot be built' >&2; exit 1" ];
  fake = name: derivation { inherit name system; builder = "/bin/sh"; args = never; };
  pkgs = {
    inherit lib system;
    stdenv = {
      hostPlatform = { inherit system; isLinux = true; };
      mkDerivation = args:
        let clean = removeAttrs args [ "meta" "passthru" ];
        in derivation (clean // {
          name = args.name or "${args.pname}-${args.version}";
          inherit system;
          builder = "/bin/sh";
          args = never;
        }) // { meta = args.meta or { }; } // (args.passthru or { });
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
    glibc = fake "glibc" // { static = fake "glibc-static"; };
    pkgsStatic = { busybox = fake "busybox-static"; };
  } // lib.genAttrs [
    "meson" "ninja" "pkg-config" "makeWrapper" "libfyaml" "libmnl" "nftables" "libxcrypt"
    "qemu" "busybox" "virtiofsd" "nushell" "bashInteractive" "linux" "cmocka"
  ] fake;
in
pkgs
