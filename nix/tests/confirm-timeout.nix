# The admin applies a new address from the browser, then loses the link (block()): nobody
# confirms, the window closes, the previous configuration comes back and answers again.
common:
{
  name = "bowtie-confirm-timeout";
  nodes = { inherit (common) appliance client; };
  testScript = ''
    ${common.wizardHelpers}
    start_all()
    appliance.wait_for_open_port(443)
    code = appliance.succeed("cat /var/lib/bowtie-setup/web/setup-code").strip()
    before = appliance.succeed("readlink /nix/var/nix/profiles/system").strip()
    wizard(client, "/unlock", {"code": code})
    wizard(client, "/admin", {"email": "ops@example.com", "password": "correct-horse-battery-staple", "password_confirm": "correct-horse-battery-staple"})
    wizard(client, "/network", {"hostname": "ctl-test-02", "network.ipv4.method": "dhcp", "network.ipv6.method": "auto"})
    wizard(client, "/enrollment", {"enrollment.site_id": "6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b", "enrollment.token": "vm-test-sync-psk-0123456789"})
    wizard(client, "/tls", {"tls.mode": "self-signed"})
    wizard(client, "/updates", {"updates.enable": "false"})
    wizard(client, "/apply", {})
    appliance.wait_until_succeeds("hostname | grep -x ctl-test-02", timeout=900)

    # The link goes down during the confirm window: the confirm never arrives.
    appliance.block()
    appliance.wait_until_succeeds("hostname | grep -vx ctl-test-02", timeout=600)
    appliance.unblock()

    assert appliance.succeed("readlink /nix/var/nix/profiles/system").strip() == before
    appliance.wait_for_unit("bowtie-setup.service")
    appliance.fail("systemctl is-active bowtie_server.service")
    appliance.fail("test -e /var/lib/bowtie-setup/handed-off")
    client.wait_until_succeeds("curl -sk https://appliance/ -o /dev/null")
  '';
}
