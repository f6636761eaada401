# Image variant raw-efi: raw disk, UEFI boot.
# The same nixpkgs image module that nixpkgs' own image.modules.raw-efi names
# (nixos/modules/image/images.nix), as a file: the appliance re-imports it from
# /etc/nixos/configuration.nix whenever it rebuilds itself, so its disks and boot loader stay
# the image's (docs/decisions/0404, 0671).
{ modulesPath, ... }:
{
  imports = [ "${modulesPath}/virtualisation/disk-image.nix" ];
  image.format = "raw";
  services.bowtie-setup.configurationImports = [ (toString ./raw-efi.nix) ];
}
