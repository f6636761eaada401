# Evaluates the VM tests of nix/tests/ as far as nixpkgs' lib allows, without nixpkgs or KVM:
# each test's attributes and test script (every interpolation in it), and each node's modules
# with lib.evalModules, our modules for real and NixOS's own options stubbed (./nixos-stubs, the
# stubs test/nix/eval-modules.nix uses too; the test driver's qemu-vm and instrumentation modules
# reached through modulesPath), so that an option that does not exist fails here. The test
# driver's own definitions for every node are added as nixpkgs' nixos/lib/testing/network.nix
# makes them (host name by node name, 192.168.<vlan>.<n> on the vlan interfaces, /etc/hosts,
# system.build.networkConfig), so a conflict with them shows too.
#
# Then, for each test that applies a document, the system the appliance rebuilds into: the
# modules its /etc/nixos/configuration.nix imports (services.bowtie-setup.configurationImports,
# with nothing of the driver's or the test's that is not in them) plus the fragment the test's
# document renders to. For both it tells which networkd unit configures eth1 (networkd applies
# the first matching .network file in lexical order; NixOS names its units 40-<interface> and
# 99-ethernet-default-dhcp), and which packages their units reference, so the tests can hold
# what the switched system keeps against what the VM had.
#   lib:       nixpkgs lib (NIXPKGS_LIB)
#   repo:      the checkout (the flake's self)
#   tests:     list of { name; file; } (nix/tests/*.nix, each `common: { name; nodes; testScript; }`)
#   fragments: { <test name> = fragment file; } for the tests that apply a document
# Needs nix-instantiate --read-write-mode: the nodes write the modules a rebuild imports.
{ lib, repo, tests, fragments }:
let
  stubs = import ./nixos-stubs/pkgs.nix { nixpkgsSource = null; }; # a NixOS test sets none
  inherit (stubs) fakePackage pkgs;

  # The flake's `self` as the tests use it: its source (a string: nothing is copied), package,
  # and its nixpkgs input, which like a flake input's is a store path with context.
  self = {
    outPath = toString repo;
    packages.x86_64-linux.bowtie-setup = fakePackage "bowtie-setup-0.1.0" // { version = "0.1.0"; };
    inputs.nixpkgs.outPath = builtins.toFile "source" "the flake's nixpkgs input, in these tests";
  };
  common = import (repo + "/nix/tests/common.nix") { inherit pkgs self; };

  # What nixos/lib/testing/network.nix defines for node `name`, number `n`, among `configs`.
  driver = configs: name: n: { config, lib, ... }:
    let
      ipInterfaces = lib.filter (i: i.assignIP) (lib.attrValues config.virtualisation.allInterfaces);
      networkConfig = {
        networking.hostName = lib.mkDefault name;
        networking.interfaces = lib.listToAttrs (map (i: lib.nameValuePair i.name {
          ipv4.addresses = [ { address = "192.168.${toString i.vlan}.${toString n}"; prefixLength = 24; } ];
          ipv6.addresses = [ { address = "2001:db8:${toString i.vlan}::${toString n}"; prefixLength = 64; } ];
        }) ipInterfaces);
        networking.primaryIPAddress = lib.optionalString (ipInterfaces != [ ]) "192.168.${toString (lib.head ipInterfaces).vlan}.${toString n}";
        networking.extraHosts = lib.concatStrings (lib.mapAttrsToList (_: c:
          lib.optionalString (c.networking.primaryIPAddress != "") "${c.networking.primaryIPAddress} ${c.networking.hostName}\n") configs);
      };
    in
    { config = networkConfig // { system.build.networkConfig = networkConfig; }; };

  base = [ ./nixos-stubs/nixos.nix stubs.module ];
  evalConfig = modules: (lib.evalModules {
    specialArgs.modulesPath = toString ./nixos-stubs; # a string: nothing is copied
    inherit modules;
  }).config;

  # The networkd unit that configures `link` (an Ethernet NIC without a kind, as ethN in the VM).
  linkUnit = c: link:
    let
      dhcp4 = v: builtins.elem v [ "yes" "ipv4" true ];
      ours = lib.mapAttrs (_: u: {
        match = u.matchConfig or { };
        dhcp = dhcp4 (u.networkConfig.DHCP or u.DHCP or "no");
        addresses = u.address or [ ];
      }) (c.systemd.network.networks or { });
      nixos = lib.mapAttrs' (name: i: lib.nameValuePair "40-${name}" {
        match.Name = name;
        dhcp = if i.useDHCP != null then i.useDHCP else c.networking.useDHCP && i.ipv4.addresses == [ ];
        addresses = map (a: "${a.address}/${toString a.prefixLength}") i.ipv4.addresses;
      }) c.networking.interfaces;
      fallback = lib.optionalAttrs c.networking.useDHCP {
        "99-ethernet-default-dhcp" = { match = { Type = "ether"; Kind = "!*"; }; dhcp = true; addresses = [ ]; };
      };
      units = fallback // nixos // ours;
      matches = m: m != { } && (m ? Name -> m.Name == link) && (m ? Type -> m.Type == "ether") && (m ? Kind -> m.Kind == "!*");
      first = lib.findFirst (u: matches units.${u}.match) null (lib.sort (x: y: x < y) (builtins.attrNames units));
    in
    if first == null then null else { unit = first; inherit (units.${first}) dhcp addresses; };

  # The packages (./nixos-stubs/pkgs.nix) a value references.
  refs = v:
    if builtins.isString v then lib.filter (p: lib.hasInfix p v) stubs.packagePaths
    else if builtins.isList v then lib.concatMap refs v
    else if builtins.isAttrs v then lib.concatMap refs (builtins.attrValues v)
    else [ ];

  # What the tests compare between a node and the system it rebuilds into.
  summary = c: {
    hostName = c.networking.hostName;
    interfaces = lib.mapAttrs (_: i: map (a: a.address) i.ipv4.addresses) c.networking.interfaces;
    routes = lib.mapAttrs (_: i: map (r: r.address) i.ipv4.routes) c.networking.interfaces;
    extraHosts = c.networking.extraHosts;
    nameservers = c.networking.nameservers;
    firewall = { inherit (c.networking.firewall) allowedTCPPorts allowedUDPPorts; };
    eth1 = linkUnit c "eth1";
    units = builtins.attrNames (c.systemd.services or { });
    etc = builtins.attrNames (c.environment.etc or { });
    specialisations = builtins.attrNames c.specialisation;
    bowtie = c.services.bowtie-setup.enable or false;
    packages = lib.unique (refs (c.systemd.services or { }) ++ refs (c.environment.systemPackages or [ ]));
    extraDependencies = map (p: p.outPath) c.system.extraDependencies;
    includeBuildDependencies = c.system.includeBuildDependencies;
    storeOnDisk = !(c.virtualisation.writableStoreUseTmpfs or true);
    grubForceInstall = c.boot.loader.grub.forceInstall or false;
    consoleTtys = c.services.bowtie-setup.console.ttys or [ ];
    updateHealthUrls = c.services.bowtie-update.health.urls or [ ];
    dhcpRange = c.services.dnsmasq.settings.dhcp-range or [ ];
    failedAssertions = map (a: a.message) (lib.filter (a: !a.assertion) c.assertions);
  } // lib.optionalAttrs (c.services ? bowtie-setup) {
    configurationImports = c.services.bowtie-setup.configurationImports;
    # A rebuild evaluates this nixpkgs by builtins.storePath: the string must keep its context.
    nixpkgsHasContext = builtins.hasContext (toString c.services.bowtie-setup.nixpkgs);
  };

  tryValue = value:
    let tried = builtins.tryEval (builtins.deepSeq value value);
    in { ok = tried.success; } // (if tried.success then tried.value else { });

  evalTest = t:
    let
      test = import t.file common;
      names = builtins.attrNames test.nodes;
      number = name: lib.lists.findFirstIndex (x: x == name) null names + 1;
      configs = lib.mapAttrs (name: module: evalConfig (base ++ [
        module
        (driver configs name (number name))
        # Every node is a qemu VM with the driver's backdoor (nixos/lib/testing/nodes.nix adds
        # qemu-vm.nix and test-instrumentation.nix to each).
        (toString ./nixos-stubs/virtualisation/qemu-vm.nix)
        (toString ./nixos-stubs/testing/test-instrumentation.nix)
      ])) test.nodes;
      appliance = configs.appliance;
      # /etc/nixos/configuration.nix: the listed modules, the site fragment, and the values it
      # pins (services/bowtie-setup/setup.nix configurationText).
      rebuilt = evalConfig (base ++ appliance.services.bowtie-setup.configurationImports ++ [
        fragments.${t.name}
        {
          services.bowtie-setup = {
            inherit (appliance.services.bowtie-setup) configurationImports package nixpkgs releaseVersion;
          };
        }
      ]);
    in
    {
      inherit (t) name;
      attributes = builtins.attrNames test;
      testName = test.name;
      inherit (test) testScript;
      nodes = lib.mapAttrs (_: c: tryValue (summary c)) configs;
      inherit names;
    } // lib.optionalAttrs (fragments ? ${t.name}) {
      rebuilt = tryValue (summary rebuilt);
    };
in
{
  addresses = common.addresses;
  tests = map evalTest tests;
}
