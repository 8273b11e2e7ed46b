"""The pytest plugin (loaded through the `pytest11` entry point when the package is installed).

- `mockconvex`: a function-scoped fixture, the session's server for the test's config, reset
  before the test (documents, files, faults, functions and journal back to the config).
- `mockconvex_session`: the session-scoped server for the ini config, never reset by the plugin
  (for session-scoped fixtures of your own).
- The config: `@pytest.mark.mockconvex_config("app.json")` on the test, its class or its module
  (`pytestmark`), a path relative to the test's file, or `None` for no config; else the
  `mockconvex_config` ini option, relative to the ini file. One server runs per config.
- `--mockconvex-binary PATH`, else `$MOCKCONVEX_BINARY`, else `mockconvex` on PATH; the ini
  options `mockconvex_args` (more flags) and `mockconvex_port80` (serve port 80 too).
- A test that fails shows the journal: what its client sent since the reset.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Generator, Iterator

import pytest

from ._errors import MockConvexError, MockConvexStartError
from ._journal import describe_all
from ._server import MockConvex

MARKER = "mockconvex_config"
# How many journal entries a failure report shows (the newest).
JOURNAL_LINES = 100

_SERVER = pytest.StashKey[MockConvex]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockconvex")
    group.addoption("--mockconvex-binary", metavar="PATH", default=None,
                    help="the mockconvex binary the fixture runs (default: $MOCKCONVEX_BINARY, else mockconvex on PATH)")
    parser.addini("mockconvex_config", type="paths", default=[],
                  help="config file of the `mockconvex` fixture, relative to the ini file (a test may name another "
                       "with @pytest.mark.mockconvex_config)")
    parser.addini("mockconvex_args", type="args", default=[],
                  help="more mockconvex flags for the fixture's servers, e.g. --control-token T --threads 2")
    parser.addini("mockconvex_port80", type="bool", default=False,
                  help="serve the port-80 listener too (on a free port; port80_url)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(path): the config file the `mockconvex` fixture serves for this test "
                   "(relative to the test's file; None for none)")


class _Servers:
    """The session's servers, one per config, each started when a test first needs it. A
    server that failed to start fails every test that needs it at once, with the same message."""

    def __init__(self, config: pytest.Config) -> None:
        binary = config.getoption("--mockconvex-binary")
        self._binary = None if binary is None else config.invocation_params.dir / binary
        self._args = [str(arg) for arg in config.getini("mockconvex_args")]
        self._port80 = bool(config.getini("mockconvex_port80"))
        self._started: dict[Path | None, MockConvex] = {}
        self._failed: dict[Path | None, str] = {}

    def get(self, config_file: Path | None) -> MockConvex:
        """The server for `config_file`. One that cannot start fails the test with mockconvex's
        message alone (the helper's frames would only bury it), and so does every later test
        that needs it, without trying again."""
        if config_file not in self._started and config_file not in self._failed:
            server = MockConvex(config_file, binary=self._binary, port80=self._port80, args=self._args)
            try:
                self._started[config_file] = server.start()
            except MockConvexStartError as error:
                self._failed[config_file] = str(error)
        if config_file in self._failed:
            pytest.fail(self._failed[config_file], pytrace=False)
        return self._started[config_file]

    def stop_all(self) -> None:
        for server in self._started.values():
            server.stop()


def _ini_config(config: pytest.Config) -> Path | None:
    paths = config.getini("mockconvex_config")
    if len(paths) > 1:
        pytest.fail(f"the ini option mockconvex_config names {len(paths)} files; it takes one (quote a path with spaces)",
                    pytrace=False)
    return Path(os.path.abspath(paths[0])) if paths else None


def _config_for(request: pytest.FixtureRequest) -> Path | None:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return _ini_config(request.config)
    values = list(marker.args) + list(marker.kwargs.values())
    if len(values) != 1 or not (values[0] is None or isinstance(values[0], (str, os.PathLike))):
        pytest.fail(f"@pytest.mark.{MARKER} takes one config path (str or os.PathLike) or None; "
                    f"{request.node.nodeid} gave {values!r}", pytrace=False)
    if values[0] is None:
        return None
    return Path(os.path.abspath(Path(request.node.path).parent / values[0]))


@pytest.fixture(scope="session")
def _mockconvex_servers(pytestconfig: pytest.Config) -> Iterator[_Servers]:
    servers = _Servers(pytestconfig)
    try:
        yield servers
    finally:
        servers.stop_all()


@pytest.fixture(scope="session")
def mockconvex_session(_mockconvex_servers: _Servers, pytestconfig: pytest.Config) -> MockConvex:
    """The session's server for the `mockconvex_config` ini option, shared and not reset."""
    return _mockconvex_servers.get(_ini_config(pytestconfig))


@pytest.fixture
def mockconvex(request: pytest.FixtureRequest, _mockconvex_servers: _Servers) -> MockConvex:
    """The session's server for this test's config, reset to that config before the test."""
    server = _mockconvex_servers.get(_config_for(request))
    server.reset()
    request.node.stash[_SERVER] = server
    return server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Adds the journal to the report of a failing test that used the `mockconvex` fixture."""
    report = yield
    server = item.stash.get(_SERVER, None)
    if server is not None and report.failed:
        report.sections.append((f"mockconvex journal ({call.when})", _journal_text(server)))
    return report


def _journal_text(server: MockConvex) -> str:
    try:
        entries = server.requests(limit=JOURNAL_LINES + 1)
    except MockConvexError as error:
        return f"(the journal could not be read: {error})"
    return describe_all(entries[:JOURNAL_LINES], more=len(entries) > JOURNAL_LINES)
