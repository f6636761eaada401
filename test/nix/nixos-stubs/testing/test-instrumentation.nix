# Stand-in for nixpkgs' nixos/modules/testing/test-instrumentation.nix (test/nix/eval-vm-tests.nix):
# it declares no option the VM tests set; it defines the backdoor shell the test driver talks to
# the VM through (a system that loses it cannot be driven; its stderr is the serial port), the
# kernel consoles it adds (console=ttyS0 decides setup.nix's default menus) and the name servers
# it empties.
{ lib, ... }:
{
  systemd.services.backdoor = {
    wantedBy = [ "multi-user.target" ];
    script = "exec bash --norc /dev/hvc0";
  };
  boot.kernelParams = [ "console=ttyS0" "console=tty0" "panic=1" "boot.panic_on_fail" "clocksource=acpi_pm" ];
  networking.nameservers = lib.mkOverride 150 [ ];
  networking.usePredictableInterfaceNames = false;
}
