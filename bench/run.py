#!/usr/bin/env python3
"""`make bench`: mockconvex against a bare C evhttp server and nginx, on loopback, as ratios.

Every server gets the same wrk load (bench/wrk_report.lua) in the same run, because absolute
figures drift between runs and machines; the ratios are what to compare. Each case runs against
its baseline in at least five interleaved rounds (the order swapped each round) and the median
ratio and the rounds' spread are printed. mockconvex runs with the flags users run it with (the
access log at info, into a file), and --log-level warning only as a second, labelled case. The
machine's load, busy share and CPU steal are read before and after, and a noisy run says so.
Instruction counts under callgrind (bench/instructions.py) come last: they are repeatable where
wall-clock figures are not. Prints one table and writes bench/results/latest.json. Bounded:
every wait has a deadline, each wrk run lasts --seconds, and every process started here is
stopped on the way out.

    bench/run.py --mockconvex PATH --baseline PATH [--static PATH] [--seconds 3] [--connections 32] [--rounds 5]
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

import instructions
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

    def __init__(self, command, ready_url=None, stdout_ready=None, env=None, stderr_path=None):
        # A log goes to a file, as a user's redirected stderr does; a pipe nobody reads would
        # fill and make the server drop lines, which is not what users run.
        self.stderr = open(stderr_path or os.devnull, "w")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        Server.started.append(self)
        self.lines = []
        if stdout_ready:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                line = self.process.stdout.readline()
                if not line:
                    raise RuntimeError(f"{command[0]} exited before it was ready (its stderr: {stderr_path or 'discarded'})")
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
        self.stderr.close()

    @classmethod
    def stop_all(cls):
        for server in cls.started:
            server.stop()


def mockconvex(binary, *arguments, log=None):
    """mockconvex on free ports with the example config and otherwise the flags users run with
    (access log at info), its stderr in the file `log`; returns the server and its ports."""
    command = [binary, "--port", "0", "--site-proxy-port", "0", "--port80-port", "0",
               "--config", os.path.join(ROOT, "config", "mockconvex.json"), *arguments]
    server = Server(command, stdout_ready="mockconvex ready", stderr_path=log)
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


def median_of(values):
    return statistics.median(values)


def compare(label, against, run_case, run_baseline, rounds, target=None, note=""):
    """`rounds` interleaved rounds of a case and its baseline, the order swapped every round so
    that neither side always runs on a warmer or quieter machine. Each round gives one ratio;
    the row keeps the median ratio and the spread (lowest and highest), and the median figures
    of each side."""
    cases, baselines, ratios = [], [], []
    for index in range(rounds):
        if index % 2 == 0:
            case, baseline = run_case(), run_baseline()
        else:
            baseline, case = run_baseline(), run_case()
        cases.append(case)
        baselines.append(baseline)
        ratios.append(case["rps"] / baseline["rps"] if baseline["rps"] else 0.0)
    middle = lambda runs, key: median_of([run[key] for run in runs])
    print(f"  measured {label}: {median_of(ratios):.2f}x {against} (rounds {', '.join(f'{r:.2f}' for r in ratios)})", file=sys.stderr)
    return {"name": label, "against": against, "rps": middle(cases, "rps"), "baseline_rps": middle(baselines, "rps"),
            "p50_us": middle(cases, "p50_us"), "p99_us": middle(cases, "p99_us"),
            "ratio": round(median_of(ratios), 2), "ratio_low": round(min(ratios), 2), "ratio_high": round(max(ratios), 2),
            "ratios": [round(ratio, 3) for ratio in ratios], "target": target, "note": note,
            "error_count": sum(run["error_count"] for run in cases + baselines)}


def machine_state(seconds=2.0):
    """Load averages, and CPU use and steal over `seconds` of the bench doing nothing: what
    else the machine is doing, which a ratio cannot fully cancel."""
    with open("/proc/loadavg") as loadavg:
        load = [float(value) for value in loadavg.read().split()[:3]]
    with open("/proc/stat") as stat:
        before = [int(value) for value in stat.readline().split()[1:]]
    time.sleep(seconds)
    with open("/proc/stat") as stat:
        after = [int(value) for value in stat.readline().split()[1:]]
    delta = [b - a for a, b in zip(before, after)]
    total = sum(delta[:8]) or 1
    idle = delta[3] + delta[4]
    return {"load": load, "busy_percent": round(100 * (total - idle) / total, 1),
            "steal_percent": round(100 * delta[7] / total, 1) if len(delta) > 7 else 0.0}


def startup(binary, runs=20):
    """Milliseconds from exec to the first /version answer, median of `runs`; and idle RSS."""
    times, rss = [], []
    for _ in range(runs):
        port = free_port()
        began = time.monotonic()
        process = subprocess.Popen([binary, "--port", str(port), "--site-proxy-port", "0", "--no-port80"],
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
    parser.add_argument("--seconds", type=int, default=3, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of each pair (at least 5)")
    parser.add_argument("--static", help="the container's static build, for its start-up and idle RSS")
    parser.add_argument("--no-instructions", action="store_true", help="skip the callgrind counts (valgrind)")
    parser.add_argument("--output", default=os.path.join(HERE, "results", "latest.json"))
    options = parser.parse_args()
    if options.rounds < 5:
        parser.error("--rounds must be at least 5: fewer cannot tell a ratio from noise")
    seconds, connections, rounds = options.seconds, options.connections, options.rounds
    work = tempfile.mkdtemp(prefix="mockconvex-bench-")
    results = {"date": time.strftime("%Y-%m-%d"), "machine": machine(), "before": machine_state(),
               "settings": {"seconds": seconds, "connections": connections, "wrk_threads": 1, "rounds": rounds}, "rows": []}
    rows = results["rows"]

    def body_file(name, content):
        path = os.path.join(work, name)
        with open(path, "wb") as file:
            file.write(content)
        return path

    def log(name):
        return os.path.join(work, f"{name}.stderr.log")

    def get(url, conns=connections, close=False, threads=1):
        return lambda: wrk(url, seconds, conns, close=close, threads=threads)

    def post(url, body, conns=connections):
        return lambda: wrk(url, seconds, conns, "POST", body, "application/json")

    def pair(*arguments, **keywords):
        entry = compare(*arguments, rounds=rounds, **keywords)
        rows.append(entry)
        return entry

    mutation_body = body_file("mutation.json", b'{"path":"messages:send","args":{"body":"hi","author":"bench"}}')
    try:
        # The C server, and mockconvex twice: as users start it (default flags, the access log
        # at info into a file) and with --log-level warning. All three stay up, so every pair
        # below interleaves its rounds.
        c_port = free_port()
        Server([options.baseline, str(c_port)], stdout_ready="ready")
        c_url = f"http://127.0.0.1:{c_port}"
        default, default_ports = mockconvex(options.mockconvex, log=log("default"))
        quiet, quiet_ports = mockconvex(options.mockconvex, "--log-level", "warning", log=log("warning"))
        admin = f"http://127.0.0.1:{default_ports['admin']}"
        quiet_admin = f"http://127.0.0.1:{quiet_ports['admin']}"
        document = json.loads(http("POST", admin + "/api/mutation", open(mutation_body, "rb").read(), {"Content-Type": "application/json"}))["value"]
        query_body = body_file("query.json", json.dumps({"path": "messages:get", "args": {"id": document}}).encode())

        pair("GET /version, default flags", "GET /version, C evhttp", get(admin + "/version"), get(c_url + "/version"), target=1.0)
        pair("POST /api/mutation insert, in memory, default flags", "POST fixed JSON, C evhttp",
             post(admin + "/api/mutation", mutation_body), post(c_url + "/api/mutation", mutation_body), target=0.5)
        pair("POST /api/query get by id, in memory, default flags", "POST fixed JSON, C evhttp",
             post(admin + "/api/query", query_body), post(c_url + "/api/mutation", mutation_body))
        pair("GET /version, --log-level warning", "GET /version, C evhttp", get(quiet_admin + "/version"), get(c_url + "/version"))
        pair("POST /api/mutation insert, in memory, --log-level warning", "POST fixed JSON, C evhttp",
             post(quiet_admin + "/api/mutation", mutation_body), post(c_url + "/api/mutation", mutation_body))
        quiet.stop()

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
            pair("GET /version, nginx (access log off)", "GET /version, C evhttp", get(f"http://127.0.0.1:{nginx_port}/version"), get(c_url + "/version"))

        # The port-80 path: socat in front of 3210 against mockconvex's own port 80.
        socat_port = free_port()
        Server(["socat", f"TCP-LISTEN:{socat_port},fork,reuseaddr,bind=127.0.0.1", f"TCP:127.0.0.1:{default_ports['admin']}"],
               ready_url=f"http://127.0.0.1:{socat_port}/version")
        for close in (False, True):
            kind = "no keep-alive" if close else "keep-alive"
            pair(f"port 80 through socat to 3210, {kind}", f"port 80 served by mockconvex, {kind}",
                 get(f"http://127.0.0.1:{socat_port}/version", close=close), get(f"http://127.0.0.1:{default_ports['port80']}/version", close=close))
        default.stop()

        # --data-dir: durable mutations against the C server; queries on one connection while 8
        # connections stream durable mutations, against the same queries alone; and mutations
        # from 8 writers against 1, which group commit lets share an fsync.
        durable, durable_ports = mockconvex(options.mockconvex, "--data-dir", os.path.join(work, "data"), log=log("data-dir"))
        durable_admin = f"http://127.0.0.1:{durable_ports['admin']}"
        document = json.loads(http("POST", durable_admin + "/api/mutation", open(mutation_body, "rb").read(), {"Content-Type": "application/json"}))["value"]
        durable_query = body_file("query-durable.json", json.dumps({"path": "messages:get", "args": {"id": document}}).encode())
        pair("POST /api/mutation insert, --data-dir, default flags", "POST fixed JSON, C evhttp",
             post(durable_admin + "/api/mutation", mutation_body), post(c_url + "/api/mutation", mutation_body))

        def beside_writers():
            streaming = wrk_in_background(durable_admin + "/api/mutation", seconds + 2, 8, "POST", mutation_body, "application/json")
            try:
                return wrk(durable_admin + "/api/query", seconds, 1, "POST", durable_query, "application/json")
            finally:
                streaming.wait(timeout=seconds + 30)
        pair("queries on 1 connection beside 8 streaming durable mutations", "the same queries alone",
             beside_writers, post(durable_admin + "/api/query", durable_query, conns=1), target=0.8)
        pair("durable mutations, 8 writers", "durable mutations, 1 writer",
             post(durable_admin + "/api/mutation", mutation_body, conns=8), post(durable_admin + "/api/mutation", mutation_body, conns=1), target=5.0)
        durable.stop()

        # --threads 2 against --threads 1, with wrk on 2 threads to load both.
        one, one_ports = mockconvex(options.mockconvex, "--threads", "1", log=log("threads1"))
        two, two_ports = mockconvex(options.mockconvex, "--threads", "2", log=log("threads2"))
        pair("GET /version, --threads 2, wrk -t2", "GET /version, --threads 1, wrk -t2",
             get(f"http://127.0.0.1:{two_ports['admin']}/version", threads=2), get(f"http://127.0.0.1:{one_ports['admin']}/version", threads=2))
        one.stop()
        two.stop()

        # 1 MiB storage upload and download, each on a fresh server for its peak RSS.
        storage = results["storage"] = []
        blob = body_file("blob.bin", os.urandom(MIB))
        for direction in ("upload", "download"):
            server, ports = mockconvex(options.mockconvex, "--convex-origin", "http://127.0.0.1:1", log=log(f"storage-{direction}"))
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
            storage.append({"direction": direction, "mb_per_second": round(megabytes, 1), "idle_rss_mib": round(idle / 1024, 1),
                            "peak_rss_mib": round(peak, 1), "blobs_kept_mib": kept, "beyond_kept_mib": round(peak - idle / 1024 - kept, 1)})
            server.stop()
            print(f"  measured 1 MiB storage {direction}: {megabytes:.0f} MB/s", file=sys.stderr)

        # Live-query fan-out: one subscribed sync session, then 1,000 (three times, on fresh
        # servers), from a mutation's sending to each session's Transition with it.
        fanout = results["sync_fanout"] = []
        for sessions, repeats in ((1, 1), (1000, 3)):
            for _ in range(repeats):
                server, ports = mockconvex(options.mockconvex, log=log(f"fanout-{sessions}"))
                fanout.append(sync_fanout.measure(ports["admin"], server.process.pid, sessions=sessions, mutations=40))
                server.stop()
                print(f"  measured sync fan-out to {sessions} sessions: p50 {fanout[-1]['p50_ms']} ms, p99 {fanout[-1]['p99_ms']} ms", file=sys.stderr)

        started_ms, idle_mib = startup(options.mockconvex)
        results["startup"] = {"median_ms": round(started_ms, 2), "runs": 20, "idle_rss_mib": round(idle_mib, 1)}
        if options.static:
            started_ms, idle_mib = startup(options.static)
            results["startup_static"] = {"median_ms": round(started_ms, 2), "runs": 20, "idle_rss_mib": round(idle_mib, 1)}

        # Instructions per request under callgrind: repeatable whatever the machine is doing,
        # and they say where the time goes.
        if not options.no_instructions and shutil.which("valgrind"):
            results["instructions"] = instruction_counts(options.mockconvex, options.baseline, mutation_body)
    finally:
        Server.stop_all()
        shutil.rmtree(work, ignore_errors=True)

    results["after"] = machine_state()
    os.makedirs(os.path.dirname(options.output), exist_ok=True)
    with open(options.output, "w") as output:
        json.dump(results, output, indent=2)
        output.write("\n")
    print(table(results))
    print(f"\nJSON: {os.path.relpath(options.output, ROOT)}")
    for warning in noise_warnings(results):
        print(f"warning: {warning}", file=sys.stderr)


def instruction_counts(mockconvex_binary, baseline, mutation_body):
    def mockconvex_ready(lines):
        return next(int(match.group(1)) for line in lines
                    if (match := re.match(r"mockconvex listening: admin http://127\.0\.0\.1:(\d+)", line)))
    port = free_port()
    mc = [mockconvex_binary, "--port", "0", "--site-proxy-port", "0", "--no-port80", "--config", os.path.join(ROOT, "config", "mockconvex.json")]
    c = [baseline, str(port)]
    body = open(mutation_body, "rb").read()
    counts = {
        "version_mockconvex": instructions.per_request(mc, "mockconvex ready", mockconvex_ready, "GET", "/version"),
        "version_c": instructions.per_request(c, "ready", lambda _: port, "GET", "/version"),
        "mutation_mockconvex": instructions.per_request(mc, "mockconvex ready", mockconvex_ready, "POST", "/api/mutation", body),
        "post_c": instructions.per_request(c, "ready", lambda _: port, "POST", "/api/mutation", body),
    }
    print(f"  counted instructions per request: {counts}", file=sys.stderr)
    return counts


def noise_warnings(results):
    """Why this run's figures may not be reproducible, if they may not."""
    warnings = []
    for moment in ("before", "after"):
        state = results[moment]
        if state["busy_percent"] > 10:
            warnings.append(f"the machine was {state['busy_percent']}% busy with other work {moment} the run")
        if state["steal_percent"] > 2:
            warnings.append(f"the hypervisor stole {state['steal_percent']}% of the CPU {moment} the run")
    # The load average trails by a minute (the build before the run shows in it), so what
    # counts is the busy share measured at the moment; the load is printed, not judged.
    for entry in results["rows"]:
        if entry["ratio_low"] and entry["ratio_high"] / entry["ratio_low"] > 1.25:
            warnings.append(f"{entry['name']}: its rounds' ratios spread from {entry['ratio_low']} to {entry['ratio_high']}")
    if warnings:
        warnings.append("a noisy run: rerun on a quiet machine before quoting these figures")
    return warnings


def table(results):
    m, settings = results["machine"], results["settings"]
    lines = [f"{results['date']}; machine: {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}, {m['swift']}, libevent {m['libevent']}"]
    for moment in ("before", "after"):
        state = results[moment]
        lines.append(f"{moment} the run: load {' '.join(str(value) for value in state['load'])}, "
                     f"{state['busy_percent']}% busy and {state['steal_percent']}% stolen over 2 s")
    lines += [f"wrk -t1 -c{settings['connections']} -d{settings['seconds']}s over loopback unless the case says otherwise; "
              f"{settings['rounds']} interleaved rounds per pair, the order swapped each round; figures are medians",
              "",
              "| case | req/s | p50 | p99 | against | its req/s | ratio | rounds' spread | target |",
              "|---|---:|---:|---:|---|---:|---:|---|---|"]
    for entry in results["rows"]:
        target = ""
        if entry["target"] is not None:
            target = f"≥ {entry['target']}x: {'met' if entry['ratio'] >= entry['target'] else 'NOT met'}"
        errors = f" ({entry['error_count']} errors)" if entry["error_count"] else ""
        lines.append(f"| {entry['name']}{errors} | {entry['rps']:.0f} | {entry['p50_us'] / 1000:.2f} ms | {entry['p99_us'] / 1000:.2f} ms | "
                     f"{entry['against']} | {entry['baseline_rps']:.0f} | {entry['ratio']:.2f}x | {entry['ratio_low']:.2f}–{entry['ratio_high']:.2f} | {target} |")
    fanout = results.get("sync_fanout")
    if fanout:
        lines += ["", "Live-query fan-out (default flags): sync sessions subscribed to `messages:list`, 40 mutations over HTTP one after",
                  "another; from sending a mutation until each session has the Transition carrying it (Python asyncio clients on the",
                  "same machine). Targets: p99 ≤ 100 ms for 1,000 sessions, ≤ 32 KiB per idle session.", "",
                  "| sessions | p50 | p99 | max | Transitions/s | RSS per idle session |", "|---:|---:|---:|---:|---:|---:|"]
        for entry in fanout:
            lines.append(f"| {entry['sessions']} | {entry['p50_ms']} ms | {entry['p99_ms']} ms | {entry['max_ms']} ms | "
                         f"{entry['transitions_per_second']} | {str(entry['idle_kib_per_session']) + ' KiB' if entry['sessions'] >= 100 else '-'} |")
    for entry in results.get("storage", []):
        lines.append(f"1 MiB storage {entry['direction']}, 8 connections: {entry['mb_per_second']} MB/s; RSS {entry['idle_rss_mib']} MiB idle, "
                     f"{entry['peak_rss_mib']} MiB peak, {entry['beyond_kept_mib']} MiB beyond the {entry['blobs_kept_mib']} MiB of blobs kept")
    lines.append("")
    for key, label in (("startup", "release build"), ("startup_static", "static (container) build")):
        start = results.get(key)
        if start:
            lines.append(f"start-up, {label}, exec to first /version answer: {start['median_ms']} ms (median of {start['runs']}); "
                         f"idle RSS {start['idle_rss_mib']} MiB")
    counts = results.get("instructions")
    if counts:
        lines += ["", "Instructions per request (callgrind, whole process, 4 keep-alive connections; default flags):", "",
                  "| case | mockconvex | C evhttp | ratio of C's to mockconvex's |", "|---|---:|---:|---:|",
                  f"| GET /version | {counts['version_mockconvex']:,} | {counts['version_c']:,} | {counts['version_c'] / counts['version_mockconvex']:.2f}x |",
                  f"| POST (mockconvex: insert mutation; C: fixed answer) | {counts['mutation_mockconvex']:,} | {counts['post_c']:,} | "
                  f"{counts['post_c'] / counts['mutation_mockconvex']:.2f}x |"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
