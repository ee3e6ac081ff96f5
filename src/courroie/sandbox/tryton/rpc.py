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

    def _sale(self, reference: str) -> dict[str, Any]:
        [sale] = self.search_read("sale.sale", [("reference", "=", reference), ("state", "!=", "cancelled")],
                                  ["number", "state", "shipments", "invoices", "payments"])
        return sale

    def open_shipments(self, reference: str) -> list[int]:
        """The sale's customer shipments not yet gone nor cancelled, oldest first."""
        shipments = self._sale(reference)["shipments"]
        rows = self.search_read("stock.shipment.out", [("id", "in", shipments),
                                                       ("state", "in", ["draft", "waiting", "assigned"])], ["id"])
        return sorted(row["id"] for row in rows)

    def ship(self, reference: str, tracking_number: str, quantities: dict[str, float] | None = None) -> str:
        """What a warehouse worker does: assign, pick, note the tracking number, pack, done; returns the
        delivery note (shipment) number.

        Without ``quantities`` every open shipment of the sale goes. With them (SKU → units), only the
        first open shipment, with those units picked (an SKU left out: none of it): Tryton ships what
        was picked and makes a new shipment of the rest.
        """
        shipments = self.open_shipments(reference)
        if not shipments:
            raise RpcError(f"{reference}: no shipment left to ship")
        if quantities is not None:
            shipments = shipments[:1]
            [shipment] = self.model("stock.shipment.out", "read", shipments, ["inventory_moves"])
            for move in self.model("stock.move", "read", shipment["inventory_moves"], ["product.code"]):
                quantity = float(quantities.get(move["product."]["code"], 0))
                self.model("stock.move", "write", [move["id"]], {"quantity": quantity})
        self.model("stock.shipment.out", "assign_try", shipments)
        states = {row["state"] for row in self.search_read("stock.shipment.out", [("id", "in", shipments)], ["state"])}
        if states != {"assigned"}:
            raise RpcError(f"{reference}: not enough stock in the shipping warehouse to assign it")
        self.model("stock.shipment.out", "pick", shipments)
        self.model("stock.shipment.out", "write", shipments, {"shipping_reference": tracking_number})
        for button in ("pack", "do"):
            self.model("stock.shipment.out", button, shipments)
        rows = self.model("stock.shipment.out", "read", shipments, ["number"])
        return ", ".join(row["number"] for row in rows)

    def invoice(self, reference: str) -> list[str]:
        """What an accountant does: post the sale's draft invoices (accepting Tryton's warnings, such as
        the company VAT number not checked with VIES, as one would in its client); their numbers."""
        invoices = self._sale(reference)["invoices"]
        drafts = [row["id"] for row in self.search_read("account.invoice", [("id", "in", invoices),
                                                                            ("state", "in", ["draft", "validated"])],
                                                        ["id"])]
        if drafts:
            self.click("account.invoice", "post", drafts)
        rows = self.search_read("account.invoice", [("id", "in", invoices), ("state", "in", ["posted", "paid"])],
                                ["number"])
        return sorted(row["number"] for row in rows)

    def click(self, model: str, button: str, ids: list[int], attempts: int = 5) -> Any:
        """A button; a warning is answered "yes" (``res.user.warning``) and the button clicked again."""
        for _ in range(attempts):
            try:
                return self.model(model, button, ids)
            except RpcError as error:
                kind, details = (error.args[0] + [None])[:2]
                if kind != "UserWarning":
                    raise
                user = self.search_read("res.user", [("login", "=", "admin")], ["id"])[0]["id"]
                self.model("res.user.warning", "create", [{"user": user, "name": details[0], "always": False}])
        raise RpcError(f"{model}.{button}: still warned after {attempts} answers")

    def payments(self, reference: str) -> list[dict[str, Any]]:
        """The payments recorded on the sale: journal name, amount, reference, date, state."""
        sale = self._sale(reference)
        rows = self.search_read("account.payment", [("origin", "=", f"sale.sale,{sale['id']}")],
                                ["journal.name", "amount", "reference", "date", "state", "kind"])
        return [{"journal": row["journal."]["name"], "amount": row["amount"], "reference": row["reference"],
                 "date": row["date"], "state": row["state"], "kind": row["kind"]}
                for row in sorted(rows, key=lambda r: r["id"])]
