"""Field validation and storage normalisation, the way the webservice checks and stores values.

PrestaShop validates a field with the `format` named in its synopsis (`isPrice`, `isCatalogName`…)
only when the value is not empty, then MySQL stores it in its column type (DECIMAL(20,6) prints as
`22.500000`, an INT as `3`). The rules below reproduce what a client can observe; they are written
from the documented/observed behaviour, not from PrestaShop's code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO_DATE = "0000-00-00"
ZERO_DATETIME = "0000-00-00 00:00:00"


def _regex(pattern: str, flags: int = 0) -> Callable[[str], bool]:
    compiled = re.compile(pattern, flags)
    return lambda value: compiled.fullmatch(value) is not None


def _is_float(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return value.strip() == value and value.lower() not in ("nan", "inf", "-inf", "infinity")


def _is_unsigned_float(value: str) -> bool:
    return _is_float(value) and float(value) >= 0


def _is_unsigned_id(value: str) -> bool:
    return value.isdigit() and int(value) <= 4294967295


def _is_clean_html(value: str) -> bool:
    lowered = value.lower()
    if re.search(r"<\s*(script|iframe|form|input|embed|object)\b", lowered):
        return False
    return re.search(r"\bon[a-z]+\s*=|javascript:", lowered) is None


_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = _DATE + r"( \d{2}:\d{2}(:\d{2})?)?"

VALIDATORS: dict[str, Callable[[str], bool]] = {
    "isCatalogName": _regex(r"[^<>;=#{}]*"),
    "isGenericName": _regex(r"[^<>={}]*"),
    "isCarrierName": _regex(r"[^<>;=#{}]*"),
    "isName": _regex(r"[^0-9!<>,;?=+()@#\"°{}_$%:¤|]*"),
    "isCustomerName": _regex(r"[^0-9!<>,;?=+()@#\"°{}_$%:¤|]*"),
    "isEmail": _regex(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+"),
    "isPrice": _regex(r"[0-9]{1,10}(\.[0-9]{1,9})?"),
    "isNegativePrice": _regex(r"-?[0-9]{1,10}(\.[0-9]{1,9})?"),
    "isFloat": _is_float,
    "isUnsignedFloat": _is_unsigned_float,
    "isOptFloat": _is_float,
    "isUnsignedId": _is_unsigned_id,
    "isNullUnsignedId": _is_unsigned_id,
    "isNullOrUnsignedId": _is_unsigned_id,
    "isPercentage": lambda v: _is_float(v) and 0 <= float(v) <= 100,
    "isReductionType": _regex(r"percentage|amount"),
    "isPriceDisplayMethod": _regex(r"[01]"),
    "isDniLite": _regex(r"[0-9A-Za-z-.]{0,16}"),
    "isThemeName": _regex(r"[a-zA-Z0-9_.-]+"),
    "isUnsignedInt": _is_unsigned_id,
    "isInt": _regex(r"-?\d+"),
    "isBool": _regex(r"[01]"),
    "isEan13": _regex(r"[0-9]{0,13}"),
    "isUpc": _regex(r"[0-9]{0,12}"),
    "isIsbn": _regex(r"[0-9-]{0,32}"),
    "isMpn": _regex(r".{0,40}", re.S),
    "isReference": _regex(r"[^<>;={}]*"),
    "isLinkRewrite": _regex(r"[\w-]+"),
    "isCleanHtml": _is_clean_html,
    "isDate": _regex(_DATETIME),
    "isDateOrNull": _regex(_DATETIME),
    "isDateFormat": _regex(_DATETIME),
    "isBirthDate": _regex(_DATE),
    "isColor": _regex(r"#[0-9a-fA-F]{3,6}|[a-zA-Z]+"),
    "isProductVisibility": _regex(r"both|catalog|search|none"),
    "isMd5": _regex(r"[a-fA-F0-9]{32}"),
    "isSha1": _regex(r"[a-fA-F0-9]{40}"),
    "isPhoneNumber": _regex(r"[+0-9. ()/-]*"),
    "isPostCode": _regex(r"[a-zA-Z 0-9-]+"),
    "isCityName": _regex(r"[^!<>;?=+@#\"°{}_$%]*"),
    "isAddress": _regex(r"[^!<>?=+@{}_$%]*"),
    "isMessage": _regex(r"[^<>{}]*"),
    "isZipCodeFormat": _regex(r"[NLCnlc 0-9-]+"),
    "isLanguageIsoCode": _regex(r"[a-zA-Z]{2,3}"),
    "isLanguageCode": _regex(r"[a-zA-Z]{2}(-[a-zA-Z]{2})?"),
    "isLocale": _regex(r"[a-zA-Z]{2}(-[a-zA-Z]{2})?"),
    "isNumericIsoCode": _regex(r"[0-9]{2,3}"),
    "isTplName": _regex(r"[a-zA-Z0-9_-]+"),
    "isModuleName": _regex(r"[a-zA-Z0-9_-]+"),
    "isConfigName": _regex(r"[a-zA-Z_0-9-]+"),
    "isTrackingNumber": _regex(r"[~:#,%&_=()\[\].? +\-@/a-zA-Z0-9]+"),
    "isPhpDateFormat": _regex(r"[^<>]+"),
    "isStateIsoCode": _regex(r"[a-zA-Z0-9]{1,4}(-[a-zA-Z0-9]{1,4})?"),
    "isIp2Long": _regex(r"-?[0-9]+"),
}


def is_valid(fmt: str | None, value: str) -> bool:
    """True when `value` passes the synopsis `format`; unknown formats accept anything."""
    if not fmt:
        return True
    check = VALIDATORS.get(fmt[0].lower() + fmt[1:]) or VALIDATORS.get(fmt)
    return check(value) if check else True


def is_empty(value: object) -> bool:
    """PHP `empty()` on what the webservice reads from XML (a string) or from the database."""
    return value is None or value == "" or value == "0" or value == 0


def to_decimal(value: object) -> Decimal:
    try:
        return Decimal(str(value).strip() or "0")
    except InvalidOperation:
        return Decimal(0)


def money(value: Decimal | float | int | str, places: int = 6) -> str:
    """Format as a DECIMAL(x, places) column prints (`22.500000`)."""
    quantum = Decimal(1).scaleb(-places)
    return str(to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP))


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def normalize(storage: str, value: str | None) -> str | None:
    """Store an input value the way its column would (`5` → `5.000000` for a DECIMAL(20,6))."""
    if value is None:
        return None
    value = value.strip()
    if storage == "int":
        try:
            return str(int(Decimal(value))) if value else "0"
        except InvalidOperation:
            return "0"
    if storage.startswith("dec"):
        return money(value, int(storage[3:]))
    if storage == "datetime":
        if not value:
            return ZERO_DATETIME
        return value + " 00:00:00" if len(value) == 10 else value
    if storage == "date":
        return value[:10] if value else ZERO_DATE
    return value


def zero(storage: str) -> str:
    """What a column holds when the client did not send the field."""
    return normalize(storage, "") or ""


def str2url(text: str) -> str:
    """A link_rewrite derived from a name (lowercase, dashes), as the back office would make it."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", ascii_text).strip("-").lower()
    return slug
