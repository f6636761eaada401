# Image variant raw-efi: raw disk, UEFI boot.
# The same nixpkgs image module that nixpkgs' own image.modules.raw-efi names
# (nixos/modules/image/images.nix), as a file: the appliance re-imports it from
# /etc/nixos/configuration.nix whenever it rebuilds itself, so its disks and boot loader stay
# the image's (docs/decisions/0404, 0671).
#
# It is also what the installer ISO writes to bare metal (nix/installer, docs/decisions/0672),
# so its stage 1 must find the disk on any server, and its network must come up on common
# server NICs: nixpkgs' all-hardware profile (the stage-1 drivers and the redistributable
# firmware nixpkgs' own installation media carry), and the storage controllers that profile
# leaves out.
{ lib, modulesPath, pkgs, ... }:
{
  imports = [
    "${modulesPath}/virtualisation/disk-image.nix"
    "${modulesPath}/profiles/all-hardware.nix"
  ];
  image.format = "raw";
  boot.initrd.availableKernelModules = [
    # Broadcom/LSI MegaRAID (Dell PERC and others), SAS2/SAS3 and SAS4 tri-mode HBAs.
    "megaraid_sas"
    "mpt3sas"
    "mpi3mr"
    # Microchip/HPE Smart Array (Gen10 and later; hpsa, the older ones, is in the profile).
    "smartpqi"
    # Adaptec RAID.
    "aacraid"
  ]
  ++ lib.optionals pkgs.stdenv.hostPlatform.isx86_64 [
    # NVMe drives behind Intel Volume Management Device, and the C600 chipset's SAS.
    "vmd"
    "isci"
  ];
  services.bowtie-setup.configurationImports = [ (toString ./raw-efi.nix) ];
}
