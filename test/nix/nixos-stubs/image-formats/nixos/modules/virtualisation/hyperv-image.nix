# Stand-in for nixpkgs nixos/modules/virtualisation/hyperv-image.nix: GRUB on EFI, nothing that
# meets an option of ours.
{
  boot.loader.grub = { device = "nodev"; efiSupport = true; efiInstallAsRemovable = true; };
}
