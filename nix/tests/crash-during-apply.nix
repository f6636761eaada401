# A power cut in the middle of an apply (crash()): after boot the worker finishes the rollback
# from its journal, and exactly the old configuration runs; the next apply succeeds.
common:
let
  document = builtins.toFile "site.yaml" ''
    hostname: ctl-crash-01
    admin: { email: ops@example.com, password: correct-horse-battery-staple }
    enrollment: { site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b, token: vm-crash-sync-psk-0123456789 }
    updates: { enable: false }
  '';
in
{
  name = "bowtie-crash-during-apply";
  nodes = { inherit (common) appliance; };
  testScript = ''
    appliance.start()
    appliance.wait_for_unit("multi-user.target")
    before = appliance.succeed("readlink /nix/var/nix/profiles/system").strip()
    host = appliance.succeed("hostname").strip()

    appliance.execute("bowtie-setup apply ${document} >/tmp/apply.log 2>&1 &")
    appliance.wait_until_succeeds("grep -q '\"phase\": *\"\\(build\\|test\\)\"' /var/lib/bowtie-setup/state.json", timeout=600)
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
