# Evaluates nix/modules/site.nix and update.nix with nixpkgs' lib.evalModules, without the rest
# of NixOS: the NixOS options these modules set are stubbed (./nixos-stubs/nixos.nix, the stubs
# the VM-test harness uses too), free-form where our modules only write them, so the result
# shows what the modules define. One call evaluates many fragments (test/nix/*.test.ts).
#   lib:       nixpkgs lib (NIXPKGS_LIB)
#   fragments: list of { name; module; setup ? false; } (a fragment file or an inline module;
#              setup: also evaluate setup.nix, with the image settings a flake would give)
{ lib, fragments }:
let
  stubs = import ./nixos-stubs/pkgs.nix { nixpkgsSource = "/nix/store/11111111111111111111111111111111-source"; };
  inherit (stubs) fakeStorePath;

  # An image's update endpoints, as the flake gives them.
  updateSource = {
    services.bowtie-update = {
      metadataUrl = "https://updates.example.com/controller/{channel}.json";
      cacheUrl = "https://cache.example.com";
      trustedPublicKeys = [ "bowtie-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
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
          ./nixos-stubs/nixos.nix
          stubs.module
          updateSource
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
        initrdModules = c.boot.initrd.availableKernelModules;
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
