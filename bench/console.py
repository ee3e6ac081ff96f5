"""The console's pages on a large store: each must answer in 200 ms or less.

    python -m bench console                # SQLite, and PostgreSQL too where its server is installed
    COURROIE_BENCH_PG=0 python -m bench console      # SQLite only

A store is filled (once per backend, a few minutes) with 100,000 orders in the inbox spread over 10 shops
and every state, each with its raw shop document and its parsed order (a few KB each), 5,000 blocked
entries (totals that differ, unknown SKUs, bad e-mails; open, resolved and skipped) and 200,000 journal
rows. A console on that store then answers ~30 requests per page through starlette's TestClient, signed
in as an operator; the table gives the median and the 95th percentile in milliseconds beside the goal.
PostgreSQL runs on a throwaway cluster of Debian's server package (as the store tests do).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from starlette.testclient import TestClient

from courroie.config import load_config
from courroie.engine.hub import Hub
from courroie.interfaces.web.app import create_console
from courroie.store import Store
from courroie.store.console import Users
from courroie.store.inbox import customer_text_of
from courroie.store.tables import blocked, inbox, journal

ORDERS, SHOPS, BLOCKED, JOURNAL = 100_000, 10, 5_000, 200_000
CUSTOMERS = 20_000
REQUESTS, WARM_UP = 30, 3
GOAL_MS = 200
PASSWORD = "bench password 1234"
SHOP_NAMES = [f"shop{n:02d}" for n in range(1, SHOPS + 1)]
# Of the orders: mostly imported; blocked ones match the open blocked entries.
STATES = [("imported", 0.86), ("new", 0.02), ("on_hold", 0.03), ("blocked", 0.04), ("cancelled", 0.03),
          ("skipped", 0.02)]
FIRST = ["Ana", "Bruno", "Chloé", "David", "Élodie", "Fabien", "Gaëlle", "Hugo", "Inès", "Julien", "Karim",
         "Léa", "Marc", "Nadia", "Olivier", "Pauline", "Quentin", "Rose", "Samir", "Théo"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
        "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
        "López", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez"]
CITIES = [("31000", "Toulouse"), ("33000", "Bordeaux"), ("69001", "Lyon"), ("75011", "Paris"), ("13001", "Marseille"),
          ("44000", "Nantes"), ("34000", "Montpellier"), ("67000", "Strasbourg")]
PRODUCTS = [(f"MOT-{n:04d}", f"Motorisation portail {n}", 80 + n % 900) for n in range(400)]
CONFIG = """\
store: {store}
erp: {{type: tryton, url: "http://127.0.0.1:9", database: bench, user: admin, password: "bench-secret-pw"}}
shops:
{shops}
"""
SHOP = """\
  - name: {name}
    type: prestashop
    url: http://127.0.0.1:9
    key: "{key}"
    stock: {{locations: [TLS]}}
"""


def console_benchmark() -> tuple[str, list[dict]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="courroie-console-bench-") as root:
        stores = [("SQLite", lambda: nullcontext_url(f"sqlite:///{root}/hub.db"))]
        if os.environ.get("COURROIE_BENCH_PG", "1") != "0" and postgres_installed():
            stores.append(("PostgreSQL", postgres))
        for backend, opened in stores:
            with opened() as url:
                rows += _measure(backend, url, Path(root))
    return (f"{ORDERS:,} orders over {SHOPS} shops, {BLOCKED:,} blocked entries, {JOURNAL:,} journal rows; "
            f"{REQUESTS} requests per page, goal {GOAL_MS} ms"), rows


def _measure(backend: str, url: str, root: Path) -> list[dict]:
    started = time.perf_counter()
    store = Store(url)
    filled = fill(store, random.Random(7))
    fill_s = time.perf_counter() - started
    config_path = root / f"courroie-{backend}.yaml"
    shops = "".join(SHOP.format(name=name, key="K" * 32) for name in SHOP_NAMES)
    config_path.write_text(CONFIG.format(store=url, shops=shops))
    hub = Hub.open(load_config(config_path, {}), store=store, shared=True)
    Users(store).add("bench", PASSWORD, "operator")
    client = TestClient(create_console(hub), follow_redirects=False)
    assert client.post("/signin", data={"name": "bench", "password": PASSWORD}).status_code == 303
    rows = []
    for page, path in pages(filled):
        timings = _timed(client, path)
        rows.append({"store": backend, "page": page, "path": path, "median ms": statistics.median(timings),
                     "p95 ms": _p95(timings), "goal ms": GOAL_MS,
                     "": "ok" if _p95(timings) <= GOAL_MS else "SLOW"})
    rows[0]["store"] = f"{backend} (filled in {fill_s:.0f} s)"
    store.dispose()
    return rows


def pages(filled: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("overview", "/"),
        ("orders, first page", "/orders"),
        ("orders, shop + state", f"/orders?shop={filled['shop']}&state=on_hold"),
        ("orders, deep page", f"/orders?before={filled['deep_id']}"),
        ("orders, deep page, shop", f"/orders?shop={filled['shop']}&before={filled['deep_id']}"),
        ("orders, received from/to", f"/orders?received_from={filled['day']}&received_to={filled['day']}"),
        ("orders, customer e-mail", f"/orders?customer={filled['email']}"),
        ("orders, customer name", f"/orders?customer={filled['name']}"),
        ("orders, customer, no match", "/orders?customer=nobody-at-all"),
        ("orders, reference", f"/orders?reference={filled['reference']}"),
        ("one order", f"/orders/{filled['order_id']}"),
        ("blocked list", "/blocked"),
        ("blocked, shop + search", f"/blocked?shop={filled['shop']}&q=totals"),
        ("one blocked entry", f"/blocked/{filled['blocked_id']}"),
    ]


def _timed(client: TestClient, path: str) -> list[float]:
    timings = []
    for n in range(WARM_UP + REQUESTS):
        started = time.perf_counter()
        answer = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
        if n >= WARM_UP:
            timings.append(elapsed)
    return timings


def _p95(timings: list[float]) -> float:
    return statistics.quantiles(timings, n=20)[-1]


# --- the store --------------------------------------------------------------------------------------

def fill(store: Store, rng: random.Random) -> dict[str, Any]:
    """Orders, journal and blocked entries, written in batches; returns values the pages are asked about."""
    customers = [_customer(rng, n) for n in range(CUSTOMERS)]
    start = datetime.now(UTC) - timedelta(days=365)
    step = timedelta(days=365) / ORDERS
    states = rng.choices([s for s, _ in STATES], weights=[w for _, w in STATES], k=ORDERS)
    blocked_ids = [n for n, state in enumerate(states) if state == "blocked"]
    extra = rng.sample([n for n, state in enumerate(states) if state == "imported"], BLOCKED - len(blocked_ids))
    to_block = set(blocked_ids) | set(extra)
    references: list[str] = []
    with store.engine.begin() as db:
        for first in range(0, ORDERS, 2000):
            orders, notes, entries = [], [], []
            for n in range(first, min(first + 2000, ORDERS)):
                order = _order(rng, n, SHOP_NAMES[n % SHOPS], rng.choice(customers), start + step * n)
                references.append(order["reference"])
                orders.append(_inbox_row(order, states[n], n))
                notes += _journal_rows(order, states[n], n)
                if n in to_block:
                    entries.append(_blocked_row(rng, order, n, open_=n in blocked_ids))
            db.execute(insert(inbox), orders)
            db.execute(insert(journal), notes)
            if entries:
                db.execute(insert(blocked), entries)
        if store.engine.dialect.name == "postgresql":
            db.execute(text("ANALYZE"))
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
            db.execute(text("VACUUM ANALYZE"))
    with store.engine.connect() as db:
        blocked_id = db.execute(text("SELECT min(id) FROM blocked WHERE state = 'open'")).scalar()
    return {"shop": SHOP_NAMES[3], "deep_id": ORDERS // 20, "order_id": ORDERS - 17, "blocked_id": blocked_id,
            "day": (start + timedelta(days=200)).date().isoformat(), "reference": references[ORDERS // 3],
            "email": rng.choice(customers)["email"], "name": "dupont"}


def _customer(rng: random.Random, n: int) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first}.{last}.{n}@example.{rng.choice(['fr', 'com', 'net'])}".casefold()
    return {"email": email, "first_name": first, "last_name": last, "company": f"Portails {last} SARL" if n % 7 == 0
            else None, "vat_number": None, "group": "Professionnels" if n % 7 == 0 else None, "is_guest": n % 11 == 0}


def _address(rng: random.Random, customer: dict[str, Any]) -> dict[str, Any]:
    postcode, city = rng.choice(CITIES)
    return {"first_name": customer["first_name"], "last_name": customer["last_name"], "company": customer["company"],
            "street": f"{rng.randint(1, 200)} rue des Lilas", "street2": None, "postcode": postcode, "city": city,
            "country_code": "FR", "phone": f"06{rng.randint(10_000_000, 99_999_999)}", "vat_number": None,
            "state_code": None}


def _order(rng: random.Random, n: int, shop: str, customer: dict[str, Any], placed: datetime) -> dict[str, Any]:
    lines = []
    for sku, name, price in rng.sample(PRODUCTS, rng.randint(1, 6)):
        quantity = rng.randint(1, 4)
        lines.append({"sku": sku, "name": name, "quantity": str(quantity), "unit_price_tax_excl": f"{price}.00",
                      "unit_price_tax_incl": f"{price * 1.2:.2f}", "total_tax_excl": f"{price * quantity}.00",
                      "total_tax_incl": f"{price * quantity * 1.2:.2f}"})
    excl = sum(float(line["total_tax_excl"]) for line in lines) + 9.9
    address = _address(rng, customer)
    return {"shop": shop, "external_id": str(n + 1), "reference": "".join(rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=9)),
            "placed_at": placed.isoformat(), "currency": "EUR", "customer": customer,
            "invoice_address": address, "delivery_address": address, "lines": lines,
            "shipping_tax_excl": "9.90", "shipping_tax_incl": "11.88", "discounts_tax_excl": "0",
            "discounts_tax_incl": "0", "total_tax_excl": f"{excl:.2f}", "total_tax_incl": f"{excl * 1.2:.2f}",
            "vouchers": [], "gift_wrapping_tax_excl": "0", "gift_wrapping_tax_incl": "0", "gift_message": None,
            "carrier": "Colissimo", "payments": [{"method": "stripe_official", "amount": f"{excl * 1.2:.2f}",
                                                  "transaction_id": f"pi_{n:012d}", "paid_at": placed.isoformat()}],
            "paid": True, "cancelled": False, "refunded_tax_incl": "0", "state": "Paiement accepté"}


def _raw(order: dict[str, Any]) -> str:
    """What PrestaShop's webservice sends for an order, about as long."""
    rows = [{"id": str(i + 1), "product_reference": line["sku"], "product_name": line["name"],
             "product_quantity": line["quantity"], "unit_price_tax_excl": line["unit_price_tax_excl"],
             "unit_price_tax_incl": line["unit_price_tax_incl"], "product_attribute_id": "0",
             "product_ean13": "", "product_upc": ""} for i, line in enumerate(order["lines"])]
    document = {"order": {"id": order["external_id"], "reference": order["reference"], "id_customer": "12",
                          "id_address_delivery": "40", "id_address_invoice": "40", "current_state": "2",
                          "module": "stripe_official", "payment": "Carte bancaire", "date_add": order["placed_at"],
                          "total_paid": order["total_tax_incl"], "total_paid_tax_incl": order["total_tax_incl"],
                          "total_paid_tax_excl": order["total_tax_excl"], "total_shipping": "11.88",
                          "total_shipping_tax_excl": "9.90", "carrier_tax_rate": "20.000", "conversion_rate": "1",
                          "customer": order["customer"], "address": order["invoice_address"],
                          "associations": {"order_rows": rows}}}
    return json.dumps(document, ensure_ascii=False, indent=1)


def _inbox_row(order: dict[str, Any], state: str, n: int) -> dict[str, Any]:
    at = datetime.fromisoformat(order["placed_at"])
    reason = {"on_hold": "approval: total above 5000", "blocked": "totals differ",
              "cancelled": "cancelled in the shop before import", "skipped": "entered by hand"}.get(state)
    return {"shop": order["shop"], "external_id": order["external_id"], "reference": order["reference"],
            "state": state, "raw": _raw(order), "parsed": order, "erp_key": f"sale.sale,{n + 1}"
            if state == "imported" else None, "reason": reason, "shop_updated_at": at, "received_at": at,
            "updated_at": at + timedelta(seconds=30), "digest": f"{n:064x}",
            "customer": customer_text_of(order)}


def _journal_rows(order: dict[str, Any], state: str, n: int) -> list[dict[str, Any]]:
    record = f"{order['shop']}/{order['reference']}"
    at = datetime.fromisoformat(order["placed_at"])
    outcome = {"imported": ("imported", f"imported as ERP sale SO{n + 1:06d}"), "on_hold": ("held", "on hold"),
               "blocked": ("blocked", "totals differ"), "new": ("shop_told", "waiting"),
               "cancelled": ("cancelled", "cancelled in the shop before import"), "skipped": ("skipped", "by hand")}
    action, message = outcome[state]
    common = {"run_id": None, "connection": order["shop"], "flow": "orders", "record": record}
    return [{**common, "at": at, "action": "received", "message": f"order {order['reference']} received",
             "details": None},
            {**common, "at": at + timedelta(seconds=2), "action": action, "message": message,
             "details": {"erp_key": f"sale.sale,{n + 1}"} if action == "imported" else None}]


def _blocked_row(rng: random.Random, order: dict[str, Any], n: int, *, open_: bool) -> dict[str, Any]:
    at = datetime.fromisoformat(order["placed_at"])
    kind = n % 3
    if kind == 0:
        reason = f"totals differ: shop {order['total_tax_incl']}, ERP sale SO{n:06d} differs"
        details = {"shop": {"tax_excl": order["total_tax_excl"], "tax_incl": order["total_tax_incl"]},
                   "erp": {"tax_excl": order["total_tax_excl"], "tax_incl": "0.01", "sale": f"SO{n:06d}"}}
    elif kind == 1:
        reason, details = "unknown SKU MOT-9999: map it or create it in the ERP, then retry", {"unknown_skus": ["MOT-9999"]}
    else:
        reason, details = "the customer has no valid e-mail address", {"email": "nobody"}
    state = "open" if open_ else rng.choice(["resolved", "skipped"])
    return {"connection": order["shop"], "flow": "orders", "record": f"{order['shop']}/{order['reference']}",
            "reason": reason, "details": details, "payload": _raw(order), "state": state,
            "attempts": rng.randint(1, 5), "comment": "entered by hand" if state == "skipped" else None,
            "created_at": at, "updated_at": at + timedelta(hours=1)}


# --- PostgreSQL -------------------------------------------------------------------------------------

@contextmanager
def nullcontext_url(url: str) -> Iterator[str]:
    yield url


@contextmanager
def postgres() -> Iterator[str]:
    """A throwaway cluster, started as the store tests start theirs (tests/fixtures/postgres.py)."""
    from tests.fixtures.postgres import _as_postgres, _bin, _free_port, _wait_ready

    root = Path(tempfile.mkdtemp(prefix="courroie-console-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(_as_postgres([_bin("initdb"), "-D", str(root / "data"), "-A", "trust", "-U", "postgres",
                                 "--no-sync"]), check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(_as_postgres([_bin("postgres"), "-D", str(root / "data"), "-p", str(port), "-k",
                                            str(root), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def postgres_installed() -> bool:
    from tests.fixtures.postgres import _bin

    return bool(_bin("initdb") and _bin("postgres"))
