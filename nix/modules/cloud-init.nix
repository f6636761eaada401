# services.bowtie-setup-cloud-init: headless setup from cloud-init user data at boot.
#
# A oneshot unit runs `bowtie-setup cloud-init` once per boot; the command itself makes it once
# per instance (markers in /var/lib/bowtie-setup/applied/). It reads, first found wins:
# cloud-init's own copy of the user data, a NoCloud seed under /var/lib/cloud/seed/, a
# filesystem labelled cidata, and the EC2 metadata service (IMDSv2). The cidata volume is
# mounted here, read-only, nosuid, nodev and noexec, at /run/bowtie-setup/cidata for the run
# and unmounted afterwards (server/cloud-init/sources.ts, docs/decisions/0304-user-data-sources.md).
#
# Its output (never the user data itself) goes to the journal and the VM console.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkEnableOption mkIf mkOption types literalExpression;

  cfg = config.services.bowtie-setup-cloud-init;
  mountPoint = "/run/bowtie-setup/cidata";

  mountCidata = pkgs.writeShellScript "bowtie-setup-mount-cidata" ''
    set -eu
    ${pkgs.coreutils}/bin/mkdir -p -m 0700 ${mountPoint}
    for label in cidata CIDATA; do
      if [ -e "/dev/disk/by-label/$label" ]; then
        ${pkgs.util-linux}/bin/mount -o ro,nosuid,nodev,noexec "/dev/disk/by-label/$label" ${mountPoint}
        break
      fi
    done
  '';

  unmountCidata = pkgs.writeShellScript "bowtie-setup-unmount-cidata" ''
    if ${pkgs.util-linux}/bin/mountpoint -q ${mountPoint}; then
      ${pkgs.util-linux}/bin/umount ${mountPoint}
    fi
  '';
in
{
  options.services.bowtie-setup-cloud-init = {
    enable = mkEnableOption "headless setup from cloud-init user data (the bowtie_setup key)";

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ../package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./nix/package.nix { }";
      description = "The bowtie-setup package whose `cloud-init` command runs.";
    };

    imdsUrl = mkOption {
      type = types.str;
      default = "http://169.254.169.254";
      description = "The EC2 instance metadata service (IMDSv2 only).";
    };
  };

  config = mkIf cfg.enable {
    systemd.services.bowtie-setup-cloud-init = {
      description = "bowtie-setup: headless setup from cloud-init user data";
      wantedBy = [ "multi-user.target" ];
      wants = [ "network-online.target" ];
      # After cloud-init (when the image has it) so that its copy of the user data is current.
      after = [ "network-online.target" "cloud-init.service" ];
      # The apply it may start switches the system; the unit must survive that switch.
      restartIfChanged = false;
      stopIfChanged = false;
      serviceConfig = {
        # No RemainAfterExit: the unit ends with the command, so ExecStopPost unmounts cidata at once.
        Type = "oneshot";
        ExecStartPre = "+${mountCidata}";
        ExecStart = "${cfg.package}/bin/bowtie-setup cloud-init --imds ${lib.escapeShellArg cfg.imdsUrl}";
        ExecStopPost = "+${unmountCidata}";
        # A complete document builds and activates a system: minutes, not seconds.
        TimeoutStartSec = "30min";
        StandardOutput = "journal+console";
        StandardError = "journal+console";
        UMask = "0077";
        PrivateTmp = true;
      };
    };
  };
}
