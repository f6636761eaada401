# The site's outbound proxy for the nix daemon (docs/decisions/0670). nixos-rebuild's builds
# and binary cache substitutions (the apply, the update's rebuild, an operator's rebuild) run in
# nix-daemon, not in the unit that calls nixos-rebuild: without this, they never see the proxy.
# The daemon gets what bowtie_server and the update get (./proxy-env.nix, credentials from the
# same 0600 file, written at its start by a root ExecStartPre), with one difference: it must
# start whatever that file holds, since a daemon that does not start stops every rebuild,
# including the one that would mend the file. Absent or malformed, the credentials are left
# out (the start logs why, without them) and the proxy is used without.
{ config, lib, pkgs, ... }:
let
  site = config.bowtie.site;
  proxy = if site == null then null else site.network.proxy;
  env = (import ./proxy-env.nix { inherit lib pkgs; }).forUnit {
    inherit proxy;
    unit = "nix-daemon";
    optionalCredentials = true;
  };
in
{
  config = lib.mkIf (proxy != null) {
    systemd.services.nix-daemon = {
      inherit (env) environment serviceConfig;
    };
  };
}
