# The VM the tests run in, as a module the appliance can re-import when it rebuilds itself
# (services.bowtie-setup.configurationImports): the test driver's own VM and instrumentation
# modules, plus offline rebuilds.
{ lib, modulesPath, ... }:
{
  imports = [
    "${modulesPath}/virtualisation/qemu-vm.nix"
    "${modulesPath}/testing/test-instrumentation.nix"
  ];
  system.includeBuildDependencies = true;
  nix.settings.substituters = lib.mkForce [ ];
  virtualisation = {
    memorySize = 3072;
    cores = 2;
    diskSize = 8192;
    writableStore = true;
  };
}
