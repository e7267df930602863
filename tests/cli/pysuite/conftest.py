"""The demo service's URL for the suite: E2E_PROXY_URL under perf-profile."""
import os

import pytest
import requests


@pytest.fixture
def base():
    return os.environ["E2E_PROXY_URL"]


@pytest.fixture(scope="session")
def http():
    with requests.Session() as s:
        yield s
