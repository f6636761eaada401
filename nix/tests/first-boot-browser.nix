# First boot through the browser: the claim block on the console, unlock with the setup code,
# every step, apply, confirm; then the daemon runs, the wizard stands down, the ports change hands.
# The document (./documents/first-boot-browser.json) asks for DHCP on eth1: the cloud node serves
# it, handing out the address the client knows the appliance by.
common:
let
  a = common.addresses;
in
{
  name = "bowtie-first-boot-browser";
  nodes = {
    inherit (common) appliance client;
    cloud = common.cloudDhcp;
  };
  testScript = ''
    ${common.wizardHelpers}
    start_all()
    appliance.wait_for_unit("bowtie-setup.service")
    appliance.wait_for_open_port(443)

    with subtest("the console shows the claim block, the journal does not"):
        code = appliance.succeed("cat /var/lib/bowtie-setup/web/setup-code").strip()
        appliance.wait_until_succeeds(f"journalctl -b -o cat | grep -c . >/dev/null")
        appliance.fail(f"journalctl -b -o cat | grep -F {code}")
        appliance.succeed("stat -c %a /var/lib/bowtie-setup/web/setup-code | grep -x 600")

    with subtest("the wizard's user writes only its own directories (docs/decisions/0500)"):
        appliance.succeed("stat -c '%U %a' /var/lib/bowtie-setup | grep -x 'root 711'")
        appliance.succeed("stat -c '%U %G %a' /var/lib/bowtie-setup/web | grep -x 'bowtie-setup bowtie-setup 700'")
        appliance.succeed("stat -c '%U %G %a' /var/lib/bowtie-setup/shared | grep -x 'root bowtie-setup 2750'")
        appliance.succeed("stat -c '%U %G %a' /run/bowtie-setup/spool | grep -x 'bowtie-setup bowtie-setup 700'")
        appliance.succeed("stat -c '%U %a' /run/bowtie-setup/status | grep -x 'root 755'")
        for target in ["/var/lib/bowtie-setup/x", "/var/lib/bowtie-setup/secrets/x", "/run/bowtie-setup/status/x", "/var/lib/bowtie-setup/shared/x"]:
            appliance.fail(f"runuser -u bowtie-setup -- touch {target}")
        # Renaming root's entries away is what a forged journal would need.
        appliance.fail("runuser -u bowtie-setup -- mv /var/lib/bowtie-setup/logs /var/lib/bowtie-setup/web/logs")
        appliance.fail("runuser -u bowtie-setup -- mv /var/lib/bowtie-setup/secrets /var/lib/bowtie-setup/web/secrets")
        appliance.succeed("runuser -u bowtie-setup -- touch /var/lib/bowtie-setup/web/x /run/bowtie-setup/spool/x")
        appliance.succeed("rm /var/lib/bowtie-setup/web/x /run/bowtie-setup/spool/x")

    with subtest("the wizard runs unprivileged with one capability"):
        appliance.succeed("ps -o user= -C node | grep -x bowtie-setup")
        appliance.succeed("grep CapEff /proc/$(pgrep -u bowtie-setup node | head -1)/status | grep 0000000000000400")

    with subtest("claim and walk the steps"):
        walk_wizard(client, code, "${common.documentFile "first-boot-browser"}")
        assert "bowtie.site" in wizard(client, "/review")
        wizard(client, "/apply", {})

    with subtest("confirm within the window, then hand-off"):
        client.wait_until_succeeds("curl -sk -b /tmp/jar https://appliance/apply/status | grep -q confirm", timeout=900)
        wizard(client, "/apply/confirm", {})
        appliance.wait_for_unit("bowtie_server.service", timeout=900)
        appliance.wait_until_fails("systemctl is-active bowtie-setup.service")
        appliance.succeed("test -e /var/lib/bowtie-setup/handed-off")
        appliance.succeed("hostname | grep -x ctl-test-01")
        appliance.succeed("grep -q 'enrollment' /etc/nixos/bowtie/site.nix")
        appliance.fail("grep -r vm-test-sync-psk /nix/store/*-site.nix /etc/nixos 2>/dev/null")
        appliance.succeed("stat -c %a /var/lib/bowtie-setup/secrets/enrollment-token | grep -x 600")

    with subtest("eth1 has the site's DHCP lease: the client reached the appliance on it"):
        appliance.succeed("networkctl status eth1 | grep -F 40-bowtie-site.network")
        appliance.succeed("ip -4 -o addr show dev eth1 | grep -F ' inet ${a.appliance}/24 ' | grep -w dynamic")

    with subtest("the new configuration is the boot default"):
        # The VM boots the image's own generation directly, whatever the boot loader says
        # (vm.nix), so the boot default is checked where the boot loader reads it.
        current = appliance.succeed("readlink -f /run/current-system").strip()
        assert appliance.succeed("readlink -f /nix/var/nix/profiles/system").strip() == current
        appliance.succeed(f"grep -m1 -o 'init=[^ ]*' /boot/grub/grub.cfg | grep -xF 'init={current}/init'")
        appliance.fail("systemctl is-active bowtie-setup.service")
  '';
}
