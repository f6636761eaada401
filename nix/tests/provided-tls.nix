# The operator's own certificate (tls.mode: provided): the document comes from the metadata
# service with a certificate and key made at run time; after the hand-off the controller serves
# exactly that certificate on 443, and the key exists only as a root-only secret file.
common:
let
  a = common.addresses;
in
{
  name = "bowtie-provided-tls";
  nodes = common.imdsNodes;
  testScript = ''
    ${common.cloudHelpers}
    cloud.start()
    fqdn = "ctl-tls-01.example.com"
    cert, key = make_certificate(cloud, fqdn)
    doc = load_document("${common.documentFile "provided-tls"}")
    doc["admin"]["password"] = secrets.token_urlsafe(18)
    doc["enrollment"]["token"] = secrets.token_hex(24)
    doc["tls"] = {"mode": "provided", "certificate": cert, "private_key": key}
    serve_user_data(cloud, doc)
    appliance.start()
    client.start()
    appliance.wait_for_unit("bowtie_server.service", timeout=1500)

    with subtest("the controller serves the operator's certificate"):
        want = cloud.succeed("openssl x509 -in /root/tls.crt -noout -fingerprint -sha256").strip()
        client.wait_until_succeeds("timeout 5 bash -c '</dev/tcp/${a.appliance}/443'", timeout=120)
        got = client.succeed(
            f"openssl s_client -connect ${a.appliance}:443 -servername {fqdn} </dev/null 2>/dev/null"
            " | openssl x509 -noout -fingerprint -sha256"
        ).strip()
        assert got == want, f"served {got}, expected {want}"

    with subtest("the key is a root-only secret file, the certificate public"):
        appliance.succeed("stat -c '%U %a' /var/lib/bowtie-setup/secrets/tls-private-key | grep -x 'root 600'")
        appliance.succeed("cmp <(${common.openssl} pkey -in /var/lib/bowtie-setup/secrets/tls-private-key -pubout) <(${common.openssl} x509 -in /etc/bowtie-setup/tls/certificate.pem -noout -pubkey)")
  '';
}
