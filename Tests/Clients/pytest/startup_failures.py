"""Tests whose server cannot start (TestFrameworkHelperTests runs this file with the example
config, then again with the admin port taken): each fails at setup, at once, with mockconvex's
own message, while a test with a config that works still passes."""

import pytest


@pytest.mark.mockconvex_config("bad-config.json")
def test_with_a_bad_config(mockconvex):
    pass


@pytest.mark.mockconvex_config("bad-config.json")
def test_with_the_same_bad_config(mockconvex):
    pass


def test_with_the_ini_config(mockconvex):
    assert [row["body"] for row in mockconvex.state()["tables"]["messages"]] == ["seeded"]
