"""Logs: text for a person at a terminal, one JSON object per line for the service; secrets masked in both."""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from courroie.secrets import RedactingFilter, redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CHATTY = ("httpx", "httpcore", "alembic")      # a line per request or migration step: not for a service's log


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines with known secrets masked in every field: message, extras and tracebacks alike."""

    def __init__(self) -> None:
        super().__init__(["name", "levelname", "message"], rename_fields={"levelname": "level", "name": "logger"},
                         timestamp=True, reserved_attrs=[*RESERVED_ATTRS, "color_message"])   # uvicorn's ANSI copy

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return _masked(log_data)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


def setup_logging(level: int = logging.WARNING, *, json: bool = False, quiet: bool = False) -> None:
    """``quiet``: libraries that log every request speak only of problems."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingJsonFormatter() if json else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
