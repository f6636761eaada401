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

  # Written at each start by a root ExecStartPre: BOWTIE_SYNC_PSK="<token>" and, with single
  # sign-on, BOWTIE_SSO_CLIENT_SECRET="<secret>", escaped for systemd's EnvironmentFile= parser
  # (neither has spaces or control characters).
  pskEnvFile = "/run/bowtie-setup/bowtie_server.env";
  writePskEnv = pkgs.writeShellScript "bowtie-server-psk-env" ''
    set -euo pipefail
    umask 077
    quoted() {
      local v
      v=$(< "$1")
      v=''${v//\\/\\\\}
      v=''${v//\"/\\\"}
      v=''${v//\$/\\\$}
      v=''${v//\`/\\\`}
      printf '"%s"' "$v"
    }
    mkdir -p -m 0700 /run/bowtie-setup
    {
      printf 'BOWTIE_SYNC_PSK=%s\n' "$(quoted "$1")"
      if [ "$#" -ge 2 ]; then printf 'BOWTIE_SSO_CLIENT_SECRET=%s\n' "$(quoted "$2")"; fi
    } > ${pskEnvFile}.new
    mv ${pskEnvFile}.new ${pskEnvFile}
  '';

  # The identity broker's connector, where the daemon reads connectors (/etc/dex/, as the
  # vendor's cloud-init template writes it). JSON is YAML. No secret in it: the broker reads
  # a value starting with "$" from its environment, where the env file above puts the secret.
  sso = site.sso;
  ssoConnector = builtins.toJSON {
    inherit (sso) type id name;
    config = optionalAttrs (sso.issuer != null) { inherit (sso) issuer; } // {
      clientID = sso.client_id;
      clientSecret = "$BOWTIE_SSO_CLIENT_SECRET";
      redirectURI = if sso.redirect_uri == null then "$DEX_ORIGIN/dex/callback" else sso.redirect_uri;
    };
  };

  certificateFile = "/etc/bowtie-setup/tls/certificate.pem";

  # NixOS writes `environment` into Environment= lines, where systemd expands "%" specifiers:
  # text from the document (site name, email, URLs) must keep its "%" literal.
  literal = builtins.replaceStrings [ "%" ] [ "%%" ];

  # The control plane's outbound proxy (docs/decisions/0670).
  proxy = (import ./proxy-env.nix { inherit lib pkgs; }).forUnit { proxy = site.network.proxy; unit = "bowtie_server"; };
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
    environment.etc."dex/sso.yaml" = mkIf (sso != null) {
      text = ssoConnector;
      mode = "0444";
    };

    systemd.services.bowtie_server = {
      environment = {
        SITE_ID = site.enrollment.site_id;
        BOWTIE_HOSTNAME = fqdn;
        BOWTIE_SITE_NAME = literal site.site.name;
        # What the vendor's own deployment modules write (docs/decisions/0405): join the
        # cluster the entrypoints serve, and bootstrap a new one only when none answers.
        BOWTIE_JOIN_STRATEGY = "bootstrap-at-failure";
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
      }
      // proxy.environment;

      serviceConfig = {
        LoadCredential = [ "admin-password-hash:${site.admin.password_hash_file}" ]
          ++ optional provided "tls-private-key:${site.tls.private_key_file}";
        # "+": runs as root whatever user the daemon runs as; reads the PSK by path at start.
        ExecStartPre = [ "+${writePskEnv} ${site.enrollment.token_file}${lib.optionalString (sso != null) " ${sso.client_secret_file}"}" ] ++ (proxy.serviceConfig.ExecStartPre or [ ]);
        # "-": systemd loads environment files for every Exec line, ExecStartPre included, before
        # that ExecStartPre has written it; ExecStart then finds it.
        EnvironmentFile = [ "-${pskEnvFile}" ] ++ (proxy.serviceConfig.EnvironmentFile or [ ]);
        MemoryMax = "2G";
      };
    };
  };
}
