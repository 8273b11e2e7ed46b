"""The control API (`/_mock/` on the admin listener) as Python methods, over the standard
library's HTTP client: faults, the request journal, reset, listener switches and functions
declared at run time."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping

from ._errors import ControlAPIError, MockConvexError

# A fixture on loopback must never go through a proxy that HTTP_PROXY happens to name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_SNAKE = re.compile(r"_([a-z])")


def _camel(name: str) -> str:
    """`path_prefix` -> `pathPrefix`: the control API's JSON names, from Python keyword style."""
    return _SNAKE.sub(lambda match: match.group(1).upper(), name)


class MockConvexControl:
    """The control API of a mockconvex that is already running (in a container, say).

    `MockConvex` is this plus the process it starts. Every method raises `ControlAPIError`
    (status, code, message) when the control API refuses the request.
    """

    def __init__(self, url: str, *, control_token: str | None = None, timeout: float = 10.0) -> None:
        """`url` is the admin listener (`http://127.0.0.1:3210`); `control_token` what
        `--control-token` was given, if anything; `timeout` bounds each request, in seconds."""
        self._admin_url: str | None = url.rstrip("/")
        self._control_token = control_token
        self._timeout = timeout

    @property
    def url(self) -> str:
        """The admin listener's URL, for Convex clients: `http://127.0.0.1:PORT`."""
        if self._admin_url is None:
            raise MockConvexError("mockconvex is not running: use `with MockConvex(...)` or call start() first")
        return self._admin_url

    def fault(self, kind: str, **fields: Any) -> int:
        """Adds a fault and returns its id.

        `fields` are the fault object's fields (docs/control-api.md), in either spelling:
        `fault("status", path="/api/mutation", status=503, times=1)`,
        `fault("reset", path_prefix="/api/storage/")`, `fault("syncDrop", messageType="Mutation")`.
        """
        body = {"kind": kind, **{_camel(name): value for name, value in fields.items()}}
        return int(self._call("POST", "/_mock/faults", body)["id"])

    def faults(self) -> list[dict[str, Any]]:
        """The active faults, each with `applied`: how often it has acted so far."""
        return list(self._call("GET", "/_mock/faults")["faults"])

    def clear_faults(self) -> int:
        """Removes every fault; returns how many there were."""
        return int(self._call("DELETE", "/_mock/faults")["removed"])

    def requests(self, listener: str | None = None, method: str | None = None, path_prefix: str | None = None,
                 limit: int | None = None, *, kind: str | None = None) -> list[dict[str, Any]]:
        """The request journal, newest first: HTTP requests (`kind` "http") and sync messages
        (`kind` "sync"), each a dict as docs/control-api.md describes. Filters: `listener`
        ("admin", "site", "port80"), `method`, `path_prefix`, `limit`, `kind`."""
        filters = {"kind": kind, "listener": listener, "method": method, "pathPrefix": path_prefix, "limit": limit}
        query = urllib.parse.urlencode({name: value for name, value in filters.items() if value is not None})
        return list(self._call("GET", "/_mock/requests" + ("?" + query if query else ""))["requests"])

    def clear_requests(self) -> int:
        """Empties the journal; returns how many entries it held."""
        return int(self._call("DELETE", "/_mock/requests")["cleared"])

    def reset(self) -> dict[str, Any]:
        """Puts the deployment back to its config (documents, files, scheduled functions,
        functions, routes, faults, journal) and returns the new state."""
        return dict(self._call("POST", "/_mock/reset"))

    def set_listener(self, name: str, enabled: bool) -> dict[str, Any]:
        """Opens or closes a listener ("admin", "site", "port80") for real; returns it."""
        return dict(self._call("PUT", "/_mock/listeners/" + urllib.parse.quote(name, safe=""), {"enabled": enabled}))

    def listeners(self) -> list[dict[str, Any]]:
        """Every listener: name, host, port, enabled."""
        return list(self._call("GET", "/_mock/listeners")["listeners"])

    def declare(self, path: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Declares (or replaces) the function `path` with the config file's JSON for it, e.g.
        `declare("notes:add", {"type": "mutation", "insert": "notes"})`; returns it as stored."""
        return dict(self._call("PUT", "/_mock/functions/" + urllib.parse.quote(path, safe="/:"), dict(spec))["function"])

    def undeclare(self, path: str) -> None:
        """Removes the function `path` (declared in the config or at run time) until the next reset."""
        self._call("DELETE", "/_mock/functions/" + urllib.parse.quote(path, safe="/:"))

    def sync_sessions(self) -> list[dict[str, Any]]:
        """The open sync sessions (the clients' WebSockets): id, sessionId, identity, queries."""
        return list(self._call("GET", "/_mock/sync")["sessions"])

    def state(self) -> dict[str, Any]:
        """Every document (in convex_encoded_json), file and scheduled function."""
        return dict(self._call("GET", "/_mock/state"))

    def token(self, subject: str, claims: Mapping[str, Any] | None = None, expires_in_seconds: int | None = None) -> str:
        """A signed JWT for a test user from the built-in test issuer, which this deployment
        accepts (`client.set_auth(server.token("alice"))`). `claims` add to `sub` and `iss`; a
        negative `expires_in_seconds` gives an expired token."""
        body: dict[str, Any] = {"subject": subject}
        if claims is not None:
            body["claims"] = dict(claims)
        if expires_in_seconds is not None:
            body["expiresInSeconds"] = expires_in_seconds
        return str(self._call("POST", "/_mock/auth/token", body)["token"])

    def save_recording(self) -> dict[str, Any]:
        """Under `mockconvex record`: writes the recording to its `--out` file now; what it wrote."""
        return dict(self._call("POST", "/_mock/record/save"))

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        """One control request; the JSON answer, or ControlAPIError with the server's code."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._control_token is not None:
            request.add_header("Authorization", "Bearer " + self._control_token)
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                text = error.read().decode("utf-8", "replace")
            try:
                problem = json.loads(text)
                code, message = str(problem["code"]), str(problem["message"])
            except (ValueError, KeyError, TypeError):
                code, message = "", text
            raise ControlAPIError(error.code, code, message, method=method, path=path) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise MockConvexError(f"{method} {self.url}{path} failed: {reason}") from error
