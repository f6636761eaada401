{
  description = "bowtie-setup: the first-boot setup wizard of the Bowtie Controller NixOS appliance";

  # nixpkgs from the nixos-26.05-small channel: a channel moves only after Hydra built and
  # tested the commit (the NixOS tests of the release), which a branch of the repository does
  # not promise. flake.lock pins the exact tarball (its revision and narHash); `nix flake update`
  # moves it to the channel's newest commit, a reviewed change (README "Pinning nixpkgs",
  # docs/decisions/0673).
  inputs.nixpkgs.url = "https://channels.nixos.org/nixos-26.05-small/nixexprs.tar.zst";

  outputs =
    { self, nixpkgs }:
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

      # The image variants the appliance ships in, by nixpkgs' variant names
      # (`nixos-rebuild build-image --image-variant <name>`): AMI, GCE, Hyper-V, Proxmox, VMDK,
      # qcow2 (BIOS and UEFI) and a raw UEFI disk. Each is a file under nix/images/.
      imageModules = {
        amazon = ./nix/images/amazon.nix;
        google-compute = ./nix/images/google-compute.nix;
        hyperv = ./nix/images/hyperv.nix;
        proxmox = ./nix/images/proxmox.nix;
        qemu = ./nix/images/qemu.nix;
        qemu-efi = ./nix/images/qemu-efi.nix;
        raw-efi = ./nix/images/raw-efi.nix;
        vmware = ./nix/images/vmware.nix;
      };
      formats = builtins.attrNames imageModules;

      # The Controller configuration every image is built from, with nixpkgs' own image
      # machinery: config.system.build.images.<variant> is the image (nixos/modules/image/
      # images.nix). `modules` must be files (strings or paths inside a store path, e.g.
      # "${inputs.bowtie.outPath}/nixos/bowtie-server.nix"): the appliance re-imports them from
      # /etc/nixos/configuration.nix to rebuild itself. `bowtieServerModule` is the vendor's
      # services.bowtie_server module; the default only declares the interface
      # (nix/modules/bowtie-server-interface.nix) and warns.
      mkController =
        {
          bowtieServerModule ? "${self}/nix/modules/bowtie-server-interface.nix",
          modules ? [ ],
          update ? { },
          npmRegistry ? envRegistry,
        }:
        let
          configurationModules = [
            "${self}/nix/controller.nix"
            bowtieServerModule
          ] ++ modules;
        in
        lib.nixosSystem {
          modules = configurationModules ++ [
            {
              services.bowtie-setup.package = lib.mkDefault (packageFor npmRegistry);
              services.bowtie-setup.configurationImports = configurationModules;
              services.bowtie-update = update;
              # nixpkgs' variants of these names are replaced by ours: the same nixpkgs image
              # modules, plus the file the appliance re-imports (nix/images/).
              image.modules = lib.mapAttrs (_: lib.mkForce) imageModules;
            }
          ];
        };

      # One variant's configuration (what its image boots): the Controller extended with the
      # variant's module, as nixpkgs' images.nix does. Its system.build.toplevel is the base
      # system an update publishes for appliances of this format.
      forFormat = controller: format: controller.extendModules { modules = [ imageModules.${format} ]; };

      # Placeholder update endpoints for the reference images: an image maintainer passes the
      # real ones (README "Building appliance images").
      referenceUpdate = {
        metadataUrl = "https://updates.bowtie.invalid/controller/{channel}.json";
        cacheUrl = "https://cache.bowtie.invalid";
        trustedPublicKeys = [ "bowtie-reference-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" ];
      };

      # The installer ISO for bare metal (nix/installer/, docs/decisions/0672): a NixOS system of
      # its own that carries `controller`'s raw-efi image (a mkController result) and writes it
      # to a disk. `modules` are added to the installer, e.g. the kernel parameters of an
      # unattended install (README "Installing on bare metal"). Its ISO is
      # config.system.build.isoImage.
      mkInstaller =
        {
          controller,
          modules ? [ ],
        }:
        lib.nixosSystem {
          modules = [
            ./nix/installer
            { bowtie.installer.image = controller.config.system.build.images.raw-efi; }
          ] ++ modules;
        };

      controller = mkController { update = referenceUpdate; };
      maintainers = import ./nix/maintainers.nix;
    in
    {
      lib = { inherit mkController mkInstaller forFormat formats imageModules packageFor maintainers; };

      # pkgs.bowtie-setup, the default of services.bowtie-setup.package (mkPackageOption) for a
      # configuration that imports nixosModules.default instead of using mkController.
      overlays.default = final: _prev: {
        bowtie-setup = final.callPackage ./nix/package.nix { npmRegistry = envRegistry; };
      };

      packages.${system} =
        {
          bowtie-setup = packageFor envRegistry;
          default = self.packages.${system}.bowtie-setup;
        }
        // lib.mapAttrs' (format: _: lib.nameValuePair "image-${format}" controller.config.system.build.images.${format}) imageModules
        // {
          # The installer ISO for bare metal: writes image-raw-efi to a disk.
          image-iso = (mkInstaller { inherit controller; }).config.system.build.isoImage;
        };

      nixosModules = {
        default = ./nix/modules;
        setup = ./nix/modules/setup.nix;
        site = ./nix/modules/site.nix;
        update = ./nix/modules/update.nix;
        bowtie-server-interface = ./nix/modules/bowtie-server-interface.nix;
      };

      nixosConfigurations = lib.mapAttrs' (format: _: lib.nameValuePair "controller-${format}" (forFormat controller format)) imageModules;

      checks.${system} =
        {
          package = self.packages.${system}.bowtie-setup;

          # The console menus follow the format's kernel console (docs/decisions/0524): the
          # formats a cloud reads over the serial port get a menu there, every format on tty1.
          console-ttys =
            let
              got = lib.mapAttrs (format: _: (forFormat controller format).config.services.bowtie-setup.console.ttys) imageModules;
              serial = [ "amazon" "google-compute" "proxmox" ];
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
          pkgs.nodejs_24
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

      formatter.${system} = pkgs.nixfmt;
    };
}
