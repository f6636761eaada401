# Image variant proxmox: Proxmox VE backup (.vma.zst).
# The same nixpkgs image module that nixpkgs' own image.modules.proxmox names
# (nixos/modules/image/images.nix), as a file: the appliance re-imports it from
# /etc/nixos/configuration.nix whenever it rebuilds itself, so its disks and boot loader stay
# the image's (docs/decisions/0404, 0671).
{ modulesPath, ... }:
{
  imports = [ "${modulesPath}/virtualisation/proxmox-image.nix" ];
  # nixpkgs' cloud-init integration forces the host name to "" and turns DHCP off, for NixOS's
  # cloud-init to set both; ours reads the cloud-init drive instead (NixOS's stays off,
  # nix/modules/setup.nix), so the site's name would be lost and the factory image would have no
  # address. The cloud-init drive stays in the VM's configuration: nixpkgs adds it whatever this
  # says (docs/nix-option-audit.md).
  proxmox.cloudInit.enable = false;
  services.bowtie-setup.configurationImports = [ (toString ./proxmox.nix) ];
}
