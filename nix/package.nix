# nix/package.nix - pool built with meson/ninja from nixpkgs; the host tool
# is wrapped so it finds QEMU and a static busybox from the Nix store.
{ lib, stdenv, meson, ninja, pkg-config, makeWrapper
, libfyaml, libmnl, nftables, libxcrypt, glibc, cmocka
, qemu, pkgsStatic
}:

stdenv.mkDerivation {
  pname = "pool";
  version = "0.1.0";

  # The repository itself (flake sources are already filtered by git).
  src = ./..;

  nativeBuildInputs = [ meson ninja pkg-config makeWrapper ];
  # nftables provides libnftables; glibc.static links pool-init (-static).
  # cmocka: tests/meson.build asks for it at configure time. The unit tests
  # have not been tried inside the Nix build sandbox, so they stay off.
  buildInputs = [ libfyaml libmnl nftables libxcrypt glibc.static cmocka ];
  doCheck = false;

  # pool finds its helpers through these variables (src/plan.c); the user
  # can still override them.
  postInstall = ''
    wrapProgram $out/bin/pool \
      --set-default POOL_QEMU ${qemu}/bin/qemu-system-x86_64 \
      --set-default POOL_BUSYBOX ${pkgsStatic.busybox}/bin/busybox \
      --prefix PATH : ${lib.makeBinPath [ qemu ]}
  '';

  meta = {
    description = "Per-codebase microVMs: a host tool and a static guest PID 1";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
    mainProgram = "pool";
  };
}
