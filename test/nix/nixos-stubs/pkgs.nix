# The packages our modules and the VM tests take from pkgs, as fake store paths (nothing is
# built), and the values NixOS would give the options our modules read; the rest of the stubs is
# ./nixos.nix. writeText writes its file for real (builtins.toFile), because the VM tests
# generate modules that a rebuild imports (nix/tests/common.nix) and the harness imports them too.
#   nixpkgsSource: what nixpkgs.flake.source is (lib.nixosSystem sets it; a NixOS test does not)
{ nixpkgsSource }:
rec {
  fakeStorePath = name: "/nix/store/00000000000000000000000000000000-${name}";
  # A package as NixOS's package type takes it without asking the store for it (a bare store
  # path string is looked up, which fails when the evaluation may write to the store).
  fakePackage = name: {
    type = "derivation";
    inherit name;
    outPath = fakeStorePath name;
  };

  pkgs = {
    openssl = fakePackage "openssl";
    curl = fakePackage "curl";
    jq = fakePackage "jq";
    python3 = fakePackage "python3";
    coreutils = fakePackage "coreutils";
    util-linux = fakePackage "util-linux";
    gnutar = fakePackage "gnutar";
    xz.bin = fakePackage "xz-bin";
    gzip = fakePackage "gzip";
    # The platform the appliance is built for (flake.nix: x86_64-linux); raw-efi.nix asks it.
    stdenv = fakePackage "stdenv" // { hostPlatform.isx86_64 = true; };
    stdenvNoCC = fakePackage "stdenv-nocc";
    lndir = fakePackage "lndir"; # not xorg.lndir: nixpkgs 26.05 deprecates the xorg set
    libxslt.bin = fakePackage "libxslt-bin";
    writeShellScript = name: _text: fakeStorePath name;
    writeText = builtins.toFile;
    callPackage = _: _: throw "the package is not built in these tests";
    # nixpkgs' pkgs.path is a path value: its string has no store context.
    path = /nonexistent/nixpkgs;
  };

  # The packages above (not the scripts and files made from text), by store path.
  packagePaths = map (p: p.outPath) (builtins.filter (p: p.type or null == "derivation") (builtins.attrValues pkgs) ++ [ pkgs.xz.bin pkgs.lndir pkgs.libxslt.bin ]);

  module = {
    _module.args.pkgs = pkgs;
    nix.package = fakeStorePath "nix";
    system.build.nixos-rebuild = fakeStorePath "nixos-rebuild";
    systemd.package = fakeStorePath "systemd";
    system.nixos = {
      versionSuffix = ".20260601.abcdef0";
      revision = "abcdef0123456789";
    };
    environment.sessionVariables.NIX_PATH = "nixpkgs=/nix/store/11111111111111111111111111111111-source";
    nixpkgs.flake.source = nixpkgsSource;
  };
}
