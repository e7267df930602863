"""A real suite against demo/service.py (tests/cli/tests.sh runs it through
perf-profile and asserts each test's request count, which is the number in
its name: test_NAME_<count>)."""
import os
import time
import urllib.request

import pytest


def test_health_1(http, base):
    assert http.get(base + "/health").status_code == 200


def test_users_list_2(http, base):
    for _ in range(2):
        assert http.get(base + "/users").status_code == 200


def test_user_by_id_5(http, base):
    for i in range(1, 6):
        assert http.get("%s/users/%d" % (base, i)).status_code == 200


def test_me_3(http, base):
    for _ in range(3):
        assert http.get(base + "/users/me").status_code == 200


def test_orders_4(http, base):
    # tests/cli/gate-tests.sh makes this test (alone) slower
    time.sleep(float(os.environ.get("PYSUITE_SLOW_ORDERS", "0")))
    for i in range(4):
        assert http.get("%s/orders/%d" % (base, i + 10)).status_code == 200


def test_create_order_2(http, base):
    for _ in range(2):
        assert http.post(base + "/orders", json={"item": "book"}).status_code in (200, 201)


def test_no_http_0():
    assert sum(range(10)) == 45


@pytest.mark.parametrize("uid", [7, 8, 9])
def test_param_1(http, base, uid):
    assert http.get("%s/users/%d" % (base, uid)).status_code == 200


def test_urllib_2(base):
    for _ in range(2):
        with urllib.request.urlopen(base + "/health") as r:
            assert r.status == 200


def test_failing_3(http, base):
    for i in range(3):
        http.get("%s/users/%d" % (base, 100 + i))
    assert False, "this test fails on purpose"


@pytest.mark.parametrize("word", ["café 100%"])
def test_unicode_1(http, base, word):
    assert http.get(base + "/health").status_code == 200
