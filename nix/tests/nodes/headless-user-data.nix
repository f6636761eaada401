# headless-user-data's appliance: its document as a NoCloud seed.
{
  imports = [ ./nocloud-seed.nix ];
  bowtie-test.seed = "headless-user-data";
}
