"""How long a real Odoo takes to answer, from the captures' elapsed times and ``notes/odoo.md``.

Measured on a 2-core machine, one Odoo process (``workers = 0``) on PostgreSQL 15, loopback:
reads 12-35 ms, ``authenticate`` ~600 ms (password hashing), a sale order ``create`` 80-130 ms,
``action_confirm`` 120-280 ms; batched, 40 orders are created at 52/s (16.0) / 46/s (18.0) and
confirmed at 15/s / 12/s. A call costs a base plus a share per record it handles; 18.0 is slower.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# method → (base seconds, seconds per extra record), for 16.0
COSTS: Mapping[str, tuple[float, float]] = {
    "version": (0.018, 0.0), "authenticate": (0.62, 0.0), "login": (0.62, 0.0),
    "read": (0.016, 0.00008), "search_read": (0.018, 0.00008), "search": (0.013, 0.00002),
    "search_count": (0.015, 0.0), "name_search": (0.012, 0.0), "fields_get": (0.015, 0.0),
    "read_group": (0.017, 0.0), "write": (0.02, 0.004), "unlink": (0.027, 0.006), "create": (0.025, 0.01),
    "action_confirm": (0.16, 0.063), "action_cancel": (0.06, 0.03), "button_validate": (0.08, 0.04),
    "action_apply_inventory": (0.1, 0.01), "button_confirm": (0.054, 0.0), "action_post": (0.09, 0.04),
}
MODEL_CREATE: Mapping[str, tuple[float, float]] = {
    "sale.order": (0.075, 0.0175), "product.template": (0.14, 0.03), "res.partner": (0.08, 0.01),
    "stock.warehouse": (0.69, 0.69),
}
SLOWER = {"16.0": 1.0, "18.0": 1.18, "19.0": 1.18}


@dataclass(frozen=True)
class Latency:
    """``scale`` 0 answers at once (tests); 1.0 is the measured server."""

    scale: float = 0.0

    def delay(self, version: str, model: str, method: str, records: int = 1) -> float:
        if not self.scale:
            return 0.0
        base, per_record = (MODEL_CREATE.get(model) if method == "create" else None) or COSTS.get(method, (0.02, 0.0))
        return self.scale * SLOWER.get(version, 1.0) * (base + per_record * max(0, records - 1))
