"""Instructions per request under callgrind, for `make bench`: repeatable where wall-clock
figures on a shared machine are not, and they say where the time goes.

Each server runs under `valgrind --tool=callgrind` twice, once answering FEW requests and once
FEW + MANY (keep-alive, CONNECTIONS connections taking turns, one request in flight at a time,
as wrk sends them); the difference in the whole process's instruction count, divided by MANY,
is the cost of one request with start-up and shutdown taken out. The server's stderr goes to a
file, as a user's redirected log would. The binary is run from a copy without debug info:
valgrind 3.19 (Debian 12's) cannot read the DWARF 5 that Swift 6 writes, and the count does
not need it.
"""

import os
import re
import socket
import subprocess
import tempfile
import time

FEW, MANY, CONNECTIONS = 200, 2000, 4


def _request(method, path, body):
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode() + (body or b"")


def _read_response(connection, pending):
    """Reads one response (Content-Length framed) from `connection`; returns what follows it."""
    while b"\r\n\r\n" not in pending:
        chunk = connection.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        pending += chunk
    head, rest = pending.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {head[:80]!r}")
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise RuntimeError("the server closed the connection mid-body")
        rest += chunk
    return rest[length:]


def _drive(port, count, request):
    connections = [socket.create_connection(("127.0.0.1", port), timeout=120) for _ in range(CONNECTIONS)]
    pending = [b""] * CONNECTIONS
    try:
        for index in range(count):
            which = index % CONNECTIONS
            connections[which].sendall(request)
            pending[which] = _read_response(connections[which], pending[which])
    finally:
        for connection in connections:
            connection.close()


def _total(command, ready, port_of, count, request, work):
    out = os.path.join(work, "callgrind.out")
    log = open(os.path.join(work, "stderr.log"), "w")
    process = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"{command[0]} exited before it was ready")
            lines.append(line.rstrip("\n"))
            if lines[-1] == ready:
                break
        else:
            raise RuntimeError(f"{command[0]} not ready within 120 s")
        _drive(port_of(lines), count, request)
    finally:
        process.terminate()
        process.wait(timeout=120)
        log.close()
    with open(out) as profile:
        for line in profile:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError("no instruction total in the callgrind output")


def per_request(command, ready, port_of, method, path, body=None):
    """Instructions per request of `command` answering `method path` (see the module's doc)."""
    request = _request(method, path, body)
    with tempfile.TemporaryDirectory(prefix="mockconvex-callgrind-") as work:
        stripped = os.path.join(work, os.path.basename(command[0]))
        subprocess.run(["objcopy", "--strip-debug", command[0], stripped], check=True)
        command = [stripped, *command[1:]]
        few = _total(command, ready, port_of, FEW, request, work)
        more = _total(command, ready, port_of, FEW + MANY, request, work)
    return round((more - few) / MANY)
