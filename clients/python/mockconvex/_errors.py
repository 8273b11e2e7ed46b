"""The exceptions the helper raises: one base class, so a test can catch them all."""

from __future__ import annotations

from typing import Sequence


class MockConvexError(Exception):
    """Anything that went wrong starting, stopping or driving mockconvex."""

    # Reports name the classes as users import them: mockconvex.MockConvexStartError.
    __module__ = "mockconvex"


class MockConvexStartError(MockConvexError):
    """mockconvex did not start: the binary is missing, or it exited or hung before `ready`.

    The message carries what mockconvex itself printed on stderr (a config error with its
    JSON path, a port that is taken and the flag that moves it), so the fix is in the report.
    """

    __module__ = "mockconvex"

    def __init__(self, message: str, *, command: Sequence[str] = (), exit_status: int | None = None,
                 stderr: str = "") -> None:
        super().__init__(message)
        #: The command that was run, binary first.
        self.command = list(command)
        #: The exit status, or None when it did not exit (it hung and was killed, or never ran).
        self.exit_status = exit_status
        #: What mockconvex printed on stderr before it stopped.
        self.stderr = stderr


class ControlAPIError(MockConvexError):
    """The control API refused a request: its HTTP status and its `{"code", "message"}` body."""

    __module__ = "mockconvex"

    def __init__(self, status: int, code: str, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(f"{method} {path}: {status} {code}: {message}".strip())
        self.status = status
        self.code = code
        self.message = message
