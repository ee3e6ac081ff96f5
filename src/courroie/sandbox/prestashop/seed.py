"""What a fresh French PrestaShop 8.1.2 holds before anyone adds a product.

Ids are the real ones where clients depend on them: countries (FR 8, DE 1, US 21…), order states
1-14, groups 1-3, root category 1 / Home 2, shop 1 in shop group 1. Taxes are the French rates of
a FR install (tax rule group 1 "FR Taux standard (20%)"), applied to the EU countries seeded here.
"""

from __future__ import annotations

from typing import Any

from .backend import Backend
from .resources import REGISTRY

LANGUAGES = [
    (1, "English (English)", "en", "en-US", "en-us", "m/d/Y", "m/d/Y H:i:s"),
    (2, "Français (French)", "fr", "fr-FR", "fr-fr", "d/m/Y", "d/m/Y H:i:s"),
]

ZONES = [(1, "Europe"), (2, "North America"), (7, "Europe (non-EU)")]

# id, iso, zone, call prefix, zip format, English name, French name
COUNTRIES = [
    (1, "DE", 1, 49, "NNNNN", "Germany", "Allemagne"),
    (2, "AT", 1, 43, "NNNN", "Austria", "Autriche"),
    (3, "BE", 1, 32, "NNNN", "Belgium", "Belgique"),
    (6, "ES", 1, 34, "NNNNN", "Spain", "Espagne"),
    (8, "FR", 1, 33, "NNNNN", "France", "France"),
    (10, "IT", 1, 39, "NNNNN", "Italy", "Italie"),
    (12, "LU", 1, 352, "NNNN", "Luxembourg", "Luxembourg"),
    (13, "NL", 1, 31, "NNNN LL", "Netherlands", "Pays-Bas"),
    (17, "GB", 7, 44, "", "United Kingdom", "Royaume-Uni"),
    (19, "CH", 7, 41, "NNNN", "Switzerland", "Suisse"),
    (21, "US", 2, 1, "NNNNN", "United States", "États-Unis"),
]
EU_COUNTRIES = (1, 2, 3, 6, 8, 10, 12, 13)

# The United States' states as PrestaShop installs them (ids 1-56: the armed forces first, then
# alphabetical; the captures show New York = 35, District of Columbia = 56): iso code, name.
US_STATES = [
    ("AA", "AA"), ("AE", "AE"), ("AP", "AP"), ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"),
    ("AR", "Arkansas"), ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"),
    ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"),
    ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"),
    ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"),
    ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
    ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"),
    ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
    ("PR", "Puerto Rico"), ("VI", "US Virgin Islands"), ("DC", "District of Columbia"),
]
US, NORTH_AMERICA = 21, 2

# id, name, rate
TAXES = [
    (1, "TVA FR 20%", "20.000"),
    (2, "TVA FR 10%", "10.000"),
    (3, "TVA FR 5.5%", "5.500"),
    (4, "TVA FR 2.1%", "2.100"),
]
TAX_RULE_GROUPS = [
    (1, "FR Taux standard (20%)"),
    (2, "FR Taux réduit (10%)"),
    (3, "FR Taux réduit (5.5%)"),
    (4, "FR Taux super réduit (2.1%)"),
]

# id, English name, template, color, flags (logable, invoice, shipped, paid, delivery, send_email), module
ORDER_STATES = [
    (1, "Awaiting check payment", "cheque", "#34209E", "000001", "ps_checkpayment"),
    (2, "Payment accepted", "payment", "#3498D8", "110101", ""),
    (3, "Processing in progress", "preparation", "#3498D8", "110111", ""),
    (4, "Shipped", "shipped", "#01b887", "111111", ""),
    (5, "Delivered", "", "#01b887", "111110", ""),
    (6, "Canceled", "order_canceled", "#2C3E50", "000001", ""),
    (7, "Refunded", "refund", "#ec2e15", "010101", ""),
    (8, "Payment error", "payment_error", "#ec2e15", "000001", ""),
    (9, "On backorder (paid)", "outofstock", "#3498D8", "110101", ""),
    (10, "Awaiting bank wire payment", "bankwire", "#34209E", "000001", "ps_wirepayment"),
    (11, "Remote payment accepted", "payment", "#3498D8", "110101", ""),
    (12, "On backorder (not paid)", "outofstock", "#34209E", "000001", ""),
    (13, "Awaiting Cash On Delivery validation", "cashondelivery", "#34209E", "000001", "ps_cashondelivery"),
    (14, "Waiting for payment", "", "#34209E", "000000", "ps_checkout"),
]

# id, name, delay (en), free, shipping price tax excl, position
CARRIERS = [
    (1, "Click and collect", "Pick up in-store", True, "0.000000", 0),
    (2, "My carrier", "Delivery next day!", False, "7.000000", 1),
    (3, "My cheap carrier", "Buy more to pay less!", False, "4.000000", 2),
    (4, "My light carrier", "The lighter the cheaper!", False, "5.000000", 3),
]

IMAGE_TYPES = [
    (1, "cart_default", 125, 125, "products"),
    (2, "small_default", 98, 98, "products"),
    (3, "medium_default", 452, 452, "products"),
    (4, "home_default", 250, 250, "products"),
    (5, "large_default", 800, 800, "products"),
    (6, "category_default", 141, 180, "categories"),
    (7, "stores_default", 170, 115, "stores"),
]


def _both(en: str, fr: str | None = None) -> dict[str, str]:
    return {"1": en, "2": fr if fr is not None else en}


def _put(b: Backend, name: str, rid: int, values: dict[str, Any], now: str) -> None:
    res = REGISTRY[name]
    record: dict[str, Any] = res.zero_values()
    for f in res.i18n_fields:
        record[f.name] = {}
    for stamp in ("date_add", "date_upd"):
        if stamp in res.by_name:
            record[stamp] = now
    record.update({k: str(v) if isinstance(v, int) else v for k, v in values.items()})
    b.store.insert(name, record, rid)


def seed(b: Backend, key: str) -> None:
    """Fill an empty store; called once, on first start."""
    now = b.now()
    with b.store.transaction():
        _shops(b, now)
        _locale(b, now)
        _taxes(b, now)
        _orders_setup(b, now)
        _catalog(b, now)
        seed_states(b)
        b.store.set_meta("ws_keys", {key: {"shops": [1], "active": True}})
        b.store.set_meta("invoice_number", 0)
        b.store.set_meta("delivery_number", 0)


def _shops(b: Backend, now: str) -> None:
    _put(
        b,
        "shop_groups",
        1,
        {"name": "Default", "share_customer": 0, "share_order": 0, "share_stock": 0, "active": 1, "deleted": 0},
        now,
    )
    _put(
        b,
        "shops",
        1,
        {
            "id_shop_group": 1,
            "id_category": 2,
            "active": 1,
            "deleted": 0,
            "name": b.settings.shop_name,
            "theme_name": "classic",
        },
        now,
    )
    _put(
        b,
        "shop_urls",
        1,
        {
            "id_shop": 1,
            "active": 1,
            "main": 1,
            "domain": "localhost",
            "domain_ssl": "localhost",
            "physical_uri": "/",
            "virtual_uri": "",
        },
        now,
    )


def _locale(b: Backend, now: str) -> None:
    for rid, name, iso, locale, code, lite, full in LANGUAGES:
        _put(
            b,
            "languages",
            rid,
            {
                "name": name,
                "iso_code": iso,
                "locale": locale,
                "language_code": code,
                "active": 1,
                "is_rtl": 0,
                "date_format_lite": lite,
                "date_format_full": full,
            },
            now,
        )
    _put(
        b,
        "currencies",
        1,
        {
            "names": _both("Euro"),
            "symbol": _both("€"),
            "iso_code": "EUR",
            "numeric_iso_code": "978",
            "precision": 2,
            "conversion_rate": "1.000000",
            "deleted": 0,
            "active": 1,
            "unofficial": 0,
            "modified": 0,
            "pattern": _both(""),
        },
        now,
    )
    for rid, name in ZONES:
        _put(b, "zones", rid, {"name": name, "active": 1}, now)
    for rid, iso, zone, prefix, zip_format, en, fr in COUNTRIES:
        _put(
            b,
            "countries",
            rid,
            {
                "id_zone": zone,
                "id_currency": 0,
                "call_prefix": prefix,
                "iso_code": iso,
                "active": 1,
                "contains_states": 1 if iso == "US" else 0,
                "need_identification_number": 0,
                "need_zip_code": 1 if zip_format else 0,
                "zip_code_format": zip_format,
                "display_tax_label": 1,
                "name": _both(en, fr),
            },
            now,
        )
    for rid, en, fr in ((1, "Visitor", "Visiteur"), (2, "Guest", "Invité"), (3, "Customer", "Client")):
        _put(
            b,
            "groups",
            rid,
            {"reduction": "0.00", "price_display_method": 0, "show_prices": 1, "name": _both(en, fr)},
            now,
        )


def _taxes(b: Backend, now: str) -> None:
    for rid, name, rate in TAXES:
        _put(b, "taxes", rid, {"rate": rate, "active": 1, "deleted": 0, "name": _both(name)}, now)
    rule_id = 1
    for rid, name in TAX_RULE_GROUPS:
        _put(b, "tax_rule_groups", rid, {"name": name, "active": 1, "deleted": 0}, now)
        for country in EU_COUNTRIES:
            _put(
                b,
                "tax_rules",
                rule_id,
                {
                    "id_tax_rules_group": rid,
                    "id_state": 0,
                    "id_country": country,
                    "zipcode_from": "0",
                    "zipcode_to": "0",
                    "id_tax": rid,
                    "behavior": 0,
                    "description": "",
                },
                now,
            )
            rule_id += 1


def _orders_setup(b: Backend, now: str) -> None:
    for rid, name, template, color, flags, module in ORDER_STATES:
        logable, invoice, shipped, paid, delivery, send_email = tuple(flags)
        _put(
            b,
            "order_states",
            rid,
            {
                "unremovable": 1,
                "delivery": delivery,
                "hidden": 0,
                "send_email": send_email,
                "module_name": module,
                "invoice": invoice,
                "color": color,
                "logable": logable,
                "shipped": shipped,
                "paid": paid,
                "pdf_delivery": 0,
                "pdf_invoice": invoice,
                "deleted": 0,
                "name": _both(name),
                "template": _both(template),
            },
            now,
        )
    for rid, name, delay, free, price, position in CARRIERS:
        _put(
            b,
            "carriers",
            rid,
            {
                "deleted": 0,
                "is_module": 0,
                "id_tax_rules_group": 1,
                "id_reference": rid,
                "name": name,
                "active": 1,
                "is_free": 1 if free else 0,
                "url": "",
                "shipping_handling": 0 if free else 1,
                "shipping_external": 0,
                "range_behavior": 0,
                "shipping_method": 1,
                "max_weight": "0.000000",
                "need_range": 0,
                "position": position,
                "delay": _both(delay),
                "_shipping_price": price,
            },
            now,
        )


def _catalog(b: Backend, now: str) -> None:
    _put(
        b,
        "categories",
        1,
        {
            "id_parent": 0,
            "level_depth": 0,
            "active": 1,
            "id_shop_default": 1,
            "is_root_category": 0,
            "position": 0,
            "name": _both("Root", "Racine"),
            "link_rewrite": _both("root", "racine"),
        },
        now,
    )
    _put(
        b,
        "categories",
        2,
        {
            "id_parent": 1,
            "level_depth": 1,
            "active": 1,
            "id_shop_default": 1,
            "is_root_category": 1,
            "position": 0,
            "name": _both("Home", "Accueil"),
            "link_rewrite": _both("home", "accueil"),
        },
        now,
    )
    for rid, name, width, height, kind in IMAGE_TYPES:
        flags = {k: 1 if k == kind else 0 for k in ("categories", "products", "manufacturers", "suppliers", "stores")}
        _put(b, "image_types", rid, {"name": name, "width": width, "height": height, **flags}, now)


def seed_states(b: Backend) -> None:
    """The United States' states; also run on a store seeded before states existed."""
    if b.store.table("states"):
        return
    now = b.now()
    with b.store.transaction():
        for rid, (iso, name) in enumerate(US_STATES, start=1):
            _put(b, "states", rid, {"id_zone": NORTH_AMERICA, "id_country": US, "iso_code": iso, "name": name,
                                    "active": 1}, now)
