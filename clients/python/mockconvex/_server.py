"""The mockconvex binary in a child process: started on free ports, ready when it says so,
always stopped (SIGTERM, a bounded wait, then SIGKILL)."""

from __future__ import annotations

import atexit
import collections
import os
import queue
import shutil
import subprocess
import threading
import time
import weakref
from types import TracebackType
from typing import IO, Iterable, Sequence

from ._control import MockConvexControl
from ._errors import MockConvexError, MockConvexStartError

_LISTENING = "mockconvex listening: "
_ADMIN_KEY = "mockconvex admin key"
_READY = "mockconvex ready"

# Servers still running when the interpreter exits (a test run interrupted, a `start()`
# without `stop()`) are stopped then, so none outlives the tests and holds its ports.
_running: weakref.WeakSet[MockConvex] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_running):
        server.stop()


def find_binary(binary: str | os.PathLike[str] | None = None) -> str:
    """`binary`, else `$MOCKCONVEX_BINARY`, else `mockconvex` on PATH; an executable file."""
    chosen = binary if binary is not None else os.environ.get("MOCKCONVEX_BINARY") or shutil.which("mockconvex")
    if chosen is None:
        raise MockConvexStartError(
            "no mockconvex binary: pass binary=..., set MOCKCONVEX_BINARY, or put mockconvex on PATH "
            "(`swift build -c release` builds it; the container image has it at /usr/local/bin/mockconvex)")
    path = os.fspath(chosen)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise MockConvexStartError(f"no mockconvex binary at {path}: it is not an executable file")
    return path


def _has_flag(args: Sequence[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in args)


def _flag_value(args: Sequence[str], flag: str) -> str | None:
    """The value of the last `--flag V` or `--flag=V` in args (the one mockconvex uses)."""
    value = None
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith(flag + "="):
            value = arg[len(flag) + 1:]
    return value


class _Lines:
    """A pipe read to its end on a thread of its own, so mockconvex never blocks writing
    its logs; stdout's lines also go to a queue that start() waits on."""

    def __init__(self, pipe: IO[bytes], keep: int, to_queue: bool) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=keep)
        self.queue: queue.Queue[str | None] | None = queue.Queue() if to_queue else None
        self._thread = threading.Thread(target=self._read, args=(pipe,), name="mockconvex-output", daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[bytes]) -> None:
        with pipe:
            for raw in pipe:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append(line)
                if self.queue is not None:
                    self.queue.put(line)
        if self.queue is not None:
            self.queue.put(None)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        return "\n".join(self.lines)


class MockConvex(MockConvexControl):
    """mockconvex in a child process, with the control API's methods.

    ::

        with MockConvex("app.json") as server:
            client = ConvexClient(server.url)
            server.fault("status", path="/api/mutation", status=503, times=1)

    It listens on free ports (`--port 0 --site-proxy-port 0 --port80-port 0`) and leaves port
    80 unserved (`--no-port80`) unless `port80` is true. `args` are further flags; a port flag
    among them wins over the free port, and a `--control-token` there is sent with every
    control request. A server that cannot start raises `MockConvexStartError` with
    mockconvex's own message.
    """

    def __init__(self, config: str | os.PathLike[str] | None = None, *, binary: str | os.PathLike[str] | None = None,
                 port80: bool = False, data_dir: str | os.PathLike[str] | None = None, args: Iterable[str] = (),
                 start_timeout: float = 20.0, stop_timeout: float = 10.0) -> None:
        """`config` is the config file (docs/config.md); `binary` the mockconvex to run (else
        `$MOCKCONVEX_BINARY`, else PATH); `data_dir` keeps data across restarts;
        `start_timeout` bounds the wait for `ready` and `stop_timeout` the wait after SIGTERM."""
        extra = [os.fspath(arg) for arg in args]
        super().__init__("", control_token=_flag_value(extra, "--control-token"))
        self._admin_url = None
        self._config = config
        self._binary = binary
        self._port80 = port80
        self._data_dir = data_dir
        self._args = extra
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stdout: _Lines | None = None
        self._stderr: _Lines | None = None
        self._listeners: dict[str, str] = {}
        self._admin_key: str | None = None

    @property
    def site_url(self) -> str:
        """The HTTP-action listener: `http://127.0.0.1:PORT`."""
        return self._listener("site")

    @property
    def port80_url(self) -> str | None:
        """The listener standing for port 80, with `port80=True`; None when it is not served."""
        self._listener("admin")
        return self._listeners.get("port80")

    @property
    def admin_key(self) -> str:
        """The admin key (generated unless `--admin-key` was given), for `set_admin_auth`."""
        self._listener("admin")
        assert self._admin_key is not None
        return self._admin_key

    @property
    def command(self) -> list[str]:
        """The command start() runs, binary first."""
        command = [find_binary(self._binary)]
        for flag in ("--port", "--site-proxy-port", "--port80-port"):
            if not _has_flag(self._args, flag):
                command += [flag, "0"]
        if not self._port80 and not _has_flag(self._args, "--no-port80"):
            command.append("--no-port80")
        if self._config is not None:
            command += ["--config", os.fspath(self._config)]
        if self._data_dir is not None:
            command += ["--data-dir", os.fspath(self._data_dir)]
        return command + self._args

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def stderr_lines(self) -> list[str]:
        """The newest lines mockconvex logged on stderr (at most 1000)."""
        return list(self._stderr.lines) if self._stderr else []

    def start(self) -> MockConvex:
        """Starts the server and waits (at most `start_timeout` s) until it is ready."""
        if self._process is not None:
            raise MockConvexError("this MockConvex was already started; make a new one to start another server")
        command = self.command
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=subprocess.PIPE)
        except OSError as error:
            raise MockConvexStartError(f"could not run {command[0]}: {error}", command=command) from error
        _running.add(self)
        assert self._process.stdout is not None and self._process.stderr is not None
        self._stdout = _Lines(self._process.stdout, keep=100, to_queue=True)
        self._stderr = _Lines(self._process.stderr, keep=1000, to_queue=False)
        try:
            self._wait_until_ready(command)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self, command: list[str]) -> None:
        assert self._process is not None and self._stdout is not None and self._stdout.queue is not None
        deadline = time.monotonic() + self._start_timeout
        while True:
            try:
                line = self._stdout.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise MockConvexStartError(
                    f"mockconvex printed no `{_READY}` within {self._start_timeout:g} s\n{self._printed()}"
                    f"\n(command: {' '.join(command)})", command=command, stderr=self._stderr_text()) from None
            if line is None:
                status = self._wait_for_exit()
                stderr = self._stderr_text()
                raise MockConvexStartError(
                    f"mockconvex exited with status {status} before it was ready:\n{stderr or '(nothing on stderr)'}"
                    f"\n(command: {' '.join(command)})", command=command, exit_status=status, stderr=stderr)
            if line.startswith(_LISTENING):
                name, _, url = line[len(_LISTENING):].partition(" ")
                self._listeners[name] = url
            elif line.startswith(_ADMIN_KEY):
                self._admin_key = line.partition(": ")[2]
            elif line == _READY:
                self._admin_url = self._listeners.get("admin")
                if self._admin_url is None:
                    raise MockConvexStartError(f"mockconvex reported no admin listener:\n{self._printed()}",
                                               command=command)
                return

    def _wait_for_exit(self) -> int | None:
        """The exit status once stdout has closed, after its stderr is read to the end."""
        assert self._process is not None and self._stderr is not None
        try:
            status = self._process.wait(timeout=self._stop_timeout)
        except subprocess.TimeoutExpired:
            return None
        self._stderr.join(timeout=self._stop_timeout)
        return status

    def _stderr_text(self) -> str:
        return self._stderr.text().strip() if self._stderr else ""

    def _printed(self) -> str:
        out = self._stdout.text() if self._stdout else ""
        return f"stdout:\n{out}\nstderr:\n{self._stderr_text()}"

    def stop(self) -> int | None:
        """Stops the server: SIGTERM, at most `stop_timeout` s for it to exit, then SIGKILL.
        Returns its exit status (0 after a clean SIGTERM); a second call does nothing more."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self._stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=self._stop_timeout)
        for lines in (self._stdout, self._stderr):
            if lines is not None:
                lines.join(timeout=self._stop_timeout)
        _running.discard(self)
        self._admin_url = None
        return process.returncode

    def _listener(self, name: str) -> str:
        if self._admin_url is None:
            raise MockConvexError("mockconvex is not running: use `with MockConvex(...)` or call start() first")
        url = self._listeners.get(name)
        if url is None:
            raise MockConvexError(f"mockconvex reported no {name} listener")
        return url

    def __enter__(self) -> MockConvex:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._admin_url or "not running"
        return f"<MockConvex {where}>"
