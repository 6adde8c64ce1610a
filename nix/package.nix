# nix/package.nix - pool built with meson/ninja from nixpkgs; the host tool
# is wrapped so it finds QEMU, virtiofsd and a static busybox in the Nix
# store.
{ lib, stdenv, meson, ninja, pkg-config, makeWrapper, scdoc
, libfyaml, libmnl, nftables, libxcrypt, glibc
, qemu, virtiofsd, pkgsStatic
}:

let
  # pool-init is linked -static (meson.build), so it needs libcrypt.a. glibc
  # has had no libcrypt since 2.38 (nixpkgs builds it without), and nixpkgs'
  # libxcrypt is autotools, where stdenv adds --disable-static: the same
  # libxcrypt with dontDisableStatic keeps the archive next to the shared
  # library, built against glibc like glibc.static's libc.a it is linked
  # with. pkgsStatic.libxcrypt is no substitute: it is built for musl, and a
  # musl archive must not go into a glibc binary. meson finds the archive
  # through pkg-config (dependency('libxcrypt', static : true)), which names
  # this package's lib directory.
  libxcryptStatic = libxcrypt.overrideAttrs (old: { dontDisableStatic = true; });
in
stdenv.mkDerivation {
  pname = "pool";
  version = "0.1.0";

  # The repository itself (flake sources are already filtered by git).
  src = ./..;

  nativeBuildInputs = [ meson ninja pkg-config makeWrapper scdoc ];
  # nftables provides libnftables; glibc.static is libc.a for pool-init.
  buildInputs = [ libfyaml libmnl nftables libxcryptStatic glibc.static ];

  # nixpkgs' meson hook sets -Dauto_features=enabled: the tests (cmocka)
  # would then be required. They are not built here.
  mesonFlags = [ "-Dtests=disabled" ];

  # pool finds its helpers through these variables (src/plan.c); the user
  # can still override them. NixOS has no /usr/lib/qemu/virtiofsd.
  postInstall = ''
    wrapProgram $out/bin/pool \
      --set-default POOL_QEMU ${qemu}/bin/qemu-system-x86_64 \
      --set-default POOL_VIRTIOFSD ${virtiofsd}/bin/virtiofsd \
      --set-default POOL_BUSYBOX ${pkgsStatic.busybox}/bin/busybox \
      --prefix PATH : ${lib.makeBinPath [ qemu ]}
  '';

  passthru = { libxcrypt = libxcryptStatic; };

  meta = {
    description = "Per-codebase microVMs: a host tool and a static guest PID 1";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "pool";
  };
}
