# The serial-console test's appliance: a setup menu on the kernel's serial console too, as a
# cloud image has it (setup.nix's default from console=ttyS0), which vm.nix keeps off the port in
# every other test. The backdoor shell's stderr shares the port: the test checks commands by
# their exit status and standard output (hvc0), never by what they print on stderr.
{ lib, ... }:
{
  services.bowtie-setup.console.ttys = lib.mkOverride 900 [ "tty1" "ttyS0" ];
}
