"""The console in a real browser (Debian's chromium, driven by Playwright) against `courroie console` in a
process of its own, a real Tryton and a PrestaShop sandbox over HTTP: a person signs in, sees the
overview, opens a blocked order, fixes the payment mapping that blocked it, retries it and finds it in
Tryton; approves a held order; and every main page renders.

With COURROIE_SCREENSHOTS=DIR, the main pages are saved there as PNG (docs/screenshots in the README).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from courroie.store.console import Users
from tests.fixtures.orders import JOURNALS, OrdersEnv, orders_env

pytestmark = [pytest.mark.slow, pytest.mark.tryton, pytest.mark.browser]

PASSWORD = "a long console password"
EXPENSIVE = "MOT-BAR-300"                  # above the approval amount on its own
UNMAPPED = "ps_klarna"                     # a payment module the configuration has no journal for
SHOPS = {"shop-a": f"""\
catalog: {{assortment: {{categories: ["Accessories"], skus: ["{EXPENSIVE}"]}}}}
orders:
  payment_journals: {json.dumps(JOURNALS, ensure_ascii=False)}
  approval: {{amount_above: 2000}}
"""}


@dataclass
class Console:
    env: OrdersEnv
    url: str
    blocked: dict                          # the order placed with an unmapped payment module
    held: dict                             # the order waiting for approval


@pytest.fixture(scope="module")
def console(tryton_db, tmp_path_factory) -> Iterator[Console]:
    with orders_env(tryton_db, tmp_path_factory.mktemp("console"), SHOPS) as env:
        for flow in ("catalog", "stock"):
            assert env.run(flow)["shop-a"]["status"] == "ok"
        sku = _accessory(env)
        blocked = env.place("shop-a", [(sku, 1)], payment_module=UNMAPPED, paid=True, email="klara@example.com")
        held = env.place("shop-a", [(EXPENSIVE, 1)], email="gros.client@example.com")
        counts = env.run("orders", "shop-a")["shop-a"]["counts"]
        assert (counts.get("blocked"), counts.get("held")) == (1, 1), counts
        Users(env.store()).add("marie", PASSWORD, "operator")
        Users(env.store()).add("admin", PASSWORD, "admin")
        with _console_process(env) as url:
            yield Console(env, url, blocked, held)


def _accessory(env: OrdersEnv) -> str:
    rows = env.shop_rows("shop-a", "products", active=1)
    return next(row["reference"] for row in rows if row["reference"] != EXPENSIVE and float(row["price"]) < 100)


@contextmanager
def _console_process(env: OrdersEnv) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "courroie", "console", "--config", str(env.config), "--port", str(port)],
        env={**os.environ, **env.environ}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(20)


def _wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"courroie console ended: {process.stdout.read()}")
        try:
            if httpx.get(f"{url}/signin").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("courroie console did not answer within 60 s")


def sign_in(page, console: Console, name: str) -> None:
    page.goto(f"{console.url}/")
    assert "/signin" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{console.url}/")


def shoot(page, name: str) -> None:
    folder = os.environ.get("COURROIE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_blocked_order_is_fixed_by_its_mapping_retried_and_lands_in_tryton(console, browser_page):
    page, env, placed = browser_page, console.env, console.blocked
    sign_in(page, console, "admin")
    assert page.locator("h1").inner_text() == "Overview"
    assert page.locator("a.count[href='/blocked']").inner_text() == "1"
    assert page.locator("a.count[href='/orders?state=on_hold']").inner_text() == "1"
    shoot(page, "overview")

    page.click("nav >> text=Blocked")
    page.click(f"text=shop-a/{placed['reference']}")
    assert UNMAPPED in page.locator("main").inner_text()
    shoot(page, "blocked-entry")

    page.click("nav >> text=Mappings")
    section = page.locator("form[action='/mappings/shop-a/orders.payment_journals']")
    section.locator("xpath=ancestor::details").locator("summary").click()
    mapped = {**JOURNALS, UNMAPPED: "Chèques"}
    section.locator("textarea[name=value]").fill(json.dumps(mapped, ensure_ascii=False))
    section.locator("button[type=submit]").click()
    history = page.locator("#history ~ table").first.inner_text()
    assert "orders.payment_journals" in history and "admin" in history and UNMAPPED in history
    assert UNMAPPED in env.config.read_text(encoding="utf-8")
    shoot(page, "mappings")

    page.click("nav >> text=Blocked")
    page.click(f"text=shop-a/{placed['reference']}")
    page.click("form[action$='/retry'] >> button")
    page.wait_for_load_state()
    assert env.inbox("shop-a", placed["order_id"]).state == "imported"
    [sale] = env.tryton().sales(f"shop-a/{placed['reference']}")
    assert sale
    page.goto(f"{console.url}/blocked")
    assert f"shop-a/{placed['reference']}" not in page.locator("main").inner_text()


def test_an_operator_approves_a_held_order_and_it_lands_in_tryton(console, browser_page):
    page, env, placed = browser_page, console.env, console.held
    sign_in(page, console, "marie")
    page.click("a.count[href='/orders?state=on_hold']")
    assert placed["reference"] in page.locator("main").inner_text()
    shoot(page, "orders")
    page.click(f"text={placed['reference']}")
    page.click("form[action$='/approve'] >> button")
    page.wait_for_load_state()
    assert env.inbox("shop-a", placed["order_id"]).state == "imported"
    assert len(env.tryton().sales(f"shop-a/{placed['reference']}")) == 1
    assert "marie" in page.locator("main").inner_text()          # the order's history says who approved
    shoot(page, "order")


def test_catalog_stock_and_journal_pages_render(console, browser_page):
    page = browser_page
    sign_in(page, console, "marie")
    for path, expected in [(f"/catalog?q={EXPENSIVE}", EXPENSIVE), (f"/stock/{EXPENSIVE}", EXPENSIVE),
                           (f"/journal?record=shop-a/{console.held['reference']}", "approved")]:
        page.goto(console.url + path)
        assert expected in page.locator("main").inner_text(), path
        shoot(page, re.sub(r"\W+", "-", path.strip("/").split("?")[0]).strip("-"))
