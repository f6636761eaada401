# Image variant qemu-efi: qcow2, UEFI boot.
# The same nixpkgs image module that nixpkgs' own image.modules.qemu-efi names
# (nixos/modules/image/images.nix), as a file: the appliance re-imports it from
# /etc/nixos/configuration.nix whenever it rebuilds itself, so its disks and boot loader stay
# the image's (docs/decisions/0404, 0671).
{ modulesPath, ... }:
{
  imports = [ "${modulesPath}/virtualisation/disk-image.nix" ];
  services.bowtie-setup.configurationImports = [ (toString ./qemu-efi.nix) ];
}
