# Stand-in for nixpkgs' nixos/modules/virtualisation/qemu-vm.nix in test/nix/eval-vm-tests.nix:
# the options of it the VM tests set, declared as nixpkgs declares them (types simplified), so
# that a misspelt one fails the evaluation here instead of on a machine with KVM.
{ lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.virtualisation = {
    memorySize = mkOption { type = types.ints.positive; default = 1024; };
    cores = mkOption { type = types.ints.positive; default = 1; };
    diskSize = mkOption { type = types.nullOr types.ints.positive; default = 1024; };
    writableStore = mkOption { type = types.bool; default = true; };
    useNixStoreImage = mkOption { type = types.bool; default = false; };
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
    qemu.options = mkOption { type = types.listOf types.str; default = [ ]; };
  };
}
