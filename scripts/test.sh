#!/usr/bin/env bash
# The whole test suite: what `npm test` and CI run. Installs what the tests need (npm packages;
# nix-bin and chromium through apt-get when run as root) and fails naming any tool it cannot
# get, rather than letting a test skip itself.
set -euo pipefail
cd "$(dirname "$0")/.."

need_debian() { # tool package
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing $2 (for $1)" >&2
    if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq >&2; APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >&2
  fi
  command -v "$1" >/dev/null 2>&1 || { echo "test: missing tool $1 (Debian package $2); install it and run again" >&2; exit 1; }
}
need_debian nix-instantiate nix-bin
need_debian chromium chromium
# The reference programs the field rules are checked against (test/config/*-oracle.test.ts).
need_debian systemd-analyze systemd
need_debian ssh-keygen openssh-client
need_debian openssl openssl
need_debian perl perl-base # crypt(3) through perl's crypt builtin
# cloud-init's own network-config reader (test/cloud-init/network-config-oracle.test.ts).
need_debian cloud-init cloud-init
# The installer ISO's install program, run against files standing in for disks
# (test/installer/install.test.ts).
need_debian sfdisk fdisk
need_debian wipefs util-linux
need_debian flock util-linux
need_debian jq jq
need_debian zstd zstd
# writeShellApplication runs shellcheck on the install program when the ISO is built; CI runs it first.
need_debian shellcheck shellcheck

node scripts/ensure-deps.mjs
# argon2 is a native module: make sure it loads before blaming a test for it.
node -e "import('argon2').then((a) => a.hash('check'))" || { echo "test: the argon2 native module does not load" >&2; exit 1; }

echo "test: type checking" >&2
npx tsc --noEmit
echo "test: format (prettier --check) and lint (typescript-eslint, strict and type-aware)" >&2
npx prettier --check --log-level warn .
npx eslint --max-warnings 0 .
echo "test: nix-instantiate --parse on every .nix file" >&2
git ls-files -co --exclude-standard -- '*.nix' | while read -r f; do
  nix-instantiate --parse "$f" >/dev/null || { echo "test: $f does not parse" >&2; exit 1; }
done
npx vitest run "$@"
