# NixOS's own options, as far as our modules (nix/modules/) and the VM tests (nix/tests/) set or
# read them, for lib.evalModules without the rest of nixpkgs: the one set of stubs that
# test/nix/eval-modules.nix and test/nix/eval-vm-tests.nix both evaluate with.
#
# Declared with NixOS's own types where a module depends on how they check or merge: a host name
# two modules set at different priorities, an interface's addresses and routes (which the test
# driver, the tests and the site each define, and which the VM-test harness reads to tell which
# networkd unit configures a link), lists that concatenate (a free-form value's list must be the
# same in every definition), a specialisation's module. Free-form where our modules only write
# values for NixOS to read. The test driver's own modules are the
# stand-ins beside this file (virtualisation/qemu-vm.nix, testing/test-instrumentation.nix),
# reached through modulesPath as vm.nix reaches nixpkgs' own.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  anything = mkOption {
    type = types.anything;
    default = { };
  };
  opt = type: default: mkOption { inherit type default; };

  # nixos/modules/tasks/network-interfaces.nix: an interface's addresses and routes.
  prefixLength = types.addCheck types.int (n: n >= 0 && n <= 128);
  address = types.submodule {
    options = {
      address = mkOption { type = types.str; };
      prefixLength = mkOption { type = prefixLength; };
    };
  };
  route = types.submodule {
    options = {
      address = mkOption { type = types.str; };
      prefixLength = mkOption { type = prefixLength; };
      via = opt (types.nullOr types.str) null;
      type = opt (types.nullOr types.str) null;
      options = opt (types.attrsOf types.str) { };
    };
  };
  interface = types.submodule {
    options = {
      ipv4.addresses = opt (types.listOf address) [ ];
      ipv4.routes = opt (types.listOf route) [ ];
      ipv6.addresses = opt (types.listOf address) [ ];
      ipv6.routes = opt (types.listOf route) [ ];
      useDHCP = opt (types.nullOr types.bool) null;
    };
  };
in
{
  options = {
    assertions = opt (types.listOf types.unspecified) [ ];
    warnings = opt (types.listOf types.str) [ ];

    networking = opt (types.submodule {
      freeformType = types.attrsOf types.anything;
      options = {
        # nixos/modules/tasks/network-interfaces.nix
        hostName = opt (types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$") "nixos";
        interfaces = opt (types.attrsOf interface) { };
        useDHCP = opt types.bool true;
        extraHosts = opt types.lines "";
        nameservers = opt (types.listOf types.str) [ ];
        # nixos/modules/services/networking/firewall.nix: the ports each module opens, together.
        firewall = opt (types.submodule {
          freeformType = types.attrsOf types.anything;
          options.allowedTCPPorts = opt (types.listOf types.port) [ ];
          options.allowedUDPPorts = opt (types.listOf types.port) [ ];
        }) { };
      };
    }) { };

    boot = opt (types.submodule {
      freeformType = types.attrsOf types.anything;
      # nixos/modules/system/boot/kernel.nix; setup.nix reads it for the serial console.
      options.kernelParams = opt (types.listOf types.str) [ ];
      # Also kernel.nix: the raw-efi image and nixpkgs' all-hardware profile both add drivers.
      options.initrd.availableKernelModules = opt (types.listOf types.str) [ ];
    }) { };

    system = opt (types.submodule {
      freeformType = types.attrsOf types.anything;
      # nixos/modules/system/activation/top-level.nix; the VM tests read what a rebuild needs.
      options.extraDependencies = opt (types.listOf types.package) [ ];
      options.includeBuildDependencies = opt types.bool false;
      # As NixOS declares it: a value is kept as defined (the test driver's networkConfig holds
      # its host name as an mkDefault, which a rebuild re-imports).
      options.build = opt (types.lazyAttrsOf (types.uniq types.unspecified)) { };
    }) { };

    users = anything;
    security = anything;
    environment = anything;
    systemd = anything;
    nix = anything;
    nixpkgs = anything;
    meta = opt (types.submodule {
      freeformType = types.attrsOf types.anything;
      # nixos/modules/misc/meta.nix: each module's maintainers, listed together.
      options.maintainers = opt (types.listOf types.attrs) [ ];
    }) { };
    documentation = anything;
    services.timesyncd = anything;
    services.openssh = anything;
    services.udev = anything;
    services.cloud-init = anything;
    # Not virtualisation.amazon-init: nixpkgs declares it only with the amazon image module
    # (module-list.nix does not import amazon-init.nix); a fragment that stands for that format
    # imports ./virtualisation/amazon-init.nix.

    # Set by the VM tests' nodes only: declared as nixpkgs declares them.
    services.dnsmasq = {
      enable = opt types.bool false;
      resolveLocalQueries = opt types.bool true;
      settings = opt (types.attrsOf types.anything) { };
    };
    services.nix-serve = {
      enable = opt types.bool false;
      port = opt types.port 5000;
      secretKeyFile = opt (types.nullOr types.str) null;
    };
    specialisation = opt (types.attrsOf (types.submodule {
      options.configuration = opt types.deferredModule { };
    })) { };
  };
}
