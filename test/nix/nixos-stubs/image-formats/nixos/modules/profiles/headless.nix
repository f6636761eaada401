# Stand-in for nixpkgs nixos/modules/profiles/headless.nix (imported by the amazon and
# google-compute image modules): it masks the login prompts on tty1 (getty@tty1, every autovt@)
# and, at default priority, on ttyS0.
{ lib, ... }:
{
  systemd.services."serial-getty@ttyS0".enable = lib.mkDefault false;
  systemd.services."serial-getty@hvc0".enable = false;
  systemd.services."getty@tty1".enable = false;
  systemd.services."autovt@".enable = false;
}
