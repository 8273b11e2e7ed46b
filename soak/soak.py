#!/usr/bin/env python3
"""`make soak`: many connections, a mix of every kind of route, for a bounded time, on loopback.

Holds --keepalive connections open at once (each sending request after request) while
--churn more connect, send one request and close, against a release mockconvex with a data
directory. Alongside, --sync sessions of the sync protocol (/api/sync, WebSocket) each
subscribe to one of --counters documents while a mutation stream edits each of them every
one to three seconds (in turn over HTTP and over a session's own socket): every Transition must chain from the one before, every
session must end with the value last written to its document, and a session's own mutation
must be followed by a Transition that shows it, and every session must keep getting updates
after warm-up. Reports the errors (any unexpected status,
message, close, reset or timeout: must be zero), the server's open file descriptors and RSS at
the start, after warm-up and at the end, and exits 1 if errors happened, RSS grew 10% or more
after warm-up, or the descriptors did not come back to the baseline once the clients left.

    soak/soak.py --mockconvex PATH [--seconds 180] [--keepalive 2000] [--churn 200] [--sync 2000]
"""

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from sync_soak import SyncSoak

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Client:
    """A minimal HTTP/1.1 client over asyncio streams: exactly what it sends, what it gets."""

    def __init__(self, port):
        self.port = port
        self.reader = None
        self.writer = None

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def request(self, method, path, body=b"", headers=None, close=False):
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Length: {len(body)}\r\n"
        for name, value in (headers or {}).items():
            head += f"{name}: {value}\r\n"
        if close:
            head += "Connection: close\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readuntil(b"\r\n")
            if line == b"\r\n":
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        payload = await self.reader.readexactly(length) if method != "HEAD" else b""
        return status, payload

    def close(self):
        if self.writer:
            self.writer.close()


class Soak:
    def __init__(self, ports, upload_query, deadline):
        self.ports = ports
        self.upload_query = upload_query
        self.deadline = deadline
        self.requests = 0
        self.errors = []
        self.document_ids = []
        self.uuids = []
        # Documents and files kept; later writes change or replace them.
        self.kept = 300

    def error(self, what):
        if len(self.errors) < 20:
            self.errors.append(what)
        else:
            self.errors.append(None)

    async def one(self, client, rng):
        """One request of the mix on `client`, checked."""
        kind = rng.randrange(9)
        json_headers = {"Content-Type": "application/json"}
        if kind == 0:
            status, body = await client.request("GET", "/version")
            ok = status == 200 and body == b"unknown"
        elif kind == 1 and len(self.document_ids) < self.kept:
            status, body = await client.request("POST", "/api/mutation", json.dumps(
                {"path": "messages:send", "args": {"body": "soak", "n": rng.randrange(1000)}}).encode(), json_headers)
            ok = status == 200 and body.startswith(b'{"status":"success"')
            if ok:
                self.document_ids.append(json.loads(body)["value"])
        elif kind == 1:
            # Past the first few hundred, mutations change documents rather than add them, so the
            # deployment's own data stops growing and what RSS does after warm-up is the server's.
            status, body = await client.request("POST", "/api/mutation", json.dumps(
                {"path": "messages:edit", "args": {"id": rng.choice(self.document_ids), "n": rng.randrange(1000)}}).encode(), json_headers)
            ok = status == 200 and body == b'{"status":"success","value":null}'
        elif kind == 2 and self.document_ids:
            status, body = await client.request("POST", "/api/query", json.dumps(
                {"path": "messages:get", "args": {"id": rng.choice(self.document_ids)}}).encode(), json_headers)
            ok = status == 200 and b'"body":"soak"' in body
        elif kind == 3:
            status, body = await client.request("POST", "/api/action", json.dumps(
                {"path": "app:echo", "args": {"x": 1}}).encode(), json_headers)
            ok = status == 200 and body == b'{"status":"success","value":{"x":1.0}}'
        elif kind == 4:
            status, body = await client.request("POST", "/api/storage/upload?" + self.upload_query,
                                                os.urandom(rng.randrange(1, 4096)), {"Content-Type": "application/octet-stream"})
            ok = status == 200 and body.startswith(b'{"storageId":"kg2')
            if ok:
                stored = json.loads(body)["storageId"]
                if len(self.uuids) < self.kept:
                    self.uuids.append(stored)
                else:
                    # Uploaded and deleted, so the stored files stay as many.
                    status, body = await client.request("POST", "/api/mutation", json.dumps(
                        {"path": "files:delete", "args": {"storageId": stored}}).encode(), json_headers)
                    ok = status == 200 and body == b'{"status":"success","value":null}'
                    self.requests += 1
        elif kind == 5 and self.uuids:
            status, body = await client.request("POST", "/api/query", json.dumps(
                {"path": "files:url", "args": {"storageId": rng.choice(self.uuids)}}).encode(), json_headers)
            ok = status == 200 and b"/api/storage/" in body
        elif kind == 6:
            status, body = await client.request("POST", "/api/query", b'{"path":"messages:get","args":{"id":"nonsense"}}', json_headers)
            ok = status == 200 and b'"status":"error"' in body
        elif kind == 7:
            status, body = await client.request("GET", "/http/hello")
            ok = status == 200 and body == b"Hello world!"
        else:
            status, body = await client.request("POST", "/api/query", b"{not json", json_headers)
            ok = status == 400 and b"BadJsonBody" in body
        self.requests += 1
        if not ok:
            self.error(f"kind {kind}: {status} {body[:120]!r}")

    async def keepalive(self, index):
        rng = random.Random(index)
        port = self.ports["admin"] if index % 4 else self.ports["port80"]
        client = Client(port)
        try:
            await client.connect()
            while time.monotonic() < self.deadline:
                await self.one(client, rng)
                await asyncio.sleep(rng.random() * 0.5)
        except (OSError, asyncio.IncompleteReadError, ValueError) as failure:
            self.error(f"keep-alive connection {index}: {failure!r}")
        finally:
            client.close()

    async def churn(self, index):
        rng = random.Random(100000 + index)
        while time.monotonic() < self.deadline:
            client = Client(self.ports["site"] if index % 2 else self.ports["admin"])
            try:
                await client.connect()
                if index % 2:
                    status, body = await client.request("GET", "/hello", close=True)
                    self.requests += 1
                    if status != 200 or body != b"Hello world!":
                        self.error(f"site: {status} {body[:80]!r}")
                else:
                    await self.one(client, rng)
            except (OSError, asyncio.IncompleteReadError, ValueError) as failure:
                self.error(f"churn {index}: {failure!r}")
            finally:
                client.close()


async def soak(ports, upload_query, seconds, keepalive, churn):
    deadline = time.monotonic() + seconds
    state = Soak(ports, upload_query, deadline)
    tasks = [asyncio.create_task(state.keepalive(i)) for i in range(keepalive)]
    tasks += [asyncio.create_task(state.churn(i)) for i in range(churn)]
    return state, tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mockconvex", required=True)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--keepalive", type=int, default=2000)
    parser.add_argument("--churn", type=int, default=200)
    parser.add_argument("--sync", type=int, default=2000, help="sync sessions with a live subscription each")
    parser.add_argument("--counters", type=int, default=100, help="documents the sync sessions subscribe to")
    options = parser.parse_args()
    if options.seconds <= options.warmup:
        parser.error("--seconds must be longer than --warmup")

    # Room for every connection on both ends; the server inherits the limit.
    needed = options.keepalive + options.churn + options.sync + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(needed, soft), hard), hard))

    work = tempfile.mkdtemp(prefix="mockconvex-soak-")
    config = os.path.join(work, "config.json")
    with open(os.path.join(ROOT, "config", "mockconvex.json")) as example:
        document = json.load(example)
    document["functions"]["files:upload"] = {"type": "mutation", "storage": "generateUploadUrl"}
    document["functions"]["files:url"] = {"type": "query", "storage": "getUrl"}
    document["functions"]["app:echo"] = {"type": "action", "echo": True}
    document["functions"]["files:delete"] = {"type": "mutation", "storage": "delete"}
    document["functions"]["counters:add"] = {"type": "mutation", "insert": "counters"}
    document["functions"]["counters:set"] = {"type": "mutation", "patch": "counters"}
    document["functions"]["counters:get"] = {"type": "query", "get": "counters"}
    with open(config, "w") as file:
        json.dump(document, file)
    server = subprocess.Popen([options.mockconvex, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0", "--config", config,
                               "--data-dir", os.path.join(work, "data"), "--log-level", "warning", "--journal-size", "1000"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ports = {}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError(f"mockconvex exited: {server.stderr.read()}")
            match = re.match(r"mockconvex listening: (\w+) http://127\.0\.0\.1:(\d+)", line)
            if match:
                ports[match.group(1)] = int(match.group(2))
            if line.strip() == "mockconvex ready":
                break
        else:
            raise RuntimeError("mockconvex did not become ready")

        async def run():
            setup = Client(ports["admin"])
            await setup.connect()
            _, body = await setup.request("POST", "/api/mutation", b'{"path":"files:upload","args":{}}', {"Content-Type": "application/json"})
            setup.close()
            upload_query = json.loads(body)["value"].split("?", 1)[1]
            start = {"fds": fd_count(server.pid), "rss_mib": round(rss_mib(server.pid), 1)}
            sync = SyncSoak(ports, options.sync, options.counters)
            await sync.start(Client)
            state, tasks = await soak(ports, upload_query, options.seconds, options.keepalive, options.churn)
            streams = sync.streams(Client, state.deadline)
            await asyncio.sleep(options.warmup)
            open_now = fd_count(server.pid)
            warm = {"fds": open_now, "rss_mib": round(rss_mib(server.pid), 1), "requests": state.requests}
            sync.warmed_up()
            await asyncio.gather(*tasks, *streams)
            await sync.finish()
            end = {"rss_mib": round(rss_mib(server.pid), 1), "requests": state.requests}
            # Every client has closed: the descriptors come back to the baseline (bounded wait).
            settle = time.monotonic() + 30
            while fd_count(server.pid) > start["fds"] and time.monotonic() < settle:
                await asyncio.sleep(0.05)
            end["fds"] = fd_count(server.pid)
            return state, sync, start, warm, end

        state, sync, start, warm, end = asyncio.run(run())
        errors = len(state.errors) + sync.error_count
        growth = (end["rss_mib"] - warm["rss_mib"]) / warm["rss_mib"] * 100
        report = {
            "seconds": options.seconds, "warmup_seconds": options.warmup,
            "connections": {"keepalive_open_at_once": options.keepalive, "churning": options.churn,
                            "server_fds_after_warmup": warm["fds"]},
            "requests": end["requests"], "errors": errors, "first_errors": [e for e in state.errors if e][:20],
            "sync": sync.report(),
            "fds": {"start": start["fds"], "after_warmup": warm["fds"], "end": end["fds"]},
            "rss_mib": {"start": start["rss_mib"], "after_warmup": warm["rss_mib"], "end": end["rss_mib"],
                        "growth_after_warmup_percent": round(growth, 1)},
        }
        print(json.dumps(report, indent=2))
        failed = errors > 0 or growth >= 10 or end["fds"] > start["fds"] or server.poll() is not None
        print("soak " + ("FAILED" if failed else "passed"))
        sys.exit(1 if failed else 0)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
