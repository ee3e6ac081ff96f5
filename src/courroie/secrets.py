"""Secrets are registered when the configuration is read, and masked wherever text leaves the hub
(logs, journal, blocked list, console): a second line of defence behind ``SecretStr``."""

from __future__ import annotations

import logging

MASK = "********"
# Shorter values are too likely to be ordinary words ("admin", "shop", "wrong"): masking them would
# garble every message that contains them. They stay protected by ``SecretStr`` (never printed).
MIN_MASKED_LENGTH = 8
_known: set[str] = set()


def register(value: str) -> None:
    if value and len(value) >= MIN_MASKED_LENGTH:
        _known.add(value)


def redact(text: str) -> str:
    for secret in sorted(_known, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Masks known secrets in every log record, whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
