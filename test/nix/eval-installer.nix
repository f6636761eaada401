# Evaluates the installer ISO's module (nix/installer/default.nix) with nixpkgs' lib.evalModules,
# without the rest of NixOS: nixpkgs' iso-image.nix is the stand-in under ./nixos-stubs (reached
# through modulesPath, so an import of anything else fails), the NixOS options the module sets
# are free-form, and the packages it builds are recorded instead of built (their build script
# and inputs), so the test can run the payload's script for real. One call, many cases.
#   lib:   nixpkgs lib (NIXPKGS_LIB)
#   image: a folder standing in for the raw-efi image's output (holding nixos.img)
#   cases: list of { name; module; } (inline modules added to the installer's)
{ lib, image, cases }:
let
  fakeStorePath = name: "/nix/store/00000000000000000000000000000000-${name}";
  fakePackage = name: { type = "derivation"; inherit name; outPath = fakeStorePath name; };
  pkgs = {
    runCommand = name: env: script: fakePackage name // { inherit script; nativeBuildInputs = map (p: p.name) env.nativeBuildInputs; };
    writeShellApplication = args: fakePackage args.name // { inherit (args) text; runtimeInputs = map (p: p.name) args.runtimeInputs; };
    zstd = fakePackage "zstd";
    util-linux = fakePackage "util-linux";
    jq = fakePackage "jq";
    coreutils = fakePackage "coreutils";
  };
  rawImage = { type = "derivation"; name = "nixos-raw-efi"; outPath = image; passthru.filePath = "nixos.img"; };

  anything = lib.mkOption { type = lib.types.anything; default = { }; };
  nixos = { lib, ... }: {
    options = {
      assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
      warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      # Free-form, but the kernel parameters iso-image.nix and the installer both set concatenate.
      boot = lib.mkOption {
        default = { };
        type = lib.types.submodule {
          freeformType = lib.types.attrsOf lib.types.anything;
          options.kernelParams = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
          # Which stage 1 the installer gets decides how it keeps LVM down.
          options.initrd = lib.mkOption {
            default = { };
            type = lib.types.submodule {
              freeformType = lib.types.attrsOf lib.types.anything;
              options.systemd.enable = lib.mkOption { type = lib.types.bool; default = false; };
              # As stage-1.nix declares it (a definition under mkIf needs its own option).
              options.preDeviceCommands = lib.mkOption { type = lib.types.lines; default = ""; };
            };
          };
        };
      };
      networking = anything;
      users = anything;
      services = anything;
      systemd = anything;
      environment = anything;
      documentation = anything;
      nixpkgs = anything;
      system = anything;
    };
    config = {
      _module.args.pkgs = pkgs;
      system.nixos.label = "26.05.20260930.78e9c78";
      bowtie.installer.image = rawImage;
    };
  };

  evalCase = c:
    let
      e = lib.evalModules {
        specialArgs.modulesPath = toString ./nixos-stubs; # a string: nothing is copied
        modules = [ ../../nix/installer nixos c.module ];
      };
      cfg = e.config;
      payload = lib.findFirst (x: x.target == "/bowtie") null cfg.isoImage.contents;
      install = builtins.head cfg.environment.systemPackages;
      value = {
        failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) cfg.assertions);
        isoImageDeclaredIn = map toString e.options.isoImage.volumeID.declarations;
        isoImage = removeAttrs cfg.isoImage [ "contents" ];
        imageFileName = cfg.image.fileName;
        contents = map (x: { inherit (x) target; source = x.source.name; }) cfg.isoImage.contents;
        payload = { inherit (payload.source) name script nativeBuildInputs; };
        install = { inherit (install) name text runtimeInputs; };
        installPath = install.outPath;
        inherit (cfg.boot) kernelParams;
        units = lib.mapAttrs (_: u: removeAttrs u [ "_module" ]) cfg.systemd.services;
        openssh = cfg.services.openssh or { };
        lvm = cfg.services.lvm or { };
        swraid = cfg.boot.swraid or { };
        initrd = cfg.boot.initrd or { };
        lvmConf = cfg.environment.etc."lvm/lvm.conf" or { };
        inherit (cfg) users networking documentation;
      };
      tried = builtins.tryEval (builtins.deepSeq value value);
    in
    { inherit (c) name; ok = tried.success; } // (if tried.success then tried.value else { });
in
map evalCase cases
