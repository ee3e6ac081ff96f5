"""Odoo rows ⇄ the canonical model: pure functions, no I/O.

Rows are what ``read`` / ``search_read`` answer: many2one as ``[id, "name"]`` or ``False``, x2many as
id lists, ``False`` for an empty value, datetimes as naive UTC strings ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import html
import os.path
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from courroie.connectors.protocols import ErpSale
from courroie.model import (
    Address,
    Category,
    Customer,
    ErpDocument,
    FileRef,
    KitItem,
    Money,
    Order,
    OrderLine,
    Payment,
    Product,
    SaleState,
    SaleStatus,
    Shipment,
    StockLevel,
    Variant,
    Voucher,
)
from courroie.model.base import CENT, Translations

from .config import hub_language

Row = dict[str, Any]
SEPARATORS = "-_./ "
HUNDRED = Decimal(100)


# --- values ---------------------------------------------------------------------------------------------

def key(record_id: int) -> str:
    return str(record_id)


def record_id(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"not an Odoo id: {value!r}")
    return number


def many2one_id(value: Any) -> int | None:
    """``[id, "name"]`` → id; ``False`` → None (JSON-2 and ``load=None`` reads answer a bare id)."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def many2one_name(value: Any) -> str | None:
    return str(value[1]) if isinstance(value, list | tuple) and len(value) > 1 else None


def text(value: Any) -> str | None:
    """Odoo's ``False`` for an empty char field → None; strings trimmed."""
    return value.strip() or None if isinstance(value, str) else None


def decimal(value: Any) -> Decimal:
    """Odoo's floats as exact decimals of what they print (``2.8500000000000014`` → 2.85 at the cent)."""
    if value in (None, False):
        return Decimal(0)
    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)


def money_amount(value: Any) -> Decimal:
    return decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def odoo_datetime(moment: dt.datetime) -> str:
    """An aware datetime as Odoo's domains want it: naive UTC ``YYYY-MM-DD HH:MM:SS``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def parse_datetime(value: Any) -> dt.datetime | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value).replace("T", " "))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def ean13(barcode: Any) -> str | None:
    """The barcode if it is a valid EAN-13 (13 digits, right check digit), else None."""
    code = text(barcode)
    if not code or len(code) != 13 or not code.isdigit():
        return None
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return code if (10 - total % 10) % 10 == int(code[12]) else None


def any_of(leaves: Sequence[Any]) -> list[Any]:
    """A domain true when one of ``leaves`` is (Odoo's prefix ``|``)."""
    return ["|"] * (len(leaves) - 1) + list(leaves)


def escape_like(value: str) -> str:
    """A literal for ``=like`` / ``=ilike``: ``%`` and ``_`` (frequent in e-mails) are wildcards."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- catalog --------------------------------------------------------------------------------------------

def categories_from_rows(rows: Sequence[Row], languages: Sequence[str]) -> list[Category]:
    """Categories, parents first; Odoo's category name is not translated, so every language has it."""
    by_id = {row["id"]: row for row in rows}
    ordered: list[Row] = []
    seen: set[int] = set()

    def visit(row: Row) -> None:
        if row["id"] in seen:
            return
        seen.add(row["id"])
        parent = many2one_id(row.get("parent_id"))
        if parent in by_id:
            visit(by_id[parent])
        ordered.append(row)

    for row in sorted(rows, key=lambda r: r["id"]):
        visit(row)
    names = sorted({hub_language(lang) for lang in languages})

    def parent_key(row: Row) -> str | None:
        parent = many2one_id(row.get("parent_id"))
        return key(parent) if parent is not None and parent in by_id else None

    return [Category(key=key(row["id"]), name=dict.fromkeys(names, str(row.get("name") or "")),
                     parent_key=parent_key(row)) for row in ordered]


def translations(texts: Mapping[str, Mapping[int, Row]], record: int, field: str, *,
                 as_html: bool = False) -> Translations:
    """``{hub language: text}`` of one field of one record read in several languages."""
    found: Translations = {}
    for language, rows in texts.items():
        value = text((rows.get(record) or {}).get(field))
        if value:
            found[hub_language(language)] = plain_to_html(value) if as_html else value
    return found


def plain_to_html(value: str) -> str:
    """Odoo's sales description is plain text; shops want HTML: one paragraph per line."""
    return "".join(f"<p>{html.escape(line.strip())}</p>" for line in value.splitlines() if line.strip())


def template_sku(template: Row, variants: Sequence[Row], reference_field: str | None) -> str | None:
    """A template's own SKU: the configured field, its single variant's code, or the variants' common
    code prefix (Odoo keeps no reference on a multi-variant template)."""
    if reference_field and text(template.get(reference_field)):
        return text(template.get(reference_field))
    codes = [code for v in variants if (code := text(v.get("default_code")))]
    if len(variants) == 1:
        return codes[0] if codes else None
    if not codes:
        return None
    common = os.path.commonprefix(codes)
    if any(len(code) > len(common) and code[len(common)] not in SEPARATORS for code in codes):
        common = common[:max(common.rfind(s) for s in SEPARATORS) + 1]   # whole parts only: MOT-400, not MOT-400-2
    prefix = common.rstrip(SEPARATORS)
    return prefix if len(prefix) >= 3 else f"odoo-template-{template['id']}"


def attributes_of(variant: Row, values: Mapping[int, tuple[str, str]]) -> dict[str, str]:
    """``{attribute: value}`` of a variant from its product.template.attribute.value ids."""
    found: dict[str, str] = {}
    for ptav in variant.get("product_template_attribute_value_ids") or []:
        if ptav in values:
            attribute, value = values[ptav]
            found[attribute] = value
    return found


def image_ref(model: str, record: int, field: str, content_b64: Any, name: str) -> FileRef | None:
    """A picture held in a binary field, named by where it lives; its hash says if it changed."""
    if not content_b64:
        return None
    try:
        content = base64.b64decode(content_b64)
    except (binascii.Error, ValueError):
        return None
    kind, extension = sniff(content)
    return FileRef(key=f"{model}/{record}/{field}", content_hash=hashlib.sha256(content).hexdigest(),
                   filename=f"{name}.{extension}", content_type=kind)


def sniff(content: bytes) -> tuple[str, str]:
    """Content type and extension from the first bytes (Odoo stores pictures without their name)."""
    for magic, kind, extension in ((b"\x89PNG", "image/png", "png"), (b"\xff\xd8\xff", "image/jpeg", "jpg"),
                                   (b"GIF8", "image/gif", "gif"), (b"RIFF", "image/webp", "webp"),
                                   (b"<svg", "image/svg+xml", "svg"), (b"<?xml", "image/svg+xml", "svg")):
        if content.startswith(magic):
            return kind, extension
    return "application/octet-stream", "bin"


def file_location(file_key: str) -> tuple[str, int, str]:
    """``product.template/42/image_1920`` → (model, id, field)."""
    model, record, field = file_key.split("/")
    return model, record_id(record), field


def kit_items(bom_lines: Sequence[Row], codes: Mapping[int, str], bom_quantity: Any) -> tuple[KitItem, ...]:
    """Components of a kit per unit of the kit (a BoM may be written for several units)."""
    per = decimal(bom_quantity) or Decimal(1)
    items = []
    for line in bom_lines:
        product = many2one_id(line.get("product_id"))
        if product is not None and product in codes:
            items.append(KitItem(sku=codes[product], quantity=(decimal(line.get("product_qty")) / per).normalize()))
    return tuple(items)


def product_from_rows(template: Row, variants: Sequence[Row], *, sku: str, names: Translations,
                      descriptions: Translations, values: Mapping[int, tuple[str, str]], currency: str,
                      tax_names: Mapping[int, str], images: Mapping[tuple[str, int], FileRef],
                      kit: tuple[KitItem, ...] = ()) -> Product:
    base_price = money_amount(template.get("list_price"))
    single = len(variants) == 1
    canonical = [_variant(v, values, base_price, currency, images) for v in variants if text(v.get("default_code"))]
    taxes = [tax_names[t] for t in template.get("taxes_id") or [] if t in tax_names]
    cover = images.get(("product.template", template["id"]))
    return Product(
        sku=sku, name=names, description=descriptions,
        category_keys=(key(categ),) if (categ := many2one_id(template.get("categ_id"))) else (),
        price=Money(amount=base_price, currency=currency), tax_group=taxes[0] if taxes else None,
        ean13=ean13(variants[0].get("barcode")) if single else None,
        weight=(decimal(variants[0].get("weight")) or None) if single else None,
        images=(cover,) if cover else (), kit=kit, active=bool(template.get("active", True)),
        variants=tuple(canonical))


def _variant(row: Row, values: Mapping[int, tuple[str, str]], base_price: Decimal, currency: str,
             images: Mapping[tuple[str, int], FileRef]) -> Variant:
    price = money_amount(row.get("lst_price"))
    own_image = images.get(("product.product", row["id"]))
    return Variant(sku=str(text(row.get("default_code"))), attributes=attributes_of(row, values),
                   ean13=ean13(row.get("barcode")), weight=decimal(row.get("weight")) or None,
                   price=Money(amount=price, currency=currency) if price != base_price else None,
                   active=bool(row.get("active", True)), images=(own_image,) if own_image else ())


# --- stock ------------------------------------------------------------------------------------------------

def available(row: Row) -> Decimal:
    """What may be sold: ``min(free_qty, virtual_available)``, never below zero (see ``read_stock``)."""
    return max(Decimal(0), min(decimal(row.get("free_qty")), decimal(row.get("virtual_available"))))


def stock_levels(rows: Sequence[Row], location: str) -> list[StockLevel]:
    """With the article's category, for per-category safety buffers and back-order rules."""
    return [StockLevel(sku=code, location=location, quantity=available(row),
                       categories=(key(categ),) if (categ := many2one_id(row.get("categ_id"))) else ())
            for row in sorted(rows, key=lambda r: str(r.get("default_code")))
            if (code := text(row.get("default_code")))]


def newest(rows: Sequence[Row], current: str | None) -> str | None:
    """The latest ``write_date`` among rows and the current cursor (Odoo's format sorts as text)."""
    dates = [str(row["write_date"]) for row in rows if row.get("write_date")] + ([current] if current else [])
    return max(dates) if dates else None


# --- customers and addresses -------------------------------------------------------------------------------

def full_name(first: str, last: str) -> str:
    return " ".join(part.strip() for part in (first, last) if part and part.strip())


def customer_values(customer: Customer, *, pricelist: int | None = None, payment_term: int | None = None,
                    category: int | None = None) -> Row:
    """A new contact: the shop customer, and the terms of its customer group (price list, payment
    term: company-dependent properties; category: a contact tag)."""
    values: Row = {"name": full_name(customer.first_name, customer.last_name), "email": customer.email.strip(),
                   "type": "contact", "is_company": False, "customer_rank": 1}
    if customer.company:
        values["company_name"] = customer.company
    if customer.vat_number:
        values["vat"] = customer.vat_number.strip()
    values |= _terms_values(pricelist, payment_term)
    if category:
        values["category_id"] = [(4, category)]
    return values


def _terms_values(pricelist: int | None, payment_term: int | None) -> Row:
    return {field: value for field, value in (("property_product_pricelist", pricelist),
                                              ("property_payment_term_id", payment_term)) if value}


def customer_changes(row: Row, customer: Customer, *, pricelist: int | None = None, payment_term: int | None = None,
                     category: int | None = None) -> Row:
    """What to write on the Odoo contact so that it says what the shop's customer says, and carries the
    terms of its group (a tag is added, never removed: the merchant's own tags stay)."""
    wanted = customer_values(customer)
    changes = {field: value for field, value in wanted.items()
               if field in ("name", "vat", "company_name") and (text(row.get(field)) or None) != value}
    changes |= {field: value for field, value in _terms_values(pricelist, payment_term).items()
                if many2one_id(row.get(field)) != value}
    if category and category not in (row.get("category_id") or []):
        changes["category_id"] = [(4, category)]
    return changes


def remember_changes(row: Row, changes: Row) -> Row:
    """The contact as read, after ``changes`` were written (x2many commands applied)."""
    updated = dict(row)
    for field, value in changes.items():
        if field == "category_id":
            updated[field] = [*(row.get(field) or []), *(c[1] for c in value if c[0] == 4)]
        elif field.startswith("property_"):
            updated[field] = [value, ""]
        else:
            updated[field] = value
    return updated


def pick_customer(rows: Sequence[Row], customer: Customer) -> Row | None:
    """The contact owning this e-mail (trimmed, case-insensitive): the oldest top-level one."""
    owners = [row for row in rows if not many2one_id(row.get("parent_id"))
              and (text(row.get("email")) or "").casefold() == customer.email_key]
    return min(owners, key=lambda r: r["id"]) if owners else None


def compact_vat(value: str | None) -> str | None:
    """A VAT number without its separators, upper case: ``fr 40 303.265.045`` → ``FR40303265045``."""
    compact = "".join(c for c in (value or "").upper() if c.isalnum())
    return compact or None


def loose_pattern(vat: str) -> str:
    """An ``=ilike`` pattern finding ``vat`` however it was typed into Odoo (spaces, dots, dashes)."""
    return "%" + "%".join(escape_like(c) for c in vat) + "%"


def pick_vat_owner(rows: Sequence[Row], vat: str) -> int | None:
    """The business holding this VAT number: the oldest top-level contact (a company first) whose
    number is the same once compacted; else the parent of a contact holding it."""
    holders = [row for row in rows if compact_vat(text(row.get("vat"))) == vat]
    top = [row for row in holders if not many2one_id(row.get("parent_id"))]
    if top:
        return min(top, key=lambda r: (not r.get("is_company"), r["id"]))["id"]
    parents = sorted(p for row in holders if (p := many2one_id(row.get("parent_id"))))
    return parents[0] if parents else None


def _norm(value: str | None) -> str:
    return " ".join("".join(c for c in (value or "").casefold() if c.isalnum() or c.isspace()).split())


def address_key(address: Address) -> tuple[str, ...]:
    """What makes two addresses the same: name, company, street, postcode, city, country, region; case,
    spaces and punctuation aside (Odoo keeps one name where the shop has first and last)."""
    return tuple(_norm(v) for v in (full_name(address.first_name, address.last_name), address.company,
                                    address.street, address.street2, address.postcode, address.city,
                                    address.country_code, address.state_code))


def row_address_key(row: Row, country_code: str | None, state_code: str | None = None, *,
                    company: str | None = None) -> tuple[str, ...]:
    return tuple(_norm(v) for v in (text(row.get("name")), company if company is not None else
                                    text(row.get("company_name")), text(row.get("street")), text(row.get("street2")),
                                    text(row.get("zip")), text(row.get("city")), country_code, state_code))


def address_values(address: Address, country: int, state: int | None = None) -> Row:
    values: Row = {"name": full_name(address.first_name, address.last_name), "street": address.street,
                   "street2": address.street2 or False, "zip": address.postcode, "city": address.city,
                   "country_id": country, "state_id": state or False}
    if address.phone:
        values["phone"] = address.phone
    if address.company:
        values["company_name"] = address.company
    return values


def has_address(row: Row) -> bool:
    return bool(text(row.get("street")) or text(row.get("city")))


# --- sales ------------------------------------------------------------------------------------------------

def discount_percent(line: OrderLine) -> Decimal:
    """The shop line's own reduction as Odoo's ``discount`` (%), from its unit price and its total."""
    gross = line.unit_price_tax_excl * line.quantity
    if gross <= 0 or line.total_tax_excl >= gross - CENT:
        return Decimal(0)
    return ((gross - line.total_tax_excl) / gross * HUNDRED).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def line_values(line: OrderLine, product: int) -> Row:
    values: Row = {"product_id": product, "product_uom_qty": float(line.quantity),
                   "price_unit": float(line.unit_price_tax_excl)}
    discount = discount_percent(line)
    if discount:
        values["discount"] = float(discount)
    return values


def shipping_values(order: Order, product: int, name: str | None) -> Row:
    values: Row = {"product_id": product, "product_uom_qty": 1.0, "price_unit": float(order.shipping_tax_excl),
                   "is_delivery": True}
    if name:
        values["name"] = name
    return values


def discount_values(order: Order, product: int, amount: Decimal | None = None) -> Row:
    """One line for the order's discounts (all of them, or what the vouchers do not explain)."""
    return {"product_id": product, "product_uom_qty": 1.0,
            "price_unit": -float(order.discounts_tax_excl if amount is None else amount),
            "name": f"Discount ({order.reference})"}


def voucher_label(voucher: Voucher) -> str:
    return f"{voucher.name} ({voucher.code})" if voucher.code and voucher.code not in voucher.name else voucher.name


def discount_lines(order: Order, product: int, vouchers_as: str) -> list[Row]:
    """The order's discounts as lines of the discount product: one per voucher (``lines``), what the
    vouchers do not explain on one more line; or a single line for them all (``global``)."""
    if vouchers_as != "lines" or not order.vouchers:
        return [discount_values(order, product)] if order.discounts_tax_excl else []
    lines = [{"product_id": product, "product_uom_qty": 1.0, "price_unit": -float(voucher.amount_tax_excl),
              "name": voucher_label(voucher)} for voucher in order.vouchers if voucher.amount_tax_excl]
    rest = order.discounts_tax_excl - sum((v.amount_tax_excl for v in order.vouchers), Decimal(0))
    if abs(rest) >= CENT:
        lines.append(discount_values(order, product, rest))
    return lines


def has_discounts(order: Order) -> bool:
    return bool(order.discounts_tax_excl) or any(v.amount_tax_excl for v in order.vouchers)


def gift_wrapping_values(order: Order, product: int) -> Row:
    name = "Gift wrapping" + (f"\n{order.gift_message.strip()}" if order.gift_message and order.gift_message.strip()
                              else "")
    return {"product_id": product, "product_uom_qty": 1.0, "price_unit": float(order.gift_wrapping_tax_excl),
            "name": name}


def sale_values(order: Order, *, partner: int, invoice_address: int, delivery_address: int,
                lines: Sequence[Row], pricelist: int | None, warehouse: int | None, carrier: int | None,
                payment_term: int | None = None) -> Row:
    values: Row = {"partner_id": partner, "partner_invoice_id": invoice_address,
                   "partner_shipping_id": delivery_address, "client_order_ref": order.erp_reference,
                   "origin": f"{order.shop} {order.reference}", "order_line": [(0, 0, dict(v)) for v in lines]}
    for field, value in (("pricelist_id", pricelist), ("warehouse_id", warehouse), ("carrier_id", carrier),
                         ("payment_term_id", payment_term)):
        if value:
            values[field] = value
    return values


def erp_sale(row: Row, confirmed_states: Sequence[str]) -> ErpSale:
    return ErpSale(key=key(row["id"]), number=str(row.get("name") or ""),
                   total_tax_excl=money_amount(row.get("amount_untaxed")),
                   total_tax_incl=money_amount(row.get("amount_total")),
                   confirmed=row.get("state") in confirmed_states, cancelled=row.get("state") == "cancel")


# --- payments ----------------------------------------------------------------------------------------------

def payment_reference(payment: Payment, sale: Row) -> str:
    """What a payment is recognised by, written as its reference (``ref`` / ``memo``): the shop's
    transaction id, else the shop order's reference (the one the sale carries) and the method."""
    if payment.transaction_id and payment.transaction_id.strip():
        return payment.transaction_id.strip()
    return f"{text(sale.get('client_order_ref')) or sale.get('name')} {payment.method}".strip()


def payment_day(payment: Payment, today: dt.date) -> str:
    return (payment.paid_at.astimezone(dt.UTC).date() if payment.paid_at else today).isoformat()


def payment_values(payment: Payment, *, reference: str, reference_field: str, partner: int, journal: int,
                   currency: int | None, day: str) -> Row:
    """A customer payment received (``inbound``), to post; linked to the customer and the reference."""
    values: Row = {"payment_type": "inbound", "partner_type": "customer", "partner_id": partner,
                   "amount": float(payment.amount), "journal_id": journal, "date": day, reference_field: reference}
    if currency:
        values["currency_id"] = currency
    return values


def recorded_payment(recorded: list[Row], reference: str, amount: Decimal, reference_field: str) -> Row | None:
    """The payment already in Odoo for this one (same reference and amount), if any."""
    for row in recorded:
        if text(row.get(reference_field)) == reference and money_amount(row.get("amount")) == amount.quantize(CENT):
            return row
    return None


def pick_sale(rows: Sequence[Row]) -> Row | None:
    """Of the orders carrying one reference, the latest one not cancelled, else the latest one."""
    alive = [row for row in rows if row.get("state") != "cancel"]
    candidates = alive or list(rows)
    return max(candidates, key=lambda r: r["id"]) if candidates else None


# --- fulfilment --------------------------------------------------------------------------------------------

def is_outgoing(picking: Row) -> bool:
    return picking.get("picking_type_code") in ("outgoing", False, None) and picking.get("state") != "cancel"


def shipments_of(pickings: Sequence[Row]) -> tuple[Shipment, ...]:
    """Done deliveries, oldest first: their number, carrier, tracking number and date."""
    return tuple(Shipment(number=text(p.get("name")), carrier=many2one_name(p.get("carrier_id")),
                          tracking_number=text(p.get("carrier_tracking_ref")),
                          shipped_at=parse_datetime(p.get("date_done")))
                 for p in sorted(pickings, key=lambda p: (str(p.get("date_done") or ""), p["id"])))


def is_invoice(move: Row) -> bool:
    return (move.get("state") == "posted" and move.get("move_type") in ("out_invoice", False, None)
            and text(move.get("name")) not in (None, "/"))


def invoice_attachment(attachments: Sequence[Row], invoice: Row) -> int | None:
    """The PDF printing left on an invoice (16: a plain attachment, named after its number)."""
    own = [a for a in attachments if many2one_id(a.get("res_id")) == invoice["id"]]
    expected = f"{str(invoice.get('name')).replace('/', '_')}.pdf"
    named = [a for a in own if a.get("name") == expected]
    chosen = named or own
    return max(a["id"] for a in chosen) if chosen else None


def file_key_of_attachment(attachment: int | None) -> str | None:
    return f"ir.attachment/{attachment}/datas" if attachment else None


def documents_of(done: Sequence[Row], invoices: Sequence[Row], pdfs: Mapping[int, int]) -> tuple[ErpDocument, ...]:
    notes = [ErpDocument(kind="delivery_note", number=shipment.number, issued_at=shipment.shipped_at)
             for shipment in shipments_of(done) if shipment.number]
    bills = [ErpDocument(kind="invoice", number=str(text(i.get("name"))), issued_at=_day(i.get("invoice_date")),
                         total_tax_incl=str(money_amount(i.get("amount_total"))),
                         key=file_key_of_attachment(pdfs.get(i["id"])))
             for i in sorted(invoices, key=lambda i: i["id"])]
    return (*notes, *bills)


def _day(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.combine(dt.date.fromisoformat(str(value)[:10]), dt.time(), tzinfo=dt.UTC)


def sale_status(order: Row, pickings: Sequence[Row], invoices: Sequence[Row], confirmed_states: Sequence[str],
                pdfs: Mapping[int, int] | None = None) -> SaleStatus | None:
    """What the shop should learn of one order; ``None`` while it is a quotation.

    Its deliveries (outgoing, not cancelled): shipped once every one is done, partially shipped while
    some are (a backorder waits, or another warehouse has not shipped yet); each done one is a
    shipment and a delivery note. Its posted customer invoices are invoices (the first one also
    gives ``invoice_number``), with their PDF where Odoo keeps one."""
    state = order.get("state")
    if state == "cancel":
        return SaleStatus(erp_key=key(order["id"]), state=SaleState.CANCELLED)
    if state not in confirmed_states:
        return None
    outgoing = [p for p in pickings if is_outgoing(p)]
    done = [p for p in outgoing if p.get("state") == "done"]
    posted = sorted((i for i in invoices if is_invoice(i)), key=lambda i: i["id"])
    if done and len(done) == len(outgoing):
        progress = SaleState.SHIPPED
    else:
        progress = SaleState.PARTIALLY_SHIPPED if done else SaleState.ACCEPTED
    return SaleStatus(erp_key=key(order["id"]), state=progress, shipments=shipments_of(done),
                      invoice_number=text(posted[0]["name"]) if posted else None,
                      documents=documents_of(done, posted, pdfs or {}))
