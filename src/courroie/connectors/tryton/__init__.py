"""Tryton as the hub's ERP, over JSON-RPC: catalog, prices, stock, orders and what became of them.

``TrytonErp(config)`` implements :class:`courroie.connectors.protocols.ErpConnector`. Every read is
batched (``search_read`` with explicit fields, pages of ``config.page_size``), never one call per
product. Keys handed to the hub are Tryton record ids as text.

Orders, in Tryton's terms: a customer is a ``party.party`` (found by e-mail, VAT identifier, company
name), an order a ``sale.sale`` whose ``reference`` is the hub's, its vouchers discount lines, the
shop's payments ``account.payment``s of the sale (sale_payment). Tryton has no "delivered" and no
way back from a confirmed sale: a cancelled confirmed sale ends "done" with its shipments and
invoices cancelled, which is read back as cancelled. Invoices are offered as files only when Tryton
renders them as PDF (see :func:`mapping.invoice_documents`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from courroie.connectors.protocols import CheckResult, ErpSale, SaleTerms
from courroie.connectors.tryton import files, mapping, pricing
from courroie.connectors.tryton.client import RpcStats, TrytonClient
from courroie.connectors.tryton.config import TrytonConfig
from courroie.connectors.tryton.mapping import Row
from courroie.errors import ConnectionFailure, CourroieError, DataError, TransientError
from courroie.model import (
    Address, Category, Customer, Order, Payment, PriceRule, Product, Promotion, SaleStatus, StockLevel,
)

__all__ = ["TrytonConfig", "TrytonErp"]

logger = logging.getLogger(__name__)

SUPPORTED_MAJOR = 7   # Tryton 7.x and 8.x share the models and fields used here

# What the flows do with each model, and the module providing it.
NEEDED_ACCESS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "product.template": (("read",), "product"),
    "product.product": (("read",), "product"),
    "product.category": (("read",), "product"),
    "product.attribute": (("read",), "product_attribute"),
    "stock.location": (("read",), "stock"),
    "country.country": (("read",), "country"),
    "currency.currency": (("read",), "currency"),
    "party.party": (("read", "create", "write"), "party"),
    "party.contact_mechanism": (("read", "create"), "party"),
    "party.address": (("read", "create"), "party"),
    "party.identifier": (("read", "create", "write"), "party"),
    "party.category": (("read",), "party"),
    "country.subdivision": (("read",), "country"),
    "party.address.subdivision_type": (("read",), "party"),
    "carrier": (("read",), "carrier"),
    "sale.sale": (("read", "create", "write"), "sale"),
    "sale.line": (("read", "create"), "sale"),
    "stock.shipment.out": (("read", "write"), "stock"),            # write: cancelled with its sale
    "account.invoice": (("read", "write"), "account_invoice"),      # write: a draft cancelled with its sale
    "account.invoice.payment_term": (("read",), "account_invoice"),
}
NEEDED_FIELDS: Mapping[tuple[str, str], str] = {
    ("product.template", "weight"): "product_measurements",
    ("product.product", "attributes"): "product_attribute",
    ("sale.sale", "carrier"): "sale_shipment_cost",
    ("stock.shipment.out", "shipping_reference"): "stock_package_shipping",
    ("party.party", "customer_payment_term"): "account_invoice",
}

# Modules a merchant may do without: the hub then has less to publish, nothing fails.
OPTIONAL_FIELDS: Mapping[tuple[str, str], tuple[str, str]] = {
    ("product.image", "image"): ("product_image", "no pictures"),
    ("product.component", "parent_template"): ("product_kit", "no kit components"),
    ("party.party", "sale_price_list"): ("sale_price_list", "no price lists"),
    ("product.price_list.line", "start_date"): ("product_price_list_dates", "no dated prices"),
    ("sale.promotion", "formula"): ("sale_promotion", "no campaigns"),
    ("sale.promotion", "coupons"): ("sale_promotion_coupon", "no coupon codes"),
    ("sale.sale", "payments"): ("sale_payment", "the shops' payments are not recorded on sales"),
    ("product.template", "supply_on_sale"): ("sale_supply", "back-orders come from the configuration only"),
}
# What the hub reads of them.
OPTIONAL_READS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "product.image": (("product.image", "image"),),
    "product.component": (("product.component", "parent_template"),),
    "product.price_list": (("party.party", "sale_price_list"),),
    "product.price_list.line": (("party.party", "sale_price_list"),),
    "sale.promotion": (("sale.promotion", "formula"),),
    "sale.promotion.coupon": (("sale.promotion", "coupons"),),
    "sale.promotion.coupon.number": (("sale.promotion", "coupons"),),
    "account.payment": (("sale.sale", "payments"),),
    "account.payment.journal": (("sale.sale", "payments"),),
}
IMAGES = ("product.image", "image")
KITS = ("product.component", "parent_template")
PRICE_LISTS = ("party.party", "sale_price_list")
DATED_PRICES = ("product.price_list.line", "start_date")
PROMOTIONS = ("sale.promotion", "formula")
COUPONS = ("sale.promotion", "coupons")
SALE_PAYMENTS = ("sale.sale", "payments")
PROMOTIONS = ("sale.promotion", "formula")
# A request sent whose answer was lost: the server may have done it.
ANSWER_LOST = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)
SUPPLY_ON_SALE = ("product.template", "supply_on_sale")

CATEGORY_FIELDS = ["name", "parent"]
TEMPLATE_FIELDS = ["code", "name", "list_price", "categories", "weight", "weight_uom.factor",
                   "length", "length_uom.factor", "width", "width_uom.factor", "height", "height_uom.factor",
                   "account_category.name", "active"]
IMAGE_FIELDS = ["template", "product", "sequence", "description", "image", "create_date", "write_date"]
DOCUMENT_FIELDS = ["resource", "name", "description", "data", "create_date", "write_date"]
COMPONENT_FIELDS = ["parent_template", "parent_product", "sequence", "product.code", "quantity", "unit.factor",
                    "product.default_uom.factor"]
PRICE_LIST_FIELDS = ["name", "price", "tax_included", "company.currency.code", "company.timezone"]
PRICE_LINE_FIELDS = ["price_list", "sequence", "formula", "quantity", "product", "category"]
SAMPLE = 5   # products whose locally worked-out price is checked against Tryton's, per breakpoint
PROMOTION_FIELDS = ["name", "formula", "start_date", "end_date", "price_list.name", "amount", "currency.code",
                    "untaxed_amount", "quantity", "products", "products.code", "categories"]
COUPON_FIELDS = ["coupons.number_of_use", "coupons.numbers.number", "coupons.numbers.start_date",
                 "coupons.numbers.end_date", "coupons.numbers.active"]
VARIANT_FIELDS = ["code", "template", "attributes", "list_price", "identifiers.type", "identifiers.code",
                  "position", "description", "active"]
ATTRIBUTE_FIELDS = ["name", "string", "type_", "selection_json"]
STOCK_FIELDS = ["code", "quantity", "forecast_quantity", "template.consumable", "template.categories"]
MOVE_FIELDS = ["product", "create_date", "write_date"]
# The states of shipments and invoices tell a sale Tryton closed with nothing done (see mapping.hub_cancelled).
SALE_FIELDS = ["number", "state", "untaxed_amount", "tax_amount", "total_amount", "shipments.state",
               "invoices.state"]
# What recording payments needs of a sale: read with SALE_FIELDS wherever the sale is read during an
# order's import, so that the next steps of that import need not read it again (see _OrderMemo).
SALE_PAYMENT_FIELDS = ["company", "party", "invoice_party", "currency.code"]
ORDER_SALE_FIELDS = [*SALE_FIELDS, *SALE_PAYMENT_FIELDS]
# The lines of a freshly quoted sale a Tryton promotion repriced (sale_promotion), read with the sale.
PROMOTION_LINE_FIELDS = ["lines.promotion", "lines.promotion.name", "lines.product.code", "lines.unit_price",
                         "lines.original_unit_price"]
STATUS_FIELDS = ["state", "shipments.number", "shipments.state", "shipments.effective_date",
                 "shipments.shipping_reference", "shipments.carrier.party.name",
                 "shipments.packages.shipping_reference", "invoices.number", "invoices.state",
                 "invoices.invoice_date", "invoices.total_amount", "invoices.invoice_report_format"]
ADDRESS_FIELDS = ["party_name", "attn", "street", "postal_code", "city", "country.code", "subdivision.code"]
# What cancelling a sale needs to know of it.
CANCEL_FIELDS = ["number", "state", "shipments.state", "shipments.number", "invoices.state", "invoices.number"]
PAYMENT_FIELDS = ["reference", "amount", "kind", "journal", "date", "state"]
# The buttons bringing a payment recorded by the hub to "succeeded", by its state: Tryton's manual
# process (submit, process in a group, note the success).
PAYMENT_STEPS = ("draft", "submitted", "processing")

SELLABLE: list[Any] = [("salable", "=", True)]
# The articles whose stock the shops show.
STOCK_DOMAIN: list[Any] = [*SELLABLE, ("type", "in", mapping.STOCKABLE_TYPES), ("code", "!=", None)]
# The buttons that bring a sale from its state to confirmed.
NEXT_BUTTONS: Mapping[str, tuple[str, ...]] = {"draft": ("quote", "confirm"), "quotation": ("confirm",)}


class TrytonErp:
    """The hub's ERP connector for Tryton 8.x (JSON-RPC, a password login)."""

    name = "tryton"

    def __init__(self, config: TrytonConfig, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.client = TrytonClient(config, transport=transport)
        # Ids of reference records named by the configuration or by orders (warehouses, currencies,
        # countries, carriers): they do not change while the hub runs, so each is asked once.
        self._ids: dict[tuple[str, str], int] = {}
        self._currency: str | None = None
        self._timezone: ZoneInfo | None = None
        self._present: frozenset[tuple[str, str]] | None = None
        # Hashes of pictures and documents by their last write: a file nobody rewrote is read once.
        self._file_memo: files.Memo = {}
        # Payment journals' names and currencies (reference data, like the ids above).
        self._journals: dict[int, Row] = {}
        # What the import of the current order read or wrote (see _OrderMemo).
        self._memo = _OrderMemo()

    @property
    def stats(self) -> RpcStats:
        return self.client.stats

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- check ----------------------------------------------------------------------------------------

    async def check(self) -> list[CheckResult]:
        """Reachable, login, version, modules and access rights, configured records: one line each."""
        results: list[CheckResult] = []
        try:
            version = await self.client.server_version()
        except CourroieError as error:
            return [CheckResult("Tryton server reachable", False, str(error),
                                fix=f"check `url` ({self.config.url}) and that trytond is running")]
        results.append(_version_result(version, self.config.url))
        try:
            await self.client.login()
        except CourroieError as error:
            return [*results, CheckResult(f"login as {self.config.user!r}", False, str(error),
                                          fix=getattr(error, "hint", "") or "check `user` and `password`")]
        results.append(CheckResult(f"login as {self.config.user!r}", True,
                                   f"database {self.config.database!r}, company {self.client.context.get('company')}"))
        for check in (self._check_models, self._check_optional_modules, self._check_catalog_settings,
                      self._check_warehouses, self._check_configured_products, self._check_countries,
                      self._check_tax_rounding):
            try:
                results += await check()
            except CourroieError as error:
                results.append(CheckResult(check.__name__.removeprefix("_check_").replace("_", " "), False,
                                           str(error), fix=getattr(error, "hint", "")))
        return results

    async def _check_tax_rounding(self) -> list[CheckResult]:
        """Shops (PrestaShop) round taxes line by line; a company rounding per document makes some
        orders with discounts a cent off the shop's total, and those wait in the blocked list."""
        rows = await self.client.search_read("account.configuration", [], ["tax_rounding"], limit=1)
        rounding = rows[0].get("tax_rounding") if rows else None
        if rounding in (None, "line"):
            return [CheckResult("tax rounding", True, "per line, as the shops round")]
        return [CheckResult("tax rounding", True, f"per {rounding}: orders with discounts may be a cent off the "
                            "shop's total and wait in the blocked list", warning=True,
                            fix="Accounting › Configuration › Tax Rounding: per line")]

    async def _check_models(self) -> list[CheckResult]:
        rows = await self.client.search_read("ir.model", [("name", "in", list(NEEDED_ACCESS))], ["name"])
        present = {row["name"] for row in rows}
        results = [CheckResult(f"model {model}", False, "not in this database",
                               fix=f"activate the Tryton module {module!r}")
                   for model, (_, module) in NEEDED_ACCESS.items() if model not in present]
        access = await self.client.execute("ir.model.access", "get_access", sorted(present))
        for model in sorted(present):
            modes, _ = NEEDED_ACCESS[model]
            missing = [mode for mode in modes if not access.get(model, {}).get(mode)]
            results.append(CheckResult(f"{'/'.join(modes)} {model}", not missing,
                                       f"missing: {', '.join(missing)}" if missing else "allowed",
                                       fix=f"give {self.config.user!r} a group allowing {', '.join(missing)} on "
                                           f"{model} (Administration › Users)" if missing else ""))
        return results + await self._check_fields()

    async def _check_fields(self) -> list[CheckResult]:
        models = sorted({model for model, _ in NEEDED_FIELDS})
        names = sorted({name for _, name in NEEDED_FIELDS})
        rows = await self.client.search_read("ir.model.field", [("model", "in", models), ("name", "in", names)],
                                             ["model", "name"])
        present = {(row["model"], row["name"]) for row in rows}
        return [CheckResult(f"field {model}.{name}", (model, name) in present,
                            "present" if (model, name) in present else "missing",
                            fix="" if (model, name) in present else f"activate the Tryton module {module!r}")
                for (model, name), module in NEEDED_FIELDS.items()]

    async def _check_optional_modules(self) -> list[CheckResult]:
        """Which optional modules are there (none is required), and that the hub may read what they hold."""
        present = await self._optional()
        results = [CheckResult(f"module {module}", True, "activated" if needed in present else f"not activated: {loss}")
                   for needed, (module, loss) in OPTIONAL_FIELDS.items()]
        models = sorted({"ir.attachment", *(model for model, modules in OPTIONAL_READS.items()
                                            if any(needed in present for needed in modules))})
        access = await self.client.execute("ir.model.access", "get_access", models)
        return results + [CheckResult(f"read {model}", bool(access.get(model, {}).get("read")),
                                      "allowed" if access.get(model, {}).get("read") else "missing: read",
                                      fix="" if access.get(model, {}).get("read") else
                                      f"give {self.config.user!r} a group allowing read on {model}")
                          for model in models]

    async def _check_catalog_settings(self) -> list[CheckResult]:
        """The attributes, category roots and template fields the configuration names exist."""
        results = []
        if self.config.features:
            rows = await self.client.search_read("product.attribute", [("name", "in", self.config.features)], ["name"])
            results += _named_checks("feature attribute", self.config.features, {row["name"] for row in rows},
                                     missing="no product.attribute has this name", setting="features")
        if self.config.tag_categories:
            tags = await self._tag_categories()
            results.append(CheckResult("tag categories", bool(tags), f"{len(tags)} categories become tags",
                                       fix="" if tags else "fix `tag_categories`: no category has these names"))
        if self.config.extra_fields:
            names = sorted({path.split(".")[0] for path in self.config.extra_fields})
            rows = await self.client.search_read("ir.model.field", [("model", "=", "product.template"),
                                                                    ("name", "in", names)], ["name"])
            results += _named_checks("extra field", names, {row["name"] for row in rows},
                                     missing="product.template has no such field", setting="extra_fields")
        return results

    async def _check_warehouses(self) -> list[CheckResult]:
        found = await self._warehouses(self.config.all_warehouses, strict=False)
        results = [CheckResult(f"warehouse {code!r}", code in found,
                               "found" if code in found else "no stock.location of type warehouse has this code",
                               fix="" if code in found else "fix `warehouses`/`sale_warehouse` or the code in Tryton")
                   for code in self.config.all_warehouses]
        if self.config.sale_warehouse is None:
            results.append(await self._check_default_warehouse())
        return results

    async def _check_default_warehouse(self) -> CheckResult:
        """Without ``sale_warehouse``, Tryton's default: the user's warehouse, else the only one."""
        what = "warehouse of shop orders"
        if self.client.context.get("warehouse"):
            return CheckResult(what, True, "the Tryton user's warehouse")
        several = len(await self.client.search_read("stock.location", [("type", "=", "warehouse")], ["id"],
                                                    limit=2)) > 1
        if several:
            return CheckResult(what, False, "Tryton has several warehouses and the user none",
                               fix="set `sale_warehouse` to the code of the one shipping shop orders")
        return CheckResult(what, True, "Tryton's only warehouse")

    async def _check_configured_products(self) -> list[CheckResult]:
        wanted = {setting: sku for setting, sku in (("shipping_product", self.config.shipping_product),
                                                    ("discount_product", self.config.discount_product),
                                                    ("gift_wrapping_product", self.config.gift_wrapping_product))
                  if sku}
        found = await self._product_ids(list(wanted.values()), strict=False) if wanted else {}
        results = [CheckResult(f"{setting} {sku!r}", sku in found, "found" if sku in found else "unknown SKU",
                               fix="" if sku in found else f"fix `{setting}` or create this salable product")
                   for setting, sku in wanted.items()]
        if self.config.payment_journal:
            name = self.config.payment_journal
            known = bool(await self.client.search_read("account.payment.journal", [("name", "=", name)], ["id"],
                                                       limit=1)) if SALE_PAYMENTS in await self._optional() else False
            results.append(CheckResult(f"payment_journal {name!r}", known, "found" if known else
                                       "no account.payment.journal has this name (or sale_payment is not activated)",
                                       fix="" if known else "fix `payment_journal`"))
        return results

    async def _check_countries(self) -> list[CheckResult]:
        rows = await self.client.search_read("country.country", [], ["code"], limit=1)
        return [CheckResult("countries", bool(rows), "present" if rows else "no country in Tryton",
                            fix="" if rows else "load them with `trytond_import_countries`")]

    # --- catalog --------------------------------------------------------------------------------------

    async def read_categories(self) -> list[Category]:
        """The catalog categories (not the accounting ones, nor the tag categories of ``tag_categories``)."""
        rows = await self._in_languages(lambda context: self.client.search_read_all(
            "product.category", [("accounting", "=", False)], CATEGORY_FIELDS, context=context))
        tags = mapping.tag_categories(rows[self.config.main_language], self.config.tag_categories)
        return mapping.categories_from_rows(rows, hidden=tags)

    async def read_products(self) -> list[Product]:
        """Every salable template as a product, its variants, pictures (hashed), documents, kit
        components, features, brand, tags and extra fields: about fifteen calls for any catalog,
        plus one per ``file_batch_bytes`` of pictures and documents."""
        currency, excluded, schemas, tags = await asyncio.gather(
            self._company_currency(), self._hub_line_templates(), self._schemas_by_language(),
            self._tag_categories())
        domain = [*SELLABLE, *([("id", "not in", sorted(excluded))] if excluded else [])]
        main = self._language(self.config.main_language)
        templates = await self.client.search_read_all(
            "product.template", domain, [*TEMPLATE_FIELDS, *self.config.extra_fields], context=main)
        ids = [row["id"] for row in templates]
        variants, names, descriptions, template_files = await asyncio.gather(
            self.client.search_read_in("product.product", "template", ids, VARIANT_FIELDS, context=main),
            self._translated("product.template", "id", ids, "name"),
            self._translated("product.product", "template", ids, "description"),
            self._template_files(ids))
        names[self.config.main_language] = {row["id"]: row for row in templates}
        descriptions[self.config.main_language] = {row["id"]: row for row in variants}
        by_template: dict[int, list[Row]] = {}
        for variant in sorted(variants, key=mapping.variant_order):
            by_template.setdefault(variant["template"], []).append(variant)
        attached = self._attached(templates, by_template, template_files)
        options = mapping.CatalogOptions(
            schemas_by_language=schemas, features=self.config.features,
            manufacturer_identifier=self.config.manufacturer_identifier, tags=tags,
            extra_fields=self.config.extra_fields)
        texts = _Texts(self._ordered(names), self._ordered(descriptions))
        return [product for template in templates
                if (product := self._product(template, by_template.get(template["id"], []), texts,
                                             currency, options, attached.get(template["id"])))]

    def _product(self, template: Row, variants: list[Row], texts: _Texts, currency: str,
                 options: mapping.CatalogOptions, attached: mapping.Attached | None) -> Product | None:
        # Tryton describes variants, shops describe products: the first variant speaks for all.
        first = next((v["id"] for v in variants if v.get("code")), None)
        product = mapping.product_from_rows(
            template, variants, names=mapping.translations(texts.names, template["id"], "name"),
            descriptions=mapping.translations(texts.descriptions, first, "description") if first is not None else {},
            schemas=options.schemas_by_language.get(self.config.main_language, {}), currency=currency,
            options=options, attached=attached)
        if product is None:
            logger.warning("tryton: template %s has no coded variant or no price: not published", template["id"])
        return product

    def _attached(self, templates: Sequence[Row], by_template: Mapping[int, list[Row]],
                  template_files: mapping.TemplateFiles) -> dict[int, mapping.Attached]:
        coded = {template: [v for v in rows if v.get("code")] for template, rows in by_template.items()}
        first = {template: rows[0] for template, rows in coded.items() if rows}
        return mapping.attached_by_template(
            template_files,
            template_codes={t["id"]: t.get("code") or first[t["id"]]["code"] for t in templates if t["id"] in first},
            variant_codes={v["id"]: v["code"] for rows in coded.values() for v in rows},
            first_variants={template: row["id"] for template, row in first.items()},
            language=self.config.main_language)

    def _ordered(self, texts: dict[str, dict[int, Row]]) -> dict[str, dict[int, Row]]:
        return {language: texts.get(language, {}) for language in self.config.languages}

    async def _schemas_by_language(self) -> dict[str, dict[str, mapping.AttributeSchema]]:
        """Attributes in every language: variants show the main one, features every one."""
        rows = await self._in_languages(lambda context: self.client.search_read_all(
            "product.attribute", [], ATTRIBUTE_FIELDS, context=context))
        return {language: mapping.attribute_schemas(by_id.values()) for language, by_id in rows.items()}

    async def _tag_categories(self) -> dict[int, str]:
        """Category id → tag, for the categories under ``tag_categories``."""
        if not self.config.tag_categories:
            return {}
        rows = await self.client.search_read_all("product.category", [("accounting", "=", False)], CATEGORY_FIELDS,
                                                 context=self._language(self.config.main_language))
        return mapping.tag_categories({row["id"]: row for row in rows}, self.config.tag_categories)

    # --- pictures, documents, kit components

    async def _template_files(self, templates: Sequence[int]) -> mapping.TemplateFiles:
        present = await self._optional()
        (images, captions, image_facts), (documents, document_facts), components = await asyncio.gather(
            self._images(templates) if IMAGES in present else _nothing(([], {}, {})),
            self._documents(templates),
            self.client.search_read_all("product.component", [["OR", ("parent_template", "!=", None),
                                                               ("parent_product", "!=", None)]], COMPONENT_FIELDS)
            if KITS in present else _nothing([]))
        return mapping.TemplateFiles(images=images, captions=captions, image_facts=image_facts, documents=documents,
                                     document_facts=document_facts, components=components)

    async def _images(self, templates: Sequence[int]) -> tuple[list[Row], dict[str, dict[int, Row]],
                                                               dict[int, mapping.FileFacts]]:
        """``product.image`` of the templates with their captions in every language, and the facts of
        their bytes (see :mod:`.files`)."""
        main, others = self.config.main_language, self.config.languages[1:]
        sizes = files.size_context(*IMAGES)
        rows, *translated = await asyncio.gather(
            self.client.search_read_in("product.image", "template", templates, IMAGE_FIELDS,
                                       context={**self._language(main), **sizes}),
            *(self.client.search_read_in("product.image", "template", templates, ["description"],
                                         context=self._language(language)) for language in others))
        captions = {main: {row["id"]: row for row in rows}} | {
            language: {row["id"]: row for row in part} for language, part in zip(others, translated, strict=True)}
        facts = await self._hash(*IMAGES, rows, {})
        return rows, captions, facts

    async def _documents(self, templates: Sequence[int]) -> tuple[list[Row], dict[int, mapping.FileFacts]]:
        """Files attached to the templates (links are left out: they have no bytes to publish)."""
        rows = await self.client.search_read_all(
            "ir.attachment", [("resource", "like", "product.template,%"), ("type", "=", "data")], DOCUMENT_FIELDS,
            context=files.size_context("ir.attachment", "data"))
        wanted = set(templates)
        rows = [row for row in rows if mapping.resource_id(row.get("resource"), "product.template") in wanted]
        facts = await self._hash("ir.attachment", "data", rows, {row["id"]: row.get("name") or "" for row in rows})
        return rows, facts

    async def _hash(self, model: str, field: str, rows: Sequence[Row],
                    names: Mapping[int, str]) -> dict[int, mapping.FileFacts]:
        """Facts of the files of ``rows`` (read with their ``field`` as a size)."""
        sizes = {row["id"]: row.get(field) or 0 for row in rows}
        stamps = {row["id"]: files.stamp(row, sizes[row["id"]]) for row in rows}
        return await files.hash_files(self.client, model, field, sizes, names, stamps=stamps, memo=self._file_memo,
                                      batch_bytes=self.config.file_batch_bytes, max_records=self.config.page_size)

    async def read_file(self, key: str) -> bytes:
        """The bytes of a picture (``image/<id>``) or a document (``attachment/<id>``)."""
        try:
            model, field, record = mapping.parse_file_key(key)
        except ValueError as error:
            raise DataError(str(error), details={"key": key}) from None
        rows = await self.client.search_read(model, [("id", "=", record)], [field])
        if not rows or not rows[0].get(field):
            raise DataError(f"Tryton has no {model} {record} any more", details={"key": key})
        return bytes(rows[0][field])

    async def _hub_line_templates(self) -> set[int]:
        """Templates of carrier and hub line products: articles of orders, not of the catalog."""
        carriers = await self.client.search_read("carrier", [], ["carrier_product.template"],
                                                 context={"active_test": False})
        templates = {mapping.related(row, "carrier_product").get("template") for row in carriers}
        line_skus = [sku for sku in (self.config.shipping_product, self.config.discount_product,
                                     self.config.gift_wrapping_product) if sku]
        if line_skus:
            rows = await self.client.search_read_in("product.product", "code", line_skus, ["template"])
            templates |= {row["template"] for row in rows}
        return {t for t in templates if t is not None}

    async def _translated(self, model: str, field: str, ids: Sequence[int], text: str) -> dict[str, dict[int, Row]]:
        """``text`` of the records in every language but the main one: {language: {id: row}}."""
        others = self.config.languages[1:]
        pages = await asyncio.gather(*(self.client.search_read_in(model, field, ids, [text],
                                                                  context=self._language(language))
                                       for language in others))
        return {language: {row["id"]: row for row in rows} for language, rows in zip(others, pages, strict=True)}

    async def _in_languages(self, read: Callable[[dict[str, Any]], Awaitable[list[Row]]]) -> dict[str, dict[int, Row]]:
        """Run ``read(context)`` once per configured language: {language: {id: row}}."""
        languages = self.config.languages
        pages = await asyncio.gather(*(read(self._language(language)) for language in languages))
        return {language: {row["id"]: row for row in rows} for language, rows in zip(languages, pages, strict=True)}

    @staticmethod
    def _language(language: str) -> dict[str, Any]:
        return {"language": language}

    async def _company_currency(self) -> str:
        if self._currency is None:
            company = (await self.client.session_context()).get("company")
            if company is None:
                raise ConnectionFailure(f"Tryton user {self.config.user!r} has no current company",
                                        hint="set the user's company in Tryton (Administration › Users)")
            [row] = await self.client.execute("company.company", "read", [company], ["currency.code", "timezone"])
            self._currency = mapping.related(row, "currency").get("code") or "EUR"
            self._timezone = _zone(row.get("timezone"))
        return self._currency

    async def _company_timezone(self) -> ZoneInfo:
        """Tryton's days (price list and promotion dates) are the company's."""
        await self._company_currency()
        assert self._timezone is not None
        return self._timezone

    async def _optional(self) -> frozenset[tuple[str, str]]:
        """Which of :data:`OPTIONAL_FIELDS` this database has (asked once)."""
        if self._present is None:
            models = sorted({model for model, _ in OPTIONAL_FIELDS})
            names = sorted({name for _, name in OPTIONAL_FIELDS})
            rows = await self.client.search_read("ir.model.field", [("model", "in", models), ("name", "in", names)],
                                                 ["model", "name"])
            self._present = frozenset((row["model"], row["name"]) for row in rows) & frozenset(OPTIONAL_FIELDS)
        return self._present

    # --- prices ---------------------------------------------------------------------------------------

    async def read_price_rules(self, price_lists: Sequence[str]) -> list[PriceRule]:
        """The prices of the named ``product.price_list``s that differ from the list price, as rules
        (see :mod:`.pricing` for what they mean and how few reads they take): quantity tiers from the
        lines' quantities, dated prices from their days (``product_price_list_dates``), tax excluded,
        in the list's company currency. ``PriceRule.price_list`` is the list's name."""
        if not price_lists:
            return []
        if PRICE_LISTS not in await self._optional():
            raise ConnectionFailure("Tryton has no sale price lists",
                                    hint="activate the Tryton module 'sale_price_list'")
        dated = DATED_PRICES in await self._optional()
        lists = await self._price_lists(price_lists)
        lines, excluded = await asyncio.gather(
            self.client.search_read_all("product.price_list.line", [("price_list", "in", [pl["id"] for pl in lists])],
                                        [*PRICE_LINE_FIELDS, *(["start_date", "end_date"] if dated else [])]),
            self._hub_line_templates())
        domain = [*SELLABLE, ("code", "!=", None), *([("template", "not in", sorted(excluded))] if excluded else [])]
        # The base prices, once for every list (a plain field: ten times cheaper than a list's price).
        rows = await self.client.search_read_all("product.product", domain,
                                                 ["code", "list_price_used", "default_uom", "sale_uom"])
        products = _Products(
            bases={row["id"]: row["list_price_used"] for row in rows if row.get("list_price_used") is not None},
            codes={row["id"]: row["code"] for row in rows}, domain=domain,
            # Tryton gives a price per sale unit: those it converts are not worked out here.
            converted=frozenset(row["id"] for row in rows if row.get("sale_uom") not in (None, row["default_uom"])))
        found = await asyncio.gather(*(
            self._list_rules(row, pricing.list_lines([line for line in lines if line["price_list"] == row["id"]],
                                                     plain_list=_plain(row)), products)
            for row in lists))
        return [rule for rules in found for product in sorted(products.bases, key=products.codes.__getitem__)
                for rule in rules(product, products.codes[product])]

    async def _price_lists(self, names: Sequence[str]) -> list[Row]:
        wanted = list(dict.fromkeys(names))
        rows = await self.client.search_read("product.price_list", [("name", "in", wanted)], PRICE_LIST_FIELDS,
                                             order=[("id", "ASC")], context=self._language(self.config.main_language))
        by_name: dict[str, Row] = {}
        for row in rows:
            by_name.setdefault(row["name"], row)      # two lists of one name: the older one
        missing = [name for name in wanted if name not in by_name]
        if missing:
            raise ConnectionFailure(f"no Tryton price list named {', '.join(map(repr, missing))}",
                                    hint="fix the shop's `prices` settings or the list's name in Tryton")
        return [by_name[name] for name in wanted]

    async def _list_rules(self, price_list: Row, lines: list[pricing.ListLine],
                          products: _Products) -> Callable[[int, str], list[PriceRule]]:
        """Get the prices :func:`pricing.asks` says are needed; return the rules of one product of this list."""
        company = mapping.related(price_list, "company")
        info = pricing.PriceListInfo(price_list["name"], mapping.related(company, "currency").get("code") or "EUR",
                                     _zone(company.get("timezone")))
        days = pricing.segments(lines, dt.datetime.now(info.timezone).date())
        quantities = pricing.tiers(lines)
        # A tax-included list is read once per accounting category, with its taxes: Tryton then gives
        # the price tax excluded, as on a sale line.
        groups: list[_TaxGroup | None] = list(await self._tax_groups()) if price_list.get("tax_included") else [None]
        asks = pricing.asks(lines, days)
        found = await asyncio.gather(*(self._prices(price_list, ask, days, products, groups) for ask in asks))
        answers = {(ask.segment, ask.quantity): prices for ask, prices in zip(asks, found, strict=True)}

        def rules(product: int, sku: str) -> list[PriceRule]:
            grid = pricing.price_grid(product, answers, days, quantities)
            return pricing.product_rules(sku, products.bases[product], grid, days, quantities, info)
        return rules

    async def _prices(self, price_list: Row, ask: pricing.Ask, days: Sequence[pricing.Segment], products: _Products,
                      groups: Sequence[_TaxGroup | None]) -> dict[int, Decimal | None]:
        """Product id → price for one ask: Tryton's, or worked out here and checked on a sample."""
        async def tryton(where: list[Any] | None) -> dict[int, Decimal | None]:
            parts = await asyncio.gather(*(self._sale_prices(price_list["id"], ask, days, products.domain, where, group)
                                           for group in groups))
            return {row["id"]: row.get("sale_price_uom") for part in parts for row in part}

        if not ask.local:
            return await tryton(ask.domain)
        converted = [("id", "in", sorted(products.converted))] if products.converted else []
        special = ["OR", *([ask.tryton] if ask.tryton else []), *converted] if ask.tryton or converted else None
        known = await tryton(special) if special else {}
        local = {product: pricing.local_price(ask.line, base) for product, base in products.bases.items()
                 if product not in known}
        sample = sorted(local)[::max(1, len(local) // SAMPLE)][:SAMPLE]
        checked = await tryton([("id", "in", sample)]) if sample else {}
        wrong = {product: (local[product], price) for product, price in checked.items() if price != local[product]}
        if wrong:
            logger.warning("tryton: price list %r computes otherwise than its formulas say (%s): asking it for "
                           "every product", price_list["name"], wrong)
            return await tryton(ask.domain)
        return known | local

    async def _sale_prices(self, price_list: int, ask: pricing.Ask, days: Sequence[pricing.Segment],
                           domain: list[Any], where: list[Any] | None, group: _TaxGroup | None) -> list[Row]:
        """``sale_price_uom`` as a sale line would get it, for the products of ``where`` (of one
        accounting category, with its taxes, for a tax-included list: Tryton's ``reverse_compute``)."""
        clauses = [*domain, *([where] if where else []),
                   *([("template.account_category", "=", group.category)] if group else [])]
        context = {"price_list": price_list, "quantity": ask.quantity, "date": days[ask.segment].day,
                   **({"taxes": list(group.taxes)} if group and group.taxes else {})}
        return await self.client.search_read_all("product.product", clauses, ["sale_price_uom"], context=context)

    async def _tax_groups(self) -> list[_TaxGroup]:
        """Accounting categories and their customer taxes (a product's taxes come from its category);
        a last group for products without one, read without taxes."""
        rows = await self.client.search_read_all("product.category", [("accounting", "=", True)],
                                                 ["customer_taxes_used"])
        return [*(_TaxGroup(row["id"], tuple(row.get("customer_taxes_used") or [])) for row in rows),
                _TaxGroup(None, ())]

    async def read_promotions(self) -> list[Promotion]:
        """``sale.promotion``s not over yet (``sale_promotion_coupon``: one campaign per coupon number).
        What a shop would apply differently is left out with a warning (see ``mapping.NotMapped``)."""
        present = await self._optional()
        if PROMOTIONS not in present:
            return []
        timezone = await self._company_timezone()
        today = dt.datetime.now(timezone).date()
        fields = [*PROMOTION_FIELDS, *(COUPON_FIELDS if COUPONS in present else [])]
        rows, currency, tree = await asyncio.gather(
            self.client.search_read_all(
                "sale.promotion", [["OR", ("end_date", "=", None), ("end_date", ">=", today)]], fields,
                context=self._language(self.config.main_language)),
            self._company_currency(), self._shop_category_tree())
        context = mapping.PromotionContext(currency, timezone, tree)
        found: list[Promotion] = []
        for row in rows:
            try:
                skus = await self._promotion_skus(row) if mapping.promotion_needs_skus(row, tree) else None
                found += mapping.promotions_from_row(row, context, skus)
            except mapping.NotMapped as reason:
                logger.warning("tryton: promotion %s (%s) not published: %s", row["id"], row.get("name"), reason)
        return found

    async def _shop_category_tree(self) -> dict[int, int | None]:
        """Category → parent, of the categories shops get (see :meth:`read_categories`)."""
        rows = await self.client.search_read_all("product.category", [("accounting", "=", False)], CATEGORY_FIELDS,
                                                 context=self._language(self.config.main_language))
        hidden = mapping.tag_categories({row["id"]: row for row in rows}, self.config.tag_categories)
        return {row["id"]: row.get("parent") for row in rows if row["id"] not in hidden}

    async def _promotion_skus(self, row: Row) -> list[str]:
        """The SKUs a promotion applies to, as Tryton selects them: its products *and* its categories
        with their sub-categories."""
        domain = [*SELLABLE, ("code", "!=", None),
                  ("template.categories_all", "child_of", list(row.get("categories") or []), "parent"),
                  *([("id", "in", list(row["products"]))] if row.get("products") else [])]
        rows = await self.client.search_read_all("product.product", domain, ["code"])
        return sorted(r["code"] for r in rows)

    # --- stock ----------------------------------------------------------------------------------------

    async def read_stock(self, locations: Sequence[str]) -> list[StockLevel]:
        """Available to sell per SKU and warehouse code: ``min(quantity, forecast_quantity)``.

        Both are computed by Tryton from the stock moves of the warehouse and its children
        (``locations=[warehouse]``), in one read per slice of products:

        - ``quantity``, with ``stock_assign``: done moves up to today, plus outgoing moves already
          assigned — on hand, net of reservations;
        - ``forecast_quantity`` without ``stock_date_end`` (so up to ``date.max``): every move not
          cancelled — also confirmed sales not yet reserved, but also receptions planned next month.

        The smaller one never sells goods not received yet, and holds back every confirmed sale.
        ``stock_date_end = today`` (Tryton's own web shop) would forget sales shipped after today
        (lead times). Kits come out right: Tryton works out both fields from their components.
        Limits: a planned reception masks a delivery planned before it (the forecast nets them
        out); a draft move planned before today (a late shipment) is in neither figure until
        Tryton's "reschedule" cron moves it to today.

        Each level also says whether the article may be sold beyond its stock (``backorders``):
        yes for consumables (Tryton does not track their stock) and for goods supplied on sale
        (``sale_supply``: bought when sold); otherwise Tryton has no opinion. And its categories.
        """
        warehouses = await self._warehouses(locations, strict=True)
        ids = await self.client.search_ids("product.product", STOCK_DOMAIN)
        return await self._levels(locations, warehouses, ids)

    async def read_stock_changes(self, locations: Sequence[str],
                                 since: dt.datetime | None) -> tuple[list[StockLevel], dt.datetime | None]:
        """Levels (as ``read_stock``) of the articles having a stock move into or out of one of the
        warehouses created or written at or after ``since`` (planned, reserved, done, cancelled:
        each changes ``quantity`` or ``forecast_quantity``), and of the kits made of them; the cursor
        is the latest such time seen (``since`` when none). ``since`` None: every article, and the
        time of the latest move. Limits: a draft move deleted leaves no trace (the reconciliation
        catches it); a kit of kits is followed one level deep."""
        warehouses = await self._warehouses(locations, strict=True)
        if since is None:
            ids = await self.client.search_ids("product.product", STOCK_DOMAIN)
            levels, newest = await asyncio.gather(self._levels(locations, warehouses, ids), self._latest_move())
            return levels, newest
        after = since.astimezone(dt.UTC)               # the client sends it naive, in UTC, as Tryton keeps them
        wanted = sorted(set(warehouses.values()))
        domain = [["OR", ("create_date", ">=", after), ("write_date", ">=", after)],
                  ["OR", ("from_location", "child_of", wanted, "parent"),
                   ("to_location", "child_of", wanted, "parent")]]
        moves = await self.client.search_read_all("stock.move", domain, MOVE_FIELDS)
        moved = sorted({row["product"] for row in moves if row.get("product")})
        products = sorted(set(moved) | set(await self._kits_of(moved)))
        levels = await self._levels(locations, warehouses, products) if products else []
        newest = max((_utc(stamp) for row in moves for stamp in (row.get("create_date"), row.get("write_date"))
                      if stamp), default=after)
        return levels, newest

    async def _levels(self, locations: Sequence[str], warehouses: Mapping[str, int],
                      ids: Sequence[int]) -> list[StockLevel]:
        supply = SUPPLY_ON_SALE in await self._optional()
        fields = [*STOCK_FIELDS, *(["template.supply_on_sale"] if supply else [])]

        async def levels(code: str) -> list[StockLevel]:
            context = {"locations": [warehouses[code]], "stock_assign": True}
            rows = await self.client.search_read_in("product.product", "id", ids, fields, domain=STOCK_DOMAIN,
                                                    context=context)
            return mapping.stock_levels(rows, code)

        if not ids:
            return []
        per_warehouse = await asyncio.gather(*(levels(code) for code in dict.fromkeys(locations)))
        return [level for levels_ in per_warehouse for level in levels_]

    async def _latest_move(self) -> dt.datetime | None:
        """When a stock move was last created or written (the change cursor's starting point)."""
        created, written = await asyncio.gather(
            self.client.search_read("stock.move", [], ["create_date"], limit=1, order=[("create_date", "DESC")]),
            self.client.search_read("stock.move", [("write_date", "!=", None)], ["write_date"], limit=1,
                                    order=[("write_date", "DESC")]))
        stamps = [_utc(row[name]) for rows, name in ((created, "create_date"), (written, "write_date"))
                  for row in rows if row.get(name)]
        return max(stamps) if stamps else None

    async def _kits_of(self, components: Sequence[int]) -> list[int]:
        """The kits (product_kit) having one of these products as a component."""
        if not components or KITS not in await self._optional():
            return []
        rows = await self.client.search_read_all("product.component", [("product", "in", list(components))],
                                                 ["parent_product", "parent_template"])
        kits = {row["parent_product"] for row in rows if row.get("parent_product")}
        templates = sorted({row["parent_template"] for row in rows if row.get("parent_template")})
        if templates:
            kits |= set(await self.client.search_ids("product.product", [("template", "in", templates)]))
        return sorted(kits)

    async def _warehouses(self, codes: Sequence[str], *, strict: bool) -> dict[str, int]:
        missing = [code for code in codes if ("warehouse", code) not in self._ids]
        if missing:
            rows = await self.client.search_read(
                "stock.location", [("type", "=", "warehouse"), ("code", "in", missing)], ["code"],
                context={"active_test": False})
            self._ids.update({("warehouse", row["code"]): row["id"] for row in rows})
        found = {code: self._ids[("warehouse", code)] for code in codes if ("warehouse", code) in self._ids}
        unknown = [code for code in codes if code not in found]
        if strict and unknown:
            raise ConnectionFailure(f"no Tryton warehouse with code {', '.join(map(repr, unknown))}",
                                    hint="stock locations are named by the code of a stock.location of type warehouse")
        return found

    # --- orders ---------------------------------------------------------------------------------------

    async def known_skus(self, skus: Sequence[str]) -> set[str]:
        """Always asked of Tryton; the answer serves the sale of the same order (see _OrderMemo)."""
        found = await self._product_ids(skus, strict=False)
        self._memo.products.update(found)
        return set(found)

    async def find_sale(self, reference: str) -> ErpSale | None:
        """The sale whose ``reference`` is ``reference`` (the hub stores ``Order.erp_reference`` there).

        Always asked of Tryton: it is the first step of an order's import (or of its payment), so the
        memo of the previous order is dropped here, and the sale found kept for the next steps."""
        self._memo = _OrderMemo()
        rows = await self.client.search_read("sale.sale", [("reference", "=", reference)], ORDER_SALE_FIELDS)
        row = mapping.pick_sale(rows)
        self._memo.sale = row
        return mapping.erp_sale(row) if row else None

    async def find_customer(self, customer: Customer) -> str | None:
        """By e-mail (trimmed, case-insensitive); else, for a business, by VAT number, then by its
        company name (a party of that name with another VAT number is another business)."""
        email = customer.email.strip()
        # The party's fields come along, for save_customer next (instead of reading the party again).
        rows = await self.client.search_read(
            "party.contact_mechanism", [("type", "=", "email"), ("value", "ilike", mapping.escape_like(email))],
            ["value", "party", *(f"party.{name}" for name in mapping.PARTY_FIELDS)])
        party = mapping.email_owner(rows, customer)
        self._memo.party = next((mapping.related(row, "party") for row in rows if row.get("party") == party
                                 and mapping.related(row, "party").get("id") == party), None)
        self._memo.addresses.clear()
        if party is None and (vat := mapping.compact_vat(customer.vat_number)):
            rows = await self.client.search_read("party.identifier", [("code", "ilike", mapping.loose_pattern(vat))],
                                                 ["type", "code", "party"])
            party = mapping.vat_owner(rows, vat)
        if party is None and (company := " ".join((customer.company or "").split())):
            rows = await self.client.search_read(
                "party.party", [("name", "ilike", mapping.escape_like(company))],
                ["name", "identifiers.type", "identifiers.code"])
            party = mapping.company_owner(rows, customer)
        return mapping.key(party) if party is not None else None

    async def save_customer(self, customer: Customer, key: str | None, terms: SaleTerms = SaleTerms()) -> str:
        """Create the party, or write what changed (name, e-mail, VAT number); add the category and set
        the customer payment term of ``terms``. A VAT number Tryton finds invalid is left out (logged):
        a typing slip in the shop must not stop the order."""
        category = await self._named("party.category", terms.customer_category, "party category")
        payment_term = await self._named("account.invoice.payment_term", terms.payment_term, "payment term")
        if key is None:
            def create(with_vat: bool) -> Awaitable[list[int]]:
                return self.client.create("party.party", [mapping.new_party_values(
                    customer, category=category, payment_term=payment_term, with_vat=with_vat)])
            [party] = await self._without_invalid_vat(customer, create)
            self._memo.addresses = {party: []}     # none (but the blank one Tryton gives, see ensure_address)
            return mapping.key(party)
        party = self._id(key, "customer")
        row = self._memo.party_row(party)
        if row is None:
            [row] = await self.client.execute("party.party", "read", [party], mapping.PARTY_FIELDS)
        self._memo.party = None

        async def write(with_vat: bool) -> None:
            changes = mapping.party_changes(row, customer, category=category, payment_term=payment_term,
                                            with_vat=with_vat)
            if changes:
                await self.client.write("party.party", [party], changes)
        await self._without_invalid_vat(customer, write)
        return key

    async def _without_invalid_vat(self, customer: Customer, act: Callable[[bool], Awaitable[Any]]) -> Any:
        """``act(True)``; if Tryton refuses the customer's VAT number, ``act(False)``."""
        vat = mapping.compact_vat(customer.vat_number)
        try:
            return await act(bool(vat))
        except DataError as error:
            if not vat or vat not in str(error):
                raise
            logger.warning("tryton: VAT number %r of %s refused (%s); the party is saved without it",
                           vat, customer.email_key, error)
            return await act(False)

    async def _named(self, model: str, name: str | None, what: str, *, strict: bool = True) -> int | None:
        """The id of the record of ``model`` with this name in the main language (asked once), None for
        no name (and, not ``strict``, for an unknown one)."""
        if not name:
            return None
        if (model, name) not in self._ids:
            rows = await self.client.search_read(model, [("name", "=", name)], ["name"], order=[("id", "ASC")],
                                                 limit=1, context=self._language(self.config.main_language))
            if not rows and not strict:
                return None
            if not rows:
                raise DataError(f"no {what} named {name!r} in Tryton ({model})",
                                details={"model": model, "name": name})
            self._ids[(model, name)] = rows[0]["id"]
        return self._ids[(model, name)]

    async def ensure_address(self, customer_key: str, address: Address) -> str:
        """The party's address equal to ``address`` once both are as Tryton holds them (see
        :func:`mapping.stored_address`), else a new one. A region Tryton does not know
        (``country.subdivision``) is left out, of the address and of the comparison alike."""
        party = self._id(customer_key, "customer")
        subdivision = None
        if mapping.subdivision_code(address):
            subdivision = await self._subdivision_id(address, await self._country_id(address.country_code))
            if subdivision is None:
                address = address.model_copy(update={"state_code": None})
        known = self._memo.addresses_of(party)
        # A party made by this import has only the blank address Tryton gives new parties: no address
        # with a country is equal to it.
        if known is None or (not known and not address.country_code.strip()):
            rows = await self.client.search_read("party.address", [("party", "=", party)], ADDRESS_FIELDS)
            known = [(row["id"], mapping.address_from_row(row)) for row in sorted(rows, key=lambda r: r["id"])]
        # The party's addresses serve the other address of the same order (invoice, then delivery).
        self._memo.addresses = {party: known}
        for record, stored in known:
            if mapping.same_address(stored, address):
                return mapping.key(record)
        country = await self._country_id(address.country_code)
        [created] = await self.client.create("party.address",
                                             [mapping.address_values(address, party, country, subdivision)])
        known.append((created, address))
        return mapping.key(created)

    async def _subdivision_id(self, address: Address, country: int) -> int | None:
        code = mapping.subdivision_code(address)
        if code is None:
            return None
        if ("country.subdivision", code) not in self._ids:
            rows = await self.client.search_read("country.subdivision", [("country", "=", country), ("code", "=", code)],
                                                 ["code", "type"], limit=1)
            # Tryton lets addresses of some countries name only some kinds of regions (provinces in Italy).
            allowed = await self.client.search_read("party.address.subdivision_type",
                                                    [("country_code", "=", code[:2])], ["types"], limit=1)
            kinds = (allowed[0].get("types") or []) if allowed else []
            if not rows or (kinds and rows[0].get("type") not in kinds):
                logger.warning("tryton: no country.subdivision %r an address may name: addresses there are kept "
                               "without their region (load subdivisions with `trytond_import_countries`)", code)
                self._ids[("country.subdivision", code)] = 0
            else:
                self._ids[("country.subdivision", code)] = rows[0]["id"]
        return self._ids[("country.subdivision", code)] or None

    async def create_sale(self, order: Order, customer_key: str, invoice_address: str,
                          delivery_address: str, terms: SaleTerms = SaleTerms()) -> ErpSale:
        """A quotation carrying ``order.erp_reference``; removed again if Tryton refuses to quote it,
        so that a sale found by reference is always a quotation or beyond.

        Its lines: the articles at the shop's unit prices (tax excluded), the shipping, the gift
        wrapping, the vouchers (one discount line each, or one for all: ``terms.vouchers_as``). The
        price list and payment term of ``terms`` are recorded on the sale; they change no price.
        """
        party = self._id(customer_key, "customer")
        self._memo.party, self._memo.addresses = None, {}
        price_list = await self._named("product.price_list", terms.price_list, "price list")
        payment_term = await self._named("account.invoice.payment_term", terms.payment_term, "payment term")
        lines, carrier = await self._sale_lines(order, party, terms)
        values = mapping.sale_values(
            order, party=party, invoice_address=self._id(invoice_address, "address"),
            shipment_address=self._id(delivery_address, "address"), currency=await self._currency_id(order.currency),
            warehouse=await self._sale_warehouse(), carrier=carrier, lines=lines, price_list=price_list,
            payment_term=payment_term)
        promotions = PROMOTIONS in await self._optional()
        try:
            [sale] = await self.client.create("sale.sale", [values])
        except TransientError as error:
            if not isinstance(error.__cause__, ANSWER_LOST):
                raise
            # The request reached Tryton, its answer did not come back: the sale may be made yet. Sending
            # it again now could make it twice (the lookup by reference may run before that create ends).
            raise DataError(
                f"Tryton did not answer in time ({self.config.timeout:g} s) while making the sale of this order "
                f"({len(order.lines)} lines): it may still make it, so it is not sent again. Once Tryton is done "
                "(raise the Tryton `timeout` for orders this large), `courroie blocked retry` finds it by its "
                "reference before making anything",
                details={"reference": order.erp_reference, "lines": len(order.lines), "error": str(error)}) from error
        try:
            await self.client.button("sale.sale", "quote", [sale])
        except DataError:
            await self._discard_draft(sale)
            raise
        row = await self._read_one("sale.sale", sale, [*ORDER_SALE_FIELDS,
                                                       *(PROMOTION_LINE_FIELDS if promotions else [])])
        if promotions:
            await self._shop_prices_kept(sale, row)
        self._memo.sale = {name: value for name, value in row.items() if name != "lines."}
        return mapping.erp_sale(row)

    async def _shop_prices_kept(self, sale: int, row: Row) -> None:
        """Tryton applies its promotions when it quotes (sale_promotion), changing the unit prices of the
        lines they match. The shop is master of its orders' prices (it applied the campaigns it knows
        of): a sale Tryton repriced is removed again, with the promotion named. ``row``: the sale read
        with :data:`PROMOTION_LINE_FIELDS`."""
        rows = sorted((line for line in mapping.related_list(row, "lines") if line.get("promotion") is not None),
                      key=lambda line: line["id"])
        changed = [row for row in rows if row.get("original_unit_price") not in (None, row.get("unit_price"))]
        if not changed:
            return
        await self.discard_sale(mapping.key(sale))
        names = sorted({mapping.related(row, "promotion").get("name") or "?" for row in changed})
        prices = ", ".join(f"{mapping.related(row, 'product').get('code')} {row['original_unit_price']} → "
                           f"{row['unit_price']}" for row in changed[:5])
        raise DataError(f"Tryton's promotion {', '.join(repr(n) for n in names)} changed the shop's prices ({prices}"
                        f"{', …' if len(changed) > 5 else ''}): the order's prices are the shop's. Publish the "
                        "promotion to the shop, or keep it off shop orders (give it a price list), then retry",
                        details={"promotions": names, "lines": len(changed)})

    async def confirm_sale(self, key: str) -> None:
        """Quote if still a draft, confirm, then process unless Tryton already did (it does right
        after confirming when it runs without a queue worker), so the shipment exists on return.

        A draft is left only when quoting was cut short (a timeout) and the hub found the sale again
        by its reference. Tryton refuses a button whose state does not allow it: the state is read first.
        """
        sale = self._id(key, "sale")
        known = self._memo.sale_row(sale)       # found or made by this import, a moment ago
        state = (known or await self._read_sale(sale))["state"]
        for button in NEXT_BUTTONS.get(state, ()):
            self._memo.sale = None
            await self.client.button("sale.sale", button, [sale])
            if button == "confirm":
                row = await self._read_one("sale.sale", sale, ORDER_SALE_FIELDS)
                self._memo.sale, state = row, row["state"]
        if state == "confirmed":
            self._memo.sale = None
            await self.client.button("sale.sale", "process", [sale])
        elif state not in mapping.CONFIRMED_STATES:
            raise DataError(f"Tryton sale {key} could not be confirmed: it is {state}",
                            details={"sale": key, "state": state})

    async def _sale_lines(self, order: Order, party: int, terms: SaleTerms) -> tuple[list[Row], int | None]:
        skus = [line.sku for line in order.lines]
        products = self._memo.product_ids(skus)          # known_skus asked Tryton for this order a moment ago
        if len(set(products)) < len(set(skus)):
            products = await self._product_ids(skus, strict=True)
        carrier, carrier_product = await self._carrier(order.carrier) if order.carrier else (None, None)
        shipping = carrier_product or (await self._configured_product(self.config.shipping_product)
                                       if order.shipping_tax_excl else None)
        if order.shipping_tax_excl and shipping is None:
            raise DataError(f"the order charges shipping: carrier {order.carrier!r} is not a Tryton carrier and "
                            "`shipping_product` is not set", details={"carrier": order.carrier})
        wrapping = (await self._configured_product(self.config.gift_wrapping_product)
                    if order.gift_wrapping_tax_excl else None)
        if order.gift_wrapping_tax_excl and wrapping is None:
            raise DataError("the order charges gift wrapping and `gift_wrapping_product` is not set",
                            details={"gift_wrapping_tax_excl": str(order.gift_wrapping_tax_excl)})
        discount_product = (await self._configured_product(self.config.discount_product)
                            if order.discounts_tax_excl else None)
        planned = mapping.planned_lines(order, products, shipping_product=shipping, gift_wrapping_product=wrapping)
        wanted = [line.product for line in planned] + ([discount_product] if order.discounts_tax_excl else [])
        changes = await self._line_defaults(wanted, party, await self._currency_id(order.currency))
        articles = [(line, mapping.taxes_from_change(changes[line.product])) for line in planned[:len(order.lines)]]
        planned += mapping.voucher_lines(order, articles, product=discount_product, vouchers_as=terms.vouchers_as)
        lines = [mapping.line_values(line, unit=changes[line.product].get("unit"),
                                     taxes=mapping.taxes_from_change(changes[line.product]))
                 for line in planned]
        return lines, carrier

    async def _line_defaults(self, products: Sequence[int | None], party: int,
                             currency: int) -> dict[int | None, dict[str, Any]]:
        """Taxes and unit Tryton gives each product on this customer's sale (its tax rules included),
        asked as Tryton's own client does: ``on_change`` of the line's product, once per product."""
        parent = {"_parent_sale.party": party, "_parent_sale.invoice_party": None,
                  "_parent_sale.currency": currency, "_parent_sale.company": self.client.context.get("company"),
                  "_parent_sale.sale_date": None}

        async def change(product: int | None) -> dict[str, Any]:
            values: Row = {"type": "line", "product": product, "quantity": 1.0, "unit": None, "taxes": [],
                      "unit_price": None, "sale": -1, **parent}
            return await self.client.execute("sale.line", "on_change", values, ["product"]) or {}

        distinct = list(dict.fromkeys(products))
        return dict(zip(distinct, await asyncio.gather(*(change(p) for p in distinct)), strict=True))

    async def _sale_warehouse(self) -> int | None:
        code = self.config.sale_warehouse
        return (await self._warehouses([code], strict=True))[code] if code else None

    async def _carrier(self, shop_name: str) -> tuple[int | None, int | None]:
        """The Tryton carrier of a shop's carrier name, and its product: ``(None, None)`` if none."""
        name = self.config.carriers.get(shop_name, shop_name).strip()
        if ("carrier", name) not in self._ids:
            rows = await self.client.search_read(
                "carrier", ["OR", ("party.name", "ilike", mapping.escape_like(name)),
                            ("carrier_product.code", "=", name)], ["carrier_product"], order=[("id", "ASC")])
            if not rows:
                return None, None
            self._ids[("carrier", name)] = rows[0]["id"]
            self._ids[("carrier product", name)] = rows[0]["carrier_product"]
        return self._ids[("carrier", name)], self._ids[("carrier product", name)]

    async def _configured_product(self, sku: str | None) -> int | None:
        return (await self._product_ids([sku], strict=True))[sku] if sku else None

    async def _product_ids(self, skus: Sequence[str], *, strict: bool) -> dict[str, int]:
        rows = await self.client.search_read_in("product.product", "code", skus, ["code"], domain=SELLABLE)
        found = {row["code"]: row["id"] for row in rows}
        unknown = sorted(set(skus) - set(found))
        if strict and unknown:
            raise DataError(f"unknown in Tryton (or not salable): {', '.join(unknown)}", details={"skus": unknown})
        return found

    async def _currency_id(self, code: str) -> int:
        return await self._lookup("currency.currency", code, hint="activate this currency in Tryton")

    async def _country_id(self, code: str) -> int:
        return await self._lookup("country.country", code.strip().upper(),
                                  hint="load countries with `trytond_import_countries`")

    async def _lookup(self, model: str, code: str, *, hint: str) -> int:
        if (model, code) not in self._ids:
            rows = await self.client.search_read(model, [("code", "=", code)], ["code"], limit=1)
            if not rows:
                raise DataError(f"no {model} with code {code!r} in Tryton ({hint})", details={model: code})
            self._ids[(model, code)] = rows[0]["id"]
        return self._ids[(model, code)]

    async def _read_sale(self, sale: int) -> Row:
        rows: list[Row] = await self.client.execute("sale.sale", "read", [sale], SALE_FIELDS)
        return rows[0]

    async def record_payments(self, key: str, payments: Sequence[Payment], terms: SaleTerms = SaleTerms()) -> None:
        """Each shop payment as an ``account.payment`` of the sale (module sale_payment): in the journal
        ``terms.payment_journals`` maps its method to (else the journal named like the method, else
        ``payment_journal``), the transaction id as its reference, the day it was paid, carried through
        Tryton's manual process to "succeeded". A payment recorded already — same transaction id, or
        without one, same journal, amount and day — is not added again, and one an interruption left
        half-way is carried on. A quotation its payments cover is confirmed by Tryton itself.

        Recording payments is opted into by configuring journals: without sale_payment, or without any
        journal mapped nor a default one (and none named after the method), payments are not recorded
        (logged); once some are configured, a method none fits is a DataError. Money given back is not
        a shop payment the hub records (refunds are reviewed by a person): a negative amount is a
        DataError.
        """
        wanted = [payment for payment in payments if payment.amount]
        if not wanted:
            return
        if SALE_PAYMENTS not in await self._optional():
            logger.info("tryton: module sale_payment is not activated: payments of sale %s not recorded", key)
            return
        refunds = [str(payment.amount) for payment in wanted if payment.amount < 0]
        if refunds:
            raise DataError(f"refunds ({', '.join(refunds)}) are recorded in Tryton by a person, not by the hub",
                            details={"sale": key, "refunds": refunds})
        sale = self._id(key, "sale")
        row = self._memo.sale_row(sale)         # found, made or confirmed by this import, a moment ago
        if row is None:
            [row] = await self.client.execute("sale.sale", "read", [sale], ["state", *SALE_PAYMENT_FIELDS])
        if row["state"] in ("draft", "cancelled"):
            raise DataError(f"Tryton sale {key} is {row['state']}: no payment can be recorded on it",
                            details={"sale": key, "state": row["state"]})
        journals: list[int | None] = []
        for payment in wanted:
            journal = await self._payment_journal(payment.method, terms)
            if journal is not None:
                await self._journal_takes(journal, row, payment.method)
            journals.append(journal)
        if all(journal is None for journal in journals):
            return
        self._memo.sale = None                  # payments may confirm it (a quotation they cover)
        recorded = await self.client.search_read("account.payment", [("origin", "=", f"sale.sale,{sale}")],
                                                 PAYMENT_FIELDS, order=[("id", "ASC")])
        timezone = await self._company_timezone()
        new: list[Row] = []
        halfway: dict[str, list[int]] = {state: [] for state in PAYMENT_STEPS}
        for payment, journal in zip(wanted, journals, strict=True):
            if journal is None:
                continue
            day = mapping.payment_day(payment, timezone)
            found = mapping.recorded_payment(recorded, payment, journal=journal, day=day)
            if found is None:
                new.append(mapping.payment_values(payment, sale=row, journal=journal, day=day))
                continue
            recorded.remove(found)          # two equal payments are two payments
            if found.get("state") in halfway:
                halfway[found["state"]].append(found["id"])
        created = await self.client.create("account.payment", new) if new else []
        await self._succeed_payments([*created, *halfway["draft"]], halfway["submitted"], halfway["processing"])

    async def _succeed_payments(self, drafts: Sequence[int], submitted: Sequence[int],
                                processing: Sequence[int]) -> None:
        """Tryton's manual process of received payments: submit, process (in a payment group), succeed."""
        if drafts:
            await self.client.button("account.payment", "submit", drafts)
        to_process = [*drafts, *submitted]
        if to_process:
            await self.client.wizard("account.payment.process", "account.payment", to_process)
        to_succeed = [*to_process, *processing]
        if to_succeed:
            await self.client.button("account.payment", "succeed", to_succeed)

    async def _journal_takes(self, journal: int, sale: Row, method: str) -> None:
        """Tryton takes a sale's payment only in a journal of the sale's currency (else a domain error
        naming no currency): say which, and what to map. Journals are read once (reference data)."""
        if journal not in self._journals:
            [self._journals[journal]] = await self.client.execute("account.payment.journal", "read", [journal],
                                                                  ["name", "currency.code"])
        found = self._journals[journal]
        wanted, offered = mapping.related(sale, "currency").get("code"), mapping.related(found, "currency").get("code")
        if wanted and offered and wanted != offered:
            raise DataError(f"payment journal {found['name']!r} is in {offered}, the sale in {wanted}: map the shop's "
                            f"payment method {method!r} to a Tryton payment journal in {wanted} (payment_journals)",
                            details={"journal": found["name"], "journal_currency": offered, "sale_currency": wanted})

    async def _payment_journal(self, method: str, terms: SaleTerms) -> int | None:
        """The journal of a shop payment method; None (logged) when payments are not configured at all
        (no journal mapped nor a default one) and no journal is named after the method."""
        mapped = terms.payment_journals.get(method)
        if mapped:
            journal = await self._named("account.payment.journal", mapped, "payment journal")
            assert journal is not None
            return journal
        for name in (method.strip(), self.config.payment_journal):
            if name and (journal := await self._named("account.payment.journal", name, "payment journal",
                                                      strict=False)) is not None:
                return journal
        if not terms.payment_journals and not self.config.payment_journal:
            logger.info("tryton: payment method %r has no journal (none is configured): payment not recorded", method)
            return None
        raise DataError(f"no Tryton payment journal for the shop's payment method {method!r}: map it in the "
                        "orders settings (payment_journals), or set `payment_journal` of the Tryton connection",
                        details={"method": method})

    async def cancel_sale(self, key: str) -> None:
        """Cancel the sale of an order the shop cancelled.

        A draft or quotation is cancelled. Tryton has no way back from a confirmed sale: its shipments
        and draft invoices are cancelled and the exceptions this raises are ignored (its "handle
        exception" wizards), after which Tryton closes it, "done" with nothing shipped nor invoiced —
        what :meth:`find_sale` and :meth:`read_sale_statuses` report as cancelled. Refused (DataError)
        once a shipment has left or an invoice is posted, and, by Tryton, for a quotation holding
        payments. Cancelling a cancelled sale does nothing.
        """
        sale = self._id(key, "sale")
        self._memo.sale = None
        row = await self._read_one("sale.sale", sale, CANCEL_FIELDS)
        if mapping.is_cancelled(row):
            return
        if row["state"] in ("draft", "quotation"):
            await self.client.button("sale.sale", "cancel", [sale])
            return
        if row["state"] == "confirmed":        # not processed yet (a queue): its documents come first
            await self.client.button("sale.sale", "process", [sale])
            row = await self._read_one("sale.sale", sale, CANCEL_FIELDS)
        mapping.check_cancellable(row)
        shipments = [s["id"] for s in mapping.related_list(row, "shipments") if s.get("state") != "cancelled"]
        invoices = [i["id"] for i in mapping.related_list(row, "invoices") if i.get("state") != "cancelled"]
        if shipments:
            await self.client.button("stock.shipment.out", "cancel", shipments)
        if invoices:
            await self.client.button("account.invoice", "cancel", invoices)
        states = await self._read_one("sale.sale", sale, ["shipment_state", "invoice_state"])
        if states.get("shipment_state") == "exception":
            await self.client.wizard("sale.handle.shipment.exception", "sale.sale", [sale], then="handle",
                                     fill=lambda form: {"domain_moves": form.get("domain_moves", []),
                                                        "ignore_moves": form.get("domain_moves", []),
                                                        "recreate_moves": []})
        if states.get("invoice_state") == "exception":
            await self.client.wizard("sale.handle.invoice.exception", "sale.sale", [sale], then="handle",
                                     fill=lambda form: {"domain_invoices": form.get("domain_invoices", []),
                                                        "ignore_invoices": form.get("domain_invoices", []),
                                                        "recreate_invoices": []})
        row = await self._read_one("sale.sale", sale, CANCEL_FIELDS)
        if not mapping.is_cancelled(row):
            raise DataError(f"Tryton left sale {key} {row['state']} after its shipments and invoices were cancelled",
                            details={"sale": key, "state": row["state"]})

    async def _read_one(self, model: str, record: int, fields: Sequence[str]) -> Row:
        rows: list[Row] = await self.client.execute(model, "read", [record], list(fields))
        if not rows:
            raise DataError(f"Tryton has no {model} {record}", details={model: record})
        return rows[0]

    async def discard_sale(self, key: str) -> None:
        sale = self._id(key, "sale")
        self._memo.sale = None
        state = (await self._read_sale(sale))["state"]
        if state not in ("draft", "quotation"):
            raise DataError(f"sale {key} is {state}: only a draft or a quotation can be discarded")
        if state == "quotation":
            await self.client.button("sale.sale", "draft", [sale])
        await self.client.execute("sale.sale", "delete", [sale])

    async def _discard_draft(self, sale: int) -> None:
        self._memo.sale = None
        try:
            await self.client.execute("sale.sale", "delete", [sale])
        except CourroieError:
            logger.warning("tryton: could not remove draft sale %s after a failed quote", sale, exc_info=True)

    @staticmethod
    def _id(key: str, what: str) -> int:
        try:
            return mapping.record_id(key)
        except ValueError as error:
            raise DataError(f"{what} key {key!r} is not a Tryton id") from error

    # --- fulfilment -----------------------------------------------------------------------------------

    async def read_sale_statuses(self, keys: Sequence[str]) -> list[SaleStatus]:
        """Of each sale past its quotation: accepted, partially shipped, shipped or cancelled (Tryton
        never knows "delivered"), its shipments gone, its posted invoices and delivery notes (numbers;
        an invoice file only where Tryton caches its report as PDF, see
        :func:`mapping.invoice_documents`). One read for all the sales, shipments and invoices included."""
        ids = [self._id(key, "sale") for key in keys]
        rows = await self.client.search_read_in("sale.sale", "id", ids, STATUS_FIELDS)
        statuses = (mapping.sale_status(row) for row in sorted(rows, key=lambda r: r["id"]))
        return [status for status in statuses if status is not None]


# How long what one order's import read may serve its next steps (a safety net: the memo is started
# afresh by each order's first lookup anyway).
MEMO_SECONDS = 60.0


@dataclass
class _OrderMemo:
    """What the import of one order has just read or written in Tryton, for the next steps of the same
    import, which would otherwise read it again: the sale (found or made, then confirmed), the party
    found by e-mail, the party's addresses, the order's products. Never kept from one order to the
    next: :meth:`TrytonErp.find_sale` (each order's first step) starts it afresh, and whatever
    changes a sale otherwise forgets it; entries are keyed by record, and older than
    :data:`MEMO_SECONDS` they are not used."""

    started: float = field(default_factory=time.monotonic)
    sale: Row | None = None                                   # read with ORDER_SALE_FIELDS
    party: Row | None = None                                  # read with mapping.PARTY_FIELDS (and "id")
    addresses: dict[int, list[tuple[int, Address]]] = field(default_factory=dict)   # party → (id, address)
    products: dict[str, int] = field(default_factory=dict)    # SKU → salable product.product id

    def fresh(self) -> bool:
        return time.monotonic() - self.started < MEMO_SECONDS

    def sale_row(self, sale: int) -> Row | None:
        return self.sale if self.fresh() and self.sale is not None and self.sale["id"] == sale else None

    def party_row(self, party: int) -> Row | None:
        return self.party if self.fresh() and self.party is not None and self.party["id"] == party else None

    def addresses_of(self, party: int) -> list[tuple[int, Address]] | None:
        return self.addresses.get(party) if self.fresh() else None

    def product_ids(self, skus: Sequence[str]) -> dict[str, int]:
        return {sku: self.products[sku] for sku in skus if sku in self.products} if self.fresh() else {}


@dataclass(frozen=True)
class _Texts:
    """Translated names (of templates) and descriptions (of variants): {language: {id: row}}."""

    names: dict[str, dict[int, Row]]
    descriptions: dict[str, dict[int, Row]]


@dataclass(frozen=True)
class _Products:
    """The articles price rules are read for."""

    bases: dict[int, Decimal]            # product id → list price (the base the rules differ from)
    codes: dict[int, str]
    domain: list[Any]
    converted: frozenset[int]            # sold in another unit than their default one


@dataclass(frozen=True)
class _TaxGroup:
    category: int | None                 # account_category of the products; None: without one
    taxes: tuple[int, ...]


async def _nothing(value: Any) -> Any:
    return value


def _utc(stamp: dt.datetime) -> dt.datetime:
    """Tryton's datetimes are UTC (the client decodes them aware; a naive one is UTC too)."""
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        logger.warning("tryton: unknown company timezone %r, days taken in UTC", name)
        return ZoneInfo("UTC")


def _plain(price_list: Row) -> bool:
    """``unit_price`` is the list price, and prices exclude taxes (see :func:`pricing.list_lines`)."""
    return price_list.get("price") == "list_price" and not price_list.get("tax_included")


def _named_checks(what: str, names: Sequence[str], known: set[str], *, missing: str,
                  setting: str) -> list[CheckResult]:
    return [CheckResult(f"{what} {name!r}", name in known, "found" if name in known else missing,
                        fix="" if name in known else f"fix `{setting}`") for name in names]


def _version_result(version: str, url: str) -> CheckResult:
    try:
        major = int(version.split(".")[0])
    except ValueError:
        major = 0
    ok = major >= SUPPORTED_MAJOR
    return CheckResult("Tryton server reachable", ok, f"Tryton {version} at {url}",
                       fix="" if ok else f"the hub needs Tryton {SUPPORTED_MAJOR}.0 or later")
