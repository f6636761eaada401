# The document of the test named by bowtie-test.seed as a NoCloud seed (#cloud-config user data;
# JSON is YAML), put where a cidata volume's files would be read from, with its meta-data.
{ config, lib, ... }:
let
  name = config.bowtie-test.seed;
  document = builtins.fromJSON (builtins.readFile (../documents + "/${name}.json"));
in
{
  options.bowtie-test.seed = lib.mkOption {
    type = lib.types.strMatching "[a-z0-9-]+";
    description = "The test whose document (nix/tests/documents/<name>.json) the seed holds.";
  };
  config = {
    environment.etc."bowtie-test/user-data".text = "#cloud-config\n" + builtins.toJSON { bowtie_setup = document; } + "\n";
    systemd.tmpfiles.rules = [
      "d /var/lib/cloud/seed/nocloud 0700 root root -"
      "C /var/lib/cloud/seed/nocloud/user-data 0600 root root - /etc/bowtie-test/user-data"
      "f /var/lib/cloud/seed/nocloud/meta-data 0600 root root - instance-id: iid-vm-${name}"
    ];
  };
}
