"""The orders inbox page: every filter narrows the list, pages follow each other, one order shows its
history and its raw document escaped; approve, retry and skip go through the operations, for operators only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, update

from courroie.engine.retry import RetryPolicy
from courroie.interfaces.web.app import PAGE_SIZE
from courroie.interfaces.web.pages.orders import pretty
from courroie.model import Address, Customer, IncomingOrder, Order, OrderLine
from courroie.store import Store
from courroie.store.db import MIGRATIONS
from courroie.store.inbox import BLOCKED, NEW, ON_HOLD, SKIPPED, Inbox, InboxFilter
from courroie.store.tables import inbox
from tests.interfaces.web.conftest import csrf_of

ADDRESS = Address(first_name="Ana", last_name="Martin", street="12 rue des Lilas", postcode="31000",
                  city="Toulouse", country_code="FR")


def incoming(reference: str, *, email: str = "ana@example.com", first: str = "Ana", last: str = "Martin",
             total: str = "120.00", raw: str | None = None, number: int | None = None) -> IncomingOrder:
    amount = Decimal(total)
    line = OrderLine(sku="MOT-1", name="Moteur", quantity=Decimal(1), unit_price_tax_excl=amount / Decimal("1.2"),
                     unit_price_tax_incl=amount, total_tax_excl=amount / Decimal("1.2"), total_tax_incl=amount)
    external_id = str(number if number is not None else abs(hash(reference)) % 10**8)
    order = Order(shop="portails", external_id=external_id, reference=reference,
                  placed_at=datetime(2026, 3, 2, tzinfo=UTC), currency="EUR",
                  customer=Customer(email=email, first_name=first, last_name=last), invoice_address=ADDRESS,
                  delivery_address=ADDRESS, lines=(line,), total_tax_excl=amount / Decimal("1.2"), total_tax_incl=amount)
    return IncomingOrder(external_id=external_id, raw=raw or f'{{"order": {{"reference": "{reference}"}}}}', order=order)


def seed(hub, shop: str, reference: str, state: str = NEW, *, reason: str | None = None,
         received: datetime | None = None, **fields) -> int:
    entry, _ = hub.inbox.receive(shop, incoming(reference, **fields))
    hub.inbox.set_state(entry.id, state, reason=reason)
    if received:
        with hub.store.engine.begin() as db:
            db.execute(update(inbox).where(inbox.c.id == entry.id).values(received_at=received))
    return entry.id


def shown(client, query: str = "") -> list[str]:
    """The references the list shows, top to bottom."""
    answer = client.get(f"/orders{query}")
    assert answer.status_code == 200, answer.text
    return re.findall(r'<a href="/orders/\d+">([^<]+)</a>', answer.text)


@pytest.fixture
def orders(console_env):
    """Four orders of two shops, in different states, customers and days."""
    hub = console_env.hub
    seed(hub, "portails", "AAAPORTAI", "imported", received=datetime(2026, 1, 5, 10, tzinfo=UTC))
    seed(hub, "garages", "BBBGARAGE", ON_HOLD, reason="approval: total above 5000", email="bruno@garage.example",
         first="Bruno", last="Dubois", received=datetime(2026, 1, 10, 9, tzinfo=UTC))
    seed(hub, "portails", "CCCBLOCKD", BLOCKED, reason="unknown SKU MOT-9", email="chloe@example.org", first="Chloé",
         last="Petit", received=datetime(2026, 1, 10, 23, tzinfo=UTC))
    seed(hub, "garages", "DDDGARAGE", "imported", email="ana.martin@pro.example",
         received=datetime(2026, 2, 1, tzinfo=UTC))
    return console_env


def test_the_list_shows_every_shop_newest_first(orders):
    client = orders.signed_in("viewer")
    assert shown(client) == ["DDDGARAGE", "CCCBLOCKD", "BBBGARAGE", "AAAPORTAI"]
    page = client.get("/orders").text
    assert "bruno@garage.example" in page and "Chloé Petit" in page and "approval: total above 5000" in page
    assert "4 orders" in page


@pytest.mark.parametrize(("query", "expected"), [
    ("?shop=garages", ["DDDGARAGE", "BBBGARAGE"]),
    ("?state=on_hold", ["BBBGARAGE"]),
    ("?shop=portails&state=blocked", ["CCCBLOCKD"]),
    ("?shop=portails&state=on_hold", []),
    ("?received_from=2026-01-10&received_to=2026-01-10", ["CCCBLOCKD", "BBBGARAGE"]),
    ("?received_from=2026-01-11", ["DDDGARAGE"]),
    ("?received_to=2026-01-09", ["AAAPORTAI"]),
    ("?customer=bruno", ["BBBGARAGE"]),
    ("?customer=CHLOÉ", ["CCCBLOCKD"]),
    ("?customer=ana+martin", ["DDDGARAGE", "AAAPORTAI"]),
    ("?customer=pro.example", ["DDDGARAGE"]),
    ("?customer=%25", []),                                  # a LIKE wildcard is a plain character
    ("?reference=cccblockd", ["CCCBLOCKD"]),
    ("?reference=CCCBLOCK", []),                             # the whole reference, not a part
    ("?state=nonsense", ["DDDGARAGE", "CCCBLOCKD", "BBBGARAGE", "AAAPORTAI"]),
])
def test_each_filter_narrows_the_list(orders, query, expected):
    assert shown(orders.signed_in("viewer"), query) == expected


def test_a_date_that_is_no_date_is_said(orders):
    page = orders.signed_in("viewer").get("/orders?received_from=10/01/2026").text
    assert "A date is written YYYY-MM-DD." in page


def test_pages_follow_each_other_both_ways(console_env):
    hub = console_env.hub
    references = [f"R{n:04d}" for n in range(PAGE_SIZE * 2 + 7)]
    for n, reference in enumerate(references):
        seed(hub, "portails", reference, number=n + 1)
    client = console_env.signed_in("viewer")
    newest_first = references[::-1]

    first = client.get("/orders").text
    assert shown(client) == newest_first[:PAGE_SIZE] and "Newer" not in first
    second_link = re.search(r'href="(/orders\?before=\d+)"', first).group(1)
    assert shown(client, second_link.removeprefix("/orders")) == newest_first[PAGE_SIZE:PAGE_SIZE * 2]
    second = client.get(second_link).text
    third_link = re.search(r'href="(/orders\?before=\d+)"', second).group(1)
    third = client.get(third_link).text
    assert shown(client, third_link.removeprefix("/orders")) == newest_first[PAGE_SIZE * 2:]
    assert "Older" not in third
    back_link = re.search(r'href="(/orders\?after=\d+)"', third).group(1).replace("&amp;", "&")
    assert shown(client, back_link.removeprefix("/orders")) == newest_first[PAGE_SIZE:PAGE_SIZE * 2]


def test_pages_keep_their_filters(console_env):
    hub = console_env.hub
    for n in range(PAGE_SIZE + 3):
        seed(hub, "garages" if n % 2 else "portails", f"P{n:04d}", number=n + 1)
    client = console_env.signed_in("viewer")
    first = client.get("/orders?shop=portails").text
    older = re.search(r'href="/orders\?([^"]*before=\d+)"', first)
    assert older is None                               # 27 orders of portails: one page
    first = client.get("/orders?customer=ana").text
    older = re.search(r'href="/orders\?([^"]*before=\d+)"', first).group(1).replace("&amp;", "&")
    assert "customer=ana" in older
    assert len(shown(client, f"?{older}")) == 3


def test_an_order_shows_its_history_and_its_raw_document_escaped(console_env):
    hub = console_env.hub
    raw = '{"order": {"reference": "XSSORDER1", "note": "<script>alert(1)</script>"}}'
    entry_id = seed(hub, "portails", "XSSORDER1", BLOCKED, reason="unknown SKU MOT-9", raw=raw)
    hub.journal.write(connection="portails", flow="orders", action="received", record="portails/XSSORDER1",
                      message="order XSSORDER1 received")
    hub.journal.write(connection="portails", flow="orders", action="blocked", record="portails/XSSORDER1",
                      message="unknown SKU MOT-9: map it or create it in the ERP, then retry")
    hub.journal.write(connection="portails", flow="orders", action="imported", record="portails/OTHERONE",
                      message="imported as ERP sale SO999")
    page = console_env.signed_in("viewer").get(f"/orders/{entry_id}")
    assert page.status_code == 200
    assert "order XSSORDER1 received" in page.text and "map it or create it in the ERP" in page.text
    assert "SO999" not in page.text                                     # another order's history
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert '\n    &#34;reference&#34;: &#34;XSSORDER1&#34;' in page.text     # laid out, not on one line
    assert "ana@example.com" in page.text and "MOT-1" in page.text


def test_an_unknown_order_is_not_found(console_env):
    assert console_env.signed_in("viewer").get("/orders/999").status_code == 404


def test_documents_are_laid_out_when_they_can_be():
    assert pretty('{"a": {"b": 1}}') == '{\n  "a": {\n    "b": 1\n  }\n}'
    assert pretty("<order><id>7</id></order>").splitlines()[1:] == ["<order>", "  <id>7</id>", "</order>"]
    assert pretty("<order><id>7</order>") == "<order><id>7</order>"                  # broken: as it came
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><l>&b;</l>'
    assert pretty(bomb) == bomb                                                      # entities are refused


def test_an_operator_approves_a_held_order(console_env):
    hub = console_env.hub
    hub.retry = RetryPolicy(attempts=1, base_delay=0)          # the ERP is not reachable: fail at once
    entry_id = seed(hub, "portails", "HELDORDER", ON_HOLD, reason="approval: total 6000.00 EUR above 5000",
                    total="6000.00")
    client = console_env.signed_in("operator")
    page = client.get(f"/orders/{entry_id}").text
    assert "Approve and import" in page
    answer = client.post(f"/orders/{entry_id}/approve", data={"csrf_token": csrf_of(client, f"/orders/{entry_id}")})
    assert answer.status_code == 303 and answer.headers["location"].startswith(f"/orders/{entry_id}?done=approved")
    entry = hub.inbox.by_id(entry_id)
    assert entry.approved_by == "operator"
    assert entry.state in (NEW, BLOCKED)           # approved; the import waits for the ERP (next run)
    approved = [row for row in hub.journal.history(record="portails/HELDORDER") if row["action"] == "approved"]
    assert [row["message"] for row in approved] == ["approved by operator"]
    after = client.get(answer.headers["location"]).text
    assert "Approved. Not imported yet: the next orders run imports it." in after
    assert "approved by operator" in after and "Approve and import" not in after


def test_only_a_held_order_is_approved(console_env):
    hub = console_env.hub
    entry_id = seed(hub, "portails", "DONEORDER", "imported")
    client = console_env.signed_in("operator")
    answer = client.post(f"/orders/{entry_id}/approve", data={"csrf_token": csrf_of(client)})
    assert answer.status_code == 409 and hub.inbox.by_id(entry_id).approved_by is None


def blocked_order(hub, reference: str = "BLOCKEDOR") -> tuple[int, int]:
    entry_id = seed(hub, "portails", reference, BLOCKED, reason="unknown SKU MOT-9")
    blocked_id = hub.blocked.add(connection="portails", flow="orders", record=f"portails/{reference}",
                                 reason="unknown SKU MOT-9", details={"unknown_skus": ["MOT-9"]}, payload="{}")
    return entry_id, blocked_id


def test_a_viewer_sees_no_action_and_may_not_act(console_env):
    hub = console_env.hub
    held = seed(hub, "portails", "HELDORDER", ON_HOLD, reason="approval: new customer")
    blocked, entry = blocked_order(hub)
    client = console_env.signed_in("viewer")
    for entry_id in (held, blocked):
        page = client.get(f"/orders/{entry_id}").text
        assert 'method="post" action="/orders/' not in page and "Approve and import" not in page
    assert "unknown SKU MOT-9" in client.get(f"/orders/{blocked}").text           # why, still shown
    token = csrf_of(client)
    for path in (f"/orders/{held}/approve", f"/orders/{blocked}/retry", f"/orders/{blocked}/skip"):
        assert client.post(path, data={"csrf_token": token, "comment": "no"}).status_code == 403
    assert hub.inbox.by_id(held).state == ON_HOLD and hub.blocked.get(entry)["state"] == "open"


def test_skipping_an_order_needs_a_comment(console_env):
    hub = console_env.hub
    entry_id, blocked_id = blocked_order(hub)
    client = console_env.signed_in("operator")
    assert 'action="/orders/%d/skip"' % entry_id in client.get(f"/orders/{entry_id}").text
    token = csrf_of(client)
    refused = client.post(f"/orders/{entry_id}/skip", data={"csrf_token": token, "comment": "  "})
    assert refused.status_code == 400 and hub.blocked.get(blocked_id)["state"] == "open"

    answer = client.post(f"/orders/{entry_id}/skip", data={"csrf_token": token, "comment": "entered by hand in the ERP"})
    assert answer.status_code == 303
    assert hub.blocked.get(blocked_id)["state"] == "skipped"
    assert hub.blocked.get(blocked_id)["comment"] == "entered by hand in the ERP"
    assert hub.inbox.by_id(entry_id).state == SKIPPED
    actions = {row["action"]: row["message"] for row in hub.journal.history(record="portails/BLOCKEDOR")}
    assert actions["skipped"] == "entered by hand in the ERP"
    assert actions["skip_asked"] == "operator skipped: entered by hand in the ERP"
    assert "Skipped." in client.get(answer.headers["location"]).text


def test_retrying_a_blocked_order_says_how_it_went(console_env):
    hub = console_env.hub
    hub.retry = RetryPolicy(attempts=1, base_delay=0)
    entry_id, blocked_id = blocked_order(hub)
    client = console_env.signed_in("operator")
    answer = client.post(f"/orders/{entry_id}/retry", data={"csrf_token": csrf_of(client)})
    assert answer.status_code == 303
    assert hub.blocked.get(blocked_id)["state"] == "open"                 # the ERP is not reachable
    page = client.get(answer.headers["location"]).text
    assert "Retried." in page and "still blocked" in page
    assert any(row["action"] == "retry_asked" and row["message"] == "operator asked for a retry"
               for row in hub.journal.history(record="portails/BLOCKEDOR"))


def test_orders_stored_before_the_upgrade_are_found_by_customer(tmp_path):
    """Revision 0006 fills the customer column of the orders already in the inbox."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        order = incoming("OLDORDER1", email="Zoe@Old.Example", first="Zoé", last="Ancien").order
        now = datetime(2025, 1, 1, tzinfo=UTC)
        connection.execute(insert(inbox).values(shop="portails", external_id="1", reference="OLDORDER1",
                                                state="imported", raw="{}", parsed=order.model_dump(mode="json"),
                                                received_at=now, updated_at=now))
    engine.dispose()
    store = Store(url)                       # migrates to the head
    try:
        for words in ("zoé ancien", "OLD.EXAMPLE"):
            found, more = Inbox(store).page(InboxFilter(customer=words))
            assert [line.reference for line in found] == ["OLDORDER1"] and not more
    finally:
        store.dispose()
