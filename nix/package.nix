# The wizard as a Nix package: the TypeScript compiled ahead of time (npm run build -> dist/),
# the production dependencies only, and a wrapper running the compiled CLI with Node 24 (docs/decisions/0673).
# npm dependencies come from package-lock.json through importNpmLock (each tarball by its
# integrity hash), so there is no npmDepsHash to keep in step with the lock file. The lock names
# no registry: `npmRegistry` is your npm registry's base URL (README: building images), and
# ./npm-lock.nix gives every package its tarball URL there.
{
  lib,
  npmRegistry ? null,
  buildNpmPackage,
  importNpmLock,
  nodejs_24,
  python3,
  makeWrapper,
}:
let
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../package.json
      ../package-lock.json
      ../tsconfig.json
      ../tsconfig.build.json
      ../scripts/build.mjs
      # Not sim/ (the nixos-rebuild simulator) nor scripts/bench/: the package ships neither
      # (docs/decisions/0660; test/build/bundle.test.ts).
      ../bin
      ../server
      (lib.fileset.maybeMissing ../views)
    ];
  };
in
buildNpmPackage {
  pname = "bowtie-setup";
  version = (lib.importJSON ../package.json).version;
  inherit src;
  nodejs = nodejs_24;

  npmDeps = importNpmLock {
    npmRoot = src;
    packageLock =
      if npmRegistry == null then
        throw "bowtie-setup: pass npmRegistry (your npm registry's base URL) to build the package; see the README"
      else
        (import ./npm-lock.nix { inherit lib; }).withRegistry {
          lock = lib.importJSON ../package-lock.json;
          registry = npmRegistry;
        };
  };
  # The hook compiles argon2 with node-gyp against its nodejs's headers (nodeSrc): the same
  # Node.js the wrapper runs, or the addon's ABI would not match at run time.
  npmConfigHook = importNpmLock.npmConfigHook.override { nodejs = nodejs_24; };

  # argon2 is built from source (node-gyp) rather than taking the prebuilt binary from npm.
  nativeBuildInputs = [ python3 makeWrapper ];
  env.npm_config_build_from_source = "true";

  npmBuildScript = "build";

  installPhase = ''
    runHook preInstall
    npm prune --omit=dev --no-save
    # tsx only runs the sources in a clone (docs/decisions/0007); the package runs dist/.
    rm -rf node_modules/tsx node_modules/esbuild node_modules/@esbuild node_modules/get-tsconfig node_modules/resolve-pkg-maps
    mkdir -p $out/lib/bowtie-setup $out/bin
    cp -r dist/. $out/lib/bowtie-setup/
    cp -r node_modules $out/lib/bowtie-setup/
    makeWrapper ${lib.getExe nodejs_24} $out/bin/bowtie-setup \
      --add-flags $out/lib/bowtie-setup/server/main.js \
      --set NODE_ENV production
    runHook postInstall
  '';

  doInstallCheck = true;
  installCheckPhase = ''
    $out/bin/bowtie-setup --version | grep -qx ${lib.escapeShellArg (lib.importJSON ../package.json).version}
  '';

  meta = {
    description = "First-boot setup wizard of the Bowtie Controller NixOS appliance";
    mainProgram = "bowtie-setup";
    license = lib.licenses.unfree;
    platforms = lib.platforms.linux;
  };
}
