"""Catalog: a published product found by SKU, name or EAN (what the hub sent, from its bindings); per
shop whether it is published, the values sent and their origin (``courroie explain``), what the next
run would change (``courroie plan``, read lazily: it reads the whole ERP catalog), and "push now"."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from courroie.engine.hub import Hub
from courroie.flows.catalog import RETIRED
from courroie.interfaces import operations
from courroie.interfaces.web import i18n
from courroie.interfaces.web.app import PAGE_SIZE
from courroie.interfaces.web.auth import action, console_of, page, session_of
from courroie.interfaces.web.pages.journal import json_text
from courroie.sync.bindings import ProductHit, find_products


def product_path(sku: str) -> str:
    return "/catalog/product/" + quote(sku)


async def catalog(request: Request) -> Response:
    """The search; a single product found opens at once (the journal links here by SKU)."""
    console = console_of(request)
    text = request.query_params.get("q", "").strip()
    hits = await run_in_threadpool(find_products, console.hub.store, text, limit=PAGE_SIZE + 1) if text else []
    products = by_product(hits)
    if len(products) == 1:
        return RedirectResponse(product_path(products[0]["sku"]), status_code=303)
    return await console.render(request, "catalog.html", {"q": text, "products": products[:PAGE_SIZE],
                                                          "more": len(products) > PAGE_SIZE})


def by_product(hits: list[ProductHit]) -> list[dict[str, Any]]:
    """One row per product, with the shops it is bound in."""
    products: dict[str, dict[str, Any]] = {}
    for hit in hits:
        row = products.setdefault(hit.sku, {"sku": hit.sku, "name": display_name(hit.name), "ean13": hit.ean13,
                                            "matched": matched_label(hit.matched), "shops": {}})
        row["shops"][hit.connection] = state_of(hit.external_id, hit.fingerprint)
        row["name"] = row["name"] or display_name(hit.name)
    return list(products.values())


def matched_label(matched: str) -> str:
    labels = {"sku": i18n.gettext("SKU"), "name": i18n.gettext("name"), "ean13": i18n.gettext("EAN"),
              "variant sku": i18n.gettext("a variant's SKU"), "variant ean13": i18n.gettext("a variant's EAN")}
    return labels.get(matched, matched)


def display_name(names: Any) -> str:
    """The name in the reader's language, else the first one given."""
    if not isinstance(names, dict):
        return ""
    return names.get(i18n.current()) or next((text for text in names.values() if text), "")


def state_of(external_id: str | None, fingerprint: str | None) -> str:
    if external_id is None:
        return "creating"             # an intent: a create was sent and not yet confirmed
    return "retired" if fingerprint == RETIRED else "published"


# --- one product ------------------------------------------------------------------------------------

async def product(request: Request) -> Response:
    console, sku = console_of(request), request.path_params["sku"]
    facts = await run_in_threadpool(product_facts, console.hub, sku)
    if not any(shop["state"] for shop in facts["shops"]) and facts["parent"]:
        return RedirectResponse(product_path(facts["parent"]), status_code=303)    # a variant's SKU
    return await console.render(request, "catalog_product.html", {
        "sku": sku, "name": facts["name"], "rows": facts["shops"], "pushed": request.query_params.get("pushed")})


def product_facts(hub: Hub, sku: str) -> dict[str, Any]:
    """What the store knows of ``sku`` per shop (no shop is asked): its product binding, or the
    product holding it as a variant."""
    rows, name, parent = [], "", None
    for shop in hub.shops:
        binding = hub.bindings(shop, "product").get(sku)
        sent = (binding.sent or {}).get("sent") or {} if binding else {}
        name = name or display_name(sent.get("name"))
        rows.append({"shop": shop, "state": state_of(binding.external_id, binding.fingerprint) if binding else None,
                     "shop_id": binding.external_id if binding else None,
                     "sent_at": binding.updated_at if binding else None})
        parent = parent or (None if binding else product_of_variant(hub, shop, sku))
    return {"name": name, "shops": rows, "parent": parent}


def product_of_variant(hub: Hub, shop: str, sku: str) -> str | None:
    """The SKU of the product whose variant ``sku`` is in this shop (variants are bound "product/variant")."""
    variant = hub.bindings(shop, "variant").get(sku)
    if variant is None or not variant.external_id:
        return None
    holder = hub.bindings(shop, "product").by_external_id(variant.external_id.split("/")[0])
    return holder.erp_key if holder and holder.erp_key != sku else None


async def render_part(request: Request, template: str, context: dict[str, Any], title: str) -> Response:
    """A fragment for htmx; without JavaScript the same fragment in a whole page."""
    console = console_of(request)
    if request.headers.get("hx-request") == "true":
        return await console.render(request, template, context)
    return await console.render(request, "catalog_part.html", {**context, "part": template, "title": title})


async def explain_part(request: Request) -> Response:
    """``courroie explain`` for one shop: it reads the product back from the shop, hence a fragment."""
    console, shop, sku = console_of(request), request.path_params["shop"], request.path_params["sku"]
    if shop not in console.hub.shops:
        return await console.error(request, 404, i18n.gettext("No such shop."))
    report = await operations.explain(console.hub, sku, shop)
    for row in report["fields"]:
        row["shown"] = json_text(row["value"])
        row["in_shop_label"] = in_shop_label(row["in_shop"])
    report["price_rules"] = [json_text(rule) for rule in report["price_rules"]]
    return await render_part(request, "catalog_explain.html", {"report": report, "sku": sku, "shop": shop},
                             i18n.gettext("%(sku)s in %(shop)s", sku=sku, shop=shop))


def in_shop_label(value: str) -> str:
    """explain's word on what the shop holds now, in the reader's language."""
    prefix = "changed in the shop: "
    if value.startswith(prefix):
        return i18n.gettext("changed in the shop: %(now)s", now=value.removeprefix(prefix))
    labels = {"holds it": i18n.gettext("holds it"), "not readable back": i18n.gettext("not readable back"),
              "unknown": i18n.gettext("unknown")}
    return labels.get(value, value)


async def plan_part(request: Request) -> Response:
    """``courroie plan catalog``: one ERP read for every shop, this product's changes picked out."""
    console, sku = console_of(request), request.path_params["sku"]
    try:
        plans = await operations.plan_flow(console.hub, "catalog")
    except Exception as error:       # the page must say why, not fail
        plans = {console.hub.erp_name: {"status": "failed", "message": f"{type(error).__name__}: {error}"}}
    return await render_part(request, "catalog_plan.html", plan_context(console.hub, sku, plans),
                             i18n.gettext("Pending changes of %(sku)s", sku=sku))


def plan_context(hub: Hub, sku: str, plans: dict[str, dict[str, Any]]) -> dict[str, Any]:
    erp = plans.get(hub.erp_name)
    if erp is None:
        return {"sku": sku, "erp_failed": None, "no_plan": True, "shops": []}
    if erp.get("status") == "failed":
        return {"sku": sku, "erp_failed": erp.get("message") or "", "shops": []}
    shops = []
    for shop in hub.shops:
        plan = plans.get(shop)
        mine = [entry for entry in (plan or {}).get("planned", []) if _concerns(entry.get("record") or "", sku)]
        changes = [{"record": entry["record"], "action": entry["action"], "field": field,
                    "before": json_text(before), "after": json_text(after)}
                   for entry in mine for field, (before, after) in (entry.get("changes") or {"": ("", "")}).items()]
        shops.append({"shop": shop, "plan": plan, "changes": changes,
                      "counts": {k: v for k, v in sorted(((plan or {}).get("counts") or {}).items()) if v}})
    return {"sku": sku, "erp_failed": None, "shops": shops}


def _concerns(record: str, sku: str) -> bool:
    """The product itself, or one of its files or price rules ("SKU image x.jpg")."""
    return record == sku or record.startswith(sku + " ")


async def push_now(request: Request) -> Response:
    """The catalog flow cannot be narrowed to one product: it pushes the shop's whole catalog (an
    unchanged product costs nothing). Under `courroie run` the scheduler runs it, never twice at once."""
    console, shop, sku = console_of(request), request.path_params["shop"], request.path_params["sku"]
    if shop not in console.hub.shops:
        return await console.error(request, 404, i18n.gettext("No such shop."))
    user = session_of(request).user.name
    console.hub.journal.write(connection=shop, flow="catalog", action="push_now", record=sku,
                              message=f"{user} asked for a push of the catalog of {shop} now, from product {sku}")
    console.run_flow_now("catalog", shop)
    return RedirectResponse(product_path(sku) + "?pushed=" + quote(shop), status_code=303)


routes = [
    page("/catalog", catalog),
    page("/catalog/product/{sku:path}", product),
    page("/catalog/explain/{shop}/{sku:path}", explain_part),
    page("/catalog/plan/{sku:path}", plan_part),
    action("/catalog/push/{shop}/{sku:path}", push_now),
]
