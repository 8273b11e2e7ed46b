"""A stand-in OIDC identity provider on loopback for the auth tests: serves
/.well-known/openid-configuration and /jwks.json from files in DIR, read on every request so
that the test can rotate keys by rewriting them. Prints {"step": "listening", "port": N} once
it listens. Run as: python oidc_provider.py DIR
"""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIRECTORY = sys.argv[1]
FILES = {"/.well-known/openid-configuration": "openid-configuration.json", "/jwks.json": "jwks.json"}
# Ends a run its test forgot; the test kills it first.
signal.alarm(300)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        name = FILES.get(self.path)
        if name is None or not os.path.exists(os.path.join(DIRECTORY, name)):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(os.path.join(DIRECTORY, name), "rb") as file:
            body = file.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print(json.dumps({"step": "request", "path": self.path}), flush=True)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(json.dumps({"step": "listening", "port": server.server_address[1]}), flush=True)
server.serve_forever()
