#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for EDAL's end-to-end tests. Not for production use.

Placed in front of one AWS service emulator (S3, SQS or Kinesis on LocalStack or moto), it forwards
every request unchanged (the Host header too, so SigV4 signatures still verify) and, where a rule
says so, answers instead with the faults real AWS services produce and the emulators never do:

- ``throttle``: the service's own throttling answer. S3: ``503 SlowDown`` (XML); SQS (JSON 1.0):
  ``400 RequestThrottled``; Kinesis (JSON 1.1): ``400 ProvisionedThroughputExceededException``.
- ``error500`` / ``error503``: ``InternalError`` / ``ServiceUnavailable`` in the service's format.
- ``forbidden``: 403 ``AccessDenied`` (S3's answer to a missing permission, or to a request whose
  ``x-amz-expected-bucket-owner`` names another account than the bucket's).
- ``reset``: the request IS forwarded (it takes effect upstream), then the answer is cut: the status
  line and headers are sent with half the body and the connection is reset. The client cannot know
  whether its request was applied — as when a real connection drops mid-response.
- ``delay``: the request is forwarded, and the answer held back ``seconds`` (past the client's
  timeout, when the test sets one shorter).
- ``stale``: the answer the first request for the same queue and attributes got, replayed (SQS's
  approximate counts lag behind deletes for up to a minute; emulators' counts are exact).
- ``expired``: the answer to credentials whose session has ended, not forwarded. S3: ``400`` with
  no body for ``HEAD`` (how S3 answers a ``HEAD`` signed with an expired token), else ``400
  ExpiredToken`` (XML); SQS: ``400 ExpiredToken``; Kinesis: ``400 ExpiredTokenException``.
- ``empty`` (SQS and Kinesis, JSON): ``200`` with ``{}``, the request not forwarded: an answer
  that lists no entry as taken or refused (what a cut or empty body says about a batch).
- ``partial`` (Kinesis ``PutRecords`` only): every other record of the batch (or ``fraction`` of them)
  is refused in the per-record results with ``ProvisionedThroughputExceededException`` and
  ``FailedRecordCount`` says how many; only the accepted records are sent upstream (re-signed, since
  the body changed), so a refused record is really not stored.

Rules (``--rules`` JSON, or ``POST /__fault_proxy/rules`` to replace them) are a list of
``{"operation": "s3.HeadObject" | "sqs.DeleteMessageBatch" | "kinesis.PutRecords" | "*",
"fault": kind, "every": k (default 1: every matching request), "after": n (let n matching requests
through first), "times": m (default unlimited), "during": s (only for s seconds from its first
fault: an outage), "seconds": s, "fraction": f}``. The first rule whose
turn it is applies. ``GET /__fault_proxy/stats`` answers what was forwarded and injected, by
operation and fault, the ``x-amz-expected-bucket-owner`` values it saw, and the most requests of each operation it held at once (a client's concurrency),
so a test can prove its faults were really sent.

Used as a forward proxy (``HTTP_PROXY`` pointing at it), it sends every request, or ``CONNECT``
tunnel, to the upstream whatever host it names (the Host header is kept), and counts the hosts asked
for: how a test reaches virtual-hosted S3 names (``bucket.s3.localhost.localstack.cloud``) without
DNS. Nothing is injected into a tunnel.

With ``--bucket-regions b1=eu-west-1,b2=us-east-1`` (S3) it plays S3's regions in front of an
emulator that has none: a request about a listed bucket signed for another region is answered as S3
answers it, without being forwarded — ``HEAD`` with ``400`` and no body, anything else with ``400
AuthorizationHeaderMalformed`` naming the expected ``Region`` — and both carry
``x-amz-bucket-region``; ``HeadBucket`` answers carry that header always, as S3's do. Stats count
these answers as ``s3.Operation wrong_region`` injections.

With ``--tls-cert`` and ``--tls-key`` it listens for TLS (``https``) and forwards over plain HTTP: a
TLS-terminating front for an emulator, so a client must trust the certificate's CA. The TLS
handshake happens on the request's own thread, so a client that refuses the certificate blocks
nothing else.

Usage: fault_proxy.py --service s3|sqs|kinesis|sts --upstream http://127.0.0.1:4566 [--port 0]
       [--port-file FILE] [--rules JSON] [--secret-key test] [--tls-cert PEM --tls-key PEM]
"""
import argparse
import http.client
import http.server
import json
import os
import select
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import urllib.parse
import uuid

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


class Rule:
    """One fault rule and how many matching requests it has seen and faulted."""

    def __init__(self, spec):
        self.operation = spec.get("operation", "*")
        self.fault = spec["fault"]
        self.every = max(1, int(spec.get("every", 1)))
        self.after = int(spec.get("after", 0))
        self.times = spec.get("times")
        self.seconds = float(spec.get("seconds", 0))
        self.fraction = spec.get("fraction")
        self.during = spec.get("during")
        self.first_fault = None
        self.seen = 0
        self.injected = 0

    def turn(self, operation):
        """Whether this rule faults the request now (counts it when the operation matches)."""
        if self.operation not in ("*", operation):
            return False
        self.seen += 1
        if self.seen <= self.after or (self.times is not None and self.injected >= self.times):
            return False
        if (self.seen - self.after - 1) % self.every != 0:
            return False
        if self.during is not None:
            now = time.monotonic()
            self.first_fault = self.first_fault or now
            if now - self.first_fault > float(self.during):
                return False
        self.injected += 1
        return True


class State:
    def __init__(self, service, upstream, rules, secret_key, bucket_regions=None):
        self.service = service
        self.bucket_regions = bucket_regions or {}
        self.upstream = urllib.parse.urlsplit(upstream)
        self.secret_key = secret_key
        self.lock = threading.Lock()
        self.rules = [Rule(spec) for spec in rules]
        self.forwarded = {}
        self.injected = {}
        self.in_flight = {}
        self.stale_answers = {}
        self.proxied_hosts = {}
        self.expected_owners = {}
        self.most_in_flight = {}

    def choose(self, operation):
        with self.lock:
            self.forwarded[operation] = self.forwarded.get(operation, 0) + 1
            for rule in self.rules:
                if rule.turn(operation):
                    key = f"{operation} {rule.fault}"
                    self.injected[key] = self.injected.get(key, 0) + 1
                    return rule
        return None

    def count_injected(self, key):
        with self.lock:
            self.injected[key] = self.injected.get(key, 0) + 1

    def count_proxied(self, host):
        with self.lock:
            self.proxied_hosts[host] = self.proxied_hosts.get(host, 0) + 1

    def begin(self, operation):
        with self.lock:
            now = self.in_flight[operation] = self.in_flight.get(operation, 0) + 1
            self.most_in_flight[operation] = max(self.most_in_flight.get(operation, 0), now)

    def end(self, operation):
        with self.lock:
            self.in_flight[operation] -= 1

    def stats(self):
        with self.lock:
            return {"requests": dict(self.forwarded), "injected": dict(self.injected), "mostInFlight": dict(self.most_in_flight),
                    "proxiedHosts": dict(self.proxied_hosts),
                    "expectedOwners": dict(self.expected_owners),
                    "rules": [{"operation": r.operation, "fault": r.fault, "seen": r.seen, "injected": r.injected}
                              for r in self.rules]}


def operation_of(service, method, path, query, headers):
    """The AWS operation a request calls, as `service.Operation`."""
    target = headers.get("X-Amz-Target")
    if target:
        return f"{service}.{target.split('.')[-1]}"
    if service != "s3":
        return f"{service}.{method}"
    parts = [p for p in path.split("/") if p]
    params = urllib.parse.parse_qs(query, keep_blank_values=True)
    if method == "HEAD":
        return "s3.HeadObject" if len(parts) > 1 else "s3.HeadBucket"
    if method == "GET":
        if len(parts) <= 1:
            return "s3.ListObjectsV2" if params.get("list-type") == ["2"] else "s3.ListObjects"
        return "s3.GetObject"
    if method == "PUT":
        return "s3.PutObject" if len(parts) > 1 else "s3.PutBucket"
    if method == "DELETE":
        return "s3.DeleteObject" if len(parts) > 1 else "s3.DeleteBucket"
    return f"s3.{method}"


def bucket_of(path, host):
    """The bucket a request names: the first path segment (path style) or the host's first label
    (virtual-hosted)."""
    parts = [p for p in path.split("/") if p]
    labels = host.split(":")[0].split(".")
    if len(labels) > 2 and labels[1] == "s3":
        return labels[0]
    return urllib.parse.unquote(parts[0]) if parts else ""


def signed_region(authorization):
    """The region in a SigV4 Authorization header's credential scope, or None."""
    if "Credential=" not in authorization:
        return None
    scope = authorization.split("Credential=")[1].split(",")[0].split("/")
    return scope[2] if len(scope) > 2 else None


def error_answer(service, fault, operation):
    """(status, headers, body) of a real AWS error answer for `fault`."""
    request_id = str(uuid.uuid4())
    status, code, message = {
        "throttle": {
            "s3": (503, "SlowDown", "Please reduce your request rate."),
            "sqs": (400, "RequestThrottled", "Rate exceeded."),
            "kinesis": (400, "ProvisionedThroughputExceededException",
                        "Rate exceeded for shard shardId-000000000000 in stream edal under account 000000000000."),
        }[service],
        "error500": {
            "s3": (500, "InternalError", "We encountered an internal error. Please try again."),
            "sqs": (500, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."),
            "kinesis": (500, "InternalFailure", "Internal service failure."),
        }[service],
        "forbidden": {
            "s3": (403, "AccessDenied", "Access Denied"),
            "sqs": (403, "AccessDenied", "Access to the resource is denied."),
            "kinesis": (400, "AccessDeniedException", "User is not authorized to perform this action."),
        }[service],
        "expired": {
            "s3": (400, "ExpiredToken", "The provided token has expired."),
            "sqs": (400, "ExpiredToken", "The security token included in the request is expired"),
            "kinesis": (400, "ExpiredTokenException", "The security token included in the request is expired"),
        }[service],
        "error503": {
            "s3": (503, "ServiceUnavailable", "Service is unable to handle request."),
            "sqs": (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
            "kinesis": (503, "ServiceUnavailable", "Service Unavailable"),
        }[service],
    }[fault]
    if service == "s3":
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
        if operation == "s3.HeadObject":  # HEAD answers carry no body
            return status, headers, b""
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                f"<RequestId>{request_id}</RequestId><HostId>edal-fault-proxy</HostId></Error>").encode()
        return status, headers, body
    if service == "sqs":
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", request_id),
                   ("x-amzn-query-error", f"{code};{'Sender' if status < 500 else 'Receiver'}")]
        body = json.dumps({"__type": f"com.amazonaws.sqs#{code}", "message": message}).encode()
        return status, headers, body
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", f"{code}:")]
    return status, headers, json.dumps({"__type": code, "message": message}).encode()


def resign(headers, method, url, body, secret_key):
    """Signs a rewritten request again with the same access key, region and service (SigV4)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = headers.get("Authorization", "")
    if "Credential=" not in authorization:
        return headers
    scope = authorization.split("Credential=")[1].split(",")[0].split("/")
    access_key, region, service = scope[0], scope[2], scope[3]
    fresh = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "x-amz-date", "x-amz-content-sha256", "content-length")}
    request = AWSRequest(method=method, url=url, data=body, headers=fresh)
    SigV4Auth(Credentials(access_key, secret_key, headers.get("X-Amz-Security-Token")), service, region).add_auth(request)
    signed = dict(request.headers.items())
    signed["Content-Length"] = str(len(body))
    return signed


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State = None

    def log_message(self, *_):
        pass

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, headers, body, head=False):
        self.send_response_only(status)
        names = set()
        for name, value in headers:
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            names.add(name.lower())
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)) if not head else headers_length(headers, body))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _forward(self, method, body, headers=None):
        upstream = self.state.upstream
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        try:
            sent = headers if headers is not None else {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(method, self.target, body=body if body or method in ("PUT", "POST") else None, headers=sent)
            response = connection.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data
        finally:
            connection.close()

    def _control(self, method, body):
        if self.target == "/__fault_proxy/stats":
            data = json.dumps(self.state.stats()).encode()
        elif self.target == "/__fault_proxy/rules" and method == "POST":
            with self.state.lock:
                self.state.rules = [Rule(spec) for spec in json.loads(body or b"[]")]
            data = b"{}"
        else:
            self._send(404, [], b"")
            return
        self._send(200, [("Content-Type", "application/json")], data)

    def _reset(self, status, headers, body):
        """Sends the head and half the body (or, for an empty body, part of the head), then resets the
        connection (RST, not FIN)."""
        try:
            self.send_response_only(status)
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            if body:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
            else:  # nothing to cut in a body: cut the head itself (no blank line after the headers)
                self.wfile.write(b"".join(self._headers_buffer))
                self._headers_buffer = []
            self.wfile.flush()
        except OSError:
            pass
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _stale(self, method, body):
        """The answer the first such request got (same queue and attribute names), replayed: counts
        that lag, as SQS's approximate attributes do for up to a minute."""
        try:
            asked = json.loads(body)
            key = (self.target, asked.get("QueueUrl"), tuple(sorted(asked.get("AttributeNames", []))))
        except ValueError:
            key = (self.target, body)
        with self.state.lock:
            cached = self.state.stale_answers.get(key)
        if cached is None:
            cached = self._forward(method, body)
            with self.state.lock:
                cached = self.state.stale_answers.setdefault(key, cached)
        return cached

    def _partial(self, body):
        """PutRecords with some records refused per record; only the others go upstream."""
        request = json.loads(body)
        records = request.get("Records", [])
        rule_fraction = self._rule.fraction
        refused = set()
        for index in range(len(records)):
            if rule_fraction is None:
                if index % 2 == 0:
                    refused.add(index)
            elif (index + 1) * float(rule_fraction) // 1 > index * float(rule_fraction) // 1:
                refused.add(index)
        accepted = [r for i, r in enumerate(records) if i not in refused]
        results = {}
        failed = 0
        if accepted:
            rewritten = json.dumps(dict(request, Records=accepted)).encode()
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            upstream = self.state.upstream
            headers = resign(headers, "POST", f"{upstream.scheme}://{self.headers.get('Host')}{self.target}", rewritten, self.state.secret_key)
            status, answer_headers, data = self._forward("POST", rewritten, headers)
            if status != 200:
                return status, answer_headers, data
            answer = json.loads(data)
            failed += int(answer.get("FailedRecordCount", 0))
            original = [i for i in range(len(records)) if i not in refused]
            for index, entry in zip(original, answer.get("Records", [])):
                results[index] = entry
        entries = []
        stream = request.get("StreamName") or str(request.get("StreamARN", "")).split("/")[-1]
        for index in range(len(records)):
            if index in refused:
                failed += 1
                entries.append({"ErrorCode": "ProvisionedThroughputExceededException",
                                "ErrorMessage": f"Rate exceeded for shard shardId-000000000000 in stream {stream} under account 000000000000."})
            else:
                entries.append(results[index])
        answer = json.dumps({"FailedRecordCount": failed, "Records": entries}).encode()
        return 200, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", str(uuid.uuid4()))], answer

    def _handle(self, method):
        body = self._body()
        # As a forward proxy (HTTP_PROXY) the request names the whole URL; upstream gets its path.
        self.target = self.path
        if self.path.startswith("http://"):
            absolute = urllib.parse.urlsplit(self.path)
            self.target = absolute.path + (f"?{absolute.query}" if absolute.query else "")
            if "Host" not in self.headers:
                self.headers["Host"] = absolute.netloc
            self.state.count_proxied(absolute.netloc)
        if self.target.startswith("/__fault_proxy/"):
            return self._control(method, body)
        parsed = urllib.parse.urlsplit(self.target)
        operation = operation_of(self.state.service, method, parsed.path, parsed.query, self.headers)
        owner = self.headers.get("x-amz-expected-bucket-owner")
        if owner:
            with self.state.lock:
                self.state.expected_owners[owner] = self.state.expected_owners.get(owner, 0) + 1
        self._bucket_region = None
        if self.state.service == "s3" and self.state.bucket_regions:
            bucket = bucket_of(parsed.path, self.headers.get("Host", ""))
            self._bucket_region = self.state.bucket_regions.get(bucket)
            signed = signed_region(self.headers.get("Authorization", ""))
            if self._bucket_region and signed and signed != self._bucket_region:
                self.state.count_injected(f"{operation} wrong_region")
                return self._wrong_region(method, signed, self._bucket_region)
        rule = self.state.choose(operation)
        self._rule = rule
        self.state.begin(operation)
        try:
            self._answer(method, body, operation, rule)
        finally:
            self.state.end(operation)

    def _wrong_region(self, method, signed, expected):
        """S3's answer to a request signed for `signed` about a bucket in `expected`."""
        request_id = str(uuid.uuid4())
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id),
                   ("x-amz-bucket-region", expected)]
        if method == "HEAD":
            return self._send(400, headers, b"", head=True)
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>'
                f"<Message>The authorization header is malformed; the region '{signed}' is wrong; expecting '{expected}'</Message>"
                f"<Region>{expected}</Region><RequestId>{request_id}</RequestId><HostId>edal-fault-proxy</HostId></Error>").encode()
        self._send(400, headers, body)

    def _answer(self, method, body, operation, rule):
        fault = rule.fault if rule else None
        head = method == "HEAD"
        try:
            if fault in ("throttle", "error500", "error503", "forbidden", "expired"):
                status, headers, data = error_answer(self.state.service, fault, operation)
            elif fault == "stale":
                status, headers, data = self._stale(method, body)
            elif fault == "empty":
                content = "application/x-amz-json-1.0" if self.state.service == "sqs" else "application/x-amz-json-1.1"
                status, headers, data = 200, [("Content-Type", content)], b"{}"
            elif fault == "partial" and operation == "kinesis.PutRecords":
                status, headers, data = self._partial(body)
            else:
                status, headers, data = self._forward(method, body)
        except (OSError, http.client.HTTPException) as error:
            status, headers, data = 502, [("Content-Type", "text/plain")], f"fault proxy: upstream failed: {error}".encode()
        if operation == "s3.HeadBucket" and self._bucket_region and 200 <= status < 300:
            headers = [h for h in headers if h[0].lower() != "x-amz-bucket-region"] + [("x-amz-bucket-region", self._bucket_region)]
        if fault == "reset":
            return self._reset(status, headers, data)
        if fault == "delay":
            time.sleep(rule.seconds)
        try:
            self._send(status, headers, data, head=head)
        except OSError:
            self.close_connection = True

    def do_CONNECT(self):
        """A tunnel (how HTTP clients use a proxy, https or not): to the upstream, whatever host is
        named; the bytes pass untouched, so no fault is injected inside it."""
        self.state.count_proxied(self.path)
        upstream = self.state.upstream
        try:
            remote = socket.create_connection((upstream.hostname, upstream.port), timeout=120)
        except OSError:
            self.send_response_only(502)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response_only(200, "Connection Established")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        sockets = [self.connection, remote]
        try:
            while True:
                readable, _, failed = select.select(sockets, [], sockets, 120)
                if failed or not readable:
                    break
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (remote if source is self.connection else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            remote.close()

    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("HEAD")

    def do_PUT(self):
        self._handle("PUT")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")


def headers_length(headers, body):
    for name, value in headers:
        if name.lower() == "content-length":
            return value
    return str(len(body))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    tls_context = None

    def finish_request(self, request, client_address):
        if self.tls_context is not None:
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused the certificate (or went away): nothing to answer
            try:
                super().finish_request(request, client_address)
            finally:
                request.close()
            return
        super().finish_request(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", required=True, choices=["s3", "sqs", "kinesis", "sts"])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--rules", default="[]")
    parser.add_argument("--secret-key", default="test", help="the secret of the test credentials, to re-sign rewritten requests")
    parser.add_argument("--bucket-regions", default="", help="bucket=region,…: answer as S3 does a request signed for another region")
    parser.add_argument("--tls-cert", help="PEM certificate chain: listen for TLS")
    parser.add_argument("--tls-key", help="the certificate's PEM private key")
    args = parser.parse_args()

    bucket_regions = dict(pair.split("=", 1) for pair in args.bucket_regions.split(",") if "=" in pair)
    Handler.state = State(args.service, args.upstream, json.loads(args.rules), args.secret_key, bucket_regions)
    server = Server((args.host, args.port), Handler)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.tls_context = context
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as handle:
            handle.write(f"{port}\n")
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"fault proxy for {args.service} on {args.host}:{port} -> {args.upstream}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
