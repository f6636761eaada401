# NixOS VM tests of the appliance life cycle (nix flake check; they need KVM):
#   first-boot-browser   claim with the setup code and walk the wizard with curl, confirm, hand-off
#   headless-user-data   a NoCloud seed configures the appliance with nobody at the browser
#   confirm-timeout      the admin's link is cut after activation: no confirm, automatic rollback
#   crash-during-apply   the VM crashes mid-apply: after boot the old configuration runs
#   update-rollback      an update whose health check fails goes back to the previous generation
#   serial-console       the menu and the claim block on ttyS0; the login prompt back after hand-off
#   static-ipv4          user data with a static address: the appliance answers on it after apply
#   provided-tls         the operator's own certificate: the controller serves it
#   imds                 the document from the EC2 metadata service, IMDSv2 only
#   store-secret-scan    after a complete apply no secret of the document is in the Nix store
# The tests with a cloud node follow the test driver's addressing: vlan 1 (eth1), 192.168.1.<n>
# with n the node's place among the node names (./addresses.nix). Each test but the console one
# applies its document (./documents/<test>.json) and so rebuilds the appliance inside the VM,
# offline, from the files common.applianceWith lists (docs/decisions/0642); test/nix evaluates
# the system it switches to.
{ pkgs, self }:
let
  common = import ./common.nix { inherit pkgs self; };
  test = file: pkgs.testers.runNixOSTest {
    imports = [ (import file common) ];
    # controller.nix configures nixpkgs (it allows exactly the unfree bowtie-setup), as the image
    # does: the nodes make their own pkgs instead of sharing a read-only one.
    node.pkgsReadOnly = false;
  };
in
{
  vm-first-boot-browser = test ./first-boot-browser.nix;
  vm-headless-user-data = test ./headless-user-data.nix;
  vm-confirm-timeout = test ./confirm-timeout.nix;
  vm-crash-during-apply = test ./crash-during-apply.nix;
  vm-update-rollback = test ./update-rollback.nix;
  vm-serial-console = test ./serial-console.nix;
  vm-static-ipv4 = test ./static-ipv4.nix;
  vm-provided-tls = test ./provided-tls.nix;
  vm-imds = test ./imds.nix;
  vm-store-secret-scan = test ./store-secret-scan.nix;
}
