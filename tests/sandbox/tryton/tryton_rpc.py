"""A minimal JSON-RPC client for the sandbox tests (the real one is the connector's, never imported here)."""

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
    if kind == "bytes":
        return base64.b64decode(value["base64"])
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(f"cannot encode {type(value).__name__}")


class RpcError(Exception):
    pass


class Rpc:
    def __init__(self, url: str, database: str) -> None:
        self.endpoint = f"{url}{database}/rpc/"
        self.client = httpx.Client(timeout=30)
        self.context: dict[str, Any] = {}

    def call(self, method: str, *params: Any) -> Any:
        body = json.dumps({"id": 1, "method": method, "params": params}, default=_encode)
        response = self.client.post(self.endpoint, content=body, headers={"Content-Type": "application/json"})
        response.raise_for_status()
        result = response.json(object_hook=_decode)
        if "error" in result:
            raise RpcError(result["error"])
        return result["result"]

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
