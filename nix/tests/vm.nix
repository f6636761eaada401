# The VM the tests run in, as a module the appliance can re-import when it rebuilds itself
# (services.bowtie-setup.configurationImports): the test driver's own VM and instrumentation
# modules, plus offline rebuilds.
{ lib, modulesPath, ... }:
{
  imports = [
    "${modulesPath}/virtualisation/qemu-vm.nix"
    "${modulesPath}/testing/test-instrumentation.nix"
  ];
  # The test driver names each node by its node name with mkDefault, as controller.nix names the
  # appliance "bowtie": one of them must win. A site fragment's host name still wins over this.
  networking.hostName = lib.mkOverride 900 "appliance";
  system.includeBuildDependencies = true;
  nix.settings.substituters = lib.mkForce [ ];
  virtualisation = {
    memorySize = 3072;
    cores = 2;
    diskSize = 8192;
    writableStore = true;
  };
}
