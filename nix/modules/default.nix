# Everything the appliance needs from this repository: the wizard, the site options and the
# scheduled update. The image also imports the vendor's services.bowtie_server module.
{
  imports = [
    ./setup.nix
    ./site.nix
    ./update.nix
  ];
}
