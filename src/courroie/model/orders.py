"""Orders as the shop took them: the shop is master of orders, customers' own data and payments."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from courroie.model.base import AwareDatetime, Record


class Address(Record):
    first_name: str
    last_name: str
    company: str | None = None
    street: str
    street2: str | None = None
    postcode: str
    city: str
    country_code: str             # ISO 3166-1 alpha-2
    phone: str | None = None
    vat_number: str | None = None
    state_code: str | None = None   # region (ISO 3166-2 subdivision code without the country), where required

    def normalised(self) -> tuple[str, ...]:
        """Key for "is this the same address?": case, spaces and punctuation do not count."""
        def norm(value: str | None) -> str:
            return " ".join("".join(c for c in (value or "").casefold() if c.isalnum() or c.isspace()).split())
        return tuple(norm(v) for v in (self.first_name, self.last_name, self.company, self.street,
                                      self.street2, self.postcode, self.city, self.country_code, self.state_code))


class Customer(Record):
    email: str
    first_name: str
    last_name: str
    company: str | None = None
    vat_number: str | None = None
    group: str | None = None      # the shop's customer group (B2B / B2C)
    is_guest: bool = False        # checked out without an account

    @property
    def email_key(self) -> str:
        return self.email.strip().casefold()


class OrderLine(Record):
    sku: str
    name: str
    quantity: Decimal
    unit_price_tax_excl: Decimal
    unit_price_tax_incl: Decimal
    total_tax_excl: Decimal
    total_tax_incl: Decimal


class Payment(Record):
    method: str                   # the shop's payment module or method name, mapped to an ERP journal
    amount: Decimal
    transaction_id: str | None = None
    paid_at: AwareDatetime | None = None


class Voucher(Record):
    """A cart rule or voucher applied to the whole order (its share of the discount totals)."""

    name: str
    code: str | None = None
    amount_tax_excl: Decimal
    amount_tax_incl: Decimal


class Order(Record):
    shop: str
    external_id: str
    reference: str                # what the customer sees; looked up in the ERP before any create
    placed_at: AwareDatetime
    currency: str
    customer: Customer
    invoice_address: Address
    delivery_address: Address
    lines: tuple[OrderLine, ...]
    shipping_tax_excl: Decimal = Decimal(0)
    shipping_tax_incl: Decimal = Decimal(0)
    discounts_tax_excl: Decimal = Decimal(0)
    discounts_tax_incl: Decimal = Decimal(0)
    total_tax_excl: Decimal
    total_tax_incl: Decimal
    vouchers: tuple[Voucher, ...] = ()          # the detail of discounts_tax_excl / _incl
    gift_wrapping_tax_excl: Decimal = Decimal(0)
    gift_wrapping_tax_incl: Decimal = Decimal(0)
    gift_message: str | None = None
    carrier: str | None = None
    payments: tuple[Payment, ...] = ()
    paid: bool = True             # False while the shop waits for the money (bank transfer, cheque)
    cancelled: bool = False       # cancelled in the shop
    refunded_tax_incl: Decimal = Decimal(0)     # credit slips issued in the shop
    state: str | None = None      # the shop's own state, for the record

    @property
    def erp_reference(self) -> str:
        """The reference stored on the ERP sale: unique across shops."""
        return f"{self.shop}/{self.reference}"


class IncomingOrder(Record):
    """An order as read from a shop: always the raw document, and the parsed order unless it is broken."""

    external_id: str
    updated_at: AwareDatetime | None = None
    raw: str
    order: Order | None = None
    error: str | None = None      # why ``order`` could not be read from ``raw``
    details: dict = Field(default_factory=dict)
