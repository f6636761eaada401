# The appliance reaches the metadata service as on EC2: 169.254.169.254, on its own link. (Before
# the apply; afterwards the site's networkd unit configures eth1 and the route is not needed.)
{
  networking.interfaces.eth1.ipv4.routes = [ { address = "169.254.169.254"; prefixLength = 32; } ];
}
