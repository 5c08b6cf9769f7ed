#!/usr/bin/env python3
"""A local stand-in for the two credential endpoints containers use, for EDAL's tests.

- ECS / EKS Pod Identity container endpoint: GET /ecs/short and /ecs/long (Authorization must be
  "Bearer test-token"); credentials expiring in 120 s (inside EDAL's 5-minute refresh margin) or 1 h.
- EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (with X-aws-ec2-metadata-token-ttl-seconds),
  then GET /latest/meta-data/iam/security-credentials/[role] with X-aws-ec2-metadata-token.
- STS AssumeRoleWithWebIdentity (POST /, form-encoded, unsigned as real STS accepts it), when
  started with --sts-upstream (the signature-checking moto) and --sts-keys-file (the env file the
  test services write): the token must look like a JWT (three dot-separated parts) or the answer is
  InvalidIdentityToken; the role is then assumed on moto with the bootstrap user's key, so the
  temporary credentials returned are ones moto knows and checks signatures with.
Every container/IMDS answer carries a fresh AccessKeyId (ASIA…0001, 0002, …) so a test can see refreshes.
Prints the port it listens on (127.0.0.1, port 0 = any free one) on the first line of stdout.
"""
import argparse
import datetime
import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

counter = itertools.count(1)
lock = threading.Lock()
TOKEN = "imds-session-token"
STS = {"upstream": None, "keys_file": None}


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

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        field = lambda name: (form.get(name) or [""])[0]
        if field("Action") != "AssumeRoleWithWebIdentity" or not STS["upstream"]:
            return self.answer(400, "unsupported", "text/plain")
        token = field("WebIdentityToken")
        if len([part for part in token.strip().split(".") if part]) != 3:
            return self.sts_error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
        keys = {}
        with open(STS["keys_file"]) as handle:
            for line in handle:
                if line.startswith("export EDAL_TEST_AUTH_"):
                    name, _, value = line[len("export "):].strip().partition("=")
                    keys[name] = value
        import boto3
        import botocore.exceptions
        sts = boto3.client("sts", endpoint_url=STS["upstream"], region_name="us-east-1",
                           aws_access_key_id=keys.get("EDAL_TEST_AUTH_ACCESS_KEY_ID"),
                           aws_secret_access_key=keys.get("EDAL_TEST_AUTH_SECRET_ACCESS_KEY"))
        try:
            assumed = sts.assume_role(RoleArn=field("RoleArn"), RoleSessionName=field("RoleSessionName") or "edal")["Credentials"]
        except botocore.exceptions.ClientError as error:
            return self.sts_error(403, "AccessDenied", str(error))
        expiration = assumed["Expiration"].astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.answer(200, (
            '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleWithWebIdentityResult><Credentials>"
            f"<AccessKeyId>{assumed['AccessKeyId']}</AccessKeyId><SecretAccessKey>{assumed['SecretAccessKey']}</SecretAccessKey>"
            f"<SessionToken>{assumed['SessionToken']}</SessionToken><Expiration>{expiration}</Expiration>"
            f"</Credentials><AssumedRoleUser><Arn>{field('RoleArn')}</Arn><AssumedRoleId>AROAEDAL:{field('RoleSessionName')}</AssumedRoleId>"
            "</AssumedRoleUser></AssumeRoleWithWebIdentityResult>"
            "<ResponseMetadata><RequestId>edal-stand-in</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>"
        ), "text/xml")

    def sts_error(self, status, code, message):
        return self.answer(status, (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>edal-stand-in</RequestId></ErrorResponse>"
        ), "text/xml")

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sts-upstream", help="the signature-checking moto that issues the temporary credentials")
    parser.add_argument("--sts-keys-file", help="the test services' env file, read at each exchange for the bootstrap key")
    arguments = parser.parse_args()
    STS["upstream"] = arguments.sts_upstream
    STS["keys_file"] = arguments.sts_keys_file
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
