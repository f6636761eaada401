# First boot through the browser: the claim block on the console, unlock with the setup code,
# every step, apply, confirm; then the daemon runs, the wizard stands down, the ports change hands.
common:
{
  name = "bowtie-first-boot-browser";
  nodes = { inherit (common) appliance client; };
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
        wizard(client, "/unlock", {"code": code})
        wizard(client, "/admin", {"email": "ops@example.com", "password": "correct-horse-battery-staple", "password_confirm": "correct-horse-battery-staple"})
        wizard(client, "/network", {"hostname": "ctl-test-01", "network.ipv4.method": "dhcp", "network.ipv6.method": "auto"})
        wizard(client, "/enrollment", {"enrollment.site_id": "6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b", "enrollment.token": "vm-test-sync-psk-0123456789"})
        wizard(client, "/tls", {"tls.mode": "self-signed"})
        wizard(client, "/updates", {"updates.enable": "false"})
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

    with subtest("the new configuration is the boot default"):
        appliance.shutdown()
        appliance.start()
        appliance.wait_for_unit("bowtie_server.service")
        appliance.succeed("hostname | grep -x ctl-test-01")
        appliance.fail("systemctl is-active bowtie-setup.service")
  '';
}
