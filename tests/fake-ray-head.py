#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A fake Ray head for the integration tests.

It serves the dashboard routes that ray-usage-stats reads from fixture files,
plays the report endpoint (every POST, to any path), and records every request
it receives as one JSON line in the record file:

    {"method": "GET", "path": "/api/version", "query": "", "headers": {...},
     "body": null, "body_b64": null}

POST bodies are kept exactly: "body_b64" always, "body" too when it is UTF-8.
Standard library only, so that it runs wherever the test suite runs.

Routes and fixture files (in each --fixtures DIR; a missing file gives 404, as
aiohttp answers for a route an older Ray does not have). A file NAME.status
beside a fixture holds another HTTP status to answer it with.
"""

import argparse
import base64
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ROUTES = {
    "/api/version": "api_version.json",
    "/cluster_id": "cluster_id.json",
    "/usage_stats_enabled": "usage_stats_enabled.json",
    "/api/authentication_mode": "authentication_mode.json",
    "/api/v0/cluster_metadata": "cluster_metadata.json",
    "/api/v0/nodes": "nodes.json",
    "/api/jobs/": "jobs.json",
    "/api/v0/actors": "actors.json",
    "/api/v0/placement_groups": "placement_groups.json",
    "/api/grafana_health": "grafana_health.json",
    "/api/prometheus_health": "prometheus_health.json",
}

# Routes that Ray serves without a token even when token auth is on.
PUBLIC_ROUTES = {"/", "/favicon.ico", "/api/authentication_mode", "/api/authenticate",
                 "/api/healthz", "/api/gcs_healthz", "/api/local_raylet_healthz", "/-/healthz"}

MODES = ("ok", "401", "403", "500", "html", "garbage", "wrongtypes", "huge", "huge-nolength",
         "hang", "close")

HUGE_SIZE = 50 * 1000 * 1000

# Right keys, wrong types, for every route at once: "result" is not a
# boolean, counts are strings, arrays are strings, and /api/jobs/ gets an
# object where an array belongs.
WRONG_TYPES = {
    "result": 1, "msg": 2,
    "data": {"result": {"total": "3", "num_filtered": "3", "result": "rows"},
             "clusterId": 5, "usageStatsEnabled": "false", "grafanaHost": 1, "pythonVersion": 3.11},
    "version": 5, "ray_version": 2, "ray_commit": [], "session_name": {}, "authentication_mode": 1,
}

stop_event = threading.Event()


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.post_statuses = [int(s) for s in args.post_status.split(",") if s]
        self.posts = 0
        self.route_modes = {}
        for spec in args.route_mode:
            path, _, mode = spec.rpartition("=")
            if not path or mode not in MODES:
                sys.exit(f"fake-ray-head: invalid --route-mode {spec!r}: expected PATH=MODE, MODE one of {MODES}")
            self.route_modes[path] = mode
        self.extra_routes = {}
        for spec in args.route:
            path, _, filename = spec.partition("=")
            if not path.startswith("/") or not filename:
                sys.exit(f"fake-ray-head: invalid --route {spec!r}: expected /PATH=FILE")
            self.extra_routes[path] = filename

    def record(self, entry):
        with self.lock:
            with open(self.args.record, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")
                f.flush()

    def next_post_status(self):
        with self.lock:
            i = min(self.posts, len(self.post_statuses) - 1)
            self.posts += 1
            return self.post_statuses[i]

    def mode_for(self, path):
        return self.route_modes.get(path, self.args.mode)

    def fixture(self, path):
        """(status, bytes) of the fixture for path, or None."""
        if path in self.extra_routes:
            candidates = [self.extra_routes[path]]
        elif path in ROUTES:
            candidates = [os.path.join(d, ROUTES[path]) for d in reversed(self.args.fixtures)]
        else:
            return None
        for name in candidates:
            try:
                with open(name, "rb") as f:
                    body = f.read()
            except FileNotFoundError:
                continue
            status = 200
            try:
                with open(name + ".status", encoding="ascii") as f:
                    status = int(f.read().strip())
            except FileNotFoundError:
                pass
            return status, body
        return None


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeRayHead/1.0"
    # HTTP/1.0: one request per connection, and a body may end at close.
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("fake-ray-head: " + (format % args) + "\n")

    def _record(self, body):
        url = urlsplit(self.path)
        self.server.state.record({
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": {k: v for k, v in self.headers.items()},
            "body_b64": base64.b64encode(body).decode("ascii") if body is not None else None,
            "body": _as_text(body),
        })

    def _send(self, status, body, content_type="application/json; charset=utf-8", length=True):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, obj):
        self._send(status, json.dumps(obj).encode())

    def _hang(self):
        stop_event.wait(60)
        self.close_connection = True

    def _close(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_huge(self, with_length):
        chunk = b"x" * (1 << 20)
        head, tail = b'{"pad": "', b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if with_length:
            self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        left = HUGE_SIZE - len(head) - len(tail)
        try:
            self.wfile.write(head)
            while left > 0 and not stop_event.is_set():
                n = min(left, len(chunk))
                self.wfile.write(chunk[:n])
                left -= n
            self.wfile.write(tail)
        except OSError:
            pass  # the client gave up, as it should

    def _answer_mode(self, mode, fixture):
        if mode == "hang":
            return self._hang()
        if mode == "close":
            return self._close()
        if mode == "401":
            return self._send(401, b"401: Unauthorized: Missing authentication token", "text/plain")
        if mode == "403":
            return self._send(403, b"403: Forbidden: Invalid authentication token", "text/plain")
        if mode == "500":
            return self._send_json(500, {"result": False, "msg": "Internal error (fake)", "data": {}})
        if mode == "html":
            return self._send(200, b"<!DOCTYPE html><html><body><h1>Ray Dashboard</h1></body></html>",
                              "text/html")
        if mode == "garbage":
            return self._send(200, b"\x00\xff{\"result\": tru\xc3\x28 <<<", "application/octet-stream")
        if mode == "wrongtypes":
            return self._send_json(200, WRONG_TYPES)
        if mode == "huge":
            return self._send_huge(True)
        if mode == "huge-nolength":
            return self._send_huge(False)
        if fixture is None:
            return self._send(404, b"404: Not Found", "text/plain")
        return self._send(fixture[0], fixture[1])

    def do_GET(self):
        state = self.server.state
        self._record(None)
        path = urlsplit(self.path).path
        token = state.args.token

        if token is not None and path == "/api/authentication_mode":
            return self._send_json(200, {"authentication_mode": "token"})
        if token is not None and path not in PUBLIC_ROUTES:
            auth = self.headers.get("Authorization")
            if auth is None:
                return self._send(401, b"Unauthorized: Missing authentication token", "text/plain")
            if auth != "Bearer " + token:
                return self._send(403, b"Forbidden: Invalid authentication token", "text/plain")

        self._answer_mode(state.mode_for(path), state.fixture(path))

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length > 0 else b""
        self._record(body)
        if state.args.post_mode == "hang":
            return self._hang()
        if state.args.post_mode == "close":
            return self._close()
        status = state.next_post_status()
        self._send_json(status, {"ok": 200 <= status < 300})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, state, family, ssl_context):
        self.address_family = family
        self.state = state
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so that a
        # client that rejects the certificate cannot stall the others.
        if self.ssl_context is not None:
            try:
                request = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if self.state.args.verbose:
            super().handle_error(request, client_address)


def _as_text(body):
    if body is None:
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def parse_args():
    p = argparse.ArgumentParser(description="Fake Ray head (dashboard routes and report endpoint) for tests.")
    p.add_argument("--port", type=int, required=True, help="port to bind on 127.0.0.1; 0 picks a free one")
    p.add_argument("--bind", default="127.0.0.1", help="loopback address to bind (127.0.0.1 or ::1)")
    p.add_argument("--fixtures", action="append", default=[],
                   help="fixture directory; repeat to overlay (later ones win)")
    p.add_argument("--record", required=True, help="file that receives one JSON line per request")
    p.add_argument("--token", help="require Authorization: Bearer TOKEN like a Ray head with token auth")
    p.add_argument("--mode", default="ok", choices=MODES, help="how to answer every dashboard route")
    p.add_argument("--route-mode", action="append", default=[], metavar="PATH=MODE",
                   help="how to answer one route, e.g. /api/version=500")
    p.add_argument("--route", action="append", default=[], metavar="PATH=FILE",
                   help="serve FILE at PATH (for routes outside the dashboard, e.g. cloud metadata)")
    p.add_argument("--post-status", default="200",
                   help="statuses for successive POSTs, e.g. 200,500,200 (the last one repeats)")
    p.add_argument("--post-mode", default="ok", choices=("ok", "hang", "close"))
    p.add_argument("--https", action="store_true")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--port-file", help="write the bound port here once listening")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    if args.bind not in ("127.0.0.1", "::1"):
        p.error("--bind must be a loopback address")
    if args.https and not (args.cert and args.key):
        p.error("--https needs --cert and --key")
    if not args.post_status.replace(",", "").isdigit():
        p.error("--post-status must be a comma-separated list of statuses")
    return args


def main():
    args = parse_args()
    state = State(args)
    ssl_context = None
    if args.https:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(args.cert, args.key)

    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    server = Server((args.bind, args.port), state, family, ssl_context)
    port = server.server_address[1]

    def on_signal(signum, frame):
        stop_event.set()
        # shutdown() waits for serve_forever(), which runs in this thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    open(args.record, "a").close()
    print(port, flush=True)
    if args.port_file:
        tmp = f"{args.port_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.port_file)

    server.serve_forever(poll_interval=0.1)
    server.server_close()
    # Give handler threads a moment to see stop_event and finish writing records.
    time.sleep(0.05)


if __name__ == "__main__":
    main()
