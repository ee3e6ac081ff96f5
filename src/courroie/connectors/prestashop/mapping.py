"""Pure translations between the canonical model and PrestaShop documents. No I/O.

Reading is defensive because the JSON output is loose (reference/README.md): ids are numbers, prices
strings, a flag is ``1`` in one row and ``"1"`` in the next; a single record omits fields that are 0
or empty; multilingual fields are ``[{"id", "value"}]`` lists, or a plain string on a one-language
shop. Every reader below takes any of those shapes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from pydantic import ValidationError

from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.model import Address, Category, Customer, IncomingOrder, Order, OrderLine, Payment, Product, Variant
from courroie.model.base import text

Row = Mapping[str, Any]        # one record of a webservice answer, JSON-decoded (or XML, read alike)

MICRO = Decimal("0.000001")
NO_DATE = "0000-00-00"
SLUG_MAX = 128               # link_rewrite maxSize in ?schema=synopsis


# --- reading loose values -------------------------------------------------------------------


def as_text(value: object) -> str:
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value).strip()


def as_int(value: object, default: int = 0) -> int:
    try:
        return int(Decimal(as_text(value))) if as_text(value) else default
    except InvalidOperation:
        return default


def as_decimal(value: object, name: str = "value") -> Decimal:
    """A number written as number or string; missing means 0 (single JSON records drop zeros)."""
    raw = as_text(value)
    if not raw:
        return Decimal(0)
    try:
        number = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"bad number in {name}: {raw!r}") from None
    if not number.is_finite():
        raise ValueError(f"bad number in {name}: {raw!r}")
    return number


def all_texts(value: object) -> list[str]:
    """Every language's text of a multilingual field, whatever its shape."""
    if isinstance(value, list):
        return [as_text(item.get("value")) for item in value if isinstance(item, dict)]
    return [as_text(value)] if as_text(value) else []


def id_list(value: object) -> list[str]:
    """Ids of an association (``[{"id": 26}, ...]``)."""
    if not isinstance(value, list):
        return []
    return [as_text(item.get("id")) for item in value if isinstance(item, dict) and as_text(item.get("id"))]


def exact_filter(value: str) -> str:
    """A filter value for ``value``. Inside brackets ``|`` and ``,`` mean "or" and "between", and
    nothing escapes them: such values are looked up by their safe prefix (``[pre]%``), and the caller
    keeps only exact matches."""
    prefix = re.split(r"[\[\]|,]", value, maxsplit=1)[0]
    return f"[{value}]" if prefix == value else f"[{prefix}]%"


def association(record: Row, name: str) -> list[str]:
    associations = record.get("associations")
    return id_list(associations.get(name)) if isinstance(associations, dict) else []


# --- writing documents ----------------------------------------------------------------------


def price_text(value: Decimal) -> str:
    return f"{value.quantize(MICRO):f}"


def number_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def slugify(value: str) -> str:
    """A link_rewrite: ASCII letters, digits and dashes (PrestaShop's own rule is looser)."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> str:
    """Text XML can carry: control characters (pasted from office tools) are dropped."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def _field(tag: str, value: object) -> etree._Element:
    element = etree.Element(tag)
    element.text = _xml_text(value)
    return element


def _record(tag: str, fields: Iterable[etree._Element]) -> etree._Element:
    element = etree.Element(tag)
    element.extend(fields)
    return element


def _languages(tag: str, texts: Mapping[int, str]) -> etree._Element:
    element = etree.Element(tag)
    for language_id, value in texts.items():
        language = etree.SubElement(element, "language", id=str(language_id))
        language.text = _xml_text(value)
    return element


def _associations(name: str, item: str, ids: Iterable[object]) -> etree._Element:
    associations = etree.Element("associations")
    group = etree.SubElement(associations, name)
    for value in ids:
        etree.SubElement(etree.SubElement(group, item), "id").text = str(value)
    return associations


def localized(translations: Mapping[str, str], config: PrestaShopConfig) -> dict[int, str]:
    """One text per configured shop language, the fallback language filling the gaps."""
    return {language_id: text(dict(translations), code, config.fallback_language) or ""
            for code, language_id in config.languages.items()}


def slugs(names: Mapping[int, str], fallback: str) -> dict[int, str]:
    return {language_id: slugify(name) or slugify(fallback) or "item" for language_id, name in names.items()}


def required_names(translations: Mapping[str, str], config: PrestaShopConfig, what: str) -> dict[int, str]:
    names = localized(translations, config)
    if not any(names.values()):
        raise ValueError(f"{what} has no name in {', '.join(config.languages)}")
    return names


def category_element(category: Category, parent_id: str, config: PrestaShopConfig,
                     category_id: str | None = None) -> etree._Element:
    names = required_names(category.name, config, f"category {category.key}")
    fallback = names[config.languages[config.fallback_language]] or next(n for n in names.values() if n)
    # A new category is active; on update ``active`` is left to the merchant.
    fields = [_field("id", category_id)] if category_id else []
    fields.append(_field("id_parent", parent_id))
    if category_id is None:
        fields.append(_field("active", 1))
    fields += [_languages("name", names), _languages("link_rewrite", slugs(names, fallback))]
    return _record("category", fields)


def tax_rules_group(product: Product, config: PrestaShopConfig) -> int | None:
    if product.tax_group is None:
        return config.default_tax_rules_group
    if product.tax_group not in config.tax_rules_groups:
        raise ValueError(f"tax group {product.tax_group!r} of {product.sku} has no id_tax_rules_group in "
                         "the shop's tax_rules_groups mapping")
    return config.tax_rules_groups[product.tax_group]


def _simple_variant(product: Product) -> Variant | None:
    return product.variants[0] if product.variants and not product.has_combinations else None


def product_element(product: Product, category_ids: Sequence[str], config: PrestaShopConfig,
                    product_id: str | None = None) -> etree._Element:
    """A product to POST (``product_id`` None) or to PATCH: only the fields the hub owns.

    On update, fields the ERP leaves empty (descriptions) and an empty category list are left out so
    that what the merchant wrote in the shop stays."""
    names = required_names(product.name, config, f"product {product.sku}")
    fallback = names[config.languages[config.fallback_language]] or next(n for n in names.values() if n)
    single = _simple_variant(product)
    ean13 = product.ean13 or (single.ean13 if single else None)
    weight = product.weight if product.weight is not None else (single.weight if single else None)
    creating = product_id is None
    categories = list(category_ids) or ([str(config.home_category_id)] if creating else [])
    tax_group = tax_rules_group(product, config)

    fields = [] if creating else [_field("id", product_id)]
    if categories:
        fields.append(_field("id_category_default", categories[0]))
    if tax_group is not None:
        fields.append(_field("id_tax_rules_group", tax_group))
    fields += [_field("reference", product.sku), _field("ean13", ean13 or ""),
               _field("price", price_text(product.price.amount)), _field("active", int(product.active))]
    if creating:
        fields += [_field("state", 1), _field("available_for_order", 1), _field("show_price", 1),
                   _field("minimal_quantity", 1), _field("visibility", "both")]
    if weight is not None:
        fields.append(_field("weight", number_text(weight)))
    fields += [_languages("name", names), _languages("link_rewrite", slugs(names, fallback))]
    if product.description or creating:
        fields.append(_languages("description", localized(product.description, config)))
    if product.short_description or creating:
        fields.append(_languages("description_short", localized(product.short_description, config)))
    if categories:
        fields.append(_associations("categories", "category", categories))
    return _record("product", fields)


def deactivation_element(product_id: str) -> etree._Element:
    return _record("product", [_field("id", product_id), _field("active", 0)])


def option_group_element(name: str, config: PrestaShopConfig) -> etree._Element:
    names = {language_id: name for language_id in config.languages.values()}
    return _record("product_option", [_field("is_color_group", 0), _field("group_type", "select"),
                                      _languages("name", names), _languages("public_name", names)])


def option_value_element(group_id: str, name: str, config: PrestaShopConfig) -> etree._Element:
    names = {language_id: name for language_id in config.languages.values()}
    return _record("product_option_value", [_field("id_attribute_group", group_id), _languages("name", names)])


@dataclass(frozen=True)
class CombinationSpec:
    """What a combination should hold. Price and weight are impacts on the product's own values."""

    reference: str
    ean13: str
    price_impact: Decimal
    weight_impact: Decimal | None
    option_value_ids: tuple[str, ...]

    def element(self, product_id: str, combination_id: str | None = None, default: bool = False) -> etree._Element:
        fields = [_field("id", combination_id)] if combination_id else []
        fields += [_field("id_product", product_id), _field("reference", self.reference),
                   _field("ean13", self.ean13), _field("price", price_text(self.price_impact))]
        if self.weight_impact is not None:
            fields.append(_field("weight", number_text(self.weight_impact)))
        if combination_id is None:
            fields += [_field("minimal_quantity", 1), _field("default_on", 1 if default else "")]
        fields.append(_associations("product_option_values", "product_option_value", self.option_value_ids))
        return _record("combination", fields)

    def matches(self, row: Row) -> bool:
        """Whether the shop's combination row already holds this (skips a useless write)."""
        try:
            same_numbers = (as_decimal(row.get("price")) == self.price_impact
                            and (self.weight_impact is None or as_decimal(row.get("weight")) == self.weight_impact))
        except ValueError:
            return False
        return (same_numbers and as_text(row.get("reference")) == self.reference
                and as_text(row.get("ean13")) == self.ean13
                and sorted(association(row, "product_option_values")) == sorted(self.option_value_ids))


def combination_spec(product: Product, variant: Variant, option_value_ids: Sequence[str]) -> CombinationSpec:
    price_impact = (variant.price.amount - product.price.amount) if variant.price else Decimal(0)
    weight_impact = (variant.weight - (product.weight or Decimal(0))) if variant.weight is not None else None
    return CombinationSpec(variant.sku, variant.ean13 or "", price_impact.quantize(MICRO),
                           weight_impact, tuple(option_value_ids))


# --- stock ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    """One ``stock_available`` row, complete: a PUT must carry every field (04-writes/019)."""

    id: str
    product_id: str
    variant_id: str
    shop_id: str
    shop_group_id: str
    quantity: int
    depends_on_stock: str = "0"
    out_of_stock: str = "2"
    location: str = ""

    @classmethod
    def from_record(cls, row: Row) -> StockRow:
        return cls(id=as_text(row.get("id")), product_id=as_text(row.get("id_product")),
                   variant_id=as_text(row.get("id_product_attribute")) or "0",
                   shop_id=as_text(row.get("id_shop")) or "0", shop_group_id=as_text(row.get("id_shop_group")) or "0",
                   quantity=as_int(row.get("quantity")), depends_on_stock=as_text(row.get("depends_on_stock")) or "0",
                   out_of_stock=as_text(row.get("out_of_stock")) or "2", location=as_text(row.get("location")))

    @property
    def key(self) -> tuple[str, str]:
        return self.product_id, self.variant_id

    def element(self, quantity: int) -> etree._Element:
        return _record("stock_available", [
            _field("id", self.id), _field("id_product", self.product_id),
            _field("id_product_attribute", self.variant_id), _field("id_shop", self.shop_id),
            _field("id_shop_group", self.shop_group_id), _field("quantity", quantity),
            _field("depends_on_stock", self.depends_on_stock), _field("out_of_stock", self.out_of_stock),
            _field("location", self.location)])


def belongs_to_shop(row: StockRow, shop_id: int | None, shop_group_id: int | None) -> bool:
    """Rows of the configured shop: its own, or its group's when the group shares stock (id_shop 0).

    The webservice ignores ``id_shop`` on stock_availables (07-multistore/024), so we filter here."""
    if shop_id is None and shop_group_id is None:
        return True
    if shop_id is not None and row.shop_id == str(shop_id):
        return True
    return row.shop_id == "0" and shop_group_id is not None and row.shop_group_id == str(shop_group_id)


# --- orders and fulfilment ------------------------------------------------------------------


def order_history_element(order_id: str, state_id: int) -> etree._Element:
    return _record("order_history", [_field("id_order", order_id), _field("id_order_state", state_id)])


ORDER_CARRIER_FIELDS = ("id", "id_order", "id_carrier", "id_order_invoice", "weight", "shipping_cost_tax_excl",
                        "shipping_cost_tax_incl", "tracking_number", "date_add")


def order_carrier_element(row: Row, tracking_number: str) -> etree._Element:
    """The whole order_carrier row with its tracking number: PUT replaces (04-writes/064)."""
    values = {name: as_text(row.get(name)) for name in ORDER_CARRIER_FIELDS} | {"tracking_number": tracking_number}
    for name in ("id_order_invoice", "weight", "shipping_cost_tax_excl", "shipping_cost_tax_incl"):
        values[name] = values[name] or "0"     # single JSON records drop zero fields
    return _record("order_carrier", [_field(name, values[name]) for name in ORDER_CARRIER_FIELDS])


def shop_time_filter(since: datetime, zone: ZoneInfo) -> str:
    """``>[local time]`` for ``filter[date_upd]``, taking every row updated at or after ``since``.

    PrestaShop compares local wall-clock strings. When clocks fall back just after ``since``, rows of
    the repeated hour show an earlier wall time than ``since`` itself; using the smaller of the offsets
    in force at ``since`` and a day later keeps them in. Reading a little more is harmless: flows
    de-duplicate by order id. One second is taken off because ``>`` is strict."""
    if since.tzinfo is None:
        raise ValueError("updated_since must carry a time zone")
    instant = since.astimezone(UTC)
    offset = min(_offset(instant, zone), _offset(instant + timedelta(days=1), zone))
    wall = (instant + offset).replace(tzinfo=None, microsecond=0) - timedelta(seconds=1)
    return f">[{wall:%Y-%m-%d %H:%M:%S}]"


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def parse_shop_datetime(value: object, zone: ZoneInfo) -> datetime | None:
    """A shop-local ``YYYY-MM-DD HH:MM:SS`` as an aware UTC datetime; ``0000-00-00…`` and blanks are None.

    In the hour repeated when clocks fall back, the earlier instant is chosen (fold=0): a watermark
    built from it can only re-read, never skip. UTC, because Python never finds a local time of that
    hour equal to any instant of another zone."""
    raw = as_text(value)
    if not raw or raw.startswith(NO_DATE):
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).astimezone(UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class OrderDocuments:
    """An order and the records it points to, as the webservice gave them."""

    order: Row
    customer: Row | None = None
    invoice_address: Row | None = None
    delivery_address: Row | None = None
    details: tuple[Row, ...] = ()
    payments: tuple[Row, ...] = ()
    carrier: Row | None = None

    def raw(self) -> str:
        """The documents as JSON, minus secrets that have no business in the hub's inbox."""
        return json.dumps(_without_secrets(asdict(self)), ensure_ascii=False, default=str)


SECRET_FIELDS = frozenset({"secure_key", "passwd", "reset_password_token", "card_number", "card_expiration"})


def _without_secrets(value: object) -> object:
    if isinstance(value, dict):
        return {name: _without_secrets(item) for name, item in value.items() if name not in SECRET_FIELDS}
    if isinstance(value, (list, tuple)):
        return [_without_secrets(item) for item in value]
    return value


@dataclass(frozen=True)
class Lookups:
    """Small reference tables, read once: id → ISO code."""

    countries: Mapping[str, str] = field(default_factory=dict)
    currencies: Mapping[str, str] = field(default_factory=dict)


class OrderProblem(ValueError):
    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def incoming_order(documents: OrderDocuments, lookups: Lookups, shop: str, zone: ZoneInfo) -> IncomingOrder:
    """The order as read, parsed when it can be, with the reason when it cannot. Never raises."""
    order_id = as_text(documents.order.get("id")) or "?"
    updated_at = parse_shop_datetime(documents.order.get("date_upd"), zone)
    try:
        parsed = order_from_documents(documents, lookups, shop, zone)
    except OrderProblem as problem:
        return IncomingOrder(external_id=order_id, updated_at=updated_at, raw=documents.raw(),
                             error=problem.reason, details=problem.details)
    except (ValueError, ValidationError) as exc:       # bad numbers, model constraints
        return IncomingOrder(external_id=order_id, updated_at=updated_at, raw=documents.raw(),
                             error=str(exc).splitlines()[0], details={"exception": str(exc)})
    return IncomingOrder(external_id=order_id, updated_at=updated_at, raw=documents.raw(), order=parsed)


def order_from_documents(documents: OrderDocuments, lookups: Lookups, shop: str, zone: ZoneInfo) -> Order:
    order = documents.order
    reference = as_text(order.get("reference"))
    if not reference:
        raise OrderProblem("order has no reference")
    placed_at = parse_shop_datetime(order.get("date_add"), zone)
    if placed_at is None:
        raise OrderProblem("order has no valid date_add", date_add=as_text(order.get("date_add")))
    currency = lookups.currencies.get(as_text(order.get("id_currency")))
    if not currency:
        raise OrderProblem("unknown currency", id_currency=as_text(order.get("id_currency")))

    def money(name: str) -> Decimal:
        return as_decimal(order.get(name), name)

    carrier = as_text(documents.carrier.get("name")) if documents.carrier else ""
    return Order(
        shop=shop, external_id=as_text(order.get("id")), reference=reference, placed_at=placed_at,
        currency=currency, customer=_customer(documents.customer, documents.invoice_address, order),
        invoice_address=_address(documents.invoice_address, "invoice", order.get("id_address_invoice"), lookups),
        delivery_address=_address(documents.delivery_address, "delivery", order.get("id_address_delivery"), lookups),
        lines=_lines(order, documents.details),
        shipping_tax_excl=money("total_shipping_tax_excl"), shipping_tax_incl=money("total_shipping_tax_incl"),
        discounts_tax_excl=money("total_discounts_tax_excl"), discounts_tax_incl=money("total_discounts_tax_incl"),
        total_tax_excl=money("total_paid_tax_excl"), total_tax_incl=money("total_paid_tax_incl"),
        carrier=carrier or None, payments=tuple(_payment(row) for row in documents.payments),
        state=as_text(order.get("current_state")) or None,
    )


def _customer(customer: Row | None, invoice_address: Row | None, order: Row) -> Customer:
    """The customer; company and VAT number usually live on the invoice address (the customer's own
    company field only exists in B2B mode)."""
    if not customer:
        raise OrderProblem("customer not found", id_customer=as_text(order.get("id_customer")))
    email = as_text(customer.get("email"))
    if "@" not in email:
        raise OrderProblem("customer has no e-mail address", id_customer=as_text(customer.get("id")), email=email)
    address = invoice_address or {}
    return Customer(email=email, first_name=as_text(customer.get("firstname")),
                    last_name=as_text(customer.get("lastname")),
                    company=as_text(customer.get("company")) or as_text(address.get("company")) or None,
                    vat_number=as_text(address.get("vat_number")) or None)


def _address(address: Row | None, role: str, address_id: object, lookups: Lookups) -> Address:
    if not address:
        raise OrderProblem(f"{role} address not found", id_address=as_text(address_id))
    country = lookups.countries.get(as_text(address.get("id_country")))
    if not country:
        raise OrderProblem(f"unknown country in {role} address", id_address=as_text(address_id),
                           id_country=as_text(address.get("id_country")))
    return Address(
        first_name=as_text(address.get("firstname")), last_name=as_text(address.get("lastname")),
        company=as_text(address.get("company")) or None, street=as_text(address.get("address1")),
        street2=as_text(address.get("address2")) or None, postcode=as_text(address.get("postcode")),
        city=as_text(address.get("city")), country_code=country,
        phone=as_text(address.get("phone")) or as_text(address.get("phone_mobile")) or None,
        vat_number=as_text(address.get("vat_number")) or None,
    )


def _lines(order: Row, details: Sequence[Row]) -> tuple[OrderLine, ...]:
    """Lines from the order's own rows; line totals from order_details (same ids), which hold them as
    PrestaShop rounded them, else unit price times quantity."""
    associations = order.get("associations")
    rows = associations.get("order_rows") if isinstance(associations, dict) else None
    if not isinstance(rows, list) or not rows:
        raise OrderProblem("order has no lines")
    totals = {as_text(detail.get("id")): detail for detail in details}
    lines = []
    for row in rows:
        sku = as_text(row.get("product_reference"))
        if not sku:
            raise OrderProblem("order line without product reference (SKU)", order_row=as_text(row.get("id")),
                               product_name=as_text(row.get("product_name")))
        quantity = as_decimal(row.get("product_quantity"), "product_quantity")
        unit_excl = as_decimal(row.get("unit_price_tax_excl"), "unit_price_tax_excl")
        unit_incl = as_decimal(row.get("unit_price_tax_incl"), "unit_price_tax_incl")
        detail = totals.get(as_text(row.get("id")))
        lines.append(OrderLine(
            sku=sku, name=as_text(row.get("product_name")), quantity=quantity,
            unit_price_tax_excl=unit_excl, unit_price_tax_incl=unit_incl,
            total_tax_excl=as_decimal(detail.get("total_price_tax_excl"), "total_price_tax_excl") if detail
            else unit_excl * quantity,
            total_tax_incl=as_decimal(detail.get("total_price_tax_incl"), "total_price_tax_incl") if detail
            else unit_incl * quantity,
        ))
    return tuple(lines)


def _payment(row: Row) -> Payment:
    return Payment(method=as_text(row.get("payment_method")) or "?", amount=as_decimal(row.get("amount"), "amount"),
                   transaction_id=as_text(row.get("transaction_id")) or None)
