# Who maintains this repository's NixOS modules (their meta.maintainers): the appliance team,
# as a placeholder in nixpkgs' maintainer format (nixpkgs maintainers/maintainer-list.nix), not
# a person's handle. Point the email at the team's real address when it has one.
{
  bowtie-appliance-team = {
    name = "Bowtie appliance team";
    email = "appliance-team@bowtie.invalid";
  };
}
