# update-rollback's appliance: the "signed cache" is its own store served by nix-serve and signed
# with a test key, the metadata endpoint a file on loopback, and the "next release" is prebuilt
# into the image as a specialisation whose configuration.nix also imports broken-release.nix, so
# rebuilding it with the site fragment gives the broken daemon.
{ pkgs, ... }:
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
  };
  specialisation.broken.configuration = {
    imports = [ ../broken-release.nix ];
    services.bowtie-setup.configurationImports = [ "${../broken-release.nix}" ];
  };
}
