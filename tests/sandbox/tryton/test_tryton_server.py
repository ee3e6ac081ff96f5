"""The running trytond answers JSON-RPC and REST over the seeded data, as the data contract says."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import httpx
import pytest

from courroie.sandbox.tryton import ADMIN_LOGIN, WAREHOUSES
from courroie.sandbox.tryton.rpc import Rpc, RpcError


@pytest.fixture(scope="module")
def rpc(tryton_db) -> Rpc:
    client = Rpc(tryton_db.url, tryton_db.name)
    client.login(tryton_db.user, tryton_db.password)
    return client


@pytest.fixture(scope="module")
def warehouses(rpc) -> dict[str, int]:
    rows = rpc.search_read("stock.location", [("type", "=", "warehouse")], ["code"])
    return {row["code"]: row["id"] for row in rows}


def test_login_and_version(tryton_db):
    client = Rpc(tryton_db.url, tryton_db.name)
    assert client.login(ADMIN_LOGIN, tryton_db.password) > 0
    with pytest.raises(httpx.HTTPStatusError):
        Rpc(tryton_db.url, tryton_db.name).login(ADMIN_LOGIN, "wrong password")


def test_products_search_read(rpc, tryton_catalog):
    rows = rpc.search_read("product.product", [("template.code", "=", "MOT-BAT-400")],
                           ["code", "attributes", "list_price_used", "template.weight"])  # fmt: skip
    by_code = {row["code"]: row for row in rows}
    assert set(by_code) == {"MOT-BAT-400-24V", "MOT-BAT-400-230V"}
    assert by_code["MOT-BAT-400-24V"]["attributes"] == {"voltage": "24v", "protection": "ip44", "warranty": "3y"}
    expected = tryton_catalog.product_of("MOT-BAT-400-24V")
    assert by_code["MOT-BAT-400-24V"]["list_price_used"] == expected.list_price
    assert by_code["MOT-BAT-400-24V"]["template."]["weight"] == pytest.approx(expected.weight)


def test_catalog_counts(rpc, tryton_catalog):
    skus = sum(1 for _ in tryton_catalog.variants)
    assert skus >= 200
    catalog_domain = [("code", "not like", "PORT-%")]
    assert rpc.model("product.product", "search_count", catalog_domain) == skus
    with_variants = rpc.model("product.template", "search_count", [("attribute_set", "!=", None)])
    assert with_variants >= 40
    eans = rpc.search_read("product.identifier", [("type", "=", "ean")], ["code"])
    assert len(eans) == sum(1 for v in tryton_catalog.variants if v.ean)
    weighted = rpc.model("product.template", "search_count", [("weight", ">", 0), ("weight_uom.symbol", "=", "kg")])
    assert weighted == sum(1 for p in tryton_catalog.products if p.weight)
    brands = rpc.model("product.identifier", "search_count", [("type", "=", "brand")])
    assert brands == sum(len(p.variants) for p in tryton_catalog.products if p.brand)
    measured = rpc.model("product.template", "search_count", [("length", ">", 0), ("length_uom.symbol", "=", "cm")])
    assert measured == sum(1 for p in tryton_catalog.products if p.dimensions)


def test_pictures_manuals_price_lines_and_promotions(rpc, tryton_catalog):
    pictures = [pic for p in tryton_catalog.products for pic in p.pictures]
    assert rpc.model("product.image", "search_count", []) == len(pictures)
    assert rpc.model("product.image", "search_count", [("product", "!=", None)]) == sum(1 for pic in pictures
                                                                                         if pic.variant)
    manuals = rpc.search_read("ir.attachment", [("resource", "like", "product.template,%")], ["name", "data"])
    assert len(manuals) == sum(len(p.documents) for p in tryton_catalog.products)
    assert all(row["data"].startswith(b"%PDF-") for row in manuals)       # in the database file, not a store
    lists = {row["name"]: len(row["lines"]) for row in rpc.search_read("product.price_list", [], ["name", "lines"])}
    assert lists == {"Public": 1, "Tarif pro": 3, "Soldes": 4}
    assert rpc.model("sale.promotion", "search_count", []) == 4
    [coupon] = rpc.search_read("sale.promotion.coupon.number", [], ["number"])
    assert coupon["number"] == "BIENVENUE10"


def test_stock_in_both_warehouses(rpc, warehouses, tryton_catalog):
    assert set(warehouses) == set(WAREHOUSES)
    for code, location in warehouses.items():
        rows = rpc.search_read("product.product", [("type", "=", "goods")], ["code", "quantity", "forecast_quantity"],
                               locations=[location])  # fmt: skip
        got = {row["code"]: row["quantity"] for row in rows}
        expected = {v.code: v.stock[code] for p in tryton_catalog.products if p.type == "goods" for v in p.variants}
        assert got == expected
        assert all(row["forecast_quantity"] == row["quantity"] for row in rows)
    expected_none = [v.code for v in tryton_catalog.variants if v.stock and not any(v.stock.values())]
    assert expected_none  # some items are out of stock everywhere


def test_french_translations(rpc):
    (en,) = rpc.search_read("product.product", [("code", "=", "MOT-BAT-400-24V")], ["name", "description"])
    (fr,) = rpc.search_read("product.product", [("code", "=", "MOT-BAT-400-24V")], ["name", "description"],
                            language="fr")  # fmt: skip
    assert en["name"].endswith("articulated arm operator") and fr["name"].startswith("Motorisation à bras")
    assert "<li>" in fr["description"] and fr["description"] != en["description"]
    (category,) = rpc.search_read("product.category", [("name", "=", "Swing gates")], ["name"], language="en")
    (translated,) = rpc.search_read("product.category", [("id", "=", category["id"])], ["name"], language="fr")
    assert translated["name"] == "Portails battants"


def test_categories_and_taxes(rpc):
    rows = rpc.search_read("product.template", [("code", "=", "MOT-BAT-400")],
                           ["categories", "account_category.customer_taxes_used"])  # fmt: skip
    (template,) = rows
    assert template["categories"]
    taxes = template["account_category."]["customer_taxes_used"]
    (tax,) = rpc.search_read("account.tax", [("id", "in", taxes)], ["rate", "name"])
    assert (tax["rate"], tax["name"]) == (Decimal("0.20"), "TVA 20 %")
    leaves = rpc.search_read("product.category", [("parent.parent", "!=", None)], ["name"])
    assert leaves  # three levels deep


def test_customers_carriers_and_journals(rpc):
    customers = rpc.search_read("party.party", [("contact_mechanisms.type", "=", "email"),
                                                ("addresses.country.code", "=", "FR")], ["name", "email"])  # fmt: skip
    assert len(customers) >= 8
    carriers = rpc.search_read("carrier", [], ["rec_name"])
    assert {c["rec_name"].split(" - ")[0] for c in carriers} == {"Colissimo", "DPD France"}
    journals = rpc.search_read("account.payment.journal", [], ["name"])
    assert {j["name"] for j in journals} >= {"Stripe", "Chèques"}


def test_rest_with_application_key(tryton_db, rpc):
    (product,) = rpc.search_read("product.product", [("code", "=", "MOT-BAT-400-24V")], ["id"])
    context = base64.urlsafe_b64encode(json.dumps({"company": tryton_db.company_id}).encode()).decode()
    response = httpx.get(
        f"{tryton_db.rest_url}model/product.product/{product['id']}",
        params={"f": ["code"]},
        headers={"Authorization": f"Bearer {tryton_db.application_key}", "X-Tryton-Context": context},
    )
    assert response.status_code == 200, response.text
    assert response.json()["code"] == "MOT-BAT-400-24V"


def test_databases_are_isolated(tryton_server, rpc):
    other = tryton_server.add_database()
    client = Rpc(other.url, other.name)
    client.login(other.user, other.password)
    (product,) = client.search_read("product.product", [("code", "=", "FDC-100")], ["id"])
    client.model("product.product", "write", [product["id"]], {"suffix_code": "-X"})
    assert client.search_read("product.product", [("code", "=", "FDC-100-X")], ["id"])
    assert not rpc.search_read("product.product", [("code", "=", "FDC-100-X")], ["id"])
    with pytest.raises(RpcError):
        client.model("no.such.model", "search", [])


def test_a_sale_goes_through(rpc, warehouses):
    """What the hub will do with a shop order: create, quote, confirm; Tryton ships and invoices."""
    (party,) = rpc.search_read("party.party", [("name", "=", "Marie Dupont")], ["addresses"])
    fields = ["default_uom", "list_price_used", "account_category.customer_taxes_used"]
    (product,) = rpc.search_read("product.product", [("code", "=", "MOT-BAT-400-24V")], fields)
    (carrier,) = rpc.search_read("carrier", [("party.name", "=", "Colissimo")], ["carrier_product"])
    (sale_id,) = rpc.model("sale.sale", "create", [{
        "party": party["id"], "reference": "PS-000123", "warehouse": warehouses["TLS"],
        "invoice_address": party["addresses"][0], "shipment_address": party["addresses"][0],
        "carrier": carrier["id"], "shipment_cost_method": "order",
        "lines": [("create", [{
            "type": "line", "product": product["id"], "quantity": 1, "unit": product["default_uom"],
            "unit_price": product["list_price_used"],
            "taxes": [("add", product["account_category."]["customer_taxes_used"])],
        }])],
    }])  # fmt: skip
    rpc.model("sale.sale", "quote", [sale_id])
    rpc.model("sale.sale", "confirm", [sale_id])
    (sale,) = rpc.search_read("sale.sale", [("reference", "=", "PS-000123")],
                              ["state", "shipments", "invoices", "total_amount", "number"])  # fmt: skip
    assert sale["state"] == "processing"
    assert sale["shipments"] and sale["invoices"] and sale["number"]
    # Quoting added the Colissimo line (8.90, from the carrier's product): (669.90 + 8.90) × 1.20.
    assert sale["total_amount"] == Decimal("814.56")
