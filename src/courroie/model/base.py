"""Shared value types: money with its currency, texts per language, aware datetimes."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

CENT = Decimal("0.01")

# Texts per language code ("en", "fr"): the ERP's languages, mapped to shop languages by configuration.
Translations = dict[str, str]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("datetime must carry a time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class Record(BaseModel):
    """Base of canonical records: immutable, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(Record):
    amount: Decimal
    currency: str = "EUR"

    def cents(self) -> Decimal:
        return self.amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def text(translations: Translations, language: str, fallback: str | None = None) -> str | None:
    """The text in ``language``, else in ``fallback``, else ``None``."""
    if translations.get(language):
        return translations[language]
    if fallback and translations.get(fallback):
        return translations[fallback]
    return None
