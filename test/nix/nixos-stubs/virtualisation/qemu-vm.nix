# Stand-in for nixpkgs' nixos/modules/virtualisation/qemu-vm.nix in test/nix/eval-vm-tests.nix:
# the options of it the VM tests set or the test driver reads, declared as nixpkgs declares them
# (types simplified), so that a misspelt one fails the evaluation here instead of on a machine
# with KVM. allInterfaces is what the driver's network module addresses (nixpkgs
# nixos/lib/testing/network.nix): one ethN per vlan, in order, plus the named interfaces.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.virtualisation;
in
{
  options.virtualisation = {
    memorySize = mkOption { type = types.ints.positive; default = 1024; };
    cores = mkOption { type = types.ints.positive; default = 1; };
    diskSize = mkOption { type = types.nullOr types.ints.positive; default = 1024; };
    writableStore = mkOption { type = types.bool; default = true; };
    writableStoreUseTmpfs = mkOption { type = types.bool; default = true; };
    useNixStoreImage = mkOption { type = types.bool; default = false; };
    useBootLoader = mkOption { type = types.bool; default = false; };
    additionalPaths = mkOption { type = types.listOf types.str; default = [ ]; };
    vlans = mkOption { type = types.listOf types.ints.unsigned; default = [ 1 ]; };
    interfaces = mkOption {
      default = { };
      type = types.attrsOf (types.submodule {
        options = {
          vlan = mkOption { type = types.ints.unsigned; };
          assignIP = mkOption { type = types.bool; default = false; };
        };
      });
    };
    allInterfaces = mkOption {
      readOnly = true;
      internal = true;
      type = types.attrsOf types.attrs;
      default =
        lib.listToAttrs (lib.imap1 (i: vlan: lib.nameValuePair "eth${toString i}" { name = "eth${toString i}"; inherit vlan; assignIP = true; }) cfg.vlans)
        // lib.mapAttrs (name: i: { inherit name; inherit (i) vlan assignIP; }) cfg.interfaces;
    };
    qemu.options = mkOption { type = types.listOf types.str; default = [ ]; };
  };
  # Added to the stubs' networking submodule (../nixos.nix), as qemu-vm.nix adds them to NixOS's.
  options.networking = mkOption {
    type = types.submodule {
      options.primaryIPAddress = mkOption { type = types.str; default = ""; internal = true; };
      options.primaryIPv6Address = mkOption { type = types.str; default = ""; internal = true; };
    };
  };
}
