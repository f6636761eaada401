# A stand-in for the EC2 instance metadata service, IMDSv2 only (as an instance launched with
# HttpTokens=required): PUT /latest/api/token gives a session token; every GET without a valid
# token is refused with 401. It serves what the test script writes to /srv/imds (instance-id,
# user-data), so no document is ever in a Nix store, and logs each request to
# /srv/imds/requests.log (method, path, status) for the test to read.
import http.server
import os
import secrets

ROOT = "/srv/imds"
FILES = {"/latest/meta-data/instance-id": "instance-id", "/latest/user-data": "user-data"}
TOKENS = set()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        with open(os.path.join(ROOT, "requests.log"), "a") as log:
            log.write(f"{self.command} {self.path} {code}\n")

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(400)
        token = secrets.token_urlsafe(32)
        TOKENS.add(token)
        self.answer(200, token.encode())

    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") not in TOKENS:
            return self.answer(401)
        name = FILES.get(self.path)
        path = os.path.join(ROOT, name) if name else None
        if path is None or not os.path.exists(path):
            return self.answer(404)
        with open(path, "rb") as f:
            self.answer(200, f.read())


http.server.ThreadingHTTPServer(("0.0.0.0", 80), Handler).serve_forever()
