# Image variant amazon: Amazon EC2 (a VHD to register as an AMI).
# The same nixpkgs image module that nixpkgs' own image.modules.amazon names
# (nixos/modules/image/images.nix), as a file: the appliance re-imports it from
# /etc/nixos/configuration.nix whenever it rebuilds itself, so its disks and boot loader stay
# the image's (docs/decisions/0404, 0671).
{ modulesPath, ... }:
{
  imports = [ "${modulesPath}/../maintainers/scripts/ec2/amazon-image.nix" ];
  services.bowtie-setup.configurationImports = [ (toString ./amazon.nix) ];
}
