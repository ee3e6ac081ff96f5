"""The three families of failure, and what the engine does with each.

- ``TransientError``: the other side is slow, down or busy. Retried with backoff, a bounded number of times.
- ``DataError``: this one record cannot go through as it is. It lands in the blocked list with its
  payload and reason; the run goes on with the next record.
- ``ConnectionFailure``: configuration or credentials are wrong. The connection is marked failing with
  a message saying how to fix it; other connections go on.
"""

from __future__ import annotations


class CourroieError(Exception):
    """Base of every error the hub raises on purpose."""


class TransientError(CourroieError):
    """Worth trying again later: timeouts, resets, 5xx, 429."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DataError(CourroieError):
    """This record is wrong or cannot be accepted; a person must look at it."""

    def __init__(self, reason: str, *, details: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details or {}


class ConnectionFailure(CourroieError):
    """The connection itself is misconfigured: every record would fail the same way."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} — {self.hint}" if self.hint else base


class AuthenticationFailure(ConnectionFailure):
    """Credentials refused or missing permissions."""


class ConfigError(CourroieError):
    """The configuration file is invalid; the message names the file, key and line."""
