# Stand-in for nixpkgs' nixos/modules/installer/cd-dvd/iso-image.nix (and the
# nixos/modules/image/file-options.nix it imports) in test/nix/eval-installer.nix: the options
# of it the installer sets, declared as nixpkgs declares them (types simplified, defaults as
# nixpkgs' on x86_64), so that a misspelt one fails the evaluation here instead of in a build;
# and the kernel parameters and the volume ID assertion it adds.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
in
{
  options.image = {
    baseName = mkOption { type = types.str; };
    extension = mkOption { type = types.str; };
    fileName = mkOption { type = types.str; default = "${config.image.baseName}.${config.image.extension}"; };
    filePath = mkOption { type = types.str; default = config.image.fileName; };
  };
  options.isoImage = {
    compressImage = mkOption { type = types.bool; default = false; };
    squashfsCompression = mkOption { type = types.nullOr types.str; default = "xz -Xdict-size 100% -Xbcj x86"; };
    edition = mkOption { type = types.str; default = ""; };
    volumeID = mkOption { type = types.str; default = "nixos-26.05-x86_64"; };
    contents = mkOption { type = types.listOf (types.attrsOf types.anything); default = [ ]; };
    storeContents = mkOption { type = types.listOf types.anything; default = [ ]; };
    includeSystemBuildDependencies = mkOption { type = types.bool; default = false; };
    makeBiosBootable = mkOption { type = types.bool; default = true; };
    makeEfiBootable = mkOption { type = types.bool; default = false; };
    makeUsbBootable = mkOption { type = types.bool; default = false; };
    grubTheme = mkOption { type = types.nullOr types.anything; default = null; };
    prependToMenuLabel = mkOption { type = types.str; default = ""; };
    appendToMenuLabel = mkOption { type = types.str; default = " Installer"; };
    forceTextMode = mkOption { type = types.bool; default = false; };
  };
  config = {
    image.extension = "iso";
    assertions = [
      {
        assertion = builtins.stringLength config.isoImage.volumeID <= 32;
        message = "isoImage.volumeID ${config.isoImage.volumeID} is longer than the limit of 32.";
      }
    ];
    boot.kernelParams = [ "root=LABEL=${config.isoImage.volumeID}" "boot.shell_on_fail" ];
  };
}
