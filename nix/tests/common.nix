# What the VM tests share: an appliance node built from the Controller configuration, a stand-in
# for the vendor daemon, and Python helpers that drive the wizard with curl.
{ pkgs, self }:
{
  inherit self;

  # openssl by store path, for checks on the appliance after a switch (its system has none).
  openssl = "${pkgs.openssl}/bin/openssl";

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
    # As the flake's images do (a rebuilt generation keeps it by store path). The package needs
    # an npm registry: BOWTIE_NPM_REGISTRY with --impure (README).
    services.bowtie-setup.package = self.packages.x86_64-linux.bowtie-setup;
  };

  client = { pkgs, ... }: {
    environment.systemPackages = [ pkgs.curl pkgs.jq pkgs.openssl ];
  };

  # Test network addressing: the test driver puts every node on vlan 1 (eth1) at
  # 192.168.1.<n>, n counting the node names in alphabetical order from 1 (nixpkgs
  # nixos/lib/testing/network.nix). In the tests with these three nodes that is appliance = 1,
  # client = 2, cloud = 3; the documents give the appliance its own address, statically, on eth1.
  addresses = { appliance = "192.168.1.1"; client = "192.168.1.2"; cloud = "192.168.1.3"; };

  # The site's network and the cloud around the appliance: its gateway (answers ping), its name
  # server (dnsmasq: any answer passes the health gate) and the EC2 instance metadata service,
  # IMDSv2 only, at 169.254.169.254 (./fake-imds.py). The test script writes the user data to
  # /srv/imds at run time, so it is in no Nix store.
  cloud = { pkgs, ... }: {
    networking.interfaces.eth1.ipv4.addresses = [ { address = "169.254.169.254"; prefixLength = 32; } ];
    networking.firewall.allowedTCPPorts = [ 53 80 ];
    networking.firewall.allowedUDPPorts = [ 53 ];
    services.dnsmasq = {
      enable = true;
      resolveLocalQueries = false;
      settings = { interface = "eth1"; bind-interfaces = true; no-resolv = true; };
    };
    systemd.tmpfiles.rules = [ "d /srv/imds 0700 root root -" ];
    systemd.services.fake-imds = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.python3}/bin/python3 ${./fake-imds.py}";
    };
    environment.systemPackages = [ pkgs.openssl pkgs.curl ];
  };

  # The appliance reaches the metadata service as on EC2: 169.254.169.254, on its own link.
  imdsRoute = {
    networking.interfaces.eth1.ipv4.routes = [ { address = "169.254.169.254"; prefixLength = 32; } ];
  };

  # Python for documents served by the cloud node: secrets made at run time, the appliance's
  # network static on eth1 at its own test address, gateway and DNS the cloud node.
  cloudHelpers = ''
    import base64, json, secrets

    APPLIANCE_IP, CLIENT_IP, CLOUD_IP = "192.168.1.1", "192.168.1.2", "192.168.1.3"

    def static_network():
        return {
            "interface": "eth1",
            "ipv4": {"method": "static", "address": f"{APPLIANCE_IP}/24", "gateway": CLOUD_IP},
            "ipv6": {"method": "off"},
            "dns": [CLOUD_IP],
        }

    def serve_user_data(cloud, document, instance_id="i-0123456789abcdef0"):
        """#cloud-config user data (JSON is YAML) for the fake IMDS; written on the cloud node only."""
        text = "#cloud-config\n" + json.dumps({"bowtie_setup": document}) + "\n"
        cloud.wait_for_unit("fake-imds.service")
        for name, body in (("user-data", text), ("instance-id", instance_id)):
            b64 = base64.b64encode(body.encode()).decode()
            cloud.succeed(f"echo {b64} | base64 -d > /srv/imds/{name}.new && chmod 0600 /srv/imds/{name}.new && mv /srv/imds/{name}.new /srv/imds/{name}")

    def make_certificate(cloud, fqdn):
        """A self-signed P-256 certificate and key for fqdn, made on the cloud node: (cert, key)."""
        cloud.succeed(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30"
            f" -subj /CN={fqdn} -addext subjectAltName=DNS:{fqdn}"
            " -keyout /root/tls.key -out /root/tls.crt 2>/dev/null"
        )
        return cloud.succeed("cat /root/tls.crt"), cloud.succeed("openssl pkey -in /root/tls.key")
  '';

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
