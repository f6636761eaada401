# Stand-in for nixpkgs nixos/modules/profiles/all-hardware.nix (imported by nix/images/raw-efi.nix):
# the stage-1 storage drivers it adds on x86_64, a list that concatenates with the image's own.
# Not modelled: hardware.enableRedistributableFirmware = true and the zd1211 firmware it imports,
# options our modules neither define nor read.
{ ... }:
{
  boot.initrd.availableKernelModules = [
    "ahci"
    "ata_piix"
    "3w-9xxx"
    "3w-xxxx"
    "aic79xx"
    "aic7xxx"
    "arcmsr"
    "hpsa"
    "uas"
    "sdhci_pci"
    "nvme"
    "virtio_pci"
    "virtio_blk"
    "virtio_scsi"
    "mptspi"
    "hv_storvsc"
  ];
}
