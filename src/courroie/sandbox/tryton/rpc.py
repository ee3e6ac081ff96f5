"""A plain JSON-RPC client for acting *as a Tryton user* in the demo and the tests (a warehouse worker
shipping a sale, a check of what the ERP holds). It is deliberately not the hub's connector: what the
connector writes is checked by a second, independent reading of the protocol."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import httpx


def _decode(value: dict[str, Any]) -> Any:
    # trytond's JSON encoding of non-JSON types.
    kind = value.get("__class__")
    if kind == "Decimal":
        return Decimal(value["decimal"])
    if kind == "date":
        return dt.date(value["year"], value["month"], value["day"])
    if kind == "datetime":
        return dt.datetime(value["year"], value["month"], value["day"], value["hour"], value["minute"],
                           value["second"], value.get("microsecond", 0))
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    return value


def _encode(value: Any) -> Any:
    # The reverse, for parameters (unit prices, dates).
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
                "hour": value.hour, "minute": value.minute, "second": value.second,
                "microsecond": value.microsecond}  # fmt: skip
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(f"cannot encode {type(value).__name__} for trytond")


class RpcError(Exception):
    pass


class Rpc:
    def __init__(self, url: str, database: str) -> None:
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.client = httpx.Client(timeout=60)
        self.context: dict[str, Any] = {}

    def call(self, method: str, *params: Any) -> Any:
        body = json.dumps({"id": 1, "method": method, "params": params}, default=_encode)
        response = self.client.post(self.endpoint, content=body, headers={"Content-Type": "application/json"})
        response.raise_for_status()
        answer = response.json(object_hook=_decode)
        if "error" in answer:
            raise RpcError(answer["error"])
        return answer["result"]

    def login(self, user: str, password: str) -> int:
        user_id, token, _ = self.call("common.db.login", user, {"password": password}, "en")
        session = base64.b64encode(f"{user}:{user_id}:{token}".encode()).decode()
        self.client.headers["Authorization"] = f"Session {session}"
        self.context = self.call("model.res.user.get_preferences", True, {})
        return int(user_id)

    def model(self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None) -> Any:
        return self.call(f"model.{model}.{method}", *args, {**self.context, **(context or {})})

    def search_read(self, model: str, domain: list[Any], fields: list[str], **context: Any) -> list[dict[str, Any]]:
        return list(self.model(model, "search_read", domain, 0, None, None, fields, context=context))

    def sales(self, reference: str) -> list[dict[str, Any]]:
        """The sale orders carrying this shop reference."""
        return self.search_read("sale.sale", [("reference", "=", reference)], ["number", "state", "shipments"])

    def ship(self, reference: str, tracking_number: str) -> None:
        """What a warehouse worker does: assign, pick, note the tracking number, pack, done."""
        [sale] = self.sales(reference)
        shipments = sale["shipments"]
        self.model("stock.shipment.out", "assign_try", shipments)
        states = {row["state"] for row in self.search_read("stock.shipment.out", [("id", "in", shipments)], ["state"])}
        if states != {"assigned"}:
            raise RpcError(f"{reference}: not enough stock in the shipping warehouse to assign it")
        self.model("stock.shipment.out", "pick", shipments)
        self.model("stock.shipment.out", "write", shipments, {"shipping_reference": tracking_number})
        for button in ("pack", "do"):
            self.model("stock.shipment.out", button, shipments)
