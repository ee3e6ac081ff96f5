"""The shop's object layer: reading records as webservice entities and writing them like ObjectModel.

Generic write pipeline (what the captures show for every resource):
  1. walk the definition's fields in order: a read-only field sent → 93; a required scalar
     field missing on POST/PUT → 41; PUT starts from a blank object (full replace), PATCH from the
     stored one;
  2. resource hooks derive values (link_rewrite from the name, password hash…);
  3. validate formats and sizes → 85 / 84 (first failure only);
  4. normalise to column types, stamp date_add/date_upd, save, run side effects (stock rows,
     order state changes…).
Resource-specific behaviour lives in `Hooks` subclasses (catalog.py, orders.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from . import errors as err
from .errors import WebserviceError
from .formats import is_empty, is_valid, normalize
from .query import Query
from .render import Entity
from .resources import REGISTRY, ResourceDef
from .storage import Record, Store
from .xmlinput import ParsedEntity


@dataclass
class Settings:
    shop_name: str = "TestShop"
    timezone: str = "Europe/Paris"
    clock: Callable[[], datetime] | None = None
    default_shop: int = 1
    default_country: int = 8  # France
    default_currency: int = 1
    default_language: int = 1
    home_category: int = 2
    customer_group: int = 3  # "Customer"
    round_type: int = 2  # 1 per item, 2 per line (captured orders say 2), 3 on the total
    allow_backorders: bool = False  # PS_ORDER_OUT_OF_STOCK, used when a stock row says 2 (default)
    gift_wrapping_price: Decimal = Decimal("2.50")  # PS_GIFT_WRAPPING_PRICE (tax excluded)
    gift_wrapping_tax_group: int = 1  # PS_GIFT_WRAPPING_TAX_RULES_GROUP
    guest_group: int = 2  # PS_GUEST_GROUP


@dataclass
class Ctx:
    """What one request works with: shop context, languages, time, the listing query."""

    base: str
    now: str
    shop: int  # shop whose values are read
    shops: list[int]  # shops a write applies to
    explicit_shop: bool = False
    languages: list[str] = field(default_factory=list)
    query: Query = field(default_factory=Query)
    sendemail: bool = False
    after_commit: list[WebserviceError] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)  # per-request memo for computed fields


@dataclass
class WriteOp:
    method: str  # POST | PUT | PATCH (or INTERNAL for records the shop creates itself)
    res: ResourceDef
    parsed: ParsedEntity
    new: Record
    old: Record | None
    ctx: Ctx
    rid: int | None = None  # set once saved
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def saved_id(self) -> int:
        assert self.rid is not None, "the object is not saved yet"
        return self.rid


class Hooks:
    """Per-resource behaviour; every method is optional."""

    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None: ...

    def visible(self, b: Backend, record: Record, ctx: Ctx) -> bool:
        return True

    def on_field(self, b: Backend, op: WriteOp, name: str, value: str) -> None: ...

    def prepare(self, b: Backend, op: WriteOp) -> None: ...

    def check(self, b: Backend, op: WriteOp) -> None: ...

    def finalize(self, b: Backend, op: WriteOp) -> None:
        """Last change before storing, on normalised values."""

    def create(self, b: Backend, op: WriteOp) -> Record | None:
        """Replace the plain insert of a POST (orders are built from their cart)."""
        return None

    def after_save(self, b: Backend, op: WriteOp) -> None: ...

    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None: ...

    def echo(self, b: Backend, op: WriteOp, entity: Entity) -> None: ...


class Backend:
    def __init__(self, store: Store, settings: Settings, hooks: dict[str, Hooks]) -> None:
        self.store = store
        self.settings = settings
        self.hooks = hooks
        self._tz = ZoneInfo(settings.timezone)

    # -- basics -------------------------------------------------------------------------------
    def res(self, name: str) -> ResourceDef:
        return REGISTRY[name]

    def hook(self, name: str) -> Hooks:
        return self.hooks.get(name) or _NO_HOOKS

    def clock(self) -> datetime:
        now = self.settings.clock() if self.settings.clock else datetime.now(self._tz)
        return now.astimezone(self._tz) if now.tzinfo else now

    def now(self, minutes: int = 0) -> str:
        return (self.clock() + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")

    def language_ids(self) -> list[str]:
        return [str(i) for i in self.store.ids("languages")]

    def get(self, name: str, rid: object) -> Record | None:
        """The record with this id (any id-ish value: "21", 21, None, "" …), or None."""
        try:
            return self.store.get(name, int(str(rid))) if rid not in (None, "") else None
        except ValueError:
            return None

    def find(self, name: str, **criteria: object) -> list[Record]:
        """Records whose fields equal the criteria (first criterion uses an index)."""
        (key, value), *rest = criteria.items()
        out = []
        for rid in self.store.find(name, key, str(value)):
            record = self.store.get(name, rid)
            if record is not None and all(str(record.get(k)) == str(v) for k, v in rest):
                out.append(record)
        return out

    def i18n_default(self, values: dict[str, str] | None) -> str:
        values = values or {}
        return values.get(str(self.settings.default_language)) or next(iter(values.values()), "")

    # -- reading ------------------------------------------------------------------------------
    def entity(self, name: str, record: Record, ctx: Ctx) -> Entity:
        values = {k: v for k, v in record.items() if not k.startswith("_") and k != "associations"}
        assocs = copy.deepcopy(record.get("associations") or {})
        entity = Entity(self.res(name), values, assocs, record=record)
        self.hook(name).compute(self, entity, ctx)
        return entity

    def visible_records(self, name: str, ctx: Ctx) -> Iterable[Record]:
        hook = self.hook(name)
        for record in self.store.table(name).values():
            if hook.visible(self, record, ctx):
                yield record

    # -- writing ------------------------------------------------------------------------------
    def write(self, method: str, name: str, parsed: ParsedEntity, ctx: Ctx) -> WriteOp:
        res = self.res(name)
        old = None
        if method != "POST":
            if not parsed.id:
                raise WebserviceError(400, [(90, "id is required when modifying a resource")])
            old = self.get(name, parsed.id)
            if old is None:
                raise WebserviceError(404, [(92, "Invalid ID")])
        op = WriteOp(method, res, parsed, self._start(method, res, old), old, ctx)
        self._assign(op)
        hook = self.hook(name)
        hook.prepare(self, op)
        self._validate(op)
        hook.check(self, op)
        self._normalise(op)
        hook.finalize(self, op)
        created = hook.create(self, op) if op.old is None else None
        if created is not None:
            op.new, op.rid = created, int(created["id"])
        else:
            self.save(op)
        return op

    def _start(self, method: str, res: ResourceDef, old: Record | None) -> Record:
        if method == "PATCH" and old is not None:
            return copy.deepcopy(old)
        new: Record = res.zero_values()
        for f in res.i18n_fields:
            new[f.name] = {}
        if old is not None:  # PUT: a new object under the same id; associations are kept
            new["id"] = old["id"]
            new["date_add"] = old.get("date_add")
            new.update({k: copy.deepcopy(v) for k, v in old.items() if k.startswith("_")})
            if "associations" in old:
                new["associations"] = copy.deepcopy(old["associations"])
        return new

    def _assign(self, op: WriteOp) -> None:
        res, parsed, hook = op.res, op.parsed, self.hook(op.res.name)
        languages = self.language_ids()
        for f in res.fields:
            if f.name == "id":
                continue
            sent = f.name in parsed.i18n if f.i18n else f.name in parsed.fields
            if sent and f.read_only:
                raise WebserviceError(400, [*op.warnings, err.not_writable(f.name)])
            if sent and f.i18n:
                given = {lang: text for lang, text in parsed.i18n[f.name].items() if lang in languages}
                op.new[f.name] = self._merge_i18n(op, op.new.get(f.name) or {}, given, languages)
            elif sent:
                hook.on_field(self, op, f.name, parsed.fields[f.name])
                op.new[f.name] = parsed.fields[f.name]
            elif op.method in ("POST", "PUT") and f.required and not f.i18n:
                raise WebserviceError(400, [*op.warnings, (41, f'parameter "{f.name}" required')])
        if op.warnings:
            raise WebserviceError(500, op.warnings)
        for assoc_name, items in parsed.associations.items():
            assoc = op.res.assoc_by_name.get(assoc_name)
            if assoc is None:
                if assoc_name != "i18n":  # refused only once the object is saved (saveEntityFromXml)
                    op.ctx.after_commit.append(
                        WebserviceError(400, [(86, f'The association "{assoc_name}" does not exists')])
                    )
                continue
            names = {sub.name for sub in assoc.fields}
            kept = [{k: v.strip() for k, v in item.items() if k in names} for item in items]
            kept = [item for item in kept if any(item.values())]  # `<category><id/></category>` from a blank schema
            op.new.setdefault("associations", {})[assoc_name] = kept

    def _merge_i18n(
        self, op: WriteOp, current: dict[str, str], given: dict[str, str], languages: list[str]
    ) -> dict[str, str]:
        merged = dict(current) if op.method == "PATCH" else {}
        merged.update(given)
        for lang in languages:  # a language the client left out is empty (PATCH keeps it)
            merged.setdefault(lang, "")
        return merged

    def _validate(self, op: WriteOp) -> None:
        res = op.res
        for f in res.fields:
            if f.name == "id" or f.i18n or f.name in res.computed:
                continue
            value = op.new.get(f.name)
            if f.required and value == "":
                raise WebserviceError(400, [err.empty(res.class_name, f.name)])
            if not isinstance(value, str) or (is_empty(value) and value != "0"):
                continue
            if f.max_size and len(value) > f.max_size:
                raise WebserviceError(400, [err.too_long(res.class_name, f.name, len(value), f.max_size)])
            if not is_valid(f.fmt, value):
                raise WebserviceError(400, [err.invalid(res.class_name, f.name)])
        for f in res.i18n_fields:
            values = op.new.get(f.name) or {}
            if f.required and not values.get(str(self.settings.default_language)):
                raise WebserviceError(400, [err.empty(res.class_name, f.name)])
            for text in values.values():
                if f.max_size and len(text) > f.max_size:
                    raise WebserviceError(400, [err.too_long(res.class_name, f.name, len(text), f.max_size)])
                if text and not is_valid(f.fmt, text):
                    raise WebserviceError(400, [err.invalid(res.class_name, f.name)])

    def _normalise(self, op: WriteOp) -> None:
        for f in op.res.fields:
            if f.name == "id" or f.i18n or f.name in op.res.computed:
                continue
            value = op.new.get(f.name)
            if isinstance(value, str):
                op.new[f.name] = normalize(f.storage, value)

    def save(self, op: WriteOp) -> None:
        """Stamp dates, store, and run the resource's side effects."""
        res, new, now = op.res, op.new, op.ctx.now
        for name in res.computed:
            new.pop(name, None)
        if "date_upd" in res.by_name:
            new["date_upd"] = now
        if "date_add" in res.by_name and new.get("date_add") in (None, "", "0000-00-00 00:00:00"):
            new["date_add"] = now
        if op.old is None:
            op.rid = self.store.insert(res.name, new)
        else:
            op.rid = int(op.old["id"])
            self.store.put(res.name, op.rid, new)
        self.hook(res.name).after_save(self, op)

    def insert(self, name: str, values: dict[str, Any], ctx: Ctx) -> Record:
        """Create a record the shop makes itself (stock rows, order details…): no input checks."""
        res = self.res(name)
        record: Record = res.zero_values()
        for f in res.i18n_fields:
            record[f.name] = {}
        record.update(values)
        op = WriteOp("INTERNAL", res, ParsedEntity(), record, None, ctx)
        self.save(op)
        return record

    def update(self, name: str, record: Record, changes: dict[str, Any], ctx: Ctx, *, touch: bool = True) -> Record:
        """Change a stored record in place of a client write (no hooks, no validation)."""
        new = {**record, **changes}
        if touch and "date_upd" in self.res(name).by_name:
            new["date_upd"] = ctx.now
        self.store.put(name, int(record["id"]), new)
        return new

    def delete(self, name: str, rid: int, ctx: Ctx) -> None:
        record = self.store.get(name, rid)
        if record is None:
            return
        self.hook(name).before_delete(self, record, ctx)
        self.store.delete(name, rid)


_NO_HOOKS = Hooks()
