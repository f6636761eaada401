# The setup menu on the serial console (docs/decisions/0524). The test VM's kernel console is
# ttyS0 (qemu-vm.nix: console=ttyS0), the port a cloud's console-output view records and the
# driver reads as the console log: the claim block appears there, is drawn again when an
# address arrives late, entry 5 answers on the same port, and once the hand-off marker appears
# the menus stop and tty1's login prompt comes back; a reset gives the consoles back to the menus.
# The driver's instrumentation masks serial-getty@ttyS0, so the prompt is checked on tty1.
common:
{
  name = "bowtie-serial-console";
  nodes.appliance = common.applianceWith [ "nodes/serial-console.nix" ];
  testScript = ''
    import re

    marker = "/var/lib/bowtie-setup/handed-off"
    start_all()
    appliance.wait_for_unit("bowtie-setup.service")

    with subtest("a menu on tty1 and one on the serial console; no login prompt before hand-off"):
        appliance.wait_for_unit("bowtie-setup-console@ttyS0.service")
        appliance.wait_for_unit("bowtie-setup-console@tty1.service")
        appliance.fail("systemctl is-active autovt@tty1.service")

    with subtest("the serial log shows the URL, the setup code and the certificate's fingerprint"):
        appliance.wait_for_console_text(r"Open: +https://\d+\.\d+\.\d+\.\d+/")
        appliance.wait_until_succeeds("test -s /var/lib/bowtie-setup/web/setup-code")
        code = re.sub(r"[^0-9A-Z]", "", appliance.succeed("cat /var/lib/bowtie-setup/web/setup-code").upper())
        grouped = "-".join(code[i:i + 4] for i in range(0, len(code), 4))
        appliance.wait_for_console_text(f"Setup code: +{re.escape(grouped)}")
        appliance.wait_for_console_text(r"Certificate: +SHA-256 [0-9A-F]{2}:")

    with subtest("an address that arrives late is drawn again without a key press"):
        appliance.succeed("ip link add bowtie-late type dummy && ip link set bowtie-late up")
        appliance.succeed("ip address add 192.0.2.77/24 dev bowtie-late")
        appliance.wait_for_console_text(r"https://192\.0\.2\.77/ +\(bowtie-late\)")

    with subtest("entry 5 answers on the serial console"):
        appliance.send_console("5\n")
        appliance.wait_for_console_text("No apply has run yet|lines of the last apply's log")
        appliance.send_console("\n")
        appliance.wait_for_console_text("Choose 1-5")

    with subtest("hand-off: the menus stop and tty1's login prompt comes back"):
        appliance.succeed(f"touch {marker}")
        appliance.wait_for_unit("bowtie-setup-login.service")
        appliance.wait_until_fails("systemctl is-active bowtie-setup-console@ttyS0.service")
        appliance.wait_until_fails("systemctl is-active bowtie-setup-console@tty1.service")
        appliance.wait_for_unit("autovt@tty1.service")
        appliance.wait_until_succeeds("pgrep -f 'agetty.*tty1'")

    with subtest("reset: the menus take the consoles back, the login service ends"):
        appliance.succeed(f"rm {marker}")
        # What the worker does after a reset (server/apply/worker.ts CONSOLE_UNIT).
        appliance.succeed("systemctl start bowtie-setup-console.service")
        appliance.wait_for_unit("bowtie-setup-console@tty1.service")
        appliance.wait_for_unit("bowtie-setup-console@ttyS0.service")
        appliance.wait_until_fails("systemctl is-active autovt@tty1.service")
        appliance.fail("systemctl is-active bowtie-setup-login.service")

    with subtest("a boot after hand-off gives the login prompt, not the menus"):
        appliance.succeed(f"touch {marker}")
        appliance.wait_for_unit("autovt@tty1.service")
        appliance.shutdown()
        appliance.start()
        appliance.wait_for_unit("multi-user.target")
        appliance.wait_for_unit("autovt@tty1.service")
        appliance.fail("systemctl is-active bowtie-setup-console@tty1.service")
        appliance.fail("systemctl is-active bowtie-setup-console@ttyS0.service")
  '';
}
