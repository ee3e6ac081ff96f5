"""The journal page: each filter really filters, pages follow one another by id without repeats,
details are shown escaped, and rows link to the page of their order, product or blocked entry."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import update

from courroie.interfaces.web.app import PAGE_SIZE
from courroie.store.journal import Journal, JournalFilter
from courroie.store.tables import journal

START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def seed(hub) -> None:
    """Entries an hour apart from START, in this order (ids 1…7)."""
    entries = [
        dict(connection="portails", flow="orders", action="imported", record="portails/R100",
             message="imported as ERP sale S1"),
        dict(connection="garages", flow="orders", action="blocked", record="garages/R7", message="Unknown carrier",
             details={"payload": "<script>alert(1)</script>"}),
        dict(connection="portails", flow="catalog", action="updated", record="MOT-BAT-400", message="Weight changed"),
        dict(connection="portails", flow="catalog", action="created", record="MOT-BAT-400 image front.jpg", message=""),
        dict(connection="garages", flow="stock", action="updated", record="MOT-BAT-400", message="quantity 5"),
        dict(connection="tryton", flow="stock", action="connection_failed", record=None, message="tryton unreachable"),
        dict(connection="portails", flow="prices", action="sync_now", record="portails/prices",
             message="operator asked"),
    ]
    hub.journal.write_many(entries)
    with hub.store.engine.begin() as db:
        for n in range(1, len(entries) + 1):
            db.execute(update(journal).where(journal.c.id == n).values(at=START + timedelta(hours=n - 1)))


def shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr id="entry-(\d+)">', html)]


@pytest.fixture
def client(console_env):
    seed(console_env.hub)
    return console_env.signed_in("viewer")          # journaled too: entry 8, now


@pytest.mark.parametrize("query, ids", [
    ("", [8, 7, 6, 5, 4, 3, 2, 1]),
    ("record=MOT-BAT", [5, 4, 3]),
    ("record=mot-bat", []),                                     # a prefix in its exact case
    ("record=image&match=contains", [4]),
    ("record=R1&match=contains", [1]),
    ("connection=garages", [5, 2]),
    ("flow=orders", [2, 1]),
    ("connection=portails&flow=catalog", [4, 3]),
    ("action=updated", [5, 3]),
    ("from=2026-05-01T10:00&to=2026-05-01T12:00", [4, 3]),       # from included, to left out
    ("from=2026-05-01T13:00", [8, 7, 6]),
    ("to=2026-05-01T09:00:00%2B00:00", [1]),
    ("text=WEIGHT", [3]),
    ("text=unreachable&connection=tryton", [6]),
    ("text=100%", []),
])
def test_each_filter_filters(client, query, ids):
    page = client.get(f"/journal?{query}")
    assert page.status_code == 200 and shown(page.text) == ids


def test_a_date_it_cannot_read_says_how_to_write_one(client):
    page = client.get("/journal?from=yesterday")
    assert "A date is written 2024-05-31" in page.text and shown(page.text) == [8, 7, 6, 5, 4, 3, 2, 1]


def test_details_are_shown_escaped(client):
    page = client.get("/journal?connection=garages&flow=orders").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_rows_link_to_their_order_product_stock_or_blocked_entry(client):
    page = client.get("/journal").text
    rows = dict(zip(shown(page), re.findall(r'<tr id="entry-\d+">(.*?)</tr>', page, re.S)))
    assert 'href="/orders?reference=R100&amp;shop=portails"' in rows[1]
    assert 'href="/orders?reference=R7&amp;shop=garages"' in rows[2]
    assert 'href="/blocked?shop=garages&amp;flow=orders&amp;state=all&amp;q=garages%2FR7"' in rows[2]
    assert 'href="/catalog?q=MOT-BAT-400"' in rows[3] and 'href="/catalog?q=MOT-BAT-400"' in rows[4]
    assert 'href="/stock/MOT-BAT-400"' in rows[5]
    assert "href" not in rows[6] and "href" not in rows[7]                 # no record; a job, not a record


def test_pages_follow_by_id_without_repeats(console_env):
    hub = console_env.hub
    hub.journal.write_many([dict(connection="portails", flow="stock", action="updated", record=f"ART-{n:03}",
                                 message=f"quantity {n}") for n in range(2 * PAGE_SIZE + 20)])
    hub.journal.write(connection="garages", flow="stock", action="updated", record="ART-X", message="other shop")
    client = console_env.signed_in("viewer")
    pages, path = [], "/journal?connection=portails"
    while path:
        page = client.get(path).text
        pages.append(shown(page))
        older = re.search(r'<a href="([^"]+)" rel="next">', page)
        path = unescape(older.group(1)) if older else None
        assert path is None or "connection=portails" in path                # the filters stay
    assert [len(ids) for ids in pages] == [PAGE_SIZE, PAGE_SIZE, 20]
    everything = [n for ids in pages for n in ids]
    assert everything == sorted(everything, reverse=True) and len(set(everything)) == 2 * PAGE_SIZE + 20
    # and back: "newer" from the last page gives the page before it again
    last = client.get(f"/journal?connection=portails&before={pages[1][-1]}").text
    newer = unescape(re.search(r'<a href="([^"]+)" rel="prev">', last).group(1))
    assert shown(client.get(newer).text) == pages[1]
    assert 'rel="prev"' not in client.get("/journal?connection=portails").text


@pytest.mark.parametrize("record_contains", [False, True])
def test_journal_search_on_every_store(store, record_contains):
    """The same answers on SQLite and PostgreSQL: a prefix in its exact case (on the index), a part of
    the record or words of the message in any case."""
    entries = Journal(store)
    entries.write_many([dict(connection="portails", flow="catalog", action="updated", record=record, message=message)
                        for record, message in (("MOT-1", "Weight 5%"), ("mot-2", "weight"), ("X_MOT-3", "x"))])
    found = entries.search(JournalFilter(record="MOT", record_contains=record_contains))
    assert [row["record"] for row in found] == (["X_MOT-3", "mot-2", "MOT-1"] if record_contains else ["MOT-1"])
    assert [row["record"] for row in entries.search(JournalFilter(text="WEIGHT 5%"))] == ["MOT-1"]
    assert [row["record"] for row in entries.search(JournalFilter(record="_", record_contains=True))] == ["X_MOT-3"]
    newest, more = entries.page(JournalFilter(), size=2)
    assert [row["id"] for row in newest] == [3, 2] and more
    older, more = entries.page(JournalFilter(), size=2, before=2)
    assert [row["id"] for row in older] == [1] and not more
    newer, more = entries.page(JournalFilter(), size=1, after=1)
    assert [row["id"] for row in newer] == [2] and more
