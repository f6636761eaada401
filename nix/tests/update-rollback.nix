# A scheduled update to a release whose daemon does not come up: the health check fails and
# the appliance is back on the previous generation. The "signed cache" is the VM's own store
# served by nix-serve and signed with a test key; the metadata endpoint is a file on loopback.
common:
let
  inherit (common) self;
  keys = builtins.fromJSON (builtins.readFile ./update-test-keys.json);
in
{
  name = "bowtie-update-rollback";
  nodes.appliance = { pkgs, lib, ... }: {
    imports = [ common.appliance ];
    services.nix-serve = {
      enable = true;
      port = 5000;
      secretKeyFile = "${pkgs.writeText "cache-key" keys.secret}";
    };
    services.bowtie-update = {
      metadataUrl = "http://127.0.0.1:8000/{channel}.json";
      cacheUrl = "http://127.0.0.1:5000";
      trustedPublicKeys = [ keys.public ];
      health.timeoutSeconds = 60;
    };
    # The "next release", prebuilt into the image: its configuration.nix also imports
    # broken-release.nix, so rebuilding it with the site fragment gives the broken daemon.
    specialisation.broken.configuration = {
      imports = [ ./broken-release.nix ];
      services.bowtie-setup.configurationImports = [ "${self}/nix/tests/broken-release.nix" ];
    };
  };
  testScript = ''
    appliance.start()
    appliance.wait_for_unit("nix-serve.service")
    appliance.succeed("bowtie-setup apply ${builtins.toFile "site.yaml" ''
      hostname: ctl-update-01
      admin: { email: ops@example.com, password: correct-horse-battery-staple }
      enrollment: { site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b, token: vm-update-sync-psk-0123456789 }
    ''}")
    appliance.wait_for_unit("bowtie_server.service")
    before = appliance.succeed("readlink /nix/var/nix/profiles/system").strip()

    base = appliance.succeed("readlink -f /run/current-system/specialisation/broken").strip()
    appliance.succeed(f"mkdir -p /srv/meta && echo '{{\"version\":\"99.0.0\",\"base\":\"{base}\",\"channel\":\"stable\"}}' > /srv/meta/stable.json")
    appliance.succeed("cd /srv/meta && (python3 -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &)")
    appliance.wait_for_open_port(8000)

    with subtest("--check only reports"):
        appliance.succeed("bowtie-setup update --check | grep 'update available: .* -> 99.0.0'")

    with subtest("the health check fails and the update is rolled back"):
        appliance.fail("systemctl start bowtie-update.service")
        appliance.succeed("journalctl -u bowtie-update.service | grep 'health check failed'")
        assert appliance.succeed("readlink /nix/var/nix/profiles/system").strip() == before
        appliance.wait_for_unit("bowtie_server.service")
        appliance.succeed("systemctl is-active bowtie_server.service")
  '';
}
