# Writes the outbound proxy's variables, credentials included, into a root-only file for
# systemd's EnvironmentFile= (docs/decisions/0670). Run as root by a unit's ExecStartPre, so the
# credentials are read from their secret file at start and never enter the Nix store.
#   proxy-env [--optional] CREDENTIALS_FILE OUT_FILE URL     (URL: http[s]://host:port, no credentials)
# --optional (nix-daemon, which must start in any case): when the credentials file is absent
# or malformed, the variables carry the URL without credentials and the start goes on.
set -euo pipefail
umask 077
optional=false
if [[ ${1-} == --optional ]]; then
  optional=true
  shift
fi
case "$3" in
  http://* | https://*) ;;
  *)
    echo "bowtie proxy-env: the proxy URL is not http(s)://host:port" >&2
    exit 1
    ;;
esac
# The previous start's file never outlives a failed one: its credentials may have been withdrawn.
rm -f -- "$2" "$2.new"
write() {
  printf 'HTTP_PROXY=%s\nHTTPS_PROXY=%s\nhttp_proxy=%s\nhttps_proxy=%s\n' "$1" "$1" "$1" "$1" >"$2.new"
  mv -f "$2.new" "$2"
}
if $optional && [[ ! -f $1 ]]; then
  echo "bowtie proxy-env: $1 is absent; the proxy is used without credentials" >&2
  write "$3" "$2"
  exit 0
fi
credentials=$(<"$1")
# bowtie-setup writes user[:password] percent-encoded (server/config/proxy.ts): nothing in it
# that an environment file, a URL or a shell would read specially. Anything else is refused
# without being shown.
if [[ ! $credentials =~ ^[A-Za-z0-9._~%-]+(:[A-Za-z0-9._~%-]*)?$ ]]; then
  if $optional; then
    echo "bowtie proxy-env: $1 does not hold percent-encoded proxy credentials; the proxy is used without them" >&2
    write "$3" "$2"
    exit 0
  fi
  echo "bowtie proxy-env: $1 does not hold percent-encoded proxy credentials" >&2
  exit 1
fi
write "${3%%://*}://${credentials}@${3#*://}" "$2"
