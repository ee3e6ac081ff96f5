"""PrestaShop's own field rules (``Validate::is…`` and sizes), checked before sending.

PrestaShop refuses a record with a 400 "Property Product->name is not valid" that names neither the
language nor the character; worse, some refusals come after part of the work is saved (an image row
without its file, a batch cut in the middle). Checking here turns them into a ``ValueError`` (a
``DataError`` for the hub) that says what to fix in the ERP. The rules are those of PrestaShop 8.1's
``classes/Validate.php``; the sizes come from the captured ``?schema=synopsis`` documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Characters each name rule refuses, to say which one is at fault.
CATALOG_NAME_REFUSED = "<>;=#{}"       # Validate::isCatalogName
GENERIC_NAME_REFUSED = "<>={}"         # Validate::isGenericName
REFERENCE_REFUSED = "<>;={}"           # Validate::isReference

# Validate::isCleanHtml without PS_ALLOW_HTML_IFRAME: scripts, event handlers and embedded frames.
_SCRIPT = re.compile(r"<\s*script|(?:java|vb)?script\s*:", re.IGNORECASE)
_EVENT = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)
_FRAME = re.compile(r"<\s*(?:i?frame|form|input|embed|object)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")

_DATE = re.compile(r"\d{4}-(0?\d|1[0-2])-(0?\d|[12]\d|3[01])( \d{2}:\d{2}:\d{2})?")
_PRICE = re.compile(r"\d{1,10}(\.\d{1,9})?")


@dataclass(frozen=True)
class Rule:
    """How PrestaShop checks one field: its ``format`` (Validate method) and ``maxSize`` in characters."""

    format: str | None = None
    max_size: int | None = None
    i18n: bool = False


def _refuses(characters: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        found = next((c for c in value if c in characters), None)
        return None if found is None else f"contains {found!r} ({' '.join(characters)} are refused)"
    return check


def _matches(pattern: re.Pattern[str], expected: str) -> Callable[[str], str | None]:
    return lambda value: None if pattern.fullmatch(value) else f"is not {expected}"


def clean_html_problem(value: str, *, allow_iframes: bool = False) -> str | None:
    if _SCRIPT.search(value):
        return "contains a script"
    if _EVENT.search(value):
        return "contains an event handler attribute (on…=)"
    if not allow_iframes and _FRAME.search(value):
        return "contains an iframe, form, input, embed or object tag (PS_ALLOW_HTML_IFRAME is off)"
    return None


CHECKS: Mapping[str, Callable[[str], str | None]] = {
    "isCatalogName": _refuses(CATALOG_NAME_REFUSED),
    "isGenericName": _refuses(GENERIC_NAME_REFUSED),
    "isReference": _refuses(REFERENCE_REFUSED),
    "isCleanHtml": clean_html_problem,
    "isString": lambda value: None,
    "isMpn": lambda value: None,                       # only its size (40) matters
    "isEan13": _matches(re.compile(r"\d{0,13}"), "an EAN-13 (up to 13 digits)"),
    "isUpc": _matches(re.compile(r"\d{0,12}"), "a UPC (up to 12 digits)"),
    "isIsbn": _matches(re.compile(r"[0-9-]{0,32}"), "an ISBN (digits and dashes)"),
    "isBool": _matches(re.compile(r"[01]?"), "0 or 1"),
    "isUnsignedId": _matches(re.compile(r"\d+"), "a whole number ≥ 0"),
    "isUnsignedInt": _matches(re.compile(r"\d+"), "a whole number ≥ 0"),
    "isInt": _matches(re.compile(r"-?\d+"), "a whole number"),
    "isPrice": _matches(_PRICE, "a price (digits, optional decimals)"),
    "isUnsignedFloat": _matches(re.compile(r"\d+(\.\d+)?"), "a number ≥ 0"),
    "isDateFormat": _matches(_DATE, "a date YYYY-MM-DD [HH:MM:SS]"),
    "isProductVisibility": _matches(re.compile(r"both|catalog|search|none"), "both, catalog, search or none"),
    "isProductCondition": _matches(re.compile(r"new|used|refurbished"), "new, used or refurbished"),
}


def problem(value: str, rule: Rule) -> str | None:
    """What PrestaShop would object to in ``value``, or None. Sizes count characters, like PHP's mb_strlen."""
    if rule.max_size is not None and len(value) > rule.max_size:
        return f"is {len(value)} characters long (at most {rule.max_size})"
    check = CHECKS.get(rule.format or "")
    return check(value) if check and value else None


def check(value: str, rule: Rule, what: str) -> str:
    """``value`` when PrestaShop would take it; a ``ValueError`` naming ``what``, the fault and the value
    (unless ``what`` shows it already) otherwise."""
    fault = problem(value, rule)
    if fault:
        shown = "" if value in what else f": {shown_value(value)}"
        raise ValueError(f"{what} {fault}{shown}")
    return value


def shown_value(value: str, limit: int = 80) -> str:
    """A value as an error message quotes it: whole when short, its beginning otherwise."""
    return repr(value if len(value) <= limit else value[:limit - 1] + "…")


def plain_length(html: str) -> int:
    """Characters PrestaShop counts in a short description (tags stripped, like strip_tags)."""
    return len(_TAG.sub("", html))


# Product fields the configuration may fill from ERP free fields (``extra_fields``): the writable
# fields of the captured product synopsis, minus those the connector maps itself and the computed ones.
EXTRA_PRODUCT_FIELDS: Mapping[str, Rule] = {
    "supplier_reference": Rule("isReference", 64),
    "location": Rule("isString", 255),
    "isbn": Rule("isIsbn", 32),
    "upc": Rule("isUpc", 12),
    "mpn": Rule("isMpn", 40),
    "id_supplier": Rule("isUnsignedId"),
    "quantity_discount": Rule("isBool"),
    "additional_delivery_times": Rule("isUnsignedId"),
    "on_sale": Rule("isBool"),
    "online_only": Rule("isBool"),
    "ecotax": Rule("isPrice"),
    "minimal_quantity": Rule("isUnsignedInt"),
    "low_stock_threshold": Rule("isInt"),
    "low_stock_alert": Rule("isBool"),
    "wholesale_price": Rule("isPrice"),
    "unity": Rule("isString"),
    "unit_price": Rule("isPrice"),
    "additional_shipping_cost": Rule("isPrice"),
    "customizable": Rule("isUnsignedInt"),
    "text_fields": Rule("isUnsignedInt"),
    "uploadable_files": Rule("isUnsignedInt"),
    "redirect_type": Rule("isString"),
    "id_type_redirected": Rule("isUnsignedId"),
    "available_for_order": Rule("isBool"),
    "available_date": Rule("isDateFormat"),
    "show_condition": Rule("isBool"),
    "condition": Rule("isProductCondition"),
    "show_price": Rule("isBool"),
    "visibility": Rule("isProductVisibility"),
    "pack_stock_type": Rule("isUnsignedInt"),
    "delivery_in_stock": Rule("isGenericName", 255, i18n=True),
    "delivery_out_stock": Rule("isGenericName", 255, i18n=True),
    "meta_title": Rule("isGenericName", 255, i18n=True),
    "meta_description": Rule("isGenericName", 512, i18n=True),
    "meta_keywords": Rule("isGenericName", 255, i18n=True),
    "available_now": Rule("isGenericName", 255, i18n=True),
    "available_later": Rule("isGenericName", 255, i18n=True),
}

# Fields of the records the connector writes, as the 8.1.2 synopsis and ObjectModel definitions give them.
PRODUCT_NAME = Rule("isCatalogName", 128, i18n=True)
CATEGORY_NAME = Rule("isCatalogName", 128, i18n=True)
REFERENCE = Rule("isReference", 64)
EAN13 = Rule("isEan13", 13)
MANUFACTURER_NAME = Rule("isCatalogName", 64)
ATTRIBUTE_GROUP = Rule("isGenericName", 64)      # its public_name holds 64 of the name's 128
ATTRIBUTE_VALUE = Rule("isGenericName", 128)
FEATURE_NAME = Rule("isGenericName", 128, i18n=True)
FEATURE_VALUE = Rule("isGenericName", 255, i18n=True)
ATTACHMENT_NAME = Rule("isGenericName", 32, i18n=True)
ATTACHMENT_FILE_NAME = Rule("isGenericName", 128)
CART_RULE_NAME = Rule(None, 254, i18n=True)
CART_RULE_CODE = Rule("isCleanHtml", 254)

_TRUE = {"1", "true", "yes", "y", "on", "oui"}
_FALSE = {"0", "false", "no", "n", "off", "non", ""}


def extra_value(value: str, rule: Rule, what: str) -> str:
    """An ERP free field for a product field: booleans spelled true/false/yes/no become 1/0 (ERP exports
    write them so); anything else must pass the field's own rule."""
    if rule.format == "isBool":
        folded = value.strip().lower()
        if folded in _TRUE | _FALSE:
            return "1" if folded in _TRUE else "0"
    return check(value.strip() if rule.format not in ("isString", "isGenericName") else value, rule, what)
