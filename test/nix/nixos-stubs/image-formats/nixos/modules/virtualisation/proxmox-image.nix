# Stand-in for nixpkgs nixos/modules/virtualisation/proxmox-image.nix: with its cloud-init
# integration on (the default), the host name is forced empty, DHCP is off and NixOS's
# cloud-init is expected to configure both. The cloud-init drive in the VM's configuration does
# not depend on it.
{ config, lib, ... }:
{
  options.proxmox.cloudInit.enable = lib.mkOption {
    type = lib.types.bool;
    default = true;
  };
  config = {
    boot.kernelParams = [ "console=ttyS0" ];
    networking = lib.mkIf config.proxmox.cloudInit.enable {
      hostName = lib.mkForce "";
      useDHCP = false;
    };
    services.cloud-init = lib.mkIf config.proxmox.cloudInit.enable {
      enable = true;
      network.enable = true;
    };
  };
}
