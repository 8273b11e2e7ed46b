"""mockconvex from Python tests: start the binary on free ports, drive its control API, and
(with pytest) get a fresh deployment per test from the `mockconvex` fixture.

::

    from mockconvex import MockConvex

    with MockConvex("app.json") as server:
        server.fault("status", path="/api/mutation", status=503, times=1)
        ...  # a Convex client at server.url
        assert server.requests(path_prefix="/api/mutation")[0]["status"] == 503

The pytest plugin (`mockconvex.pytest_plugin`) is registered when the package is installed.
"""

from ._control import MockConvexControl
from ._errors import ControlAPIError, MockConvexError, MockConvexStartError
from ._server import MockConvex, find_binary

__all__ = [
    "ControlAPIError",
    "MockConvex",
    "MockConvexControl",
    "MockConvexError",
    "MockConvexStartError",
    "find_binary",
]
__version__ = "0.1.0"
