#!/usr/bin/env python3
"""A local stand-in for the two credential endpoints containers use, for EDAL's tests.

- ECS / EKS Pod Identity container endpoint: GET /ecs/short and /ecs/long (Authorization must be
  "Bearer test-token"); credentials expiring in 120 s (inside EDAL's 5-minute refresh margin) or 1 h.
- EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (with X-aws-ec2-metadata-token-ttl-seconds),
  then GET /latest/meta-data/iam/security-credentials/[role] with X-aws-ec2-metadata-token.
Every answer carries a fresh AccessKeyId (ASIA…0001, 0002, …) so a test can see refreshes.
Prints the port it listens on (127.0.0.1, port 0 = any free one) on the first line of stdout.
"""
import argparse
import datetime
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counter = itertools.count(1)
lock = threading.Lock()
TOKEN = "imds-session-token"


def credentials(lifetime_seconds, code=None):
    with lock:
        number = next(counter)
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime_seconds)
    document = {
        "AccessKeyId": f"ASIASTANDIN{number:09d}",
        "SecretAccessKey": f"secret-{number}",
        "Token": f"session-{number}",
        "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if code:
        document.update({"Code": code, "Type": "AWS-HMAC", "LastUpdated": "2026-01-01T00:00:00Z"})
    return json.dumps(document)


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.answer(200, TOKEN, "text/plain")
        return self.answer(400, "token TTL header missing", "text/plain")

    def do_GET(self):
        if self.path in ("/ecs/short", "/ecs/long"):
            if self.headers.get("Authorization") != "Bearer test-token":
                return self.answer(401, '{"message": "bad authorization"}')
            return self.answer(200, credentials(120 if self.path == "/ecs/short" else 3600))
        if self.path.startswith("/latest/meta-data/iam/security-credentials/"):
            if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
                return self.answer(401, "IMDSv2 token required", "text/plain")
            role = self.path[len("/latest/meta-data/iam/security-credentials/"):]
            if not role:
                return self.answer(200, "edal-role", "text/plain")
            if role != "edal-role":
                return self.answer(404, "no such role", "text/plain")
            return self.answer(200, credentials(3600, code="Success"))
        return self.answer(404, "not found", "text/plain")

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
