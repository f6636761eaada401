# No secret of the document reaches the Nix store. The document, with every kind of secret it
# has (admin password, console password hash, enrollment token, TLS private key), gets them at
# run time (the rest is ./documents/store-secret-scan.json) and is served by the metadata
# service, so none of its secrets is in any store before the apply, nor in this repository
# (whose source is in the appliance's closure). After a complete apply and hand-off, every store
# path valid in the appliance's Nix database and everything the appliance wrote under the store
# (the overlay's upper layer, on the VM's disk; the lower one is the host's store, shared
# read-only) are searched for each secret. A canary added to the store on purpose must be found,
# so the search is shown to look where it claims to.
common:
{
  name = "bowtie-store-secret-scan";
  nodes = common.imdsNodes;
  testScript = ''
    ${common.cloudHelpers}
    cloud.start()
    fqdn = "ctl-scan-01.example.com"
    cert, key = make_certificate(cloud, fqdn)
    password = secrets.token_urlsafe(18)
    token = secrets.token_hex(24)
    console_hash = cloud.succeed(f"openssl passwd -6 {secrets.token_urlsafe(12)}").strip()
    doc = load_document("${common.documentFile "store-secret-scan"}")
    doc["admin"].update({"password": password, "console_password_hash": console_hash})
    doc["enrollment"]["token"] = token
    doc["tls"] = {"mode": "provided", "certificate": cert, "private_key": key}
    serve_user_data(cloud, doc)
    # Each base64 line of the key body is distinctive on its own.
    key_lines = [l for l in key.splitlines() if l and not l.startswith("-----")]
    needles = [password, token, console_hash] + key_lines
    canary = "bowtie-canary-" + secrets.token_hex(16)

    appliance.start()
    appliance.wait_for_unit("bowtie_server.service", timeout=1500)
    appliance.succeed("test -s /var/lib/bowtie-setup/secrets/enrollment-token")

    def write(path, lines):
        b64 = base64.b64encode(("\n".join(lines) + "\n").encode()).decode()
        appliance.succeed(f"umask 077; echo {b64} | base64 -d > {path}")

    # Outside the store: /run is a tmpfs.
    write("/run/needles", needles + [canary])
    write("/run/canary", [canary])
    canary_path = appliance.succeed("nix-store --add /run/canary").strip()

    with subtest("no secret in any store path, only the canary"):
        hits = appliance.succeed(
            "{ nix --extra-experimental-features nix-command path-info --all;"
            "  test -d /nix/.rw-store && echo /nix/.rw-store; }"
            " | xargs -r grep -rlsF -f /run/needles -- || true"
        ).split()
        canary_name = canary_path.removeprefix("/nix/store/")
        assert any(h.endswith(canary_name) for h in hits), f"the canary {canary_path} was not found: the search is broken"
        leaks = [h for h in hits if not h.endswith(canary_name)]
        assert leaks == [], f"secret values found in: {leaks}"

    with subtest("nor in /etc/nixos or the journal"):
        write("/run/secret-needles", needles)
        appliance.fail("grep -rlsF -f /run/secret-needles /etc/nixos")
        appliance.fail("journalctl -b -o cat | grep -F -f /run/secret-needles")
  '';
}
