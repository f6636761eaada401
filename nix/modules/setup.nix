# services.bowtie-setup: the first-boot setup wizard on the appliance.
#
# - bowtie-setup.service: the web wizard, unprivileged (user bowtie-setup), hardened, holding
#   only CAP_NET_BIND_SERVICE for ports 443 and 80. It writes the claim block (setup code, URL,
#   certificate fingerprint) to /dev/console, which a udev rule lets its group write, and never
#   to the journal. It may write two directories: its own files (web/) and the apply spool.
# - The state layout (docs/decisions/0500): root's journal, backups, logs and secrets sit in
#   directories only root can change; what root writes for the wizard (cloud-init.json in
#   shared/) the wizard's group may read and not change.
# - bowtie-setup-apply.service: the root worker (`apply --worker`) that the wizard starts
#   through a polkit rule that allows exactly that; at boot it finishes or rolls back an apply a
#   crash interrupted. It survives the switches it performs.
# - bowtie-setup-cloud-init.service: headless setup from user data, once per instance.
# - bowtie-setup-console.service: the console menus until hand-off, one per console
#   (bowtie-setup-console@tty1, and @ttyS0 where the image format puts the kernel's console on
#   the serial port: amazon, gce, proxmox). The login prompts on those consoles wait for the
#   hand-off marker; bowtie-setup-login.path starts them when it appears (docs/decisions/0524).
# - Hand-off: with a complete site, bowtie_server waits for the marker the engine writes once
#   the new configuration is confirmed; starting it stops the wizard (docs/decisions/0403).
# - /etc/nixos: configuration.nix imports the image's own modules (by store path) and
#   bowtie/site.nix, so `nixos-rebuild` on the appliance rebuilds the image's configuration with
#   the site fragment from the local store and the signed cache (docs/decisions/0404).
{ config, lib, options, pkgs, ... }:
let
  inherit (lib)
    mkEnableOption
    mkIf
    mkMerge
    mkDefault
    mkForce
    mkOption
    mkPackageOption
    types
    literalExpression
    concatMapStrings
    optionalString
    escapeShellArg
    ;

  cfg = config.services.bowtie-setup;
  stateDir = "/var/lib/bowtie-setup";
  webDir = "${stateDir}/web";
  runDir = "/run/bowtie-setup";
  spoolDir = "${runDir}/spool";
  handoffMarker = "${stateDir}/handed-off";

  # Every directory of the layout, as server/nix/paths.ts LAYOUT_DIRS has it (the evalModules
  # test holds the two together). Root's: the state directory (others may only pass through it
  # to web/ and shared/), secrets/, logs/, rollback/, build/, applied/, the fragment's directory,
  # /run/bowtie-setup and status/ (world-readable: no secrets there). shared/ is setgid, so what
  # root writes there is the wizard's group's to read. web/ and the spool are the wizard's.
  layout = [
    { path = stateDir; mode = "0711"; user = "root"; group = "root"; }
    { path = "${stateDir}/secrets"; mode = "0700"; user = "root"; group = "root"; }
    { path = "${stateDir}/logs"; mode = "0700"; user = "root"; group = "root"; }
    { path = "${stateDir}/rollback"; mode = "0700"; user = "root"; group = "root"; }
    { path = "${stateDir}/build"; mode = "0700"; user = "root"; group = "root"; }
    { path = "${stateDir}/applied"; mode = "0700"; user = "root"; group = "root"; }
    { path = "${stateDir}/shared"; mode = "2750"; user = "root"; group = "bowtie-setup"; }
    { path = webDir; mode = "0700"; user = "bowtie-setup"; group = "bowtie-setup"; }
    { path = "/etc/nixos/bowtie"; mode = "0755"; user = "root"; group = "root"; }
    { path = runDir; mode = "0755"; user = "root"; group = "root"; }
    { path = spoolDir; mode = "0700"; user = "bowtie-setup"; group = "bowtie-setup"; }
    { path = "${runDir}/status"; mode = "0755"; user = "root"; group = "root"; }
  ];
  exe = "${cfg.package}/bin/bowtie-setup";

  # The consoles (docs/decisions/0524). The image format names its serial console on the
  # kernel command line (nixpkgs' amazon, GCE and Proxmox modules: console=ttyS0[,115200n8]),
  # which is also the port a cloud's console-output view records; a rebuild on the appliance
  # re-imports the format module, so the default stays the same there.
  consoleParam = p: builtins.match "console=([A-Za-z0-9]+)(,.*)?" p;
  kernelConsoles = lib.unique (lib.concatMap (p: let m = consoleParam p; in if m == null then [ ] else [ (builtins.head m) ]) (config.boot.kernelParams or [ ]));
  isSerial = tty: builtins.match "(ttyS|ttyAMA)[0-9]+" tty != null;
  isVt = tty: builtins.match "tty[1-9][0-9]*" tty != null;
  # A VT's login prompt is autovt@ (NixOS's own unit, which logind starts on the active VT at
  # boot), or getty@ where something enabled that; a serial port's is serial-getty@.
  loginsOn = tty: if isVt tty then [ "autovt@${tty}.service" "getty@${tty}.service" ] else [ "serial-getty@${tty}.service" ];
  loginOn = tty: builtins.head (loginsOn tty);
  menuUnit = tty: "bowtie-setup-console@${tty}.service";
  menuUnits = map menuUnit cfg.console.ttys;
  consoleGroup = "bowtie-setup-console.service";
  loginUnit = "bowtie-setup-login.service";
  # After a reset the menu takes its console back from the login prompt (a Conflicts= would
  # also stop the prompt at every boot after hand-off, when the menu's condition fails later).
  # "-": a prompt that cannot be stopped does not keep the menu from starting.
  stopLogins = tty: "-${config.systemd.package}/bin/systemctl stop ${lib.concatStringsSep " " (loginsOn tty)}";

  # The units that run nixos-rebuild, as nixpkgs' own system.autoUpgrade unit does.
  cidataMount = "${runDir}/cidata";
  # An OpenStack-style config drive (label config-2): its network_data.json (server/cloud-init/network-config/).
  configDriveMount = "${runDir}/config-drive";
  mountCidata = pkgs.writeShellScript "bowtie-setup-mount-cidata" ''
    set -eu
    ${pkgs.coreutils}/bin/mkdir -p -m 0700 ${cidataMount} ${configDriveMount}
    for label in cidata CIDATA; do
      if [ -e "/dev/disk/by-label/$label" ]; then
        ${pkgs.util-linux}/bin/mount -o ro,nosuid,nodev,noexec "/dev/disk/by-label/$label" ${cidataMount}
        break
      fi
    done
    for label in config-2 CONFIG-2; do
      if [ -e "/dev/disk/by-label/$label" ]; then
        ${pkgs.util-linux}/bin/mount -o ro,nosuid,nodev,noexec "/dev/disk/by-label/$label" ${configDriveMount}
        break
      fi
    done
  '';
  unmountCidata = pkgs.writeShellScript "bowtie-setup-unmount-cidata" ''
    for dir in ${cidataMount} ${configDriveMount}; do
      if ${pkgs.util-linux}/bin/mountpoint -q "$dir"; then
        ${pkgs.util-linux}/bin/umount "$dir"
      fi
    done
  '';

  rebuildUnit = {
    restartIfChanged = false;
    stopIfChanged = false;
    unitConfig.X-StopOnRemoval = false;
    path = with pkgs; [
      config.nix.package
      config.system.build.nixos-rebuild
      config.systemd.package
      coreutils
      gnutar
      xz.bin
      gzip
    ];
    environment = {
      inherit (config.environment.sessionVariables) NIX_PATH;
      HOME = "/root";
    };
  };

  # "/nix/store/<hash>-<name>/sub/path" -> the store path and the rest, keeping the string's
  # context on both halves so the sources stay in the system's closure.
  splitStorePath = s:
    let
      str = toString s;
      m = builtins.match "(/nix/store/[^/]+)(.*)" str;
    in
    if m == null then null else {
      store = builtins.substring 0 (builtins.stringLength (builtins.head m)) str;
      rest = builtins.substring (builtins.stringLength (builtins.head m)) (-1) str;
    };
  # Unique: each generation's configuration.nix lists them again (below) and an image variant's
  # module adds itself once more (nix/images/).
  importsInStore = map splitStorePath (lib.unique cfg.configurationImports);
  nixpkgsInStore = splitStorePath cfg.nixpkgs;

  # builtins.storePath is only called when the appliance evaluates this file (impure, as
  # nixos-rebuild without flakes is); it gives the strings their context back, so each new
  # generation keeps the sources it was built from.
  # (An entry outside the store fails the assertion below; the text then carries a throw.)
  storeExpr = p:
    if p == null then ''(throw "services.bowtie-setup: an image module is not in the store")''
    else "(builtins.storePath ${builtins.toJSON p.store} + ${builtins.toJSON p.rest})";
  nixpkgsStore = if nixpkgsInStore == null then "" else nixpkgsInStore.store;

  configurationText = ''
    # /etc/nixos/configuration.nix: generated by services.bowtie-setup; do not edit.
    # The image's configuration, plus the site fragment bowtie-setup writes to bowtie/site.nix.
    { lib, ... }:
    {
      imports = [
    ${concatMapStrings (p: "    ${storeExpr p}\n") importsInStore}  ]
      ++ lib.optional (builtins.pathExists /etc/nixos/bowtie/site.nix) /etc/nixos/bowtie/site.nix;

      # The next generation writes this same file: it imports these modules again.
      services.bowtie-setup.configurationImports = [
    ${concatMapStrings (p: "    ${storeExpr p}\n") importsInStore}  ];
      services.bowtie-setup.nixpkgs = ${storeExpr nixpkgsInStore};
      # The image's own build: the package is set inline by the flake, which is not re-imported;
      # a store path has no version attribute to take the release from.
      services.bowtie-setup.package = ${storeExpr (splitStorePath cfg.package)};
      services.bowtie-setup.releaseVersion = ${builtins.toJSON cfg.releaseVersion};
    ${updateSourceText}  system.nixos.versionSuffix = ${builtins.toJSON config.system.nixos.versionSuffix};
    ${optionalString (config.system.nixos.revision != null) "  system.nixos.revision = ${builtins.toJSON config.system.nixos.revision};\n"}}
  '';
  # The image's update endpoints (set inline by the flake too), below any a listed module sets.
  updateSourceText =
    let
      u = config.services.bowtie-update;
      pin = name: value: "  services.bowtie-update.${name} = lib.mkOverride 900 ${value};\n";
    in
    optionalString (config.services ? bowtie-update) (
      pin "metadataUrl" (if u.metadataUrl == null then "null" else lib.strings.escapeNixString u.metadataUrl)
      + pin "cacheUrl" (if u.cacheUrl == null then "null" else lib.strings.escapeNixString u.cacheUrl)
      + pin "trustedPublicKeys" "[ ${lib.concatMapStringsSep " " lib.strings.escapeNixString u.trustedPublicKeys} ]"
    );
  configurationFile = pkgs.writeText "configuration.nix" configurationText;
in
{
  # What it reads, it imports: nixosModules.setup evaluates on its own (the site's options, the
  # update and the daemon's interface come with site.nix).
  imports = [ ./site.nix ];

  meta.maintainers = [ (import ../maintainers.nix).bowtie-appliance-team ];

  options.services.bowtie-setup = {
    # Off unless the image turns it on (nix/controller.nix), as nixpkgs' services are; its parts
    # (console menu, cloud-init) default on once it is.
    enable = mkEnableOption "the bowtie-setup first-boot wizard";

    # pkgs.bowtie-setup comes from the flake's overlays.default; images set it (flake.nix).
    package = mkPackageOption pkgs "bowtie-setup" {
      extraDescription = "It holds the wizard, the apply worker, cloud-init and the console (the flake's overlays.default provides it).";
    };

    listen = mkOption {
      type = types.str;
      default = "0.0.0.0:443";
      description = "Address and port of the wizard's HTTPS listener (port 80 redirects to it).";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = true;
      description = "Open TCP 443 and 80 for the wizard (the daemon serves on them after hand-off).";
    };

    console.enable = mkEnableOption "the bowtie-setup console menu on tty1 (and the serial console) until hand-off" // { default = true; };
    console.ttys = mkOption {
      type = types.listOf (types.strMatching "tty[1-9][0-9]*|ttyS[0-9]+|ttyAMA[0-9]+|hvc[0-9]+");
      default = [ "tty1" ] ++ builtins.filter isSerial kernelConsoles;
      defaultText = literalExpression ''[ "tty1" ] ++ the serial ports named by console= on boot.kernelParams'';
      example = [ "tty1" "ttyS0" ];
      description = ''
        The consoles the setup menu runs on until hand-off; their login prompts start once
        setup has handed off. By default tty1 and the serial console the image format gives
        the kernel (ttyS0 on the amazon, gce and proxmox formats), which is what a cloud's
        console-output view shows.
      '';
    };
    cloudInit.enable = mkEnableOption "headless setup from cloud-init user data at boot" // { default = true; };
    cloudInit.imdsUrl = mkOption {
      type = types.str;
      default = "http://169.254.169.254";
      description = "The EC2 instance metadata service the cloud-init unit asks (IMDSv2 only).";
    };

    configurationImports = mkOption {
      type = types.listOf types.str;
      default = [ ];
      example = literalExpression ''[ "''${self}/nix/controller.nix" "''${self}/nix/images/qemu.nix" ]'';
      description = ''
        The modules the image's configuration is made of, as files inside store paths (strings
        such as "''${self}/nix/controller.nix", not path literals). /etc/nixos/configuration.nix
        imports them, so a rebuild on the appliance evaluates the same configuration plus the
        site fragment. Inline modules cannot be listed: put them in a file.
      '';
    };

    nixpkgs = mkOption {
      type = types.either types.str types.path;
      default = if config.nixpkgs.flake.source != null then config.nixpkgs.flake.source else pkgs.path;
      defaultText = literalExpression "config.nixpkgs.flake.source or pkgs.path";
      description = "The nixpkgs source rebuilds on the appliance use (NIX_PATH nixpkgs=); a store path.";
    };

    releaseVersion = mkOption {
      type = types.str;
      default = cfg.package.version;
      defaultText = literalExpression "config.services.bowtie-setup.package.version";
      description = "The appliance release this image is; bowtie-setup update compares it with the channel's.";
    };

    configurationText = mkOption {
      type = types.str;
      readOnly = true;
      internal = true;
      default = configurationText;
      description = "The generated /etc/nixos/configuration.nix (for tests and debugging).";
    };

    offline.extraDependencies = mkOption {
      type = types.listOf types.package;
      default = with pkgs; [ stdenv stdenvNoCC lndir libxslt.bin ];
      defaultText = literalExpression "with pkgs; [ stdenv stdenvNoCC lndir libxslt.bin ]";
      description = ''
        Build-time dependencies kept in the image so that rebuilding with a new site fragment
        needs no network for the common cases; anything else comes from the signed cache.
        For air-gapped appliances set system.includeBuildDependencies instead.
      '';
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = [
        {
          assertion = builtins.all (p: p != null) importsInStore;
          message = "services.bowtie-setup.configurationImports: every entry must be a file inside a store path (\"\${self}/nix/controller.nix\")";
        }
        {
          assertion = nixpkgsInStore != null;
          message = "services.bowtie-setup.nixpkgs: must be a store path (build the image from a flake)";
        }
      ];

      environment.systemPackages = [ cfg.package ];

      users.users.bowtie-setup = {
        isSystemUser = true;
        group = "bowtie-setup";
        description = "bowtie-setup web wizard";
      };
      users.groups.bowtie-setup = { };

      # The layout, owners and modes set again at every boot (and at every switch). The
      # layout before 0500 let the wizard own the state directory and kept its files there:
      # those go (the draft holds secrets); the wizard makes new ones in web/.
      systemd.tmpfiles.rules = map (d: "d ${d.path} ${d.mode} ${d.user} ${d.group} -") layout ++ [
        "r ${stateDir}/setup-code"
        "r ${stateDir}/draft.json"
        "R ${stateDir}/tls"
      ];

      # The console banner: the wizard's group may write to the console (not read it).
      services.udev.extraRules = ''
        KERNEL=="console", GROUP="bowtie-setup", MODE="0620"
      '';

      networking.useNetworkd = mkDefault true;
      networking.firewall.allowedTCPPorts = mkIf cfg.openFirewall [ 443 80 ];

      # Rebuilds on the appliance (docs/decisions/0404).
      environment.etc."nixos/configuration.nix".source = configurationFile;
      environment.etc."bowtie-setup/release.json".text = builtins.toJSON {
        version = cfg.releaseVersion;
        nixpkgs = nixpkgsStore;
        configuration = "${configurationFile}";
      };
      nix.nixPath = [
        "nixpkgs=${nixpkgsStore}"
        "nixos-config=/etc/nixos/configuration.nix"
      ];
      nix.settings.experimental-features = [ "nix-command" ];
      system.extraDependencies = cfg.offline.extraDependencies;

      systemd.services.bowtie-setup = {
        description = "Bowtie Controller setup wizard";
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        after = [ "network-online.target" "bowtie-setup-cloud-init.service" ];
        unitConfig.ConditionPathExists = "!${handoffMarker}";
        # nix-instantiate reads the active fragment back (review, completion page, /export).
        path = [ config.nix.package ];
        serviceConfig = {
          # The wizard: one person at a time; capped connections (docs/decisions/0620).
          MemoryMax = "1G";
          User = "bowtie-setup";
          Group = "bowtie-setup";
          Restart = "on-failure";
          RestartSec = 2;
          # The claim block goes to the console (the udev rule above lets its group write there), never to the journal.
          ExecStart = "${exe} serve --listen ${cfg.listen} --console /dev/console";

          # Hardening
          NoNewPrivileges = true;
          ProtectSystem = "strict";
          ProtectHome = true;
          PrivateTmp = true;
          ProtectKernelTunables = true;
          ProtectKernelModules = true;
          ProtectKernelLogs = true;
          ProtectControlGroups = true;
          ProtectClock = true;
          ProtectHostname = true;
          ProtectProc = "invisible";
          RestrictNamespaces = true;
          RestrictRealtime = true;
          RestrictSUIDSGID = true;
          LockPersonality = true;
          RemoveIPC = true;
          SystemCallArchitectures = "native";
          UMask = "0077";
          # Ports 443 and 80 need this one capability and nothing else.
          AmbientCapabilities = [ "CAP_NET_BIND_SERVICE" ];
          CapabilityBoundingSet = [ "CAP_NET_BIND_SERVICE" ];
          # Its own files and the spool, nothing else; systemd makes both again at each start
          # should a reset have removed them (owned by the unit's user, kept when it stops).
          ReadWritePaths = [ webDir spoolDir ];
          StateDirectory = "bowtie-setup/web";
          StateDirectoryMode = "0700";
          RuntimeDirectory = "bowtie-setup/spool";
          RuntimeDirectoryMode = "0700";
          RuntimeDirectoryPreserve = "yes";
          PrivateDevices = true;
          BindPaths = [ "/dev/console" ];
          # PrivateDevices closes the device policy: the bound console must be allowed by name,
          # or every write of the claim block fails and the unit restarts in a loop.
          DeviceAllow = [ "/dev/console w" ];
          # AF_NETLINK: listing the interfaces and their addresses.
          RestrictAddressFamilies = [ "AF_INET" "AF_INET6" "AF_UNIX" "AF_NETLINK" ];
          SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ];
          # No MemoryDenyWriteExecute: V8's JIT needs writable and executable memory.
        };
      };

      systemd.services.bowtie-setup-apply = mkMerge [ rebuildUnit {
        description = "Bowtie Controller setup: apply the site configuration";
        # At boot: finish or roll back an apply that a crash interrupted.
        wantedBy = [ "multi-user.target" ];
        after = [ "network-online.target" "local-fs.target" ];
        wants = [ "network-online.target" ];
        serviceConfig = {
          # Runs nixos-rebuild (an evaluation can take gigabytes): a share of the machine.
          MemoryMax = "80%";
          Type = "oneshot";
          ExecStart = "${exe} apply --worker";
          UMask = "0077";
        };
      } ];

      # The wizard may start the worker and do nothing else with systemd.
      security.polkit.enable = true;
      security.polkit.extraConfig = ''
        polkit.addRule(function (action, subject) {
          if (action.id == "org.freedesktop.systemd1.manage-units" &&
              action.lookup("unit") == "bowtie-setup-apply.service" &&
              action.lookup("verb") == "start" &&
              subject.user == "bowtie-setup") {
            return polkit.Result.YES;
          }
        });
      '';
    }

    # One setup agent reads the user data: NixOS's amazon-init would take the same EC2 user
    # data for a Nix configuration and run its own nixos-rebuild. Its option exists only where
    # nixpkgs' amazon image module imported virtualisation/amazon-init.nix (module-list.nix does
    # not): set anywhere else, even under mkIf, it stops the evaluation of the whole image.
    (lib.optionalAttrs (options ? virtualisation.amazon-init.enable) (mkIf cfg.cloudInit.enable {
      virtualisation.amazon-init.enable = mkForce false;
    }))

    (mkIf cfg.cloudInit.enable {
      # Nor cloud-init (which the Proxmox and OpenStack image modules turn on): it would apply
      # the same seed's users, keys and network behind our back.
      services.cloud-init.enable = mkForce false;

      # Headless setup from user data (server/cloud-init/, docs/decisions/0304): once per boot,
      # the command itself makes it once per instance. A volume labelled cidata (NoCloud) is
      # mounted read-only, nosuid, nodev and noexec for the run and unmounted afterwards.
      systemd.services.bowtie-setup-cloud-init = mkMerge [ rebuildUnit {
        description = "Bowtie Controller setup from cloud-init user data";
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        # After cloud-init (when the image has it) so that its copy of the user data is current.
        after = [ "network-online.target" "cloud-init.service" ];
        before = [ "bowtie-setup.service" ];
        serviceConfig = {
          # Applies headless through the worker and nixos-rebuild: a share of the machine.
          MemoryMax = "80%";
          # No RemainAfterExit: the unit ends with the command, so ExecStopPost unmounts at once.
          Type = "oneshot";
          ExecStartPre = "+${mountCidata}";
          ExecStart = "${exe} cloud-init --imds ${escapeShellArg cfg.cloudInit.imdsUrl}";
          ExecStopPost = "+${unmountCidata}";
          # A complete document builds and activates a system: minutes, not seconds.
          TimeoutStartSec = "30min";
          UMask = "0077";
          PrivateTmp = true;
          # Problems with the user data are shown on the console as well as logged.
          StandardOutput = "journal+console";
          StandardError = "journal+console";
        };
      } ];
    })

    (mkIf cfg.console.enable {
      assertions = [
        {
          assertion = lib.unique cfg.console.ttys == cfg.console.ttys && cfg.console.ttys != [ ];
          message = "services.bowtie-setup.console.ttys: list each console once, and at least one";
        }
      ];

      systemd.services = mkMerge ([
        {
          # The menus as one unit: the worker starts it after a reset (server/apply/worker.ts
          # CONSOLE_UNIT), the daemon's start stops it; each menu is part of it.
          bowtie-setup-console = {
            description = "Bowtie Controller setup console menus";
            wantedBy = [ "multi-user.target" ];
            wants = menuUnits;
            conflicts = [ loginUnit ];
            # A switch must not restart it: that would stop the menu that runs the switch.
            restartIfChanged = false;
            stopIfChanged = false;
            unitConfig.X-StopOnRemoval = false;
            unitConfig.ConditionPathExists = "!${handoffMarker}";
            serviceConfig = {
              Type = "oneshot";
              RemainAfterExit = true;
              ExecStart = "${pkgs.coreutils}/bin/true";
              MemoryMax = "16M";
            };
          };

          # Once setup has handed off: the login prompts come back on the menus' consoles.
          bowtie-setup-login = {
            description = "Login prompts on the setup consoles after hand-off";
            conflicts = [ consoleGroup ] ++ menuUnits;
            after = [ consoleGroup ] ++ menuUnits;
            wants = map loginOn cfg.console.ttys;
            before = map loginOn cfg.console.ttys;
            unitConfig.ConditionPathExists = handoffMarker;
            serviceConfig = {
              Type = "oneshot";
              RemainAfterExit = true;
              ExecStart = "${pkgs.coreutils}/bin/true";
              MemoryMax = "16M";
            };
          };
        }
      ] ++ map (tty: {
        "bowtie-setup-console@${tty}" = mkMerge [ rebuildUnit {
          description = "Bowtie Controller setup console menu on ${tty}";
          partOf = [ consoleGroup ];
          after = [ "systemd-user-sessions.service" "bowtie-setup.service" consoleGroup ];
          conflicts = [ loginUnit ];
          unitConfig.ConditionPathExists = "!${handoffMarker}";
          serviceConfig = {
            # The console menu.
            MemoryMax = "256M";
            ExecStartPre = stopLogins tty;
            ExecStart = "${exe} console";
            Restart = "always";
            RestartSec = 1;
            StandardInput = "tty";
            StandardOutput = "tty";
            StandardError = "journal";
            TTYPath = "/dev/${tty}";
            TTYReset = true;
            TTYVHangup = true;
            TTYVTDisallocate = isVt tty;
            UMask = "0077";
          };
        } ];
      }) cfg.console.ttys
      # The login prompts wait for the hand-off (at boot, and when logind would start one).
      ++ map (unit: {
        ${lib.removeSuffix ".service" unit} = {
          overrideStrategy = "asDropin";
          unitConfig.ConditionPathExists = handoffMarker;
        };
      }) (lib.concatMap loginsOn cfg.console.ttys));

      systemd.paths.bowtie-setup-login = {
        description = "Give the consoles back to the login prompts when setup hands off";
        wantedBy = [ "multi-user.target" ];
        pathConfig = {
          PathExists = handoffMarker;
          Unit = loginUnit;
        };
      };
    })

    (mkIf config.bowtie.siteComplete {
      # Hand-off (docs/decisions/0403): the daemon starts once the engine has written the
      # marker after the confirm, and starting it stops the wizard, which frees 443 and 80.
      systemd.services.bowtie_server = {
        conflicts = [ "bowtie-setup.service" ] ++ lib.optionals cfg.console.enable ([ consoleGroup ] ++ menuUnits);
        after = [ "bowtie-setup.service" ];
        unitConfig.ConditionPathExists = handoffMarker;
      };
      # At every boot after the hand-off: nothing the wizard held (its draft, setup code and
      # cloud-init's prefill for it) outlives setup, also when the worker that handed off was
      # stopped before it removed them (docs/decisions/0600). rm removes a link, never its target.
      systemd.services.bowtie-setup-scrub = {
        description = "Remove what the setup wizard held once setup is handed off";
        wantedBy = [ "multi-user.target" ];
        unitConfig.ConditionPathExists = handoffMarker;
        serviceConfig = {
          Type = "oneshot";
          ExecStart = "${pkgs.coreutils}/bin/rm -f ${webDir}/draft.json ${webDir}/setup-code ${stateDir}/shared/cloud-init.json";
          MemoryMax = "64M";
          PrivateNetwork = true;
        };
      };
      systemd.paths.bowtie-setup-handoff = {
        description = "Start the Bowtie Controller daemon when setup hands off";
        wantedBy = [ "multi-user.target" ];
        pathConfig = {
          PathExists = handoffMarker;
          Unit = "bowtie_server.service";
        };
      };
    })
  ]);
}
