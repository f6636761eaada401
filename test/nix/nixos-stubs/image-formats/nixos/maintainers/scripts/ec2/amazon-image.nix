# Stand-in for nixpkgs nixos/maintainers/scripts/ec2/amazon-image.nix (image.modules.amazon),
# which imports the configuration module below; what it adds (the image build) touches nothing of ours.
{
  imports = [ ../../../modules/virtualisation/amazon-image.nix ];
}
