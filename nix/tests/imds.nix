# The cloud metadata service: on EC2 the document comes from IMDSv2 (docs/decisions/0303). The
# fake on the test network answers only with a session token, as an instance launched with
# HttpTokens=required; the appliance takes its user data from it and hands off.
common:
{
  name = "bowtie-imds";
  nodes = common.imdsNodes;
  testScript = ''
    ${common.cloudHelpers}
    cloud.start()
    doc = load_document("${common.documentFile "imds"}")
    doc["admin"]["password"] = secrets.token_urlsafe(18)
    doc["enrollment"]["token"] = secrets.token_hex(24)
    serve_user_data(cloud, doc, instance_id="i-0fedcba9876543210")

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
