"""e2e's pytest plugin: tells the e2e proxy which test issued each request.

`e2e perf-profile -- pytest ...` loads it by itself (PYTEST_PLUGINS=e2e_pytest
with this directory on PYTHONPATH): no change to the tests or their
configuration. Without E2E_CONTROL_URL (not run under perf-profile) it does
nothing.

* Around each test it posts the markers "test started" and "test ended with
  STATUS" to $E2E_CONTROL_URL (the test's own time and status).
* While a test runs, every HTTP request that Python's http.client sends to
  the proxy (requests, urllib3, urllib, http.client itself) carries the
  header E2E-Test: NODEID, which the proxy strips before forwarding. That
  keeps attribution exact with pytest-xdist workers running tests at once.

A marker the proxy refuses is reported once as a warning; the suite runs on.
"""
import http.client
import os
import urllib.error
import urllib.parse
import urllib.request
import warnings

import pytest

CONTROL_URL = os.environ.get("E2E_CONTROL_URL", "")
HEADER = "E2E-Test"

_current = None  # the node id of the running test
_warned = False
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _proxy_address():
    """(host, port) of the proxy, from E2E_CONTROL_URL."""
    u = urllib.parse.urlsplit(CONTROL_URL)
    return (u.hostname or "", u.port or 80)


def header_value(name):
    """The name as the header carries it: printable ASCII as is, every other
    byte (and '%') percent-encoded."""
    out = []
    for b in name.encode("utf-8"):
        c = chr(b)
        out.append(c if 0x20 <= b < 0x7F and c != "%" else "%%%02X" % b)
    return "".join(out)


def mark(verb, name, status=None):
    """Posts one marker; a refusal or an unreachable proxy is a warning."""
    global _warned
    query = {"name": name}
    if status:
        query["status"] = status
    url = "%s/%s?%s" % (CONTROL_URL, verb, urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
    try:
        _opener.open(urllib.request.Request(url, data=b"", method="POST"), timeout=10).read()
    except (urllib.error.URLError, OSError) as e:
        if not _warned:
            _warned = True
            detail = e.read().decode("utf-8", "replace").strip() if isinstance(e, urllib.error.HTTPError) else str(e)
            warnings.warn("e2e: test marker refused: %s" % detail)


_endheaders = http.client.HTTPConnection.endheaders


def _endheaders_with_test(self, *args, **kwargs):
    if _current is not None and (self.host, self.port) == _ADDRESS:
        try:
            self.putheader(HEADER, header_value(_current))
        except Exception:  # headers already sent: leave the request alone
            pass
    return _endheaders(self, *args, **kwargs)


def _status(reports):
    """pytest's outcome of a test from its setup, call and teardown reports."""
    status = "passed"
    for r in reports:
        if hasattr(r, "wasxfail"):
            return "xpassed" if r.passed else "xfailed"
        if r.failed:
            return "failed" if r.when == "call" else "error"
        if r.skipped:
            status = "skipped"
    return status


if CONTROL_URL:
    _ADDRESS = _proxy_address()
    http.client.HTTPConnection.endheaders = _endheaders_with_test

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(item, nextitem):
        global _current
        item._e2e_reports = []
        mark("start", item.nodeid)
        _current = item.nodeid
        try:
            yield
        finally:
            _current = None
            mark("end", item.nodeid, _status(item._e2e_reports))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        outcome = yield
        reports = getattr(item, "_e2e_reports", None)
        if reports is not None:
            reports.append(outcome.get_result())
