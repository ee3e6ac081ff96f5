"""The console in French and English: gettext catalogs (``locale/<lang>/LC_MESSAGES/courroie.po``, read
with Babel at start, no compile step), chosen per request from the user's setting, a ``lang`` cookie or
the browser's Accept-Language."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "fr")
DEFAULT = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
_current: ContextVar[str] = ContextVar("console_language", default=DEFAULT)


def _load(language: str) -> NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "courroie.po"
    if not po.exists():
        return NullTranslations()             # English: the messages are written in English
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


_catalogs = {language: _load(language) for language in LANGUAGES}


def use(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT)


def current() -> str:
    return _current.get()


def gettext(message: str, **values: object) -> str:
    text = _catalogs[_current.get()].gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    text = _catalogs[_current.get()].ngettext(singular, plural, n)
    return text % {"num": n, **values}


def negotiate(accept_language: str) -> str:
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in accept_language.split(",") if part.strip()]
    found = Locale.negotiate(wanted, LANGUAGES)
    return found.language if found else DEFAULT


def moment(value: datetime | None) -> str:
    """A date and time in the reader's language (UTC, as the store keeps it)."""
    return format_datetime(value, "short", tzinfo=None, locale=_current.get()) + " UTC" if value else "—"


def number(value: Decimal | float | int | str | None) -> str:
    return format_decimal(Decimal(str(value)), locale=_current.get()) if value not in (None, "") else "—"


def money(value: Decimal | float | int | str | None) -> str:
    """An amount with its cents, in the reader's language (``number`` drops trailing zeros)."""
    try:
        return format_decimal(Decimal(str(value)), format="#,##0.00", locale=_current.get())
    except (ArithmeticError, ValueError):
        return "—" if value in (None, "") else str(value)


def duration(seconds: float | None) -> str:
    """"12 seconds", "3 minutes", "2 hours", in the reader's language."""
    return format_timedelta(timedelta(seconds=seconds), locale=_current.get()) if seconds is not None else "—"
