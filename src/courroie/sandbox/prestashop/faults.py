"""Fault injection for tests and demos: the next N matching requests fail, or the shop is down.

Kinds: `503` (proxy/maintenance page), `500` (PHP fatal, empty body), `429` (with Retry-After),
`timeout` (no answer until the client gives up or `timeout` seconds pass, then the connection is
dropped), `reset` (headers sent, then the connection closes mid-body).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("503", "500", "429", "timeout", "reset")


@dataclass
class Fault:
    kind: str
    remaining: int
    match: str | None = None  # substring of the path
    method: str | None = None
    timeout: float = 30.0

    def applies(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.match is None or self.match in path)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.down = False
        self.down_kind = "503"
        self.down_shops: set[int] = set()

    def inject(
        self, kind: str, count: int = 1, *, match: str | None = None, method: str | None = None, timeout: float = 30.0
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {KINDS}")
        with self._lock:
            self._faults.append(Fault(kind, count, match, method.upper() if method else None, timeout))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_down(self, down: bool, *, shop: int | None = None, kind: str = "503") -> None:
        """Whole installation down, or only requests made in one shop's context (`id_shop=N`)."""
        with self._lock:
            if shop is None:
                self.down, self.down_kind = down, kind
            elif down:
                self.down_shops.add(shop)
            else:
                self.down_shops.discard(shop)

    def take(self, method: str, path: str, shop: int | None) -> Fault | None:
        with self._lock:
            if self.down or (shop is not None and shop in self.down_shops):
                return Fault(self.down_kind if self.down else "503", 1)
            for fault in self._faults:
                if fault.applies(method, path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    @property
    def pending(self) -> int:
        with self._lock:
            return sum(f.remaining for f in self._faults)
