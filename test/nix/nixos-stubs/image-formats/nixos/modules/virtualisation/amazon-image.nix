# Stand-in for nixpkgs nixos/modules/virtualisation/amazon-image.nix. Its PermitRootLogin is a
# plain definition and its hostName a mkDefault: either collides with an equal-priority one.
{ lib, ... }:
{
  imports = [
    ../profiles/headless.nix
    # The real module imports ./amazon-init.nix; its one option is declared here as nixpkgs does.
    ../../../../virtualisation/amazon-init.nix
  ];
  # headless.nix's panic parameters merged in: one list, as NixOS's listOf would concatenate them.
  boot.kernelParams = [ "console=ttyS0,115200n8" "random.trust_cpu=on" "panic=1" "boot.panic_on_fail" ];
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = "prohibit-password";
  systemd.services."serial-getty@ttyS0".enable = true;
  networking.hostName = lib.mkDefault "";
}
