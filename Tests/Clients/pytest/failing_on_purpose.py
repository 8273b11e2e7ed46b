"""A test that fails on purpose after its client has talked to mockconvex, so that
TestFrameworkHelperTests can check the failure report shows the journal (not collected by a
plain `pytest` run: its name does not start with test_)."""

import urllib.request

from convex import ConvexClient


def test_fails_after_its_client_wrote(mockconvex):
    with urllib.request.urlopen(mockconvex.site_url + "/hello", timeout=10) as response:
        assert response.read() == b"Hello world!"
    ConvexClient(mockconvex.url).mutation("messages:send", {"body": "written before the failure", "author": "ada"})
    assert False, "failing on purpose"
