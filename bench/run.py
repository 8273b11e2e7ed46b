#!/usr/bin/env python3
"""`make bench`: mockconvex against a bare C evhttp server and nginx, on loopback, as ratios.

Every server gets the same wrk load (bench/wrk_report.lua) in the same run, because absolute
figures drift between runs and machines; the ratios are what to compare. Prints one table and
writes bench/results/latest.json. Bounded: every wait has a deadline, each wrk run lasts
--seconds, and every process started here is stopped on the way out.

    bench/run.py --mockconvex PATH --baseline PATH [--static PATH] [--seconds 4] [--connections 32] [--rounds 2]
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import sync_fanout

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REPORT = os.path.join(HERE, "wrk_report.lua")
MIB = 1 << 20


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise RuntimeError(f"gave up waiting for {what} after {timeout} s")


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


class Server:
    """A process started for the bench, always stopped (see `stop_all`)."""

    started = []

    def __init__(self, command, ready_url=None, stdout_ready=None, env=None):
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        Server.started.append(self)
        self.lines = []
        if stdout_ready:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                line = self.process.stdout.readline()
                if not line:
                    raise RuntimeError(f"{command[0]} exited: {self.process.stderr.read()}")
                self.lines.append(line.rstrip("\n"))
                if line.rstrip("\n") == stdout_ready:
                    break
            else:
                raise RuntimeError(f"{command[0]} not ready")
        if ready_url:
            wait_until(lambda: answers(ready_url), 20, ready_url)

    def status_kib(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    @classmethod
    def stop_all(cls):
        for server in cls.started:
            server.stop()


def mockconvex(binary, *arguments):
    """mockconvex on free ports; returns the server and its listeners' ports."""
    command = [binary, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0", "--log-level", "warning",
               "--config", os.path.join(ROOT, "config", "mockconvex.json"), *arguments]
    server = Server(command, stdout_ready="mockconvex ready")
    ports = {}
    for line in server.lines:
        match = re.match(r"mockconvex listening: (\w+) http://127\.0\.0\.1:(\d+)", line)
        if match:
            ports[match.group(1)] = int(match.group(2))
    return server, ports


def wrk(url, seconds, connections, method="GET", body_file="-", content_type="-", close=False, threads=1):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", REPORT, url, "--",
               method, body_file, content_type] + (["close"] if close else [])
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            figures = json.loads(line)
            figures["error_count"] = sum(figures["errors"].values())
            return figures
    raise RuntimeError(f"wrk printed no report: {result.stdout} {result.stderr}")


def wrk_in_background(url, seconds, connections, method, body_file, content_type):
    """A wrk load left running while another is measured (its own figures are not kept)."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", REPORT, url, "--", method, body_file, content_type]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def best(runs):
    """The least disturbed of several runs of one case: the one with the most requests/s."""
    return max(runs, key=lambda figures: figures["rps"])


def startup(binary, runs=20):
    """Milliseconds from exec to the first /version answer, median of `runs`; and idle RSS."""
    times, rss = [], []
    for _ in range(runs):
        port = free_port()
        began = time.monotonic()
        process = subprocess.Popen([binary, "--port", str(port), "--site-proxy-port", "0", "--no-port80", "--log-level", "warning"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/version"
            deadline = began + 10
            while time.monotonic() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
                        connection.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        if connection.recv(64).startswith(b"HTTP/1.1 200"):
                            break
                except OSError:
                    time.sleep(0.0005)
            else:
                raise RuntimeError(f"no answer from {url}")
            times.append((time.monotonic() - began) * 1000)
            with open(f"/proc/{process.pid}/status") as status:
                rss.append(next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")))
        finally:
            process.terminate()
            process.wait(timeout=10)
    return statistics.median(times), statistics.median(rss) / 1024


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    except OSError:
        pass
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(), "swift": swift[0] if swift else "?",
            "libevent": subprocess.run(["pkg-config", "--modversion", "libevent"], capture_output=True, text=True).stdout.strip()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mockconvex", required=True)
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="runs of the key cases, the best kept")
    parser.add_argument("--static", help="the container's static build, for its start-up and idle RSS")
    parser.add_argument("--output", default=os.path.join(HERE, "results", "latest.json"))
    options = parser.parse_args()
    seconds, connections = options.seconds, options.connections
    work = tempfile.mkdtemp(prefix="mockconvex-bench-")
    results = {"machine": machine(), "settings": {"seconds": seconds, "connections": connections, "wrk_threads": 1}, "rows": []}
    rows = results["rows"]

    def row(name, figures, **extra):
        entry = {"name": name, **figures, **extra}
        rows.append(entry)
        print(f"  measured {name}: {figures.get('rps', 0):.0f} req/s", file=sys.stderr)
        return entry

    def body_file(name, content):
        path = os.path.join(work, name)
        with open(path, "wb") as file:
            file.write(content)
        return path

    mutation_body = body_file("mutation.json", b'{"path":"messages:send","args":{"body":"hi","author":"bench"}}')
    try:
        # GET /version and a POST: mockconvex and the C server alternately, best of `rounds`, so
        # that a disturbance on the machine does not land on one side only.
        server, ports = mockconvex(options.mockconvex)
        admin = f"http://127.0.0.1:{ports['admin']}"
        c_port = free_port()
        Server([options.baseline, str(c_port)], stdout_ready="ready")
        c_url = f"http://127.0.0.1:{c_port}"
        rounds = {"mc": [], "c": [], "c_post": []}
        for _ in range(options.rounds):
            rounds["mc"].append(wrk(admin + "/version", seconds, connections))
            rounds["c"].append(wrk(c_url + "/version", seconds, connections))
            rounds["c_post"].append(wrk(c_url + "/api/mutation", seconds, connections, "POST", mutation_body, "application/json"))
        mc_version = row("GET /version, mockconvex", best(rounds["mc"]))
        c_version = row("GET /version, C evhttp", best(rounds["c"]))
        c_post = row("POST fixed JSON, C evhttp", best(rounds["c_post"]))

        nginx_version = None
        nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
        if nginx:
            nginx_port = free_port()
            prefix = os.path.join(work, "nginx")
            os.makedirs(prefix)
            with open(os.path.join(prefix, "nginx.conf"), "w") as conf:
                conf.write(f"""daemon off; master_process off; worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy; fastcgi_temp_path {prefix}/fastcgi;
  uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{nginx_port}; location / {{ default_type "text/plain; charset=utf-8"; return 200 "unknown"; }} }} }}
""")
            Server([nginx, "-p", prefix, "-c", os.path.join(prefix, "nginx.conf")], ready_url=f"http://127.0.0.1:{nginx_port}/version")
            nginx_version = row("GET /version, nginx", wrk(f"http://127.0.0.1:{nginx_port}/version", seconds, connections))

        # Mutation (insert) and query (get by id), in memory and with --data-dir.
        for label, extra in (("in memory", []), ("--data-dir", ["--data-dir", os.path.join(work, "data")])):
            server.stop()
            server, ports = mockconvex(options.mockconvex, *extra)
            admin = f"http://127.0.0.1:{ports['admin']}"
            row(f"POST /api/mutation insert, {label}",
                best([wrk(admin + "/api/mutation", seconds, connections, "POST", mutation_body, "application/json") for _ in range(options.rounds)]),
                ratio_to="POST fixed JSON, C evhttp")
            document = json.loads(http("POST", admin + "/api/mutation", open(mutation_body, "rb").read(), {"Content-Type": "application/json"}))["value"]
            query_body = body_file("query.json", json.dumps({"path": "messages:get", "args": {"id": document}}).encode())
            row(f"POST /api/query get by id, {label}",
                best([wrk(admin + "/api/query", seconds, connections, "POST", query_body, "application/json") for _ in range(options.rounds)]),
                ratio_to="POST fixed JSON, C evhttp")

        # Reads while durable writes stream (--data-dir): queries on one connection alone, then
        # beside 1 and 8 connections streaming mutations; and mutations from 8 writers against
        # 1, which group commit lets share fsyncs.
        server.stop()
        server, ports = mockconvex(options.mockconvex, "--data-dir", os.path.join(work, "data-streaming"))
        admin = f"http://127.0.0.1:{ports['admin']}"
        document = json.loads(http("POST", admin + "/api/mutation", open(mutation_body, "rb").read(), {"Content-Type": "application/json"}))["value"]
        query_body = body_file("query-streaming.json", json.dumps({"path": "messages:get", "args": {"id": document}}).encode())
        alone = row("queries on 1 connection, --data-dir, alone",
                    best([wrk(admin + "/api/query", seconds, 1, "POST", query_body, "application/json") for _ in range(options.rounds)]))
        for writers in (1, 8):
            def beside():
                streaming = wrk_in_background(admin + "/api/mutation", seconds + 2, writers, "POST", mutation_body, "application/json")
                try:
                    return wrk(admin + "/api/query", seconds, 1, "POST", query_body, "application/json")
                finally:
                    streaming.wait(timeout=seconds + 30)
            row(f"queries on 1 connection, --data-dir, beside {writers} streaming durable mutations",
                best([beside() for _ in range(options.rounds)]), ratio_to=alone["name"])
        one_writer = row("durable mutations, 1 writer",
                         best([wrk(admin + "/api/mutation", seconds, 1, "POST", mutation_body, "application/json") for _ in range(options.rounds)]))
        row("durable mutations, 8 writers",
            best([wrk(admin + "/api/mutation", seconds, 8, "POST", mutation_body, "application/json") for _ in range(options.rounds)]),
            ratio_to=one_writer["name"])

        # 1 MiB storage upload and download, each on a fresh server for its peak RSS.
        blob = body_file("blob.bin", os.urandom(MIB))
        for direction in ("upload", "download"):
            server.stop()
            server, ports = mockconvex(options.mockconvex, "--convex-origin", "http://127.0.0.1:1")
            admin = f"http://127.0.0.1:{ports['admin']}"
            http("PUT", admin + "/_mock/functions/bench:upload", b'{"type":"mutation","storage":"generateUploadUrl"}')
            url = json.loads(http("POST", admin + "/api/mutation", b'{"path":"bench:upload","args":{}}', {"Content-Type": "application/json"}))["value"]
            upload = admin + "/api/storage/upload?" + url.split("?", 1)[1]
            idle = server.status_kib("VmRSS")
            if direction == "upload":
                figures = wrk(upload, seconds, 8, "POST", blob, "application/octet-stream")
                megabytes = figures["rps"] * MIB / 1e6
            else:
                stored = json.loads(http("POST", upload, open(blob, "rb").read(), {"Content-Type": "application/octet-stream"}))["storageId"]
                http("PUT", admin + "/_mock/functions/bench:url", b'{"type":"query","storage":"getUrl"}')
                file_url = json.loads(http("POST", admin + "/api/query", json.dumps({"path": "bench:url", "args": {"storageId": stored}}).encode(),
                                           {"Content-Type": "application/json"}))["value"]
                figures = wrk(admin + "/api/storage/" + file_url.rsplit("/", 1)[1], seconds, 8)
                megabytes = figures["bytes_per_second"] / 1e6
            # In memory, every upload is kept: what counts is the peak beyond the blobs kept.
            kept = len(json.loads(http("GET", admin + "/_mock/state"))["files"])
            peak = server.status_kib("VmHWM") / 1024
            row(f"1 MiB storage {direction}", figures, mb_per_second=round(megabytes, 1), idle_rss_mib=round(idle / 1024, 1),
                peak_rss_mib=round(peak, 1), blobs_kept_mib=kept, beyond_kept_mib=round(peak - idle / 1024 - kept, 1))

        # The port-80 path: mockconvex's own port 80 against socat in front of 3210.
        server.stop()
        server, ports = mockconvex(options.mockconvex)
        socat_port = free_port()
        Server(["socat", f"TCP-LISTEN:{socat_port},fork,reuseaddr,bind=127.0.0.1", f"TCP:127.0.0.1:{ports['admin']}"],
               ready_url=f"http://127.0.0.1:{socat_port}/version")
        for close in (False, True):
            kind = "no keep-alive" if close else "keep-alive"
            own = row(f"port 80 served by mockconvex, {kind}", wrk(f"http://127.0.0.1:{ports['port80']}/version", seconds, connections, close=close))
            row(f"port 80 through socat to 3210, {kind}", wrk(f"http://127.0.0.1:{socat_port}/version", seconds, connections, close=close),
                ratio_to=own["name"])

        # Live-query fan-out: one subscribed sync session, then 1,000, each on a fresh server.
        fanout = results["sync_fanout"] = []
        for sessions in (1, 1000):
            server.stop()
            server, ports = mockconvex(options.mockconvex)
            fanout.append(sync_fanout.measure(ports["admin"], server.process.pid, sessions=sessions, mutations=40))
            print(f"  measured sync fan-out to {sessions} sessions: p50 {fanout[-1]['p50_ms']} ms", file=sys.stderr)

        # --threads 1 against --threads 2 (wrk with 2 threads, to load both).
        for threads in (1, 2):
            server.stop()
            server, ports = mockconvex(options.mockconvex, "--threads", str(threads))
            row(f"GET /version, --threads {threads}, wrk -t2", wrk(f"http://127.0.0.1:{ports['admin']}/version", seconds, connections, threads=2))
        server.stop()

        started_ms, idle_mib = startup(options.mockconvex)
        results["startup"] = {"median_ms": round(started_ms, 2), "runs": 20, "idle_rss_mib": round(idle_mib, 1)}
        if options.static:
            started_ms, idle_mib = startup(options.static)
            results["startup_static"] = {"median_ms": round(started_ms, 2), "runs": 20, "idle_rss_mib": round(idle_mib, 1)}
    finally:
        Server.stop_all()
        shutil.rmtree(work, ignore_errors=True)

    by_name = {entry["name"]: entry for entry in rows}
    for entry in rows:
        if "ratio_to" in entry:
            entry["ratio"] = round(entry["rps"] / by_name[entry["ratio_to"]]["rps"], 2)
    mc_version["ratio_to"], mc_version["ratio"] = c_version["name"], round(mc_version["rps"] / c_version["rps"], 2)
    if nginx_version:
        nginx_version["ratio_to"], nginx_version["ratio"] = c_version["name"], round(nginx_version["rps"] / c_version["rps"], 2)
    threads2 = by_name["GET /version, --threads 2, wrk -t2"]
    threads2["ratio_to"] = "GET /version, --threads 1, wrk -t2"
    threads2["ratio"] = round(threads2["rps"] / by_name[threads2["ratio_to"]]["rps"], 2)

    os.makedirs(os.path.dirname(options.output), exist_ok=True)
    with open(options.output, "w") as output:
        json.dump(results, output, indent=2)
        output.write("\n")
    print(table(results))
    print(f"\nJSON: {os.path.relpath(options.output, ROOT)}")
    errors = sum(entry["error_count"] for entry in rows)
    if errors:
        print(f"warning: {errors} wrk errors (see the JSON)", file=sys.stderr)


def table(results):
    m = results["machine"]
    lines = [f"machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}, {m['swift']}, libevent {m['libevent']}",
             f"wrk -t1 -c{results['settings']['connections']} -d{results['settings']['seconds']}s over loopback, sharing the machine",
             "",
             "| case | req/s | p50 | p99 | ratio | against | notes |",
             "|---|---:|---:|---:|---:|---|---|"]
    for entry in results["rows"]:
        notes = []
        if "mb_per_second" in entry:
            notes.append(f"{entry['mb_per_second']} MB/s; RSS {entry['idle_rss_mib']} MiB idle, {entry['peak_rss_mib']} MiB peak, "
                         f"{entry['beyond_kept_mib']} MiB beyond the {entry['blobs_kept_mib']} MiB of blobs kept")
        if entry["error_count"]:
            notes.append(f"{entry['error_count']} errors")
        ratio = f"{entry['ratio']:.2f}x" if "ratio" in entry else ""
        lines.append(f"| {entry['name']} | {entry['rps']:.0f} | {entry['p50_us'] / 1000:.2f} ms | {entry['p99_us'] / 1000:.2f} ms | {ratio} | "
                     f"{entry.get('ratio_to', '')} | {'; '.join(notes)} |")
    lines.append("")
    for key, label in (("startup", "release build"), ("startup_static", "static (container) build")):
        start = results.get(key)
        if start:
            lines.append(f"start-up, {label}, exec to first /version answer: {start['median_ms']} ms (median of {start['runs']}); "
                         f"idle RSS {start['idle_rss_mib']} MiB")
    fanout = results.get("sync_fanout")
    if fanout:
        lines += ["", "Live-query fan-out: sync sessions subscribed to `messages:list`, 40 mutations over HTTP one after another; time from",
                  "sending a mutation until each session has the Transition carrying it (Python asyncio clients on the same machine)", "",
                  "| sessions | p50 | p99 | max | Transitions/s | RSS per idle session |", "|---:|---:|---:|---:|---:|---:|"]
        for entry in fanout:
            lines.append(f"| {entry['sessions']} | {entry['p50_ms']} ms | {entry['p99_ms']} ms | {entry['max_ms']} ms | "
                         f"{entry['transitions_per_second']} | {str(entry['idle_kib_per_session']) + ' KiB' if entry['sessions'] >= 100 else '-'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
