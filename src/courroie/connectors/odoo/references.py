"""Odoo's reference records, looked up once and kept while the hub runs: warehouses, carriers, price
lists, payment terms, contact tags, journals, the company, countries and their regions, taxes,
installed models, and SKU → product id (for ``SKU_TTL`` seconds).

Configuration names them by code or name, orders by SKU, country and currency; Odoo by id. These
lookups make an order cost a few calls once warm, instead of one per reference.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from courroie.errors import ConnectionFailure, DataError

from . import mapping
from .client import OdooClient
from .config import OdooConfig

logger = logging.getLogger(__name__)

SKU_TTL = 600.0                           # seconds an SKU → product id answer is trusted


class References:
    """Lookups of reference records by the names configuration and orders use; each asked once."""

    def __init__(self, client: OdooClient, config: OdooConfig) -> None:
        self.client, self.config = client, config
        self._found: dict[tuple[str, str], Any] = {}
        self._skus: dict[str, tuple[int, float]] = {}

    async def has_model(self, model: str) -> bool:
        if ("model", model) not in self._found:
            rows = await self.client.search_read("ir.model", [("model", "=", model)], ["model"], limit=1)
            self._found[("model", model)] = bool(rows)
        return bool(self._found[("model", model)])

    async def tax_names(self) -> dict[int, str]:
        if ("taxes", "") not in self._found:
            rows = await self.client.search_read("account.tax", [("type_tax_use", "=", "sale")], ["name"],
                                                 context={"active_test": False})
            self._found[("taxes", "")] = {row["id"]: str(row["name"]) for row in rows}
        return dict(self._found[("taxes", "")])

    async def warehouses(self, codes: Sequence[str], *, strict: bool) -> dict[str, tuple[int, int]]:
        """Warehouse code → (warehouse id, view location id)."""
        missing = [code for code in codes if ("warehouse", code) not in self._found]
        if missing:
            rows = await self.client.search_read("stock.warehouse", [("code", "in", missing)],
                                                 ["code", "view_location_id"], context={"active_test": False})
            for row in rows:
                self._found[("warehouse", row["code"])] = (row["id"], mapping.many2one_id(row["view_location_id"]))
        found = {code: self._found[("warehouse", code)] for code in codes if ("warehouse", code) in self._found}
        unknown = [code for code in codes if code not in found]
        if strict and unknown:
            raise ConnectionFailure(f"no Odoo warehouse with code {', '.join(map(repr, unknown))}",
                                    hint="stock locations are named by the short name (code) of a stock.warehouse")
        return found

    async def product_ids(self, skus: Sequence[str], *, strict: bool, sellable: bool = True) -> dict[str, int]:
        """SKU → product.product id (of articles for sale unless ``sellable`` is False, as delivery
        products often are); answers are kept ``SKU_TTL`` seconds."""
        now = time.monotonic()
        cached = {sku: entry for sku in skus if (entry := self._skus.get(f"{sellable}:{sku}"))}
        found = {sku: entry[0] for sku, entry in cached.items() if now - entry[1] < SKU_TTL}
        missing = sorted(set(skus) - set(found))
        if missing:
            rows = await self.client.read_in("product.product", "default_code", missing, ["default_code"],
                                             domain=[("sale_ok", "=", True)] if sellable else [])
            for row in sorted(rows, key=lambda r: r["id"], reverse=True):   # the oldest article wins
                found[row["default_code"]] = row["id"]
                self._skus[f"{sellable}:{row['default_code']}"] = (row["id"], now)
        unknown = sorted(set(skus) - set(found))
        if strict and unknown:
            raise DataError(f"unknown in Odoo (or not for sale): {', '.join(unknown)}", details={"skus": unknown})
        return {sku: found[sku] for sku in skus if sku in found}

    async def configured_product(self, sku: str | None, missing: str) -> int:
        if not sku:
            raise DataError(missing)
        return (await self.product_ids([sku], strict=True, sellable=False))[sku]

    async def carrier(self, shop_name: str) -> tuple[int, int, str] | None:
        """The Odoo carrier of a shop carrier name: (id, delivery product id, name), or None."""
        name = self.config.carriers.get(shop_name, shop_name).strip()
        if ("carrier", name) not in self._found:
            rows = await self.client.search_read("delivery.carrier", [("name", "=ilike", mapping.escape_like(name))],
                                                 ["name", "product_id"], limit=1)
            self._found[("carrier", name)] = (rows[0]["id"], mapping.many2one_id(rows[0]["product_id"]),
                                             rows[0]["name"]) if rows else None
        found: tuple[int, int, str] | None = self._found[("carrier", name)]
        return found

    async def pricelists(self, names: Sequence[str], *, strict: bool) -> dict[str, int]:
        missing = [name for name in names if ("pricelist", name) not in self._found]
        if missing:
            for row in await self.client.search_read("product.pricelist", [("name", "in", missing)], ["name"]):
                self._found.setdefault(("pricelist", row["name"]), row["id"])
        found = {name: self._found[("pricelist", name)] for name in names if ("pricelist", name) in self._found}
        if strict and len(found) < len(set(names)):
            raise ConnectionFailure(f"no Odoo price list named {', '.join(sorted(set(names) - set(found)))}",
                                    hint="fix `order_price_lists`")
        return found

    async def order_pricelist(self, currency: str) -> int | None:
        """The price list of orders in ``currency``: the configured one; else, for a currency other
        than the company's, the first price list in it (Odoo takes an order's currency from it)."""
        if currency in self.config.order_price_lists:
            name = self.config.order_price_lists[currency]
            return (await self.pricelists([name], strict=True))[name]
        if currency == (await self.company())["currency"]:
            return None
        if ("currency pricelist", currency) not in self._found:
            rows = await self.client.search_read("product.pricelist", [("currency_id.name", "=", currency)], ["name"],
                                                 limit=1)
            self._found[("currency pricelist", currency)] = rows[0]["id"] if rows else None
        found: int | None = self._found[("currency pricelist", currency)]
        if found is None:
            raise DataError(f"no Odoo price list in {currency}: an order in {currency} cannot be created",
                            details={"currency": currency})
        return found

    async def pricelist_of_terms(self, name: str) -> tuple[int, str | None]:
        """A customer group's price list by name: (id, currency code); DataError when Odoo has none."""
        if ("terms pricelist", name) not in self._found:
            rows = await self.client.search_read("product.pricelist", [("name", "=", name)], ["currency_id"], limit=1)
            if not rows:
                raise DataError(f"no Odoo price list named {name!r} (customer group terms)",
                                details={"model": "product.pricelist", "name": name})
            self._found[("terms pricelist", name)] = (rows[0]["id"], mapping.many2one_name(rows[0].get("currency_id")))
        found: tuple[int, str | None] = self._found[("terms pricelist", name)]
        return found

    async def named(self, model: str, name: str | None, what: str, where: str) -> int | None:
        """The id of the record of ``model`` named ``name`` (None for no name); DataError when Odoo has
        none (``where``: where a person creates one)."""
        if not name:
            return None
        if (model, name) not in self._found:
            rows = await self.client.search_read(model, [("name", "=", name)], ["name"], limit=1)
            if not rows:
                raise DataError(f"no Odoo {what} named {name!r} ({where})", details={"model": model, "name": name})
            self._found[(model, name)] = rows[0]["id"]
        found: int = self._found[(model, name)]
        return found

    async def journal(self, name: str) -> int | None:
        """A bank or cash journal by name or short code (payments land there), or None."""
        name = name.strip()
        if ("journal", name) not in self._found:
            rows = await self.client.search_read(
                "account.journal", [("type", "in", ["bank", "cash"]), "|", ("name", "=", name), ("code", "=", name)],
                ["name"], limit=1)
            self._found[("journal", name)] = rows[0]["id"] if rows else None
        found: int | None = self._found[("journal", name)]
        return found

    async def state_id(self, country: int, code: str) -> int | None:
        """The region (``res.country.state``) of this code in that country, or None (logged)."""
        code = code.strip().upper()
        if ("state", f"{country}/{code}") not in self._found:
            rows = await self.client.search_read("res.country.state", [("country_id", "=", country),
                                                                       ("code", "=ilike", mapping.escape_like(code))],
                                                 ["code"], limit=1)
            if not rows:
                logger.warning("odoo: no region %r in country %s: addresses there are kept without it", code, country)
            self._found[("state", f"{country}/{code}")] = rows[0]["id"] if rows else None
            if rows:
                self._found[("state code", str(rows[0]["id"]))] = code
        found: int | None = self._found[("state", f"{country}/{code}")]
        return found

    async def state_codes(self, ids: Sequence[int]) -> dict[int, str]:
        missing = [i for i in ids if ("state code", str(i)) not in self._found]
        if missing:
            for row in await self.client.read_in("res.country.state", "id", missing, ["code"]):
                self._found[("state code", str(row["id"]))] = str(row["code"]).upper()
        return {i: self._found[("state code", str(i))] for i in ids if ("state code", str(i)) in self._found}

    async def company(self) -> dict[str, Any]:
        """The user's company: its currency code and its own contact."""
        if ("company", "") not in self._found:
            rows = await self.client.search_read("res.company", [], ["currency_id", "partner_id"], limit=1)
            if not rows:
                raise ConnectionFailure("the Odoo user sees no company", hint="check the user's allowed companies")
            self._found[("company", "")] = {"currency": mapping.many2one_name(rows[0]["currency_id"]) or "",
                                           "partner": mapping.many2one_id(rows[0]["partner_id"])}
        company: dict[str, Any] = self._found[("company", "")]
        return company

    async def sale_warehouse(self) -> int | None:
        code = self.config.sale_warehouse
        return (await self.warehouses([code], strict=True))[code][0] if code else None

    async def country_id(self, code: str) -> int:
        code = code.strip().upper()
        if ("country", code) not in self._found:
            rows = await self.client.search_read("res.country", [("code", "=", code)], ["code"], limit=1)
            if not rows:
                raise DataError(f"no country with code {code!r} in Odoo", details={"country": code})
            self._found[("country", code)] = rows[0]["id"]
            self._found[("country code", str(rows[0]["id"]))] = code
        country: int = self._found[("country", code)]
        return country

    async def country_codes(self, ids: Sequence[int]) -> dict[int, str]:
        missing = [i for i in ids if ("country code", str(i)) not in self._found]
        if missing:
            for row in await self.client.read_in("res.country", "id", missing, ["code"]):
                self._found[("country code", str(row["id"]))] = row["code"]
                self._found[("country", row["code"])] = row["id"]
        return {i: self._found[("country code", str(i))] for i in ids if ("country code", str(i)) in self._found}
