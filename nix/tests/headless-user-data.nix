# Headless setup: a NoCloud seed with a complete document configures and hands off the
# appliance at boot, confirmed by the health gate; a reboot does not apply it again.
common:
let
  userData = ''
    #cloud-config
    bowtie_setup:
      hostname: ctl-headless-01
      admin:
        email: ops@example.com
        password: correct-horse-battery-staple
      enrollment:
        site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b
        token: vm-headless-sync-psk-0123456789
      updates: { enable: false }
  '';
in
{
  name = "bowtie-headless-user-data";
  nodes.appliance = { ... }: {
    imports = [ common.appliance ];
    environment.etc."bowtie-test/user-data".text = userData;
    systemd.tmpfiles.rules = [
      "d /var/lib/cloud/seed/nocloud 0700 root root -"
      "C /var/lib/cloud/seed/nocloud/user-data 0600 root root - /etc/bowtie-test/user-data"
      "f /var/lib/cloud/seed/nocloud/meta-data 0600 root root - instance-id: iid-vm-test"
    ];
  };
  testScript = ''
    # The cloud-init unit is a oneshot that ends (no RemainAfterExit): wait_for_unit would take
    # its "inactive" for a failure. Wait for it to have run this boot, successfully.
    def cloud_init_ran():
        appliance.wait_until_succeeds("systemctl show -P ExecMainExitTimestampMonotonic bowtie-setup-cloud-init.service | grep -vx 0", timeout=1200)
        appliance.succeed("systemctl show -P Result bowtie-setup-cloud-init.service | grep -x success")

    appliance.start()
    cloud_init_ran()
    appliance.wait_for_unit("bowtie_server.service", timeout=300)
    appliance.succeed("hostname | grep -x ctl-headless-01")
    appliance.fail("journalctl -b -o cat | grep -F vm-headless-sync-psk")
    appliance.fail("grep -rF correct-horse-battery-staple /var/lib/bowtie-setup /etc/nixos")

    with subtest("once per instance: a reboot does not apply again"):
        gens = appliance.succeed("ls /nix/var/nix/profiles | grep -c system-")
        appliance.shutdown()
        appliance.start()
        cloud_init_ran()
        appliance.wait_for_unit("bowtie_server.service")
        assert appliance.succeed("ls /nix/var/nix/profiles | grep -c system-") == gens
  '';
}
