"""In-process fakes of an ERP and of shops for the stock flow's tests — fakes, not the real systems.

They keep the contracts the flows rely on, as the real connectors state them in
``courroie.connectors.protocols`` and as the sandboxes and the real Tryton show them end to end:

- ``FakeErp``: quantities per location and article, and a log of stock moves with the ERP's own clock
  (``read_stock_changes`` answers the articles moved at or after ``since``, and the newest move time).
  A confirmed sale reserves its quantities at the selling shop's locations (the available figure drops,
  as Tryton's forecast does); a sale is found again by its reference (exactly once). Down, every call
  raises ``TransientError`` (a timeout, a reset, a 503) or ``ConnectionFailure``, as the connectors do.
- ``FakeShop``: one stock row per article; a customer's purchase decrements it and is refused beyond
  stock unless back-orders are allowed (``out_of_stock`` "1"), as PrestaShop does; orders are read back
  by update time, every page; down, every call raises like the ERP.

What they leave out: HTTP, batching and latency (the sandboxes and end-to-end tests cover those),
partial writes, and ERP-side moves the hub could only see through a reconciliation (deleted drafts).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from courroie.config import ErpEntry, HubConfig, ShopEntry, ShopSettings, StockSettings
from courroie.connectors.protocols import ErpSale, StockUpdate
from courroie.engine.hub import Hub
from courroie.engine.retry import RetryPolicy
from courroie.errors import ConnectionFailure, DataError, TransientError
from courroie.model import Address, Category, Customer, IncomingOrder, Order, OrderLine, StockLevel
from courroie.store import Store

NO_WAIT = RetryPolicy(attempts=2, base_delay=0, max_delay=0, jitter=0)
ADDRESS = Address(first_name="Ana", last_name="López", street="12 rue des Lilas", postcode="31000",
                  city="Toulouse", country_code="FR")


class Outage:
    """Up, or down with the error the real connectors raise for it."""

    def __init__(self, name: str) -> None:
        self.name, self.down, self.kind = name, False, "transient"

    def check(self) -> None:
        if not self.down:
            return
        if self.kind == "transient":
            raise TransientError(f"{self.name}: connection reset by peer")
        raise ConnectionFailure(f"{self.name}: 401 Unauthorized", hint="check the key")


@dataclass
class FakeErp:
    locations: dict[str, dict[str, Decimal]]                 # location → SKU → available to sell
    shop_locations: dict[str, list[str]]                     # shop → where its sales are reserved
    backorders: dict[str, bool] = field(default_factory=dict)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    category_list: list[Category] = field(default_factory=list)
    name: str = "erp"
    clock: datetime = datetime(2020, 1, 1, tzinfo=UTC)
    moves: list[tuple[datetime, str, str]] = field(default_factory=list)     # (when, location, SKU)
    sales: dict[str, ErpSale] = field(default_factory=dict)                  # reference → sale
    orders: dict[str, Order] = field(default_factory=dict)                   # sale key → order
    reads: list[tuple[str, int]] = field(default_factory=list)               # (call, articles answered)
    outage: Outage = field(default_factory=lambda: Outage("erp"))

    def __post_init__(self) -> None:
        self.skus = sorted({sku for per in self.locations.values() for sku in per})
        initial = [(location, sku) for location, per in self.locations.items() for sku in per]
        self.moves = [(self.clock - timedelta(minutes=10 * (len(initial) - n)), location, sku)
                      for n, (location, sku) in enumerate(initial, 1)]          # how the stock got there

    # --- what happens in the ERP

    def move(self, location: str, sku: str, delta: Decimal | int) -> None:
        """A stock move done or planned (a reception, a delivery, a correction)."""
        self.locations[location][sku] = self.locations[location].get(sku, Decimal(0)) + Decimal(delta)
        self._moved(location, sku)

    def _moved(self, location: str, sku: str) -> None:
        self.clock += timedelta(minutes=10)
        self.moves.append((self.clock, location, sku))

    def available(self, locations: Sequence[str], sku: str) -> Decimal:
        return sum((self.locations[loc].get(sku, Decimal(0)) for loc in locations), Decimal(0))

    # --- stock

    async def read_stock(self, locations: Sequence[str]) -> list[StockLevel]:
        self.outage.check()
        self.reads.append(("read_stock", len(self.skus)))
        return self._levels(locations, self.skus)

    async def read_stock_changes(self, locations: Sequence[str],
                                 since: datetime | None) -> tuple[list[StockLevel], datetime | None]:
        await asyncio.sleep(0)                  # a call over the network lets other tasks run meanwhile
        self.outage.check()
        if since is None:
            self.reads.append(("changes", len(self.skus)))
            return self._levels(locations, self.skus), (self.moves[-1][0] if self.moves else None)
        moved = [(when, sku) for when, location, sku in self.moves if when >= since and location in locations]
        skus = sorted({sku for _, sku in moved})
        self.reads.append(("changes", len(skus)))
        return self._levels(locations, skus), max((when for when, _ in moved), default=since)

    def _levels(self, locations: Sequence[str], skus: Sequence[str]) -> list[StockLevel]:
        return [StockLevel(sku=sku, location=location, quantity=self.locations[location].get(sku, Decimal(0)),
                           backorders=self.backorders.get(sku), categories=self.categories.get(sku, ()))
                for location in dict.fromkeys(locations) for sku in skus]

    async def read_categories(self) -> list[Category]:
        self.outage.check()
        return list(self.category_list)

    # --- orders: what the orders flow asks

    async def known_skus(self, skus: Sequence[str]) -> set[str]:
        self.outage.check()
        return set(skus) & set(self.skus)

    async def find_sale(self, reference: str) -> ErpSale | None:
        self.outage.check()
        return self.sales.get(reference)

    async def find_customer(self, customer: Customer) -> str | None:
        self.outage.check()
        return f"party-{customer.email_key}"

    async def save_customer(self, customer: Customer, key: str | None, terms=None) -> str:
        self.outage.check()
        return key or f"party-{customer.email_key}"

    async def ensure_address(self, customer_key: str, address: Address) -> str:
        self.outage.check()
        return f"{customer_key}/address"

    async def create_sale(self, order: Order, customer_key: str, invoice_address: str, delivery_address: str,
                          terms=None) -> ErpSale:
        self.outage.check()
        key = f"sale-{len(self.sales) + 1}"
        sale = ErpSale(key, key.upper(), order.total_tax_excl, order.total_tax_incl)
        self.sales[order.erp_reference], self.orders[key] = sale, order
        return sale

    async def confirm_sale(self, key: str) -> None:
        """Reserve the sale's quantities at the selling shop's locations, those holding stock first."""
        self.outage.check()
        order = self.orders[key]
        reference = order.erp_reference
        if self.sales[reference].confirmed:
            return
        for line in order.lines:
            places = self.shop_locations[order.shop]
            left = line.quantity
            for location in places:
                take = min(left, max(Decimal(0), self.locations[location].get(line.sku, Decimal(0))))
                if take:
                    self.move(location, line.sku, -take)
                    left -= take
            if left:
                self.move(places[0], line.sku, -left)
        sale = self.sales[reference]
        self.sales[reference] = ErpSale(sale.key, sale.number, sale.total_tax_excl, sale.total_tax_incl, confirmed=True)

    async def record_payments(self, key: str, payments, terms=None) -> None:
        self.outage.check()

    async def discard_sale(self, key: str) -> None:
        self.outage.check()

    async def cancel_sale(self, key: str) -> None:
        self.outage.check()

    async def aclose(self) -> None:
        pass


@dataclass
class FakeShop:
    name: str
    places: dict[str, tuple[str, str]]                       # SKU → (product id, combination id)
    rows: dict[tuple[str, str], list] = field(default_factory=dict)      # key → [quantity, out_of_stock]
    orders: list[tuple[datetime, IncomingOrder]] = field(default_factory=list)
    clock: datetime = datetime(2020, 1, 1, tzinfo=UTC)
    writes: list[StockUpdate] = field(default_factory=list)
    outage: Outage = field(default_factory=lambda: Outage("shop"))
    allow_backorders: bool = False          # the shop's own setting, for rows saying "2"

    def __post_init__(self) -> None:
        self.outage.name = self.name
        for key in self.places.values():
            self.rows.setdefault(key, [0, "2"])

    def shows(self, sku: str) -> int:
        return self.rows[self.places[sku]][0]

    def accepts_beyond_stock(self, sku: str) -> bool:
        policy = self.rows[self.places[sku]][1]
        return policy == "1" or (policy == "2" and self.allow_backorders)

    def sell(self, sku: str, quantity: int, *, paid: bool = True) -> Order | None:
        """A customer buys (the shop is up: it keeps selling even when the hub or the ERP is down)."""
        row = self.rows[self.places[sku]]
        if quantity > row[0] and not self.accepts_beyond_stock(sku):
            return None
        row[0] -= quantity
        self.clock += timedelta(seconds=1)
        number = len(self.orders) + 1
        price = Decimal("10.00")
        line = OrderLine(sku=sku, name=sku, quantity=Decimal(quantity), unit_price_tax_excl=price,
                         unit_price_tax_incl=price * Decimal("1.2"), total_tax_excl=price * quantity,
                         total_tax_incl=price * Decimal("1.2") * quantity)
        order = Order(shop=self.name, external_id=str(number), reference=f"{self.name.upper()}-{number:05d}",
                      placed_at=self.clock, currency="EUR",
                      customer=Customer(email=f"c{number}@example.com", first_name="Ana", last_name="López"),
                      invoice_address=ADDRESS, delivery_address=ADDRESS, lines=(line,),
                      total_tax_excl=line.total_tax_excl, total_tax_incl=line.total_tax_incl, paid=paid)
        self.orders.append((self.clock, IncomingOrder(external_id=order.external_id, updated_at=self.clock,
                                                      raw=order.model_dump_json(), order=order)))
        return order

    def pay(self, external_id: str) -> None:
        """The money arrives for an order taken unpaid (a bank transfer): the order changes in the shop."""
        for index, (_, incoming) in enumerate(self.orders):
            if incoming.external_id == external_id and not incoming.order.paid:
                self.clock += timedelta(seconds=1)
                order = incoming.order.model_copy(update={"paid": True})
                self.orders[index] = (self.clock, incoming.model_copy(update={
                    "order": order, "raw": order.model_dump_json(), "updated_at": self.clock}))
                self.orders.append(self.orders.pop(index))

    # --- what the flows ask

    async def write_stock(self, updates: Sequence[StockUpdate]) -> None:
        self.outage.check()
        missing = [f"{u.product_id}/{u.variant_id}" for u in updates if (u.product_id, u.variant_id) not in self.rows]
        for update in updates:
            row = self.rows.get((update.product_id, update.variant_id))
            if row is not None:
                row[0] = update.quantity
                if update.backorders is not None:
                    row[1] = "1" if update.backorders else "0"
                self.writes.append(update)
        if missing:
            raise DataError(f"{len(missing)} stock levels not written", details={"no_stock_row": missing})

    async def read_stock(self) -> dict[tuple[str, str], int]:
        self.outage.check()
        return {key: row[0] for key, row in self.rows.items()}

    async def read_orders(self, updated_since: datetime | None) -> AsyncIterator[IncomingOrder]:
        self.outage.check()
        for when, incoming in list(self.orders):
            if updated_since is None or when >= updated_since:
                yield incoming

    async def add_order_note(self, order_id: str, text: str) -> None:
        self.outage.check()

    async def set_order_status(self, update) -> None:
        self.outage.check()

    async def aclose(self) -> None:
        pass


def fake_config(store_url: str, shops: dict[str, StockSettings]) -> HubConfig:
    return HubConfig(store=store_url, erp=ErpEntry(type="tryton", connector=None),
                     shops=[ShopEntry(name=name, type="prestashop", hub=ShopSettings(stock=stock), connector=None)
                            for name, stock in shops.items()])


def fake_hub(store: Store, erp: FakeErp, shops: dict[str, FakeShop], settings: dict[str, StockSettings], *,
             bind: bool = True) -> Hub:
    """A real hub (store, bindings, inbox, runs) over the fakes; the shops' articles bound as the
    catalog flow binds them (unless ``bind`` is False: a restart)."""
    hub = Hub(fake_config(store.url, settings), store, erp, dict(shops), retry=NO_WAIT)
    for name, shop in shops.items() if bind else ():
        variants = hub.bindings(name, "variant")
        if not variants.all():
            variants.save_many([(sku, f"{pid}/{vid}", None, None) for sku, (pid, vid) in shop.places.items()])
    return hub
