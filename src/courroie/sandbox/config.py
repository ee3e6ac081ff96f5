"""A hub configuration for the local sandboxes: one Tryton database and PrestaShop sandboxes, as the demo,
the tests and the benchmarks write it. It is a real configuration file, read by `load_config`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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
shops:
"""
SHOP = """\
  - name: {name}
    type: prestashop
    url: {url}
    key: ${{{variable}}}
    timeout: {timeout}
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}   # ERP tax → PrestaShop tax rules group
    stock: {{locations: {locations}}}
"""


@dataclass(frozen=True)
class SandboxShop:
    url: str
    key_variable: str          # the environment variable holding its webservice key
    locations: tuple[str, ...]


def write_sandbox_config(path: Path, *, store: Path, erp_url: str, database: str, shops: dict[str, SandboxShop],
                         concurrency: int = 4, shop_timeout: float = 30) -> Path:
    text = "# Written for local sandboxes: a real Tryton and PrestaShop webservice sandboxes.\n" + ERP.format(
        store=store, concurrency=concurrency, erp_url=erp_url.rstrip("/"), database=database)
    text += "".join(SHOP.format(name=name, url=shop.url, variable=shop.key_variable, timeout=shop_timeout,
                                locations=json.dumps(list(shop.locations))) for name, shop in shops.items())
    path.write_text(text, encoding="utf-8")
    return path
