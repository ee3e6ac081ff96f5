"""The blocked list: filters, pages, totals that differ side by side, retry and skip one by one or
several at once (skip always with a comment), for operators only."""

from __future__ import annotations

import re

import pytest

from courroie.engine.retry import RetryPolicy
from courroie.interfaces.web.app import PAGE_SIZE
from courroie.store.inbox import BLOCKED, SKIPPED
from tests.interfaces.web.conftest import csrf_of
from tests.interfaces.web.test_orders_page import seed

TOTALS = {"shop": {"tax_excl": "100.00", "tax_incl": "120.00"},
          "erp": {"tax_excl": "100.00", "tax_incl": "119.99", "sale": "SO0042"}}


def block(hub, record: str, *, connection: str = "portails", flow: str = "orders", reason: str = "unknown SKU MOT-9",
          details: dict | None = None, payload: str | None = "{}") -> int:
    return hub.blocked.add(connection=connection, flow=flow, record=record, reason=reason, details=details,
                           payload=payload)


def listed(client, query: str = "") -> list[str]:
    """The records the list shows, top to bottom."""
    answer = client.get(f"/blocked{query}")
    assert answer.status_code == 200, answer.text
    return re.findall(r'<a href="/blocked/\d+">([^<]+)</a>', answer.text)


@pytest.fixture
def entries(console_env):
    hub = console_env.hub
    block(hub, "portails/TOTALS01", reason="totals differ: shop 120.00, ERP sale SO0042 119.99", details=TOTALS)
    block(hub, "garages/UNKNOWN1", connection="garages")
    block(hub, "MOT-BAT-400", flow="catalog", reason="the shop refused the product name")
    skipped = block(hub, "portails/SKIPPED1", reason="entered by hand")
    hub.blocked.skip(skipped, "done in the ERP")
    block(hub, "portails/RESOLVED", reason="no e-mail")
    hub.blocked.resolve(connection="portails", flow="orders", record="portails/RESOLVED")
    return console_env


def test_the_list_shows_open_entries_first_of_all(entries):
    client = entries.signed_in("viewer")
    assert listed(client) == ["MOT-BAT-400", "garages/UNKNOWN1", "portails/TOTALS01"]
    page = client.get("/blocked").text
    assert "the shop refused the product name" in page and "3 entries" in page


@pytest.mark.parametrize(("query", "expected"), [
    ("?shop=garages", ["garages/UNKNOWN1"]),
    ("?flow=catalog", ["MOT-BAT-400"]),
    ("?shop=portails&flow=orders", ["portails/TOTALS01"]),
    ("?state=skipped", ["portails/SKIPPED1"]),
    ("?state=resolved", ["portails/RESOLVED"]),
    ("?state=all", ["portails/RESOLVED", "portails/SKIPPED1", "MOT-BAT-400", "garages/UNKNOWN1", "portails/TOTALS01"]),
    ("?q=unknown1", ["garages/UNKNOWN1"]),                 # in the record, any case
    ("?q=PRODUCT+NAME", ["MOT-BAT-400"]),                  # in the reason
    ("?q=_", []),                                          # a LIKE wildcard is a plain character
    ("?state=all&q=by+hand", ["portails/SKIPPED1"]),
])
def test_each_filter_narrows_the_list(entries, query, expected):
    assert listed(entries.signed_in("viewer"), query) == expected


def test_a_skipped_entry_shows_its_comment(entries):
    assert "done in the ERP" in entries.signed_in("viewer").get("/blocked?state=skipped").text


def test_pages_follow_each_other(console_env):
    for n in range(PAGE_SIZE + 4):
        block(console_env.hub, f"portails/R{n:04d}")
    client = console_env.signed_in("viewer")
    first = client.get("/blocked?shop=portails").text
    assert listed(client, "?shop=portails") == [f"portails/R{n:04d}" for n in range(PAGE_SIZE + 3, 3, -1)]
    older = re.search(r'href="/blocked\?([^"]*before=\d+)"', first).group(1).replace("&amp;", "&")
    assert "shop=portails" in older
    assert listed(client, f"?{older}") == [f"portails/R{n:04d}" for n in (3, 2, 1, 0)]


def test_totals_that_differ_are_shown_side_by_side(entries):
    client = entries.signed_in("viewer")
    row = re.search(r'<table class="grid totals">.*?</table>', client.get("/blocked").text, re.S).group(0)
    assert "ERP sale SO0042" in row
    differs = re.search(r'<tr class="differs">(.*?)</tr>', row, re.S).group(1)
    assert re.findall(r'<td class="amount[^"]*">([^<]+)</td>', differs) == ["120.00", "119.99", "-0.01"]
    assert "diff-minus" in differs
    assert row.count('class="differs"') == 1                       # tax excluded agrees: not highlighted
    entry_id = entries.hub.blocked.list(connection="portails", flow="orders")[0]["id"]
    assert '<tr class="differs">' in client.get(f"/blocked/{entry_id}").text
    order_id = seed(entries.hub, "portails", "TOTALS01", BLOCKED, reason="totals differ")
    assert '<tr class="differs">' in client.get(f"/orders/{order_id}").text         # and on the order's page


def test_an_order_that_does_not_add_up_shows_both_sums(console_env):
    entry_id = block(console_env.hub, "portails/NOTADDUP", reason="the order's lines ... do not add up",
                     details={"lines_shipping_discounts": "231.00", "order_total": "231.01"})
    page = console_env.signed_in("viewer").get(f"/blocked/{entry_id}").text
    differs = re.search(r'<tr class="differs">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="amount[^"]*">([^<]+)</td>', differs) == ["231.01", "231.00", "-0.01"]


def test_an_entry_shows_its_payload_escaped_and_its_order(console_env):
    hub = console_env.hub
    order_id = seed(hub, "portails", "PAYLOAD01", BLOCKED, reason="unknown SKU MOT-9")
    entry_id = block(hub, "portails/PAYLOAD01", payload='{"note": "<img src=x onerror=alert(1)>"}',
                     details={"unknown_skus": ["MOT-9"]})
    page = console_env.signed_in("viewer").get(f"/blocked/{entry_id}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert f'href="/orders/{order_id}"' in page and "unknown_skus" in page


def test_bulk_skip_of_three_entries_with_one_comment(console_env):
    hub = console_env.hub
    chosen = [block(hub, f"portails/BULK{n}") for n in range(3)]
    kept = block(hub, "portails/KEEPME01")
    order_id = seed(hub, "portails", "BULK0", BLOCKED, reason="unknown SKU MOT-9")
    client = console_env.signed_in("operator")
    page = client.get("/blocked").text
    assert "Skip selected" in page and page.count('name="ids"') == 4
    token = csrf_of(client, "/blocked")
    answer = client.post("/blocked/bulk", data={"csrf_token": token, "ids": chosen, "do": "skip",
                                                "comment": "cancelled by phone", "back": "/blocked?flow=orders"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/blocked?flow=orders&done=skipped_many")
    assert [hub.blocked.get(n)["state"] for n in chosen] == ["skipped"] * 3
    assert {hub.blocked.get(n)["comment"] for n in chosen} == {"cancelled by phone"}
    assert hub.blocked.get(kept)["state"] == "open"
    assert hub.inbox.by_id(order_id).state == SKIPPED                  # skip_blocked's own rule for orders
    for n in range(3):
        actions = [row["action"] for row in hub.journal.history(record=f"portails/BULK{n}")]
        assert actions.count("skipped") == 1 and actions.count("skip_asked") == 1
    assert "3 entries skipped." in client.get(answer.headers["location"]).text


def test_bulk_skip_without_a_comment_is_refused(console_env):
    hub = console_env.hub
    chosen = [block(hub, f"portails/BULK{n}") for n in range(2)]
    client = console_env.signed_in("operator")
    answer = client.post("/blocked/bulk", data={"csrf_token": csrf_of(client), "ids": chosen, "do": "skip"})
    assert answer.status_code == 400
    assert [hub.blocked.get(n)["state"] for n in chosen] == ["open", "open"]


def test_bulk_retry_goes_through_the_operation(console_env):
    hub = console_env.hub
    hub.retry = RetryPolicy(attempts=1, base_delay=0)              # the ERP is not reachable: fail at once
    chosen = []
    for reference in ("RETRY001", "RETRY002"):
        seed(hub, "portails", reference, BLOCKED, reason="unknown SKU MOT-9")
        chosen.append(block(hub, f"portails/{reference}"))
    client = console_env.signed_in("operator")
    answer = client.post("/blocked/bulk", data={"csrf_token": csrf_of(client), "ids": chosen, "do": "retry"})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Retried the selected entries." in page
    assert "portails/RETRY001: still blocked" in page and "portails/RETRY002: still blocked" in page
    assert [run["flow"] for run in hub.runs.since(0)] == ["orders"]           # one run for both


def test_skip_one_entry_needs_a_comment(entries):
    hub, client = entries.hub, entries.signed_in("operator")
    entry_id = hub.blocked.list(flow="catalog")[0]["id"]
    token = csrf_of(client, f"/blocked/{entry_id}")
    assert client.post(f"/blocked/{entry_id}/skip", data={"csrf_token": token}).status_code == 400
    assert hub.blocked.get(entry_id)["state"] == "open"
    answer = client.post(f"/blocked/{entry_id}/skip", data={"csrf_token": token, "comment": "renamed in the ERP"})
    assert answer.status_code == 303 and hub.blocked.get(entry_id)["state"] == "skipped"
    assert "Skipped." in client.get(answer.headers["location"]).text
    assert client.post(f"/blocked/{entry_id}/skip", data={"csrf_token": token, "comment": "again"}).status_code == 409


def test_a_viewer_sees_no_action_and_may_not_act(entries):
    hub, client = entries.hub, entries.signed_in("viewer")
    entry_id = hub.blocked.list(flow="catalog")[0]["id"]
    assert 'name="ids"' not in client.get("/blocked").text and "Skip selected" not in client.get("/blocked").text
    page = client.get(f"/blocked/{entry_id}").text
    assert f'action="/blocked/{entry_id}/' not in page and "the shop refused the product name" in page
    token = csrf_of(client)
    for path, data in ((f"/blocked/{entry_id}/retry", {}), (f"/blocked/{entry_id}/skip", {"comment": "x"}),
                       ("/blocked/bulk", {"ids": [entry_id], "do": "skip", "comment": "x"})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403
    assert hub.blocked.get(entry_id)["state"] == "open"
