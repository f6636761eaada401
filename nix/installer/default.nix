# The installer ISO for bare metal (docs/decisions/0672): an installer, not a live system. It
# boots (UEFI or BIOS, from a DVD or a USB stick), shows on tty1 and the serial console which
# disks it may write, and writes the Controller's raw-efi image to the one the operator names
# twice (or the kernel command line names with bowtie.install.erase=yes), then reboots into it;
# the installed appliance's first boot is the normal setup wizard. The image grows its root
# partition to the disk on that first boot (nixpkgs' disk-image.nix: boot.growPartition and
# autoResize).
#
# Not under nix/images/: those files are the appliance's own formats, re-imported when it
# rebuilds itself. This one is a separate NixOS system whose only job is the install
# (flake.nix: lib.mkInstaller).
{ config, lib, pkgs, modulesPath, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.bowtie.installer;
  ttys = [ "tty1" "ttyS0" ];

  # What the medium carries beside the installer system, outside its Nix store (/iso/bowtie at
  # run time): the image compressed, and what the install program checks the disk against.
  payload = pkgs.runCommand "bowtie-controller-raw-efi-payload" { nativeBuildInputs = [ pkgs.zstd pkgs.util-linux ]; } ''
    mkdir -p "$out"
    img=${lib.escapeShellArg cfg.imageFile}
    zstd --quiet -T0 -9 -o "$out/controller.img.zst" "$img"
    sha256sum "$img" | cut -d ' ' -f 1 > "$out/controller.img.sha256"
    stat -c %s "$img" > "$out/controller.img.size"
    sfdisk --disk-id "$img" > "$out/controller.img.disk-id"
  '';
  payloadMount = "/iso/bowtie";

  # lvm.conf(5): a volume list that is defined and empty selects no logical volume, for
  # `vgchange -ay` (volume_list) and for event or `-aay` activation (auto_activation_volume_list).
  noLvmActivation = ''
    activation {
      volume_list = [ ]
      auto_activation_volume_list = [ ]
    }
  '';

  install = pkgs.writeShellApplication {
    name = "bowtie-install";
    runtimeInputs = [ pkgs.util-linux pkgs.jq pkgs.zstd pkgs.coreutils ];
    text = builtins.readFile ./bowtie-install.sh;
  };

  # The login prompts NixOS would put on these consoles: the installer owns them, and nobody
  # can log in anyway (no password, no SSH).
  loginsOn = tty: if lib.hasPrefix "ttyS" tty then [ "serial-getty@${tty}" ] else [ "getty@${tty}" "autovt@${tty}" ];
in
{
  imports = [
    "${modulesPath}/installer/cd-dvd/iso-image.nix"
    # What nixpkgs' own installation media add for bare metal: the storage, USB and firmware
    # drivers in stage 1, so that it finds the medium on any machine.
    "${modulesPath}/profiles/all-hardware.nix"
  ];

  options.bowtie.installer = {
    image = mkOption {
      type = types.package;
      description = ''
        The Controller's raw-efi disk image that the installer writes:
        `config.system.build.images.raw-efi` of a `lib.mkController` result (flake.nix's
        `lib.mkInstaller` sets it).
      '';
    };
    imageFile = mkOption {
      type = types.str;
      default = "${cfg.image}/${cfg.image.passthru.filePath}";
      defaultText = lib.literalExpression ''"''${bowtie.installer.image}/''${bowtie.installer.image.passthru.filePath}"'';
      description = "The raw disk image file inside {option}`bowtie.installer.image` (nixpkgs' images.nix names it in passthru.filePath).";
    };
    volumeID = mkOption {
      type = types.strMatching "[A-Za-z0-9_-]{1,32}";
      default = "bowtie-controller-installer";
      description = ''
        The ISO's volume ID: stage 1 finds the medium by it, and the install program never
        offers a disk that carries it.
      '';
    };
  };

  config = {
    nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
    system.stateVersion = "25.05";
    networking.hostName = "bowtie-installer";

    image.baseName = "bowtie-controller-installer-${config.system.nixos.label}";
    isoImage = {
      inherit (cfg) volumeID;
      makeEfiBootable = true;
      makeBiosBootable = true;
      # isohybrid: the same file boots written to a USB stick with dd.
      makeUsbBootable = true;
      prependToMenuLabel = "Install the Bowtie Controller (";
      appendToMenuLabel = ")";
      contents = [
        {
          source = payload;
          target = "/bowtie";
        }
      ];
    };

    # Kernel and systemd messages on the serial console too; tty0 last, so it is /dev/console.
    boot.kernelParams = [ "console=ttyS0,115200n8" "console=tty0" ];

    # Nothing to log in to and nothing to reach it by: no SSH, no password, no network.
    services.openssh.enable = lib.mkForce false;
    users.mutableUsers = false;
    users.allowNoPasswordLogin = true;
    users.users.root.hashedPassword = lib.mkForce "!";
    networking.useDHCP = lib.mkForce false;
    networking.wireless.enable = lib.mkForce false;
    documentation.enable = false;

    # A reused disk's old LVM volume groups and MD arrays stay down: the install program refuses
    # a disk in use by them, and the installer has no shell to stop them. NixOS turns LVM on by
    # default (nixos/modules/tasks/lvm.nix: services.lvm.enable, its udev rules and units in
    # stage 2); MD (tasks/swraid.nix: boot.swraid.enable, mdadm's udev rules) is off from
    # stateVersion 23.11 and kept off here whatever the state version. The scripted stage 1 runs
    # `lvm vgchange -ay` on every disk whatever the option says: an lvm.conf whose volume lists
    # are defined and empty, written before udev starts (preDeviceCommands), activates none.
    # systemd's stage 1 has no preDeviceCommands and runs LVM only with
    # boot.initrd.services.lvm.enable, kept off.
    services.lvm.enable = lib.mkForce false;
    boot.initrd.services.lvm.enable = lib.mkForce false;
    boot.swraid.enable = lib.mkForce false;
    boot.initrd.preDeviceCommands = lib.mkIf (!config.boot.initrd.systemd.enable) ''
      mkdir -p /etc/lvm
      printf '%s' ${lib.escapeShellArg noLvmActivation} > /etc/lvm/lvm.conf
    '';
    environment.etc."lvm/lvm.conf".text = lib.mkAfter noLvmActivation;

    environment.systemPackages = [ install ];

    systemd.services = lib.listToAttrs (
      map (tty: {
        name = "bowtie-install@${tty}";
        value = {
          description = "Bowtie Controller installer on ${tty}";
          wantedBy = [ "multi-user.target" ];
          after = [ "systemd-user-sessions.service" "local-fs.target" ];
          conflicts = map (u: "${u}.service") (loginsOn tty);
          unitConfig = {
            # Exit 0 is "installed": restart into the installed appliance. A refusal or a
            # failure leaves its message on the console and reboots nothing.
            SuccessAction = "reboot";
            RequiresMountsFor = payloadMount;
          };
          serviceConfig = {
            Type = "idle";
            ExecStart = "${install}/bin/bowtie-install --payload ${payloadMount} --boot-label ${cfg.volumeID}";
            StandardInput = "tty";
            StandardOutput = "tty";
            StandardError = "tty";
            TTYPath = "/dev/${tty}";
            TTYReset = true;
            TTYVHangup = true;
          };
        };
      }) ttys
      ++ map (unit: {
        name = unit;
        value.enable = false;
      }) (lib.concatMap loginsOn ttys)
    );
  };
}
