# Stand-in for nixpkgs nixos/modules/virtualisation/google-compute-image.nix and the
# google-compute-config.nix it imports. The GRUB limit is a plain definition; hostName, the SSH
# settings and the firewall are mkDefault.
{ lib, ... }:
{
  imports = [ ../profiles/headless.nix ];
  boot.kernelParams = [ "console=ttyS0" "panic=1" "boot.panic_on_fail" ];
  boot.loader.grub.configurationLimit = 0;
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = lib.mkDefault "prohibit-password";
  services.openssh.settings.PasswordAuthentication = lib.mkDefault false;
  networking.hostName = lib.mkDefault "";
  networking.firewall.enable = lib.mkDefault false;
  # The metadata script runners (google-compute-config.nix defines them, or ships them in its
  # guest-agent package).
  systemd.services.google-startup-scripts = { wantedBy = [ "multi-user.target" ]; serviceConfig.Type = "oneshot"; };
  systemd.services.google-shutdown-scripts = { wantedBy = [ "multi-user.target" ]; serviceConfig.Type = "oneshot"; };
}
