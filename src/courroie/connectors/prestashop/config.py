"""Settings of one PrestaShop shop connection."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from courroie.connectors.prestashop.validation import EXTRA_PRODUCT_FIELDS
from courroie.connectors.http import server_root
from courroie.model import SaleState

# SaleState → id_order_state of a stock PrestaShop 8.1. States left out (ON_HOLD, BLOCKED) are not
# shown in the shop unless configured. PARTIALLY_SHIPPED: PrestaShop has no such state; "Processing
# in progress" (3) is true of an order still being prepared for the rest, sends no "shipped" mail and
# leaves the order's `shipped` flag off; as ACCEPTED is 3 too, a partial shipment adds its tracking
# numbers without a state change. The full shipment then moves the order to 4.
DEFAULT_ORDER_STATES: dict[SaleState, int] = {
    SaleState.ACCEPTED: 3,             # Processing in progress
    SaleState.PARTIALLY_SHIPPED: 3,    # Processing in progress (see above)
    SaleState.SHIPPED: 4,              # Shipped
    SaleState.DELIVERED: 5,            # Delivered
    SaleState.CANCELLED: 6,            # Canceled
}


Id = Annotated[int, Field(ge=1)]                # a PrestaShop row id: 1 and up


class PrestaShopConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    url: str                                   # shop root (``https://shop.example``); ``/api`` is added
    key: SecretStr                             # webservice key, sent only as HTTP Basic user
    shop_id: int | None = Field(default=None, ge=1)          # multistore: id_shop
    shop_group_id: int | None = Field(default=None, ge=1)    # multistore: id_group_shop
    languages: dict[str, Id] = Field(default_factory=lambda: {"en": 1, "fr": 2})   # code → id_lang
    fallback_language: str = "en"
    order_states: dict[SaleState, Id] = Field(default_factory=lambda: dict(DEFAULT_ORDER_STATES))
    send_email: bool = False                   # ask PrestaShop to mail the customer on status changes
    # ERP carrier name → PrestaShop id_carrier, for shipments made with another carrier than the one
    # the customer chose (unmapped names are looked up among the shop's carriers by name).
    carriers: dict[str, Id] = Field(default_factory=dict)
    # Employee shown as the author of the hub's private order notes (0: none; the order page then
    # shows the note next to the customer's name, still marked private).
    note_employee_id: int = Field(default=0, ge=0)
    home_category_id: int = Field(default=2, ge=1)   # parent of top-level categories, default category
    tax_rules_groups: dict[str, Id] = Field(default_factory=dict)   # Product.tax_group → id_tax_rules_group
    default_tax_rules_group: int | None = None  # when a product names no tax group
    timezone: str = "Europe/Paris"             # the shop's own time zone: date filters are local
    concurrency: int = Field(default=4, ge=1, le=32)
    stock_batch_size: int = Field(default=50, ge=1, le=500)
    # Write stock rows as last read (by the hourly reconciliation) or written, without reading them first:
    # ~1.3× faster pushes, but a PUT replaces the whole row, so a back-office edit of a row's location
    # (or of its out-of-stock behaviour, where the hub leaves it to the shop) made since is undone.
    # For shops whose staff do not edit those; off: each pass reads the rows it writes.
    stock_rows_from_memory: bool = False
    price_batch_size: int = Field(default=50, ge=1, le=500)   # <specific_price> records per POST
    timeout: float = Field(default=30.0, gt=0)
    # B2B: ERP price list or customer group name → PrestaShop id_group (specific prices, promotions).
    customer_groups: dict[str, Id] = Field(default_factory=dict)
    # ISO code → id, when the shop's own tables should not be read (else `currencies`/`countries`, once).
    currencies: dict[str, Id] = Field(default_factory=dict)
    countries: dict[str, Id] = Field(default_factory=dict)
    default_currency: str = "EUR"              # amounts of cart rules (vouchers) are in this currency
    extra_fields: dict[str, str] = Field(default_factory=dict)   # ERP free field → product field
    short_description_limit: int = Field(default=800, ge=1)      # PS_PRODUCT_SHORT_DESC_LIMIT
    allow_iframes: bool = False                                   # PS_ALLOW_HTML_IFRAME
    # Upload limits. PrestaShop 8.1 checks images against PHP's upload_max_filesize (2M by default;
    # Tools::getMaxUploadSize) and attachments against PS_ATTACHMENT_MAXIMUM_SIZE (8 MB) as well, so
    # a stock install takes 2 MiB; raise these only with php.ini.
    image_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1)
    document_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1)

    @field_validator("url")
    @classmethod
    def _shop_root(cls, url: str) -> str:
        return server_root(url).removesuffix("/api")

    @field_validator("extra_fields")
    @classmethod
    def _writable_fields(cls, fields: dict[str, str]) -> dict[str, str]:
        unknown = sorted({target for target in fields.values() if target not in EXTRA_PRODUCT_FIELDS})
        if unknown:
            raise ValueError(f"extra_fields map to {', '.join(unknown)}, which the connector cannot write; "
                             f"writable: {', '.join(sorted(EXTRA_PRODUCT_FIELDS))}")
        targets = list(fields.values())
        twice = sorted({target for target in targets if targets.count(target) > 1})
        if twice:
            raise ValueError(f"extra_fields map several ERP fields to {', '.join(twice)}")
        return fields

    @field_validator("currencies", "countries")
    @classmethod
    def _upper_codes(cls, codes: dict[str, int]) -> dict[str, int]:
        return {code.upper(): number for code, number in codes.items()}

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        return zone

    @field_validator("order_states", mode="before")
    @classmethod
    def _over_defaults(cls, states: object) -> object:
        """A partial mapping overrides the defaults state by state."""
        if isinstance(states, dict):
            return {state.value: number for state, number in DEFAULT_ORDER_STATES.items()} | {
                str(getattr(state, "value", state)): number for state, number in states.items()}
        return states

    @model_validator(mode="after")
    def _consistent(self) -> PrestaShopConfig:
        if not self.languages:
            raise ValueError("languages must name at least one language")
        if self.fallback_language not in self.languages:
            raise ValueError(f"fallback_language {self.fallback_language!r} is not one of languages")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
