"""Settings of the connection to one Tryton database."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from courroie.connectors.http import ServerUrl

FIELD_PATH = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


class TrytonConfig(BaseModel):
    """How to reach Tryton and which of its records the hub works with.

    Warehouses and articles are named by their Tryton codes (``stock.location.code``,
    ``product.product.code``), never by database ids, so a configuration survives a database copy.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: ServerUrl                              # server root, e.g. ``https://erp.example:8000``
    database: str = Field(min_length=1)
    user: str = Field(min_length=1)
    # Tryton 8.2 accepts user application keys on its REST routes only; JSON-RPC wants the
    # password, exchanged once for a session token.
    password: SecretStr
    languages: list[str] = Field(default_factory=lambda: ["en"])   # Tryton codes; the first is the main one
    timeout: float = Field(default=30.0, gt=0)
    concurrency: int = Field(default=4, ge=1, le=16)
    warehouses: list[str] = Field(default_factory=list)   # warehouse codes the shops draw stock from
    sale_warehouse: str | None = None           # warehouse shipping shop orders; None = Tryton's default
    # Shop carrier name → Tryton carrier (its party name or its product code); unlisted names are
    # looked up as they are.
    carriers: dict[str, str] = Field(default_factory=dict)
    shipping_product: str | None = None         # SKU of the shipping line when no Tryton carrier matches
    # SKU of discount lines (a service); None = lines without product, which Tryton can invoice
    # only if its accounting configuration has a default revenue account.
    discount_product: str | None = None
    # SKU of the gift wrapping line (a service); needed when an order charges gift wrapping.
    gift_wrapping_product: str | None = None
    # Name of the ``account.payment.journal`` of payments whose shop method the orders settings map to
    # no journal and no journal is named after; None: such a payment is a data error.
    payment_journal: str | None = None
    page_size: int = Field(default=500, ge=10, le=5000)    # records per read

    # --- what the catalog carries beyond Tryton's own product fields
    # ``product.identifier`` type holding the brand: "brand" is where Tryton's own product data feed
    # (web_shop_product_data_feed) reads it. None: no manufacturer.
    manufacturer_identifier: str | None = "brand"
    # Names of ``product.attribute``s that are characteristics rather than options ("protection",
    # "warranty"): published as features, and left out of the variants' options when every variant
    # of the template has the same value.
    features: list[str] = Field(default_factory=list)
    # Names in the main language (or ids) of category roots used as labels: their categories become the
    # products' tags instead of shop categories.
    tag_categories: list[str] = Field(default_factory=list)
    # ``product.template`` fields passed to the shops as ``Product.extra``, dotted paths allowed
    # ("volume", "default_uom.symbol"); the key is the path as written here.
    extra_fields: list[str] = Field(default_factory=list)
    # Pictures and documents are hashed from their bytes, read in batches of about this size.
    file_batch_bytes: int = Field(default=8_000_000, ge=100_000)

    @field_validator("languages")
    @classmethod
    def _some_language(cls, languages: list[str]) -> list[str]:
        if not languages:
            raise ValueError("languages must name at least one Tryton language code")
        return languages

    @field_validator("extra_fields")
    @classmethod
    def _field_paths(cls, paths: list[str]) -> list[str]:
        wrong = [path for path in paths if not FIELD_PATH.match(path)]
        if wrong:
            raise ValueError(f"not Tryton field names: {', '.join(wrong)}")
        return paths

    @property
    def main_language(self) -> str:
        return self.languages[0]

    @property
    def all_warehouses(self) -> list[str]:
        """Every warehouse code the configuration names, once."""
        codes = [*self.warehouses, *([self.sale_warehouse] if self.sale_warehouse else [])]
        return list(dict.fromkeys(codes))
