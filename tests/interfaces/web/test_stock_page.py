"""The stock page: the ERP's figures per location from the hub's cache, the stock formula's terms per
shop adding up to the figure the flow would publish, the SKU search and the figures changed last."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape

import pytest

from courroie.model import Address, Customer, IncomingOrder, Order, OrderLine, StockLevel
from courroie.store.db import utcnow
from courroie.store.stock import StockCache

ADDRESS = Address(first_name="Ana", last_name="Martin", street="12 rue des Lilas", postcode="31000",
                  city="Toulouse", country_code="FR")


def order_of(sku: str, quantity: int, external_id: str) -> IncomingOrder:
    line = OrderLine(sku=sku, name="Moteur", quantity=Decimal(quantity), unit_price_tax_excl=Decimal(100),
                     unit_price_tax_incl=Decimal(120), total_tax_excl=Decimal(100 * quantity),
                     total_tax_incl=Decimal(120 * quantity))
    order = Order(shop="portails", external_id=external_id, reference=f"R{external_id}",
                  placed_at=datetime(2026, 3, 2, tzinfo=UTC), currency="EUR",
                  customer=Customer(email="ana@example.com", first_name="Ana", last_name="Martin"),
                  invoice_address=ADDRESS, delivery_address=ADDRESS, lines=(line,),
                  total_tax_excl=Decimal(100 * quantity), total_tax_incl=Decimal(120 * quantity))
    return IncomingOrder(external_id=external_id, raw="{}", order=order)


def seed_levels(hub, levels: list[tuple[str, str, str]]) -> None:
    cache = StockCache(hub.store)
    locations = sorted({location for _, location, _ in levels})
    cache.apply([StockLevel(sku=sku, location=location, quantity=Decimal(quantity))
                 for sku, location, quantity in levels], locations, complete=False)
    cache.mark_read(locations, utcnow(), full=True)


@pytest.fixture
def stocked(console_env):
    hub = console_env.hub
    seed_levels(hub, [("MOT-BAT-400", "TLS", "6"), ("MOT-BAT-400", "BDX", "4.5"), ("MOT-COUL-600", "BDX", "1")])
    hub.config.shop("portails").hub.stock.safety_by_sku["MOT-BAT-400"] = 2
    hub.inbox.receive("portails", order_of("MOT-BAT-400", 3, "901"))           # not yet in the ERP
    for shop in ("portails", "garages"):
        hub.bindings(shop, "variant").save("MOT-BAT-400", "12/0", None, None)
    hub.bindings("portails", "stock").save("MOT-BAT-400", "12/0", "7", None)    # sent before the order
    return console_env


def section(html: str, shop: str) -> str:
    return unescape(re.search(rf'<section class="shop-stock" id="shop-{shop}">(.*?)</section>', html, re.S).group(1))


def term(html: str, name: str) -> Decimal:
    return Decimal(re.search(rf'class="number {name}">(?:<strong class="{name}">)?([\d.]+)<', html).group(1))


def test_the_terms_add_up_to_the_published_figure(stocked):
    page = stocked.signed_in("viewer").get("/stock/MOT-BAT-400")
    assert page.status_code == 200
    levels = re.search(r'<table class="grid" id="levels">(.*?)</table>', page.text, re.S).group(1)
    assert "<td>TLS</td><td>6</td>" in levels and "<td>BDX</td><td>4.5</td>" in levels
    portails = section(page.text, "portails")
    assert "Available over the shop's locations</th><td class=\"number\">10.5" in portails
    assert term(portails, "term-pending") == 3 and term(portails, "term-safety") == 2
    assert "this SKU's rule" in portails and "portails, garages" in portails
    assert "<strong class=\"term-published\">5</strong>" in portails         # ⌊10.5 − 3 − 2⌋
    assert "Last sent: 7" in portails and "now worked out as 5" in portails
    garages = section(page.text, "garages")                                   # BDX only, shared with portails
    assert "10.5" not in garages and term(garages, "term-pending") == 3 and term(garages, "term-safety") == 0
    assert "<strong class=\"term-published\">1</strong>" in garages and "the shop's setting" in garages
    assert "Never sent to this shop." in garages


def test_an_article_not_published_in_a_shop_says_so(stocked):
    page = stocked.signed_in("viewer").get("/stock/MOT-COUL-600")
    assert "Not published in this shop" in section(page.text, "portails")
    assert "<strong class=\"term-published\">1</strong>" in section(page.text, "garages")


def test_the_sku_search(stocked):
    client = stocked.signed_in("viewer")
    answer = client.get("/stock?q=MOT-BAT")
    assert answer.status_code == 303 and answer.headers["location"] == "/stock/MOT-BAT-400"
    listed = client.get("/stock?q=MOT-")
    found = re.search(r'<ul id="found">(.*?)</ul>', listed.text, re.S).group(1)
    assert "MOT-BAT-400" in found and "MOT-COUL-600" in found
    assert "holds no ERP stock" in client.get("/stock?q=zzz").text
    assert client.get("/stock?q=mot-bat").headers["location"] == "/stock/MOT-BAT-400"    # as ERPs write SKUs


def test_changed_last_pages_through_every_figure_once_newest_first(console_env):
    hub = console_env.hub
    seed_levels(hub, [(f"ART-{n:03}", location, str(n)) for n in range(60) for location in ("TLS", "BDX")])
    seed_levels(hub, [("ART-007", "TLS", "99")])                          # changed again, later
    client = console_env.signed_in("viewer")
    seen, path = [], "/stock"
    while path:
        page = client.get(path).text
        table = re.search(r'<table class="grid" id="changed">(.*?)</table>', page, re.S).group(1)
        seen += re.findall(r'>(ART-\d+)</a></td><td>(\w+)</td>', table)
        older = re.search(r'<a href="([^"]+)" rel="next">', page)
        path = unescape(older.group(1)) if older else None
    assert seen[0] == ("ART-007", "TLS")
    assert len(seen) == 120 and len(set(seen)) == 120


def test_the_changed_last_list_is_cut_at_the_page_size(console_env):
    from courroie.interfaces.web.app import PAGE_SIZE
    seed_levels(console_env.hub, [(f"ART-{n:03}", "TLS", "1") for n in range(PAGE_SIZE + 1)])
    page = console_env.signed_in("viewer").get("/stock").text
    assert page.count('<tr><td><a href="/stock/ART-') == PAGE_SIZE and 'rel="next"' in page


def test_stock_cache_questions_on_every_store(store):
    """The same answers on SQLite and PostgreSQL."""
    cache = StockCache(store)
    cache.apply([StockLevel(sku=sku, location="TLS", quantity=Decimal(1)) for sku in ("A_1", "AB1", "a-2", "B")],
                ["TLS"], complete=True)
    cache.mark_read(["TLS"], utcnow(), full=True)
    cache.apply([StockLevel(sku="B", location="BDX", quantity=Decimal("2.5"))], ["BDX"], complete=True)
    cache.mark_read(["BDX"], utcnow(), full=True)
    assert set(cache.skus_starting("A")) == {"A_1", "AB1"} and cache.skus_starting("A_") == ["A_1"]
    assert [(level["location"], level["quantity"]) for level in cache.levels_of("B")] == [("BDX", Decimal("2.5")),
                                                                                         ("TLS", Decimal(1))]
    first = cache.recently_changed(limit=2)
    assert [(row["sku"], row["location"]) for row in first] == [("B", "BDX"), ("a-2", "TLS")]
    last = first[-1]
    rest = cache.recently_changed(limit=5, before=(last["changed_at"], last["sku"], last["location"]))
    assert [row["sku"] for row in rest] == ["B", "A_1", "AB1"]            # code point order, "_" after "B"
