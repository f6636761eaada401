# Image variant google-compute: Google Compute Engine (.raw.tar.gz).
# The same nixpkgs image module that nixpkgs' own image.modules.google-compute names
# (nixos/modules/image/images.nix), as a file: the appliance re-imports it from
# /etc/nixos/configuration.nix whenever it rebuilds itself, so its disks and boot loader stay
# the image's (docs/decisions/0404, 0671).
{ modulesPath, ... }:
{
  imports = [ "${modulesPath}/virtualisation/google-compute-image.nix" ];
  # One setup agent (issue 11, as amazon-init on the AMI): the guest environment runs the
  # instance metadata's startup and shutdown scripts as root, a second way to configure the
  # appliance beside the setup's own cloud-init. An enable = false unit is masked, also where a
  # package ships it (docs/decisions/0674).
  systemd.services.google-startup-scripts.enable = false;
  systemd.services.google-shutdown-scripts.enable = false;
  services.bowtie-setup.configurationImports = [ (toString ./google-compute.nix) ];
}
