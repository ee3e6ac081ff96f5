"""One table decides what an error means; one loop retries what is worth retrying.

| error                              | outcome                                             |
|------------------------------------|-----------------------------------------------------|
| TransientError (timeout, 5xx, 429) | retry with exponential backoff and jitter, bounded  |
| httpx transport errors             | the same (a connector that let one through)         |
| DataError                          | this record to the blocked list; the run goes on    |
| ConnectionFailure (config, auth)   | the connection is marked failing; other ones go on  |
| anything else (a bug)              | this record to the blocked list, with the error     |
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import httpx

from courroie.errors import ConnectionFailure, DataError, TransientError

T = TypeVar("T")


class Outcome(StrEnum):
    RETRY = "retry"
    BLOCK = "block"
    FAIL_CONNECTION = "fail_connection"


ERROR_TABLE: tuple[tuple[type[BaseException], Outcome], ...] = (
    (TransientError, Outcome.RETRY),
    (httpx.TimeoutException, Outcome.RETRY),
    (httpx.TransportError, Outcome.RETRY),
    (DataError, Outcome.BLOCK),
    (ConnectionFailure, Outcome.FAIL_CONNECTION),
)


def outcome_of(error: BaseException) -> Outcome:
    for kind, outcome in ERROR_TABLE:
        if isinstance(error, kind):
            return outcome
    return Outcome.BLOCK


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4              # tries in all, the first included
    base_delay: float = 0.5        # seconds before the second try
    max_delay: float = 20.0
    jitter: float = 0.5            # ± fraction of the delay, so retries of many workers do not align

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        delay = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return max(0.0, delay * (1 + random.uniform(-self.jitter, self.jitter)))


async def retrying(call: Callable[[], Awaitable[T]], policy: RetryPolicy,
                   sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> T:
    """Await ``call()``; on a transient error wait and try again, at most ``policy.attempts`` times."""
    attempt = 1
    while True:
        try:
            return await call()
        except Exception as error:
            if outcome_of(error) is not Outcome.RETRY or attempt >= policy.attempts:
                raise
            await sleep(policy.delay(attempt, getattr(error, "retry_after", None)))
            attempt += 1
