"""What the sandbox holds at start: a fresh Odoo database, then the demo retailer's catalog.

``base`` is what any Odoo database has (company, users, currencies, countries, languages, units,
locations, a tax and a price list), with Odoo's usual ids where the captures show them (France is 75,
Partners/Customers 5, the first warehouse's stock 8). ``door_and_gate`` adds the catalog of the demo
retailer — the same plain data as the Tryton sandbox (:func:`courroie.sandbox.tryton.catalog.build_catalog`) —
written through the sandbox's own ORM: categories, attributes, templates whose variants Odoo generates,
EAN13s, weights, translations, stock in two warehouses, price lists with customer-group, quantity and
dated prices, carriers, kits (when ``mrp`` is installed) and a few pictures.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from courroie.sandbox.tryton.catalog import Catalog, build_catalog

from .orm import Env, Server, User
from .stock import add_quantity

ADMIN_PASSWORD = "admin"
API_KEY = "sandbox-api-key-0123456789abcdef0123456789abcdef"
DEMO_PASSWORD = "demo"
COUNTRIES = ((20, "BE", "Belgium"), (43, "CH", "Switzerland"), (57, "DE", "Germany"), (68, "ES", "Spain"),
             (75, "FR", "France"), (109, "IT", "Italy"), (133, "LU", "Luxembourg"), (222, "GB", "United Kingdom"),
             (233, "US", "United States"))
EXPORT = ("CH", "GB", "US")
TAXES = {"vat20": ("TVA 20 %", 20.0), "vat10": ("TVA 10 %", 10.0), "vat5_5": ("TVA 5,5 %", 5.5)}
WAREHOUSES = {"TLS": "Toulouse", "BDX": "Bordeaux"}
CARRIERS = (("Colissimo", "SHIP-COLISSIMO", 9.90), ("DPD", "SHIP-DPD", 12.50))
# What a fresh database with the accounting localisation holds (``account`` + ``l10n_generic_coa``).
JOURNALS = (("Customer Invoices", "INV", "sale"), ("Vendor Bills", "BILL", "purchase"),
            ("Miscellaneous Operations", "MISC", "general"), ("Exchange Difference", "EXCH", "general"),
            ("Cash Basis Taxes", "CABA", "general"), ("Bank", "BNK1", "bank"), ("Cash", "CSH1", "cash"))
PAYMENT_TERMS = ("Immediate Payment", "15 Days", "21 Days", "30 Days", "45 Days", "End of Following Month")
STATES = (("US", "CA", "California"), ("US", "NY", "New York"), ("US", "TX", "Texas"), ("IT", "MI", "Milano"),
          ("IT", "RM", "Roma"), ("ES", "M", "Madrid"), ("ES", "B", "Barcelona"))
PARTNER_TAGS = ("Professionnels", "Particuliers")


@dataclass(frozen=True)
class Seeded:
    """Ids the tests and the demo need to name records of the seeded database."""

    admin_uid: int = 2
    demo_uid: int = 6
    api_key: str = API_KEY


def base(server: Server, *, company: str = "YourCompany", currency: str = "USD") -> Seeded:
    """A fresh database: the records every Odoo has, with the ids the captures show."""
    db = server.db
    eur = db.insert("res.currency", {"name": "EUR", "symbol": "€", "rounding": 0.01, "active": True, "rate": 1.0})
    usd = db.insert("res.currency", {"name": "USD", "symbol": "$", "rounding": 0.01, "active": True, "rate": 1.0})
    company_currency = {"EUR": eur, "USD": usd}[currency]
    db.insert("res.partner", {"name": company, "is_company": True, "active": True, "type": "contact"})
    db.insert("res.partner", {"name": "OdooBot", "active": True, "type": "contact"})
    admin_partner = db.insert("res.partner", {"name": "Mitchell Admin", "email": "admin@yourcompany.example.com",
                                              "active": True, "type": "contact"})
    db.next_ids["res.partner"] = 7
    demo_partner = db.insert("res.partner", {"name": "Marc Demo", "email": "mark.brown23@example.com", "active": True,
                                             "type": "contact"})
    db.insert("res.company", {"name": company, "currency_id": company_currency, "partner_id": 1})
    db.insert("res.users", {"name": "OdooBot", "login": "__system__", "partner_id": 2})
    db.insert("res.users", {"name": "Mitchell Admin", "login": "admin", "partner_id": admin_partner, "lang": "en_US"})
    db.next_ids["res.users"] = 6
    db.insert("res.users", {"name": "Marc Demo", "login": "demo", "partner_id": demo_partner, "lang": "en_US"})
    server.users[2] = User(2, "admin", ADMIN_PASSWORD, "Mitchell Admin", admin_partner, api_keys={API_KEY})
    server.users[6] = User(6, "demo", DEMO_PASSWORD, "Marc Demo", demo_partner,
                           denied={"res.company": {"write", "create", "unlink"},
                                   "ir.config_parameter": {"read", "write", "create", "unlink"},
                                   "sale.order": {"create", "write", "unlink"}})
    for country_id, code, name in COUNTRIES:
        db.next_ids["res.country"] = country_id
        db.insert("res.country", {"code": code, "name": name})
    for code, name, active in (("en_US", "English (US)", True), ("fr_FR", "French / Français", False),
                               ("de_DE", "German / Deutsch", False)):
        db.insert("res.lang", {"code": code, "name": name, "iso_code": code[:2], "active": active})
    db.insert("uom.category", {"name": "Unit"})
    db.insert("uom.uom", {"name": {"en_US": "Units"}, "category_id": 1, "factor": 1.0, "rounding": 0.01,
                          "uom_type": "reference", "active": True})
    db.insert("product.category", {"name": "All"})
    for name, usage, parent in (("Physical Locations", "view", None), ("Partners", "view", None),
                                ("Virtual Locations", "view", None), ("Vendors", "supplier", 2),
                                ("Customers", "customer", 2)):
        db.insert("stock.location", {"name": name, "usage": usage, "location_id": parent, "active": True})
    db.next_ids["stock.location"] = 14
    db.insert("stock.location", {"name": "Inventory adjustment", "usage": "inventory", "location_id": 3,
                                 "active": True})
    db.next_ids["stock.location"] = 7
    for model in ("ir.model",):
        for name, model_def in server.models.items():
            db.insert(model, {"model": name, "name": model_def.description})
    db.insert("ir.config_parameter", {"key": "database.uuid", "value": "00000000-sandbox"})
    for name, code, kind in JOURNALS:
        db.insert("account.journal", {"name": name, "code": code, "type": kind, "active": True, "sequence": 10,
                                      "company_id": 1})
    for sequence, name in enumerate(PAYMENT_TERMS):
        db.insert("account.payment.term", {"name": name, "active": True, "sequence": sequence})
    countries = {row["code"]: i for i, row in db.tables["res.country"].items()}
    for country, code, name in STATES:
        db.insert("res.country.state", {"country_id": countries[country], "code": code, "name": name})
    return Seeded()


# --- the demo retailer ------------------------------------------------------------------------------------

def door_and_gate(server: Server, n_products: int = 380, *, with_stock: bool = True) -> Seeded:
    """A database holding the door and gate retailer's catalog (``n_products`` SKUs, at least 40)."""
    seeded = base(server, company="Portails & Automatismes du Sud", currency="EUR")
    env = server.env(seeded.admin_uid, {"lang": "en_US", "tracking_disable": True})
    _activate(env, "fr_FR")
    catalog = build_catalog(n_products)
    taxes = {key: env.create("account.tax", {"name": name, "amount": amount, "amount_type": "percent",
                                             "type_tax_use": "sale", "price_include": False, "active": True})
             for key, (name, amount) in TAXES.items()}
    categories = _categories(env, catalog)
    values = _attributes(env, catalog)
    warehouses = {code: env.create("stock.warehouse", {"name": name, "code": code})
                  for code, name in WAREHOUSES.items()}
    policy = {"discount_policy": "with_discount"} if server.major < 18 else {}   # the field is gone in 18
    public = env.create("product.pricelist", {"name": "Public", "currency_id": _currency(env, "EUR"), "sequence": 1,
                                              **policy})
    variants: dict[str, int] = {}
    labels = {attribute.name: attribute.en for attribute in catalog.attributes}
    for index, product in enumerate(catalog.products):
        variants |= _product(env, product, categories, values, labels, taxes, picture=index < 12)
    if with_stock:
        for variant in catalog.variants:
            for code, quantity in variant.stock.items():
                if quantity:
                    stock = env.table("stock.warehouse")[warehouses[code]]["lot_stock_id"]
                    add_quantity(env, variants[variant.code], stock, float(quantity))
    if "mrp" in server.modules:
        _kits(env, catalog, variants)
    _carriers(env, taxes["vat20"])
    _price_lists(env, catalog, categories, variants, public)
    for tag in PARTNER_TAGS:
        env.create("res.partner.category", {"name": tag})
    env.create("account.journal", {"name": "Stripe", "code": "STRP", "type": "bank"})
    _customers(env)
    return seeded


def _activate(env: Env, code: str) -> None:
    for lang, row in env.table("res.lang").items():
        if row["code"] == code:
            env.db.update("res.lang", lang, {"active": True})


def _currency(env: Env, code: str) -> int:
    return next(i for i, row in env.table("res.currency").items() if row["name"] == code)


def _categories(env: Env, catalog: Catalog) -> dict[str, int]:
    ids: dict[str, int] = {}
    for category in catalog.categories:   # parents come first in the catalog
        parent = ids[category.parent] if category.parent else 1
        ids[category.key] = env.create("product.category", {"name": category.en, "parent_id": parent})
    return ids


def _attributes(env: Env, catalog: Catalog) -> dict[tuple[str, str], int]:
    values: dict[tuple[str, str], int] = {}
    french = env.with_context(lang="fr_FR")
    for attribute in catalog.attributes:
        created = env.create("product.attribute", {"name": attribute.en, "create_variant": "always",
                                                   "display_type": "radio"})
        french.write("product.attribute", [created], {"name": attribute.fr})
        for key, label_fr, label_en in attribute.values:
            value = env.create("product.attribute.value", {"name": label_en, "attribute_id": created})
            french.write("product.attribute.value", [value], {"name": label_fr})
            values[(attribute.name, key)] = value
    return values


def _text(html: str) -> str:
    """Sales descriptions are plain text in Odoo: the catalog's HTML, one line per paragraph or item."""
    lines = re.split(r"</p>|</li>|<ul>", html)
    return "\n".join(item for line in lines if (item := re.sub(r"<[^>]+>", "", line).strip()))


def _product(env: Env, product: Any, categories: dict[str, int], values: dict[tuple[str, str], int],
             labels: dict[str, str], taxes: dict[str, int], *, picture: bool) -> dict[str, int]:
    attribute_names = list(dict.fromkeys(n for v in product.variants for n in v.attributes))
    attributes = {row["name"]["en_US"]: i for i, row in env.table("product.attribute").items()}
    lines = [(0, 0, {"attribute_id": attributes[labels[name]],
                     "value_ids": [(6, 0, sorted({values[(name, v.attributes[name])] for v in product.variants}))]})
             for name in attribute_names]
    first = product.variants[0]
    template_values: dict[str, Any] = {
        "name": product.name_en, "list_price": float(product.list_price), "standard_price": float(product.cost_price),
        "categ_id": categories[product.categories[0]], "taxes_id": [(6, 0, [taxes[product.tax]])],
        "description_sale": _text(first.description_en), "sale_ok": True, "attribute_line_ids": lines,
        **_storable(env, product.type)}
    if picture:
        template_values["image_1920"] = _png(product.code)
    if len(product.variants) == 1:
        template_values |= {"default_code": first.code, **({"barcode": first.ean} if first.ean else {}),
                            **({"weight": product.weight} if product.weight else {})}
    template = env.create("product.template", template_values)
    env.with_context(lang="fr_FR").write("product.template", [template], {
        "name": product.name_fr, "description_sale": _text(first.description_fr)})
    return _match_variants(env, template, product, values) if attribute_names else \
        {first.code: env.search("product.product", [("product_tmpl_id", "=", template)])[0]}


def _storable(env: Env, kind: str) -> dict[str, Any]:
    if kind == "service":
        return {"type": "service"} if env.major >= 18 else {"detailed_type": "service", "type": "service"}
    goods = kind == "goods"
    if env.major >= 18:
        return {"type": "consu", "is_storable": goods}
    return {"detailed_type": "product" if goods else "consu", "type": "product" if goods else "consu"}


def _match_variants(env: Env, template: int, product: Any, values: dict[tuple[str, str], int]) -> dict[str, int]:
    """Give Odoo's generated variants the catalog's codes; archive combinations the catalog does not sell."""
    found: dict[str, int] = {}
    wanted = {tuple(sorted(values[(n, k)] for n, k in v.attributes.items())): v for v in product.variants}
    for variant in env.search("product.product", [("product_tmpl_id", "=", template)], active_test=False):
        ptavs = env.get("product.product", variant, "product_template_attribute_value_ids")
        ptav_table = env.table("product.template.attribute.value")
        key = tuple(sorted(ptav_table[p]["product_attribute_value_id"] for p in ptavs))
        article = wanted.get(key)
        if article is None:
            env.db.update("product.product", variant, {"active": False})
            continue
        env.write("product.product", [variant], {"default_code": article.code,
                                                 **({"barcode": article.ean} if article.ean else {}),
                                                 **({"weight": product.weight} if product.weight else {})})
        found[article.code] = variant
    return found


def _png(seed: str) -> str:
    """A small, valid PNG (8×8, one colour from ``seed``), base64 as Odoo's binary fields are read."""
    colour = zlib.crc32(seed.encode()).to_bytes(4, "big")[:3]
    raw = b"".join(b"\x00" + colour * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


def _kits(env: Env, catalog: Catalog, variants: dict[str, int]) -> None:
    for product in catalog.products:
        if product.type != "kit":
            continue
        template = env.get("product.product", variants[product.variants[0].code], "product_tmpl_id")
        env.create("mrp.bom", {"product_tmpl_id": template, "type": "phantom", "product_qty": 1.0,
                               "bom_line_ids": [(0, 0, {"product_id": variants[code], "product_qty": float(quantity)})
                                                for code, quantity in product.components]})


def _carriers(env: Env, tax: int) -> None:
    for name, code, price in CARRIERS:
        product = env.create("product.template", {"name": name, "default_code": code, "list_price": price,
                                                  "taxes_id": [(6, 0, [tax])], "sale_ok": False,
                                                  **_storable(env, "service")})
        variant = env.search("product.product", [("product_tmpl_id", "=", product)])[0]
        env.create("delivery.carrier", {"name": name, "product_id": variant, "delivery_type": "fixed",
                                        "fixed_price": price, "active": True, "sequence": 10})


def _price_lists(env: Env, catalog: Catalog, categories: dict[str, int], variants: dict[str, int],
                 public: int) -> None:
    """Customer-group prices ("Tarif pro"), quantity tiers, a dated formula promotion, a USD list."""
    export = env.create("res.country.group", {"name": "Export", "country_ids": [
        (6, 0, [i for i, row in env.table("res.country").items() if row["code"] in EXPORT])]})
    pro = env.create("product.pricelist", {"name": "Tarif pro", "currency_id": _currency(env, "EUR"), "sequence": 5})
    goods = [p for p in catalog.products if p.type == "goods"]
    remote = next(p for p in goods if p.family == "remote")
    photocell = next(p for p in goods if p.family == "photocell")
    items = [
        {"applied_on": "2_product_category", "categ_id": categories["motorisation"], "compute_price": "percentage",
         "percent_price": 10.0},
        {"applied_on": "0_product_variant", "product_id": variants[remote.variants[0].code], "compute_price": "fixed",
         "fixed_price": float((remote.list_price * Decimal("0.8")).quantize(Decimal("0.01"))), "min_quantity": 5},
        {"applied_on": "1_product", "product_tmpl_id": env.get("product.product", variants[photocell.variants[0].code],
                                                               "product_tmpl_id"),
         "compute_price": "formula", "base": "list_price", "price_discount": 15.0, "price_round": 1.0,
         "price_surcharge": -0.10, "date_start": "2026-06-01 00:00:00", "date_end": "2026-12-31 23:59:59"},
    ]
    for item in items:
        env.create("product.pricelist.item", {"pricelist_id": pro, "min_quantity": 0, "base": "list_price", **item})
    usd = env.create("product.pricelist", {"name": "Export USD", "currency_id": _currency(env, "USD"), "sequence": 9,
                                           "country_group_ids": [(6, 0, [export])]})
    env.create("product.pricelist.item", {"pricelist_id": usd, "applied_on": "0_product_variant",
                                          "product_id": variants[remote.variants[0].code], "compute_price": "fixed",
                                          "fixed_price": float(remote.list_price) + 5.0, "base": "list_price"})
    env.create("product.pricelist.item", {"pricelist_id": public, "applied_on": "0_product_variant",
                                          "product_id": variants[photocell.variants[0].code], "compute_price": "fixed",
                                          "fixed_price": float(photocell.list_price), "base": "list_price",
                                          "min_quantity": 0})


def _customers(env: Env) -> None:
    france = next(i for i, row in env.table("res.country").items() if row["code"] == "FR")
    env.create("res.partner", {"name": "Installations Garonne", "email": "achats@garonne-installations.example",
                               "is_company": True, "street": "4 quai de la Daurade", "zip": "31000",
                               "city": "Toulouse", "country_id": france, "customer_rank": 1,
                               "child_ids": [(0, 0, {"type": "delivery", "name": "Dépôt Blagnac",
                                                     "street": "12 avenue de l'Aéroport", "zip": "31700",
                                                     "city": "Blagnac", "country_id": france})]})
