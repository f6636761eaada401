# The outbound proxy (docs/decisions/0670): its option type and what it adds to a unit. A
# function, not a module, shared by site.nix, bowtie-server.nix, update.nix and
# nix-daemon-proxy.nix.
#
# NO_PROXY and, without credentials, the proxy URL itself are plain `environment` (they are not
# secret). With credentials, the URL with them is written at each start by a root ExecStartPre
# into /run/bowtie-setup/proxy-<unit>.env (0600) from the secret file, and read through
# EnvironmentFile=; the store only ever holds the file's path.
{ lib, pkgs ? null }:
let
  inherit (lib) mkOption types optionalAttrs concatStringsSep;
  # Environment= lines expand "%" specifiers; the option types leave none, this keeps it so.
  literal = builtins.replaceStrings [ "%" ] [ "%%" ];
in
{
  # What bowtie-setup renders (server/config/proxy.ts): scheme, host and port only, so the URL
  # can stand in an ExecStartPre line and an environment file as it is.
  type = types.submodule {
    options = {
      url = mkOption {
        type = types.strMatching "https?://([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+])(:[0-9]{1,5})";
        description = "The proxy as http[s]://host:port, without credentials.";
      };
      credentials_file = mkOption {
        type = types.nullOr ((types.addCheck (types.strMatching "/[^[:space:]%]+") (p: !(lib.hasPrefix "/nix/store" p))) // {
          description = "absolute path outside /nix/store, without whitespace or %";
        });
        default = null;
        description = "File holding the percent-encoded user[:password] for the proxy (read at run time by root).";
      };
      no_proxy = mkOption {
        type = types.listOf (types.strMatching "[^[:space:],%]+");
        default = [ ];
        description = "Hosts, domains, addresses and CIDR ranges reached directly (NO_PROXY).";
      };
    };
  };

  # optionalCredentials: the unit starts without the credentials when their file is absent or
  # malformed (nix-daemon: ./nix-daemon-proxy.nix); otherwise such a file stops its start.
  forUnit = { proxy, unit, optionalCredentials ? false }:
  let
    envFile = "/run/bowtie-setup/proxy-${unit}.env";
    writeEnv = pkgs.writeShellScript "bowtie-proxy-env" (builtins.readFile ./proxy-env.sh);
    noProxy = concatStringsSep "," proxy.no_proxy;
  in
  if proxy == null then { environment = { }; serviceConfig = { }; } else {
    environment = optionalAttrs (proxy.no_proxy != [ ]) {
      NO_PROXY = literal noProxy;
      no_proxy = literal noProxy;
    } // optionalAttrs (proxy.credentials_file == null) {
      HTTP_PROXY = literal proxy.url;
      HTTPS_PROXY = literal proxy.url;
      http_proxy = literal proxy.url;
      https_proxy = literal proxy.url;
    };
    serviceConfig = optionalAttrs (proxy.credentials_file != null) {
      # "+": as root, whatever user the unit runs as. "-" on the file: systemd reads environment
      # files for ExecStartPre too, before this one has written it.
      ExecStartPre = [
        (if optionalCredentials
         then "-+${writeEnv} --optional ${proxy.credentials_file} ${envFile} ${proxy.url}"
         else "+${writeEnv} ${proxy.credentials_file} ${envFile} ${proxy.url}")
      ];
      EnvironmentFile = [ "-${envFile}" ];
    };
  };
}
