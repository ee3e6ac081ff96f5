"""The ASGI application: `/api/...` (webservice), `/storefront/orders`, `/_sandbox/...` (control).

A plain ASGI callable rather than a framework router: the webservice must write header names with
PrestaShop's casing (`Content-type`), empty `Content-Type:` headers and truncated bodies (faults),
which frameworks normalise away. Every `/api` and storefront call goes through the fault injector,
then the latency model (worker slots + service time).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from . import images
from .backend import Backend, Ctx, Settings
from .attachments import ATTACHMENT_HOOKS
from .catalog import CATALOG_HOOKS
from .faults import Fault, Faults
from .followup import FOLLOWUP_HOOKS, BackOfficeError, edit_line, refund, set_state
from .latency import LatencyModel
from .orders import ORDER_HOOKS
from .seed import seed, seed_states
from .storage import Store
from .storefront import StorefrontError, place_order
from .webservice import Webservice, WSRequest, WSResult

Scope = dict[str, Any]
DB_FILE = "prestashop.sqlite3"


class SandboxControl:
    """Test/demo controls: faults, outages, latency, shops and keys, request counters."""

    def __init__(self, app: PrestaShopSandbox) -> None:
        self._app = app

    @property
    def faults(self) -> Faults:
        return self._app.faults

    def inject(
        self, kind: str, count: int = 1, *, match: str | None = None, method: str | None = None, timeout: float = 30.0
    ) -> None:
        """Make the next `count` matching requests fail (`503`, `500`, `429`, `timeout`, `reset`)."""
        self._app.faults.inject(kind, count, match=match, method=method, timeout=timeout)

    def clear_faults(self) -> None:
        self._app.faults.clear()

    def set_down(self, down: bool = True, *, shop: int | None = None, kind: str = "503") -> None:
        """Take the whole installation (or one shop's context) down: every call answers `kind`."""
        self._app.faults.set_down(down, shop=shop, kind=kind)

    def set_latency(self, latency: float | None) -> None:
        self._app.latency.set_latency(latency)

    def add_key(self, key: str, shops: list[int] | None = None) -> None:
        """Register a webservice key allowed in `shops` (None: every shop)."""
        store = self._app.backend.store
        with store.lock, store.transaction():
            keys = dict(store.meta("ws_keys") or {})
            keys[key] = {"shops": shops, "active": True}
            store.set_meta("ws_keys", keys)

    def associate_key(self, key: str, shop: int) -> None:
        """What `INSERT INTO ps_webservice_account_shop` did in the multistore capture."""
        store = self._app.backend.store
        with store.lock, store.transaction():
            keys = json.loads(json.dumps(store.meta("ws_keys") or {}))
            entry = keys.setdefault(key, {"shops": [], "active": True})
            if entry.get("shops") is not None and shop not in entry["shops"]:
                entry["shops"].append(shop)
            store.set_meta("ws_keys", keys)

    def create_shop(self, name: str, *, group: int = 1, associate_keys: bool = True) -> int:
        """A new shop in `group`; its products are the ones later written with `id_shop=<id>`."""
        b = self._app.backend
        with b.store.lock, b.store.transaction():
            template = b.get("shops", b.settings.default_shop) or {}
            record = {**template, "id_shop_group": str(group), "name": name}
            record.pop("id", None)
            shop_id = b.store.insert("shops", record)
            b.store.insert(
                "shop_urls",
                {
                    "id_shop": str(shop_id),
                    "active": "1",
                    "main": "1",
                    "domain": "localhost",
                    "domain_ssl": "localhost",
                    "physical_uri": "/",
                    "virtual_uri": f"shop{shop_id}/",
                },
            )
        if associate_keys:
            for key, entry in (b.store.meta("ws_keys") or {}).items():
                if entry.get("shops") is not None:
                    self.associate_key(key, shop_id)
        return shop_id

    def stats(self) -> dict[str, int]:
        return dict(self._app.counters)

    def reset_stats(self) -> None:
        self._app.counters.clear()

    @property
    def backend(self) -> Backend:
        return self._app.backend

    # -- the merchant in the back office, after an order was placed
    def _back_office(self, action: Any) -> Any:
        b = self._app.backend
        ctx = Ctx(base="", now=b.now(), shop=b.settings.default_shop, shops=[b.settings.default_shop],
                  languages=b.language_ids())
        with b.store.lock, b.store.transaction():
            return action(b, ctx)

    def set_order_state(self, order_id: int, state: int) -> dict:
        """"Update status" on the order page (e.g. 2 once a bank wire has arrived)."""
        return self._back_office(lambda b, ctx: set_state(b, order_id, state, ctx))

    def cancel_order(self, order_id: int) -> dict:
        return self.set_order_state(order_id, 6)

    def refund(self, order_id: int, lines: list[dict], *, shipping: bool = False) -> dict:
        """A partial refund with a credit slip: `lines` of {"reference" | "order_detail_id", "quantity"}."""
        return self._back_office(lambda b, ctx: refund(b, order_id, lines, ctx, shipping=shipping))

    def edit_order_line(self, order_id: int, line: dict, quantity: int) -> dict:
        """The merchant changes a line's quantity (`line`: {"reference"} or {"order_detail_id"}); 0 removes it."""
        return self._back_office(lambda b, ctx: edit_line(b, order_id, line, quantity, ctx))


class PrestaShopSandbox:
    """ASGI app speaking the PrestaShop 8.1.2 webservice."""

    def __init__(
        self,
        data_dir: Path,
        key: str,
        *,
        latency: float | None,
        workers: int,
        timezone: str,
        shop_name: str = "TestShop",
        clock: Any = None,
        round_type: int = 2,
        allow_backorders: bool = False,
    ) -> None:
        store = Store(Path(data_dir) / DB_FILE)
        settings = Settings(
            shop_name=shop_name,
            timezone=timezone,
            clock=clock,
            round_type=round_type,
            allow_backorders=allow_backorders,
        )
        self.backend = Backend(store, settings, {**CATALOG_HOOKS, **ORDER_HOOKS, **ATTACHMENT_HOOKS, **FOLLOWUP_HOOKS})
        if store.is_empty:
            seed(self.backend, key)
        seed_states(self.backend)
        self.webservice = Webservice(self.backend)
        self.latency = LatencyModel(latency, workers)
        self.faults = Faults()
        self.counters: Counter[str] = Counter()
        self.control = SandboxControl(self)
        known = store.meta("ws_keys") or {}
        if key not in known:  # a new key on a restart gets what a fresh install's key has: shop 1
            self.control.add_key(key, [settings.default_shop])

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.startswith("/_sandbox"):
            await self._control(scope, receive, send)
            return
        params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if path == "/api" or path.startswith("/api/") or path.startswith("/storefront/"):
            self.counters["requests"] += 1
            self.counters[f"{scope['method']} {_resource_of(path)}"] += 1
            fault = self.faults.take(scope["method"], path, _shop_of(params, self.backend))
            if fault is not None:
                self.counters["faults"] += 1
                await _apply_fault(fault, receive, send)
                return
        if path == "/api" or path.startswith("/api/"):
            result = await self.latency.serve(lambda: self._api(scope, receive, params))
            await _send(send, result, head=scope["method"] == "HEAD")
        elif path == "/storefront/orders" and scope["method"] == "POST":
            status, payload = await self.latency.serve(lambda: self._storefront(receive))
            await _send_json(send, status, payload)
        elif path == "/" and scope["method"] in ("GET", "HEAD"):
            page = f"<html><body><h1>{self.backend.settings.shop_name}</h1></body></html>"
            await _send(send, WSResult(200, [("Content-Type", "text/html; charset=utf-8")], page.encode()))
        else:
            await _send(send, WSResult(404, [("Content-Type", "text/html; charset=utf-8")], b"Not Found"))

    async def _api(self, scope: Scope, receive: Any, params: list[tuple[str, str]]) -> tuple[WSResult, str, int]:
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        files = await _uploads(scope, body, headers)
        request = WSRequest(
            method=scope["method"],
            path=scope["path"][4:],
            params=params,
            headers=headers,
            body=body,
            base_host=_base_host(scope, headers),
            files=files,
        )
        result = self.webservice.handle(request)
        return result, result.kind, result.count

    async def _storefront(self, receive: Any) -> tuple[tuple[int, dict], str, int]:
        body = await _read_body(receive)
        try:
            payload = json.loads(body or b"{}")
            b = self.backend
            ctx = Ctx(
                base="",
                now=b.now(),
                shop=b.settings.default_shop,
                shops=[b.settings.default_shop],
                languages=b.language_ids(),
            )
            return (201, place_order(b, payload, ctx)), "storefront", 1
        except StorefrontError as error:
            return (error.status, error.payload), "error", 0
        except (ValueError, TypeError, AttributeError) as error:
            return (400, {"error": f"bad request: {error}"}), "error", 0

    async def _control(self, scope: Scope, receive: Any, send: Any) -> None:
        body = await _read_body(receive)
        route = (scope["method"], scope["path"][len("/_sandbox") :].rstrip("/"))
        handler = CONTROL_ROUTES.get(route)
        if handler is None:
            await _send_json(
                send, 404, {"error": "unknown control endpoint", "routes": sorted(" ".join(r) for r in CONTROL_ROUTES)}
            )
            return
        try:
            status, payload = handler(self.control, json.loads(body) if body.strip() else {})
        except (KeyError, ValueError, TypeError) as error:
            status, payload = 400, {"error": f"bad request: {error!r}"}
        await _send_json(send, status, payload)


def _inject(control: SandboxControl, data: dict) -> tuple[int, dict]:
    control.inject(
        data["kind"],
        int(data.get("count", 1)),
        match=data.get("match"),
        method=data.get("method"),
        timeout=float(data.get("timeout", 30.0)),
    )
    return 200, {"pending": control.faults.pending}


def _clear(control: SandboxControl, data: dict) -> tuple[int, dict]:
    control.clear_faults()
    return 200, {"pending": 0}


def _down(control: SandboxControl, data: dict) -> tuple[int, dict]:
    down = bool(data.get("down", True))
    control.set_down(down, shop=data.get("shop"), kind=data.get("kind", "503"))
    return 200, {"down": down, "shop": data.get("shop")}


def _latency(control: SandboxControl, data: dict) -> tuple[int, dict]:
    control.set_latency(data.get("latency"))
    return 200, {"latency": data.get("latency")}


def _shop(control: SandboxControl, data: dict) -> tuple[int, dict]:
    shop_id = control.create_shop(
        data["name"], group=int(data.get("group", 1)), associate_keys=bool(data.get("associate_keys", True))
    )
    return 201, {"id": shop_id}


def _key(control: SandboxControl, data: dict) -> tuple[int, dict]:
    control.add_key(data["key"], data.get("shops"))
    return 201, {"key": data["key"], "shops": data.get("shops")}


def _stats(control: SandboxControl, data: dict) -> tuple[int, dict]:
    return 200, control.stats()


def _reset_stats(control: SandboxControl, data: dict) -> tuple[int, dict]:
    control.reset_stats()
    return 200, {}


def _order_action(action: Any) -> Any:
    def handler(control: SandboxControl, data: dict) -> tuple[int, dict]:
        try:
            record = action(control, data)
        except BackOfficeError as error:
            return error.status, {"error": error.message}
        return 200, {k: v for k, v in record.items() if not k.startswith("_")}

    return handler


CONTROL_ROUTES = {
    ("GET", "/health"): lambda control, data: (200, {"ok": True}),
    ("POST", "/faults"): _inject,
    ("DELETE", "/faults"): _clear,
    ("POST", "/down"): _down,
    ("POST", "/latency"): _latency,
    ("POST", "/shops"): _shop,
    ("POST", "/keys"): _key,
    ("GET", "/stats"): _stats,
    ("DELETE", "/stats"): _reset_stats,
    ("POST", "/orders/state"): _order_action(lambda c, d: c.set_order_state(int(d["order_id"]), int(d["state"]))),
    ("POST", "/orders/cancel"): _order_action(lambda c, d: c.cancel_order(int(d["order_id"]))),
    ("POST", "/orders/refund"): _order_action(
        lambda c, d: c.refund(int(d["order_id"]), list(d["lines"]), shipping=bool(d.get("shipping")))),
    ("POST", "/orders/line"): _order_action(
        lambda c, d: c.edit_order_line(
            int(d["order_id"]), {k: d[k] for k in ("reference", "order_detail_id") if k in d}, int(d["quantity"]))),
}


def create_app(
    data_dir: Path,
    key: str,
    *,
    latency: float | None = None,
    workers: int = 4,
    timezone: str = "Europe/Paris",
    shop_name: str = "TestShop",
    clock: Any = None,
    round_type: int = 2,
    allow_backorders: bool = False,
) -> PrestaShopSandbox:
    """An ASGI app speaking the PrestaShop 8.1.2 webservice, its data in `data_dir` (SQLite).

    `latency`: None = realistic model (a product GET ≈ 18 ms), 0 = no delay, x = model scaled so a
    product GET takes x seconds. `workers`: requests served at once. `timezone`: shop-local time of
    `date_add`/`date_upd`. `clock`: a callable returning an aware `datetime` (tests). `round_type`:
    PS_ROUND_TYPE (1 per item, 2 per line — what the captured shop uses —, 3 on the total).
    `allow_backorders`: PS_ORDER_OUT_OF_STOCK for stock rows left at "default" (2).
    Controls (faults, outages, shops, keys): `app.control`.
    """
    return PrestaShopSandbox(
        Path(data_dir),
        key,
        latency=latency,
        workers=workers,
        timezone=timezone,
        shop_name=shop_name,
        clock=clock,
        round_type=round_type,
        allow_backorders=allow_backorders,
    )


# -- ASGI plumbing ------------------------------------------------------------------------------------
async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


async def _uploads(scope: Scope, body: bytes, headers: dict[str, str]) -> list[images.Upload]:
    if not headers.get("content-type", "").startswith("multipart/form-data"):
        return []

    async def replay() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, replay).form()
    except Exception:  # a broken multipart body is "no image parameter"
        return []
    uploads = []
    for name, value in form.multi_items():
        if hasattr(value, "read"):  # a file part; PHP drops one above upload_max_filesize
            data = await value.read()
            dropped = len(data) > images.UPLOAD_MAX_FILESIZE
            uploads.append(images.Upload(name, b"" if dropped else data, value.filename or "",
                                         value.content_type or "", dropped))
        else:
            uploads.append(images.Upload(name, str(value).encode()))
    return uploads


def _base_host(scope: Scope, headers: dict[str, str]) -> str:
    host = headers.get("host")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def _resource_of(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 else parts[0] if parts else ""


def _shop_of(params: list[tuple[str, str]], backend: Backend) -> int | None:
    value = next((v for k, v in params if k == "id_shop"), None)
    return int(value) if value and value.isdigit() else backend.settings.default_shop


async def _send(send: Any, result: WSResult, head: bool = False) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1", "replace")) for k, v in result.headers]
    headers.append((b"Content-Length", str(len(result.body)).encode()))
    await send({"type": "http.response.start", "status": result.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else result.body})


async def _send_json(send: Any, status: int, payload: Any) -> None:
    body = json.dumps(payload, default=str).encode()
    await _send(send, WSResult(status, [("Content-Type", "application/json")], body))


async def _apply_fault(fault: Fault, receive: Any, send: Any) -> None:
    import asyncio

    html = ("Content-Type", "text/html; charset=utf-8")
    if fault.kind == "503":
        await _send(send, WSResult(503, [html, ("Retry-After", "1")], b"<h1>Service Unavailable</h1>"))
    elif fault.kind == "500":
        await _send(send, WSResult(500, [("X-Powered-By", "PHP/8.2.36"), html], b""))
    elif fault.kind == "429":
        await _send(send, WSResult(429, [html, ("Retry-After", "1")], b"Too Many Requests"))
    else:
        if fault.kind == "timeout":  # hold the connection until the client gives up (or the limit)
            try:
                await asyncio.wait_for(_wait_disconnect(receive), timeout=fault.timeout)
                return
            except TimeoutError:
                pass
        # headers, then the connection drops mid-body (the server returns without completing)
        headers = [(b"Content-Type", b"text/xml;charset=utf-8"), (b"Content-Length", b"512")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"<?xml", "more_body": True})


async def _wait_disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
