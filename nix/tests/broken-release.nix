# The update test's "next release": a higher version whose daemon does not come up.
{ lib, ... }:
{
  bowtie-test.brokenDaemon = true;
  services.bowtie-setup.releaseVersion = lib.mkForce "99.0.0";
}
