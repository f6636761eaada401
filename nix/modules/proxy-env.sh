# Writes the outbound proxy's variables, credentials included, into a root-only file for
# systemd's EnvironmentFile= (docs/decisions/0670). Run as root by a unit's ExecStartPre, so the
# credentials are read from their secret file at start and never enter the Nix store.
#   proxy-env CREDENTIALS_FILE OUT_FILE URL     (URL: http[s]://host:port, no credentials)
set -euo pipefail
umask 077
case "$3" in
  http://* | https://*) ;;
  *)
    echo "bowtie proxy-env: the proxy URL is not http(s)://host:port" >&2
    exit 1
    ;;
esac
credentials=$(<"$1")
# bowtie-setup writes user[:password] percent-encoded (server/config/proxy.ts): nothing in it
# that an environment file, a URL or a shell would read specially. Anything else is refused
# without being shown.
if [[ ! $credentials =~ ^[A-Za-z0-9._~%-]+(:[A-Za-z0-9._~%-]*)?$ ]]; then
  echo "bowtie proxy-env: $1 does not hold percent-encoded proxy credentials" >&2
  exit 1
fi
url="${3%%://*}://${credentials}@${3#*://}"
printf 'HTTP_PROXY=%s\nHTTPS_PROXY=%s\nhttp_proxy=%s\nhttps_proxy=%s\n' "$url" "$url" "$url" "$url" >"$2.new"
mv -f "$2.new" "$2"
