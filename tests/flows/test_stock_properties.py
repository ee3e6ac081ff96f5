"""Stock under interleaved ERP moves, shop sales (paid, or unpaid and paid later), merchant edits, outages
of the ERP and the shops, order imports, stock passes, reconciliations and restarts (hypothesis, stateful).

What runs is the real thing: the stock and orders flows, a real ``Hub``, its store on SQLite (a fresh
file per sequence), bindings, inbox, cursors, runs. What it runs against is not: ``stock_fakes`` are
in-process fakes of an ERP and of shops that keep the systems' contracts (quantities per location and a
log of moves with the ERP's own clock; stock rows that a purchase decrements and that refuse a purchase
beyond stock; outages raising ``TransientError`` or ``ConnectionFailure`` like the real connectors), so
that a thousand sequences run in seconds. The real systems are held to the same flows by
``test_end_to_end.py`` (Tryton, PrestaShop sandboxes over HTTP).

Invariants, at every step, for every shop S and article x:

- **no oversell**: S never offers more than ``max(0, ⌊ERP available over S's locations − every order
  not yet in the ERP of S and of the shops sharing a location with S − safety⌋)``, give or take what
  the hub could not know yet: a decrease in the ERP or a sale in another shop since S's last push (the
  hub hears of a sale by reading that shop's orders), and a merchant's edit in S since S's last
  reconciliation. Those allowances are cleared when the hub had the chance to see them; in particular
  a unit sold in S itself, during an ERP outage or not, is never allowed back;
- **convergence**: once everything is up again, an orders run, a pass and a reconciliation leave every
  shop showing exactly the formula.

``COURROIE_STOCK_EXAMPLES`` sets the number of sequences (1,000 by default; more for the benchmark run).
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from courroie.config import StockSettings
from courroie.flows.orders import sync_orders
from courroie.flows.stock import reconcile_stock, sync_stock
from courroie.store import Store
from tests.flows.stock_fakes import FakeErp, FakeShop, fake_hub

EXAMPLES = int(os.environ.get("COURROIE_STOCK_EXAMPLES", "1000"))
SKUS = ("MOT", "REM", "KIT")
LOCATIONS = ("TLS", "BDX")
SETTINGS = {"web": StockSettings(locations=["TLS", "BDX"]),
            "garage": StockSettings(locations=["BDX"], safety=1, safety_by_sku={"KIT": 0})}
SHOPS = tuple(SETTINGS)
PLACES = {"web": {"MOT": ("1", "0"), "REM": ("2", "0"), "KIT": ("3", "5")},
          "garage": {"MOT": ("7", "0"), "REM": ("8", "0"), "KIT": ("9", "0")}}
shops_or_all = st.sampled_from((None, *SHOPS))

# A store per sequence, in memory-backed files where the machine has them (the commits of a thousand
# sequences would otherwise wait on the disk).
TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
_template: Path | None = None


def template_store() -> Path:
    """One migrated store, copied for each sequence (migrating takes longer than a sequence)."""
    global _template
    if _template is None:
        _template = Path(tempfile.mkdtemp(prefix="courroie-stock-", dir=TMP)) / "template.db"
        Store(f"sqlite:///{_template}").dispose()
    return _template


class StockSystem(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="courroie-stock-", dir=TMP))
        shutil.copy(template_store(), self.directory / "hub.db")
        self.store = Store(f"sqlite:///{self.directory / 'hub.db'}", auto_migrate=False)
        self.loop = asyncio.new_event_loop()
        self.shops = {name: FakeShop(name, dict(PLACES[name])) for name in SHOPS}
        # What the hub could not know yet, per shop and SKU (see the module's docstring).
        self.erp_lag = {name: dict.fromkeys(SKUS, 0) for name in SHOPS}
        self.drift_lag = {name: dict.fromkeys(SKUS, 0) for name in SHOPS}
        self.edited: dict[str, set[str]] = {name: set() for name in SHOPS}     # since its last reconciliation
        self.sale_lag: dict[str, list[tuple[str, str, str, int]]] = {name: [] for name in SHOPS}

    @initialize(quantities=st.lists(st.integers(0, 12), min_size=len(SKUS) * 2, max_size=len(SKUS) * 2))
    def start(self, quantities: list[int]) -> None:
        stock = {location: {sku: Decimal(quantities.pop()) for sku in SKUS} for location in LOCATIONS}
        self.erp = FakeErp(stock, {name: SETTINGS[name].locations for name in SHOPS})
        self.hub = fake_hub(self.store, self.erp, self.shops, SETTINGS)

    def teardown(self) -> None:
        try:
            if hasattr(self, "hub"):
                self.converges()
        finally:
            self.loop.close()
            self.store.dispose()
            shutil.rmtree(self.directory, ignore_errors=True)

    # --- the world moves

    @rule(location=st.sampled_from(LOCATIONS), sku=st.sampled_from(SKUS), delta=st.integers(-6, 8))
    def erp_move(self, location: str, sku: str, delta: int) -> None:
        self.erp.move(location, sku, delta)
        if delta < 0:
            for name in SHOPS:
                if location in SETTINGS[name].locations:
                    self.erp_lag[name][sku] += -delta

    @rule(shop=st.sampled_from(SHOPS), sku=st.sampled_from(SKUS), quantity=st.integers(1, 4),
          paid=st.sampled_from((True, True, False)))
    def sale(self, shop: str, sku: str, quantity: int, paid: bool) -> None:
        """A purchase; an unpaid one (a bank transfer) is imported as a quotation the ERP holds nothing for."""
        order = self.shops[shop].sell(sku, quantity, paid=paid)
        if order is None:
            return
        for other in SHOPS:
            if other != shop and set(SETTINGS[other].locations) & set(SETTINGS[shop].locations):
                self.sale_lag[other].append((shop, order.external_id, sku, quantity))

    @rule(shop=st.sampled_from(SHOPS))
    def payment_arrives(self, shop: str) -> None:
        unpaid = [incoming.external_id for _, incoming in self.shops[shop].orders if not incoming.order.paid]
        if unpaid:
            self.shops[shop].pay(unpaid[0])

    @rule(shop=st.sampled_from(SHOPS), sku=st.sampled_from(SKUS), quantity=st.integers(0, 30))
    def merchant_edit(self, shop: str, sku: str, quantity: int) -> None:
        row = self.shops[shop].rows[self.shops[shop].places[sku]]
        self.drift_lag[shop][sku] += max(0, quantity - row[0])
        self.edited[shop].add(sku)
        row[0] = quantity

    @rule(down=st.booleans(), kind=st.sampled_from(("transient", "failure")))
    def erp_outage(self, down: bool, kind: str) -> None:
        self.erp.outage.down, self.erp.outage.kind = down, kind

    @rule(shop=st.sampled_from(SHOPS), down=st.booleans(), kind=st.sampled_from(("transient", "failure")))
    def shop_outage(self, shop: str, down: bool, kind: str) -> None:
        self.shops[shop].outage.down, self.shops[shop].outage.kind = down, kind

    @rule()
    def restart(self) -> None:
        """The hub process starts again: nothing but the store survives."""
        self.hub = fake_hub(self.store, self.erp, self.shops, SETTINGS, bind=False)

    # --- the hub works

    @rule(shop=shops_or_all)
    def orders(self, shop: str | None) -> None:
        self.run(sync_orders, shop)

    @rule(shop=shops_or_all)
    def stock_changes(self, shop: str | None) -> None:
        self.run(sync_stock, shop)

    @rule(shop=shops_or_all)
    def reconcile(self, shop: str | None) -> None:
        self.run(reconcile_stock, shop, reconcile=True)

    def run(self, flow, shop: str | None, *, reconcile: bool = False) -> None:
        first = self.hub.runs.max_id()
        self.loop.run_until_complete(flow(self.hub, shop))
        pushed = {run["connection"] for run in self.hub.runs.since(first)
                  if run["flow"] == "stock" and run["connection"] in SHOPS and run["status"] in ("ok", "partial")}
        if flow is sync_orders or not pushed:
            return
        collected = {(entry.shop, entry.external_id)
                     for entry in self.hub.inbox.in_state(None, "new", "imported", "on_hold", "blocked", "cancelled")}
        for name in pushed:
            self.erp_lag[name] = dict.fromkeys(SKUS, 0)
            self.sale_lag[name] = [sale for sale in self.sale_lag[name] if sale[:2] not in collected]
            if reconcile:
                self.drift_lag[name], self.edited[name] = dict.fromkeys(SKUS, 0), set()

    # --- what must hold

    def pending(self, shop: str, sku: str) -> int:
        """Quantities of the orders not yet in the ERP, of this shop and of those sharing a location."""
        sharing = [name for name in SHOPS if set(SETTINGS[name].locations) & set(SETTINGS[shop].locations)]
        total = 0
        for name in sharing:
            for _, incoming in self.shops[name].orders:
                order = incoming.order
                sale = self.erp.sales.get(order.erp_reference)
                if not (sale and sale.confirmed):
                    total += sum(int(line.quantity) for line in order.lines if line.sku == sku)
        return total

    def formula(self, shop: str, sku: str) -> int:
        settings_ = SETTINGS[shop]
        safety = settings_.safety_by_sku.get(sku, settings_.safety)
        available = self.erp.available(settings_.locations, sku)
        return max(0, math.floor(available - self.pending(shop, sku) - safety))

    @invariant()
    def no_shop_offers_what_the_erp_cannot_still_sell(self) -> None:
        if not hasattr(self, "hub"):
            return
        for shop in SHOPS:
            for sku in SKUS:
                allowance = (self.erp_lag[shop][sku] + self.drift_lag[shop][sku]
                             + sum(q for _, _, s, q in self.sale_lag[shop] if s == sku))
                shown, bound = self.shops[shop].shows(sku), self.formula(shop, sku)
                assert shown <= bound + allowance, (
                    f"{shop} offers {shown} {sku}; the ERP can still sell {bound} (+{allowance} not yet known)")

    def converges(self) -> None:
        """Everything up again: a pass of changes brings every shop to the formula, but for a merchant's
        edits the hub has not read back; the reconciliation brings those too."""
        self.erp.outage.down = False
        for shop in self.shops.values():
            shop.outage.down = False
        self.hub = fake_hub(self.store, self.erp, self.shops, SETTINGS, bind=False)
        self.loop.run_until_complete(sync_stock(self.hub, None))
        for shop in SHOPS:
            assert self.hub.inbox.in_state(shop, "new", "blocked") == []
            for sku in SKUS:
                if sku not in self.edited[shop]:
                    assert self.shops[shop].shows(sku) == self.formula(shop, sku), (shop, sku, "pass")
        self.loop.run_until_complete(reconcile_stock(self.hub, None))
        for shop in SHOPS:
            for sku in SKUS:
                assert self.shops[shop].shows(sku) == self.formula(shop, sku), (shop, sku, "reconciled")


StockSystem.TestCase.settings = settings(max_examples=EXAMPLES, stateful_step_count=20, deadline=None,
                                         suppress_health_check=[HealthCheck.too_slow])
TestStock = StockSystem.TestCase



def test_a_payment_read_while_the_erp_is_down_is_applied_once_it_is_back():
    """Found by the machine above: the shop's "paid" was read during an ERP outage, stored, and never
    applied (the quotation stayed unconfirmed while the hub counted it as in the ERP): a unit shown for
    sale that the ERP could not sell. Kept as a fixed sequence, whatever the random search finds."""
    state = StockSystem()
    state.start(quantities=[0, 0, 0, 1, 0, 0])
    state.reconcile(shop=None)
    state.sale(paid=False, quantity=1, shop="web", sku="KIT")
    state.orders(shop=None)
    state.payment_arrives(shop="web")
    state.erp_outage(down=True, kind="transient")
    state.orders(shop=None)
    state.no_shop_offers_what_the_erp_cannot_still_sell()
    state.teardown()
