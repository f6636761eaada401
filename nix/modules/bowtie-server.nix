# What services.bowtie_server (the vendor daemon's own NixOS module) consumes, in one place.
#
# The daemon's module is not part of this repository. Everything below that names its
# interface is an assumption recorded in docs/decisions/0400-bowtie-server-interface.md; the
# option declarations we assume are in ./bowtie-server-interface.nix. When the vendor module
# differs, correct this file (and that one) and nothing else.
#
# Assumed: `services.bowtie_server.enable`, a systemd unit named `bowtie_server.service`, and
# configuration through its environment. Secrets never enter the store or the unit file:
# the sync PSK goes into a root-only environment file written when the unit starts, the admin's
# password hash and the TLS key are passed as systemd credentials (LoadCredential, by path).
{ config, lib, options, pkgs, ... }:
let
  inherit (lib) mkIf optional optionalAttrs concatStringsSep;

  site = config.bowtie.site;
  fqdn = if site.domain == null then site.hostname else "${site.hostname}.${site.domain}";
  provided = site.tls.mode == "provided";
  entrypoints = site.enrollment.entrypoints;

  # Written at each start by a root ExecStartPre: BOWTIE_SYNC_PSK="<token>", escaped for
  # systemd's EnvironmentFile= parser (the token has no spaces or control characters).
  pskEnvFile = "/run/bowtie-setup/bowtie_server.env";
  writePskEnv = pkgs.writeShellScript "bowtie-server-psk-env" ''
    set -euo pipefail
    umask 077
    psk=$(< "$1")
    psk=''${psk//\\/\\\\}
    psk=''${psk//\"/\\\"}
    psk=''${psk//\$/\\\$}
    psk=''${psk//\`/\\\`}
    mkdir -p -m 0700 /run/bowtie-setup
    printf 'BOWTIE_SYNC_PSK="%s"\n' "$psk" > ${pskEnvFile}.new
    mv ${pskEnvFile}.new ${pskEnvFile}
  '';

  certificateFile = "/etc/bowtie-setup/tls/certificate.pem";

  # NixOS writes `environment` into Environment= lines, where systemd expands "%" specifiers:
  # text from the document (site name, email, URLs) must keep its "%" literal.
  literal = builtins.replaceStrings [ "%" ] [ "%%" ];
in
{
  meta.maintainers = [ (import ../maintainers.nix).bowtie-appliance-team ];
  # Without the vendor's module (nixosModules.site on its own) there is no daemon to hand off
  # to: say so instead of failing on an undeclared option.
  config = if !(options.services ? bowtie_server) then {
    warnings = lib.optional config.bowtie.siteComplete "bowtie-setup: services.bowtie_server is not declared (import the vendor's bowtie_server module); the site configuration is not handed to a daemon";
  } else mkIf config.bowtie.siteComplete {
    services.bowtie_server.enable = true;

    environment.etc."bowtie-setup/tls/certificate.pem" = mkIf provided {
      text = site.tls.certificate;
      mode = "0444";
    };

    systemd.services.bowtie_server = {
      environment = {
        SITE_ID = site.enrollment.site_id;
        BOWTIE_HOSTNAME = fqdn;
        BOWTIE_SITE_NAME = literal site.site.name;
        # An empty list starts a new cluster; otherwise join the one these entrypoints serve.
        BOWTIE_JOIN_STRATEGY = if entrypoints == [ ] then "new-cluster" else "join-existing";
        BOWTIE_ENTRYPOINTS = literal (concatStringsSep " " entrypoints);
        BOWTIE_INIT_ADMIN_EMAIL = literal site.admin.email;
        # %d is the unit's credentials directory (LoadCredential below).
        BOWTIE_INIT_ADMIN_PASSWORD_HASH_FILE = "%d/admin-password-hash";
        # The wizard did the daemon's first-run screen: skip it.
        BOWTIE_SKIP_GUI_INIT = "1";
        BOWTIE_TLS_MODE = site.tls.mode;
      }
      // optionalAttrs (site.tls.mode == "acme") { BOWTIE_ACME_DOMAINS = fqdn; }
      // optionalAttrs provided {
        BOWTIE_TLS_CERT_FILE = certificateFile;
        BOWTIE_TLS_KEY_FILE = "%d/tls-private-key";
      };

      serviceConfig = {
        LoadCredential = [ "admin-password-hash:${site.admin.password_hash_file}" ]
          ++ optional provided "tls-private-key:${site.tls.private_key_file}";
        # "+": runs as root whatever user the daemon runs as; reads the PSK by path at start.
        ExecStartPre = [ "+${writePskEnv} ${site.enrollment.token_file}" ];
        # "-": systemd loads environment files for every Exec line, ExecStartPre included, before
        # that ExecStartPre has written it; ExecStart then finds it.
        EnvironmentFile = [ "-${pskEnvFile}" ];
        MemoryMax = "2G";
      };
    };
  };
}
