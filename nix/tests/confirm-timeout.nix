# The admin applies a new configuration from the browser, then loses the link (block()) while the
# confirm window is open: nobody confirms, the window closes, the previous configuration comes
# back and answers again. Every wait is for a state the appliance reports (`bowtie-setup status
# --json`), none for a time: the window's own length is the only clock, and it is the worker's.
# The document (./documents/confirm-timeout.json) asks for DHCP on eth1, which the cloud serves.
common:
{
  name = "bowtie-confirm-timeout";
  nodes = {
    inherit (common) appliance client;
    cloud = common.cloudDhcp;
  };
  testScript = ''
    ${common.wizardHelpers}

    def apply_status(pattern):
        """The appliance's apply status (pretty-printed JSON) matches the extended regex."""
        return f"bowtie-setup status --json | grep -Eq {shlex.quote(pattern)}"

    start_all()
    appliance.wait_for_open_port(443)
    code = appliance.succeed("cat /var/lib/bowtie-setup/web/setup-code").strip()
    before = appliance.succeed("readlink /nix/var/nix/profiles/system").strip()
    walk_wizard(client, code, "${common.documentFile "confirm-timeout"}")
    wizard(client, "/apply", {})

    # The trial configuration runs and the worker waits for the confirm: then the link goes.
    appliance.wait_until_succeeds(apply_status('"phase": "confirm"'), timeout=900)
    appliance.succeed("hostname | grep -x ctl-test-02")
    appliance.block()

    # The window closes unconfirmed: the apply ends rolled back, at the confirm step.
    appliance.wait_until_succeeds(apply_status('"phase": "idle"'), timeout=900)
    appliance.succeed(apply_status('"outcome": "rolled-back"'))
    appliance.succeed(apply_status('"failedPhase": "confirm"'))
    appliance.unblock()

    assert appliance.succeed("readlink /nix/var/nix/profiles/system").strip() == before
    appliance.succeed("hostname | grep -vx ctl-test-02")
    appliance.wait_for_unit("bowtie-setup.service")
    appliance.fail("systemctl is-active bowtie_server.service")
    appliance.fail("test -e /var/lib/bowtie-setup/handed-off")
    client.wait_until_succeeds("curl -sk https://appliance/ -o /dev/null")
  '';
}
