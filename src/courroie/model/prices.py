"""Prices beyond the base price: promotional, customer-group and quantity prices, and campaigns.

The ERP is master of prices. A shop shows them its own way (PrestaShop: specific prices, catalog
price rules, cart rules); a price the hub did not create is the merchant's and is left alone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from courroie.model.base import AwareDatetime, Record


class Reduction(StrEnum):
    AMOUNT = "amount"             # tax excluded
    PERCENTAGE = "percentage"     # 0.10 = 10 %


class PriceRule(Record):
    """What one article costs under some conditions. Either a fixed price (tax excluded) or a reduction
    of the base price; every condition left empty applies to all."""

    sku: str                      # a product's or a variant's SKU
    price: Decimal | None = None
    reduction: Decimal = Decimal(0)
    reduction_type: Reduction = Reduction.AMOUNT
    price_list: str | None = None  # the ERP price list it comes from, mapped to a shop customer group
    currency: str | None = None
    country: str | None = None    # ISO 3166-1 alpha-2
    from_quantity: int = Field(1, ge=1)
    starts: AwareDatetime | None = None
    ends: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PriceRule:
        if self.price is not None and self.price < 0:
            raise ValueError(f"negative price {self.price} for {self.sku}")
        if self.reduction < 0:
            raise ValueError(f"negative reduction {self.reduction} for {self.sku}")
        if self.reduction_type is Reduction.PERCENTAGE and self.reduction > 1:
            raise ValueError(f"a percentage reduction is at most 1 (100 %), got {self.reduction}")
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValueError(f"price rule for {self.sku} ends before it starts")
        return self

    def identity(self) -> str:
        """What makes two rules "the same rule" (to update rather than add one)."""
        return "|".join(str(part or "") for part in (self.sku, self.price_list, self.currency, self.country,
                                                    self.from_quantity, self.starts, self.ends))


class Promotion(Record):
    """A campaign: a reduction on a selection of products for a period, with or without a coupon code."""

    key: str
    name: str
    reduction: Decimal
    reduction_type: Reduction = Reduction.PERCENTAGE
    skus: tuple[str, ...] = ()
    category_keys: tuple[str, ...] = ()
    manufacturers: tuple[str, ...] = ()
    price_lists: tuple[str, ...] = ()      # reserved to the customer groups of these price lists
    minimum_amount: Decimal = Decimal(0)   # order amount (tax excluded) for it to apply
    coupon: str | None = None
    starts: AwareDatetime | None = None
    ends: AwareDatetime | None = None

    def active_at(self, moment: datetime) -> bool:
        return (self.starts is None or self.starts <= moment) and (self.ends is None or moment < self.ends)
