# update-rollback's appliance: the "signed cache" is its own store served by nix-serve and signed
# with a test key, the metadata endpoint a file on loopback, and the "next release" is prebuilt
# into the image as a specialisation whose configuration.nix also imports broken-release.nix, so
# rebuilding it with the site fragment gives the broken daemon.
{ lib, pkgs, ... }:
let
  keys = builtins.fromJSON (builtins.readFile ../update-test-keys.json);
in
{
  services.nix-serve = {
    enable = true;
    port = 5000;
    secretKeyFile = "${pkgs.writeText "cache-key" keys.secret}";
  };
  services.bowtie-update = {
    metadataUrl = "http://127.0.0.1:8000/{channel}.json";
    cacheUrl = "http://127.0.0.1:5000";
    trustedPublicKeys = [ keys.public ];
    health.timeoutSeconds = 60;
    # The stand-in daemon (../fake-daemon.nix) answers plain HTTP on 8443, not the real daemon's
    # https://127.0.0.1/ the site sets: with that URL every update, good or broken, would fail
    # the gate, and the test would not show that the gate tells them apart.
    health.urls = lib.mkForce [ "http://127.0.0.1:8443/" ];
  };
  specialisation.broken.configuration = {
    imports = [ ../broken-release.nix ];
    services.bowtie-setup.configurationImports = [ "${../broken-release.nix}" ];
  };
}
