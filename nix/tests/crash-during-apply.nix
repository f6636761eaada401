# A power cut in the middle of an apply (crash()): after boot the worker finishes the rollback
# from its journal, and exactly the old configuration runs; the next apply succeeds. The
# document (./documents/crash-during-apply.json) asks for DHCP on eth1, which the cloud serves.
common:
let
  document = common.documentFile "crash-during-apply";
in
{
  name = "bowtie-crash-during-apply";
  nodes = {
    inherit (common) appliance client;
    cloud = common.cloudDhcp;
  };
  testScript = ''
    start_all()
    appliance.wait_for_unit("multi-user.target")
    before = appliance.succeed("readlink /nix/var/nix/profiles/system").strip()
    host = appliance.succeed("hostname").strip()

    # The apply's step is in its status (state.json journals it as "step", not "phase").
    appliance.execute("bowtie-setup apply ${document} >/tmp/apply.log 2>&1 &")
    appliance.wait_until_succeeds("bowtie-setup status --json | grep -Eq '\"phase\": \"(build|test)\"'", timeout=600)
    appliance.crash()
    appliance.start()
    appliance.wait_for_unit("multi-user.target")
    appliance.wait_until_succeeds("systemctl show -p ActiveState --value bowtie-setup-apply.service | grep -E 'inactive|failed'", timeout=600)

    assert appliance.succeed("readlink /nix/var/nix/profiles/system").strip() == before
    assert appliance.succeed("hostname").strip() == host
    appliance.fail("test -e /etc/nixos/bowtie/site.nix")
    appliance.succeed("bowtie-setup status | grep -i 'rolled back\\|interrupted\\|not configured'")

    with subtest("the next apply succeeds"):
        appliance.succeed("bowtie-setup apply ${document}")
        appliance.succeed("hostname | grep -x ctl-crash-01")
  '';
}
