"""A small in-memory ORM with Odoo's external behaviour: what ``search``, ``read``, ``create``,
``write`` and ``unlink`` accept, answer and refuse.

Records are plain dicts: many2one as an id or ``None``, x2many as id lists (one2many derived from the
inverse many2one), translated fields as ``{lang: text}``. Business behaviour (computed fields,
defaults, hooks, workflow methods) is registered by the modules of this package through
:data:`RULES`, so this file stays about the ORM alone. Every call runs in a transaction: a failing
call leaves nothing behind, as in Odoo.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .domain import Evaluator
from .errors import AccessError, MissingError, UserError, ValidationError, value_error
from .fields import MRP_MODELS, Field, Model, default, registry

Row = dict[str, Any]
Compute = Callable[["Env", int], Any]
Hook = Callable[["Env", str, int, Row], None]


@dataclass
class Rules:
    """Business behaviour, registered by the model modules (``catalog``, ``stock``, ``sales``…)."""

    computed: dict[tuple[str, str], Compute] = field(default_factory=dict)
    inverses: dict[tuple[str, str], str] = field(default_factory=dict)       # one2many → inverse many2one
    cascade: set[tuple[str, str]] = field(default_factory=set)              # one2many deleted with their parent
    translated: set[tuple[str, str]] = field(default_factory=set)
    writable: set[tuple[str, str]] = field(default_factory=set)            # computed, with an inverse: stored as written
    inherits: dict[str, tuple[str, str, frozenset[str]]] = field(default_factory=dict)  # model → (parent, link, own)
    defaults: dict[str, Callable[[Env, Row], Row]] = field(default_factory=dict)
    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    after_create: dict[str, list[Hook]] = field(default_factory=lambda: defaultdict(list))
    after_write: dict[str, list[Hook]] = field(default_factory=lambda: defaultdict(list))
    before_unlink: dict[str, list[Callable[[Env, str, list[int]], None]]] = field(
        default_factory=lambda: defaultdict(list))
    names: dict[str, Compute] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)                    # model → group named in AccessErrors
    # model → terms a search adds of its own (``ir.attachment`` hides field attachments unless asked)
    search_filters: dict[str, Callable[[list[Any]], list[Any]]] = field(default_factory=dict)

    def compute(self, model: str, *names: str) -> Callable[[Compute], Compute]:
        def register(function: Compute) -> Compute:
            for name in names:
                self.computed[(model, name)] = function
            return function
        return register

    def on_create(self, model: str) -> Callable[[Hook], Hook]:
        def register(function: Hook) -> Hook:
            self.after_create[model].append(function)
            return function
        return register

    def on_write(self, model: str) -> Callable[[Hook], Hook]:
        def register(function: Hook) -> Hook:
            self.after_write[model].append(function)
            return function
        return register


RULES = Rules()


@dataclass
class User:
    uid: int
    login: str
    password: str
    name: str
    partner_id: int
    api_keys: set[str] = field(default_factory=set)
    denied: dict[str, set[str]] = field(default_factory=dict)   # model → operations refused (read/write/create/unlink)
    lang: str = "en_US"

    def accepts(self, secret: str) -> bool:
        """Odoo accepts an API key wherever it accepts the password (14.0+)."""
        return bool(secret) and (secret == self.password or secret in self.api_keys)


class Database:
    """The records of every model, and a journal to undo a failing call."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[int, Row]] = defaultdict(dict)
        self.next_ids: dict[str, int] = defaultdict(lambda: 1)
        self._journal: list[tuple[str, int, Row | None]] | None = None

    def insert(self, model: str, values: Row) -> int:
        record_id = self.next_ids[model]
        while record_id in self.tables[model]:   # ids placed ahead (seeded to match Odoo's) are skipped
            record_id += 1
        self.next_ids[model] = record_id + 1
        self._log(model, record_id, None)
        self.tables[model][record_id] = {"id": record_id, **values}
        return record_id

    def update(self, model: str, record_id: int, values: Row) -> None:
        self._log(model, record_id, dict(self.tables[model][record_id]))
        self.tables[model][record_id].update(values)

    def delete(self, model: str, record_id: int) -> None:
        self._log(model, record_id, dict(self.tables[model][record_id]))
        del self.tables[model][record_id]

    def _log(self, model: str, record_id: int, before: Row | None) -> None:
        if self._journal is not None:
            self._journal.append((model, record_id, before))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._journal is not None:   # nested: the outer call owns the transaction
            yield
            return
        self._journal = []
        try:
            yield
        except BaseException:
            for model, record_id, before in reversed(self._journal):
                if before is None:
                    self.tables[model].pop(record_id, None)
                else:
                    self.tables[model][record_id] = before
            raise
        finally:
            self._journal = None


@dataclass
class Server:
    """One Odoo database as a version serves it: schema, records, users, installed modules."""

    version: str
    database: str = "odoo"
    modules: frozenset[str] = frozenset({"sale_management", "stock", "delivery"})
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    db: Database = field(default_factory=Database)
    users: dict[int, User] = field(default_factory=dict)
    company_id: int = 1
    sale_taxes: tuple[int, ...] = ()   # the company's default sale taxes, given to new products

    def __post_init__(self) -> None:
        models = registry(self.version)
        self.models: dict[str, Model] = {name: model for name, model in models.items()
                                         if name not in MRP_MODELS or "mrp" in self.modules}

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    def env(self, uid: int, context: Mapping[str, Any] | None = None) -> Env:
        user = self.users[uid]
        return Env(self, user, {"lang": user.lang, "tz": "Europe/Brussels", "uid": uid} | dict(context or {}))

    def user_by_login(self, login: str) -> User | None:
        return next((u for u in self.users.values() if u.login == login), None)

    def now(self) -> str:
        return self.clock().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Env:
    """One call's view of the database: a user, a context (``lang``, stock ``location``…)."""

    def __init__(self, server: Server, user: User, context: dict[str, Any]) -> None:
        self.server, self.user, self.context = server, user, context
        self.db = server.db
        self.rules = RULES
        self.domains = Evaluator(self.get, self.relation, self.field_type, self.children_of, self.parents_of)

    def with_context(self, **values: Any) -> Env:
        return Env(self.server, self.user, self.context | values)

    @property
    def lang(self) -> str:
        return str(self.context.get("lang") or "en_US")

    @property
    def major(self) -> int:
        return self.server.major

    def now(self) -> str:
        return self.server.now()

    # --- schema

    def model(self, name: str) -> Model:
        model = self.server.models.get(name)
        if model is None:
            raise UserError(f"Object {name} doesn't exist")
        return model

    def field(self, model: str, name: str) -> Field | None:
        return self.model(model).fields.get(name)

    def field_type(self, model: str, name: str) -> str | None:
        if name == "id":
            return "integer"
        found = self.field(model, name)
        return found.type if found else None

    def relation(self, model: str, name: str) -> str | None:
        found = self.field(model, name)
        return found.relation if found else None

    # --- access rights

    def check_access(self, model: str, operation: str) -> None:
        if operation not in self.user.denied.get(model, set()):
            return
        verb = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}[operation]
        group = self.rules.groups.get(model, "Administration/Access Rights")
        raise AccessError(
            f"You are not allowed to {verb} '{self.model(model).description}' ({model}) records.\n\n"
            f"This operation is allowed for the following groups:\n\t- {group}\n\n"
            "Contact your administrator to request access if necessary.")

    # --- reading values

    def table(self, model: str) -> dict[int, Row]:
        return self.db.tables[model]

    def exists(self, model: str, ids: Sequence[int]) -> list[int]:
        table = self.table(model)
        return [i for i in ids if i in table]

    def get(self, model: str, record_id: int, name: str) -> Any:
        """The raw value of one field of one record (computed, inherited or stored)."""
        if name == "id":
            return record_id
        if name == "__last_update":   # 16.0 and before: the record's write_date
            return self.table(model).get(record_id, {}).get("write_date")
        compute = self.rules.computed.get((model, name))
        if compute is not None:
            return compute(self, record_id)
        inherits = self.rules.inherits.get(model)
        if inherits and name not in inherits[2]:
            parent, link, _ = inherits
            parent_id = self.table(model)[record_id].get(link)
            return self.get(parent, parent_id, name) if parent_id else None
        stored = self.table(model).get(record_id, {}).get(name)
        found = self.field(model, name)
        if found and found.type == "one2many" and (model, name) in self.rules.inverses:
            inverse = self.rules.inverses[(model, name)]
            return self.search(found.relation or "", [(inverse, "=", record_id)], active_test=False)
        if (model, name) in self.rules.translated and isinstance(stored, dict):
            return stored.get(self.lang) or stored.get("en_US") or None
        if stored is None and found and found.is_x2many:
            return []
        return stored

    def display_name(self, model: str, record_id: int) -> str:
        name = self.rules.names.get(model)
        if name is not None:
            return str(name(self, record_id))
        for candidate in ("name", "complete_name"):
            if self.field(model, candidate):
                value = self.get(model, record_id, candidate)
                if value:
                    return str(value)
        return f"{model},{record_id}"

    def children_of(self, model: str, record_id: int) -> list[int]:
        parent = "parent_id" if self.field(model, "parent_id") else "location_id"
        found, frontier = [record_id], [record_id]
        while frontier:
            frontier = [r for r, row in self.table(model).items() if row.get(parent) in frontier]
            found += frontier
        return found

    def parents_of(self, model: str, record_id: int) -> list[int]:
        parent = "parent_id" if self.field(model, "parent_id") else "location_id"
        found: list[int] = []
        current: int | None = record_id
        while current:
            found.append(current)
            current = self.table(model).get(current, {}).get(parent)
        return found

    # --- search

    def search(self, model: str, domain: Sequence[Any], offset: int = 0, limit: int | None = None,
               order: str | None = None, *, active_test: bool | None = None) -> list[int]:
        terms = self.domains.check(model, domain or [])
        if model in self.rules.search_filters:
            terms = self.rules.search_filters[model](terms)
        if active_test is None:
            active_test = self.context.get("active_test", True)
        if active_test and self.field(model, "active") and not _mentions(terms, "active"):
            terms = ["&", ("active", "=", True), *terms] if terms else [("active", "=", True)]
        ids = [i for i in self.table(model) if not terms or self.domains.matches(model, i, terms)]
        ids = self._sorted(model, ids, order or self.rules.orders.get(model, "id"))
        ids = ids[offset or 0:]
        return ids[:limit] if limit else ids

    def _sorted(self, model: str, ids: list[int], order: str) -> list[int]:
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            name, _, direction = part.partition(" ")
            descending = direction.strip().lower() == "desc"
            if self.field_type(model, name) is None:
                raise value_error(f"Invalid \"order\" specified ({order}). A valid \"order\" specification is a "
                                  "comma-separated list of valid field names (optionally followed by asc/desc "
                                  "for the direction)")
            ids = sorted(ids, key=functools.partial(self._order_key, model, name), reverse=descending)
        return ids

    def _order_key(self, model: str, name: str, record_id: int) -> tuple[int, Any]:
        return _sort_key(self.get(model, record_id, name))

    # --- read

    def read(self, model: str, ids: Sequence[int], fields: Sequence[str] | None) -> list[Row]:
        known = self.model(model).fields
        names = [f for f in (fields or list(known)) if f != "id"]
        for name in names:
            if name not in known:
                raise value_error(f"Invalid field {name!r} on model {model!r}")
        return [{"id": i, **{name: self.external(model, i, known[name]) for name in names}}
                for i in self.exists(model, list(dict.fromkeys(ids)))]

    def external(self, model: str, record_id: int, fld: Field) -> Any:
        """One field as ``read`` answers it: many2one ``[id, name]``, ``False`` for nothing."""
        if fld.name == "display_name":
            return self.display_name(model, record_id)
        value = self.get(model, record_id, fld.name)
        if fld.type == "many2one":
            return [value, self.display_name(fld.relation or "", value)] if value else False
        if value is None or (value == "" and fld.type not in ("char", "text", "html")):
            return default(fld)
        if fld.type in ("float", "monetary") and isinstance(value, int | float):
            return float(value)
        return list(value) if fld.is_x2many else value

    # --- write

    def create(self, model: str, values: Mapping[str, Any]) -> int:
        self.check_access(model, "create")
        values = dict(values)
        defaults = self.rules.defaults.get(model)
        known = self.model(model).fields
        # Odoo's order: the values given, then ``default_<field>`` keys of the context, then the model's defaults.
        asked = {key[8:]: value for key, value in self.context.items()
                 if key.startswith("default_") and key[8:] in known and key[8:] not in values}
        complete = {k: v for k, v in (defaults(self, asked | values) if defaults else {}).items() if k in known} \
            | asked | values
        if self.field(model, "active") and "active" not in complete:
            complete["active"] = True   # every ``active`` field of Odoo defaults to True
        self._check_required(model, complete)
        inherits = self.rules.inherits.get(model)
        if inherits and not complete.get(inherits[1]):
            parent, link, own = inherits
            parent_values = {k: v for k, v in complete.items() if k not in own}
            complete = {k: v for k, v in complete.items() if k in own}
            complete[link] = self.with_context(create_product_product=False).create(parent, parent_values)
        stamp = {"create_date": self.now(), "write_date": self.now(), "create_uid": self.user.uid,
                 "write_uid": self.user.uid}
        record_id = self.db.insert(model, stamp)
        self._apply(model, record_id, complete, creating=True)
        for hook in self.rules.after_create.get(model, []):
            hook(self, model, record_id, complete)
        return record_id

    def write(self, model: str, ids: Sequence[int], values: Mapping[str, Any]) -> None:
        self.check_access(model, "write")
        missing = [i for i in ids if i not in self.table(model)]
        if missing:
            raise MissingError("Record does not exist or has been deleted.\n"
                               f"(Record: {model}({', '.join(map(str, missing))},), User: {self.user.uid})")
        for record_id in ids:
            self._apply(model, record_id, dict(values), creating=False)
            self.db.update(model, record_id, {"write_date": self.now(), "write_uid": self.user.uid})
            for hook in self.rules.after_write.get(model, []):
                hook(self, model, record_id, dict(values))

    def touch(self, model: str, record_id: int, values: Row) -> None:
        """Store computed consequences (quantities, states) and bump ``write_date``, as Odoo's flush does."""
        self.db.update(model, record_id, values | {"write_date": self.now(), "write_uid": self.user.uid})

    def unlink(self, model: str, ids: Sequence[int]) -> None:
        self.check_access(model, "unlink")
        ids = self.exists(model, ids)
        for check in self.rules.before_unlink.get(model, []):
            check(self, model, ids)
        for record_id in ids:
            for parent, o2m in self.rules.cascade:   # lines go with their order (``ondelete='cascade'``)
                relation = self.field(model, o2m) if parent == model else None
                if relation and relation.relation:
                    inverse = self.rules.inverses[(model, o2m)]
                    self.unlink(relation.relation, self.search(relation.relation, [(inverse, "=", record_id)],
                                                               active_test=False))
            if record_id in self.table(model):
                self.db.delete(model, record_id)

    def _check_required(self, model: str, values: Row) -> None:
        for name in self.rules.required.get(model, ()):
            if values.get(name) in (None, False, ""):
                fld = self.field(model, name)
                raise ValidationError(
                    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
                    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
                    f"Model: {self.model(model).description} ({model})\n"
                    f"Field: {fld.string if fld else name} ({name})\n")

    def _apply(self, model: str, record_id: int, values: Row, *, creating: bool) -> None:
        known = self.model(model).fields
        inherits = self.rules.inherits.get(model)
        parent_values: Row = {}
        stored: Row = {}
        children: list[tuple[Field, Any]] = []
        for name, value in values.items():
            fld = known.get(name)
            if fld is None or name == "id":
                raise value_error(f"Invalid field {name!r} on model {model!r}")
            if inherits and name not in inherits[2]:
                parent_values[name] = value
            elif fld.type == "one2many" and (model, name) in self.rules.inverses:
                children.append((fld, value))
            elif (model, name) in self.rules.computed and not fld.is_x2many and (model, name) not in self.rules.writable:
                continue   # computed fields without inverse: Odoo ignores what is written
            else:
                stored[name] = self._convert(model, record_id, fld, value, creating=creating)
        if stored:
            self.db.update(model, record_id, stored)
        for fld, commands in children:   # after the parent's own values: lines read their order's
            self._one2many(model, record_id, fld, commands)
        if parent_values and inherits:
            parent_id = self.table(model)[record_id][inherits[1]]
            self.write(inherits[0], [parent_id], parent_values)

    def _convert(self, model: str, record_id: int, fld: Field, value: Any, *, creating: bool) -> Any:
        if fld.type == "many2many":
            linked = [] if creating else list(self.table(model)[record_id].get(fld.name) or [])
            return many2many(linked, value)
        if fld.type == "many2one":
            if value and fld.relation in self.server.models and int(value) not in self.table(fld.relation):
                # PostgreSQL refuses the row; Odoo words the IntegrityError as a ValidationError.
                raise ValidationError(
                    "The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n"
                    "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
                    f"Model: {self.model(model).description} ({model})\n"
                    f"Constraint: {model.replace('.', '_')}_{fld.name}_fkey\n")
            return int(value) if value else None
        if fld.type == "selection" and value not in (False, None) and fld.selection is not None \
                and value not in {key for key, _ in fld.selection}:
            raise value_error(f"Wrong value for {model}.{fld.name}: {value!r}")
        if (model, fld.name) in self.rules.translated:
            current = {} if creating else dict(self.table(model)[record_id].get(fld.name) or {})
            if value in (False, None):
                return None
            if creating or not current:
                return {"en_US": value, self.lang: value}
            return current | {self.lang: value}
        return _scalar(fld, value)

    def _one2many(self, model: str, record_id: int, fld: Field, commands: Any) -> None:
        inverse = self.rules.inverses[(model, fld.name)]
        target = fld.relation or ""
        for command in commands or []:
            code = command[0]
            if code == 0:
                self.create(target, {**command[2], inverse: record_id})
            elif code == 1:
                self.write(target, [command[1]], command[2])
            elif code == 2:
                self.unlink(target, [command[1]])
            elif code in (3, 4):
                self.write(target, [command[1]], {inverse: record_id if code == 4 else False})
            elif code in (5, 6):
                keep = set(command[2]) if code == 6 else set()
                for other in self.search(target, [(inverse, "=", record_id)], active_test=False):
                    if other not in keep:
                        self.unlink(target, [other])
                for linked in keep:
                    self.write(target, [linked], {inverse: record_id})


def many2many(current: list[int], commands: Any) -> list[int]:
    """Apply x2many commands ``(4, id)``, ``(6, 0, ids)``… (or a plain id list) to an id list."""
    if commands and all(isinstance(c, int) for c in commands):
        return list(commands)
    ids = list(current)
    for command in commands or []:
        code = command[0]
        if code == 6:
            ids = list(command[2])
        elif code == 4 and command[1] not in ids:
            ids.append(command[1])
        elif code in (2, 3) and command[1] in ids:
            ids.remove(command[1])
        elif code == 5:
            ids = []
    return ids


def _scalar(fld: Field, value: Any) -> Any:
    if value is False and fld.type not in ("boolean",):
        return None
    if fld.type in ("float", "monetary"):
        return float(value or 0.0)
    if fld.type == "integer":
        return int(value or 0)
    if fld.type == "boolean":
        return bool(value)
    if fld.type == "binary" and isinstance(value, str):
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error as error:
            raise value_error(f"Invalid base64 for field {fld.name}: {error}") from None
    return value


def _mentions(terms: list[Any], name: str) -> bool:
    return any(isinstance(t, tuple) and str(t[0]).split(".")[0] == name for t in terms)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value in (None, False):
        return (0, "")
    if isinstance(value, list):
        return (1, tuple(value))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value)
    return (2, str(value).casefold())
