# Headless setup: a NoCloud seed with a complete document configures and hands off the
# appliance at boot, confirmed by the health gate; a reboot does not apply it again. The
# document (./documents/headless-user-data.json) asks for DHCP on no interface in particular:
# the site's unit takes every physical NIC, eth1 among them, and the cloud serves eth1.
common:
{
  name = "bowtie-headless-user-data";
  nodes = {
    inherit (common) client;
    cloud = common.cloudDhcp;
    appliance = common.applianceWith [ "nodes/headless-user-data.nix" ];
  };
  testScript = ''
    # The cloud-init unit is a oneshot that ends (no RemainAfterExit): wait_for_unit would take
    # its "inactive" for a failure. Wait for it to have run this boot, successfully.
    def cloud_init_ran():
        appliance.wait_until_succeeds("systemctl show -P ExecMainExitTimestampMonotonic bowtie-setup-cloud-init.service | grep -vx 0", timeout=1200)
        appliance.succeed("systemctl show -P Result bowtie-setup-cloud-init.service | grep -x success")

    start_all()
    cloud_init_ran()
    appliance.wait_for_unit("bowtie_server.service", timeout=300)
    appliance.succeed("hostname | grep -x ctl-headless-01")
    appliance.fail("journalctl -b -o cat | grep -F vm-headless-sync-psk")
    appliance.fail("grep -rF correct-horse-battery-staple /var/lib/bowtie-setup /etc/nixos")

    with subtest("once per instance: a reboot does not apply again"):
        # The VM boots the image's own generation again, not the one the apply made the boot
        # default (vm.nix): what the reboot shows is that cloud-init runs and applies nothing.
        gens = appliance.succeed("ls /nix/var/nix/profiles | grep -c system-")
        appliance.shutdown()
        appliance.start()
        cloud_init_ran()
        assert appliance.succeed("ls /nix/var/nix/profiles | grep -c system-") == gens
  '';
}
