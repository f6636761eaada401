{
  description = "bowtie-setup: the first-boot setup wizard of the Bowtie Controller NixOS appliance";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";
    nixos-generators = {
      url = "github:nix-community/nixos-generators";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs =
    { self, nixpkgs, nixos-generators }:
    let
      inherit (nixpkgs) lib;
      system = "x86_64-linux";
      # bowtie-setup is unfree (proprietary): the checks and packages allow exactly it.
      pkgs = import nixpkgs {
        inherit system;
        config.allowUnfreePredicate = pkg: builtins.elem (lib.getName pkg) [ "bowtie-setup" ];
      };

      # The lock names no npm registry (nix/npm-lock.nix): the builder hands theirs in, as
      # mkController's npmRegistry or, for `nix build --impure`, in BOWTIE_NPM_REGISTRY.
      envRegistry = let r = builtins.getEnv "BOWTIE_NPM_REGISTRY"; in if r == "" then null else r;
      packageFor = npmRegistry: pkgs.callPackage ./nix/package.nix { inherit npmRegistry; };

      # The image formats the appliance ships in (nixos-generators format names).
      formats = [ "amazon" "gce" "hyperv" "proxmox" "qcow" "qcow-efi" "raw-efi" "vmware" ];

      # One Controller configuration for every format. `modules` must be files (strings or
      # paths inside a store path, e.g. "${inputs.bowtie.outPath}/nixos/bowtie-server.nix"):
      # the appliance re-imports them from /etc/nixos/configuration.nix to rebuild itself.
      # `bowtieServerModule` is the vendor's services.bowtie_server module; the default only
      # declares the interface (nix/modules/bowtie-server-interface.nix) and warns.
      mkController =
        {
          format,
          bowtieServerModule ? "${self}/nix/modules/bowtie-server-interface.nix",
          modules ? [ ],
          update ? { },
          npmRegistry ? envRegistry,
        }:
        let
          imageModules = [
            "${nixos-generators}/format-module.nix"
            "${nixos-generators}/formats/${format}.nix"
            "${self}/nix/controller.nix"
            bowtieServerModule
          ] ++ modules;
        in
        lib.nixosSystem {
          modules = imageModules ++ [
            {
              services.bowtie-setup.package = lib.mkDefault (packageFor npmRegistry);
              services.bowtie-setup.configurationImports = imageModules;
              services.bowtie-update = update;
            }
          ];
        };

      # Placeholder update endpoints for the reference images: an image maintainer passes the
      # real ones (README "Building appliance images").
      referenceUpdate = {
        metadataUrl = "https://updates.bowtie.invalid/controller/{channel}.json";
        cacheUrl = "https://cache.bowtie.invalid";
        trustedPublicKeys = [ "bowtie-reference-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
      };

      controllers = lib.genAttrs formats (format: mkController { inherit format; update = referenceUpdate; });
      imageOf = cfg: cfg.config.system.build.${cfg.config.formatAttr};
    in
    {
      lib = { inherit mkController formats packageFor; };

      packages.${system} =
        {
          bowtie-setup = packageFor envRegistry;
          default = self.packages.${system}.bowtie-setup;
        }
        // lib.mapAttrs' (format: cfg: lib.nameValuePair "image-${format}" (imageOf cfg)) controllers;

      nixosModules = {
        default = ./nix/modules;
        setup = ./nix/modules/setup.nix;
        site = ./nix/modules/site.nix;
        update = ./nix/modules/update.nix;
        bowtie-server-interface = ./nix/modules/bowtie-server-interface.nix;
      };

      nixosConfigurations = lib.mapAttrs' (format: cfg: lib.nameValuePair "controller-${format}" cfg) controllers;

      checks.${system} =
        {
          package = self.packages.${system}.bowtie-setup;

          # The console menus follow the format's kernel console (docs/decisions/0524): the
          # formats a cloud reads over the serial port get a menu there, every format on tty1.
          console-ttys =
            let
              got = lib.mapAttrs (_: c: c.config.services.bowtie-setup.console.ttys) controllers;
              serial = [ "amazon" "gce" "proxmox" ];
              wrong = lib.filterAttrs (format: ttys: if builtins.elem format serial then ttys != [ "tty1" "ttyS0" ] else !(builtins.elem "tty1" ttys)) got;
            in
            if wrong == { } then pkgs.runCommand "console-ttys" { } "touch $out"
            else throw "services.bowtie-setup.console.ttys per format: ${builtins.toJSON wrong}";
        }
        // import ./nix/tests {
          inherit pkgs self;
        };

      devShells.${system}.default = pkgs.mkShell {
        packages = [
          pkgs.nodejs_20
          pkgs.nix
          pkgs.chromium
          pkgs.python3
        ];
        shellHook = ''
          export NIXPKGS_LIB=${nixpkgs}
        '';
      };
      # Older Nix reads `devShell`.
      devShell.${system} = self.devShells.${system}.default;

      formatter.${system} = pkgs.nixfmt-rfc-style;
    };
}
