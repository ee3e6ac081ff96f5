"""Pure translations between the canonical model and PrestaShop documents. No I/O.

Reading is defensive because the JSON output is loose (reference/README.md): ids are numbers, prices
strings, a flag is ``1`` in one row and ``"1"`` in the next; a single record omits fields that are 0
or empty; multilingual fields are ``[{"id", "value"}]`` lists, or a plain string on a one-language
shop. Every reader below takes any of those shapes.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from lxml import etree
from pydantic import ValidationError

from courroie.connectors.prestashop import validation
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.protocols import PackItem
from courroie.errors import DataError
from courroie.model import (
    Address, Category, Customer, IncomingOrder, Order, OrderLine, Payment, Product, Variant, Voucher,
)
from courroie.model.base import text

Row = Mapping[str, Any]        # one record of a webservice answer, JSON-decoded (or XML, read alike)
P = ParamSpec("P")
T = TypeVar("T")

MICRO = Decimal("0.000001")
NO_DATE = "0000-00-00"
SLUG_MAX = 128               # link_rewrite maxSize in ?schema=synopsis


def mapped(build: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """A mapping step; its ``ValueError`` means this record cannot go through as it is (a DataError)."""
    try:
        return build(*args, **kwargs)
    except ValueError as exc:
        raise DataError(str(exc)) from exc


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


def texts_by_language(value: object, config: PrestaShopConfig) -> dict[str, str]:
    """A multilingual field as ``{language code: text}`` for the configured languages."""
    if not isinstance(value, list):
        return {code: as_text(value) for code in config.languages}
    by_id = {as_int(item.get("id")): as_text(item.get("value")) for item in value if isinstance(item, dict)}
    return {code: by_id.get(language_id, "") for code, language_id in config.languages.items()}


def held_fields(row: Row, config: PrestaShopConfig) -> dict[str, Any]:
    """A product as the shop holds it, in the hub's field names (the fields that read back as written)."""
    return {
        "name": texts_by_language(row.get("name"), config),
        "description": texts_by_language(row.get("description"), config),
        "short_description": texts_by_language(row.get("description_short"), config),
        "price": number_text(as_decimal(row.get("price"))),
        "ean13": as_text(row.get("ean13")) or None,
        "weight": number_text(as_decimal(row.get("weight"))),
        "dimensions": [number_text(as_decimal(row.get(name))) for name in ("width", "height", "depth")],
        "active": as_text(row.get("active")) == "1",
        "categories": association(row, "categories"),
    }


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


def xml_field(tag: str, value: object) -> etree._Element:
    element = etree.Element(tag)
    element.text = _xml_text(value)
    return element


def xml_record(tag: str, fields: Iterable[etree._Element]) -> etree._Element:
    element = etree.Element(tag)
    element.extend(fields)
    return element


def xml_languages(tag: str, texts: Mapping[int, str]) -> etree._Element:
    element = etree.Element(tag)
    for language_id, value in texts.items():
        language = etree.SubElement(element, "language", id=str(language_id))
        language.text = _xml_text(value)
    return element


def xml_group(name: str, item: str, rows: Iterable[Mapping[str, object]]) -> etree._Element:
    """One association group (``<product_features><product_feature><id>…``) of any sub-fields."""
    group = etree.Element(name)
    for row in rows:
        entry = etree.SubElement(group, item)
        for tag, value in row.items():
            etree.SubElement(entry, tag).text = _xml_text(value)
    return group


def _associations(name: str, item: str, ids: Iterable[object]) -> etree._Element:
    associations = etree.Element("associations")
    associations.append(xml_group(name, item, ({"id": value} for value in ids)))
    return associations


# --- texts per language ---------------------------------------------------------------------


def translated(translations: Mapping[str, str], config: PrestaShopConfig, what: str,
               rule: validation.Rule | None = None) -> dict[int, str]:
    """One text per shop language, the fallback language filling the gaps. A language with neither
    its own text nor the fallback's is an error (unless the ERP has no text at all: all empty)."""
    if not any(translations.values()):
        return {language_id: "" for language_id in config.languages.values()}
    fallback = config.fallback_language
    texts = {}
    for code, language_id in config.languages.items():
        value = text(dict(translations), code, fallback)
        if value is None:
            raise ValueError(f"{what} has no {code} text and no {fallback} text to fall back on")
        texts[language_id] = validation.check(value, rule, f"{what} ({code})") if rule else value
    return texts


def localized(translations: Mapping[str, str], config: PrestaShopConfig) -> dict[int, str]:
    """One text per configured shop language, the fallback language filling the gaps, "" where
    neither exists (for names the hub makes up itself, such as attribute values)."""
    return {language_id: text(dict(translations), code, config.fallback_language) or ""
            for code, language_id in config.languages.items()}


def slugs(names: Mapping[int, str], fallback: str) -> dict[int, str]:
    return {language_id: slugify(name) or slugify(fallback) or "item" for language_id, name in names.items()}


def required_names(translations: Mapping[str, str], config: PrestaShopConfig, what: str,
                   rule: validation.Rule = validation.PRODUCT_NAME) -> dict[int, str]:
    if not any(translations.get(code) for code in config.languages):
        raise ValueError(f"{what} has no name in {', '.join(config.languages)}")
    return translated(translations, config, f"{what} name", rule)


def _fallback_name(names: Mapping[int, str], config: PrestaShopConfig) -> str:
    return names[config.languages[config.fallback_language]] or next(n for n in names.values() if n)


# --- categories -----------------------------------------------------------------------------


def customer_group_ids(names: Iterable[str], config: PrestaShopConfig, what: str) -> list[int]:
    """PrestaShop id_group of ERP price lists / customer groups, through ``customer_groups``."""
    unknown = sorted({name for name in names if name not in config.customer_groups})
    if unknown:
        raise ValueError(f"{what}: customer group(s) {', '.join(map(repr, unknown))} have no id_group in "
                         "the shop's customer_groups mapping")
    return sorted({config.customer_groups[name] for name in names})


def category_element(category: Category, parent_id: str, config: PrestaShopConfig,
                     category_id: str | None = None) -> etree._Element:
    """A category to POST or PATCH. Its customer groups are checked but cannot be written: 8.1.2's
    webservice hides ``groupBox`` and has no ``groups`` association on categories (sending one is a
    400 code 86 *after* the category is saved). A new category restricted to groups is therefore
    created inactive, so that nothing meant for some customers shows to all before the merchant has
    ticked its groups in the back office; afterwards ``active`` and groups are the merchant's."""
    names = required_names(category.name, config, f"category {category.key}", validation.CATEGORY_NAME)
    customer_group_ids(category.groups, config, f"category {category.key}")
    fields = [xml_field("id", category_id)] if category_id else []
    fields.append(xml_field("id_parent", parent_id))
    if category_id is None:
        fields.append(xml_field("active", 0 if category.groups else 1))
    fields += [xml_languages("name", names), xml_languages("link_rewrite", slugs(names, _fallback_name(names, config)))]
    return xml_record("category", fields)


# --- products -------------------------------------------------------------------------------


def tax_rules_group(product: Product, config: PrestaShopConfig) -> int | None:
    if product.tax_group is None:
        return config.default_tax_rules_group
    if product.tax_group not in config.tax_rules_groups:
        raise ValueError(f"tax group {product.tax_group!r} of {product.sku} has no id_tax_rules_group in "
                         "the shop's tax_rules_groups mapping")
    return config.tax_rules_groups[product.tax_group]


def _simple_variant(product: Product) -> Variant | None:
    return product.variants[0] if product.variants and not product.has_combinations else None


@dataclass(frozen=True)
class ProductRefs:
    """Shop ids a product document points to, looked up (or created) before it is written."""

    manufacturer_id: str = "0"
    features: tuple[tuple[str, str], ...] = ()        # (id_feature, id_feature_value)
    pack: tuple[PackItem, ...] = ()


NO_REFS = ProductRefs()

# The fields of PRODUCT_FIELDS this module writes into the product document itself ("variants" are
# combinations, written by the connector; files have their own calls).
DOCUMENT_FIELDS = frozenset({
    "name", "description", "short_description", "categories", "price", "tax_group", "ean13", "weight",
    "dimensions", "manufacturer", "features", "active", "pack", "extra",
})


@dataclass
class _Product:
    """A product document being assembled: fields in order, then one ``<associations>``."""

    fields: list[etree._Element] = field(default_factory=list)
    groups: list[etree._Element] = field(default_factory=list)

    def add(self, tag: str, value: object) -> None:
        self.fields.append(xml_field(tag, value))

    def element(self) -> etree._Element:
        record = xml_record("product", self.fields)
        if self.groups:
            associations = etree.SubElement(record, "associations")
            associations.extend(self.groups)
        return record


def product_element(product: Product, category_ids: Sequence[str], config: PrestaShopConfig,
                    product_id: str | None = None, *, fields: Iterable[str] = DOCUMENT_FIELDS,
                    refs: ProductRefs = NO_REFS) -> etree._Element | None:
    """A product to POST (``product_id`` None: every field) or to PATCH: only ``fields``, the ones
    the ERP owns in this shop. None when an update has nothing to write in the product itself.

    On update, descriptions the ERP leaves empty and an empty category list are left out so that
    what the merchant wrote in the shop stays."""
    creating = product_id is None
    wanted = DOCUMENT_FIELDS if creating else DOCUMENT_FIELDS & set(fields)
    doc = _Product()
    if not creating:
        doc.add("id", product_id)
    if "categories" in wanted:
        _categories(doc, category_ids, config, creating)
    if "tax_group" in wanted and (tax_group := tax_rules_group(product, config)) is not None:
        doc.add("id_tax_rules_group", tax_group)
    if "manufacturer" in wanted and (product.manufacturer or not creating):
        doc.add("id_manufacturer", refs.manufacturer_id)
    if creating:
        doc.add("reference", validation.check(product.sku, validation.REFERENCE, f"reference {product.sku!r}"))
    _numbers(doc, product, wanted, creating)
    if "active" in wanted:
        doc.add("active", int(product.active))
    if creating:
        for tag, value in (("state", 1), ("available_for_order", 1), ("show_price", 1), ("minimal_quantity", 1),
                           ("visibility", "both")):
            doc.add(tag, value)
    if "pack" in wanted:
        _pack(doc, product, refs.pack, creating)
    if "extra" in wanted:
        _extra(doc, product, config)
    _texts(doc, product, config, wanted, creating)
    if "features" in wanted and (refs.features or not creating):
        doc.groups.append(xml_group("product_features", "product_feature",
                                 ({"id": feature, "id_feature_value": value} for feature, value in refs.features)))
    if not creating and len(doc.fields) == 1 and not doc.groups:
        return None
    return doc.element()


def _categories(doc: _Product, category_ids: Sequence[str], config: PrestaShopConfig, creating: bool) -> None:
    categories = list(category_ids) or ([str(config.home_category_id)] if creating else [])
    if categories:
        doc.add("id_category_default", categories[0])
        doc.groups.append(xml_group("categories", "category", ({"id": c} for c in categories)))


def _numbers(doc: _Product, product: Product, wanted: frozenset[str] | set[str], creating: bool) -> None:
    single = _simple_variant(product)
    if "ean13" in wanted:
        ean13 = product.ean13 or (single.ean13 if single else None) or ""
        doc.add("ean13", validation.check(ean13, validation.EAN13, f"EAN-13 of {product.sku}"))
    if "price" in wanted:
        if product.price.amount < 0:
            raise ValueError(f"price of {product.sku} is negative ({product.price.amount})")
        doc.add("price", price_text(product.price.amount))
    if "weight" in wanted:
        weight = product.weight if product.weight is not None else (single.weight if single else None)
        if weight is not None:
            doc.add("weight", _measure(weight, f"weight of {product.sku}"))
    if "dimensions" in wanted:
        for tag in ("width", "height", "depth"):
            value = getattr(product, tag)
            if value is not None:
                doc.add(tag, _measure(value, f"{tag} of {product.sku}"))
            elif not creating:
                doc.add(tag, 0)          # the ERP owns dimensions and has none: clear the shop's


def _measure(value: Decimal, what: str) -> str:
    if value < 0:
        raise ValueError(f"{what} is negative ({value}); PrestaShop takes only numbers ≥ 0")
    return number_text(value)


def _pack(doc: _Product, product: Product, items: Sequence[PackItem], creating: bool) -> None:
    """A kit becomes a pack: ``type`` (Product::setWsType) and ``product_type`` "pack", and its items
    in ``associations/product_bundle``. Each item also carries ``product_attribute_id``: 8.1.2's
    Product::setWsProductBundle reads that key, not the ``id_product_attribute`` its own schema and
    GET answers use (PrestaShop issue #32954), so without it every item falls back to the
    component's default combination. A product that is no longer a kit is set back to simple."""
    if product.kit and not items:
        raise ValueError(f"kit {product.sku}: the shop ids of its components were not given")
    if not items:
        if not creating:
            doc.add("type", "simple")
            doc.groups.append(xml_group("product_bundle", "product", ()))
        return
    if product.has_combinations:
        raise ValueError(f"kit {product.sku} has combinations; a PrestaShop pack cannot have any")
    bad = [item for item in items if item.quantity < 1]
    if bad:
        raise ValueError(f"kit {product.sku}: component {bad[0].product_id} has quantity {bad[0].quantity}")
    doc.add("type", "pack")
    doc.add("product_type", "pack")
    doc.groups.append(xml_group("product_bundle", "product", (
        {"id": item.product_id, "id_product_attribute": item.variant_id or "0",
         "product_attribute_id": item.variant_id or "0", "quantity": item.quantity} for item in items)))


def _extra(doc: _Product, product: Product, config: PrestaShopConfig) -> None:
    """ERP free fields into the product fields ``extra_fields`` names; a mapped field the ERP has no
    value for is cleared (the ERP owns it)."""
    for erp_field, target in sorted(config.extra_fields.items(), key=lambda pair: pair[1]):
        rule = validation.EXTRA_PRODUCT_FIELDS[target]
        raw = product.extra.get(erp_field, "")
        value = validation.extra_value(raw, rule, f"{erp_field} of {product.sku} (→ {target})") if raw else ""
        if rule.i18n:
            doc.fields.append(xml_languages(target, {language_id: value for language_id in config.languages.values()}))
        else:
            doc.add(target, value)


def _texts(doc: _Product, product: Product, config: PrestaShopConfig, wanted: frozenset[str] | set[str],
           creating: bool) -> None:
    if "name" in wanted:
        names = required_names(product.name, config, f"product {product.sku}")
        doc.fields += [xml_languages("name", names),
                       xml_languages("link_rewrite", slugs(names, _fallback_name(names, config)))]
    if "description" in wanted and (product.description or creating):
        texts = translated(product.description, config, f"description of {product.sku}")
        _clean(texts, config, f"description of {product.sku}")
        doc.fields.append(xml_languages("description", texts))
    if "short_description" in wanted and (product.short_description or creating):
        texts = translated(product.short_description, config, f"short description of {product.sku}")
        _clean(texts, config, f"short description of {product.sku}")
        for language_id, value in texts.items():
            if validation.plain_length(value) > config.short_description_limit:
                raise ValueError(f"short description of {product.sku} (language id {language_id}) has "
                                 f"{validation.plain_length(value)} characters without tags; PrestaShop takes "
                                 f"{config.short_description_limit} (PS_PRODUCT_SHORT_DESC_LIMIT)")
        doc.fields.append(xml_languages("description_short", texts))


def _clean(texts: Mapping[int, str], config: PrestaShopConfig, what: str) -> None:
    """Validate::isCleanHtml, with the shop's PS_ALLOW_HTML_IFRAME."""
    codes = {language_id: code for code, language_id in config.languages.items()}
    for language_id, value in texts.items():
        fault = validation.clean_html_problem(value, allow_iframes=config.allow_iframes)
        if fault:
            raise ValueError(f"{what} ({codes[language_id]}) {fault}; PrestaShop refuses it (Validate::isCleanHtml)")


def deactivation_element(product_id: str) -> etree._Element:
    return xml_record("product", [xml_field("id", product_id), xml_field("active", 0)])


def cover_element(product_id: str, image_id: str) -> etree._Element:
    """Product::setCoverWs, behind the writable virtual field ``id_default_image``."""
    return xml_record("product", [xml_field("id", product_id), xml_field("id_default_image", image_id)])


def attachments_element(product_id: str, attachment_ids: Iterable[str]) -> etree._Element:
    """Product::setWsAttachments replaces the product's whole attachment list with this one."""
    return xml_record("product", [xml_field("id", product_id),
                                  _associations("attachments", "attachment", attachment_ids)])


# --- manufacturers and features -------------------------------------------------------------


def manufacturer_element(name: str) -> etree._Element:
    checked = validation.check(name, validation.MANUFACTURER_NAME, f"manufacturer {name!r}")
    return xml_record("manufacturer", [xml_field("active", 1), xml_field("name", checked)])


def feature_element(names: Mapping[int, str]) -> etree._Element:
    return xml_record("product_feature", [xml_languages("name", names)])


def feature_value_element(feature_id: str, values: Mapping[int, str]) -> etree._Element:
    """A predefined value (custom 0): shared by every product that has it, and usable in filters."""
    return xml_record("product_feature_value", [xml_field("id_feature", feature_id), xml_field("custom", 0),
                                             xml_languages("value", values)])


@dataclass(frozen=True)
class FeatureText:
    """A feature or a value, by what identifies it in the shop (its text in the fallback language,
    case and spacing folded) and with its text in every shop language."""

    key: str
    texts: tuple[tuple[int, str], ...]

    @classmethod
    def of(cls, translations: Mapping[str, str], config: PrestaShopConfig, what: str,
           rule: validation.Rule) -> FeatureText:
        texts = translated(translations, config, what, rule)
        key = fold(texts[config.languages[config.fallback_language]])
        if not key:
            raise ValueError(f"{what} is empty")
        return cls(key, tuple(sorted(texts.items())))


def fold(name: str) -> str:
    return " ".join(name.casefold().split())


def option_group_element(name: str, config: PrestaShopConfig) -> etree._Element:
    names = {language_id: name for language_id in config.languages.values()}
    return xml_record("product_option", [xml_field("is_color_group", 0), xml_field("group_type", "select"),
                                      xml_languages("name", names), xml_languages("public_name", names)])


def option_value_element(group_id: str, name: str, config: PrestaShopConfig) -> etree._Element:
    names = {language_id: name for language_id in config.languages.values()}
    return xml_record("product_option_value", [xml_field("id_attribute_group", group_id), xml_languages("name", names)])


@dataclass(frozen=True)
class CombinationSpec:
    """What a combination should hold. Price and weight are impacts on the product's own values."""

    reference: str
    ean13: str
    price_impact: Decimal
    weight_impact: Decimal | None
    option_value_ids: tuple[str, ...]

    def element(self, product_id: str, combination_id: str | None = None, default: bool = False) -> etree._Element:
        fields = [xml_field("id", combination_id)] if combination_id else []
        fields += [xml_field("id_product", product_id), xml_field("reference", self.reference),
                   xml_field("ean13", self.ean13), xml_field("price", price_text(self.price_impact))]
        if self.weight_impact is not None:
            fields.append(xml_field("weight", number_text(self.weight_impact)))
        if combination_id is None:
            fields += [xml_field("minimal_quantity", 1), xml_field("default_on", 1 if default else "")]
        fields.append(_associations("product_option_values", "product_option_value", self.option_value_ids))
        return xml_record("combination", fields)

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


def check_variants(product: Product) -> None:
    """What PrestaShop refuses in combinations and attributes: references (isReference, 64), EAN-13,
    attribute group names (isGenericName, 128; public name 64) and value names (isGenericName, 128)."""
    for variant in product.variants:
        validation.check(variant.sku, validation.REFERENCE, f"reference {variant.sku!r}")
        validation.check(variant.ean13 or "", validation.EAN13, f"EAN-13 of {variant.sku}")
        for group, value in variant.attributes.items():
            validation.check(group, validation.ATTRIBUTE_GROUP, f"attribute {group!r} of {variant.sku}")
            validation.check(value, validation.ATTRIBUTE_VALUE, f"value {value!r} of {variant.sku}")


def combination_spec(product: Product, variant: Variant, option_value_ids: Sequence[str]) -> CombinationSpec:
    return CombinationSpec(variant.sku, variant.ean13 or "", price_impact(product, variant),
                           weight_impact(product, variant), tuple(option_value_ids))


def price_impact(product: Product, variant: Variant) -> Decimal:
    """A combination's price is an impact on the product's: the variant's own price minus the base."""
    return ((variant.price.amount - product.price.amount) if variant.price else Decimal(0)).quantize(MICRO)


def weight_impact(product: Product, variant: Variant) -> Decimal | None:
    return (variant.weight - (product.weight or Decimal(0))) if variant.weight is not None else None


def combination_price_element(row: Row, impact: Decimal) -> etree._Element:
    """Only a combination's price impact; id_product and minimal_quantity (required fields) as they are."""
    return xml_record("combination", [
        xml_field("id", as_text(row.get("id"))), xml_field("id_product", as_text(row.get("id_product"))),
        xml_field("minimal_quantity", as_text(row.get("minimal_quantity")) or "1"),
        xml_field("price", price_text(impact))])


# --- stock ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
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
        # The connector keeps every row of a shop between passes: the fields that repeat from row to
        # row ("0", "1", "2", "") are shared strings (57 → 37 MB for 100,000 rows).
        return cls(id=as_text(row.get("id")), product_id=as_text(row.get("id_product")),
                   variant_id=_shared(as_text(row.get("id_product_attribute")) or "0"),
                   shop_id=_shared(as_text(row.get("id_shop")) or "0"),
                   shop_group_id=_shared(as_text(row.get("id_shop_group")) or "0"),
                   quantity=as_int(row.get("quantity")),
                   depends_on_stock=_shared(as_text(row.get("depends_on_stock")) or "0"),
                   out_of_stock=_shared(as_text(row.get("out_of_stock")) or "2"),
                   location=_shared(as_text(row.get("location"))))

    @property
    def key(self) -> tuple[str, str]:
        return self.product_id, self.variant_id

    def with_out_of_stock(self, value: str | None) -> StockRow:
        return self if value is None or value == self.out_of_stock else replace(self, out_of_stock=value)

    def with_quantity(self, quantity: int) -> StockRow:
        return self if quantity == self.quantity else replace(self, quantity=quantity)

    def element(self, quantity: int) -> etree._Element:
        return xml_record("stock_available", [
            xml_field("id", self.id), xml_field("id_product", self.product_id),
            xml_field("id_product_attribute", self.variant_id), xml_field("id_shop", self.shop_id),
            xml_field("id_shop_group", self.shop_group_id), xml_field("quantity", quantity),
            xml_field("depends_on_stock", self.depends_on_stock), xml_field("out_of_stock", self.out_of_stock),
            xml_field("location", self.location)])


def _shared(value: str) -> str:
    return sys.intern(value) if len(value) <= 2 else value


def out_of_stock(backorders: bool | None) -> str | None:
    """``stock_available.out_of_stock``: "1" accepts orders beyond stock, "0" refuses them; None: leave it."""
    return None if backorders is None else ("1" if backorders else "0")


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
    return xml_record("order_history", [xml_field("id_order", order_id), xml_field("id_order_state", state_id)])


ORDER_CARRIER_FIELDS = ("id", "id_order", "id_carrier", "id_order_invoice", "weight", "shipping_cost_tax_excl",
                        "shipping_cost_tax_incl", "tracking_number", "date_add")


def order_carrier_element(row: Row, tracking_number: str, carrier_id: str | None = None) -> etree._Element:
    """The whole order_carrier row with its tracking number (and carrier): PUT replaces (04-writes/064)."""
    values = {name: as_text(row.get(name)) for name in ORDER_CARRIER_FIELDS} | {"tracking_number": tracking_number}
    if carrier_id:
        values["id_carrier"] = carrier_id
    for name in ("id_order_invoice", "weight", "shipping_cost_tax_excl", "shipping_cost_tax_incl"):
        values[name] = values[name] or "0"     # single JSON records drop zero fields
    return xml_record("order_carrier", [xml_field(name, values[name]) for name in ORDER_CARRIER_FIELDS])


def new_order_carrier_element(order_id: str, carrier_id: str, tracking_number: str) -> etree._Element:
    """One more shipment of the order: a row of its own, at no cost, holding its tracking number
    (PrestaShop lists every order_carrier row, each with its tracking link, to staff and customer)."""
    return xml_record("order_carrier", [
        xml_field("id_order", order_id), xml_field("id_carrier", carrier_id), xml_field("id_order_invoice", 0),
        xml_field("weight", 0), xml_field("shipping_cost_tax_excl", 0), xml_field("shipping_cost_tax_incl", 0),
        xml_field("tracking_number", tracking_number)])


def customer_thread_element(order: Row, email: str, token: str) -> etree._Element:
    """The order's customer service thread, as the back office opens one for an order message
    (AddOrderCustomerMessageHandler): no contact, the order's language and shop, status open."""
    return xml_record("customer_thread", [
        xml_field("id_lang", as_text(order.get("id_lang")) or 1), xml_field("id_contact", 0),
        xml_field("id_shop", as_text(order.get("id_shop")) or 1),
        xml_field("id_customer", as_text(order.get("id_customer")) or 0),
        xml_field("id_order", as_text(order.get("id"))), xml_field("id_product", 0),
        xml_field("email", email), xml_field("token", token), xml_field("status", "open")])


def customer_message_element(thread_id: str, text: str, employee_id: int) -> etree._Element:
    """A private message: shown on the order page to staff, never to the customer."""
    return xml_record("customer_message", [
        xml_field("id_employee", employee_id), xml_field("id_customer_thread", thread_id),
        xml_field("message", text), xml_field("private", 1), xml_field("read", 0)])


def invoice_note_element(invoice_id: str, note: str) -> etree._Element:
    return xml_record("order_invoice", [xml_field("id", invoice_id), xml_field("note", note)])


def same_text(left: str, right: str) -> bool:
    """Texts equal but for spacing and line ends (what the back office may have normalised)."""
    return " ".join(left.split()) == " ".join(right.split())


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
    cart_rules: tuple[Row, ...] = ()               # order_cart_rules rows
    cart_rule_codes: dict[str, str] = field(default_factory=dict)    # id_cart_rule → code, where readable
    history: tuple[Row, ...] = ()                  # order_histories rows
    slips: tuple[Row, ...] = ()                    # order_slip rows (credit slips)

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
    """Small reference tables: id → ISO code (countries, currencies, regions), customer group names,
    and which order states mean paid (``order_states.paid``) or cancelled."""

    countries: Mapping[str, str] = field(default_factory=dict)
    currencies: Mapping[str, str] = field(default_factory=dict)
    states: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    paid_states: frozenset[str] = frozenset()
    cancelled_states: frozenset[str] = frozenset()


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
    gift = as_int(order.get("gift")) == 1
    state = as_text(order.get("current_state"))
    return Order(
        shop=shop, external_id=as_text(order.get("id")), reference=reference, placed_at=placed_at,
        currency=currency, customer=_customer(documents.customer, documents.invoice_address, order, lookups),
        invoice_address=_address(documents.invoice_address, "invoice", order.get("id_address_invoice"), lookups),
        delivery_address=_address(documents.delivery_address, "delivery", order.get("id_address_delivery"), lookups),
        lines=_lines(order, documents.details),
        shipping_tax_excl=money("total_shipping_tax_excl"), shipping_tax_incl=money("total_shipping_tax_incl"),
        discounts_tax_excl=money("total_discounts_tax_excl"), discounts_tax_incl=money("total_discounts_tax_incl"),
        total_tax_excl=money("total_paid_tax_excl"), total_tax_incl=money("total_paid_tax_incl"),
        vouchers=tuple(_voucher(row, documents.cart_rule_codes) for row in documents.cart_rules
                       if as_int(row.get("deleted")) != 1),
        gift_wrapping_tax_excl=money("total_wrapping_tax_excl"),
        gift_wrapping_tax_incl=money("total_wrapping_tax_incl"),
        gift_message=(as_text(order.get("gift_message")) or None) if gift else None,
        carrier=carrier or None, payments=tuple(_payment(row, order, zone) for row in documents.payments),
        paid=_paid(order, documents.history, lookups),
        cancelled=state in lookups.cancelled_states,
        refunded_tax_incl=sum((_refunded(slip) for slip in documents.slips), Decimal(0)),
        state=state or None,
    )


def _paid(order: Row, history: Sequence[Row], lookups: Lookups) -> bool:
    """Order::hasBeenPaid(): the order is, or has been, in a state flagged ``paid``. Without the
    table of states, the ``valid`` flag (a logable state) stands in."""
    if not lookups.paid_states:
        return as_int(order.get("valid")) == 1
    states = {as_text(order.get("current_state"))} | {as_text(row.get("id_order_state")) for row in history}
    return bool(states & lookups.paid_states)


def _refunded(slip: Row) -> Decimal:
    """A credit slip's products and shipping, tax included."""
    return (as_decimal(slip.get("total_products_tax_incl"), "total_products_tax_incl")
            + as_decimal(slip.get("total_shipping_tax_incl"), "total_shipping_tax_incl"))


def _voucher(row: Row, codes: Mapping[str, str]) -> Voucher:
    return Voucher(name=as_text(row.get("name")) or f"cart rule {as_text(row.get('id_cart_rule'))}",
                   code=codes.get(as_text(row.get("id_cart_rule"))) or None,
                   amount_tax_excl=as_decimal(row.get("value_tax_excl"), "value_tax_excl"),
                   amount_tax_incl=as_decimal(row.get("value"), "value"))


def _customer(customer: Row | None, invoice_address: Row | None, order: Row, lookups: Lookups) -> Customer:
    """The customer; company and VAT number usually live on the invoice address (the customer's own
    company field only exists in B2B mode)."""
    if not customer:
        raise OrderProblem("customer not found", id_customer=as_text(order.get("id_customer")))
    email = as_text(customer.get("email"))
    if not email:
        raise OrderProblem("customer has no e-mail address", id_customer=as_text(customer.get("id")), email=email)
    if "@" not in email:
        raise OrderProblem(f"customer e-mail {email!r} is not an e-mail address (no @)",
                           id_customer=as_text(customer.get("id")), email=email)
    address = invoice_address or {}
    group = as_text(customer.get("id_default_group"))
    return Customer(email=email, first_name=as_text(customer.get("firstname")),
                    last_name=as_text(customer.get("lastname")),
                    company=as_text(customer.get("company")) or as_text(address.get("company")) or None,
                    vat_number=as_text(address.get("vat_number")) or None,
                    group=lookups.groups.get(group) or None, is_guest=as_int(customer.get("is_guest")) == 1)


def _address(address: Row | None, role: str, address_id: object, lookups: Lookups) -> Address:
    if not address:
        raise OrderProblem(f"{role} address not found", id_address=as_text(address_id))
    country = lookups.countries.get(as_text(address.get("id_country")))
    if not country:
        raise OrderProblem(f"unknown country in {role} address", id_address=as_text(address_id),
                           id_country=as_text(address.get("id_country")))
    state_code = None
    if as_text(address.get("id_state")) not in ("", "0"):
        state_code = lookups.states.get(as_text(address.get("id_state")))
        if not state_code:
            raise OrderProblem(f"unknown state in {role} address", id_address=as_text(address_id),
                               id_state=as_text(address.get("id_state")))
        state_code = state_code.upper().removeprefix(f"{country}-")
    return Address(
        first_name=as_text(address.get("firstname")), last_name=as_text(address.get("lastname")),
        company=as_text(address.get("company")) or None, street=as_text(address.get("address1")),
        street2=as_text(address.get("address2")) or None, postcode=as_text(address.get("postcode")),
        city=as_text(address.get("city")), country_code=country,
        phone=as_text(address.get("phone")) or as_text(address.get("phone_mobile")) or None,
        vat_number=as_text(address.get("vat_number")) or None, state_code=state_code,
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


def _payment(row: Row, order: Row, zone: ZoneInfo) -> Payment:
    """A payment: what the checkout recorded (named after the order's ``payment``) is named by the
    order's payment module (``ps_wirepayment``: stable across languages, the key to map to a
    journal); a payment a person added in the back office keeps the method name they gave it."""
    name, module = as_text(row.get("payment_method")), as_text(order.get("module"))
    method = module if module and name in ("", as_text(order.get("payment"))) else name
    return Payment(method=method or "?", amount=as_decimal(row.get("amount"), "amount"),
                   transaction_id=as_text(row.get("transaction_id")) or None,
                   paid_at=parse_shop_datetime(row.get("date_add"), zone))
