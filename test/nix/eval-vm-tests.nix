# Evaluates the VM tests of nix/tests/ as far as nixpkgs' lib allows, without nixpkgs or KVM:
# each test's attributes and test script (every interpolation in it), and each node's modules
# with lib.evalModules, our modules for real and NixOS's own options stubbed: free-form where our
# modules set them, declared one by one where the tests set them (the test driver's qemu-vm
# options under ./nixos-stubs, reached through modulesPath), so that an option that does not exist
# fails here. The test driver's own definitions for every node are added as nixpkgs'
# nixos/lib/testing/network.nix makes them (host name by node name, 192.168.<vlan>.<n> on the
# vlan interfaces), so a conflict with them shows too.
#   lib:   nixpkgs lib (NIXPKGS_LIB)
#   tests: list of { name; file; } (nix/tests/*.nix, each `common: { name; nodes; testScript; }`)
{ lib, repo, tests }:
let
  fakeStorePath = name: "/nix/store/00000000000000000000000000000000-${name}";

  pkgs = {
    openssl = fakeStorePath "openssl";
    curl = fakeStorePath "curl";
    jq = fakeStorePath "jq";
    python3 = fakeStorePath "python3";
    coreutils = fakeStorePath "coreutils";
    util-linux = fakeStorePath "util-linux";
    gnutar = fakeStorePath "gnutar";
    xz.bin = fakeStorePath "xz-bin";
    gzip = fakeStorePath "gzip";
    stdenv = fakeStorePath "stdenv";
    stdenvNoCC = fakeStorePath "stdenv-nocc";
    lndir = fakeStorePath "lndir"; # not xorg.lndir: nixpkgs 26.05 deprecates the xorg set
    libxslt.bin = fakeStorePath "libxslt-bin";
    writeShellScript = name: _text: fakeStorePath name;
    writeText = name: _text: fakeStorePath name;
    path = fakeStorePath "nixpkgs";
  };
  # The flake's `self` as the tests use it: its source (a string: nothing is copied) and package.
  self = { outPath = toString repo; packages.x86_64-linux.bowtie-setup = fakeStorePath "bowtie-setup-0.1.0"; };
  common = import (repo + "/nix/tests/common.nix") { inherit pkgs self; };

  anything = lib.mkOption { type = lib.types.anything; default = { }; };
  opt = type: default: lib.mkOption { inherit type default; };
  nixos = { lib, ... }: {
    options = {
      assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
      warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      # Set by our modules (and the tests) all over: free-form.
      # Free-form, but with the interfaces the tests and the driver both set (lists concatenate).
      networking = opt (lib.types.submodule {
        freeformType = lib.types.attrsOf lib.types.anything;
        options.interfaces = opt (lib.types.attrsOf (lib.types.submodule {
          options.ipv4.addresses = opt (lib.types.listOf (lib.types.attrsOf lib.types.anything)) [ ];
          options.ipv4.routes = opt (lib.types.listOf (lib.types.attrsOf lib.types.anything)) [ ];
        })) { };
      }) { };
      users = anything;
      security = anything;
      environment = anything;
      systemd = anything;
      nix = anything;
      system = anything;
      nixpkgs = anything;
      meta = anything;
      documentation = anything;
      boot = anything;
      services.timesyncd = anything;
      services.openssh = anything;
      services.udev = anything;
      services.cloud-init = anything;
      # Not virtualisation.amazon-init: nixpkgs declares it only in the amazon image format, and
      # the test driver's nodes are qemu VMs (module-list.nix does not import amazon-init.nix).
      # Set by the tests only: declared as nixpkgs does.
      services.dnsmasq = {
        enable = opt lib.types.bool false;
        resolveLocalQueries = opt lib.types.bool true;
        settings = opt (lib.types.attrsOf lib.types.anything) { };
      };
      services.nix-serve = {
        enable = opt lib.types.bool false;
        port = opt lib.types.port 5000;
        secretKeyFile = opt (lib.types.nullOr lib.types.str) null;
      };
      specialisation = opt (lib.types.attrsOf (lib.types.submodule {
        options.configuration = opt lib.types.deferredModule { };
      })) { };
    };
    config = {
      _module.args.pkgs = pkgs;
      nix.package = fakeStorePath "nix";
      system.build.nixos-rebuild = fakeStorePath "nixos-rebuild";
      systemd.package = fakeStorePath "systemd";
      system.nixos = { versionSuffix = ".20260601.abcdef0"; revision = "abcdef0123456789"; };
      environment.sessionVariables.NIX_PATH = "nixpkgs=/nix/store/11111111111111111111111111111111-source";
      nixpkgs.flake.source = "/nix/store/11111111111111111111111111111111-source";
    };
  };

  # What nixos/lib/testing/network.nix defines for node `name`, number `n`.
  driver = name: n: { config, lib, ... }: {
    networking.hostName = lib.mkDefault name;
    networking.interfaces = lib.listToAttrs (lib.imap1 (i: vlan: lib.nameValuePair "eth${toString i}" {
      ipv4.addresses = [ { address = "192.168.${toString vlan}.${toString n}"; prefixLength = 24; } ];
    }) config.virtualisation.vlans)
    // lib.mapAttrs (_: i: lib.optionalAttrs i.assignIP {
      ipv4.addresses = [ { address = "192.168.${toString i.vlan}.${toString n}"; prefixLength = 24; } ];
    }) config.virtualisation.interfaces;
  };

  evalNode = names: name: module:
    let
      n = lib.lists.findFirstIndex (x: x == name) null names + 1;
      c = (lib.evalModules {
        specialArgs.modulesPath = toString ./nixos-stubs; # a string: nothing is copied
        # Every node is a qemu VM (the driver adds qemu-vm.nix to each).
        modules = [ nixos module (driver name n) (toString ./nixos-stubs/virtualisation/qemu-vm.nix) ];
      }).config;
      # Forcing these runs the module system's checks (an undeclared option throws).
      value = {
        hostName = c.networking.hostName;
        interfaces = lib.mapAttrs (_: i: map (a: a.address) (i.ipv4.addresses or [ ])) (c.networking.interfaces or { });
        units = builtins.attrNames (c.systemd.services or { });
        bowtie = c.services.bowtie-setup.enable or false;
        vm = c.virtualisation;
      };
      tried = builtins.tryEval (builtins.deepSeq value value);
    in
    { ok = tried.success; } // (if tried.success then tried.value else { });

  evalTest = t:
    let
      test = import t.file common;
      names = builtins.attrNames test.nodes;
    in
    {
      inherit (t) name;
      attributes = builtins.attrNames test;
      testName = test.name;
      inherit (test) testScript;
      nodes = lib.mapAttrs (evalNode names) test.nodes;
      inherit names;
    };
in
{
  addresses = common.addresses;
  tests = map evalTest tests;
}
