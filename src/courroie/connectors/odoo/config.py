"""Settings of the connection to one Odoo database (14.0 to 19.0)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from courroie.connectors.http import ServerUrl

Protocol = Literal["auto", "jsonrpc", "xmlrpc", "json2"]


class OdooConfig(BaseModel):
    """How to reach Odoo and which of its records the hub works with.

    Warehouses, price lists and carriers are named by their Odoo codes or names, articles by their
    internal reference (``default_code``), never by database ids, so a configuration survives a copy.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: ServerUrl                             # server root, e.g. ``https://erp.example.com``
    database: str = Field(min_length=1)
    user: str = Field(min_length=1)            # login; JSON-2 (19.0+) does not need it
    # An API key (Preferences › Account Security) is accepted wherever a password is (14.0+), and is the
    # only credential of JSON-2. Give one of the two; the key wins when both are set.
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    # ``auto``: JSON-2 from 19.0 when an API key is set, JSON-RPC otherwise; or force one.
    protocol: Protocol = "auto"
    languages: list[str] = Field(default_factory=lambda: ["en_US"])   # Odoo codes; the first is the main one
    warehouses: list[str] = Field(default_factory=list)   # stock.warehouse codes the shops draw stock from
    sale_warehouse: str | None = None          # warehouse shipping shop orders; None = Odoo's default
    # Order currency → price list of the sale orders in that currency (its name); others use the customer's.
    order_price_lists: dict[str, str] = Field(default_factory=dict)
    # Shop carrier name → Odoo delivery.carrier name; unlisted names are looked up as they are.
    carriers: dict[str, str] = Field(default_factory=dict)
    shipping_product: str | None = None        # SKU of the shipping line when no Odoo carrier matches
    discount_product: str | None = None        # SKU of the lines carrying the order's vouchers and discounts
    gift_wrapping_product: str | None = None   # SKU of the gift wrapping line (a service)
    # Journal (name or code, of type bank or cash) of shop payments whose method is mapped to none in the
    # orders settings (``payment_journals``) and names no journal itself.
    payment_journal: str | None = None
    # A product.template char field holding a multi-variant template's own SKU (Odoo has none); else the
    # variants' common code prefix is used.
    template_reference: str | None = None
    timeout: float = Field(default=60.0, gt=0)
    concurrency: int = Field(default=4, ge=1, le=16)
    page_size: int = Field(default=300, ge=10, le=5000)        # records per read
    image_page_size: int = Field(default=25, ge=1, le=500)     # records per read of pictures (large fields)

    @field_validator("languages")
    @classmethod
    def _some_language(cls, languages: list[str]) -> list[str]:
        if not languages:
            raise ValueError("languages must name at least one Odoo language code (en_US, fr_FR…)")
        return languages

    @model_validator(mode="after")
    def _credentials(self) -> OdooConfig:
        if self.password is None and self.api_key is None:
            raise ValueError("give `password` or `api_key`")
        if self.protocol == "json2" and self.api_key is None:
            raise ValueError("protocol json2 needs `api_key`")
        return self

    @property
    def secret(self) -> str:
        """What the RPC protocols send as password: the API key if any."""
        chosen = self.api_key or self.password
        assert chosen is not None
        return chosen.get_secret_value()

    @property
    def main_language(self) -> str:
        return self.languages[0]

    @property
    def all_warehouses(self) -> list[str]:
        codes = [*self.warehouses, *([self.sale_warehouse] if self.sale_warehouse else [])]
        return list(dict.fromkeys(codes))


def hub_language(code: str) -> str:
    """The hub's language key of an Odoo language: ``fr_FR`` → ``fr``."""
    return code.split("_")[0].split("@")[0].lower()
