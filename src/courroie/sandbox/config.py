"""A hub configuration for the local sandboxes: one Tryton database and PrestaShop sandboxes, as the demo,
the tests and the benchmarks write it. It is a real configuration file, read by `load_config`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx

ERP = """\
store: sqlite:///{store}
concurrency: {concurrency}
erp:
  type: tryton
  url: {erp_url}
  database: {database}
  user: admin
  password: ${{TRYTON_PASSWORD}}
  languages: [en, fr]
  warehouses: [TLS, BDX]
  sale_warehouse: TLS                  # the warehouse shipping shop orders
  carriers: {{"My carrier": Colissimo}}  # shop carrier name → Tryton carrier
  features: [protection, warranty]     # product attributes shown as features, not as options
  tag_categories: [Labels]             # category roots that are tags, not shop categories
shops:
"""
SHOP = """\
  - name: {name}
    type: prestashop
    url: {url}
    key: ${{{variable}}}
    timeout: {timeout}
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}   # ERP tax → PrestaShop tax rules group
    customer_groups: {{"Tarif pro": {b2b_group}}}   # ERP price list → PrestaShop customer group
    stock: {{locations: {locations}}}
    prices: {{lists: ["Tarif pro"]}}
"""


@dataclass(frozen=True)
class SandboxShop:
    url: str
    key_variable: str          # the environment variable holding its webservice key
    locations: tuple[str, ...]
    b2b_group: str = "3"       # the shop's group for professionals (see ``add_customer_group``)
    # More YAML keys of this shop (``orders: {unpaid: wait}``…), one per line, unindented: they are
    # indented under the shop's entry.
    extra: str = ""


def add_customer_group(url: str, key: str, name: str = "Professionnels") -> str:
    """Create a customer group in a shop, as a merchant does for B2B customers; returns its id."""
    body = ("<prestashop><group><reduction>0</reduction><price_display_method>1</price_display_method>"
            f"<show_prices>1</show_prices><name><language id=\"1\">{name}</language>"
            f"<language id=\"2\">{name}</language></name></group></prestashop>")
    response = httpx.post(f"{url}/api/groups", content=body, auth=(key, ""), params={"output_format": "JSON"},
                          headers={"Content-Type": "text/xml"}, timeout=30)
    response.raise_for_status()
    return str(response.json()["group"]["id"])


def write_sandbox_config(path: Path, *, store: Path, erp_url: str, database: str, shops: dict[str, SandboxShop],
                         concurrency: int = 4, shop_timeout: float = 30, erp_extra: str = "") -> Path:
    """``erp_extra``: more YAML keys of the Tryton connection (``gift_wrapping_product: X``…), one per
    line, unindented; each shop's ``extra`` likewise."""
    erp = ERP.format(store=store, concurrency=concurrency, erp_url=erp_url.rstrip("/"), database=database)
    if erp_extra.strip():
        erp = erp.removesuffix("shops:\n") + _indented(erp_extra, 2) + "shops:\n"
    text = "# Written for local sandboxes: a real Tryton and PrestaShop webservice sandboxes.\n" + erp
    text += "".join(SHOP.format(name=name, url=shop.url, variable=shop.key_variable, timeout=shop_timeout,
                                locations=json.dumps(list(shop.locations)), b2b_group=shop.b2b_group)
                    + _indented(shop.extra, 4)
                    for name, shop in shops.items())
    path.write_text(text, encoding="utf-8")
    return path


def _indented(text: str, spaces: int) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return "".join(" " * spaces + line + "\n" for line in lines)
