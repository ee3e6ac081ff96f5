"""Products as Odoo keeps them: templates, variants made from attribute lines, categories, taxes.

Version differences reproduced (``reference/odoo-fields-diff-16-vs-18.json``): a storable product is
``detailed_type='product'`` (and ``type='product'``) in 16.0, ``type='consu'`` with ``is_storable`` in
18.0; either version refuses the other's fields (``Invalid field``, ``Wrong value``).
"""

from __future__ import annotations

import itertools
from typing import Any

from .errors import ValidationError
from .orm import RULES, Env, Row

# product.product keeps these itself; every other field is its template's (``_inherits``).
VARIANT_OWN = frozenset({
    "id", "default_code", "barcode", "active", "product_tmpl_id", "product_template_attribute_value_ids",
    "combination_indices", "weight", "volume", "standard_price", "image_variant_1920", "image_variant_1024",
    "image_variant_512", "image_variant_256", "image_variant_128", "lst_price", "price_extra", "display_name",
    "create_date", "create_uid", "write_date", "write_uid", "__last_update", "qty_available", "virtual_available",
    "free_qty", "incoming_qty", "outgoing_qty", "code", "partner_ref", "is_product_variant",
    "image_1920", "image_1024", "image_512", "image_256", "image_128",
})

RULES.inherits["product.product"] = ("product.template", "product_tmpl_id", VARIANT_OWN)
RULES.translated |= {("product.template", "name"), ("product.template", "description_sale"),
                     ("product.template", "description"), ("product.attribute", "name"),
                     ("product.attribute.value", "name"), ("delivery.carrier", "name"), ("uom.uom", "name"),
                     ("product.pricelist", "name")}
RULES.inverses |= {
    ("product.template", "product_variant_ids"): "product_tmpl_id",
    ("product.template", "attribute_line_ids"): "product_tmpl_id",
    ("product.template.attribute.line", "product_template_value_ids"): "attribute_line_id",
    ("product.attribute", "value_ids"): "attribute_id",
    ("product.category", "child_id"): "parent_id",
    ("product.pricelist", "item_ids"): "pricelist_id",
    ("mrp.bom", "bom_line_ids"): "bom_id",
}
RULES.cascade |= {("product.pricelist", "item_ids"), ("mrp.bom", "bom_line_ids"),
                  ("product.template", "product_variant_ids"), ("product.template", "attribute_line_ids"),
                  ("product.template.attribute.line", "product_template_value_ids")}
RULES.required |= {"product.template": ("name",), "product.attribute": ("name",), "product.category": ("name",),
                   "product.pricelist": ("name",), "product.attribute.value": ("name",)}
RULES.orders |= {"product.template": "name, id", "product.product": "default_code, name, id",
                 "product.category": "complete_name, id", "product.pricelist": "sequence, id",
                 "product.pricelist.item": "applied_on, min_quantity desc, id desc",
                 "product.attribute": "sequence, id", "product.attribute.value": "attribute_id, sequence, id"}


# --- storable products, 16.0 vs 18.0 -------------------------------------------------------------------

def _template_defaults(env: Env, values: Row) -> Row:
    defaults: Row = {"active": True, "sale_ok": True, "purchase_ok": True, "list_price": 1.0, "uom_id": 1,
                     "uom_po_id": 1, "categ_id": 1, "sequence": 1, "priority": "0",
                     "taxes_id": [(6, 0, list(env.server.sale_taxes))]}
    if env.major < 18:
        kind = values.get("detailed_type") or values.get("type") or "consu"
        defaults |= {"detailed_type": kind, "type": kind}
        values.setdefault("type", values.get("detailed_type", kind))
    else:
        defaults |= {"type": "consu", "is_storable": False}
    return defaults


RULES.defaults["product.template"] = _template_defaults


def is_storable(env: Env, product: int) -> bool:
    return bool(env.get("product.product", product, "is_storable")) if env.major >= 18 else \
        env.get("product.product", product, "type") == "product"


# --- variants --------------------------------------------------------------------------------------------

@RULES.on_create("product.template")
def _create_variants(env: Env, model: str, template: int, values: Row) -> None:
    if env.context.get("create_product_product") is False:
        return
    sync_variants(env, template)
    code = values.get("default_code")
    variants = env.search("product.product", [("product_tmpl_id", "=", template)], active_test=False)
    own = {k: values[k] for k in ("barcode", "weight", "volume", "standard_price") if k in values}
    if len(variants) == 1 and (code or own):
        env.db.update("product.product", variants[0], ({"default_code": code} if code else {}) | own)


@RULES.on_write("product.template")
def _resync_variants(env: Env, model: str, template: int, values: Row) -> None:
    if "attribute_line_ids" in values:
        sync_variants(env, template)
    variants = env.search("product.product", [("product_tmpl_id", "=", template)], active_test=False)
    single: Row = {k: values[k] for k in ("default_code", "barcode", "weight") if k in values}
    if len(variants) == 1 and single:
        env.write("product.product", variants, single)


def sync_variants(env: Env, template: int) -> None:
    """One variant per combination of the template's attribute values (``create_variant='always'``)."""
    lines = env.search("product.template.attribute.line", [("product_tmpl_id", "=", template)])
    per_line = [[_ptav(env, template, line, value)
                 for value in env.get("product.template.attribute.line", line, "value_ids")] for line in lines]
    wanted = [sorted(combination) for combination in itertools.product(*per_line)] if per_line else [[]]
    existing = {tuple(sorted(env.get("product.product", v, "product_template_attribute_value_ids"))): v
                for v in env.search("product.product", [("product_tmpl_id", "=", template)], active_test=False)}
    for combination in wanted:
        if tuple(combination) not in existing:
            env.create("product.product", {"product_tmpl_id": template,
                                           "product_template_attribute_value_ids": [(6, 0, combination)]})
    for key, variant in existing.items():
        if list(key) not in wanted:
            env.db.update("product.product", variant, {"active": False})


def _ptav(env: Env, template: int, line: int, value: int) -> int:
    found = env.search("product.template.attribute.value",
                       [("attribute_line_id", "=", line), ("product_attribute_value_id", "=", value)])
    if found:
        return found[0]
    return env.create("product.template.attribute.value", {
        "attribute_line_id": line, "product_attribute_value_id": value, "product_tmpl_id": template,
        "attribute_id": env.get("product.template.attribute.line", line, "attribute_id"), "ptav_active": True,
        "price_extra": 0.0})


RULES.defaults["product.product"] = lambda env, values: {"active": True}


@RULES.compute("product.template.attribute.value", "name")
def _ptav_name(env: Env, ptav: int) -> Any:
    return env.get("product.attribute.value", env.table("product.template.attribute.value")[ptav]
                   ["product_attribute_value_id"], "name")


@RULES.compute("product.product", "price_extra")
def _price_extra(env: Env, product: int) -> float:
    return sum(env.get("product.template.attribute.value", p, "price_extra") or 0.0
               for p in env.get("product.product", product, "product_template_attribute_value_ids"))


@RULES.compute("product.product", "lst_price")
def _lst_price(env: Env, product: int) -> float:
    return (env.get("product.product", product, "list_price") or 0.0) + _price_extra(env, product)


@RULES.compute("product.product", "combination_indices")
def _combination(env: Env, product: int) -> str:
    return ",".join(map(str, sorted(env.get("product.product", product, "product_template_attribute_value_ids"))))


@RULES.compute("product.product", "image_1920")
def _variant_image(env: Env, product: int) -> Any:
    """A variant shows its own picture, else its template's (Odoo's ``image_variant_1920`` fallback)."""
    own = env.table("product.product")[product].get("image_variant_1920")
    return own or env.get("product.template", env.table("product.product")[product]["product_tmpl_id"], "image_1920")


@RULES.compute("product.template", "default_code")
def _template_code(env: Env, template: int) -> Any:
    """The code of a single-variant template's variant; ``False`` as soon as there are several."""
    variants = env.search("product.product", [("product_tmpl_id", "=", template)])
    return env.get("product.product", variants[0], "default_code") if len(variants) == 1 else None


@RULES.compute("product.template", "barcode")
def _template_barcode(env: Env, template: int) -> Any:
    variants = env.search("product.product", [("product_tmpl_id", "=", template)])
    return env.get("product.product", variants[0], "barcode") if len(variants) == 1 else None


@RULES.compute("product.template", "product_variant_count")
def _variant_count(env: Env, template: int) -> int:
    return len(env.search("product.product", [("product_tmpl_id", "=", template)]))


@RULES.compute("product.template", "product_variant_id")
def _first_variant(env: Env, template: int) -> int | None:
    variants = env.search("product.product", [("product_tmpl_id", "=", template)], order="id")
    return variants[0] if variants else None


@RULES.compute("product.template", "valid_product_template_attribute_line_ids")
def _valid_lines(env: Env, template: int) -> list[int]:
    return env.search("product.template.attribute.line", [("product_tmpl_id", "=", template)])


@RULES.compute("product.template.attribute.line", "value_count")
def _value_count(env: Env, line: int) -> int:
    return len(env.get("product.template.attribute.line", line, "value_ids"))


def _variant_name(env: Env, product: int) -> str:
    name = env.get("product.product", product, "name") or ""
    code = env.get("product.product", product, "default_code")
    values = [env.get("product.template.attribute.value", p, "name")
              for p in env.get("product.product", product, "product_template_attribute_value_ids")]
    label = f"{name} ({', '.join(v for v in values if v)})" if values else name
    return f"[{code}] {label}" if code else label


RULES.names["product.product"] = _variant_name
RULES.names["product.template"] = lambda env, t: (
    f"[{code}] {env.get('product.template', t, 'name')}" if (code := _template_code(env, t))
    else env.get("product.template", t, "name"))
RULES.names["product.attribute.value"] = lambda env, v: (
    f"{env.get('product.attribute', env.table('product.attribute.value')[v]['attribute_id'], 'name')}: "
    f"{env.get('product.attribute.value', v, 'name')}")
RULES.names["product.template.attribute.value"] = lambda env, v: (
    f"{env.get('product.attribute', env.table('product.template.attribute.value')[v]['attribute_id'], 'name')}: "
    f"{_ptav_name(env, v)}")
RULES.names["product.pricelist"] = lambda env, p: (
    f"{env.get('product.pricelist', p, 'name')} "
    f"({env.display_name('res.currency', env.table('product.pricelist')[p]['currency_id'])})")


# --- barcodes -------------------------------------------------------------------------------------------

@RULES.on_write("product.product")
def _unique_barcode(env: Env, model: str, product: int, values: Row) -> None:
    barcode = values.get("barcode")
    if not barcode:
        return
    holders = env.search("product.product", [("barcode", "=", barcode)], order="id", active_test=False)
    if len(holders) < 2:
        return
    names = [_variant_name(env, p) for p in holders]
    if env.major >= 18:
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        note = "\n\nNote: products that you don't have access to will not be shown above."
    else:
        listed, note = ", ".join(names), ""
    raise ValidationError(f"Barcode(s) already assigned:\n\n- Barcode \"{barcode}\" already assigned to "
                          f"product(s): {listed}{note}")


RULES.on_create("product.product")(lambda env, model, product, values: _unique_barcode(env, model, product, values))


# --- categories -----------------------------------------------------------------------------------------

@RULES.compute("product.category", "complete_name")
def _category_path(env: Env, category: int) -> str:
    row = env.table("product.category")[category]
    parent = row.get("parent_id")
    return f"{_category_path(env, parent)} / {row.get('name')}" if parent else str(row.get("name"))


RULES.names["product.category"] = _category_path


@RULES.compute("product.category", "parent_path")
def _category_parent_path(env: Env, category: int) -> str:
    return "".join(f"{c}/" for c in reversed(env.parents_of("product.category", category)))


# --- bills of materials (module mrp) ----------------------------------------------------------------------

RULES.defaults["mrp.bom"] = lambda env, values: {"type": "normal", "product_qty": 1.0, "active": True}
RULES.defaults["mrp.bom.line"] = lambda env, values: {"product_qty": 1.0}
