# A scheduled update to a release whose daemon does not come up: the health check fails and
# the appliance is back on the previous generation. The "signed cache" is the VM's own store
# served by nix-serve and signed with a test key; the metadata endpoint is a file on loopback.
# The appliance's own settings for it are nix/tests/nodes/update-rollback.nix, a file, so the
# generation the apply makes keeps them (and the "next release" specialisation). The document
# (./documents/update-rollback.json) asks for DHCP on eth1, which the cloud serves.
common:
{
  name = "bowtie-update-rollback";
  nodes = {
    inherit (common) client;
    cloud = common.cloudDhcp;
    appliance = common.applianceWith [ "nodes/update-rollback.nix" ];
  };
  testScript = ''
    start_all()
    appliance.wait_for_unit("nix-serve.service")
    appliance.succeed("bowtie-setup apply ${common.documentFile "update-rollback"}")
    appliance.wait_for_unit("bowtie_server.service")
    before = appliance.succeed("readlink /nix/var/nix/profiles/system").strip()

    base = appliance.succeed("readlink -f /run/current-system/specialisation/broken").strip()
    appliance.succeed(f"mkdir -p /srv/meta && echo '{{\"version\":\"99.0.0\",\"base\":\"{base}\",\"channel\":\"stable\"}}' > /srv/meta/stable.json")
    appliance.succeed("cd /srv/meta && (${common.python3} -m http.server 8000 --bind 127.0.0.1 >/dev/null 2>&1 &)")
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
