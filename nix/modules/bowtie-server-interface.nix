# The part of services.bowtie_server's interface that ./bowtie-server.nix relies on, declared
# for evaluations that do not have the vendor's module: the evalModules tests, and the
# reference images in flake.nix until the vendor module is added (it then replaces this file).
# See docs/decisions/0400-bowtie-server-interface.md.
{ lib, ... }:
{
  meta.maintainers = [ (import ../maintainers.nix).bowtie-appliance-team ];
  options.services.bowtie_server = {
    enable = lib.mkEnableOption "the Bowtie Controller daemon (interface only: the vendor module provides the service)";
  };

  config.warnings = [
    "services.bowtie_server: only its interface is declared (nix/modules/bowtie-server-interface.nix); add the vendor's module to run the daemon"
  ];
}
