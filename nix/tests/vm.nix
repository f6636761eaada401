# The VM the tests run in, as a module the appliance can re-import when it rebuilds itself
# (services.bowtie-setup.configurationImports): the test driver's own VM and instrumentation
# modules (its 9p store, the backdoor shell the test script talks through), plus what a rebuild
# inside the VM needs. The driver's addressing of the node is carried by common.nix.
{ lib, modulesPath, ... }:
{
  imports = [
    "${modulesPath}/virtualisation/qemu-vm.nix"
    "${modulesPath}/testing/test-instrumentation.nix"
  ];
  # The test driver names each node by its node name with mkDefault, as controller.nix names the
  # appliance "bowtie": one of them must win. A site fragment's host name still wins over this.
  networking.hostName = lib.mkOverride 900 "appliance";

  # The driver's backdoor shell writes its stderr to ttyS0, and nixpkgs' test instrumentation
  # masks serial-getty@ttyS0 because another program on that port makes those writes fail
  # (EIO); a setup menu there also hangs the port up (TTYVHangup). The menus stay on tty1 in the
  # tests, except the serial-console test, which is about the port (nodes/serial-console.nix).
  services.bowtie-setup.console.ttys = lib.mkDefault [ "tty1" ];

  # Offline rebuilds (nixpkgs' nixos-rebuild tests do the same): the VM has no network to a
  # cache, so everything a rebuild builds from must be in its store. The build closure of this
  # system has what a new generation with changed units and files is built with; a package only
  # the site's configuration uses is listed in system.extraDependencies by the module that adds
  # it (fake-daemon.nix; test/nix checks that none is missing).
  system.includeBuildDependencies = true;
  nix.settings.substituters = lib.mkForce [ ];

  # `switch` installs the boot loader: GRUB on the VM's disk, which has no partition table and
  # so needs blocklists (as nixpkgs' nixos/tests/nixos-rebuild-target-host.nix configures the
  # systems it switches to). The VM still boots directly into the image's own generation
  # (qemu-vm.nix directBoot: "will not (re-)boot correctly into a system that has switched"),
  # so the tests check the boot default in GRUB's configuration instead of by rebooting.
  boot.loader.grub.forceInstall = true;

  virtualisation = {
    memorySize = 3072;
    cores = 2;
    diskSize = 8192;
    writableStore = true;
    # What a rebuild adds to the store stays across a reboot or crash() of the VM, like the
    # store database on its disk that lists it (the default, a tmpfs, would lose the paths and
    # keep them registered).
    writableStoreUseTmpfs = false;
  };
}
