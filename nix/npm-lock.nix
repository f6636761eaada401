# package-lock.json carries no `resolved` URLs on purpose: the repository names no package
# registry (npm's omit-lockfile-registry-resolved). nixpkgs' npm fetchers need a URL for each
# package, so whoever builds the image hands in their npm registry's base URL, and this pure
# function gives every package npm would download its tarball URL (npm's own layout:
# <registry>/<name>/-/<basename>-<version>.tgz), fetched and checked by its `integrity` hash.
{ lib }:
let
  # Installed under node_modules/<name> (the last one when nested); an alias names the real one.
  nameOf = path: value: value.name or (lib.last (lib.splitString "node_modules/" path));

  # Downloaded by npm: not the root, not a link to a local folder, not inside a parent's tarball.
  downloaded = path: value:
    path != "" && !(value.link or false) && !(value.inBundle or false) && value ? version && value ? integrity;

  tarballUrl = registry: path: value:
    let
      name = nameOf path value;
      basename = lib.last (lib.splitString "/" name);
    in
    "${lib.removeSuffix "/" registry}/${name}/-/${basename}-${value.version}.tgz";
in
rec {
  # The lock with a `resolved` URL on every downloaded package (as npm would write it).
  withRegistry = { lock, registry }:
    assert lib.assertMsg (lib.hasPrefix "https://" registry || lib.hasPrefix "http://" registry)
      "npmRegistry must be your npm registry's base URL (http:// or https://)";
    lock // {
      packages = lib.mapAttrs
        (path: value: if downloaded path value && !(value ? resolved) then value // { resolved = tarballUrl registry path value; } else value)
        lock.packages;
    };

  # What gets fetched: one { path; url; hash; } per downloaded package.
  fetchList = { lock, registry }:
    let resolved = (withRegistry { inherit lock registry; }).packages;
    in lib.mapAttrsToList (path: value: { inherit path; url = value.resolved; hash = value.integrity; })
      (lib.filterAttrs downloaded resolved);
}
