# Stand-in for nixpkgs' nixos/modules/testing/test-instrumentation.nix (test/nix/eval-vm-tests.nix):
# it declares no option the VM tests set.
{ }
