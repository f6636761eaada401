# services.bowtie-update: the scheduled update of the appliance.
#
# A timer (the site document's schedule) runs `bowtie-setup update`, which reads the channel's
# metadata, copies the new base system from the signed binary cache (only signatures by
# trustedPublicKeys are accepted), rebuilds it with the site fragment, switches, checks health
# and switches back to the previous generation when the check fails
# (server/update/run.ts). The settings reach the command as one JSON file,
# /etc/bowtie-setup/update.json (docs/decisions/0402-update-settings-file.md), which also
# lets an operator run `bowtie-setup update --check` by hand. With a site proxy, the unit's
# environment carries it (./proxy-env.nix; credentials from a root-only file, decision 0670).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkEnableOption mkIf mkMerge mkOption mkPackageOption types literalExpression;

  cfg = config.services.bowtie-update;
  proxyEnv = import ./proxy-env.nix { inherit lib pkgs; };
  proxy = proxyEnv.forUnit { proxy = cfg.proxy; unit = "bowtie-update"; };

  metadataUrl = if cfg.metadataUrl == null then null else builtins.replaceStrings [ "{channel}" ] [ cfg.channel ] cfg.metadataUrl;

  settings = {
    metadata_url = metadataUrl;
    inherit (cfg) channel;
    cache_url = cfg.cacheUrl;
    trusted_public_keys = cfg.trustedPublicKeys;
    health = {
      inherit (cfg.health) units urls network;
      timeout_seconds = cfg.health.timeoutSeconds;
    };
  };
  configured = cfg.metadataUrl != null && cfg.cacheUrl != null && cfg.trustedPublicKeys != [ ];
in
{
  meta.maintainers = [ (import ../maintainers.nix).bowtie-appliance-team ];

  options.services.bowtie-update = {
    enable = mkEnableOption "scheduled updates from the signed binary cache (set by bowtie.site from the document's updates section)";

    package = mkPackageOption pkgs "bowtie-setup" { extraDescription = "Its `update` command runs the update."; } // {
      # The appliance's own bowtie-setup when its module is there (one package, one version).
      default = config.services.bowtie-setup.package or pkgs.bowtie-setup;
      defaultText = literalExpression "config.services.bowtie-setup.package";
    };

    schedule = mkOption {
      type = types.str;
      default = "Sun *-*-* 03:00:00";
      description = "When to look for updates (systemd OnCalendar=).";
    };
    randomizedDelay = mkOption {
      type = types.str;
      default = "1h";
      description = "Random delay added to each run so a fleet does not update at once (RandomizedDelaySec=).";
    };
    persistent = mkOption {
      type = types.bool;
      default = true;
      description = "Run at boot when the appliance was off at the scheduled time (Persistent=).";
    };
    channel = mkOption {
      type = types.enum [ "stable" "beta" ];
      default = "stable";
      description = "Release channel the appliance follows (replaces {channel} in metadataUrl).";
    };

    metadataUrl = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "https://updates.example.com/controller/{channel}.json";
      description = "The metadata endpoint; `{channel}` is replaced by the channel. Set by the image.";
    };
    cacheUrl = mkOption {
      type = types.nullOr types.str;
      default = null;
      example = "https://cache.example.com";
      description = "The signed binary cache releases are copied from; also a substituter for rebuilds. Set by the image.";
    };
    trustedPublicKeys = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = [ "bowtie-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
      description = "Keys whose signatures the cache's paths must carry. Set by the image.";
    };

    proxy = mkOption {
      type = types.nullOr proxyEnv.type;
      default = null;
      description = "Outbound HTTP(S) proxy for the metadata and `nix copy` from the cache (set by bowtie.site).";
    };

    health = {
      units = mkOption {
        type = types.listOf types.str;
        default = [ "bowtie_server.service" ];
        description = "Units that must be active after the switch.";
      };
      urls = mkOption {
        type = types.listOf types.str;
        default = [ ];
        description = "URLs that must answer after the switch (this controller's own, local endpoints).";
      };
      network = mkOption {
        type = types.nullOr (types.submodule {
          options.interface = mkOption {
            type = types.nullOr (types.strMatching "[A-Za-z0-9_.-]{1,15}");
            default = null;
            description = "The site's link (its interface, or its VLAN `vlan<id>`); null: any link.";
          };
        });
        default = null;
        description = "The site's link must be routable after the switch (systemd-networkd-wait-online --operational-state=routable); null: not checked (an image without a site).";
      };
      timeoutSeconds = mkOption {
        type = types.ints.between 1 3600;
        default = 300;
        description = "How long the new generation has to become healthy before it is rolled back.";
      };
    };
  };

  config = mkMerge [
    (mkIf configured {
      environment.etc."bowtie-setup/update.json".text = builtins.toJSON settings;
      nix.settings.substituters = [ cfg.cacheUrl ];
      nix.settings.trusted-public-keys = cfg.trustedPublicKeys;
    })

    (mkIf (cfg.enable && !configured) {
      # An image built without update endpoints still evaluates and boots; it just cannot
      # update, and says so (validate, the wizard and cloud-init read /etc/bowtie-setup/image.json).
      warnings = [ "services.bowtie-update: updates are enabled but this image has no update source (metadataUrl, cacheUrl, trustedPublicKeys); no update timer is installed" ];
    })

    {
      environment.etc."bowtie-setup/image.json".text = builtins.toJSON { updates_available = configured; };
    }

    (mkIf (cfg.enable && configured) {

      systemd.timers.bowtie-update = {
        description = "Scheduled update of the Bowtie Controller";
        wantedBy = [ "timers.target" ];
        timerConfig = {
          OnCalendar = cfg.schedule;
          RandomizedDelaySec = cfg.randomizedDelay;
          Persistent = cfg.persistent;
          Unit = "bowtie-update.service";
        };
      };

      systemd.services.bowtie-update = {
        description = "Update the Bowtie Controller from the signed binary cache";
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ];
        # The update switches the system: the switch must not stop or restart the unit doing it.
        restartIfChanged = false;
        stopIfChanged = false;
        unitConfig.X-StopOnRemoval = false;
        path = [
          config.nix.package
          config.system.build.nixos-rebuild
          config.systemd.package
        ];
        environment = { HOME = "/root"; } // proxy.environment;
        serviceConfig = proxy.serviceConfig // {
          Type = "oneshot";
          ExecStart = "${cfg.package}/bin/bowtie-setup update --config /etc/bowtie-setup/update.json";
          # It runs nix copy and nixos-rebuild (an evaluation can take gigabytes): a share of the
          # machine, so that a runaway is stopped before the kernel picks a victim.
          MemoryMax = "80%";
        };
      };
    })
  ];
}
