"""The `/api/...` dispatcher: authentication, shop context, routing, listings and writes.

Order of checks, as the captures show it: credentials (401), key (401 + errors 18/20/21), shop
context (`id_shop` unknown → 302 to the front page, key not allowed in that shop → 403 code 132),
HTTP method (405 code 23), resource (400 code 27 with the list), method allowed for the resource
(405 code 101), then the call itself.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from . import attachments, images
from .backend import Backend, Ctx, WriteOp
from .errors import EmptyAnswer, HtmlAnswer, RawAnswer, Redirect, WebserviceError
from .formats import money
from .pricing import product_price
from .query import Query, apply_filters, apply_limit, apply_sort, check_query, closest, parse_query
from .render import (
    Entity,
    RenderCtx,
    json_entity,
    json_errors,
    json_schema,
    php_json,
    xml_document,
    xml_entity,
    xml_errors,
    xml_list,
    xml_root_listing,
    xml_schema,
)
from .resources import ALL_RESOURCE_NAMES, DESCRIPTIONS, HAS_SCHEMA, REGISTRY, ResourceDef
from .xmlinput import ParsedEntity, parse_entities

PSWS_VERSION = "8.1.2"
PHP_POWERED = "PHP/8.2.36"
REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. '
    'No password required."'
)
VALID_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class WSRequest:
    method: str
    path: str  # after "/api", e.g. "/products/21"
    params: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_host: str  # "http://127.0.0.1:8080"
    files: list[images.Upload] = field(default_factory=list)

    def param(self, name: str) -> str | None:
        return next((v for k, v in self.params if k == name), None)


@dataclass
class WSResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    kind: str = "error"  # cost class for the latency model
    count: int = 0  # rows listed / objects written


# -- keys ---------------------------------------------------------------------------------------------
@dataclass
class KeyAccess:
    shops: list[int] | None  # shops the key is associated with; None: every shop


def request_key(req: WSRequest) -> str | None:
    auth = req.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user = base64.b64decode(auth[6:].strip()).decode("utf-8", "replace")
        except ValueError:
            user = ""
        return user.split(":", 1)[0]
    return req.param("ws_key")


class Webservice:
    def __init__(self, backend: Backend) -> None:
        self.b = backend

    # -- entry point ----------------------------------------------------------------------------
    def handle(self, req: WSRequest) -> WSResult:
        started = time.perf_counter()
        json_out = self._wants_json(req)
        try:
            key = request_key(req)
            if not key:
                return self._html(401, "401 Unauthorized", extra=[("WWW-Authenticate", REALM)])
            access = self._key_access(key)
            if access is None:
                return self._bad_key(key, json_out)
            with self.b.store.lock:
                return self._dispatch(req, access.shops, json_out, started)
        except WebserviceError as error:
            return self._errors(error, json_out, started)
        except EmptyAnswer as empty:
            return WSResult(empty.status, self._ws_headers(None, started), kind="read")
        except HtmlAnswer as html:
            return self._html(html.status, html.text)
        except RawAnswer as raw:
            content_type = (
                ("Content-Type", "application/json") if raw.json else ("Content-type", "text/xml;charset=utf-8")
            )
            return WSResult(raw.status, self._ws_headers(content_type, started), raw.body, kind="read")
        except Redirect as redirect:
            headers = [
                ("X-Powered-By", PHP_POWERED),
                ("Location", redirect.location),
                ("Content-type", "text/html; charset=utf-8"),
            ]
            return WSResult(302, headers, kind="error")

    def _wants_json(self, req: WSRequest) -> bool:
        wanted = req.param("output_format") or req.param("io_format") or req.headers.get("output-format") or ""
        return wanted.upper() == "JSON"

    def _key_access(self, key: str) -> KeyAccess | None:
        """What an active key may use; None for an unknown or inactive key."""
        entry = (self.b.store.meta("ws_keys") or {}).get(key)
        if entry is None or not entry.get("active", True):
            return None
        return KeyAccess(entry.get("shops"))

    # -- answers --------------------------------------------------------------------------------
    def _ws_headers(self, content_type: tuple[str, str] | None, started: float, version: str = PSWS_VERSION) -> list:
        elapsed = round(time.perf_counter() - started, 3) if version != "0" else 0
        return [
            ("Access-Time", str(int(time.time()))),
            ("X-Powered-By", "PrestaShop Webservice"),
            ("PSWS-Version", version),
            content_type or ("Content-Type", ""),
            ("Execution-Time", str(elapsed)),
        ]

    def _ok(self, status: int, body: bytes, json_out: bool, started: float, kind: str, count: int = 1) -> WSResult:
        content_type = ("Content-Type", "application/json") if json_out else ("Content-type", "text/xml;charset=utf-8")
        headers = self._ws_headers(content_type, started)
        headers.append(("Content-Sha1", hashlib.sha1(body).hexdigest()))
        return WSResult(status, headers, body, kind, count)

    def _errors(self, error: WebserviceError, json_out: bool, started: float) -> WSResult:
        body = json_errors(error.errors) if json_out else xml_errors(error.errors)
        content_type = ("Content-Type", "application/json") if json_out else ("Content-type", "text/xml;charset=utf-8")
        return WSResult(error.status, self._ws_headers(content_type, started), body, kind="error")

    def _html(self, status: int, text: str, extra: list | None = None) -> WSResult:
        headers = [("X-Powered-By", PHP_POWERED), *(extra or []), ("Content-type", "text/html; charset=utf-8")]
        return WSResult(status, headers, text.encode(), kind="error")

    def _bad_key(self, key: str, json_out: bool) -> WSResult:
        if len(key) != 32:
            errors = [(18, "Invalid authentication key format")]
        else:
            errors = [(20, "Authentification key is not active"), (21, "No permission for this authentication key")]
        body = json_errors(errors) if json_out else xml_errors(errors)
        content_type = ("Content-Type", "application/json") if json_out else ("Content-type", "text/xml;charset=utf-8")
        headers = [("WWW-Authenticate", REALM), *self._ws_headers(content_type, 0.0, version="0")]
        return WSResult(401, headers, body, kind="error")

    # -- context --------------------------------------------------------------------------------
    def context(self, req: WSRequest, key_shops: list[int] | None, query: Query) -> Ctx:
        b = self.b
        all_shops = b.store.ids("shops")
        shop, shops, explicit = b.settings.default_shop, all_shops, False
        id_shop, id_group = req.param("id_shop"), req.param("id_group_shop")
        if id_shop is not None:
            if not id_shop.isdigit() or int(id_shop) not in all_shops:
                raise self._front_redirect(req)
            shop, shops, explicit = int(id_shop), [int(id_shop)], True
            if key_shops is not None and shop not in key_shops:
                raise WebserviceError(403, [(132, "No permission for this key on this shop")])
        elif id_group is not None:
            members = [s for s in all_shops if str((b.get("shops", s) or {}).get("id_shop_group")) == id_group]
            if not members:
                raise self._front_redirect(req)
            shops = members
        languages = b.language_ids()
        if query.languages:
            languages = [lang for lang in query.languages if lang in languages] or languages
        return Ctx(
            base=f"{req.base_host}/api/",
            now=b.now(),
            shop=shop,
            shops=shops,
            explicit_shop=explicit,
            languages=languages,
            query=query,
            sendemail=req.param("sendemail") == "1",
        )

    def _front_redirect(self, req: WSRequest) -> Redirect:
        kept = [(k, v) for k, v in req.params if k not in ("id_shop", "id_group_shop", "ws_key")]
        resource = req.path.strip("/").split("/")[0]
        return Redirect(f"{req.base_host}/?{urlencode([*kept, ('url', resource)])}")

    def render_ctx(self, ctx: Ctx) -> RenderCtx:
        query = ctx.query
        single_language = bool(query.languages) and not query.language_list
        return RenderCtx(
            base=ctx.base,
            languages=ctx.languages,
            plain_i18n=single_language or len(self.b.language_ids()) == 1,
            string_lang_ids=query.language_list,
        )

    # -- routing --------------------------------------------------------------------------------
    def _dispatch(self, req: WSRequest, key_shops: list[int] | None, json_out: bool, started: float) -> WSResult:
        query = parse_query(req.params)
        ctx = self.context(req, key_shops, query)
        method = req.method
        if method not in VALID_METHODS:
            raise WebserviceError(405, [(23, f"Method {method} is not valid")])
        parts = [p for p in req.path.split("/") if p]
        if not parts:
            return self._root(json_out, ctx, started)
        name = parts[0]
        if name == "images":
            return self._images(req, parts[1:], json_out, ctx, started)
        if name not in ALL_RESOURCE_NAMES:
            listing = ", ".join(f'"{n}"' for n in ALL_RESOURCE_NAMES)
            message = (
                f'Resource of type "{name}" does not exists. Did you mean: "{closest(name, ALL_RESOURCE_NAMES)}"? '
                f"The full list is: {listing}"
            )
            raise WebserviceError(400, [(27, message)])
        res = REGISTRY.get(name)
        if res is None:  # a resource this sandbox does not model: an empty list
            return self._ok(
                200, xml_document(f"<{name}>\n</{name}>\n") if not json_out else b"[]", json_out, started, "list"
            )
        if method not in res.methods:
            raise WebserviceError(405, [(101, f"Method {method} is not allowed for the resource {name}")])
        rid = parts[1] if len(parts) > 1 else None
        if method in ("GET", "HEAD") and not (name == "attachments" and rid == "file"):
            return self._read(req, res, rid, json_out, ctx, started)
        if name == "attachments" and (rid == "file" or method == "PATCH"):
            return self._attachments(req, parts[1:], json_out, ctx, started)
        if method == "DELETE":
            return self._delete(req, res, rid, ctx, started)
        return self._write(req, res, json_out, ctx, started)

    def _root(self, json_out: bool, ctx: Ctx, started: float) -> WSResult:
        if json_out:  # WebserviceOutputJSON fails on the root listing in 8.1.2
            raise HtmlAnswer(500)
        body = xml_root_listing(self.render_ctx(ctx), self.b.settings.shop_name, _root_resources())
        return self._ok(200, body, False, started, "read")

    # -- reads ----------------------------------------------------------------------------------
    def _read(
        self, req: WSRequest, res: ResourceDef, rid: str | None, json_out: bool, ctx: Ctx, started: float
    ) -> WSResult:
        rctx = self.render_ctx(ctx)
        schema = req.param("schema")
        if schema in ("blank", "synopsis"):
            body = json_schema(res) if json_out else xml_schema(rctx, res, schema == "synopsis")
            return self._ok(200, body, json_out, started, "read")
        query = ctx.query
        check_query(res, query)
        if rid is not None:
            return self._read_one(res, rid, json_out, ctx, rctx, started)
        entities = self._listing(res, ctx)
        fields = query.display if isinstance(query.display, list) else None
        full = query.display == "full"
        if json_out:
            if not entities:
                body = b"[]"
            else:
                items = [
                    json_entity(rctx, e, fields, single=False) if (full or fields) else {"id": e.id} for e in entities
                ]
                body = php_json({res.list_name: items})
        else:
            body = xml_document(xml_list(rctx, res, entities, fields, full))
        kind = "list_full" if full else ("list_fields" if fields else "list")
        return self._ok(200, body, json_out, started, f"{kind}:{res.name}", len(entities))

    def _listing(self, res: ResourceDef, ctx: Ctx) -> list[Entity]:
        query = ctx.query
        records = sorted(self.b.visible_records(res.name, ctx), key=lambda r: int(r["id"]))
        if query.display is None and not query.filters and not query.sort:
            entities = [Entity(res, {"id": r["id"]}) for r in records]
        else:
            entities = [self.b.entity(res.name, r, ctx) for r in records]
            entities = apply_sort(apply_filters(entities, query), query)
        entities = apply_limit(entities, query)
        if query.display == "full" and query.prices and res.name == "products":
            for entity in entities:
                entity.extra = self._virtual_prices(entity, ctx)
        return entities

    def _read_one(
        self, res: ResourceDef, rid: str, json_out: bool, ctx: Ctx, rctx: RenderCtx, started: float
    ) -> WSResult:
        record = self.b.get(res.name, rid) if rid.isdigit() else None
        if record is None:
            raise EmptyAnswer(404)
        if not self.b.hook(res.name).visible(self.b, record, ctx):
            message = f"This {res.class_name} ({int(rid)}) does not exists on this shop"
            raise WebserviceError(404, [(131, message)])
        entity = self.b.entity(res.name, record, ctx)
        query = ctx.query
        fields = query.display if isinstance(query.display, list) else None
        if fields is None and query.prices and res.name == "products":
            entity.extra = self._virtual_prices(entity, ctx)
        if query.display is not None:
            if json_out:
                body = php_json({res.list_name: [json_entity(rctx, entity, fields, single=False)]})
            else:
                body = xml_document(xml_entity(rctx, entity, fields))
        elif json_out:
            body = php_json({res.node: json_entity(rctx, entity, single=True)})
        else:
            body = xml_document(xml_entity(rctx, entity))
        return self._ok(200, body, json_out, started, f"one:{res.name}")

    def _virtual_prices(self, entity: Entity, ctx: Ctx) -> list[tuple[str, str]]:
        """`price[name][use_tax]=…&price[name][id_group]=…` adds computed `<name>` prices."""
        out = []
        for name, options in ctx.query.prices.items():
            combination = self.b.get("combinations", options.get("id_product_attribute"))
            price = product_price(
                self.b,
                entity.values,
                combination,
                shop=ctx.shop,
                country=int(options.get("id_country") or self.b.settings.default_country),
                group=int(options.get("id_group") or self.b.settings.customer_group),
                quantity=int(options.get("quantity") or 1),
                use_reduction=options.get("use_reduction", "1") != "0",
                now=ctx.now,
            )
            value = price.final_incl if options.get("use_tax", "1") != "0" else price.final_excl
            out.append((name, money(value)))
        return out

    # -- writes ---------------------------------------------------------------------------------
    def _write(self, req: WSRequest, res: ResourceDef, json_out: bool, ctx: Ctx, started: float) -> WSResult:
        parsed = parse_entities(req.body, res)
        if not parsed:
            if req.method == "POST":
                raise WebserviceError(500, [(46, "Unable to save resource")])
            raise WebserviceError(400, [(90, "id is required when modifying a resource")])
        entities: list[Entity] = []
        for item in parsed:  # one object after the other, each saved on its own (batch writes)
            with self.b.store.transaction():
                op = self.b.write(req.method, res.name, item, ctx)
                entities.append(self._answer_entity(op, item, ctx))
            for error in ctx.after_commit:
                raise error
        rctx = self.render_ctx(ctx)
        if json_out:
            docs = [json_entity(rctx, e, single=True) for e in entities]
            body = php_json({res.node: docs[0]} if len(docs) == 1 else {res.list_name: docs})
        else:
            body = xml_document("".join(xml_entity(rctx, e) for e in entities))
        status = 201 if req.method == "POST" else 200
        return self._ok(status, body, json_out, started, f"{req.method.lower()}:{res.name}", len(entities))

    def _answer_entity(self, op: WriteOp, item: ParsedEntity, ctx: Ctx) -> Entity:
        record = self.b.store.get(op.res.name, op.saved_id) or op.new
        entity = self.b.entity(op.res.name, record, ctx)
        if op.method in ("POST", "PUT"):  # the answer shows the object built from the document
            entity.sent = item.sent()
            entity.sent.pop("id", None)  # a POST ignores it; a PUT used it to find the object
        self.b.hook(op.res.name).echo(self.b, op, entity)
        return entity

    def _delete(self, req: WSRequest, res: ResourceDef, rid: str | None, ctx: Ctx, started: float) -> WSResult:
        """One id in the path, or several as `?id=[1,2,3]`: all or nothing — any missing id is a 404
        naming the missing ones and nothing is deleted (WebserviceRequest::setObjects)."""
        ids = _id_list(req.param("id")) if rid is None and req.param("id") is not None else [rid or ""]
        missing = [i for i in ids if not i.strip().isdigit() or self.b.get(res.name, i.strip()) is None]
        if missing or not ids:
            raise WebserviceError(404, [(87, f"Id(s) not exists: {', '.join(missing)}")])
        with self.b.store.transaction():
            for i in ids:
                self.b.delete(res.name, int(i.strip()), ctx)
        return WSResult(200, self._ws_headers(None, started), b"", kind=f"delete:{res.name}", count=len(ids))

    # -- images ---------------------------------------------------------------------------------
    def _images(self, req: WSRequest, parts: list[str], json_out: bool, ctx: Ctx, started: float) -> WSResult:
        b, method = self.b, req.method
        if not parts:
            return self._ok(200, images.listing_root(ctx), False, started, "read")
        kind, rest = parts[0], parts[1:]
        if kind == "general" and not rest:
            return self._ok(200, images.listing_general(ctx), False, started, "read")
        if kind != "products":
            return self._ok(200, xml_document("<images>\n</images>\n"), False, started, "read")
        if not rest:
            return self._ok(200, images.listing_products(b, ctx), False, started, "read")
        if not rest[0].isdigit():
            raise EmptyAnswer(404)
        product_id = int(rest[0])
        if method == "POST" and len(rest) == 1:
            with b.store.transaction():
                body = images.upload(b, ctx, product_id, req.files)
            for error in ctx.after_commit:  # the image row is kept although its file was refused
                raise error
            return self._ok(200, body, False, started, "post:images")
        if method == "DELETE" and len(rest) >= 2 and rest[1].isdigit():
            with b.store.transaction():
                images.delete(b, ctx, product_id, int(rest[1]))
            return WSResult(200, self._ws_headers(None, started), b"", kind="delete:images")
        if method not in ("GET", "HEAD"):
            raise WebserviceError(405, [(101, f"Method {method} is not allowed for the resource images")])
        if len(rest) == 1:
            return self._ok(200, images.declinations(b, ctx, product_id, json_out), False, started, "read")
        if not rest[1].isdigit():
            raise EmptyAnswer(404)
        mime, data = images.binary(b, product_id, int(rest[1]))
        headers = self._ws_headers(("Content-Type", mime), started)
        headers.append(("Content-Sha1", hashlib.sha1(data).hexdigest()))
        return WSResult(200, headers, data, kind="image")


    # -- attachments (WebserviceSpecificManagementAttachments) ----------------------------------
    def _attachments(
        self, req: WSRequest, rest: list[str], json_out: bool, ctx: Ctx, started: float
    ) -> WSResult:
        b, method = self.b, req.method
        res = REGISTRY["attachments"]
        if method == "PATCH":  # the handler has no PATCH branch: nothing changes, an empty record comes back
            body = xml_document(xml_entity(self.render_ctx(ctx), attachments.blank_entity(b)))
            return self._ok(200, body, False, started, "read")
        if method in ("GET", "HEAD"):
            mime, name, data = attachments.download(b, rest[1] if len(rest) > 1 else "")
            headers = self._ws_headers(("Content-Type", mime), started)
            headers.append(("Content-Disposition", f'attachment; filename="{name}"'))
            return WSResult(200, headers, b"" if method == "HEAD" else data, kind="image")
        if method == "DELETE":  # reads the id from the wrong URL segment ("file"): deletes nothing
            return WSResult(200, self._ws_headers(None, started), b"", kind="delete:attachments")
        with b.store.transaction():  # POST, and PUT (which also creates: it too reads the id from "file")
            attachment_id = attachments.store_upload(b, ctx, req.files)
        if attachment_id is None:  # no file: the GET it emulates has no id and lists every attachment
            body = xml_document(xml_list(self.render_ctx(ctx), res, self._listing(res, ctx), None, False))
            return self._ok(200, body, False, started, "list:attachments")
        result = self._read_one(res, str(attachment_id), json_out, ctx, self.render_ctx(ctx), started)
        result.kind = f"{method.lower()}:attachments"
        return result


def _id_list(value: str | None) -> list[str]:
    """`[1,2,3]` → ["1", "2", "3"] (commas only: PHP explodes on ","); anything else → []."""
    if not value or not (value.startswith("[") and value.endswith("]")):
        return []
    return value[1:-1].split(",")


def _root_resources() -> list[tuple[str, str, bool]]:
    return [(name, DESCRIPTIONS[name], HAS_SCHEMA[name]) for name in ALL_RESOURCE_NAMES]
