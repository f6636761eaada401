# A stand-in for the vendor's services.bowtie_server in the VM tests: checks that it got what
# the site mapping promises (the PSK in its environment, the admin hash as a credential) and
# serves on 8443, or with the operator's certificate and key on 443 (tls.mode: provided). A
# release that sets bowtie-test.brokenDaemon never comes up.
{ config, lib, pkgs, ... }:
{
  imports = [ ../modules/bowtie-server-interface.nix ];

  options.bowtie-test.brokenDaemon = lib.mkEnableOption "a daemon that fails to start (the update test's bad release)";

  # The daemon starts only once a site is applied, in a generation built inside the VM without
  # network: its interpreter must already be in the image's store.
  config = lib.mkMerge [
    { system.extraDependencies = [ pkgs.python3 ]; }

    (lib.mkIf config.services.bowtie_server.enable {
      systemd.services.bowtie_server = {
        wantedBy = [ "multi-user.target" ];
        script = ''
          ${lib.optionalString config.bowtie-test.brokenDaemon ''echo "broken release" >&2; exit 1''}
          test -n "$BOWTIE_SYNC_PSK"
          test -r "$CREDENTIALS_DIRECTORY/admin-password-hash"
          if [ "$BOWTIE_TLS_MODE" = provided ]; then
            exec ${pkgs.python3}/bin/python3 ${./fake-daemon-tls.py}
          fi
          exec ${pkgs.python3}/bin/python3 -m http.server 8443
        '';
      };
    })
  ];
}
