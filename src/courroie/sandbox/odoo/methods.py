"""The model methods the sandbox serves, and how a remote call reaches them.

``call_kw`` binds XML-RPC / JSON-RPC ``execute_kw(model, method, args, kwargs)`` the way Odoo does:
for a record method the first argument is the ids; ``context`` travels in ``kwargs``. ``call_json2``
binds a 19.0 ``/json/2/<model>/<method>`` body: ``ids``, ``context`` and named parameters. Errors
are Odoo's, per version (a private method is an AccessError in 16.0, an AttributeError in 18.0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import accounting, sales, stock
from .errors import AccessError, HttpError, OdooError, ServerError, UserError, attribute_error, value_error
from .orm import Env, Server

REQUIRED = object()


@dataclass(frozen=True)
class Method:
    function: Callable[..., Any]
    params: tuple[tuple[str, Any], ...] = ()
    api_model: bool = False
    access: str = "write"
    since: int = 0            # the first major version having it
    until: int = 99           # the last one

    def exists_in(self, major: int) -> bool:
        return self.since <= major <= self.until


# --- the generic ORM methods -----------------------------------------------------------------------------

def _create(env: Env, model: str, vals_list: Any) -> Any:
    create = (lambda values: stock.create_quant(env, values)) if model == "stock.quant" else \
        (lambda values: env.create(model, values))
    if isinstance(vals_list, Mapping):
        return create(dict(vals_list))
    return [create(dict(values)) for values in vals_list]


def _read(env: Env, model: str, ids: list[int], fields: Sequence[str] | None = None,
          load: str = "_classic_read") -> Any:
    return env.read(model, ids, fields)


def _write(env: Env, model: str, ids: list[int], vals: Mapping[str, Any]) -> bool:
    env.write(model, ids, vals)
    return True


def _unlink(env: Env, model: str, ids: list[int]) -> bool:
    env.unlink(model, ids)
    return True


def _search(env: Env, model: str, domain: Any, offset: int = 0, limit: int | None = None, order: str | None = None,
            count: bool = False) -> Any:
    ids = env.search(model, domain, offset, limit, order)
    return len(ids) if count else ids


def _search_read(env: Env, model: str, domain: Any = None, fields: Sequence[str] | None = None, offset: int = 0,
                 limit: int | None = None, order: str | None = None) -> list[dict[str, Any]]:
    return env.read(model, env.search(model, domain or [], offset, limit, order), fields)


def _search_count(env: Env, model: str, domain: Any = None, limit: int | None = None) -> int:
    return len(env.search(model, domain or [], 0, limit))


def _name_search(env: Env, model: str, name: str = "", args: Any = None, operator: str = "ilike",
                 limit: int = 100, domain: Any = None) -> list[list[Any]]:
    ids = env.search(model, args or domain or [])
    labels = [(i, env.display_name(model, i)) for i in ids]
    if name:
        labels = [(i, label) for i, label in labels
                  if env.domains.matches(model, i, [("display_name", operator, name)])
                  or _label_matches(label, operator, name)]
    return [[i, label] for i, label in sorted(labels, key=lambda p: p[1].casefold())[:limit]]


def _label_matches(label: str, operator: str, name: str) -> bool:
    from .domain import compare
    return compare(label, operator, f"%{name}%" if "like" in operator and "%" not in name else name, "char")


def _fields_get(env: Env, model: str, allfields: Sequence[str] | None = None,
                attributes: Sequence[str] | None = None) -> dict[str, Any]:
    fields = env.model(model).fields
    names = [f for f in fields if not allfields or f in allfields]
    return {name: fields[name].description(list(attributes) if attributes else None) for name in names}


def _name_get(env: Env, model: str, ids: list[int]) -> list[list[Any]]:
    return [[i, env.display_name(model, i)] for i in env.exists(model, ids)]


def _context_get(env: Env, model: str) -> dict[str, Any]:
    return {"lang": env.user.lang, "tz": "Europe/Brussels", "uid": env.user.uid}


# --- read_group, as 16.0 and 18.0 shape it --------------------------------------------------------------------

NOT_STORED = {("product.product", "qty_available"), ("product.product", "virtual_available"),
              ("product.product", "free_qty"), ("product.template", "qty_available")}


def _read_group(env: Env, model: str, domain: Any, fields: Sequence[str], groupby: Any, offset: int = 0,
                limit: int | None = None, orderby: Any = False, lazy: bool = True) -> list[dict[str, Any]]:
    group = groupby[0] if isinstance(groupby, list | tuple) else groupby
    aggregates = [f.split(":")[0] for f in fields if f.split(":")[0] != group]
    for name in aggregates:
        if (model, name) in NOT_STORED:
            if env.major >= 18:
                raise value_error(f"Cannot convert {model}.{name} to SQL because it is not stored")
            raise UserError(f"Cannot aggregate field {name!r}.")
    if env.major < 18 and model == "stock.quant" and group == "warehouse_id":
        raise UserError(f"Field {model}.{group} is not a stored field, only stored fields (regular or many2many) "
                        "are valid for the 'groupby' parameter")
    ids = env.search(model, domain)
    buckets: dict[Any, list[int]] = {}
    for record in ids:
        buckets.setdefault(env.get(model, record, group), []).append(record)
    relation = env.relation(model, group) or ""
    # Groups come in the related model's order (locations by name, warehouses by sequence), empty last.
    keys = env._sorted(relation, [k for k in buckets if k], env.rules.orders.get(relation, "id")) if relation else \
        sorted(k for k in buckets if k is not None)
    keys += [None] if None in buckets else []
    normalized = env.domains.check(model, domain)
    rows = []
    for key in keys[offset:][:limit] if limit else keys[offset:]:
        value = [key, env.display_name(relation, key)] if key else False
        sums = {name: float(sum(env.get(model, r, name) or 0.0 for r in buckets[key])) for name in aggregates}
        leaf = [group, "=", key or False]
        if env.major < 18:
            rows.append({"__count": len(buckets[key]), **sums, group: value,
                         "__domain": ["&", leaf, *[list(t) if isinstance(t, tuple) else t for t in normalized]]})
        else:
            terms = [list(t) if isinstance(t, tuple) else t for t in normalized]
            rows.append({group: value, "__count": len(buckets[key]), **sums, "__domain": ["&", *terms, leaf]})
    return rows


_DOMAIN = ("domain", REQUIRED)
GENERIC: dict[str, Method] = {
    "create": Method(_create, (("vals_list", REQUIRED),), api_model=True, access="create"),
    "read": Method(_read, (("fields", None), ("load", "_classic_read")), access="read"),
    "write": Method(_write, (("vals", REQUIRED),), access="write"),
    "unlink": Method(_unlink, (), access="unlink"),
    "search": Method(_search, (_DOMAIN, ("offset", 0), ("limit", None), ("order", None), ("count", False)),
                     api_model=True, access="read"),
    "search_read": Method(_search_read, (("domain", None), ("fields", None), ("offset", 0), ("limit", None),
                                         ("order", None)), api_model=True, access="read"),
    "search_count": Method(_search_count, (("domain", None), ("limit", None)), api_model=True, access="read"),
    "name_search": Method(_name_search, (("name", ""), ("args", None), ("operator", "ilike"), ("limit", 100)),
                          api_model=True, access="read"),
    "fields_get": Method(_fields_get, (("allfields", None), ("attributes", None)), api_model=True, access="read"),
    "read_group": Method(_read_group, (_DOMAIN, ("fields", REQUIRED), ("groupby", REQUIRED), ("offset", 0),
                                       ("limit", None), ("orderby", False), ("lazy", True)),
                         api_model=True, access="read"),
}
# Odoo 19 renamed name_search's ``args`` to ``domain``; 17 dropped name_get.
GENERIC_19 = GENERIC | {"name_search": Method(_name_search, (("name", ""), ("domain", None), ("operator", "ilike"),
                                                              ("limit", 100)), api_model=True, access="read")}
NAME_GET = Method(_name_get, (), access="read")

SPECIFIC: dict[tuple[str, str], Method] = {
    ("sale.order", "action_confirm"): Method(sales.action_confirm),
    ("sale.order", "action_cancel"): Method(sales.action_cancel),
    ("sale.order.cancel", "action_cancel"): Method(sales.wizard_cancel),
    ("sale.order.cancel", "action_send_mail_and_cancel"): Method(sales.wizard_cancel),
    ("sale.order", "action_done"): Method(sales.action_lock, until=16),       # 16.0's lock
    ("sale.order", "action_lock"): Method(sales.action_lock, since=17),
    ("sale.order", "action_unlock"): Method(sales.action_unlock),
    ("sale.advance.payment.inv", "create_invoices"): Method(accounting.create_invoices),
    ("account.payment", "action_post"): Method(accounting.payment_post),
    ("account.payment", "action_cancel"): Method(accounting.payment_cancel),
    ("account.payment.register", "action_create_payments"): Method(accounting.create_payments),
    ("account.move", "button_cancel"): Method(accounting.button_cancel),
    ("stock.backorder.confirmation", "process"): Method(stock.backorder_process),
    ("stock.backorder.confirmation", "process_cancel_backorder"): Method(stock.backorder_cancel),
    ("sale.order", "action_draft"): Method(sales.action_draft),
    ("sale.order", "set_delivery_line"): Method(sales.set_delivery_line, (("carrier", REQUIRED), ("amount", REQUIRED))),
    ("stock.picking", "button_validate"): Method(stock.button_validate),
    ("stock.picking", "action_assign"): Method(stock.action_assign),
    ("stock.quant", "action_apply_inventory"): Method(stock.apply_inventory),
    ("choose.delivery.carrier", "button_confirm"): Method(sales.button_confirm),
    ("account.move", "action_post"): Method(accounting.action_post),
    ("res.users", "context_get"): Method(_context_get, api_model=True, access="read"),
}


def find_method(server: Server, model: str, name: str) -> Method | None:
    found = SPECIFIC.get((model, name))
    if found:
        return found if found.exists_in(server.major) else None
    if name == "name_get" and server.major < 17:
        return NAME_GET
    return (GENERIC_19 if server.major >= 19 else GENERIC).get(name)


# --- binding a call ----------------------------------------------------------------------------------------

def _bind(method: Method, name: str, positional: Sequence[Any], named: Mapping[str, Any]) -> dict[str, Any]:
    params = dict(method.params)
    if len(positional) > len(params):
        raise ServerError("TypeError", f"{name}() takes {len(params) + 1} positional arguments but "
                                       f"{len(positional) + 1} were given")
    bound = dict(zip(params, positional, strict=False))
    for key, value in named.items():
        if key not in params:
            raise ServerError("TypeError", f"{name}() got an unexpected keyword argument '{key}'")
        if key in bound:
            raise ServerError("TypeError", f"{name}() got multiple values for argument '{key}'")
        bound[key] = value
    for key, default in params.items():
        if key not in bound:
            if default is REQUIRED:
                raise ServerError("TypeError", f"{name}() missing 1 required positional argument: '{key}'")
            bound[key] = default
    return bound


def _ids(value: Any) -> list[int]:
    return [value] if isinstance(value, int) else list(value or [])


def call_kw(server: Server, uid: int, model: str, name: str, args: Sequence[Any],
            kwargs: Mapping[str, Any] | None) -> Any:
    """``execute_kw`` as XML-RPC and JSON-RPC reach it (16.0 / 18.0 rules)."""
    kwargs = dict(kwargs or {})
    env = server.env(uid, kwargs.pop("context", None) or {})
    env.model(model)
    if name.startswith("_"):
        if server.major < 17:
            raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")
        raise attribute_error(f"The method '{model}.{name}' does not exist")
    method = find_method(server, model, name)
    if method is None:
        raise attribute_error(f"The method '{name}' does not exist on the model '{model}'" if server.major < 17
                              else f"The method '{model}.{name}' does not exist")
    if method.api_model:
        return _run(env, model, method, name, None, _bind(method, name, args, kwargs))
    if not args:
        raise ServerError("TypeError", f"{name}() missing 1 required positional argument: 'self'")
    return _run(env, model, method, name, _ids(args[0]), _bind(method, name, args[1:], kwargs))


def call_json2(server: Server, uid: int, model: str, name: str, body: Mapping[str, Any]) -> Any:
    """``POST /json/2/<model>/<method>`` (19.0): ids, context and named parameters in one object."""
    params = dict(body)
    ids = _ids(params.pop("ids", []))
    env = server.env(uid, params.pop("context", None) or {})
    if model not in server.models:
        raise HttpError(404, "werkzeug.exceptions.NotFound", f"the model {model!r} does not exist")
    if name.startswith("_"):
        raise AccessError(f"Private methods (such as '{model}.{name}') cannot be called remotely.")
    method = find_method(server, model, name)
    if method is None:
        raise HttpError(404, "werkzeug.exceptions.NotFound", f"The method '{model}.{name}' does not exist")
    if method.api_model and ids:
        raise HttpError(422, "werkzeug.exceptions.UnprocessableEntity", f"cannot call {model}.{name} with ids")
    try:
        bound = _bind(method, name, (), params)
    except ServerError as error:
        raise HttpError(422, "werkzeug.exceptions.UnprocessableEntity", error.message) from None
    return _run(env, model, method, name, None if method.api_model else ids, bound)


def _run(env: Env, model: str, method: Method, name: str, ids: list[int] | None, bound: dict[str, Any]) -> Any:
    env.check_access(model, method.access)
    with env.db.transaction():
        try:
            if ids is None:
                return method.function(env, model, **bound)
            return method.function(env, model, ids, **bound)
        except (OdooError, HttpError):
            raise
        except (KeyError, TypeError, IndexError) as error:   # a sandbox gap shows as Odoo's server error
            raise ServerError(type(error).__name__, str(error)) from error
