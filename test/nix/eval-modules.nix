# Evaluates nix/modules/site.nix and update.nix with nixpkgs' lib.evalModules, without the rest
# of NixOS: the NixOS options these modules set are stubbed as free-form values, so the result
# shows exactly what the modules define. One call evaluates many fragments (test/nix/*.test.ts).
#   lib:       nixpkgs lib (NIXPKGS_LIB)
#   fragments: list of { name; module; setup ? false; } (a fragment file or an inline module;
#              setup: also evaluate setup.nix, with the image settings a flake would give)
{ lib, fragments }:
let
  fakeStorePath = name: "/nix/store/00000000000000000000000000000000-${name}";

  stubs = { lib, ... }:
    let
      anything = lib.mkOption { type = lib.types.anything; default = { }; };
    in
    {
      options = {
        assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
        warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
        boot = anything;
        networking = anything;
        users = anything;
        security = anything;
        environment = anything;
        systemd = anything;
        nix = anything;
        system = anything;
        services.timesyncd = anything;
        services.openssh = anything;
        services.udev = anything;
        services.cloud-init = anything;
        # No free-form `virtualisation`: NixOS declares none of what our modules might set there
        # in every configuration (amazon-init only with the amazon image module; a fragment that
        # stands for that format imports ./nixos-stubs/virtualisation/amazon-init.nix).
        nixpkgs = anything;
        meta = anything;
        documentation = anything; # set by nix/controller.nix
      };
      config = {
        _module.args.pkgs = {
          writeShellScript = name: _text: fakeStorePath name;
          writeText = name: _text: fakeStorePath name;
          callPackage = _: _: throw "the package is not built in these tests";
          path = /nonexistent/nixpkgs;
          coreutils = fakeStorePath "coreutils";
          gnutar = fakeStorePath "gnutar";
          xz.bin = fakeStorePath "xz-bin";
          gzip = fakeStorePath "gzip";
          stdenv = fakeStorePath "stdenv";
          stdenvNoCC = fakeStorePath "stdenv-nocc";
          lndir = fakeStorePath "lndir"; # not xorg.lndir: nixpkgs 26.05 deprecates the xorg set
          libxslt.bin = fakeStorePath "libxslt-bin";
        };
        nix.package = fakeStorePath "nix";
        system.build.nixos-rebuild = fakeStorePath "nixos-rebuild";
        systemd.package = fakeStorePath "systemd";
        system.nixos = { versionSuffix = ".20260601.abcdef0"; revision = "abcdef0123456789"; };
        environment.sessionVariables.NIX_PATH = "nixpkgs=/nix/store/11111111111111111111111111111111-source";
        nixpkgs.flake.source = "/nix/store/11111111111111111111111111111111-source";
        services.bowtie-update = {
          metadataUrl = "https://updates.example.com/controller/{channel}.json";
          cacheUrl = "https://cache.example.com";
          trustedPublicKeys = [ "bowtie-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
        };
      };
    };

  evalOne = fragment:
    let
      c = (lib.evalModules {
        # nix/images/*.nix import nixpkgs' image modules through it: stand-ins at nixpkgs' paths
        # (./nixos-stubs/image-formats/nixos/README.md). A string: nothing is copied.
        specialArgs.modulesPath = toString ./nixos-stubs/image-formats/nixos/modules;
        modules = [
          ../../nix/modules/site.nix
          ../../nix/modules/update.nix
          ../../nix/modules/bowtie-server-interface.nix
          stubs
          fragment.module
        ] ++ lib.optional (!(fragment.setup or false)) {
          # Without setup.nix the update module has no appliance package to default to.
          services.bowtie-update.package = fakeStorePath "bowtie-setup-0.1.0";
        } ++ lib.optionals (fragment.setup or false) [
          ../../nix/modules/setup.nix
          {
            services.bowtie-setup = {
              enable = true;
              package = fakeStorePath "bowtie-setup-image-0.1.0";
              releaseVersion = "1.8.2";
              configurationImports = [
                "/nix/store/22222222222222222222222222222222-source/nix/controller.nix"
                "/nix/store/33333333333333333333333333333333-source/nix/images/qemu.nix"
              ];
            };
          }
        ];
      }).config;
      result = {
        failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) c.assertions);
        inherit (c) warnings;
        virtualisation = c.virtualisation or { };
        # Forced so that every pkgs attribute the defaults name is looked up in the stub above.
        extraDependencies = c.system.extraDependencies or [ ];
        bootLoader = c.boot.loader or { };
        siteComplete = c.bowtie.siteComplete;
        configurationText = c.services.bowtie-setup.configurationText or null;
        site = c.bowtie.site;
        inherit (c) networking users security environment systemd nix services;
      };
      # A type error (for instance a path literal where a path string belongs) is a throw.
      tried = builtins.tryEval (builtins.deepSeq result result);
    in
    { inherit (fragment) name; ok = tried.success; } // (if tried.success then tried.value else { });
in
map evalOne fragments
