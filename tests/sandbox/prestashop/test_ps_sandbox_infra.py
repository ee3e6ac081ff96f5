"""Running the sandbox: real sockets, fault injection, outages, the latency model, the control API."""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import httpx
import pytest
from ps_helpers import KEY

from courroie.sandbox.prestashop import SandboxURL, run_in_thread
from courroie.sandbox.prestashop.latency import cost_ms


@pytest.fixture
def client(sandbox: SandboxURL):
    with httpx.Client(base_url=sandbox, auth=(KEY, ""), timeout=5) as http:
        yield http


def test_run_in_thread_serves_the_webservice(sandbox: SandboxURL, client: httpx.Client) -> None:
    assert sandbox.startswith("http://127.0.0.1:") and sandbox.api == f"{sandbox}/api"
    root = client.get("/api/")
    assert root.status_code == 200
    raw = dict(root.headers.raw)
    assert raw[b"Content-type"] == b"text/xml;charset=utf-8"  # PrestaShop's casing, on the wire
    assert raw[b"PSWS-Version"] == b"8.1.2" and raw[b"X-Powered-By"] == b"PrestaShop Webservice"
    head = client.head("/api/languages/1")
    assert head.status_code == 200 and head.content == b"" and "content-sha1" in head.headers
    assert client.get("/api/", params={"ws_key": KEY}, auth=None).status_code == 200
    anonymous = client.get("/api/", auth=None)
    assert anonymous.status_code == 401 and anonymous.text == "401 Unauthorized"
    assert anonymous.headers["www-authenticate"].startswith('Basic realm="Welcome to PrestaShop Webservice')


def test_injected_http_errors(sandbox: SandboxURL, client: httpx.Client) -> None:
    sandbox.control.inject("503", count=2, match="/api/products")
    assert [client.get("/api/products").status_code for _ in range(3)] == [503, 503, 200]
    sandbox.control.inject("429")
    limited = client.get("/api/languages")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
    sandbox.control.inject("500", method="PUT")
    assert client.get("/api/languages").status_code == 200  # only PUTs are hit
    assert client.put("/api/languages/1", content=b"<prestashop/>").status_code == 500


def test_reset_and_timeout(sandbox: SandboxURL, client: httpx.Client) -> None:
    sandbox.control.inject("reset")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/api/languages")
    sandbox.control.inject("timeout", timeout=10)
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get("/api/languages", timeout=0.3)
    assert time.monotonic() - started < 2
    assert client.get("/api/languages").status_code == 200


def test_shop_down(sandbox: SandboxURL, client: httpx.Client) -> None:
    sandbox.control.set_down(True)
    assert client.get("/api/products").status_code == 503
    sandbox.control.set_down(False)
    outlet = sandbox.control.create_shop("Outlet")
    sandbox.control.set_down(True, shop=outlet)
    assert client.get("/api/products", params={"id_shop": outlet}).status_code == 503
    assert client.get("/api/products", params={"id_shop": 1}).status_code == 200
    sandbox.control.set_down(False, shop=outlet)
    assert client.get("/api/products", params={"id_shop": outlet}).status_code == 200


def test_control_over_http(sandbox: SandboxURL, client: httpx.Client) -> None:
    assert client.post("/_sandbox/faults", json={"kind": "503", "count": 1}).json() == {"pending": 1}
    assert client.get("/api/languages").status_code == 503
    client.post("/_sandbox/down", json={"down": True})
    assert client.get("/api/languages").status_code == 503
    client.post("/_sandbox/down", json={"down": False})
    shop_id = client.post("/_sandbox/shops", json={"name": "Via HTTP"}).json()["id"]
    assert client.get("/api/products", params={"id_shop": shop_id}).status_code == 200
    stats = client.get("/_sandbox/stats").json()
    assert stats["requests"] == 3 and stats["faults"] == 2


def test_realistic_latency(tmp_path: Path) -> None:
    with run_in_thread(tmp_path / "slow", KEY, latency=None) as url, httpx.Client(base_url=url, auth=(KEY, "")) as http:
        http.get("/api/languages/1")  # warm the connection
        timings = []
        for _ in range(12):
            started = time.perf_counter()
            assert http.get("/api/languages/1").status_code == 200
            timings.append(time.perf_counter() - started)
        assert 0.014 < statistics.median(timings) < 0.045


def test_four_workers_saturate_like_php_s(tmp_path: Path) -> None:
    """8 clients, 48 GETs: throughput levels off below ~80/s and requests queue (captured 05-timing).

    Only upper bounds on speed: a loaded test machine can make things slower, never faster.
    """
    latencies: list[float] = []
    with run_in_thread(tmp_path / "busy", KEY, latency=None) as url:

        def worker() -> None:
            with httpx.Client(base_url=url, auth=(KEY, "")) as http:
                for _ in range(6):
                    started = time.perf_counter()
                    http.get("/api/languages/1")
                    latencies.append(time.perf_counter() - started)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rate = 48 / (time.perf_counter() - started)
    assert rate < 95
    assert statistics.median(latencies) > 0.05  # ~90 ms captured with 8 clients; 18 ms alone


def test_cost_model_matches_the_notes() -> None:
    assert cost_ms("one:products", 1)[0] == 18
    assert cost_ms("put:stock_availables", 1)[0] == 25
    assert cost_ms("post:products", 1)[0] == 55
    batch_ms = cost_ms("put:stock_availables", 50)[0]
    assert 900 < 50 / (batch_ms / 1000) < 1100  # ≈ 1,000 rows/s in batches of 50
    assert 30 < 20 / (cost_ms("post:products", 20)[0] / 1000) < 45  # ≈ 37 products/s in batches of 20
    get_rate = 1000 / cost_ms("one:products", 1)[1]
    assert 80 < get_rate < 95  # the CPU lane; timers and HTTP handling bring it to ~77/s measured
