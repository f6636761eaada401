# A static IPv4 address from cloud-init user data (a NoCloud seed). The appliance is on the test
# network (vlan 1, eth1) without the address the test driver would give it (192.168.1.1, node 1):
# only the apply gives eth1 that address, through the site's networkd unit; then the client
# reaches the appliance there, and the health gate's gateway and DNS (the cloud node) answer.
common:
let
  a = common.addresses;
  userData = ''
    #cloud-config
    bowtie_setup:
      hostname: ctl-static-01
      admin: { email: ops@example.com, password: correct-horse-battery-staple }
      network:
        interface: eth1
        ipv4: { method: static, address: ${a.appliance}/24, gateway: ${a.cloud} }
        ipv6: { method: "off" }
        dns: [ ${a.cloud} ]
      enrollment: { site_id: 6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b, token: vm-static-sync-psk-0123456789 }
      updates: { enable: false }
  '';
in
{
  name = "bowtie-static-ipv4";
  nodes = {
    inherit (common) client cloud;
    appliance = { ... }: {
      imports = [ common.appliance ];
      # On vlan 1 as eth1, but without the driver's automatic 192.168.1.1: only the site gives it.
      virtualisation.vlans = [ ];
      virtualisation.interfaces.eth1.vlan = 1;
      environment.etc."bowtie-test/user-data".text = userData;
      systemd.tmpfiles.rules = [
        "d /var/lib/cloud/seed/nocloud 0700 root root -"
        "C /var/lib/cloud/seed/nocloud/user-data 0600 root root - /etc/bowtie-test/user-data"
        "f /var/lib/cloud/seed/nocloud/meta-data 0600 root root - instance-id: iid-vm-static"
      ];
    };
  };
  testScript = ''
    # The image gives eth1 no address (test/nix checks the evaluated node): the one it has
    # after the apply is the site's, and networkd names the site's unit for it.
    start_all()
    cloud.wait_for_unit("dnsmasq.service")
    client.wait_for_unit("network-online.target")

    with subtest("the apply puts the address on eth1, with the site's gateway"):
        appliance.wait_for_unit("bowtie_server.service", timeout=1500)
        appliance.succeed("hostname | grep -x ctl-static-01")
        appliance.succeed("ip -4 -o addr show dev eth1 | grep -F ' inet ${a.appliance}/24 '")
        appliance.succeed("networkctl status eth1 | grep -F 40-bowtie-site.network")
        appliance.succeed("ip -4 route show default | grep -F 'via ${a.cloud} dev eth1'")

    with subtest("the client reaches the appliance on it"):
        client.wait_until_succeeds("ping -c 1 -W 2 ${a.appliance}", timeout=60)
        client.succeed("timeout 5 bash -c '</dev/tcp/${a.appliance}/22'")
  '';
}
