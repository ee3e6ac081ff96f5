"""Sample settings and records shared by the PrestaShop tests."""

from __future__ import annotations

from decimal import Decimal

from courroie.connectors.prestashop import PrestaShopConfig
from courroie.model import Money, Product, Variant

KEY = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"     # 32 characters, like a real webservice key
URL = "http://127.0.0.1:8080"               # where the captures were made

# The product of 04-writes/002-008, as the ERP would describe it.
TEE = Product(
    sku="SYNC-REF-100", name={"en": "Sync Test Tee", "fr": "T-shirt test sync"},
    short_description={"en": "<p>Short EN</p>", "fr": "<p>Court FR</p>"},
    price=Money(amount=Decimal("20")), tax_group="standard", ean13="3760000000017", weight=Decimal("0.5"),
    variants=(Variant(sku="SYNC-REF-100-1", attributes={"Size": "S"}, ean13="3760000000024"),
              Variant(sku="SYNC-REF-100-2", attributes={"Size": "M"}, ean13="3760000000031",
                      price=Money(amount=Decimal("22")))),
)


def make_config(**overrides: object) -> PrestaShopConfig:
    settings: dict = {"name": "demo", "url": URL, "key": KEY, "tax_rules_groups": {"standard": 1}}
    return PrestaShopConfig(**(settings | overrides))
