# What the VM tests share: an appliance node built from the Controller configuration, a stand-in
# for the vendor daemon, the site's network around it, and Python helpers that drive the wizard
# with curl.
{ pkgs, self }:
let
  a = import ./addresses.nix;
in
rec {
  inherit self;

  # openssl and python3 by store path, for the test scripts on the appliance (its system has
  # neither on its PATH; fake-daemon.nix keeps python3 in its store).
  openssl = "${pkgs.openssl}/bin/openssl";
  python3 = "${pkgs.python3}/bin/python3";

  addresses = a;

  # The documents the tests apply (./documents/<test>.json; JSON is YAML). Their networks are
  # the test network's (./addresses.nix); the tests whose secrets are made at run time add them
  # in their script. test/nix renders each with the product's renderer and evaluates the system
  # the appliance rebuilds into with that fragment.
  documentFile = name: ./documents + "/${name}.json";
  document = name: builtins.fromJSON (builtins.readFile (documentFile name));

  # The appliance: the Controller configuration, the stand-in daemon, the VM settings and the
  # test's own modules (files under nix/tests/, e.g. "nodes/imds-route.nix"). Everything it is
  # made of is a file it re-imports from /etc/nixos/configuration.nix when it rebuilds itself,
  # so the switched system keeps what the test gave it. The test driver's own addressing of the
  # node (its eth1 address, /etc/hosts) is in no file: it is written out as one, the way
  # nixpkgs' nixos/tests/nixos-rebuild-target-host.nix carries system.build.networkConfig
  # (which nixos/lib/testing/network.nix exposes for this) into the configuration it deploys.
  # The driver's backdoor shell, its 9p store and virtualisation.* come with vm.nix.
  applianceWith = files: { config, pkgs, ... }:
    let
      modules = [
        "${self}/nix/controller.nix"
        "${self}/nix/tests/fake-daemon.nix"
        "${self}/nix/tests/vm.nix"
      ] ++ map (f: "${self}/nix/tests/${f}") files;
      driverNetworkJson = pkgs.writeText "vm-driver-network.json" (builtins.toJSON config.system.build.networkConfig);
      driverNetwork = pkgs.writeText "vm-driver-network.nix" ''
        # The test driver's addressing of this node (nixos/lib/testing/network.nix), kept by rebuilds.
        { lib, ... }: lib.modules.importJSON ${driverNetworkJson}
      '';
    in
    {
      imports = modules;
      services.bowtie-setup.configurationImports = modules ++ [ "${driverNetwork}" ];
      # As the flake's images do (a rebuilt generation keeps it by store path). The package needs
      # an npm registry: BOWTIE_NPM_REGISTRY with --impure (README).
      services.bowtie-setup.package = self.packages.x86_64-linux.bowtie-setup;
      # The nixpkgs a rebuild evaluates, as a string with its store context. A NixOS test sets
      # no nixpkgs.flake.source, and pkgs.path is a path value whose string has no context: the
      # source would be neither in the closure nor in the VM's store database, and the
      # builtins.storePath of it in configuration.nix would fail inside the VM.
      services.bowtie-setup.nixpkgs = "${self.inputs.nixpkgs}";
    };
  appliance = applianceWith [ ];

  # The tests whose document comes from the cloud's metadata service (imds, provided-tls,
  # store-secret-scan): the appliance routes to it; the client is idle and keeps the addresses
  # those of ./addresses.nix.
  imdsNodes = {
    inherit client cloud;
    appliance = applianceWith [ "nodes/imds-route.nix" ];
  };

  client = { pkgs, ... }: {
    environment.systemPackages = [ pkgs.curl pkgs.jq pkgs.openssl ];
  };

  # The site's network and the cloud around the appliance: its gateway (answers ping), its name
  # server (dnsmasq) and the EC2 instance metadata service, IMDSv2 only, at 169.254.169.254
  # (./fake-imds.py). The test script writes the user data to /srv/imds at run time, so it is
  # in no Nix store.
  cloud = { pkgs, ... }: {
    networking.interfaces.eth1.ipv4.addresses = [ { address = "169.254.169.254"; prefixLength = 32; } ];
    networking.firewall.allowedTCPPorts = [ 53 80 ];
    networking.firewall.allowedUDPPorts = [ 53 ];
    services.dnsmasq = {
      enable = true;
      resolveLocalQueries = false;
      # Every name resolves (to the cloud itself): the health gate's DNS probe gets a definite
      # answer, whatever a server without upstreams would say (a SERVFAIL counts as none).
      settings = { interface = "eth1"; bind-interfaces = true; no-resolv = true; address = "/#/${a.cloud}"; };
    };
    systemd.tmpfiles.rules = [ "d /srv/imds 0700 root root -" ];
    systemd.services.fake-imds = {
      wantedBy = [ "multi-user.target" ];
      serviceConfig.ExecStart = "${pkgs.python3}/bin/python3 ${./fake-imds.py}";
    };
    environment.systemPackages = [ pkgs.openssl pkgs.curl ];
  };

  # For documents with DHCP: the cloud also serves DHCP on the test network and hands the
  # appliance the driver's address for it (a pool of exactly that address), with itself as the
  # router and the name server. Once the site's networkd unit takes eth1 over, the driver's
  # static address is gone from it (networkd applies the first matching .network file, and
  # 40-bowtie-site sorts before NixOS's 40-eth1): without this the client loses the appliance.
  cloudDhcp = {
    imports = [ cloud ];
    networking.firewall.allowedUDPPorts = [ 67 ];
    services.dnsmasq.settings = {
      dhcp-range = [ "${a.appliance},${a.appliance},255.255.255.0,1h" ];
      dhcp-option = [ "option:router,${a.cloud}" "option:dns-server,${a.cloud}" ];
      dhcp-authoritative = true;
      # The address may still answer from the appliance while networkd moves eth1 to DHCP.
      no-ping = true;
    };
  };

  # Python for documents served by the cloud node, with secrets made at run time.
  cloudHelpers = ''
    import base64, json, secrets

    def load_document(path):
        """A test's document (nix/tests/documents/), to add run-time secrets to."""
        with open(path) as f:
            return json.load(f)

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

  # Python for the test scripts: a curl session through the wizard, and its steps filled in
  # from a test's document.
  wizardHelpers = ''
    import json, re, shlex

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

    def walk_wizard(node, code, path):
        """Unlock, then every step with the values of the document at path, as an admin types them."""
        with open(path) as f:
            doc = json.load(f)
        net = doc["network"]
        wizard(node, "/unlock", {"code": code})
        wizard(node, "/admin", {"email": doc["admin"]["email"], "password": doc["admin"]["password"], "password_confirm": doc["admin"]["password"]})
        wizard(node, "/network", {
            "hostname": doc["hostname"],
            "network.interface": net.get("interface", ""),
            "network.ipv4.method": net["ipv4"]["method"],
            "network.ipv6.method": net.get("ipv6", {}).get("method", "auto"),
            "network.dns": " ".join(net.get("dns", [])),
        })
        wizard(node, "/enrollment", {"enrollment.site_id": doc["enrollment"]["site_id"], "enrollment.token": doc["enrollment"]["token"]})
        wizard(node, "/tls", {"tls.mode": doc["tls"]["mode"]})
        wizard(node, "/updates", {"updates.enable": "true" if doc["updates"]["enable"] else "false"})
  '';
}
