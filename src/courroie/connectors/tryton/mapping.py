"""Tryton records (the dicts ``search_read`` returns) ↔ the canonical model. Pure functions, no I/O.

Conventions of the rows: many2one fields hold an id or ``None``; a dotted field such as
``weight_uom.factor`` comes back as ``{"weight_uom.": {"id": …, "factor": …}}``; booleans may be
0/1 (SQLite); Numeric fields are ``Decimal``, Float fields ``float``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import mimetypes
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from courroie.connectors.protocols import ErpSale
from courroie.connectors.tryton import pricing
from courroie.errors import DataError
from courroie.model import (
    Address, Category, Customer, ErpDocument, Feature, FileRef, KitItem, Money, Order, Payment, Product, Promotion,
    SaleState, SaleStatus, Shipment, StockLevel, Translations, Variant, Voucher,
)

Row = dict[str, Any]

PRICE_STEP = Decimal("0.0001")        # Tryton's default price digits (16, 4)
CENT = Decimal("0.01")
CONFIRMED_STATES = {"confirmed", "processing", "done"}
SHIPPED_STATES = {"shipped", "done"}  # "shipped": handed to the carrier; "done": closed
STOCKABLE_TYPES = ["goods", "assets", "kit"]


def key(record_id: int) -> str:
    """The hub's key of a Tryton record: its id, as text."""
    return str(record_id)


def record_id(key: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise ValueError(f"not a Tryton record key: {key!r}") from None


def related(row: Row, field: str) -> Row:
    """The nested record read through a dotted field (``{}`` when empty)."""
    return row.get(f"{field}.") or {}


def related_list(row: Row, field: str) -> list[Row]:
    """The nested records read through a dotted x2many field."""
    return list(row.get(f"{field}.") or [])


def escape_like(value: str) -> str:
    """A literal for Tryton's ``ilike`` (which escapes with a backslash)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- catalog -----------------------------------------------------------------------------------------

def translations(rows_by_language: Mapping[str, Mapping[int, Row]], record: int, field: str) -> Translations:
    """``field`` of one record in every language read, leaving out empty texts."""
    texts = {}
    for language, rows in rows_by_language.items():
        value = (rows.get(record) or {}).get(field)
        if value:
            texts[language] = value
    return texts


def descendants(parents: Mapping[int, int | None], roots: Iterable[int]) -> set[int]:
    """``roots`` and every category under them, from ``{category: its parent}``."""
    found = set(roots)
    children: dict[int | None, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    pending = list(found)
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def tag_categories(rows: Mapping[int, Row], roots: Sequence[str]) -> dict[int, str]:
    """Category id → tag, for the categories under the roots named (by name or id) in ``roots``:
    labels such as "New" that a shop filters on rather than shows as a category."""
    wanted = set(roots)
    named = [row["id"] for row in rows.values() if row.get("name") in wanted or key(row["id"]) in wanted]
    parents = {row["id"]: row.get("parent") for row in rows.values()}
    return {category: rows[category].get("name") or key(category) for category in sorted(descendants(parents, named))}


def categories_from_rows(rows_by_language: Mapping[str, Mapping[int, Row]],
                         hidden: Iterable[int] = ()) -> list[Category]:
    """Categories, each after its parent (so a shop can create them in this order); ``hidden`` ones
    (tag categories) left out."""
    hidden = set(hidden)
    rows_by_language = {language: {id_: row for id_, row in rows.items() if id_ not in hidden}
                        for language, rows in rows_by_language.items()}
    main = next(iter(rows_by_language.values()))

    def depth(row: Row) -> int:
        level, parent = 0, row.get("parent")
        while parent is not None and parent in main and level < len(main):
            level, parent = level + 1, main[parent].get("parent")
        return level

    ordered = sorted(main.values(), key=lambda row: (depth(row), row["id"]))
    return [Category(key=key(row["id"]), name=translations(rows_by_language, row["id"], "name"),
                     parent_key=key(row["parent"]) if row.get("parent") in main else None)
            for row in ordered]


@dataclass(frozen=True)
class AttributeSchema:
    """A product attribute: how a variant's raw value becomes the text a shop shows."""

    name: str                         # technical key in ``product.product.attributes``
    label: str
    type: str
    choices: Mapping[str, str]        # selection key → label


def attribute_schemas(rows: Iterable[Row]) -> dict[str, AttributeSchema]:
    schemas = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        choices = dict(json.loads(row.get("selection_json") or "[]"))
        schemas[row["name"]] = AttributeSchema(row["name"], row.get("string") or row["name"],
                                               row.get("type_") or "char", choices)
    return schemas


def attribute_text(schema: AttributeSchema, value: Any) -> str:
    if schema.type == "selection":
        return schema.choices.get(str(value), str(value))
    if schema.type == "multiselection":
        return ", ".join(schema.choices.get(str(v), str(v)) for v in value or [])
    if schema.type == "boolean":
        return "yes" if value else "no"
    return str(value)


def variant_attributes(values: Mapping[str, Any] | None, schemas: Mapping[str, AttributeSchema],
                       hidden: Iterable[str] = ()) -> dict[str, str]:
    """``{"voltage": "24v"}`` → ``{"Voltage": "24 V"}``, in the order the attributes were defined;
    ``hidden`` attributes (shown as features instead) left out."""
    values = {name: value for name, value in (values or {}).items() if name not in set(hidden)}
    known = [schemas[name] for name in schemas if values.get(name) is not None]
    unknown = sorted(name for name in values if name not in schemas and values[name] is not None)
    texts = {schema.label: attribute_text(schema, values[schema.name]) for schema in known}
    return texts | {name: str(values[name]) for name in unknown}


def ean13(identifiers: Iterable[Row]) -> str | None:
    """The first EAN identifier that is an EAN-13 (Tryton's ``ean`` type also holds EAN-8, UPC…)."""
    for identifier in identifiers:
        code = (identifier.get("code") or "").strip()
        if identifier.get("type") == "ean" and len(code) == 13 and code.isdigit():
            return code
    return None


def decimal(value: float | int) -> Decimal:
    """A Tryton float as a Decimal without float noise: ``8.5`` → ``8.5``, ``10.0`` → ``10``."""
    number = Decimal(str(round(value, 6))) + 0          # + 0: no "-0"
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def weight_in_kg(weight: float | None, unit_factor: float | None) -> Decimal | None:
    """Tryton weights are floats in any weight unit; its factor is relative to the kilogram."""
    if weight is None or unit_factor is None:
        return None
    return decimal(weight * unit_factor)


def length_in_cm(length: float | None, unit_factor: float | None) -> Decimal | None:
    """product_measurements lengths are floats in any length unit; its factor is relative to the metre."""
    if length is None or unit_factor is None:
        return None
    return decimal(length * unit_factor * 100)


def dimensions(template: Row) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Shops' width, height and depth from Tryton's width, height and length."""
    width, height, depth = (length_in_cm(template.get(name), related(template, f"{name}_uom").get("factor"))
                            for name in ("width", "height", "length"))
    return width, height, depth


def text_to_html(text: str) -> str:
    """Tryton descriptions are plain text; shops want HTML: paragraphs and line breaks."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


HTML_TAG = re.compile(r"<(p|br|ul|ol|li|div|span|strong|em|b|i|u|h[1-6]|a|table)\b[^>]*>", re.IGNORECASE)


def as_html(text: str) -> str:
    """Tryton's description is a plain Text field, yet merchants often keep HTML in it: pass HTML
    through as it is, turn plain text into paragraphs."""
    text = text.strip()
    return text if HTML_TAG.search(text) else text_to_html(text)


def html_translations(texts: Translations) -> Translations:
    return {language: as_html(text) for language, text in texts.items() if text.strip()}


FIRST_PARAGRAPH = re.compile(r"^\s*(<p\b[^>]*>.*?</p>)", re.IGNORECASE | re.DOTALL)


def short_descriptions(descriptions: Translations) -> Translations:
    """Tryton has no short description: the first paragraph of the long one (a one-sentence summary
    where merchants write one first) stands for it."""
    return {language: found.group(1) for language, text in descriptions.items()
            if (found := FIRST_PARAGRAPH.match(text))}


# --- files and components of a template -----------------------------------------------------------------

IMAGE = "image"                 # FileRef keys: "image/<product.image id>", "attachment/<ir.attachment id>"
ATTACHMENT = "attachment"
INVOICE = "invoice"             # ErpDocument keys: "invoice/<account.invoice id>", its cached report
FILE_MODELS = {IMAGE: ("product.image", "image"), ATTACHMENT: ("ir.attachment", "data"),
               INVOICE: ("account.invoice", "invoice_report_cache")}
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF8", "image/gif"),
          (b"%PDF-", "application/pdf"))


def file_key(kind: str, record: int) -> str:
    return f"{kind}/{record}"


def parse_file_key(value: str) -> tuple[str, str, int]:
    """``"image/12"`` → ``("product.image", "image", 12)``: the model, its binary field, the record."""
    kind, _, number = value.partition("/")
    if kind not in FILE_MODELS or not number.isdigit():
        raise ValueError(f"not a Tryton file key: {value!r}")
    model, binary = FILE_MODELS[kind]
    return model, binary, int(number)


@dataclass(frozen=True)
class FileFacts:
    """What is learnt from a file's bytes, once: its hash and its type."""

    sha256: str
    content_type: str


def file_facts(content: bytes, filename: str = "") -> FileFacts:
    sniffed = next((kind for magic, kind in _MAGIC if content.startswith(magic)), None)
    if sniffed is None and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        sniffed = "image/webp"
    guessed = mimetypes.guess_type(filename)[0] if filename else None
    return FileFacts(hashlib.sha256(content).hexdigest(), sniffed or guessed or "application/octet-stream")


def image_order(row: Row) -> tuple[int, int, int]:
    """Tryton's order of pictures: sequence (empty first), then id."""
    sequence = row.get("sequence")
    return (0 if sequence is None else 1, sequence or 0, row["id"])


def image_ref(row: Row, facts: FileFacts, captions: Translations, code: str) -> FileRef:
    """Tryton stores every picture as JPEG (``product.image.convert``); it has no file name."""
    extension = mimetypes.guess_extension(facts.content_type) or ".jpg"
    extension = ".jpg" if extension == ".jpe" else extension
    return FileRef(key=file_key(IMAGE, row["id"]), content_hash=facts.sha256, filename=f"{code}-{row['id']}{extension}",
                   content_type=facts.content_type, name=captions)


def document_ref(row: Row, facts: FileFacts, language: str) -> FileRef:
    """An attachment's title is the first line of its description (Tryton's "summary"), else its name."""
    title = ((row.get("description") or "").strip().splitlines() or [row.get("name") or ""])[0]
    return FileRef(key=file_key(ATTACHMENT, row["id"]), content_hash=facts.sha256, filename=row.get("name") or "",
                   content_type=facts.content_type, name={language: title} if title else {})


def kit_items(components: Iterable[Row]) -> tuple[KitItem, ...]:
    """``product.component`` rows (read with ``product.code``, ``unit.factor``,
    ``product.default_uom.factor``) as quantities of the component's own unit."""
    items = []
    for row in sorted(components, key=image_order):
        product = related(row, "product")
        if not product.get("code"):
            continue
        factor = related(row, "unit").get("factor") or 1.0
        own = related(product, "default_uom").get("factor") or 1.0
        items.append(KitItem(sku=product["code"], quantity=decimal(row.get("quantity", 0) * factor / own)))
    return tuple(items)


def field_text(row: Row, path: str) -> str | None:
    """A template field read as ``path`` ("volume", "default_uom.symbol"), as text for ``Product.extra``."""
    *links, name = path.split(".")
    values: list[Any] = [row]
    for link in links:
        values = [linked for value in values for linked in _linked(value, link)]
    texts = [text for value in values if (text := _text(value.get(name))) is not None]
    return ", ".join(texts) if texts else None


def _linked(row: Row, link: str) -> list[Row]:
    value = row.get(f"{link}.")
    return list(value) if isinstance(value, list) else [value] if value else []


def _text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(decimal(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)


# --- what a product carries besides its fields ----------------------------------------------------------

@dataclass(frozen=True)
class CatalogOptions:
    """How Tryton data become shop fields: the same for every product of one read."""

    # language → attribute name → schema, for the translated names and values of features
    schemas_by_language: Mapping[str, Mapping[str, AttributeSchema]] = field(default_factory=dict)
    features: Sequence[str] = ()
    manufacturer_identifier: str | None = None
    tags: Mapping[int, str] = field(default_factory=dict)     # tag category id → tag
    extra_fields: Sequence[str] = ()


@dataclass(frozen=True)
class Attached:
    """A template's pictures, documents and kit components, read apart from it."""

    images: tuple[FileRef, ...] = ()
    variant_images: Mapping[int, tuple[FileRef, ...]] = field(default_factory=dict)   # variant id → its own
    documents: tuple[FileRef, ...] = ()
    kit: tuple[KitItem, ...] = ()


@dataclass(frozen=True)
class TemplateFiles:
    """Pictures, documents and components of the templates read, with the facts of their bytes."""

    images: Sequence[Row] = ()           # product.image: template, product, sequence, description
    captions: Mapping[str, Mapping[int, Row]] = field(default_factory=dict)   # language → image id → row
    image_facts: Mapping[int, FileFacts] = field(default_factory=dict)
    documents: Sequence[Row] = ()        # ir.attachment: resource, name, description
    document_facts: Mapping[int, FileFacts] = field(default_factory=dict)
    components: Sequence[Row] = ()       # product.component


def attached_by_template(files: TemplateFiles, *, template_codes: Mapping[int, str],
                         variant_codes: Mapping[int, str], first_variants: Mapping[int, int],
                         language: str) -> dict[int, Attached]:
    """Template id → what is attached to it. The codes name the picture files; ``first_variants``:
    template → its first coded variant, whose own components win (Tryton's ``components_used``)."""
    images: dict[int, list[FileRef]] = {}
    own: dict[int, dict[int, list[FileRef]]] = {}
    for row in sorted(files.images, key=image_order):
        facts = files.image_facts.get(row["id"])
        if facts is None:
            continue
        variant = row.get("product")
        code = (variant_codes.get(variant) if variant else None) or template_codes.get(row["template"], "product")
        ref = image_ref(row, facts, translations(files.captions, row["id"], "description"), code)
        images.setdefault(row["template"], []).append(ref)
        if variant:
            own.setdefault(row["template"], {}).setdefault(variant, []).append(ref)
    documents: dict[int, list[FileRef]] = {}
    for row in sorted(files.documents, key=lambda r: r["id"]):
        template = resource_id(row.get("resource"), "product.template")
        if template is not None and row["id"] in files.document_facts:
            documents.setdefault(template, []).append(document_ref(row, files.document_facts[row["id"]], language))
    kits = _kits(files.components, first_variants)
    templates = set(images) | set(documents) | set(kits)
    return {template: Attached(images=tuple(images.get(template, ())),
                               variant_images={v: tuple(refs) for v, refs in own.get(template, {}).items()},
                               documents=tuple(documents.get(template, ())), kit=kits.get(template, ()))
            for template in templates}


def _kits(components: Sequence[Row], first_variants: Mapping[int, int]) -> dict[int, tuple[KitItem, ...]]:
    by_template: dict[int, list[Row]] = {}
    by_variant: dict[int, list[Row]] = {}
    for row in components:
        if row.get("parent_product"):
            by_variant.setdefault(row["parent_product"], []).append(row)
        elif row.get("parent_template"):
            by_template.setdefault(row["parent_template"], []).append(row)
    kits = {template: kit_items(rows) for template, rows in by_template.items()}
    for template, variant in first_variants.items():
        if variant in by_variant:
            kits[template] = kit_items(by_variant[variant])
    return {template: items for template, items in kits.items() if items}


def resource_id(resource: str | None, model: str) -> int | None:
    """``"product.template,12"`` → 12 (a Reference field as Tryton reads it)."""
    name, _, number = (resource or "").partition(",")
    return int(number) if name == model and number.isdigit() else None


def features(variants: Sequence[Row], options: CatalogOptions) -> tuple[tuple[Feature, ...], frozenset[str]]:
    """The configured attributes as features (their values on the variants, in order), and those
    that no longer need to be variant options because every variant has the same value."""
    found, constant = [], set()
    for name in options.features:
        values = [(v.get("attributes") or {}).get(name) for v in variants]
        distinct = [value for i, value in enumerate(values) if value is not None and value not in values[:i]]
        if not distinct:
            continue
        if len(distinct) == 1 and None not in values:
            constant.add(name)
        found.append(_feature(name, distinct, options.schemas_by_language))
    return tuple(found), frozenset(constant)


def _feature(name: str, values: Sequence[Any],
             schemas_by_language: Mapping[str, Mapping[str, AttributeSchema]]) -> Feature:
    labels, texts = {}, {}
    for language, schemas in schemas_by_language.items():
        schema = schemas.get(name) or AttributeSchema(name, name, "char", {})
        labels[language] = schema.label
        texts[language] = ", ".join(attribute_text(schema, value) for value in values)
    return Feature(name=labels or {"": name}, value=texts or {"": ", ".join(map(str, values))})


def manufacturer(variants: Sequence[Row], identifier: str | None) -> str | None:
    """The brand held by a variant's ``product.identifier`` of that type (the first variant's first)."""
    if not identifier:
        return None
    for variant in variants:
        for row in related_list(variant, "identifiers"):
            if row.get("type") == identifier and (row.get("code") or "").strip():
                return str(row["code"]).strip()
    return None


def variant_order(row: Row) -> tuple[int, int, int]:
    """Tryton's order of variants: position (empty first), then id."""
    position = row.get("position")
    return (0 if position is None else 1, position or 0, row["id"])


def product_from_rows(template: Row, variants: Sequence[Row], *, names: Translations,
                      descriptions: Translations, schemas: Mapping[str, AttributeSchema],
                      currency: str, options: CatalogOptions | None = None,
                      attached: Attached | None = None) -> Product | None:
    """One shop product from a ``product.template`` and its ``product.product`` variants.

    Returns ``None`` when no variant has a code: without a SKU nothing can be synchronised.
    """
    options, attached = options or CatalogOptions(), attached or Attached()
    coded = sorted((v for v in variants if v.get("code")), key=variant_order)
    if not coded:
        return None
    price = template.get("list_price")
    if price is None:
        return None
    shown, not_options = features(coded, options)
    as_variants = tuple(variant_from_row(row, price, schemas, currency, hidden=not_options,
                                         images=_variant_images(row["id"], attached)) for row in coded)
    single = as_variants[0] if len(as_variants) == 1 else None
    # Tryton lists a template's categories in the categories' own order (by name): sort them by id
    # so that renaming a category does not look like a change of every product in it.
    categories = sorted(template.get("categories") or ())
    long = html_translations(descriptions)
    width, height, depth = dimensions(template)
    return Product(
        sku=template.get("code") or coded[0]["code"],
        name=names,
        description=long,
        short_description=short_descriptions(long),
        category_keys=tuple(key(c) for c in categories if c not in options.tags),
        price=Money(amount=price, currency=currency),
        tax_group=related(template, "account_category").get("name"),
        ean13=single.ean13 if single else None,
        weight=weight_in_kg(template.get("weight"), related(template, "weight_uom").get("factor")),
        width=width,
        height=height,
        depth=depth,
        manufacturer=manufacturer(coded, options.manufacturer_identifier),
        features=shown,
        images=attached.images,
        documents=attached.documents,
        kit=attached.kit,
        tags=tuple(options.tags[c] for c in categories if c in options.tags),
        extra={path: text for path in options.extra_fields if (text := field_text(template, path)) is not None},
        active=bool(template.get("active", True)),
        variants=as_variants,
    )


def _variant_images(variant: int, attached: Attached) -> tuple[FileRef, ...]:
    """Tryton's ``images_used``: the variant's own pictures, then the template's general ones; none
    when it has no picture of its own (it then shows the product's)."""
    own = attached.variant_images.get(variant, ())
    if not own:
        return ()
    general = [image for image in attached.images
               if not any(image in mine for mine in attached.variant_images.values())]
    return (*own, *general)


def variant_from_row(row: Row, template_price: Decimal, schemas: Mapping[str, AttributeSchema],
                     currency: str, *, hidden: Iterable[str] = (), images: tuple[FileRef, ...] = ()) -> Variant:
    own_price = row.get("list_price")
    return Variant(
        sku=row["code"],
        attributes=variant_attributes(row.get("attributes"), schemas, hidden),
        ean13=ean13(related_list(row, "identifiers")),
        price=Money(amount=own_price, currency=currency)
        if own_price is not None and own_price != template_price else None,
        active=bool(row.get("active", True)),
        images=images,
    )


# --- stock ---------------------------------------------------------------------------------------------

def available_to_sell(row: Row) -> Decimal:
    """What can still be promised: the smaller of on hand net of reservations (``quantity`` read
    with ``stock_assign``) and the forecast up to the end of time (see ``TrytonErp.read_stock``)."""
    return decimal(min(row.get("quantity") or 0, row.get("forecast_quantity") or 0))


def backorders(template: Row) -> bool | None:
    """Tryton sells a consumable without tracking its stock, and buys goods supplied on sale
    (``sale_supply``, "stock first" or "always") when they are sold: both may be ordered beyond stock.
    Otherwise Tryton has no opinion (the configuration decides)."""
    if template.get("consumable") or template.get("supply_on_sale"):
        return True
    return None


def stock_levels(rows: Iterable[Row], location: str) -> list[StockLevel]:
    levels = []
    for row in rows:
        if not row.get("code"):
            continue
        template = related(row, "template")
        levels.append(StockLevel(sku=row["code"], location=location, quantity=available_to_sell(row),
                                 backorders=backorders(template),
                                 categories=tuple(key(c) for c in sorted(template.get("categories") or ()))))
    return levels


# --- customers and addresses ---------------------------------------------------------------------------

# Countries whose VAT numbers Tryton checks as ``eu_vat`` (Greece is "EL", Northern Ireland "XI").
EU_VAT_PREFIXES = frozenset("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK "
                            "XI".split())


def person_name(first_name: str, last_name: str) -> str:
    return " ".join(part for part in (first_name.strip(), last_name.strip()) if part)


def party_name(customer: Customer) -> str:
    """The party is the company for a business customer, the person otherwise."""
    return (customer.company or "").strip() or person_name(customer.first_name, customer.last_name)


def compact_vat(value: str | None) -> str:
    """A VAT number as typed (``"fr 75 512.345.679"``) in the form Tryton checks: ``"FR75512345679"``."""
    return "".join(c for c in (value or "").upper() if c.isalnum())


def vat_type(vat: str) -> str | None:
    """The ``party.identifier`` type of a compacted VAT number: ``eu_vat`` for an EU one, else none
    (a plain identifier Tryton does not check)."""
    return "eu_vat" if vat[:2] in EU_VAT_PREFIXES else None


def same_vat(a: str, b: str) -> bool:
    """Compacted VAT numbers, one of them perhaps typed without its country prefix."""
    if not a or not b:
        return False
    return a == b or (a[:2].isalpha() and a[2:] == b) or (b[:2].isalpha() and b[2:] == a)


def loose_pattern(compact: str) -> str:
    """An ``ilike`` pattern finding a code however it was typed (spaces, dots, dashes anywhere);
    what it matches loosely is compared exactly afterwards."""
    return "%" + "%".join(escape_like(c) for c in compact) + "%"


def is_vat_identifier(row: Row) -> bool:
    kind = row.get("type") or ""
    return kind == "" or kind == "eu_vat" or kind.endswith("_vat")


def vat_owner(rows: Iterable[Row], vat: str) -> int | None:
    """The party holding this VAT number (``party.identifier`` rows read with ``type``, ``code``, ``party``)."""
    owners = sorted(row["party"] for row in rows if row.get("party") and is_vat_identifier(row)
                    and same_vat(compact_vat(row.get("code")), vat))
    return owners[0] if owners else None


def company_owner(rows: Iterable[Row], customer: Customer) -> int | None:
    """The party named like the customer's company (compared trimmed, case-insensitively); one whose
    VAT number differs from the customer's is another business of the same name."""
    wanted = " ".join((customer.company or "").split()).casefold()
    vat = compact_vat(customer.vat_number)
    if not wanted:
        return None
    found = []
    for row in rows:
        if " ".join((row.get("name") or "").split()).casefold() != wanted:
            continue
        theirs = [compact_vat(i.get("code")) for i in related_list(row, "identifiers") if is_vat_identifier(i)]
        if vat and theirs and not any(same_vat(code, vat) for code in theirs):
            continue
        found.append(row["id"])
    return min(found) if found else None


def vat_identifier(vat: str) -> Row:
    return {"type": vat_type(vat), "code": vat}


def new_party_values(customer: Customer, *, category: int | None = None, payment_term: int | None = None,
                     with_vat: bool = True) -> Row:
    values: Row = {
        "name": party_name(customer),
        "contact_mechanisms": [("create", [{"type": "email", "value": customer.email.strip()}])],
    }
    if with_vat and (vat := compact_vat(customer.vat_number)):
        values["identifiers"] = [("create", [vat_identifier(vat)])]
    if category is not None:
        values["categories"] = [("add", [category])]
    if payment_term is not None:
        values["customer_payment_term"] = payment_term
    return values


def renamed_party(row: Row, customer: Customer) -> str | None:
    """The party's new name, if the shop's data changes it (case and spaces aside).

    A party Tryton knows as a business (it has a tax identifier) keeps its name when the shop gives
    no company: the person ordering is then one of its contacts, not a new name for it.
    """
    wanted = party_name(customer)
    if " ".join(wanted.split()).casefold() == " ".join((row.get("name") or "").split()).casefold():
        return None                     # typed otherwise in the shop: Tryton's spelling stays
    if not (customer.company or "").strip() and row.get("identifiers"):
        return None
    return wanted


def party_changes(row: Row, customer: Customer, *, category: int | None = None, payment_term: int | None = None,
                  with_vat: bool = True) -> Row:
    """What to write on a party (read with :data:`PARTY_FIELDS`) for the shop's customer data and
    terms: its name, the e-mail it was not found by, a new or changed VAT number, a category to
    add, its payment term. Empty when nothing changed."""
    changes: Row = {}
    if name := renamed_party(row, customer):
        changes["name"] = name
    emails = {(m.get("value") or "").strip().casefold() for m in related_list(row, "contact_mechanisms")
              if m.get("type") == "email"}
    if customer.email_key and customer.email_key not in emails:
        changes["contact_mechanisms"] = [("create", [{"type": "email", "value": customer.email.strip()}])]
    if with_vat and (vat := compact_vat(customer.vat_number)):
        held = [i for i in related_list(row, "identifiers") if is_vat_identifier(i)]
        if not any(same_vat(compact_vat(i.get("code")), vat) for i in held):
            same_kind = [i for i in held if (i.get("type") or None) == vat_type(vat)]
            changes["identifiers"] = ([("write", [min(i["id"] for i in same_kind)], {"code": vat})] if same_kind
                                      else [("create", [vat_identifier(vat)])])
    if category is not None and category not in (row.get("categories") or []):
        changes["categories"] = [("add", [category])]
    if payment_term is not None and row.get("customer_payment_term") != payment_term:
        changes["customer_payment_term"] = payment_term
    return changes


PARTY_FIELDS = ["name", "identifiers", "identifiers.type", "identifiers.code", "contact_mechanisms.type",
                "contact_mechanisms.value", "categories", "customer_payment_term"]


def email_owner(rows: Iterable[Row], customer: Customer) -> int | None:
    """The party whose e-mail is the customer's, compared trimmed and case-insensitively.

    ``ilike`` already matched; this drops what SQL matched loosely (accents, case outside ASCII).
    """
    owners = sorted(row["party"] for row in rows
                    if row.get("party") and (row.get("value") or "").strip().casefold() == customer.email_key)
    return owners[0] if owners else None


def subdivision_code(address: Address) -> str | None:
    """Tryton's ``country.subdivision`` code (ISO 3166-2, ``"IT-RM"``) of the address's region."""
    state = (address.state_code or "").strip().upper()
    if not state:
        return None
    country = address.country_code.strip().upper()
    return state if state.startswith(f"{country}-") else f"{country}-{state}"


def stored_address(address: Address) -> Address:
    """The address as Tryton can hold it: one recipient name, street lines joined, no phone or VAT.

    Comparing two addresses after this projection tells whether Tryton already has one.
    """
    code = subdivision_code(address)
    return Address(first_name=person_name(address.first_name, address.last_name), last_name="",
                   company=(address.company or "").strip() or None,
                   street="\n".join(s.strip() for s in (address.street, address.street2 or "") if s.strip()),
                   postcode=address.postcode.strip(), city=address.city.strip(),
                   country_code=address.country_code.strip().upper(),
                   state_code=code.partition("-")[2] if code else None)


def address_from_row(row: Row) -> Address:
    """A ``party.address`` read with ``party_name``, ``attn``, ``street``, ``postal_code``, ``city``,
    ``country.code`` and ``subdivision.code`` (written by :func:`address_values`: party_name = company
    or person)."""
    company, person = (row.get("party_name") or ""), (row.get("attn") or "")
    if not person:
        company, person = "", company
    subdivision = related(row, "subdivision").get("code") or ""
    return Address(first_name=person, last_name="", company=company or None,
                   street=row.get("street") or "", postcode=row.get("postal_code") or "",
                   city=row.get("city") or "", country_code=(related(row, "country").get("code") or ""),
                   state_code=subdivision.partition("-")[2] or subdivision or None)


def same_address(ours: Address, theirs: Address) -> bool:
    return stored_address(ours).normalised() == stored_address(theirs).normalised()


def address_values(address: Address, party: int, country: int, subdivision: int | None = None) -> Row:
    stored = stored_address(address)
    values: Row = {
        "party": party,
        # The company heads a business address with the person as "attn"; else the person alone.
        "party_name": stored.company or stored.first_name,
        "attn": stored.first_name if stored.company else None,
        "street_unstructured": stored.street,
        "postal_code": stored.postcode,
        "city": stored.city,
        "country": country,
    }
    if subdivision is not None:
        values["subdivision"] = subdivision
    if address.phone and address.phone.strip():
        values["contact_mechanisms"] = [("create", [{"type": "phone", "value": address.phone.strip(),
                                                     "party": party}])]
    return values


# --- sales ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedLine:
    """A sale line before Tryton has said which unit (and, unless given, which taxes) it takes."""

    product: int | None
    quantity: float
    unit_price: Decimal             # tax excluded, in the order's currency
    description: str | None = None
    taxes: tuple[int, ...] | None = None   # None: the taxes Tryton gives the product


def unit_price(value: Decimal) -> Decimal:
    return value.quantize(PRICE_STEP, rounding=ROUND_HALF_UP)


def planned_lines(order: Order, products: Mapping[str, int], *, shipping_product: int | None,
                  gift_wrapping_product: int | None = None) -> list[PlannedLine]:
    """The articles, then the shipping, then the gift wrapping, tax excluded.

    ``products`` maps every SKU of the order to its Tryton id; ``shipping_product`` is needed when
    the order charges shipping, ``gift_wrapping_product`` when it charges gift wrapping.
    """
    lines = [PlannedLine(products[line.sku], float(line.quantity), unit_price(line.unit_price_tax_excl))
             for line in order.lines]
    if order.shipping_tax_excl:
        if shipping_product is None:
            raise ValueError("the order charges shipping but no shipping product is known")
        lines.append(PlannedLine(shipping_product, 1.0, unit_price(order.shipping_tax_excl),
                                 f"Shipping ({order.carrier})" if order.carrier else "Shipping"))
    if order.gift_wrapping_tax_excl:
        if gift_wrapping_product is None:
            raise ValueError("the order charges gift wrapping but no gift wrapping product is known")
        lines.append(PlannedLine(gift_wrapping_product, 1.0, unit_price(order.gift_wrapping_tax_excl),
                                 "Gift wrapping"))
    return lines


def discount_lines(discount: Decimal, articles: Sequence[tuple[PlannedLine, Sequence[int]]], *,
                   product: int | None, description: str = "Discount") -> list[PlannedLine]:
    """The order's discount (tax excluded) as negative lines, one per set of taxes of the articles,
    shared in proportion to their amounts, as shops do: each part is then taxed like the goods it
    reduces, and the parts add up to the discount to the cent."""
    discount = abs(discount)
    if not discount:
        return []
    bases: dict[tuple[int, ...], Decimal] = {}
    for line, taxes in articles:
        group = tuple(sorted(taxes))
        bases[group] = bases.get(group, Decimal(0)) + line.unit_price * Decimal(str(line.quantity))
    total = sum(bases.values(), Decimal(0))
    if not total:   # nothing to share in proportion to: one line, taxed like the first article
        return [PlannedLine(product, 1.0, unit_price(-discount), description, taxes=next(iter(bases), ()))]
    groups = list(bases.items())
    lines, remaining = [], discount
    for taxes, base in groups[:-1]:
        share = (discount * base / total).quantize(CENT, ROUND_HALF_UP)
        remaining -= share
        lines.append(PlannedLine(product, 1.0, unit_price(-share), description, taxes=taxes))
    lines.append(PlannedLine(product, 1.0, unit_price(-remaining), description, taxes=groups[-1][0]))
    return lines


def voucher_label(voucher: Voucher) -> str:
    code = (voucher.code or "").strip()
    name = voucher.name.strip() or code or "Voucher"
    return f"{name} ({code})" if code and code != name else name


def voucher_lines(order: Order, articles: Sequence[tuple[PlannedLine, Sequence[int]]], *, product: int | None,
                  vouchers_as: str = "lines") -> list[PlannedLine]:
    """The order's discounts as negative lines: each voucher its own (``"lines"``), or all in one
    (``"global"``, named after the vouchers). A voucher is shared among the tax rates of the articles
    like any discount (so a voucher on goods at two rates makes two lines); what the vouchers do not
    explain of ``order.discounts_tax_excl`` (a shop rounding, a discount without voucher) is one more
    line, so that the lines always add up to the shop's discount."""
    total = abs(order.discounts_tax_excl)
    vouchers = [v for v in order.vouchers if v.amount_tax_excl]
    if not total:
        return []
    if vouchers_as == "global" or not vouchers:
        label = "Discount" + (f": {', '.join(voucher_label(v) for v in vouchers)}" if vouchers else "")
        return discount_lines(total, articles, product=product, description=label)
    lines, remaining = [], total
    for voucher in vouchers:
        amount = abs(voucher.amount_tax_excl)
        lines += discount_lines(amount, articles, product=product, description=voucher_label(voucher))
        remaining -= amount
    if remaining > 0:
        lines += discount_lines(remaining, articles, product=product)
    elif remaining < 0:       # the vouchers say more than the shop took off: give the difference back
        lines += [replace(line, unit_price=-line.unit_price, description="Discount adjustment")
                  for line in discount_lines(remaining, articles, product=product)]
    return lines


def line_values(line: PlannedLine, *, unit: int | None, taxes: Sequence[int]) -> Row:
    """The ``sale.line`` to create; ``taxes`` are Tryton's for the product, unless the line has its own."""
    chosen = list(line.taxes) if line.taxes is not None else list(taxes)
    values: Row = {"type": "line", "product": line.product, "quantity": line.quantity,
                   "unit_price": line.unit_price, "taxes": [("add", chosen)]}
    if unit is not None:
        values["unit"] = unit
    if line.description:
        values["description"] = line.description
    return values


def taxes_from_change(change: Mapping[str, Any]) -> list[int]:
    """Tax ids out of an ``on_change`` answer: ``{"taxes": {"add": [[index, {"id": 1}], …]}}``."""
    taxes = change.get("taxes") or {}
    if isinstance(taxes, list):          # a plain list of ids, as a many2many value
        return [int(t) for t in taxes]
    return [int(values["id"]) for _, values in taxes.get("add", [])]


def sale_values(order: Order, *, party: int, invoice_address: int, shipment_address: int, currency: int,
                warehouse: int | None, carrier: int | None, lines: Sequence[Row], price_list: int | None = None,
                payment_term: int | None = None) -> Row:
    values: Row = {
        "party": party,
        "invoice_address": invoice_address,
        "shipment_address": shipment_address,
        "reference": order.erp_reference,
        "currency": currency,
        "carrier": carrier,
        # The shop already charged shipping: keep its price instead of Tryton's carrier price.
        "shipment_cost_method": None,
        "lines": [("create", list(lines))],
    }
    if warehouse is not None:
        values["warehouse"] = warehouse
    # Stored for the record (reports, later sales): the lines keep the shop's prices, as sent.
    if price_list is not None:
        values["price_list"] = price_list
    if payment_term is not None:
        values["payment_term"] = payment_term
    if order.gift_message and order.gift_message.strip():
        values["comment"] = f"Gift message: {order.gift_message.strip()}"
    return values


def hub_cancelled(row: Row) -> bool:
    """A sale Tryton closed with nothing shipped nor invoiced: how a confirmed sale ends once its
    shipments and invoices are cancelled and the exceptions ignored (Tryton cannot take a sale in
    processing back to "cancelled"). Read with ``shipments.state`` and ``invoices.state``."""
    if row.get("state") != "done":
        return False
    documents = related_list(row, "shipments") + related_list(row, "invoices")
    return bool(documents) and all(d.get("state") == "cancelled" for d in documents)


def is_cancelled(row: Row) -> bool:
    return row.get("state") == "cancelled" or hub_cancelled(row)


def erp_sale(row: Row) -> ErpSale:
    return ErpSale(key=key(row["id"]), number=row.get("number") or "",
                   total_tax_excl=row.get("untaxed_amount") or Decimal(0),
                   total_tax_incl=row.get("total_amount") or Decimal(0),
                   confirmed=row.get("state") in CONFIRMED_STATES, cancelled=is_cancelled(row))


def pick_sale(rows: Sequence[Row]) -> Row | None:
    """Of the sales carrying one reference, the latest one still alive, else the latest one."""
    alive = [row for row in rows if not is_cancelled(row)]
    candidates = alive or list(rows)
    return max(candidates, key=lambda row: row["id"]) if candidates else None


# --- payments ------------------------------------------------------------------------------------------

def payment_amount(payment: Payment) -> Decimal:
    """In cents: shops keep more decimals (PrestaShop six) than Tryton's currency digits."""
    return payment.amount.quantize(CENT, ROUND_HALF_UP)


def payment_day(payment: Payment, timezone: ZoneInfo) -> dt.date | None:
    """The company's day the shop was paid (None: Tryton's today)."""
    return payment.paid_at.astimezone(timezone).date() if payment.paid_at else None


def recorded_payment(rows: Iterable[Row], payment: Payment, *, journal: int | None,
                     day: dt.date | None) -> Row | None:
    """The ``account.payment`` of the sale (read with ``reference``, ``amount``, ``kind``, ``journal``,
    ``date``) that already records this shop payment: the one with its transaction id, or, for a
    payment without one, one of the same journal, amount and day (``day`` None: any day)."""
    transaction = (payment.transaction_id or "").strip()
    for row in sorted(rows, key=lambda r: r["id"]):
        if row.get("kind", "receivable") != "receivable":
            continue
        if transaction:
            if (row.get("reference") or "").strip() == transaction:
                return row
        elif (row.get("journal") == journal and row.get("amount") == payment_amount(payment)
              and (day is None or row.get("date") == day)):
            return row
    return None


def payment_values(payment: Payment, *, sale: Row, journal: int, day: dt.date | None) -> Row:
    """An ``account.payment`` received for the sale (read with ``company``, ``party``, ``invoice_party``)."""
    values: Row = {
        "company": sale["company"],
        "journal": journal,
        "kind": "receivable",
        "party": sale.get("invoice_party") or sale["party"],
        "amount": payment_amount(payment),
        "origin": f"sale.sale,{sale['id']}",
    }
    if payment.transaction_id and payment.transaction_id.strip():
        values["reference"] = payment.transaction_id.strip()
    if day is not None:
        values["date"] = day
    return values


# --- fulfilment ----------------------------------------------------------------------------------------

def shipped_at(day: dt.date | None) -> dt.datetime | None:
    """Tryton records the day a shipment left, not the hour: midnight UTC of that day."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) if day else None


def shipments_of(shipment: Row) -> list[Shipment]:
    """One canonical shipment per tracking number (the shipment's, else each package's)."""
    carrier = related(related(shipment, "carrier"), "party").get("name")
    when = shipped_at(shipment.get("effective_date"))
    references = [shipment.get("shipping_reference")] if shipment.get("shipping_reference") else [
        p["shipping_reference"] for p in related_list(shipment, "packages") if p.get("shipping_reference")]
    return [Shipment(number=shipment.get("number"), carrier=carrier, tracking_number=ref, shipped_at=when)
            for ref in references or [None]]


INVOICED_STATES = {"posted", "paid"}


def invoice_documents(invoices: Iterable[Row]) -> list[ErpDocument]:
    """Posted invoices (and credit notes: a negative total) with their number. The file is offered
    (``key``) only when Tryton cached the report as a PDF: its own rendering is OpenDocument unless
    the server converts it with LibreOffice, and an ODT is no document for a shop's customer."""
    found = []
    for row in sorted(invoices, key=lambda r: (r.get("invoice_date") or dt.date.min, r.get("id") or 0)):
        if row.get("state") not in INVOICED_STATES or not row.get("number"):
            continue
        total = row.get("total_amount")
        found.append(ErpDocument(
            kind="credit_note" if total is not None and total < 0 else "invoice", number=row["number"],
            issued_at=shipped_at(row.get("invoice_date")), total_tax_incl=str(total) if total is not None else None,
            key=file_key(INVOICE, row["id"]) if row.get("invoice_report_format") == "pdf" and row.get("id") else None))
    return found


def delivery_notes(shipments: Iterable[Row]) -> list[ErpDocument]:
    """The delivery notes of the shipments gone: their numbers (Tryton renders them as OpenDocument)."""
    return [ErpDocument(kind="delivery_note", number=row["number"], issued_at=shipped_at(row.get("effective_date")))
            for row in sorted(shipments, key=lambda r: r["id"])
            if row.get("state") in SHIPPED_STATES and row.get("number")]


def check_cancellable(row: Row) -> None:
    """Raise DataError if the confirmed sale (read with ``number``, ``shipments.state``/``.number``
    and ``invoices.state``/``.number``) can no longer be cancelled: goods left, or an invoice is
    posted (a credit note is then an accountant's decision)."""
    sale = row.get("number") or key(row["id"])
    gone = sorted(s.get("number") or str(s["id"]) for s in related_list(row, "shipments")
                  if s.get("state") in SHIPPED_STATES)
    if gone:
        raise DataError(f"Tryton sale {sale} cannot be cancelled: shipment{'s' if len(gone) > 1 else ''} "
                        f"{', '.join(gone)} {'have' if len(gone) > 1 else 'has'} left",
                        details={"sale": key(row["id"]), "shipments": gone})
    posted = sorted(i.get("number") or str(i["id"]) for i in related_list(row, "invoices")
                    if i.get("state") in INVOICED_STATES)
    if posted:
        raise DataError(f"Tryton sale {sale} cannot be cancelled: invoice {', '.join(posted)} is posted "
                        "(credit it in Tryton)", details={"sale": key(row["id"]), "invoices": posted})


def sale_status(row: Row) -> SaleStatus | None:
    """What the shop should learn of one sale; ``None`` while it is still a draft or quotation.

    Tryton knows when goods left (a shipment ``shipped`` or ``done``), not when they arrived:
    ``DELIVERED`` is never said here.
    """
    state = row.get("state")
    if is_cancelled(row):
        return SaleStatus(erp_key=key(row["id"]), state=SaleState.CANCELLED)
    if state not in CONFIRMED_STATES:
        return None
    shipments = [s for s in related_list(row, "shipments") if s.get("state") != "cancelled"]
    sent = sorted((s for s in shipments if s.get("state") in SHIPPED_STATES), key=lambda s: s["id"])
    if sent and len(sent) == len(shipments):
        progress = SaleState.SHIPPED
    elif sent:
        progress = SaleState.PARTIALLY_SHIPPED
    else:
        progress = SaleState.ACCEPTED
    invoices = invoice_documents(related_list(row, "invoices"))
    first_invoice = next((d.number for d in invoices if d.kind == "invoice"), None)
    return SaleStatus(
        erp_key=key(row["id"]),
        state=progress,
        shipments=tuple(shipment for s in sent for shipment in shipments_of(s)),
        invoice_number=first_invoice,
        documents=(*invoices, *delivery_notes(sent)),
    )


# --- promotions ----------------------------------------------------------------------------------------

class NotMapped(ValueError):
    """A Tryton record the canonical model cannot express faithfully; the message says why."""


@dataclass(frozen=True)
class PromotionContext:
    currency: str                        # the company's
    timezone: ZoneInfo
    shop_categories: Mapping[int, int | None]   # category id → parent, of the categories shops get


def promotion_needs_skus(row: Row, shop_categories: Mapping[int, int | None]) -> bool:
    """Whether the selection must be resolved to SKUs: Tryton takes the products *and* the categories
    when both are set, and a category shops do not get (accounting, labels) cannot be named."""
    categories = row.get("categories") or []
    return bool(categories) and (bool(row.get("products")) or any(c not in shop_categories for c in categories))


def promotions_from_row(row: Row, context: PromotionContext, skus: Sequence[str] | None = None) -> list[Promotion]:
    """A ``sale.promotion``: one campaign, or one per coupon number when it takes coupons.

    ``skus``: the selection already resolved (see :func:`promotion_needs_skus`). Raises
    :class:`NotMapped` for what a shop would apply differently.
    """
    found = pricing.reduction(row.get("formula") or "")
    if found is None:
        raise NotMapped(f"formula {row.get('formula')!r} is neither a percentage nor an amount off the unit price")
    if row.get("quantity"):
        raise NotMapped("it needs a minimal quantity of the products, which campaigns cannot require")
    amount, promotion_key = _minimum_amount(row, context.currency), key(row["id"])
    if skus is None:
        skus = sorted(p["code"] for p in related_list(row, "products") if p.get("code"))
        categories = sorted(descendants(context.shop_categories, row.get("categories") or []))
    else:
        categories = []
    campaign = Promotion(
        key=promotion_key, name=row.get("name") or promotion_key, reduction=found[0], reduction_type=found[1],
        skus=tuple(skus), category_keys=tuple(key(c) for c in categories),
        price_lists=(related(row, "price_list")["name"],) if related(row, "price_list") else (),
        minimum_amount=amount, starts=pricing.midnight(row.get("start_date"), context.timezone),
        ends=pricing.midnight(_next_day(row.get("end_date")), context.timezone))
    coupons = related_list(row, "coupons")
    if not coupons:
        return [campaign]
    return [coupon for row_ in coupons for coupon in _coupon_campaigns(campaign, row_, context.timezone)]


def _minimum_amount(row: Row, currency: str) -> Decimal:
    amount = row.get("amount") or Decimal(0)
    if not amount:
        return Decimal(0)
    if not row.get("untaxed_amount"):
        raise NotMapped("its minimal order amount includes taxes; shops compare it tax excluded")
    theirs = related(row, "currency").get("code")
    if theirs != currency:
        raise NotMapped(f"its minimal amount is in {theirs}, not in the company's {currency}")
    return Decimal(amount)


def _coupon_campaigns(campaign: Promotion, coupon: Row, timezone: ZoneInfo) -> list[Promotion]:
    if (coupon.get("number_of_use") or 0) > 0:
        raise NotMapped("its coupons can be used a limited number of times, which campaigns cannot count")
    found = []
    for number in sorted(related_list(coupon, "numbers"), key=lambda n: n["id"]):
        if not number.get("active", True) or not number.get("number"):
            continue
        starts = _later(campaign.starts, pricing.midnight(number.get("start_date"), timezone))
        ends = _earlier(campaign.ends, pricing.midnight(_next_day(number.get("end_date")), timezone))
        found.append(campaign.model_copy(update={"key": f"{campaign.key}/{number['id']}", "coupon": number["number"],
                                                 "starts": starts, "ends": ends}))
    return found


def _next_day(day: dt.date | None) -> dt.date | None:
    return day + dt.timedelta(days=1) if day else None


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return max(a, b) if a and b else a or b


def _earlier(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return min(a, b) if a and b else a or b
