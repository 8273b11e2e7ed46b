"""Live-query fan-out for `make bench`: many sync sessions subscribed to one query, a stream of
mutations, and how long each session waits for its Transition; plus memory per idle session.

Each session is a raw WebSocket (the sync protocol's frames, nothing else) speaking as the
clients do: Connect, then ModifyQuerySet adding `messages:list`. A mutation goes over HTTP;
the time runs from sending it until each session has the Transition that carries it.
Python's standard library only (asyncio), so the bench needs no package.
"""

import asyncio
import base64
import json
import os
import struct
import time
import urllib.request


def _frame(payload: bytes, opcode: int = 1) -> bytes:
    """A masked client frame (RFC 6455 §5.2); the mask is fixed, which a bench may do."""
    mask = b"\x11\x22\x33\x44"
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Session:
    """One sync client: its socket and the Transitions it has read."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.transitions = asyncio.Queue()

    @classmethod
    async def open(cls, port: int, query_args: dict):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET /api/sync HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                      f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\nConvex-Client: python-0.8.1\r\n\r\n").encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"upgrade refused: {head[:80]!r}")
        session = cls(reader, writer)
        session.task = asyncio.ensure_future(session._read())
        session.send({"type": "Connect", "sessionId": "6ba7b810-9dad-11d1-80b4-%012x" % (id(session) & 0xFFFFFFFFFFFF),
                      "connectionCount": 0, "lastCloseReason": "InitialConnect", "clientTs": 0})
        session.send({"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1,
                      "modifications": [{"type": "Add", "queryId": 0, "udfPath": "messages:list", "args": [query_args]}]})
        return session

    def send(self, message: dict):
        self.writer.write(_frame(json.dumps(message).encode()))

    async def _read(self):
        try:
            while True:
                first, second = await self.reader.readexactly(2)
                length = second & 0x7F
                if length == 126:
                    (length,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif length == 127:
                    (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
                payload = await self.reader.readexactly(length)
                opcode = first & 0x0F
                if opcode == 9:  # ping: answer it, as clients do
                    self.writer.write(_frame(payload, opcode=10))
                elif opcode == 1 and payload.startswith(b'{"type":"Transition"'):
                    self.transitions.put_nowait((time.monotonic(), payload))
                elif opcode == 8:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    def close(self):
        self.task.cancel()
        self.writer.close()


def _post(port: int, path: str, body: dict):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


async def _fanout(port: int, pid: int, sessions: int, mutations: int):
    before = _rss_kib(pid)
    opened = []
    for start in range(0, sessions, 100):
        opened += await asyncio.gather(*(Session.open(port, {"author": "fanout"}) for _ in range(start, min(sessions, start + 100))))
    # Every session has its first Transition (the query's initial result) before timing starts.
    await asyncio.wait_for(asyncio.gather(*(session.transitions.get() for session in opened)), 60)
    idle_kib = (_rss_kib(pid) - before) / sessions

    latencies, delivered = [], 0
    burst_started = time.monotonic()
    loop = asyncio.get_running_loop()
    for index in range(mutations):
        sent = time.monotonic()
        await loop.run_in_executor(None, _post, port, "/api/mutation",
                                   {"path": "messages:send", "args": {"body": f"fan-out {index}", "author": "fanout"}})
        marker = f"fan-out {index}".encode()
        for session in opened:
            while True:
                arrived, payload = await asyncio.wait_for(session.transitions.get(), 60)
                delivered += 1
                if marker in payload:
                    latencies.append(arrived - sent)
                    break
    elapsed = time.monotonic() - burst_started
    for session in opened:
        session.close()
    latencies.sort()
    percentile = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    return {
        "sessions": sessions, "mutations": mutations,
        "p50_ms": round(percentile(0.50), 2), "p99_ms": round(percentile(0.99), 2), "max_ms": round(latencies[-1] * 1000, 2),
        "transitions_per_second": round(delivered / elapsed), "idle_kib_per_session": round(idle_kib, 1),
    }


def measure(port: int, pid: int, sessions: int = 1000, mutations: int = 20) -> dict:
    """Opens `sessions` subscribed sessions on the admin `port` of server `pid`, then sends
    `mutations` one after another; returns latency percentiles (from sending each mutation to
    each session's Transition with it), Transitions delivered per second, and RSS per idle
    session."""
    return asyncio.run(_fanout(port, pid, sessions, mutations))
