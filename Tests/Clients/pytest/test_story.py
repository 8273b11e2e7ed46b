"""The pytest plugin as a user meets it, with the real Python client (`convex` 0.8.1): the
`mockconvex` fixture is the session's server, reset before each test; the client reads and
writes, a fault reaches it, the journal shows what it sent, and the next test starts from the
config again. TestFrameworkHelperTests runs this file and checks the summary line."""

from __future__ import annotations

import gc
import socket
import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from convex import ConvexClient
from convex.http_client import ConvexHttpClient

from mockconvex import ControlAPIError, MockConvex, MockConvexControl


@pytest.fixture(autouse=True)
def clients_gone_after_each_test(mockconvex):
    """The next test's journal starts empty only if this test's clients have stopped talking:
    their last reference goes with the test, and the server sees their sockets close."""
    yield
    gc.collect()
    deadline = time.monotonic() + 10
    while mockconvex.sync_sessions():
        assert time.monotonic() < deadline, f"sync sessions still open: {mockconvex.sync_sessions()}"
        time.sleep(0.01)


def bodies(rows):
    return [row["body"] for row in rows]


def sent_over_sync(server, message_type):
    """The client's sync messages of one type, oldest first."""
    return [entry for entry in reversed(server.requests(kind="sync"))
            if entry["direction"] == "in" and entry["messageType"] == message_type]


def subscribed(url, author):
    """A client holding a live query, as an app's page does, with its first value."""
    client = ConvexClient(url)
    subscription = client.subscribe("messages:list", {"author": author})
    return client, subscription, next(subscription)


def test_the_client_reads_the_seed_and_writes_and_the_journal_shows_its_mutation(mockconvex):
    client, subscription, first = subscribed(mockconvex.url, "ada")
    assert bodies(first) == ["seeded"]
    assert mockconvex.declare("notes:count", {"type": "query", "returns": 7}) == {"type": "query", "returns": 7}
    assert client.query("notes:count", {}) == 7
    assert client.mutation("messages:send", {"body": "from pytest", "author": "ada"}).startswith("j57")
    assert bodies(client.query("messages:list", {"author": "ada"})) == ["seeded", "from pytest"]

    mutations = sent_over_sync(mockconvex, "Mutation")
    assert len(mutations) == 1
    assert '"udfPath":"messages:send"' in mutations[0]["preview"]
    assert '"body":"from pytest"' in mutations[0]["preview"]
    upgrades = mockconvex.requests(kind="http", path_prefix="/api/")
    assert [(entry["method"], entry["path"], entry["status"]) for entry in upgrades] == [("GET", "/api/sync", 101)]
    subscription.unsubscribe()

    # pytest.ini asks for port 80 too.
    with urllib.request.urlopen(mockconvex.port80_url + "/version", timeout=10) as response:
        assert response.status == 200
    assert [entry["listener"] for entry in mockconvex.requests(path_prefix="/version")] == ["port80"]


def test_the_reset_before_this_test_put_the_config_back(mockconvex):
    assert mockconvex.requests() == []
    assert mockconvex.faults() == []
    assert bodies(mockconvex.state()["tables"]["messages"]) == ["seeded"]
    client, subscription, first = subscribed(mockconvex.url, "ada")
    assert bodies(first) == ["seeded"]
    with pytest.raises(Exception, match="Could not find public function for 'notes:count'"):
        client.query("notes:count", {})
    subscription.unsubscribe()


def test_a_dropped_socket_is_retried_and_the_journal_shows_it(mockconvex):
    client, subscription, _ = subscribed(mockconvex.url, "ada")
    mockconvex.fault("syncDrop", message_type="Mutation", times=1)
    assert client.mutation("messages:send", {"body": "survived a drop", "author": "ada"}).startswith("j57")

    # The first try reached the server and lost its socket; the client reconnected, said why,
    # and sent the same request again on the new session.
    mutations = sent_over_sync(mockconvex, "Mutation")
    assert len(mutations) == 2
    assert mutations[0]["preview"] == mutations[1]["preview"]
    assert mutations[0]["session"] != mutations[1]["session"]
    reconnect = sent_over_sync(mockconvex, "Connect")[-1]
    assert '"connectionCount":1' in reconnect["preview"]
    assert '"lastCloseReason":"InternalServerError"' in reconnect["preview"]
    assert mockconvex.faults() == []
    assert bodies(mockconvex.state()["tables"]["messages"]) == ["seeded", "survived a drop"]
    subscription.unsubscribe()


def test_a_503_reaches_the_http_client_then_the_retry_succeeds(mockconvex):
    client = ConvexHttpClient(mockconvex.url)
    fault = mockconvex.fault("status", path="/api/mutation", status=503,
                             body={"code": "ServiceUnavailable", "message": "down for a test"}, times=1)
    assert mockconvex.faults()[0]["id"] == fault
    with pytest.raises(Exception, match="^503 ServiceUnavailable: down for a test$"):
        client.mutation("messages:send", {"body": "first try", "author": "http"})
    assert client.mutation("messages:send", {"body": "second try", "author": "http"}).startswith("j57")

    calls = list(reversed(mockconvex.requests(path_prefix="/api/mutation")))
    assert [(entry["method"], entry["status"], entry["fault"]) for entry in calls] == [
        ("POST", 503, "status"), ("POST", 200, None)]
    assert '"first try"' in calls[0]["bodyPreview"]


@pytest.mark.mockconvex_config("greetings.json")
def test_a_marker_names_another_config_served_by_its_own_server(mockconvex, mockconvex_session):
    assert mockconvex.url != mockconvex_session.url
    assert ConvexClient(mockconvex.url).query("greetings:hello", {}) == "hello from another config"
    assert "messages" not in mockconvex.state()["tables"]


def test_the_class_serves_port80_and_sends_the_control_token_from_args(pytestconfig):
    with MockConvex(None, binary=pytestconfig.getoption("--mockconvex-binary"), port80=True,
                    args=["--control-token", "s3cret"]) as server:
        assert server.port80_url is not None
        with urllib.request.urlopen(server.port80_url + "/version", timeout=10) as response:
            assert response.status == 200
        port = urlsplit(server.port80_url).port
        assert server.set_listener("port80", False) == {"name": "port80", "host": "127.0.0.1", "port": port, "enabled": False}
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10)
        with pytest.raises(ControlAPIError) as refused:
            MockConvexControl(server.url).faults()
        assert (refused.value.status, refused.value.code) == (401, "ControlTokenRequired")
        assert server.admin_key.startswith("convex-self-hosted|01")
        admin = server.url
    assert not server.running
    assert server.stop() == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", urlsplit(admin).port), timeout=10)


def test_a_test_user_signs_in_with_one_call(mockconvex):
    client = ConvexClient(mockconvex.url)
    client.set_auth(mockconvex.token("alice", claims={"name": "Alice"}))
    me = client.query("me:who")
    assert (me["subject"], me["name"], me["tokenIdentifier"]) == ("alice", "Alice", "http://127.0.0.1/_mock/auth|alice")
    with pytest.raises(ControlAPIError) as refused:
        mockconvex.token("")
    assert (refused.value.status, refused.value.code) == (400, "InvalidTokenRequest")
