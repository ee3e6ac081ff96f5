"""Mappings: per shop, how its order states, carriers, taxes, customer groups, payment methods, warehouses
and categories match the ERP's, as the hub uses them (defaults included); admins edit them in the
configuration file itself (``courroie.config_edit``: validated by the loader, history kept)."""

from __future__ import annotations

import difflib
from enum import Enum
from typing import Any
from urllib.parse import quote

from anyio import from_thread
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from courroie import secrets
from courroie.config import HubConfig, ShopEntry
from courroie.config_edit import (
    ConfigFile, MappingChange, StaleEdit, change_mapping, effective, mappings_of, version_of,
)
from courroie.errors import ConfigError
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import Console
from courroie.interfaces.web.auth import action, console_of, page, session_of
from courroie.store.console import may

HISTORY_SIZE = 30


def titles() -> dict[str, tuple[str, str, str, str | None]]:
    """Mapping → title, what it maps, header of its keys, header of its values (None: a list)."""
    _ = i18n.gettext
    return {
        "order_states": (_("Order states"), _("Order progress → the shop's order state id"),
                         _("Order state"), _("Shop state id")),
        "carriers": (_("Carriers"), _("ERP carrier name → the shop's carrier id (unmapped names are looked up "
                                      "among the shop's carriers by name)"), _("ERP carrier"), _("Shop carrier id")),
        "tax_rules_groups": (_("Tax rules"), _("ERP tax → the shop's tax rules group id"),
                             _("ERP tax"), _("Shop tax rules group")),
        "customer_groups": (_("Customer groups"), _("ERP price list or customer group → the shop's customer "
                                                    "group id"), _("ERP price list or group"), _("Shop group id")),
        "orders.payment_journals": (_("Payment methods"), _("Shop payment module → ERP journal"),
                                    _("Payment module"), _("ERP journal")),
        "orders.customer_groups": (_("Customer group terms"), _("Shop customer group → ERP price list, payment "
                                                                "term and customer category"),
                                   _("Shop customer group"), _("ERP terms")),
        "stock.locations": (_("Warehouses"), _("ERP warehouses whose stock this shop sells"), _("ERP warehouse"),
                            None),
        "catalog.category_map": (_("Categories"), _("ERP category → shop category id it is merged into (null: "
                                                    "left out of the shop)"), _("ERP category"),
                                 _("Shop category id")),
    }


async def mappings_page(request: Request, problem: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """``problem``: a refused change (shop, mapping, message, text): shown at its form, with the text kept."""
    console = console_of(request)
    editor = may(session_of(request).user.role, "admin")
    data = await run_in_threadpool(mappings_data, console, editor, request.query_params.get("shop"))
    return await console.render(request, "mappings.html", {**data, "problem": problem, "editor": editor,
                                                           "saved": request.query_params.get("saved"),
                                                           "unchanged": request.query_params.get("unchanged")},
                                status_code)


def mappings_data(console: Console, editor: bool, shop: str | None = None) -> dict[str, Any]:
    config = console.hub.config
    written, unreadable = _written(config)
    shops = [{"name": entry.name, "type": entry.type,
              "mappings": [_section(entry, mapping, written, editor) for mapping in mappings_of(entry)]}
             for entry in config.shops]
    history = console.config_history.latest(HISTORY_SIZE, shop=shop if shop in console.hub.shops else None)
    return {"shop_mappings": shops, "path": config.path, "unreadable": unreadable,
            "history": [{**change, "diff": diff(change)} for change in history]}


def _written(config: HubConfig) -> tuple[ConfigFile | None, str | None]:
    """The file as it is now, or why it cannot be edited: edited by hand since the hub read it, it may
    no longer read (the page then shows what the hub uses)."""
    if config.path is None:
        return None, None
    try:
        written = ConfigFile.read(config.path)
    except (ConfigError, OSError) as error:
        return None, secrets.redact(str(error))
    missing = [entry.name for entry in config.shops if entry.name not in written.shops]
    if missing:
        return None, i18n.gettext("The file no longer has the shop %(shop)s.", shop=missing[0])
    return written, None


def _section(entry: ShopEntry, mapping: str, written: ConfigFile | None, editor: bool) -> dict[str, Any]:
    node = written.node(entry.name, mapping) if written else None
    title, meaning, key_header, value_header = titles()[mapping]
    return {"mapping": mapping, "title": title, "meaning": meaning, "key_header": key_header,
            "value_header": value_header, "rows": rows(effective(entry, mapping), node),
            "written": written.written(entry.name, mapping) if written and editor else "",
            "version": version_of(node)}


def rows(value: Any, node: Any) -> list[dict[str, Any]]:
    """Key → value rows of what the hub uses; ``default`` for what the file does not set (``node``: the
    mapping as written, None when absent)."""
    written = {str(key) for key in node} if isinstance(node, dict | list) else set()
    if isinstance(value, dict):
        return [{"key": _shown(key), "value": _shown(item), "default": _shown(key) not in written}
                for key, item in value.items()]
    return [{"key": _shown(item), "value": None, "default": _shown(item) not in written} for item in value]


def _shown(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return ", ".join(f"{name}: {item}" for name, item in value.model_dump(exclude_none=True).items())
    return value


def diff(change: dict[str, Any]) -> list[tuple[str, str]]:
    """(sign, line) of before → after: "-" removed, "+" added, " " kept."""
    before, after = (change["before"] or "").splitlines(), (change["after"] or "").splitlines()
    return [(line[0], line[2:]) for line in difflib.ndiff(before, after) if line[0] in "-+ "]


async def save_mapping(request: Request) -> Response:
    console, form = console_of(request), await request.form()
    shop, mapping = request.path_params["shop"], request.path_params["mapping"]
    config = console.hub.config
    if shop not in console.hub.shops or mapping not in mappings_of(config.shop(shop)):
        return await console.error(request, 404, i18n.gettext("No such shop or mapping."))
    if config.path is None:
        return await console.error(request, 409, i18n.gettext(
            "This configuration was not read from a file: its mappings cannot be changed here."))
    text, user = str(form.get("value", "")), session_of(request).user.name
    try:
        change = await run_in_threadpool(change_mapping, config.path, shop, mapping, text,
                                         version=str(form.get("version") or "") or None,
                                         then=lambda change: _apply(console, change, user))
    except StaleEdit:
        message = i18n.gettext("Someone changed this mapping since you opened the page: your text is below; "
                               "reload the page to see theirs.")
        return await mappings_page(request, {"shop": shop, "mapping": mapping, "message": message, "text": text}, 409)
    except ConfigError as error:
        refused = {"shop": shop, "mapping": mapping, "message": str(error), "text": text}
        return await mappings_page(request, refused, 400)
    outcome = "saved" if change else "unchanged"
    return RedirectResponse(f"/mappings?{outcome}={quote(f'{shop}/{mapping}')}#{quote(f'{shop}-{mapping}')}",
                            status_code=303)


def _apply(console: Console, change: MappingChange, user: str) -> None:
    """Right after the file is written, in the saving thread and before another change may start: the hub
    takes the new configuration on its event loop (flows read ``hub.config`` there), then the change is
    kept in the history and the journal."""
    from_thread.run_sync(console.hub.reconfigure, change.config)
    console.config_history.record(user=user, shop=change.shop, mapping=change.mapping, before=change.before,
                                  after=change.after)
    console.hub.journal.write(connection=change.shop, flow="config", action="mapping_changed",
                              record=f"{change.shop}/{change.mapping}",
                              message=f"{change.mapping} of {change.shop} changed by {user}")


routes = [
    page("/mappings", mappings_page),
    action("/mappings/{shop}/{mapping}", save_mapping, role="admin"),
]
