# static-ipv4's appliance: its document as a NoCloud seed, and on vlan 1 as eth1 but without the
# driver's automatic 192.168.1.1: only the site gives eth1 that address.
{
  imports = [ ./nocloud-seed.nix ];
  bowtie-test.seed = "static-ipv4";
  virtualisation.vlans = [ ];
  virtualisation.interfaces.eth1.vlan = 1;
}
