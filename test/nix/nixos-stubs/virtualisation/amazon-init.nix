# Stand-in for nixpkgs' nixos/modules/virtualisation/amazon-init.nix: the one option of it our
# modules set, declared as nixpkgs declares it. nixpkgs imports that module from its amazon image
# module only (nixos/modules/virtualisation/amazon-image.nix), not from module-list.nix, so the
# option exists in the amazon format alone; fragments that stand for that format import this file
# (test/nix/modules.test.ts), the others must evaluate without it.
{ lib, ... }:
{
  options.virtualisation.amazon-init.enable = lib.mkOption {
    type = lib.types.bool;
    default = true;
  };
}
