# NixOS VM tests of the appliance life cycle (nix flake check; they need KVM):
#   first-boot-browser   claim with the setup code and walk the wizard with curl, confirm, hand-off
#   headless-user-data   a NoCloud seed configures the appliance with nobody at the browser
#   confirm-timeout      the admin's link is cut after activation: no confirm, automatic rollback
#   crash-during-apply   the VM crashes mid-apply: after boot the old configuration runs
#   update-rollback      an update whose health check fails goes back to the previous generation
#   serial-console       the menu and the claim block on ttyS0; the login prompt back after hand-off
{ pkgs, self }:
let
  common = import ./common.nix { inherit pkgs self; };
  test = file: pkgs.testers.runNixOSTest (import file common);
in
{
  vm-first-boot-browser = test ./first-boot-browser.nix;
  vm-headless-user-data = test ./headless-user-data.nix;
  vm-confirm-timeout = test ./confirm-timeout.nix;
  vm-crash-during-apply = test ./crash-during-apply.nix;
  vm-update-rollback = test ./update-rollback.nix;
  vm-serial-console = test ./serial-console.nix;
}
