"""Stock: per SKU, the ERP's quantities per location (the hub's cache), and per shop the terms of the
stock flow's formula (worked out by the flow's own ``StockRules`` and ``pending_for``) beside the
figure last sent; a SKU search and the figures that changed last, paged."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from courroie.engine.hub import Hub
from courroie.flows.stock import StockRules, known_category_tree, pending_for, sharing_shops
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import PAGE_SIZE
from courroie.interfaces.web.auth import console_of, page
from courroie.store.stock import StockCache
from courroie.sync.assortment import CategoryTree


def sku_path(sku: str) -> str:
    return "/stock/" + quote(sku)


async def stock_page(request: Request) -> Response:
    console = console_of(request)
    cache = StockCache(console.hub.store)
    text = request.query_params.get("q", "").strip()
    found = await run_in_threadpool(skus_starting, cache, text) if text else []
    if len(found) == 1:
        return RedirectResponse(sku_path(found[0]), status_code=303)
    after = _cursor(request.query_params)
    rows = await run_in_threadpool(cache.recently_changed, PAGE_SIZE + 1, after)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    last = rows[-1] if rows else None
    return await console.render(request, "stock.html", {
        "q": text, "found": found, "rows": rows, "paged": after is not None,
        "older": "/stock?" + urlencode({"at": last["changed_at"].isoformat(), "sku": last["sku"],
                                        "location": last["location"]}) if more and last else None})


def skus_starting(cache: StockCache, text: str) -> list[str]:
    """SKUs starting with ``text`` as typed, else in capitals (as most ERPs write them)."""
    return cache.skus_starting(text, PAGE_SIZE) or (cache.skus_starting(text.upper(), PAGE_SIZE)
                                                    if text.upper() != text else [])


def _cursor(params: QueryParams) -> tuple[datetime, str, str] | None:
    """Where the previous page ended: (changed_at, sku, location)."""
    try:
        at = datetime.fromisoformat(params.get("at", ""))
    except ValueError:
        return None
    if at.tzinfo is None or "sku" not in params or "location" not in params:
        return None
    return at, params["sku"], params["location"]


async def sku_page(request: Request) -> Response:
    console, sku = console_of(request), request.path_params["sku"]
    tree = known_category_tree(console.hub)
    facts = await run_in_threadpool(sku_facts, console.hub, sku, tree)
    return await console.render(request, "stock_sku.html", {"sku": sku, **facts})


def sku_facts(hub: Hub, sku: str, tree: CategoryTree | None) -> dict[str, Any]:
    cache = StockCache(hub.store)
    reads = cache.reads()
    levels = [{**level, "read_at": reads.get(level["location"], (None, None))[0]} for level in cache.levels_of(sku)]
    by_location = {level["location"]: level["quantity"] for level in levels}
    return {"levels": levels, "shops": [shop_terms(hub, cache, shop, sku, tree, by_location) for shop in hub.shops]}


def shop_terms(hub: Hub, cache: StockCache, shop: str, sku: str, tree: CategoryTree | None,
               by_location: dict[str, Decimal]) -> dict[str, Any]:
    """The formula's terms for one shop, by the stock flow's own rules: what the next pass would publish."""
    settings = hub.config.shop(shop).hub.stock
    by_category = bool(settings.safety_by_category or settings.backorders_by_category)
    rules = StockRules.of(settings, tree if by_category else None)
    sharing = sharing_shops(hub.config, shop)
    available = cache.totals(settings.locations, [sku]).get(sku)
    pending = pending_for(hub, cache, shop, sharing).get(sku, Decimal(0))
    categories = available.categories if available else ()
    safety, safety_rule = rules.safety_rule(sku, categories)
    backorders, backorders_rule = rules.backorders_rule(sku, available.backorders if available else None, categories)
    target = rules.target(sku, available, pending)
    sent = hub.bindings(shop, "stock").get(sku)
    total = available.quantity if available else Decimal(0)
    return {
        "shop": shop, "placed": cache.placed(shop, [sku]).get(sku),
        "locations": [(location, by_location.get(location)) for location in settings.locations],
        "available": total, "pending": pending, "sharing": sharing, "safety": safety,
        "safety_rule": SAFETY_RULES[safety_rule](), "difference": total - pending - safety,
        "published": target.quantity, "backorders": BACKORDERS[backorders](),
        "backorders_rule": BACKORDER_RULES[backorders_rule](), "fingerprint": target.fingerprint,
        "sent": sent.fingerprint if sent else None, "sent_at": sent.updated_at if sent else None,
        "names_unresolved": by_category and tree is None,
    }


# Labels read when the page is drawn (the reader's language).
SAFETY_RULES = {"sku": lambda: i18n.gettext("this SKU's rule"), "category": lambda: i18n.gettext("its category's rule"),
                "shop": lambda: i18n.gettext("the shop's setting")}
BACKORDER_RULES = {**SAFETY_RULES, "erp": lambda: i18n.gettext("the ERP's setting")}
BACKORDERS = {True: lambda: i18n.gettext("allowed"), False: lambda: i18n.gettext("refused"),
              None: lambda: i18n.gettext("as the shop has it")}


routes = [page("/stock", stock_page), page("/stock/{sku:path}", sku_page)]
