# Stand-in for nixpkgs nixos/modules/virtualisation/disk-image.nix (qemu, qemu-efi, raw-efi):
# the options nix/images/ sets, and the boot loader it picks (systemd-boot with EFI, GRUB without).
{ config, lib, ... }:
{
  options.image = {
    format = lib.mkOption {
      type = lib.types.enum [ "raw" "qcow2" ];
      default = "qcow2";
    };
    efiSupport = lib.mkOption {
      type = lib.types.bool;
      default = true;
    };
  };
  config = {
    boot.loader.grub = lib.mkIf (!config.image.efiSupport) { enable = lib.mkOptionDefault true; };
    boot.loader.systemd-boot.enable = lib.mkDefault config.image.efiSupport;
  };
}
