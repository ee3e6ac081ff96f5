"""Odoo (14.0 to 19.0) as the hub's ERP: catalog, prices, stock, orders, payments and what became of them.

``OdooErp(config)`` implements :class:`courroie.connectors.protocols.ErpConnector`, plus batch
helpers the flows may use: ``read_stock_changes`` (stock moved since a cursor), ``find_sales``,
``create_sales`` / ``confirm_sales`` (several orders in one ``create`` and one ``action_confirm``),
``find_customers`` (a batch's customers in one search) and ``record_payments_of`` (a batch's payments
in one ``create`` and one ``action_post``, see :mod:`.payments`).
Reads are batched (``search_read`` pages of ``config.page_size``); reference records (warehouses,
currencies, countries, carriers, taxes, price lists, SKUs) are looked up once and kept. Keys handed
to the hub are Odoo record ids as text; files are named ``<model>/<id>/<field>``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from courroie.connectors.protocols import CheckResult, ErpSale, SaleDraft, SaleOutcome, SalePayments, SaleTerms
from courroie.errors import ConnectionFailure, CourroieError, DataError, TransientError
from courroie.model import (
    Address, Category, Customer, Order, Payment, PriceRule, Product, Promotion, SaleStatus, StockLevel,
)

from . import mapping, prices
from .client import OdooClient, RpcStats, Session, major_of
from .config import OdooConfig
from .mapping import Row
from .payments import PaymentBook
from .references import References
from .versions import NEWEST, OLDEST

__all__ = ["OdooConfig", "OdooErp", "SaleDraft", "SaleOutcome"]

logger = logging.getLogger(__name__)

SELLABLE: list[Any] = [("sale_ok", "=", True), ("default_code", "!=", False)]
TEMPLATE_FIELDS = ["name", "list_price", "categ_id", "taxes_id", "active", "description_sale", "currency_id"]
VARIANT_FIELDS = ["default_code", "barcode", "lst_price", "weight", "active", "product_tmpl_id",
                  "product_template_attribute_value_ids"]
STOCK_FIELDS = ["default_code", "free_qty", "virtual_available", "categ_id"]
SALE_FIELDS = ["name", "state", "amount_untaxed", "amount_total", "client_order_ref"]
PARTNER_FIELDS = ["name", "email", "parent_id", "commercial_partner_id", "type", "street", "street2", "zip", "city",
                  "country_id", "state_id", "company_name", "vat", "phone", "is_company", "category_id",
                  "property_product_pricelist", "property_payment_term_id"]
STATUS_PICKING_FIELDS = ["name", "state", "carrier_tracking_ref", "date_done", "carrier_id", "picking_type_code",
                         "backorder_id"]
STATUS_INVOICE_FIELDS = ["name", "state", "move_type", "invoice_date", "amount_total"]
ITEM_FIELDS = ["pricelist_id", "applied_on", "product_id", "product_tmpl_id", "categ_id", "compute_price",
               "fixed_price", "percent_price", "price_discount", "price_surcharge", "price_round",
               "price_min_margin", "price_max_margin", "base", "base_pricelist_id", "min_quantity", "date_start",
               "date_end"]
REQUIRED_MODELS: Mapping[str, str] = {
    "product.template": "product", "product.pricelist": "product", "stock.warehouse": "stock",
    "stock.quant": "stock", "sale.order": "sale_management", "delivery.carrier": "delivery",
    "account.move": "account",
}
PROBE_NAME = "courroie price probe"       # a throwaway quotation's name: it consumes no sequence number
QUIET = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
NO_CANCEL_WIZARD = {"disable_cancel_warning": True}   # ``action_cancel`` cancels instead of opening its wizard
CUSTOMER_TTL = 300.0                      # seconds a customer's addresses are trusted between two calls
LOOKUP_TTL = 60.0                         # seconds a batch's customer lookup answers for its orders
LOOKUP_CHUNK = 40                         # e-mails (or VAT numbers) per search


@dataclass
class _Customer:
    """A contact and its child addresses as last read, for the calls of one order."""

    row: Row
    children: list[Row] = field(default_factory=list)
    read_at: float = field(default_factory=time.monotonic)

    @property
    def fresh(self) -> bool:
        return time.monotonic() - self.read_at < CUSTOMER_TTL


@dataclass
class _Lookup:
    """What ``find_customers`` answered for a customer (its contact, or None), for the orders of a batch."""

    owner: int | None
    read_at: float = field(default_factory=time.monotonic)

    @property
    def fresh(self) -> bool:
        return time.monotonic() - self.read_at < LOOKUP_TTL


def _lookup_key(customer: Customer) -> tuple[str, str | None]:
    return customer.email_key, mapping.compact_vat(customer.vat_number)


class OdooErp:
    """The hub's ERP connector for Odoo over JSON-RPC, XML-RPC or JSON-2."""

    name = "odoo"

    def __init__(self, config: OdooConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.client = OdooClient(config, transport=transport)
        self.refs = References(self.client, config)
        self._customers: dict[int, _Customer] = {}
        self._lookups: dict[tuple[str, str | None], _Lookup] = {}
        self.payments = PaymentBook(self.client, self.refs, config, self._commercial_partners)

    @property
    def stats(self) -> RpcStats:
        return self.client.stats

    async def session(self) -> Session:
        return await self.client.session()

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- check --------------------------------------------------------------------------------------

    async def check(self) -> list[CheckResult]:
        """Reachable, version, login, modules, configured records: one line each."""
        try:
            info = await self.client.server_version()
        except CourroieError as error:
            return [CheckResult("Odoo server reachable", False, str(error),
                                fix=f"check `url` ({self.config.url}) and that Odoo is running")]
        results = [_version_result(info, self.config.url)]
        try:
            session = await self.client.session()
        except CourroieError as error:
            return [*results, CheckResult(f"login as {self.config.user!r}", False, str(error),
                                          fix=getattr(error, "hint", "") or "check `user`, `password`/`api_key`")]
        results.append(CheckResult(f"login as {self.config.user!r}", True,
                                   f"database {self.config.database!r} over {session.wire}"))
        if session.dialect.json2 and session.wire != "json2":
            results.append(CheckResult("protocol", True, "JSON-RPC is deprecated from Odoo 19 (removed in 22)",
                                       fix="set `api_key` to use JSON-2"))
        for check in (self._check_models, self._check_warehouses, self._check_languages, self._check_orders_setup):
            try:
                results += await check()
            except CourroieError as error:
                results.append(CheckResult(check.__name__.removeprefix("_check_").replace("_", " "), False,
                                           str(error), fix=getattr(error, "hint", "")))
        return results

    async def _check_models(self) -> list[CheckResult]:
        rows = await self.client.search_read("ir.model", [("model", "in", [*REQUIRED_MODELS, "mrp.bom"])], ["model"])
        present = {row["model"] for row in rows}
        results = [CheckResult(f"model {model}", model in present, "present" if model in present else "missing",
                               fix="" if model in present else f"install the Odoo module {module!r}")
                   for model, module in REQUIRED_MODELS.items()]
        results.append(CheckResult("kits (module mrp)", True, "bills of materials of type kit are published"
                                   if "mrp.bom" in present else "mrp is not installed: products have no kits"))
        for model in ("product.product", "stock.quant", "sale.order", "res.partner"):
            await self.client.call(model, "search_count", params={"domain": []})
        return [*results, CheckResult("read access", True, "products, stock, sales, contacts")]

    async def _check_warehouses(self) -> list[CheckResult]:
        found = await self.refs.warehouses(self.config.all_warehouses, strict=False)
        return [CheckResult(f"warehouse {code!r}", code in found,
                            "found" if code in found else "no stock.warehouse has this code",
                            fix="" if code in found else "fix `warehouses`/`sale_warehouse` or the code in Odoo")
                for code in self.config.all_warehouses]

    async def _check_languages(self) -> list[CheckResult]:
        rows = await self.client.search_read("res.lang", [("code", "in", self.config.languages)], ["code"])
        active = {row["code"] for row in rows}
        return [CheckResult(f"language {code}", code in active, "active" if code in active else "not active",
                            fix="" if code in active else "activate it in Settings › Languages")
                for code in self.config.languages]

    async def _check_orders_setup(self) -> list[CheckResult]:
        results = []
        for currency, name in self.config.order_price_lists.items():
            found = await self.refs.pricelists([name], strict=False)
            results.append(CheckResult(f"price list {name!r} ({currency})", name in found,
                                       "found" if name in found else "no such price list",
                                       fix="" if name in found else "fix `order_price_lists`"))
        for shop_name in self.config.carriers:
            carrier = await self.refs.carrier(shop_name)
            results.append(CheckResult(f"carrier {shop_name!r}", carrier is not None,
                                       "found" if carrier else "no delivery.carrier of that name",
                                       fix="" if carrier else "fix `carriers` or the carrier's name in Odoo"))
        wanted = {setting: sku for setting, sku in (("shipping_product", self.config.shipping_product),
                                                    ("discount_product", self.config.discount_product),
                                                    ("gift_wrapping_product", self.config.gift_wrapping_product))
                  if sku}
        if self.config.payment_journal:
            journal = await self.refs.journal(self.config.payment_journal)
            results.append(CheckResult(f"payment_journal {self.config.payment_journal!r}", journal is not None,
                                       "found" if journal else "no bank or cash journal of that name or code",
                                       fix="" if journal else "fix `payment_journal` (Invoicing › Configuration › "
                                                              "Journals)"))
        found_skus = await self.refs.product_ids(list(wanted.values()), strict=False, sellable=False) if wanted else {}
        results += [CheckResult(f"{setting} {sku!r}", sku in found_skus, "found" if sku in found_skus else "unknown",
                                fix="" if sku in found_skus else f"fix `{setting}` or create this product")
                    for setting, sku in wanted.items()]
        return results

    # --- catalog --------------------------------------------------------------------------------------

    async def read_categories(self) -> list[Category]:
        rows = await self.client.search_read_all("product.category", [], ["name", "parent_id"])
        return mapping.categories_from_rows(rows, self.config.languages)

    async def read_products(self) -> list[Product]:
        template_fields = TEMPLATE_FIELDS + ([self.config.template_reference] if self.config.template_reference else [])
        templates = await self.client.search_read_all("product.template", [("sale_ok", "=", True)], template_fields)
        ids = [row["id"] for row in templates]
        company = await self.refs.company()
        variants, texts, values, images, kits, taxes = await asyncio.gather(
            self.client.read_in("product.product", "product_tmpl_id", ids, VARIANT_FIELDS,
                                domain=[("default_code", "!=", False)]),
            self._translated("product.template", ids, ["name", "description_sale"]),
            self._attribute_values(ids), self._images(ids), self._kits(ids), self.refs.tax_names())
        texts[self.config.main_language] = {row["id"]: row for row in templates}
        by_template: dict[int, list[Row]] = {}
        for variant in sorted(variants, key=lambda v: v["id"]):
            by_template.setdefault(mapping.many2one_id(variant["product_tmpl_id"]) or 0, []).append(variant)
        ordered = {language: texts.get(language, {}) for language in self.config.languages}
        products = []
        for template in templates:
            product = self._product(template, by_template.get(template["id"], []), ordered, values, images,
                                    kits.get(template["id"], ()), taxes, company["currency"])
            if product is not None:
                products.append(product)
        return products

    def _product(self, template: Row, variants: list[Row], texts: Mapping[str, Mapping[int, Row]],
                 values: Mapping[int, tuple[str, str]], images: Mapping[tuple[str, int], Any],
                 kit: tuple[Any, ...], taxes: Mapping[int, str], currency: str) -> Product | None:
        sku = mapping.template_sku(template, variants, self.config.template_reference)
        if not variants or sku is None:
            logger.info("odoo: template %s has no variant with an internal reference: not published", template["id"])
            return None
        return mapping.product_from_rows(
            template, variants, sku=sku, names=mapping.translations(texts, template["id"], "name"),
            descriptions=mapping.translations(texts, template["id"], "description_sale", as_html=True),
            values=values, currency=mapping.many2one_name(template.get("currency_id")) or currency,
            tax_names=taxes, images=images, kit=kit)

    async def _translated(self, model: str, ids: Sequence[int], fields: Sequence[str]) -> dict[str, dict[int, Row]]:
        """``fields`` of the records in every language but the main one: {language: {id: row}}."""
        others = self.config.languages[1:]
        pages = await asyncio.gather(*(self.client.read_in(model, "id", ids, fields, context={"lang": language})
                                       for language in others))
        return {language: {row["id"]: row for row in rows} for language, rows in zip(others, pages, strict=True)}

    async def _attribute_values(self, templates: Sequence[int]) -> dict[int, tuple[str, str]]:
        """product.template.attribute.value id → (attribute, value), in the main language."""
        rows = await self.client.read_in("product.template.attribute.value", "product_tmpl_id", templates,
                                         ["name", "attribute_id"])
        return {row["id"]: (mapping.many2one_name(row.get("attribute_id")) or "", str(row.get("name") or ""))
                for row in rows}

    async def _images(self, templates: Sequence[int]) -> dict[tuple[str, int], Any]:
        """Cover pictures of templates and own pictures of variants, hashed; the bytes are read only for
        records that have one (a binary field kept as attachment can be searched ``!= False``)."""
        found: dict[tuple[str, int], Any] = {}
        for model, link, picture in (("product.template", "id", "image_1920"),
                                     ("product.product", "product_tmpl_id", "image_variant_1920")):
            rows = await self.client.read_in(model, link, templates, ["id"], domain=[(picture, "!=", False)])
            pictures = await self.client.read_in(model, "id", [r["id"] for r in rows], [picture, "default_code"],
                                                  page_size=self.config.image_page_size)
            for row in pictures:
                ref = mapping.image_ref(model, row["id"], picture, row.get(picture),
                                        mapping.text(row.get("default_code")) or f"{model}-{row['id']}")
                if ref is not None:
                    found[(model, row["id"])] = ref
        return found

    async def _kits(self, templates: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """Kit components (``mrp.bom`` of type phantom) per template; none without the mrp module."""
        if not await self.refs.has_model("mrp.bom"):
            return {}
        boms = await self.client.read_in("mrp.bom", "product_tmpl_id", templates,
                                         ["product_tmpl_id", "product_qty", "bom_line_ids"],
                                         domain=[("type", "=", "phantom")])
        lines = await self.client.read_in("mrp.bom.line", "bom_id", [b["id"] for b in boms],
                                          ["bom_id", "product_id", "product_qty"])
        components = {mapping.many2one_id(line["product_id"]) for line in lines} - {None}
        codes = {row["id"]: row["default_code"] for row in await self.client.read_in(
            "product.product", "id", sorted(c for c in components if c), ["default_code"],
            context={"active_test": False}) if row.get("default_code")}
        kits: dict[int, tuple[Any, ...]] = {}
        for bom in sorted(boms, key=lambda b: b["id"], reverse=True):   # the oldest BoM wins, as in Odoo
            own = [line for line in lines if mapping.many2one_id(line["bom_id"]) == bom["id"]]
            kits[mapping.many2one_id(bom["product_tmpl_id"]) or 0] = mapping.kit_items(own, codes, bom["product_qty"])
        return kits

    async def read_file(self, key: str) -> bytes:
        try:
            model, record, picture = mapping.file_location(key)
        except ValueError:
            raise DataError(f"{key!r} does not name an Odoo file (model/id/field)") from None
        rows = await self.client.call(model, "read", [record], {"fields": [picture]})
        content = rows[0].get(picture) if rows else None
        if not content:
            raise DataError(f"Odoo no longer holds {key}", details={"file": key})
        try:
            return base64.b64decode(content)
        except (binascii.Error, ValueError):
            raise DataError(f"Odoo's {key} is not base64", details={"file": key}) from None

    # --- stock ----------------------------------------------------------------------------------------

    async def read_stock(self, locations: Sequence[str]) -> list[StockLevel]:
        """Available to sell per SKU and warehouse code: ``min(free_qty, virtual_available)``.

        Both are computed by Odoo for the warehouse's locations (context ``location`` = its view
        location, which every version honours; ``warehouse`` / ``warehouse_id`` changed name in 17 and
        a wrong one is silently ignored, answering every warehouse):

        - ``free_qty``: on hand minus what is reserved for deliveries (quants) — but a confirmed sale
          that could not be reserved (short stock) is not deducted;
        - ``virtual_available``: on hand plus planned receptions minus planned deliveries — every
          confirmed sale is deducted, but goods not received yet are added.

        The smaller one never sells goods not received and holds back every confirmed sale.
        """
        return await self._levels(locations, await self._stock_products())

    async def read_stock_changes(self, locations: Sequence[str],
                                 since: datetime | None) -> tuple[list[StockLevel], datetime | None]:
        """Levels of the articles whose stock moved at or after ``since`` (quants counted, moves
        planned, reserved or done), and the cursor for the next call: the latest ``write_date`` seen.
        Pass ``since`` minus an overlap: a transaction committing late carries an earlier write_date."""
        fields = ["product_id", "write_date"]
        if since is None:
            quant, move = await asyncio.gather(
                self.client.search_read("stock.quant", [], ["write_date"], limit=1, order="write_date desc"),
                self.client.search_read("stock.move", [], ["write_date"], limit=1, order="write_date desc"))
            return await self.read_stock(locations), mapping.parse_datetime(mapping.newest(quant + move, None))
        after = mapping.odoo_datetime(since)
        quants, moves = await asyncio.gather(
            self.client.search_read_all("stock.quant", [("write_date", ">=", after),
                                                        ("location_id.usage", "=", "internal")], fields),
            self.client.search_read_all("stock.move", [("write_date", ">=", after)], fields))
        moved = sorted({p for r in quants + moves if (p := mapping.many2one_id(r["product_id"])) is not None})
        products = await self._stock_products(moved) if moved else []
        cursor = mapping.newest(quants + moves, after)
        return await self._levels(locations, products), mapping.parse_datetime(cursor)

    async def _stock_products(self, among: Sequence[int | None] | None = None) -> list[int]:
        """Articles whose stock the shops show: storable ones, and kits (``mrp`` works out their
        quantities from their components'; a kit is often not storable itself). With ``among``: those
        of these products, and the kits they are components of."""
        dialect = (await self.client.session()).dialect
        domain = [*SELLABLE, *dialect.storable_domain]
        if among is None:
            rows = await self.client.search_read_all("product.product", domain, ["id"])
            kits = await self._kit_products(None)
        else:
            moved = [p for p in among if p]
            rows = await self.client.read_in("product.product", "id", moved, ["id"], domain=domain)
            kits = await self._kit_products(moved)
        return sorted({row["id"] for row in rows} | set(kits))

    async def _kit_products(self, components: Sequence[int] | None) -> list[int]:
        """Kits (phantom bills of materials): all of them, or those having one of ``components``."""
        if not await self.refs.has_model("mrp.bom") or components == []:
            return []
        if components is None:
            boms = await self.client.search_read_all("mrp.bom", [("type", "=", "phantom")], ["product_tmpl_id"])
        else:
            lines = await self.client.read_in("mrp.bom.line", "product_id", components, ["bom_id"],
                                              domain=[("bom_id.type", "=", "phantom")])
            ids = sorted({b for line in lines if (b := mapping.many2one_id(line.get("bom_id")))})
            boms = await self.client.read_in("mrp.bom", "id", ids, ["product_tmpl_id"]) if ids else []
        templates = sorted({t for b in boms if (t := mapping.many2one_id(b.get("product_tmpl_id")))})
        rows = await self.client.read_in("product.product", "product_tmpl_id", templates, ["id"],
                                         domain=SELLABLE) if templates else []
        return [row["id"] for row in rows]

    async def _levels(self, locations: Sequence[str], products: Sequence[int]) -> list[StockLevel]:
        warehouses = await self.refs.warehouses(locations, strict=True)

        async def levels(code: str) -> list[StockLevel]:
            rows = await self.client.read_in("product.product", "id", products, STOCK_FIELDS,
                                             context={"location": warehouses[code][1]})
            return mapping.stock_levels(rows, code)

        if not products:
            return []
        per_warehouse = await asyncio.gather(*(levels(code) for code in dict.fromkeys(locations)))
        return [level for found in per_warehouse for level in found]

    # --- prices ----------------------------------------------------------------------------------------

    async def read_price_rules(self, price_lists: Sequence[str]) -> list[PriceRule]:
        """Every item of the named price lists, per SKU it covers: fixed prices and percentages as
        they are, any other formula priced by Odoo itself for each article (see :mod:`.prices`)."""
        if not price_lists:
            return []
        found = await self._price_list_details(price_lists)
        items, articles, categories = await asyncio.gather(
            self.client.search_read_all("product.pricelist.item", [("pricelist_id", "in", [p.id for p in found])],
                                        ITEM_FIELDS),
            self._articles(), self._category_tree())
        candidates = prices.candidates(found, items, articles, categories)
        computed = await self._compute_prices({c.probe for c in candidates if c.probe is not None})
        return prices.price_rules(candidates, computed)

    async def read_promotions(self) -> list[Promotion]:
        """Odoo's campaigns live in the loyalty / coupon modules, which the hub does not read yet;
        dated price list items come out as dated price rules instead."""
        return []

    async def _price_list_details(self, names: Sequence[str]) -> list[prices.PriceList]:
        rows = await self.client.search_read("product.pricelist", [("name", "in", list(names))],
                                             ["name", "currency_id", "country_group_ids"])
        unknown = sorted(set(names) - {row["name"] for row in rows})
        if unknown:
            raise ConnectionFailure(f"no Odoo price list named {', '.join(map(repr, unknown))}",
                                    hint="price lists are named as in Odoo (Sales › Products › Pricelists)")
        groups = sorted({g for row in rows for g in row.get("country_group_ids") or []})
        members = {row["id"]: row.get("country_ids") or [] for row in
                   await self.client.read_in("res.country.group", "id", groups, ["country_ids"])} if groups else {}
        codes = await self.refs.country_codes(sorted({c for ids in members.values() for c in ids}))
        return [prices.PriceList(row["id"], row["name"], mapping.many2one_name(row["currency_id"]) or "",
                                 tuple(sorted({codes[c] for g in row.get("country_group_ids") or []
                                               for c in members.get(g, []) if c in codes})))
                for row in rows]

    async def _articles(self) -> list[prices.Article]:
        rows = await self.client.search_read_all("product.product", SELLABLE,
                                                 ["default_code", "product_tmpl_id", "categ_id", "lst_price"])
        return [prices.Article(row["id"], str(row["default_code"]), mapping.many2one_id(row["product_tmpl_id"]) or 0,
                               mapping.many2one_id(row.get("categ_id")), mapping.money_amount(row.get("lst_price")))
                for row in rows]

    async def _category_tree(self) -> dict[int, set[int]]:
        """Category → itself and every category below it."""
        rows = await self.client.search_read_all("product.category", [], ["parent_id"])
        parents = {row["id"]: mapping.many2one_id(row.get("parent_id")) for row in rows}
        tree: dict[int, set[int]] = {category: set() for category in parents}
        for category in parents:
            current: int | None = category
            while current is not None and current in tree:
                tree[current].add(category)
                current = parents.get(current)
        return tree

    async def _compute_prices(self, probes: set[prices.Probe]) -> dict[prices.Probe, Decimal]:
        """Odoo's price for each probe, batched per price list and date."""
        groups: dict[tuple[int, str | None], list[prices.Probe]] = {}
        for probe in sorted(probes, key=lambda p: (p.pricelist, p.date or "", p.product, p.quantity)):
            groups.setdefault((probe.pricelist, probe.date), []).append(probe)
        dialect = (await self.client.session()).dialect
        compute = self._price_field if dialect.prices_by_field else self._probe_quotation
        results: dict[prices.Probe, Decimal] = {}
        for (pricelist, date), group in groups.items():
            for part in _chunked(group, self.config.page_size):
                results |= await compute(pricelist, date, part)
        return results

    async def _probe_quotation(self, pricelist: int, date: str | None,
                               probes: Sequence[prices.Probe]) -> dict[prices.Probe, Decimal]:
        """Odoo 16+: let Odoo price the lines of a throwaway quotation, read them, delete it (3 calls).
        Named, it takes no number from the sale order sequence; chatter and tracking are off."""
        partner = (await self.refs.company())["partner"]
        values: Row = {"name": PROBE_NAME, "partner_id": partner, "pricelist_id": pricelist,
                       "order_line": [(0, 0, {"product_id": p.product, "product_uom_qty": p.quantity}) for p in probes]}
        if date:
            values["date_order"] = date
        [order] = await self.client.create("sale.order", [values], context=QUIET)
        try:
            lines = await self.client.search_read("sale.order.line", [("order_id", "=", order)],
                                                  ["product_id", "product_uom_qty", "price_unit", "discount"])
        finally:
            await self.client.unlink("sale.order", [order])
        priced = {(mapping.many2one_id(line["product_id"]), int(line["product_uom_qty"])):
                  mapping.decimal(line["price_unit"]) * (1 - mapping.decimal(line.get("discount")) / 100)
                  for line in lines}
        return {p: priced[(p.product, p.quantity)] for p in probes if (p.product, p.quantity) in priced}

    async def _price_field(self, pricelist: int, date: str | None,
                           probes: Sequence[prices.Probe]) -> dict[prices.Probe, Decimal]:
        """Odoo 14-15: ``product.product.price`` for the context's price list and quantity."""
        results: dict[prices.Probe, Decimal] = {}
        for quantity in sorted({p.quantity for p in probes}):
            wanted = [p for p in probes if p.quantity == quantity]
            context = {"pricelist": pricelist, "quantity": quantity, **({"date": date[:10]} if date else {})}
            rows = await self.client.read_in("product.product", "id", [p.product for p in wanted], ["price"],
                                             context=context)
            price = {row["id"]: mapping.decimal(row.get("price")) for row in rows}
            results |= {p: price[p.product] for p in wanted if p.product in price}
        return results

    # --- orders ---------------------------------------------------------------------------------------

    async def known_skus(self, skus: Sequence[str]) -> set[str]:
        return set(await self.refs.product_ids(skus, strict=False))

    async def find_sale(self, reference: str) -> ErpSale | None:
        """The order whose ``client_order_ref`` is ``reference`` (the hub stores ``Order.erp_reference`` there)."""
        return (await self.find_sales([reference])).get(reference)

    async def find_sales(self, references: Sequence[str]) -> dict[str, ErpSale]:
        """The orders already created for these references, in one search."""
        if not references:
            return {}
        rows = await self.client.read_in("sale.order", "client_order_ref", references, SALE_FIELDS)
        confirmed = (await self.client.session()).dialect.confirmed_states
        found = {}
        for reference in references:
            row = mapping.pick_sale([r for r in rows if r.get("client_order_ref") == reference])
            if row is not None:
                found[reference] = mapping.erp_sale(row, confirmed)
        return found

    async def find_customer(self, customer: Customer) -> str | None:
        """The contact owning this e-mail (trimmed, case-insensitive), read with its child addresses
        (kept for ``ensure_address``); else, for a business, the contact holding its VAT number.
        Answered without a call for LOOKUP_TTL seconds after ``find_customers`` looked it up."""
        cached = self._lookups.get(_lookup_key(customer))
        if cached is not None and cached.fresh:
            return mapping.key(cached.owner) if cached.owner is not None else None
        return (await self._find_customers([customer]))[0]

    async def find_customers(self, customers: Sequence[Customer]) -> list[str | None]:
        """``find_customer`` of each customer in two searches (per LOOKUP_CHUNK customers): the contacts
        holding their e-mails, with their child addresses, then the VAT numbers of the businesses not
        found by e-mail. The answers serve the ``find_customer`` of the batch's orders."""
        found = await self._find_customers(customers)
        self._lookups = {k: lookup for k, lookup in self._lookups.items() if lookup.fresh}
        for customer, key in zip(customers, found, strict=True):
            self._lookups[_lookup_key(customer)] = _Lookup(int(key) if key else None)
        return found

    async def _find_customers(self, customers: Sequence[Customer]) -> list[str | None]:
        emails = list({c.email_key: c.email.strip() for c in customers}.values())
        rows = await self._search_partners(["email", "parent_id.email"], emails, PARTNER_FIELDS)
        owners = [mapping.pick_customer(rows, customer) for customer in customers]
        for owner in {row["id"]: row for row in owners if row is not None}.values():
            self._remember(owner, [r for r in rows if mapping.many2one_id(r.get("parent_id")) == owner["id"]])
        vats = sorted({v for c, o in zip(customers, owners, strict=True)
                       if o is None and (v := mapping.compact_vat(c.vat_number))})
        by_vat = await self._search_partners(["vat"], vats, ["vat", "parent_id", "is_company"],
                                             pattern=mapping.loose_pattern)
        keys: list[str | None] = []
        for customer, owner in zip(customers, owners, strict=True):
            vat = mapping.compact_vat(customer.vat_number)
            found = owner["id"] if owner is not None else mapping.pick_vat_owner(by_vat, vat) if vat else None
            keys.append(mapping.key(found) if found is not None else None)
        return keys

    async def _search_partners(self, fields: Sequence[str], values: Sequence[str], read: Sequence[str], *,
                               pattern: Callable[[str], str] = mapping.escape_like) -> list[Row]:
        """Contacts where one of ``fields`` is ``=ilike`` one of the ``values``: one search per
        LOOKUP_CHUNK values, side by side."""
        async def search(part: list[str]) -> list[Row]:
            leaves = [(name, "=ilike", pattern(value)) for value in part for name in fields]
            return await self.client.search_read("res.partner", mapping.any_of(leaves), list(read))

        pages = await asyncio.gather(*(search(part) for part in _chunked(values, LOOKUP_CHUNK)))
        return list({row["id"]: row for page in pages for row in page}.values())

    def _created_customer(self, customer: Customer, partner: int) -> None:
        """A contact the hub just made holds this e-mail now: the batch's next orders find it."""
        for (email, _), lookup in self._lookups.items():
            if email == customer.email_key and lookup.owner is None:
                lookup.owner = partner

    async def save_customer(self, customer: Customer, key: str | None, terms: SaleTerms = SaleTerms()) -> str:
        """Create the contact, or write what changed (name, VAT number, company name); give it the
        terms of its customer group: price list and payment term (properties of the contact, which
        Odoo's quotations take), and category (a tag added to the contact's)."""
        found = await self._terms(terms)
        if key is None:
            values = mapping.customer_values(customer, **found)
            [partner] = await self.client.create("res.partner", [values])
            self._remember(mapping.remember_changes({"id": partner}, values), [])
            self._created_customer(customer, partner)
            return mapping.key(partner)
        known = await self._customer(self._id(key, "customer"))
        changes = mapping.customer_changes(known.row, customer, **found)
        if changes:
            await self.client.write("res.partner", [known.row["id"]], changes)
            known.row = mapping.remember_changes(known.row, changes)
        return key

    async def _terms(self, terms: SaleTerms) -> dict[str, int | None]:
        """Odoo ids of the records ``terms`` names (price list, payment term, contact tag)."""
        pricelist = (await self.refs.pricelist_of_terms(terms.price_list))[0] if terms.price_list else None
        return {"pricelist": pricelist,
                "payment_term": await self.refs.named("account.payment.term", terms.payment_term, "payment term",
                                                      "Invoicing › Configuration › Payment Terms"),
                "category": await self.refs.named("res.partner.category", terms.customer_category, "contact tag",
                                                  "Contacts › Configuration › Tags")}

    async def ensure_address(self, customer_key: str, address: Address) -> str:
        """The contact itself when it has this address, else a child address; created when missing
        (on the contact itself while it has none, else as a child of type ``delivery``). A region
        Odoo does not know (``res.country.state``) is left out, of the address and of the comparison."""
        known = await self._customer(self._id(customer_key, "customer"))
        country = await self.refs.country_id(address.country_code)
        state = await self.refs.state_id(country, address.state_code) if address.state_code else None
        if address.state_code and state is None:
            address = address.model_copy(update={"state_code": None})
        wanted = mapping.address_key(address)
        for row in [known.row, *sorted(known.children, key=lambda r: r["id"])]:
            if mapping.has_address(row) and await self._row_key(row) == wanted:
                return mapping.key(row["id"])
        values = mapping.address_values(address, country, state)
        as_read = values | {"country_id": [country, address.country_code],
                            "state_id": [state, address.state_code] if state else False}
        own = known.row | {k: v for k, v in as_read.items() if k != "name"}
        if not mapping.has_address(known.row) and await self._row_key(own) == wanted:
            # The customer's own address, on a contact that has none yet: no child needed.
            await self.client.write("res.partner", [known.row["id"]], {k: v for k, v in values.items() if k != "name"})
            known.row.update(own)
            return mapping.key(known.row["id"])
        [child] = await self.client.create("res.partner", [{**values, "parent_id": known.row["id"],
                                                             "type": "delivery"}])
        known.children.append({"id": child, **as_read, "parent_id": [known.row["id"], ""]})
        return mapping.key(child)

    async def _row_key(self, row: Row) -> tuple[str, ...]:
        country = mapping.many2one_id(row.get("country_id"))
        state = mapping.many2one_id(row.get("state_id"))
        codes = await self.refs.country_codes([country] if country else [])
        states = await self.refs.state_codes([state] if state else [])
        return mapping.row_address_key(row, codes.get(country or 0), states.get(state or 0))

    def _remember(self, row: Row, children: list[Row]) -> None:
        self._customers[row["id"]] = _Customer(row, children)
        if len(self._customers) > 500:   # bounded: the oldest entries go
            for stale in sorted(self._customers, key=lambda k: self._customers[k].read_at)[:100]:
                del self._customers[stale]

    async def _customer(self, partner: int) -> _Customer:
        known = self._customers.get(partner)
        if known is None or not known.fresh:
            rows = await self.client.search_read(
                "res.partner", ["|", ("id", "=", partner), ("parent_id", "=", partner)], PARTNER_FIELDS)
            own = [row for row in rows if row["id"] == partner]
            if not own:
                raise DataError(f"Odoo contact {partner} no longer exists", details={"customer": str(partner)})
            self._remember(own[0], [row for row in rows if row["id"] != partner])
            known = self._customers[partner]
        return known

    async def create_sale(self, order: Order, customer_key: str, invoice_address: str,
                          delivery_address: str, terms: SaleTerms = SaleTerms()) -> ErpSale:
        """A quotation carrying ``order.erp_reference`` in ``client_order_ref``: one create, one read.

        Its lines: the articles at the shop's prices (tax excluded), the shipping (the Odoo carrier's
        delivery line), the gift wrapping, the vouchers (lines of ``discount_product``: one each, or
        one for all with ``terms.vouchers_as = "global"``); the price list and payment term of
        ``terms`` are the quotation's."""
        values = await self._sale_values(SaleDraft(order, customer_key, invoice_address, delivery_address, terms))
        [sale] = await self.client.create("sale.order", [values])
        return (await self._read_sales([sale]))[sale]

    async def _sale_values(self, draft: SaleDraft) -> Row:
        order, terms = draft.order, draft.terms
        products = await self.refs.product_ids([line.sku for line in order.lines], strict=True)
        lines = [mapping.line_values(line, products[line.sku]) for line in order.lines]
        carrier = await self.refs.carrier(order.carrier) if order.carrier else None
        if order.shipping_tax_excl or carrier:
            shipping = carrier[1] if carrier else await self.refs.configured_product(
                self.config.shipping_product, f"carrier {order.carrier!r} is not an Odoo carrier and "
                                              "`shipping_product` is not set")
            lines.append(mapping.shipping_values(order, shipping, carrier[2] if carrier else None))
        if order.gift_wrapping_tax_excl:
            wrapping = await self.refs.configured_product(
                self.config.gift_wrapping_product, f"the order has {order.gift_wrapping_tax_excl} of gift wrapping "
                                                   "and `gift_wrapping_product` is not set")
            lines.append(mapping.gift_wrapping_values(order, wrapping))
        if mapping.has_discounts(order):
            discount = await self.refs.configured_product(
                self.config.discount_product, f"the order has {order.discounts_tax_excl} of discounts and "
                                              "`discount_product` is not set")
            lines += mapping.discount_lines(order, discount, terms.vouchers_as)
        return mapping.sale_values(
            order, partner=self._id(draft.customer_key, "customer"),
            invoice_address=self._id(draft.invoice_address, "address"),
            delivery_address=self._id(draft.delivery_address, "address"), lines=lines,
            pricelist=await self._sale_pricelist(order, terms), warehouse=await self.refs.sale_warehouse(),
            carrier=carrier[0] if carrier else None,
            payment_term=await self.refs.named("account.payment.term", terms.payment_term, "payment term",
                                               "Invoicing › Configuration › Payment Terms"))

    async def _sale_pricelist(self, order: Order, terms: SaleTerms) -> int | None:
        """The customer group's price list when it is in the order's currency (Odoo takes the order's
        currency from its price list), else the price list of the order's currency."""
        if terms.price_list:
            pricelist, currency = await self.refs.pricelist_of_terms(terms.price_list)
            if currency and currency != order.currency:
                raise DataError(f"the price list {terms.price_list!r} of this customer group is in {currency}, the "
                                f"order in {order.currency}: Odoo would price it in {currency}",
                                details={"price_list": terms.price_list, "currency": order.currency})
            return pricelist
        return await self.refs.order_pricelist(order.currency)

    async def _read_sales(self, ids: Sequence[int]) -> dict[int, ErpSale]:
        rows = await self.client.read_in("sale.order", "id", ids, SALE_FIELDS)
        confirmed = (await self.client.session()).dialect.confirmed_states
        return {row["id"]: mapping.erp_sale(row, confirmed) for row in rows}

    async def confirm_sale(self, key: str) -> None:
        """``action_confirm``; an order found confirmed already (a retry after a timeout) is fine."""
        sale = self._id(key, "sale")
        try:
            await self.client.button("sale.order", "action_confirm", [sale])
        except DataError:
            state = await self._sale_state(sale)
            if state not in (await self.client.session()).dialect.confirmed_states:
                raise

    async def _sale_state(self, sale: int) -> str | None:
        rows = await self.client.call("sale.order", "read", [sale], {"fields": ["state"]})
        return rows[0]["state"] if rows else None

    async def discard_sale(self, key: str) -> None:
        sale = self._id(key, "sale")
        state = await self._sale_state(sale)
        if state is None:
            return
        if state in (await self.client.session()).dialect.confirmed_states:
            raise DataError(f"Odoo order {key} is confirmed: only a quotation can be discarded")
        if state == "sent":
            await self.client.button("sale.order", "action_cancel", [sale], context=NO_CANCEL_WIZARD)
        await self.client.unlink("sale.order", [sale])

    # --- payments and cancellations -------------------------------------------------------------------

    async def record_payments(self, key: str, payments: Sequence[Payment], terms: SaleTerms = SaleTerms()) -> None:
        """Each shop payment as a customer payment (``account.payment``, inbound), posted, in the
        journal ``terms.payment_journals`` maps its method to (else the journal named like the method,
        else ``payment_journal``), its reference (``ref`` up to 17, ``memo`` from 18) the shop's
        transaction id, or the shop order reference and method when there is none.

        While the sale has a posted invoice left to pay, the payment is registered on it (Odoo's
        "Register Payment" wizard, ``account.payment.register``), which reconciles them. Before that,
        as at import, it is a payment of the customer: Odoo shows it on the invoice, once posted, as an
        outstanding credit to add. Odoo's ``payment.transaction`` is not used: it belongs to Odoo's
        payment providers, whose state machine is driven by the provider's own callbacks through
        private methods (``_set_done`` cannot be called over RPC) and a post-processing cron.

        A payment already there (same reference and amount, not cancelled) is not added again; one an
        interruption left in draft is posted. Money given back is not recorded by the hub (refunds are
        reviewed by a person): a negative amount is a DataError."""
        error = (await self.record_payments_of([SalePayments(key, payments, terms)]))[key]
        if error is not None:
            raise error

    async def record_payments_of(self, sales: Sequence[SalePayments]) -> dict[str, DataError | None]:
        """``record_payments`` of several sales in a few calls (see :mod:`.payments`): one read each of
        the sales, partners, invoices and payments already there, one create and one post for all."""
        return await self.payments.record(sales)

    async def _commercial_partners(self, partners: Sequence[int]) -> dict[int, int]:
        """Partner → its commercial partner (the company of a contact), from the contacts read for the
        order when they are fresh, else in one read (archived partners too)."""
        found = {p: c for p in partners if (c := self._known_commercial(p)) is not None}
        missing = [p for p in partners if p not in found]
        if missing:
            rows = await self.client.read_in("res.partner", "id", missing, ["commercial_partner_id"],
                                             context={"active_test": False})
            found |= {row["id"]: mapping.many2one_id(row["commercial_partner_id"]) or row["id"] for row in rows}
        return found

    def _known_commercial(self, partner: int) -> int | None:
        for known in self._customers.values():
            if not known.fresh:
                continue
            for row in (known.row, *known.children):
                if row["id"] == partner and (commercial := mapping.many2one_id(row.get("commercial_partner_id"))):
                    return commercial
        return None

    async def cancel_sale(self, key: str) -> None:
        """Cancel the order of a sale the shop cancelled: ``sale.order.action_cancel``, which cancels its
        deliveries not done and its draft invoices.

        Asked with ``disable_cancel_warning`` in the context, as Odoo's own cancellation wizard does,
        since ``action_cancel`` of an order past its quotation otherwise answers that wizard (a mail
        to the customer; 16 and later) instead of cancelling; should a server still answer the wizard,
        it is created and its ``action_cancel`` called. Refused (DataError) once a delivery is done or
        an invoice posted (a return and a credit note are a person's work), and for a locked order
        (16: state ``done``; 17+: ``locked``, which Odoo refuses to cancel) — unlocking is the
        merchant's decision. Cancelling a cancelled order does nothing."""
        dialect = (await self.client.session()).dialect
        sale = await self._sale_row(key, ["name", "state", "picking_ids", "invoice_ids",
                                          *(["locked"] if dialect.lock_flag else [])])
        if sale["state"] == "cancel":
            return
        pickings, invoices = await asyncio.gather(
            self.client.read_in("stock.picking", "id", sale.get("picking_ids") or [],
                                ["name", "state", "picking_type_code"]),
            self.client.read_in("account.move", "id", sale.get("invoice_ids") or [], ["name", "state", "move_type"]))
        shipped = [str(p["name"]) for p in pickings if mapping.is_outgoing(p) and p.get("state") == "done"]
        if shipped:
            raise DataError(f"Odoo order {sale['name']} is shipped already ({', '.join(shipped)}): it cannot be "
                            "cancelled; a return and a credit note are made in Odoo",
                            details={"sale": key, "deliveries": shipped})
        posted = [str(i["name"]) for i in invoices if i.get("state") == "posted"]
        if posted:
            raise DataError(f"Odoo order {sale['name']} is invoiced ({', '.join(posted)}): issue a credit note in "
                            "Odoo, then cancel it there", details={"sale": key, "invoices": posted})
        if sale.get("locked") or sale["state"] == "done":
            raise DataError(f"Odoo order {sale['name']} is locked: unlock it in Odoo to cancel it",
                            details={"sale": key})
        answer = await self.client.button("sale.order", "action_cancel", [sale["id"]], context=NO_CANCEL_WIZARD)
        if isinstance(answer, dict) and answer.get("res_model") == "sale.order.cancel":
            context = {k: v for k, v in (answer.get("context") or {}).items() if isinstance(k, str)}
            [wizard] = await self.client.create("sale.order.cancel", [{"order_id": sale["id"]}], context=context)
            await self.client.button("sale.order.cancel", "action_cancel", [wizard], context=context)

    async def _sale_row(self, key: str, fields: Sequence[str]) -> Row:
        sale = self._id(key, "sale")
        rows = await self.client.search_read("sale.order", [("id", "=", sale)], list(fields))
        if not rows:
            raise DataError(f"Odoo order {key} no longer exists", details={"sale": key})
        return rows[0]

    # --- orders in batches ------------------------------------------------------------------------------

    async def create_sales(self, drafts: Sequence[SaleDraft], *, confirm: bool = False) -> list[SaleOutcome]:
        """Several quotations in one ``create([...])`` (and, with ``confirm``, one ``action_confirm``).

        Orders already in Odoo (found by reference) are answered, not created again. When Odoo refuses
        the batch, each order is created on its own so that one bad order neither blocks nor duplicates
        the others; when the batch's fate is unknown (a timeout), what was created is looked up first."""
        outcomes: dict[str, SaleOutcome] = {}
        existing = await self.find_sales([d.order.erp_reference for d in drafts])
        values: dict[str, Row] = {}
        for draft in drafts:
            reference = draft.order.erp_reference
            if reference in existing:
                outcomes[reference] = SaleOutcome(reference, existing[reference])
                continue
            try:
                values[reference] = await self._sale_values(draft)
            except CourroieError as error:
                outcomes[reference] = SaleOutcome(reference, error=error)
        created = await self._create_batch(values, outcomes)
        sales = await self._read_sales(list(created.values())) if created else {}
        for reference, sale in created.items():
            outcomes[reference] = SaleOutcome(reference, sales.get(sale))
        if confirm:
            await self._confirm_outcomes(outcomes)
        return [outcomes[d.order.erp_reference] for d in drafts]

    async def _create_batch(self, values: Mapping[str, Row], outcomes: dict[str, SaleOutcome]) -> dict[str, int]:
        references = list(values)
        if not references:
            return {}
        try:
            ids = await self.client.create("sale.order", [values[r] for r in references])
            return dict(zip(references, ids, strict=True))
        except DataError as error:
            logger.info("odoo: batch of %s orders refused (%s): creating them one by one", len(references), error)
        except TransientError as error:
            logger.warning("odoo: batch of %s orders unanswered (%s): looking them up", len(references), error)
            found = await self.find_sales(references)
            for reference, sale in found.items():
                outcomes[reference] = SaleOutcome(reference, sale)
            references = [r for r in references if r not in found]
        created = {}
        for reference in references:
            try:
                [created[reference]] = await self.client.create("sale.order", [values[reference]])
            except CourroieError as error:
                outcomes[reference] = SaleOutcome(reference, error=error)
        return created

    async def _confirm_outcomes(self, outcomes: dict[str, SaleOutcome]) -> None:
        pending = {o.sale.key: ref for ref, o in outcomes.items() if o.sale is not None and not o.sale.confirmed}
        errors = await self.confirm_sales(list(pending))
        for key, reference in pending.items():
            sale = outcomes[reference].sale
            assert sale is not None
            error = errors.get(key)
            outcomes[reference] = SaleOutcome(reference, sale, error) if error else \
                SaleOutcome(reference, ErpSale(sale.key, sale.number, sale.total_tax_excl, sale.total_tax_incl, True))

    async def confirm_sales(self, keys: Sequence[str]) -> dict[str, CourroieError | None]:
        """One ``action_confirm`` for every order; one by one if Odoo refuses the batch."""
        if not keys:
            return {}
        ids = [self._id(key, "sale") for key in keys]
        try:
            await self.client.button("sale.order", "action_confirm", ids)
            return dict.fromkeys(keys)
        except DataError as error:
            logger.info("odoo: confirming %s orders together refused (%s): one by one", len(ids), error)
        results: dict[str, CourroieError | None] = {}
        for key in keys:
            try:
                await self.confirm_sale(key)
                results[key] = None
            except CourroieError as error:
                results[key] = error
        return results

    @staticmethod
    def _id(key: str, what: str) -> int:
        try:
            return mapping.record_id(key)
        except ValueError as error:
            raise DataError(f"{what} key {key!r} is not an Odoo id") from error

    # --- fulfilment ------------------------------------------------------------------------------------

    async def read_sale_statuses(self, keys: Sequence[str]) -> list[SaleStatus]:
        """Orders, their deliveries and invoices: three reads whatever the number of orders, and, up
        to 16, one more for the PDFs of posted invoices.

        An invoice's file is the PDF Odoo keeps once it was printed or sent (17+: the invoice's
        ``invoice_pdf_report_id``; up to 16: its attachment named after its number), read by
        ``read_file`` (``ir.attachment/<id>/datas``); none before. Rendering it on demand is not
        possible over the external API: the report methods are private (``_render_qweb_pdf``), and
        ``/report/pdf/account.report_invoice/<id>`` wants an interactive web session, which refuses API
        keys and users with two-factor authentication. Delivery notes have no file for the same reason."""
        ids = [self._id(key, "sale") for key in keys]
        dialect = (await self.client.session()).dialect
        orders = await self.client.read_in("sale.order", "id", ids, ["state", "picking_ids", "invoice_ids"])
        invoice_fields = STATUS_INVOICE_FIELDS + ([dialect.invoice_pdf_field] if dialect.invoice_pdf_field else [])
        pickings, invoices = await asyncio.gather(
            self.client.read_in("stock.picking", "id", [p for o in orders for p in o.get("picking_ids") or []],
                                STATUS_PICKING_FIELDS),
            self.client.read_in("account.move", "id", [i for o in orders for i in o.get("invoice_ids") or []],
                                invoice_fields))
        pdfs = await self._invoice_pdfs([i for i in invoices if mapping.is_invoice(i)], dialect.invoice_pdf_field)
        by_picking = {p["id"]: p for p in pickings}
        by_invoice = {i["id"]: i for i in invoices}
        confirmed = dialect.confirmed_states
        statuses = (mapping.sale_status(
            order, [by_picking[p] for p in order.get("picking_ids") or [] if p in by_picking],
            [by_invoice[i] for i in order.get("invoice_ids") or [] if i in by_invoice], confirmed, pdfs)
            for order in sorted(orders, key=lambda o: o["id"]))
        return [status for status in statuses if status is not None]

    async def _invoice_pdfs(self, invoices: Sequence[Row], pdf_field: str | None) -> dict[int, int]:
        """Posted invoice → the attachment holding its PDF, where Odoo keeps one."""
        if pdf_field:
            return {i["id"]: found for i in invoices if (found := mapping.many2one_id(i.get(pdf_field)))}
        if not invoices:
            return {}
        attachments = await self.client.search_read(
            "ir.attachment", [("res_model", "=", "account.move"), ("res_id", "in", [i["id"] for i in invoices]),
                              ("mimetype", "=", "application/pdf")], ["name", "res_id"])
        return {i["id"]: found for i in invoices if (found := mapping.invoice_attachment(attachments, i))}


def _chunked(values: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(values[start:start + size]) for start in range(0, len(values), size)]


def _version_result(info: Mapping[str, Any], url: str) -> CheckResult:
    major = major_of(info)
    ok = OLDEST <= major <= NEWEST + 1
    return CheckResult("Odoo server reachable", ok, f"Odoo {info.get('server_version', '?')} at {url}",
                       fix="" if ok else f"the hub supports Odoo {OLDEST}.0 to {NEWEST}.0")

