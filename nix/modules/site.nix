# bowtie.site: the site configuration that bowtie-setup renders into /etc/nixos/bowtie/site.nix.
#
# The options mirror the config document (server/config/schema.ts) key for key, with the
# fragment's shape (server/nix/render.ts): secrets are absolute path strings ("*_file") read at
# run time. They are typed `str`, so a Nix path literal (which would copy the secret into the
# world-readable store) is rejected, and nothing here reads them at evaluation time.
#
# With no fragment, `bowtie.site` is null and this module changes nothing: the factory image.
# A partial document (no enrollment) configures the host, network and admin account only; a
# complete one also enables services.bowtie_server (./bowtie-server.nix, the one place that
# knows the daemon's interface) and services.bowtie-update.
{ config, lib, ... }:
let
  proxyEnv = import ./proxy-env.nix { inherit lib; };
  inherit (lib)
    mkIf
    mkMerge
    mkDefault
    mkOption
    types
    optional
    optionals
    ;

  site = config.bowtie.site;

  # A secret is referenced by its path and read at run time: an absolute path outside the
  # world-readable store, with nothing systemd would read as a separator or a specifier (%).
  secretPath = (types.addCheck (types.strMatching "(/[A-Za-z0-9_.@+=,:-]+)+") (p: !(lib.hasPrefix "/nix/store/" p) && !(lib.hasInfix "/../" "${p}/") && !(lib.hasInfix "/./" "${p}/"))) // {
    description = "absolute path outside /nix/store, of letters, digits and _ . @ + = , : - (no blanks, no %, $, quotes or backslashes, no . or .. parts)";
  };
  label = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

  nullOrStr = description: mkOption {
    type = types.nullOr types.str;
    default = null;
    inherit description;
  };

  addressing = methods: types.submodule {
    options = {
      method = mkOption { type = types.enum methods; description = "How the address is configured."; };
      address = nullOrStr "Address with prefix length (static only).";
      gateway = nullOrStr "Default gateway (static only).";
    };
  };

  siteOptions = {
    hostname = mkOption {
      type = types.strMatching label;
      description = "Host name: one RFC 1123 label (networking.hostName).";
    };
    domain = nullOrStr "DNS domain; the FQDN is hostname.domain (networking.domain).";
    site.name = mkOption {
      type = types.str;
      description = "Display name of the site.";
    };
    admin = mkOption {
      default = null;
      description = "The first controller admin and the OS admin account's SSH keys; null in a network-only document.";
      type = types.nullOr (types.submodule {
        options = {
          email = mkOption { type = types.str; description = "The first controller admin's e-mail address (their sign-in name)."; };
          password_hash_file = mkOption {
            type = secretPath;
            description = "File holding the argon2id hash of the admin's password (read at run time).";
          };
          ssh_authorized_keys = mkOption {
            type = types.listOf types.str;
            default = [ ];
            description = "OpenSSH public keys of the OS admin account (authorized_keys lines).";
          };
          console_password_hash_file = mkOption {
            type = types.nullOr secretPath;
            default = null;
            description = "File holding the crypt(3) hash for console login of the OS admin account.";
          };
        };
      });
    };
    network = {
      interface = nullOrStr "Interface to configure; null: the appliance's physical Ethernet NIC(s).";
      ipv4 = mkOption {
        type = addressing [ "dhcp" "static" ];
        default = { method = "dhcp"; };
        description = "IPv4: DHCP, or a static address with prefix length and a gateway.";
      };
      ipv6 = mkOption {
        type = addressing [ "auto" "dhcp" "static" "off" ];
        default = { method = "auto"; };
        description = "IPv6: router advertisements (auto), DHCPv6, a static address, or off.";
      };
      dns = mkOption { type = types.listOf types.str; default = [ ]; description = "DNS servers (required with a static IPv4 address)."; };
      ntp = mkOption { type = types.listOf types.str; default = [ ]; description = "NTP servers; empty: the image's defaults."; };
      vlan = mkOption {
        type = types.nullOr (types.ints.between 1 4094);
        default = null;
        description = "802.1Q VLAN id: the site's addresses go on this VLAN of `interface`, which carries only the tagged traffic.";
      };
      mtu = mkOption {
        type = types.nullOr (types.ints.between 576 9000);
        default = null;
        description = "MTU of the site's interface (with a VLAN, the VLAN's; its parent gets the same); null: the link's default.";
      };
      proxy = mkOption {
        type = types.nullOr proxyEnv.type;
        default = null;
        description = "Outbound HTTP(S) proxy for the controller daemon and the scheduled update.";
      };
    };
    enrollment = mkOption {
      default = null;
      description = "Cluster enrollment; null in a partial document (the daemon stays off).";
      type = types.nullOr (types.submodule {
        options = {
          site_id = mkOption { type = types.str; description = "UUID of the site in the organisation."; };
          token_file = mkOption {
            type = secretPath;
            description = "File holding the cluster's sync PSK (read at run time).";
          };
          entrypoints = mkOption { type = types.listOf types.str; default = [ ]; description = "HTTPS URLs of controllers of an existing cluster to join; empty: start a new cluster."; };
        };
      });
    };
    tls = {
      mode = mkOption { type = types.enum [ "acme" "self-signed" "provided" ]; default = "self-signed"; description = "Where the controller's certificate comes from."; };
      certificate = nullOrStr "PEM certificate chain (provided mode; public).";
      private_key_file = mkOption {
        type = types.nullOr secretPath;
        default = null;
        description = "File holding the PEM private key (provided mode).";
      };
    };
    sso = mkOption {
      default = null;
      description = "Single sign-on: one connector of the daemon's identity broker; null: none.";
      type = types.nullOr (types.submodule {
        options = {
          type = mkOption { type = types.enum [ "oidc" "google" "microsoft" "github" "gitlab" ]; description = "Connector type."; };
          id = mkOption { type = types.strMatching "[a-z0-9][a-z0-9_-]{0,62}"; description = "Connector id."; };
          name = mkOption { type = types.str; description = "Name shown on the sign-in page."; };
          issuer = nullOrStr "The identity provider's issuer URL (oidc).";
          client_id = mkOption { type = types.str; description = "OAuth client id at the identity provider."; };
          client_secret_file = mkOption {
            type = secretPath;
            description = "File holding the OAuth client secret (read at run time).";
          };
          redirect_uri = nullOrStr "Callback URL registered at the provider; null: the daemon's own ($DEX_ORIGIN/dex/callback).";
        };
      });
    };
    updates = {
      enable = mkOption { type = types.bool; default = true; description = "Whether scheduled updates run."; };
      schedule = mkOption { type = types.str; default = "Sun *-*-* 03:00:00"; description = "When updates run (systemd OnCalendar=)."; };
      randomized_delay = mkOption { type = types.str; default = "1h"; description = "Random delay after the scheduled time (systemd RandomizedDelaySec=)."; };
      channel = mkOption { type = types.enum [ "stable" "beta" ]; default = "stable"; description = "Release channel updates follow."; };
    };
  };

  # authorized_keys is one key per line: a comment holding CR, LF (or any other control
  # character) must not start a second, attacker-chosen line (docs/decisions/0003).
  controlChars = map (n: builtins.fromJSON "\"\\u${lib.fixedWidthString 4 "0" (lib.toHexString n)}\"") (lib.range 1 31 ++ [ 127 ]);
  oneLine = s: builtins.replaceStrings controlChars (map (_: " ") controlChars) s;

  net = site.network;
  ipv4Static = net.ipv4.method == "static";
  ipv6Static = net.ipv6.method == "static";
  dhcp4 = net.ipv4.method == "dhcp";
  dhcp6 = net.ipv6.method == "dhcp";
  # The VLAN's own name, not "<parent>.<id>": that would pass the 15-character limit of a
  # Linux interface name with a long parent name.
  vlanName = "vlan${toString net.vlan}";
  mtuLink = lib.optionalAttrs (net.mtu != null) { MTUBytes = toString net.mtu; };
  complete = site.admin != null && site.enrollment != null;
in
{
  # What it sets, it imports: nixosModules.site evaluates on its own (services.bowtie_server
  # itself comes from the vendor's module; bowtie-server.nix warns when it is missing).
  imports = [ ./bowtie-server.nix ./update.nix ./nix-daemon-proxy.nix ];
  meta.maintainers = [ (import ../maintainers.nix).bowtie-appliance-team ];

  options.bowtie = {
    site = mkOption {
      type = types.nullOr (types.submodule { options = siteOptions; });
      default = null;
      description = "The site configuration written by bowtie-setup (/etc/nixos/bowtie/site.nix); null before setup.";
    };
    adminUser = mkOption {
      type = types.str;
      default = "admin";
      description = "OS account that receives the admin's SSH keys and console password.";
    };
    siteComplete = mkOption {
      type = types.bool;
      readOnly = true;
      default = site != null && complete;
      defaultText = "bowtie.site has admin and enrollment";
      description = "Whether the site configuration is complete (the daemon is handed the appliance).";
    };
  };

  config = mkIf (site != null) (mkMerge [
    {
      assertions = [
        {
          assertion = ipv4Static -> net.ipv4.address != null && net.ipv4.gateway != null;
          message = "bowtie.site.network.ipv4: a static address needs address and gateway";
        }
        {
          assertion = ipv6Static -> net.ipv6.address != null;
          message = "bowtie.site.network.ipv6: a static address needs address";
        }
        {
          assertion = site.tls.mode == "provided" -> site.tls.certificate != null && site.tls.private_key_file != null;
          message = "bowtie.site.tls: provided mode needs certificate and private_key_file";
        }
        {
          # bowtie-setup pins the probed interface (server/apply/interface-pin.ts).
          assertion = net.vlan != null -> net.interface != null;
          message = "bowtie.site.network.vlan: needs bowtie.site.network.interface (the VLAN's parent)";
        }
        {
          assertion = site.enrollment != null -> site.admin != null;
          message = "bowtie.site.admin: is required to enroll the controller";
        }
      ];

      # bowtie-setup pins a static address to one NIC (docs/decisions/0641); a fragment written
      # by hand or by `render FILE` may not, and then every Ethernet NIC gets the address.
      warnings = lib.optional ((ipv4Static || ipv6Static) && net.interface == null && net.vlan == null)
        "bowtie.site.network: a static address with no interface named goes on every Ethernet NIC; set bowtie.site.network.interface";

      networking.hostName = site.hostname;
      networking.domain = site.domain;
      networking.nameservers = net.dns;
      networking.enableIPv6 = net.ipv6.method != "off";

      # One networkd unit for the site's interface, or for the physical Ethernet NICs when the
      # document names none (docs/decisions/0401). It sorts before NixOS's own
      # 99-ethernet-default-dhcp, so it wins for the links it matches.
      systemd.network.enable = true;
      systemd.network.networks."40-bowtie-site" = {
        matchConfig =
          if net.vlan != null then { Name = vlanName; }
          else if net.interface != null then { Name = net.interface; }
          else { Type = "ether"; Kind = "!*"; };
        address = optional ipv4Static net.ipv4.address ++ optional ipv6Static net.ipv6.address;
        gateway = optional (ipv4Static && net.ipv4.gateway != null) net.ipv4.gateway
          ++ optional (ipv6Static && net.ipv6.gateway != null) net.ipv6.gateway;
        dns = net.dns;
        ntp = net.ntp;
        networkConfig = {
          DHCP = if dhcp4 && dhcp6 then "yes" else if dhcp4 then "ipv4" else if dhcp6 then "ipv6" else "no";
          IPv6AcceptRA = net.ipv6.method == "auto" || dhcp6;
          LinkLocalAddressing = if net.ipv6.method == "off" then "no" else "ipv6";
        };
        linkConfig = { RequiredForOnline = "routable"; } // mtuLink;
        # The MTU the DHCP server offers (option 26: 1460 on Google Compute Engine, 9001 on EC2),
        # as cloud-init's netplan does; networkd's default is not to (systemd.network(5)). The
        # document's own `mtu` (MTUBytes=) wins: networkd then ignores UseMTU=.
        dhcpV4Config = mkIf dhcp4 { UseMTU = true; };
      };

      # A VLAN (docs/decisions/0670): the netdev, and the parent that carries it with no
      # address of its own. The parent's MTU must be at least the VLAN's: it gets the same.
      systemd.network.netdevs = mkIf (net.vlan != null) {
        "40-bowtie-vlan" = {
          netdevConfig = { Name = vlanName; Kind = "vlan"; } // mtuLink;
          vlanConfig.Id = net.vlan;
        };
      };

      systemd.network.networks."30-bowtie-vlan-parent" = mkIf (net.vlan != null) {
        matchConfig.Name = net.interface;
        vlan = [ vlanName ];
        networkConfig = { DHCP = "no"; IPv6AcceptRA = false; LinkLocalAddressing = "no"; };
        linkConfig = { RequiredForOnline = "carrier"; } // mtuLink;
      };

      services.timesyncd = mkMerge [
        { enable = mkDefault true; }
        (mkIf (net.ntp != [ ]) { servers = net.ntp; })
      ];
    }

    (mkIf (site.admin != null) {
      users.users.${config.bowtie.adminUser} = {
        isNormalUser = true;
        extraGroups = [ "wheel" ];
        openssh.authorizedKeys.keys = map oneLine site.admin.ssh_authorized_keys;
        hashedPasswordFile = site.admin.console_password_hash_file;
      };
      services.openssh.enable = mkIf (site.admin.ssh_authorized_keys != [ ]) (mkDefault true);
      # Without a console password the account can only use keys, so sudo cannot ask for one.
      security.sudo.wheelNeedsPassword = mkDefault (site.admin.console_password_hash_file != null);
    })

    (mkIf complete {
      services.bowtie-update = {
        enable = site.updates.enable;
        schedule = site.updates.schedule;
        randomizedDelay = site.updates.randomized_delay;
        channel = site.updates.channel;
        proxy = net.proxy;
        # This controller's own health, not its peers': the local daemon answering (the units
        # list has bowtie_server.service) and the local network up (network-online before the
        # unit runs, and the site's link routable after the switch). A peer that is down must
        # not roll back this controller.
        health.urls = [ "https://127.0.0.1/" ];
        health.network.interface = if net.vlan != null then vlanName else net.interface;
      };
    })
  ]);
}
