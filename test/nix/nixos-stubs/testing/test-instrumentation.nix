# Stand-in for nixpkgs' nixos/modules/testing/test-instrumentation.nix (test/nix/eval-vm-tests.nix):
# it declares no option the VM tests set; it defines the backdoor shell the test driver talks to
# the VM through (a system that loses it cannot be driven), and the name servers it empties.
{ lib, ... }:
{
  systemd.services.backdoor = {
    wantedBy = [ "multi-user.target" ];
    script = "exec bash --norc /dev/hvc0";
  };
  networking.nameservers = lib.mkOverride 150 [ ];
  networking.usePredictableInterfaceNames = false;
}
