"""The catalog page: finding a published product by SKU, name or EAN, what each shop was sent
(``explain``, with the shops unreachable here), pending changes (``plan``, the ERP unreachable
here), and "push now" for operators only."""

from __future__ import annotations

import re

import pytest

from courroie.engine.retry import RetryPolicy
from courroie.flows.registry import FLOWS
from courroie.interfaces import operations
from courroie.sync.bindings import Bindings, find_products
from tests.interfaces.web.conftest import csrf_of

HTMX = {"HX-Request": "true"}


def sent(name: dict, ean13: str | None = None, variants: list | None = None) -> dict:
    """What the catalog flow keeps in a product binding (``write_record``'s snapshot)."""
    return {"sent": {"name": name, "ean13": ean13, "weight": "12.5", "active": True,
                     "variants": variants or [], "categories": ["3"]}}


def publish(hub, shop: str, sku: str, product_id: str, snapshot: dict, variants: dict[str, str]) -> None:
    hub.bindings(shop, "product").save(sku, product_id, f"fp-{sku}", {**snapshot, "variants": variants})
    hub.bindings(shop, "variant").save_many([(v, f"{product_id}/{vid}", None, None) for v, vid in variants.items()])


@pytest.fixture
def catalog(console_env):
    hub = console_env.hub
    publish(hub, "portails", "MOT-BAT-400", "12", sent({"fr": "Moteur battant 400", "en": "Swing motor 400"},
                                                       "3760000000017"), {"MOT-BAT-400": "0"})
    publish(hub, "garages", "MOT-BAT-400", "77", sent({"fr": "Moteur battant 400"}, "3760000000017"),
            {"MOT-BAT-400": "0"})
    publish(hub, "portails", "MOT-COUL-600", "13", sent({"fr": "Moteur coulissant 600"}), {"MOT-COUL-600": "0"})
    publish(hub, "portails", "TEL-4", "14", sent({"fr": "Télécommande 4 canaux"}, None, [
        {"sku": "TEL-4-BLANC", "ean13": "4006381333931", "attributes": {"Couleur": "blanc"}},
        {"sku": "TEL-4-NOIR", "ean13": "4006381333948", "attributes": {"Couleur": "noir"}}]),
        {"TEL-4-BLANC": "1", "TEL-4-NOIR": "2"})
    return console_env


def row_of(html: str, text: str) -> str:
    """The table row holding ``text``."""
    return next(row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if text in row)


def test_search_by_sku_lists_the_products_and_where_they_are_published(catalog):
    page = catalog.signed_in("viewer").get("/catalog?q=mot-")
    assert page.status_code == 200
    assert "MOT-BAT-400" in page.text and "MOT-COUL-600" in page.text and "TEL-4" not in page.text
    coulissant = row_of(page.text, "MOT-COUL-600")
    assert "Moteur coulissant 600" in coulissant
    # portails first, then garages: published in one, not in the other
    assert re.search(r"published.*not published", coulissant, re.S)
    assert "not published" not in row_of(page.text, "MOT-BAT-400")


@pytest.mark.parametrize("text, sku", [("coulissant", "MOT-COUL-600"), ("TÉLÉCOMMANDE", "TEL-4"),
                                       ("3760000000017", "MOT-BAT-400"), ("4006381333948", "TEL-4"),
                                       ("tel-4-noir", "TEL-4")])
def test_search_by_name_ean_or_variant_opens_the_one_product_found(catalog, text, sku):
    answer = catalog.signed_in("viewer").get("/catalog", params={"q": text})
    assert answer.status_code == 303 and answer.headers["location"] == f"/catalog/product/{sku}"


def test_nothing_found_says_so(catalog):
    page = catalog.signed_in("viewer").get("/catalog?q=zzz")
    assert page.status_code == 200 and "No published product matches zzz" in page.text


def test_find_products_ignores_case_and_matches_only_identity_fields(store):
    bindings = Bindings(store, "portails", "product")
    bindings.save("A-1", "1", "f", {"sent": {"name": {"fr": "Élite"}, "ean13": "111",
                                             "variants": [{"sku": "A-1", "attributes": {"Taille": "XL"}}]}})
    bindings.save("B-1", "2", "f", {"sent": {"name": {"fr": "Portail 100%"}, "ean13": None, "variants": []}})
    Bindings(store, "portails", "variant").save("A-1", "1/0", None, None)
    assert [(h.sku, h.matched) for h in find_products(store, "élite")] == [("A-1", "name")]
    assert [h.sku for h in find_products(store, "ÉLI")] == ["A-1"]
    assert find_products(store, "XL") == []            # an attribute is not a name
    assert [h.sku for h in find_products(store, "100%")] == ["B-1"] and find_products(store, "0%x") == []
    assert [h.sku for h in find_products(store, "a-1")] == ["A-1"]     # product bindings only, once
    assert len(find_products(store, "1", limit=1)) == 1


def test_product_page_tells_per_shop_whether_it_is_published(catalog):
    page = catalog.signed_in("viewer").get("/catalog/product/MOT-COUL-600")
    assert page.status_code == 200 and "Moteur coulissant 600" in page.text
    portails, garages = row_of(page.text, "<td>portails</td>"), row_of(page.text, "<td>garages</td>")
    assert "published" in portails and "<td>13</td>" in portails
    assert "not published" in garages
    # explain and plan come lazily, each with a link for browsers without JavaScript
    assert 'hx-get="/catalog/explain/portails/MOT-COUL-600"' in page.text
    assert 'href="/catalog/explain/garages/MOT-COUL-600"' in page.text
    assert 'hx-get="/catalog/plan/MOT-COUL-600" hx-trigger="load"' in page.text
    assert "Push now" not in page.text                          # a viewer


def test_a_variant_sku_opens_its_product(catalog):
    answer = catalog.signed_in("viewer").get("/catalog/product/TEL-4-NOIR")
    assert answer.status_code == 303 and answer.headers["location"] == "/catalog/product/TEL-4"


def test_explain_shows_the_values_sent_and_that_the_shop_could_not_be_read(catalog):
    client = catalog.signed_in("viewer")
    part = client.get("/catalog/explain/portails/MOT-BAT-400", headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.text
    assert "Swing motor 400" in part.text and "ERP name" in part.text and "3760000000017" in part.text
    assert "the shop could not be read" in part.text
    weight = row_of(part.text, "<td>weight</td>")
    assert "12.5" in weight and "unknown" in weight and "holds it" not in part.text
    whole = client.get("/catalog/explain/portails/MOT-BAT-400")      # without JavaScript: a whole page
    assert "<html" in whole.text and "the shop could not be read" in whole.text


def test_explain_of_a_product_not_published_in_that_shop(catalog):
    part = catalog.signed_in("viewer").get("/catalog/explain/garages/MOT-COUL-600", headers=HTMX)
    assert part.status_code == 200 and "No value of this product was sent to garages" in part.text
    assert re.search(r"<dt>Published</dt><dd>no</dd>", part.text)
    assert catalog.signed_in("viewer").get("/catalog/explain/nowhere/MOT-COUL-600").status_code == 404


def test_pending_changes_say_when_the_erp_cannot_be_read(catalog):
    catalog.hub.retry = RetryPolicy(attempts=1)          # the ERP is down here: fail at once
    part = catalog.signed_in("viewer").get("/catalog/plan/MOT-BAT-400", headers=HTMX)
    assert part.status_code == 200
    assert "The ERP could not be read" in part.text and "unreachable" in part.text


def test_pending_changes_of_the_product_from_the_plan(catalog, monkeypatch):
    async def plan(hub, flow, *, shop=None):
        assert flow == "catalog" and shop is None
        return {"tryton": {"status": "ok", "message": "", "counts": {}, "planned": []},
                "portails": {"status": "ok", "message": "", "counts": {"updated": 2, "unchanged": 40}, "planned": [
                    {"record": "MOT-BAT-400", "action": "updated", "changes": {"weight": ["12.5", "13.0"]}},
                    {"record": "MOT-BAT-4000", "action": "updated", "changes": {"weight": ["1", "2"]}}]},
                "garages": {"status": "ok", "message": "", "counts": {"unchanged": 41}, "planned": []}}
    monkeypatch.setattr(operations, "plan_flow", plan)
    part = catalog.signed_in("viewer").get("/catalog/plan/MOT-BAT-400", headers=HTMX)
    change = row_of(part.text, "weight")
    assert "12.5" in change and "13.0" in change and "MOT-BAT-4000" not in part.text
    assert "unchanged 40, updated 2" in part.text and "Nothing would change for MOT-BAT-400" in part.text


def test_a_viewer_cannot_push(catalog, monkeypatch):
    started = []
    monkeypatch.setitem(FLOWS, "catalog", lambda hub, shop, dry_run: started.append(shop))
    client = catalog.signed_in("viewer")
    token = csrf_of(client, "/catalog")
    answer = client.post("/catalog/push/portails/MOT-BAT-400", data={"csrf_token": token})
    assert answer.status_code == 403 and started == []
    assert catalog.hub.journal.history(record="MOT-BAT-400") == []


def test_an_operator_pushes_the_shop_catalog_and_it_is_journaled(catalog, monkeypatch):
    started = []

    async def sync_catalog(hub, shop, *, dry_run):
        started.append((shop, dry_run))
    monkeypatch.setitem(FLOWS, "catalog", sync_catalog)
    client = catalog.signed_in("operator")
    page = client.get("/catalog/product/MOT-BAT-400")
    assert "Push now" in page.text
    token = csrf_of(client, "/catalog/product/MOT-BAT-400")
    answer = client.post("/catalog/push/garages/MOT-BAT-400", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/catalog/product/MOT-BAT-400?pushed=garages"
    assert started == [("garages", False)]
    [entry] = catalog.hub.journal.history(record="MOT-BAT-400")
    assert (entry["connection"], entry["flow"], entry["action"]) == ("garages", "catalog", "push_now")
    assert "operator" in entry["message"]
    assert "whole catalog of that shop" in client.get(answer.headers["location"]).text
    assert client.post("/catalog/push/nowhere/MOT-BAT-400", data={"csrf_token": token}).status_code == 404


def test_a_plan_without_answer_says_so(catalog, monkeypatch):
    async def plan(hub, flow, *, shop=None):
        return {}
    monkeypatch.setattr(operations, "plan_flow", plan)
    part = catalog.signed_in("viewer").get("/catalog/plan/MOT-BAT-400", headers=HTMX)
    assert "No plan came back" in part.text and "ERP could not be read" not in part.text
