# What the VM tests share: an appliance node built from the Controller configuration, a stand-in
# for the vendor daemon, and Python helpers that drive the wizard with curl.
{ pkgs, self }:
{
  inherit self;

  # The appliance: the Controller configuration, the stand-in daemon and the VM settings, all
  # files the appliance re-imports from /etc/nixos/configuration.nix when it rebuilds itself.
  appliance = {
    imports = [
      "${self}/nix/controller.nix"
      "${self}/nix/tests/fake-daemon.nix"
      "${self}/nix/tests/vm.nix"
    ];
    services.bowtie-setup.configurationImports = [
      "${self}/nix/controller.nix"
      "${self}/nix/tests/fake-daemon.nix"
      "${self}/nix/tests/vm.nix"
    ];
  };

  client = { pkgs, ... }: {
    environment.systemPackages = [ pkgs.curl pkgs.jq ];
  };

  # Python for the test scripts: a curl session through the wizard.
  wizardHelpers = ''
    import re, shlex

    def wizard(node, path, fields=None, host="appliance"):
        """GET (fields None) or POST a form with the session's CSRF token; returns the body."""
        base = f"https://{host}"
        jar = "-b /tmp/jar -c /tmp/jar"
        if fields is None:
            return node.succeed(f"curl -sk {jar} {base}{path}")
        page = node.succeed(f"curl -sk {jar} {base}{path}")
        token = re.search(r'name="_csrf" value="([^"]*)"', page).group(1)
        data = " ".join(f"--data-urlencode {shlex.quote(k + '=' + v)}" for k, v in {**fields, "_csrf": token}.items())
        return node.succeed(f"curl -sk {jar} -H 'Origin: {base}' -X POST {data} {base}{path}")
  '';
}
