"""The sync-protocol half of `make soak`: sessions on /api/sync with live subscriptions under a
mutation stream, checked message by message (see soak.py).

The WebSocket client is a small one written here: soak.py uses the Python standard library
only, and it must see every frame (pings, Closes) exactly as the server sends them.
"""

import asyncio
import base64
import hashlib
import json
import os
import random
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
ZERO_VERSION = {"querySet": 0, "identity": 0, "ts": "AAAAAAAAAAA="}


def timestamp(text):
    """A wire timestamp (base64 of the little-endian u64) as a number."""
    return struct.unpack("<Q", base64.b64decode(text))[0]


class WebSocket:
    """RFC 6455 client framing over asyncio streams: masked frames out, whole frames in."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port, path="/api/sync"):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if not head.startswith("HTTP/1.1 101 ") or f"sec-websocket-accept: {accept}\r\n" not in head:
            writer.close()
            raise ValueError(f"upgrade refused: {head[:200]!r}")
        return cls(reader, writer)

    def send(self, opcode, payload):
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.writer.write(head + mask + masked)

    def send_json(self, message):
        self.send(1, json.dumps(message, separators=(",", ":")).encode())

    async def frame(self):
        """The next frame: (opcode, payload)."""
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", await self.reader.readexactly(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
        if second & 0x80 or not first & 0x80:
            raise ValueError("the server sent a masked or fragmented frame")
        return first & 0x0F, await self.reader.readexactly(length)

    def close(self):
        self.writer.close()


class Session:
    """One sync client subscribed to one counter document; it checks every message it gets."""

    def __init__(self, soak, index, port, counter):
        self.soak = soak
        self.index = index
        self.port = port
        self.counter = counter
        self.socket = None
        self.version = dict(ZERO_VERSION)
        self.value = None
        self.transitions = 0
        self.updates = 0
        self.closing = False
        self.next_request = 0
        # request id -> (value written, commit ts once answered)
        self.pending = {}
        self.answered = asyncio.Event()

    async def open(self):
        path = "/api/1.45.0/sync" if self.index % 3 == 0 else "/api/sync"
        self.socket = await WebSocket.open(self.port, path)
        self.socket.send_json({"type": "Connect", "sessionId": f"00000000-0000-4000-8000-{self.index:012d}", "connectionCount": 0,
                               "lastCloseReason": "InitialConnect", "clientTs": int(time.time() * 1000)})
        self.socket.send_json({"type": "ModifyQuerySet", "baseVersion": 0, "newVersion": 1, "modifications": [
            {"type": "Add", "queryId": 0, "udfPath": "counters:get", "args": [{"id": self.counter}]}]})
        await self.socket.writer.drain()

    async def read(self):
        """Reads until the session is closed; every surprise is an error."""
        try:
            while True:
                opcode, payload = await self.socket.frame()
                if opcode == 9:
                    self.socket.send(10, payload)
                elif opcode == 1:
                    self.message(json.loads(payload))
                elif opcode == 8:
                    if not self.closing:
                        self.soak.error(f"session {self.index}: the server closed it: {payload!r}")
                    return
                else:
                    self.soak.error(f"session {self.index}: unexpected opcode {opcode}")
        except (OSError, asyncio.IncompleteReadError, ValueError) as failure:
            if not self.closing:
                self.soak.error(f"session {self.index}: {failure!r}")

    def message(self, message):
        kind = message.get("type")
        if kind == "Transition":
            if message["startVersion"] != self.version:
                self.soak.error(f"session {self.index}: Transition from {message['startVersion']}, expected {self.version}")
            self.version = message["endVersion"]
            self.transitions += 1
            self.soak.transitions += 1
            for modification in message["modifications"]:
                if modification.get("type") == "QueryUpdated" and modification.get("queryId") == 0:
                    self.value = (modification["value"] or {}).get("n")
                    self.updates += 1
                else:
                    self.soak.error(f"session {self.index}: modification {str(modification)[:200]}")
            # A mutation of this session is resolved by the first Transition at its commit.
            for request_id, (written, ts) in list(self.pending.items()):
                if ts is not None and timestamp(self.version["ts"]) >= ts:
                    if self.value != written:
                        self.soak.error(f"session {self.index}: the Transition after its mutation shows {self.value}, not {written}")
                    del self.pending[request_id]
                    self.answered.set()
        elif kind == "MutationResponse":
            request = self.pending.get(message.get("requestId"))
            if request is None or not message.get("success") or not message.get("ts"):
                self.soak.error(f"session {self.index}: {str(message)[:200]}")
                return
            self.pending[message["requestId"]] = (request[0], timestamp(message["ts"]))
        elif kind != "Ping":
            self.soak.error(f"session {self.index}: {str(message)[:200]}")

    async def write(self, value):
        """One mutation of this session's counter over its socket, resolved as the JS client
        resolves it: the response, then a Transition at its commit."""
        request_id = self.next_request
        self.next_request += 1
        self.pending[request_id] = (float(value), None)
        self.answered.clear()
        self.socket.send_json({"type": "Mutation", "requestId": request_id, "udfPath": "counters:set",
                               "args": [{"id": self.counter, "n": value}]})
        await self.socket.writer.drain()
        try:
            await asyncio.wait_for(self.answered.wait(), 30)
        except asyncio.TimeoutError:
            self.soak.error(f"session {self.index}: mutation {request_id} not resolved within 30 s")
            return False
        self.soak.socket_mutations += 1
        return True

    async def close(self):
        self.closing = True
        try:
            self.socket.send(8, struct.pack("!H", 1000))
            await self.socket.writer.drain()
        except OSError:
            pass


class SyncSoak:
    """`sessions` sync sessions over `counters` documents. One writer per document edits it
    every one to three seconds, in turn over HTTP and over the socket of a session subscribed
    to it, each write awaited, so the value last acknowledged is the one every session of that
    document must end with."""

    def __init__(self, ports, sessions, counters):
        self.ports = ports
        self.session_count = sessions
        self.counter_count = max(1, min(counters, sessions))
        # The first 20, and how many in all.
        self.errors = []
        self.error_count = 0
        self.transitions = 0
        self.http_mutations = 0
        self.socket_mutations = 0
        self.sessions = []
        self.counters = []
        # counter id -> the value last acknowledged
        self.expected = {}
        self.updates_at_warmup = []

    def error(self, what):
        self.error_count += 1
        if len(self.errors) < 20:
            self.errors.append(what)

    async def start(self, http_client_type):
        setup = http_client_type(self.ports["admin"])
        await setup.connect()
        for _ in range(self.counter_count):
            status, body = await setup.request("POST", "/api/mutation", b'{"path":"counters:add","args":{"n":0}}',
                                               {"Content-Type": "application/json"})
            if status != 200:
                raise RuntimeError(f"counters:add: {status} {body[:200]!r}")
            self.counters.append(json.loads(body)["value"])
        setup.close()
        self.expected = {counter: 0.0 for counter in self.counters}
        for index in range(self.session_count):
            port = self.ports["port80"] if index % 4 == 3 else self.ports["admin"]
            session = Session(self, index, port, self.counters[index % self.counter_count])
            await session.open()
            self.sessions.append(session)
        self.readers = [asyncio.create_task(session.read()) for session in self.sessions]

    async def writer(self, index, http_client_type, deadline):
        """Edits counter `index`: odd values over session `index`'s socket, even over HTTP."""
        counter = self.counters[index]
        client = http_client_type(self.ports["admin"])
        rng = random.Random(index)
        value = 0
        try:
            await client.connect()
            while time.monotonic() < deadline:
                await asyncio.sleep(1 + rng.random() * 2)
                value += 1
                if value % 2:
                    if not await self.sessions[index].write(value):
                        return
                else:
                    status, body = await client.request("POST", "/api/mutation", json.dumps(
                        {"path": "counters:set", "args": {"id": counter, "n": value}}).encode(), {"Content-Type": "application/json"})
                    if status != 200 or body != b'{"status":"success","value":null}':
                        return self.error(f"counters:set over HTTP: {status} {body[:120]!r}")
                    self.http_mutations += 1
                self.expected[counter] = float(value)
        except (OSError, asyncio.IncompleteReadError, ValueError) as failure:
            self.error(f"the writer of counter {index}: {failure!r}")
        finally:
            client.close()

    def streams(self, http_client_type, deadline):
        return [asyncio.create_task(self.writer(index, http_client_type, deadline)) for index in range(self.counter_count)]

    def warmed_up(self):
        """Marks where each session stands, so the end can tell that every one kept getting updates."""
        self.updates_at_warmup = [session.updates for session in self.sessions]

    async def finish(self):
        """Every session must come to the value last written to its counter (within 30 s);
        then all close."""
        settle = time.monotonic() + 30
        while time.monotonic() < settle:
            if all(session.value == self.expected[session.counter] for session in self.sessions):
                break
            await asyncio.sleep(0.1)
        stalled = [session.index for session, before in zip(self.sessions, self.updates_at_warmup) if session.updates == before]
        if stalled:
            self.error(f"{len(stalled)} sessions got no update after warm-up, e.g. {stalled[:10]}")
        behind = [session for session in self.sessions if session.value != self.expected[session.counter]]
        for session in behind[:10]:
            self.error(f"session {session.index}: ends at {session.value}, its counter at {self.expected[session.counter]}")
        if len(behind) > 10:
            self.error(f"... and {len(behind) - 10} more sessions behind")
        for session in self.sessions:
            await session.close()
        done, waiting = await asyncio.wait(self.readers, timeout=30)
        if waiting:
            self.error(f"{len(waiting)} sessions not closed within 30 s of their Close")
        for session in self.sessions:
            session.socket.close()

    def report(self):
        transitions = [session.transitions for session in self.sessions]
        updates = [session.updates for session in self.sessions]
        since = [session.updates - before for session, before in zip(self.sessions, self.updates_at_warmup)]
        return {"sessions": self.session_count, "counters": self.counter_count, "transitions": self.transitions,
                "transitions_per_session": {"min": min(transitions, default=0), "max": max(transitions, default=0)},
                "updates_per_session": {"min": min(updates, default=0), "max": max(updates, default=0),
                                        "min_after_warmup": min(since, default=0)},
                "http_mutations": self.http_mutations, "socket_mutations": self.socket_mutations,
                "errors": self.error_count, "first_errors": self.errors}
