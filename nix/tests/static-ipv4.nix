# A static IPv4 address from cloud-init user data (a NoCloud seed). The appliance is on the test
# network (vlan 1, eth1) without the address the test driver would give it (192.168.1.1, node 1):
# only the apply gives eth1 that address, through the site's networkd unit; then the client
# reaches the appliance there, and the health gate's gateway and DNS (the cloud node) answer.
common:
let
  a = common.addresses;
in
{
  name = "bowtie-static-ipv4";
  nodes = {
    inherit (common) client cloud;
    # Its document (./documents/static-ipv4.json) as a NoCloud seed, on vlan 1 without the
    # driver's address (nix/tests/nodes/static-ipv4.nix).
    appliance = common.applianceWith [ "nodes/static-ipv4.nix" ];
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
