# The cloud metadata service: on EC2 the document comes from IMDSv2 (docs/decisions/0303). The
# fake on the test network answers only with a session token, as an instance launched with
# HttpTokens=required; the appliance takes its user data from it and hands off.
common:
{
  name = "bowtie-imds";
  nodes = {
    # The client is idle here; it keeps the addresses those of common.addresses.
    inherit (common) client cloud;
    appliance = { ... }: { imports = [ common.appliance common.imdsRoute ]; };
  };
  testScript = ''
    ${common.cloudHelpers}
    cloud.start()
    serve_user_data(cloud, {
        "hostname": "ctl-imds-01",
        "admin": {"email": "ops@example.com", "password": secrets.token_urlsafe(18)},
        "network": static_network(),
        "enrollment": {"site_id": "6f1c0a6e-2d7b-4f0e-9a63-1c2d3e4f5a6b", "token": secrets.token_hex(24)},
        "updates": {"enable": False},
    }, instance_id="i-0fedcba9876543210")

    with subtest("the fake is IMDSv2 only: a plain GET is refused"):
        cloud.succeed("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/latest/user-data | grep -x 401")
        cloud.succeed(": > /srv/imds/requests.log")

    appliance.start()
    appliance.wait_for_unit("bowtie_server.service", timeout=1500)
    appliance.succeed("hostname | grep -x ctl-imds-01")

    with subtest("the appliance asked with a token: PUT first, then the id and the user data"):
        log = cloud.succeed("cat /srv/imds/requests.log").splitlines()
        assert log[:3] == ["PUT /latest/api/token 200", "GET /latest/meta-data/instance-id 200", "GET /latest/user-data 200"], log
        assert not any(line.endswith(" 401") for line in log), log
  '';
}
