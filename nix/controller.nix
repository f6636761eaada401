# The Controller appliance: one configuration from which every image format is built
# (flake.nix adds the vendor's bowtie_server module; the variants under nix/images/ add disks).
# Imported by path, also by /etc/nixos/configuration.nix on the appliance: keep it a file that
# needs no flake arguments.
{ lib, ... }:
{
  imports = [ ./modules ];

  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
  # The product is proprietary (nix/package.nix: meta.license = unfree): allow exactly it, so
  # that the image evaluates without allowing every unfree package.
  nixpkgs.config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "bowtie-setup" ];
  system.stateVersion = "25.05";

  # Above the image formats' own default (amazon and google-compute: mkDefault "", which would
  # conflict with a mkDefault here) and the VM test driver's; below anything set on purpose (the
  # site document's name, nix/tests/vm.nix at 900).
  networking.hostName = lib.mkOverride 950 "bowtie";
  services.bowtie-setup.enable = true;
  networking.firewall.enable = true;

  # Accounts come from the site configuration only; before setup nobody can log in, and the
  # console shows the bowtie-setup menu instead.
  users.mutableUsers = false;
  users.allowNoPasswordLogin = true;
  services.openssh = {
    enable = true;
    settings.PasswordAuthentication = false;
    # Forced: nixpkgs' amazon image module sets "prohibit-password" at the same (plain) priority,
    # which would stop the evaluation; root never logs in over SSH on the appliance.
    settings.PermitRootLogin = lib.mkForce "no";
  };

  documentation.enable = false;
  nix.gc = {
    automatic = true;
    options = "--delete-older-than 30d";
  };
  # Both loaders the formats use: GRUB (amazon, google-compute, hyperv, proxmox, vmware, qemu)
  # and systemd-boot (qemu-efi and raw-efi: nixpkgs' disk-image.nix with image.efiSupport). A
  # limit on one does nothing for the other, and systemd-boot copies every generation's kernel
  # and initrd onto the ESP. A default: nixpkgs' google-compute module sets GRUB's to 0 (plain).
  boot.loader.grub.configurationLimit = lib.mkDefault 10;
  boot.loader.systemd-boot.configurationLimit = lib.mkDefault 10;
}
