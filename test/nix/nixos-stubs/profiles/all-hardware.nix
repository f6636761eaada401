# Stand-in for nixpkgs' nixos/modules/profiles/all-hardware.nix in test/nix/eval-installer.nix:
# nixpkgs' module only adds stage-1 drivers and firmware, which these evaluations do not look at.
{ }
