# The test network's addresses: the test driver puts every node on vlan 1 (eth1) at
# 192.168.1.<n>, n counting the node names in alphabetical order from 1 (nixpkgs
# nixos/lib/testing/network.nix). The tests with a network have exactly these three nodes, so
# appliance = 1, client = 2, cloud = 3; the documents under ./documents name these addresses.
{
  appliance = "192.168.1.1";
  client = "192.168.1.2";
  cloud = "192.168.1.3";
}
