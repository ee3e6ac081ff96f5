"""An end-to-end environment: a real Tryton database, two PrestaShop sandboxes over HTTP, a configuration
file, and a hub opened from it (the same path `courroie` takes)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from courroie.config import load_config
from courroie.engine.hub import Hub
from courroie.engine.retry import RetryPolicy
from courroie.interfaces.operations import run_flow
from courroie.sandbox.prestashop import SandboxURL, run_in_thread
from courroie.sandbox.tryton import TrytonDatabase
from courroie.sandbox.tryton.rpc import Rpc

KEYS = {"shop-a": "A" * 32, "shop-b": "B" * 32}
LOCATIONS = {"shop-a": ["TLS", "BDX"], "shop-b": ["BDX"]}
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)

CONFIG = """\
store: sqlite:///{store}
erp:
  type: tryton
  url: {erp_url}
  database: {erp_db}
  user: admin
  password: ${{TRYTON_PASSWORD}}
  languages: [en, fr]
  warehouses: [TLS, BDX]
  sale_warehouse: TLS
  carriers: {{"My carrier": Colissimo}}
shops:
{shops}
"""
SHOP = """\
  - name: {name}
    type: prestashop
    url: {url}
    key: ${{{variable}}}
    timeout: 5
    tax_rules_groups: {{"TVA 20 %": 1, "TVA 10 %": 2, "TVA 5,5 %": 3}}
    stock: {{locations: {locations}}}
"""


@dataclass
class Env:
    config: Path
    environ: dict[str, str]
    shops: dict[str, SandboxURL]
    erp: TrytonDatabase
    run_retry: RetryPolicy = field(default=FAST_RETRY)

    def hub(self) -> Hub:
        return Hub.open(load_config(self.config, self.environ), retry=self.run_retry)

    def run(self, flow: str, shop: str | None = None, *, dry_run: bool = False) -> dict[str, dict]:
        """Run a flow; its runs by connection."""
        runs = asyncio.run(run_flow(self.hub(), flow, shop=shop, dry_run=dry_run))
        return {run["connection"]: run for run in runs}

    def cli(self, *args: str, failpoint: str | None = None) -> "subprocess.CompletedProcess[str]":
        import subprocess
        environ = {**os.environ, **self.environ, "COURROIE_NO_PROGRESS": "1"}
        environ.pop("COURROIE_FAILPOINT", None)
        if failpoint:
            environ["COURROIE_FAILPOINT"] = failpoint
        return subprocess.run([sys.executable, "-m", "courroie", *args, "--config", str(self.config)],
                              env=environ, capture_output=True, text=True, timeout=120)

    def ws(self, shop: str) -> httpx.Client:
        """A plain HTTP client on the shop's webservice, to see what the shop really holds."""
        return httpx.Client(base_url=self.shops[shop].api, auth=(KEYS[shop], ""),
                            params={"output_format": "JSON"}, timeout=30)

    def place_order(self, shop: str, lines: list[tuple[str, int]], email: str = "ana.lopez@example.com") -> dict:
        body = {"customer": {"email": email, "firstname": "Ana", "lastname": "López"},
                "address": {"address1": "12 rue des Lilas", "postcode": "31000", "city": "Toulouse",
                            "country": "FR", "phone": "0561000000"},
                "lines": [{"reference": sku, "quantity": qty} for sku, qty in lines]}
        response = httpx.post(f"{self.shops[shop]}/storefront/orders", json=body, timeout=30)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def tryton(self) -> Rpc:
        rpc = Rpc(self.erp.url, self.erp.name)
        rpc.login(self.erp.user, self.erp.password)
        return rpc


def writes(url: SandboxURL) -> int:
    """Write requests the sandbox served since its counters were last reset."""
    return sum(n for name, n in url.control.stats().items() if name.split(" ")[0] in ("POST", "PUT", "PATCH", "DELETE"))


@pytest.fixture(scope="module")
def env(tryton_db: TrytonDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("e2e")
    with ExitStack() as stack:
        shops = {name: stack.enter_context(run_in_thread(root / name, key, latency=0)) for name, key in KEYS.items()}
        text = CONFIG.format(store=root / "hub.db", erp_url=tryton_db.url.rstrip("/"), erp_db=tryton_db.name,
                             shops="".join(SHOP.format(name=name, url=url, variable=f"KEY_{name.upper().replace('-', '_')}",
                                                       locations=json.dumps(LOCATIONS[name]))
                                           for name, url in shops.items()))
        config = root / "courroie.yaml"
        config.write_text(text)
        environ = {"TRYTON_PASSWORD": tryton_db.password,
                   **{f"KEY_{name.upper().replace('-', '_')}": key for name, key in KEYS.items()}}
        yield Env(config, environ, shops, tryton_db)
