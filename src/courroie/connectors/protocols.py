"""What flows ask of an ERP and of a shop, in the canonical model's words only.

The ERP side knows nothing of PrestaShop; the shop side nothing of Tryton. A new ERP or shop
implements one of these protocols in its own folder and is named once in ``registry.py``.
Every method may raise ``TransientError``, ``DataError`` or ``ConnectionFailure`` (``courroie.errors``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from courroie.errors import CourroieError, DataError
from courroie.model import (
    Address, Category, Customer, ErpDocument, FileRef, IncomingOrder, Order, Payment, PriceRule, Product,
    Promotion, SaleState, SaleStatus, StockLevel,
)


@dataclass(frozen=True)
class CheckResult:
    """One line of ``courroie check``: what was tested, whether it passed, and how to fix it."""

    what: str
    ok: bool
    detail: str = ""
    fix: str = ""
    warning: bool = False           # works, but some records will likely wait for a person: say so


@dataclass(frozen=True)
class ErpSale:
    """A sale order as the ERP holds it: its key, number and the totals the ERP computed."""

    key: str
    number: str
    total_tax_excl: Decimal
    total_tax_incl: Decimal
    confirmed: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class SaleTerms:
    """What the configuration decides of a shop order in the ERP, in the ERP's own names: from the shop
    customer group, the price list, customer category and payment term; from the payment method, the
    journal a payment lands in; and whether vouchers become discount lines or one global discount."""

    price_list: str | None = None
    payment_term: str | None = None
    customer_category: str | None = None
    payment_journals: Mapping[str, str] = field(default_factory=dict)   # shop payment method → ERP journal
    vouchers_as: str = "lines"                                          # "lines" | "global"


class ErpConnector(Protocol):
    name: str

    async def check(self) -> list[CheckResult]: ...

    # --- catalog and stock (the ERP is master)
    async def read_categories(self) -> list[Category]: ...
    async def read_products(self) -> list[Product]: ...
    async def read_stock(self, locations: Sequence[str]) -> list[StockLevel]:
        """Available-to-sell quantity of every article at each named location (forecast, net of reservations)."""
        ...
    async def read_stock_changes(self, locations: Sequence[str],
                                 since: datetime | None) -> tuple[list[StockLevel], datetime | None]:
        """The levels (as ``read_stock``) of just the articles whose stock moved at or after ``since``
        at any of ``locations`` (every article when ``since`` is None), and the cursor of the next
        call: the ERP's time of the latest change seen (``since`` itself when none; None when the ERP
        never moved any stock). Aware UTC datetimes. The caller passes its saved cursor minus an
        overlap (a transaction committing late carries an earlier time) and de-duplicates by key."""
        ...
    async def read_file(self, key: str) -> bytes:
        """The bytes of an image or document named by a ``FileRef``."""
        ...

    # --- prices (the ERP is master)
    async def read_price_rules(self, price_lists: Sequence[str]) -> list[PriceRule]:
        """Every price of the named price lists that differs from the base price, per SKU: customer-group
        prices, quantity tiers, dated promotional prices, currencies and countries where the ERP has them."""
        ...
    async def read_promotions(self) -> list[Promotion]:
        """Campaigns (a reduction on a selection for a period, with or without a coupon code)."""
        ...

    # --- orders (the shop is master)
    async def known_skus(self, skus: Sequence[str]) -> set[str]: ...
    async def find_sale(self, reference: str) -> ErpSale | None:
        """The sale already created for this shop order reference, if any: the guard of exactly-once."""
        ...
    async def find_customer(self, customer: Customer) -> str | None:
        """The customer's key: matched by e-mail (trimmed, case-insensitive), a company also by VAT number."""
        ...
    async def save_customer(self, customer: Customer, key: str | None, terms: SaleTerms = SaleTerms()) -> str:
        """Create the customer (key None) or update its changed data (and its category and payment term
        from ``terms``); returns its key."""
        ...
    async def ensure_address(self, customer_key: str, address: Address) -> str:
        """The key of this address of the customer, created once (compared after normalisation)."""
        ...
    async def create_sale(self, order: Order, customer_key: str, invoice_address: str,
                          delivery_address: str, terms: SaleTerms = SaleTerms()) -> ErpSale:
        """A draft (quotation) sale carrying ``order.erp_reference``, with its lines, vouchers, shipping and
        gift wrapping; not yet confirmed."""
        ...
    async def confirm_sale(self, key: str) -> None: ...
    async def record_payments(self, key: str, payments: Sequence[Payment], terms: SaleTerms = SaleTerms()) -> None:
        """The shop's payments on the sale, each once (a payment already there is recognised)."""
        ...
    async def cancel_sale(self, key: str) -> None:
        """Cancel a sale the shop cancelled after import; DataError when the ERP cannot (already shipped)."""
        ...
    async def discard_sale(self, key: str) -> None:
        """Remove a sale the hub created that was never confirmed (its totals did not match the shop's),
        so that a retry after the fix creates it afresh."""
        ...

    # --- fulfilment (the ERP tells what happened next)
    async def read_sale_statuses(self, keys: Sequence[str]) -> list[SaleStatus]:
        """State, done shipments (partial ones too), invoices and delivery notes of each sale."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class SaleDraft:
    """One order ready for ``BatchSales.create_sales``: its customer and addresses already resolved."""

    order: Order
    customer_key: str
    invoice_address: str
    delivery_address: str
    terms: SaleTerms = SaleTerms()


@dataclass(frozen=True)
class SaleOutcome:
    """What became of one draft: the sale (created, or found already there) or why not."""

    reference: str
    sale: ErpSale | None = None
    error: CourroieError | None = None


@runtime_checkable
class BatchSales(Protocol):
    """An ERP that creates and confirms several sales per call (several times faster when orders wait).
    Exactly once still holds: sales already there (by reference) are answered, not created again, and a
    bad order in a batch neither blocks nor duplicates the others."""

    async def create_sales(self, drafts: Sequence[SaleDraft]) -> list[SaleOutcome]: ...
    async def confirm_sales(self, keys: Sequence[str]) -> dict[str, CourroieError | None]: ...


@runtime_checkable
class BatchCustomers(Protocol):
    """An ERP that looks up the customers of several orders at once."""

    async def find_customers(self, customers: Sequence[Customer]) -> list[str | None]:
        """``find_customer`` of each customer, in a few calls. The answers (and the records read) are
        kept a short while, so that ``find_customer``, ``save_customer`` and ``ensure_address`` for the
        orders of the batch ask the ERP nothing more when nothing changed."""
        ...


@dataclass(frozen=True)
class SalePayments:
    """The shop's payments of one sale, for ``BatchPayments.record_payments_of``."""

    key: str
    payments: Sequence[Payment]
    terms: SaleTerms = SaleTerms()


@runtime_checkable
class BatchPayments(Protocol):
    """An ERP that records the payments of several sales in a few calls."""

    async def record_payments_of(self, sales: Sequence[SalePayments]) -> dict[str, DataError | None]:
        """``record_payments`` of each sale: a DataError for each sale whose payments cannot be recorded,
        the others' recorded once. A TransientError is raised for the whole call, which may be made
        again (payments already there are recognised)."""
        ...


@dataclass(frozen=True)
class ShopProductIds:
    """Where a product landed in the shop: its id and the id of each variant (0 = no combination)."""

    product_id: str
    variant_ids: dict[str, str] = field(default_factory=dict)   # SKU → combination id


@dataclass(frozen=True)
class StockUpdate:
    product_id: str
    variant_id: str          # "0" for a product without combinations
    quantity: int
    backorders: bool | None = None   # sell beyond stock (True) or not (False); None: as the shop has it


@dataclass(frozen=True)
class StatusUpdate:
    order_id: str
    state: SaleState
    tracking_number: str | None = None
    carrier: str | None = None
    notify_customer: bool = False          # the shop mails the customer, where it can


@dataclass(frozen=True)
class PackItem:
    """A kit component as the shop knows it."""

    product_id: str
    variant_id: str
    quantity: int


# Fields of a product the hub may write, for field ownership (``always`` / ``on_create`` / ``never``).
# Images and documents are written by their own calls; the others by create/update_product.
PRODUCT_FIELDS = frozenset({
    "name", "description", "short_description", "categories", "price", "tax_group", "ean13", "weight",
    "dimensions", "manufacturer", "features", "active", "variants", "pack", "extra", "images", "documents",
})


class ShopConnector(Protocol):
    name: str

    async def check(self) -> list[CheckResult]: ...

    # --- catalog
    async def create_category(self, category: Category, parent_id: str | None) -> str: ...
    async def update_category(self, category_id: str, category: Category, parent_id: str | None) -> None: ...
    async def create_product(self, product: Product, category_ids: Sequence[str], *,
                             pack: Sequence[PackItem] = ()) -> ShopProductIds: ...
    async def update_product(self, ids: ShopProductIds, product: Product, category_ids: Sequence[str], *,
                             pack: Sequence[PackItem] = (), fields: frozenset[str] = PRODUCT_FIELDS) -> ShopProductIds:
        """Write only ``fields`` (the ones the ERP owns in this shop); the others stay as the merchant left them."""
        ...
    async def find_product(self, sku: str) -> ShopProductIds | None:
        """The product whose reference is ``sku``, if the shop has one (to recover an interrupted create)."""
        ...
    async def read_product(self, product_id: str) -> dict[str, Any] | None:
        """What the shop holds now, by ``PRODUCT_FIELDS`` name, for the fields it can show back (for
        ``courroie explain``); None when the product is gone."""
        ...
    async def deactivate_product(self, product_id: str) -> None: ...
    async def delete_product(self, product_id: str) -> None: ...

    # --- images and documents: the hub adds and removes its own files only, never the merchant's
    async def upload_image(self, product_id: str, image: FileRef, content: bytes, *, cover: bool) -> str: ...
    async def delete_image(self, product_id: str, image_id: str) -> None: ...
    async def upload_document(self, product_id: str, document: FileRef, content: bytes) -> str: ...
    async def delete_document(self, document_id: str) -> None: ...

    # --- prices: the hub adds and removes its own price rules only
    async def create_price_rule(self, ids: ShopProductIds, rule: PriceRule) -> str: ...
    async def delete_price_rule(self, rule_id: str) -> None: ...
    async def create_promotion(self, promotion: Promotion, *, product_ids: Sequence[str],
                               category_ids: Sequence[str]) -> str:
        """A catalog-wide price rule, or a cart rule when it has a coupon code; returns its id."""
        ...
    async def delete_promotion(self, promotion_id: str) -> None: ...

    # --- stock
    async def write_stock(self, updates: Sequence[StockUpdate]) -> None:
        """Absolute quantities; the connector batches as its API allows."""
        ...
    async def read_stock(self) -> dict[tuple[str, str], int]:
        """What the shop shows now: (product id, variant id) → quantity, read in bulk."""
        ...

    # --- orders and fulfilment
    def read_orders(self, updated_since: datetime | None) -> AsyncIterator[IncomingOrder]:
        """Every order updated at or after ``updated_since`` (all of them when None), every page."""
        ...
    async def read_order(self, order_id: str) -> IncomingOrder | None:
        """One order read again by its id (a retry of one whose answer was unreadable); None: gone."""
        ...
    async def set_order_status(self, update: StatusUpdate) -> None:
        """Move the order to the shop state mapped to ``update.state`` (none mapped: nothing to do), add
        the tracking number; a state or tracking number already there is not sent again."""
        ...
    async def add_order_note(self, order_id: str, text: str) -> None:
        """A private note on the order for the shop's staff (why it is held or blocked); once per text."""
        ...
    async def publish_documents(self, order_id: str, documents: Sequence[ErpDocument],
                                files: Mapping[str, bytes]) -> None:
        """Make the ERP's invoice and delivery note numbers (and files, where the shop takes them) known
        on the order; idempotent."""
        ...

    async def aclose(self) -> None: ...
