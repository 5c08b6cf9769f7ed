#!/usr/bin/env python3
"""Generates SigV4 test requests and signs them with botocore, the signer of the AWS CLI and boto3.

EDAL's Swift signer must produce the same Authorization header for every one of them. The requests
are random but reproducible (--seed): methods, S3 and non-S3 services, unicode and space-laden
paths with dot and empty segments, repeated and empty query keys, multi-value and mixed-case
headers with folded white space, unsigned headers, empty/text/binary bodies, session tokens.

Usage: sigv4_vectors.py [--count 400] [--seed 1]   (JSON on stdout)
"""
import argparse
import base64
import datetime
import json
import random
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALPHABET = "abcXYZ019-_.~ +/%&=?#:@!$'()*,;[]é漢😀"
HEADER_VALUE_CHARS = "abcXYZ019 -_.,;:/=\"'()\t"
SERVICES = [("s3", True), ("sqs", False), ("kinesis", False), ("sts", False), ("iam", False)]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1"]
HOSTS = ["127.0.0.1:4566", "localhost:5000", "service.us-east-1.amazonaws.com", "[::1]:9000", "example.com"]


def word(rng, low=0, high=12, alphabet=ALPHABET):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def s3_path(rng):
    bucket = rng.choice(["bucket", "my-bucket", "telemetry-2026"])
    key = "/".join(word(rng, 1, 10) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        key += "/"
    return quote(f"/{bucket}/{key}", safe="/~"), f"{bucket}/{key}"


def service_path(rng):
    segments = []
    for _ in range(rng.randint(0, 5)):
        roll = rng.random()
        if roll < 0.1:
            segments.append(".")
        elif roll < 0.2:
            segments.append("..")
        elif roll < 0.3:
            segments.append("")
        else:
            segments.append(quote(word(rng, 1, 8), safe=""))
    path = "/" + "/".join(segments)
    if rng.random() < 0.2:
        path += "/"
    return path


def vector(rng, index):
    service, is_s3 = rng.choice(SERVICES)
    region = rng.choice(REGIONS)
    method = rng.choice(["GET", "PUT", "POST", "HEAD", "DELETE"])
    host = rng.choice(HOSTS)
    if is_s3:
        path, raw_key = s3_path(rng)
    else:
        path, raw_key = service_path(rng), None

    query = []
    for _ in range(rng.choice([0, 0, 1, 2, 4])):
        key = rng.choice(["list-type", "prefix", "Action", "a", "A", "b", "", word(rng, 1, 6)])
        value = rng.choice(["", "2", word(rng, 0, 10)])
        query.append((key, value))
        if rng.random() < 0.3:
            query.append((key, word(rng, 0, 5)))

    headers = []
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(["Content-Type", "x-amz-meta-Service", "X-Amz-Target", "x-custom", "X-CUSTOM",
                           "Range", "If-Match", "User-Agent", "X-Amzn-Trace-Id", "x-amz-meta-note"])
        value = rng.choice(["  padded   value  ", "a\tb", "application/x-amz-json-1.0", word(rng, 0, 15, HEADER_VALUE_CHARS)])
        headers.append((name, value))

    body_kind = rng.choice(["empty", "text", "binary"])
    if body_kind == "empty":
        body = b""
    elif body_kind == "text":
        body = word(rng, 1, 200).encode()
    else:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))

    access_key = "AKID" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(16))
    secret = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/") for _ in range(40))
    token = None if rng.random() < 0.6 else "FwoG" + word(rng, 10, 40, "abcdefABCDEF0123456789+/=")
    when = datetime.datetime(2015, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        seconds=rng.randint(0, 20 * 365 * 86400))

    url = f"http://{host}{path}"
    request = AWSRequest(method=method, url=url, data=body, params=list(query))
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
    signer_class = botocore.auth.S3SigV4Auth if is_s3 else botocore.auth.SigV4Auth
    signer = signer_class(Credentials(access_key, secret, token), service, region)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        canonical = None
        original = signer.canonical_request

        def capture(req):
            nonlocal canonical
            canonical = original(req)
            return canonical

        signer.canonical_request = capture
        signer.add_auth(request)

    return {
        "index": index,
        "service": service,
        "s3": is_s3,
        "region": region,
        "method": method,
        "host": botocore.auth._host_from_url(url),
        "path": path,
        "raw_s3_path": raw_key,
        "query": [list(pair) for pair in query],
        "headers": [list(pair) for pair in headers],
        "body_base64": base64.b64encode(body).decode(),
        "access_key_id": access_key,
        "secret_access_key": secret,
        "session_token": token,
        "epoch_seconds": int(when.timestamp()),
        "expected_canonical_request": canonical,
        "expected_authorization": request.headers["Authorization"],
        "expected_amz_date": request.headers["X-Amz-Date"],
        "expected_content_sha256": request.headers.get("X-Amz-Content-SHA256"),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(json.dumps([vector(rng, i) for i in range(args.count)], ensure_ascii=False))


if __name__ == "__main__":
    main()
