"""Catalog behaviour: products, combinations, stock rows, categories, options, customers, carts.

What the captures show and this reproduces:
* creating a product creates its stock row (`id_product_attribute=0`) in every shop it belongs
  to; creating a combination creates the combination's row and flags the product `combinations`;
* writing a combination's stock row recomputes the product row as the sum; a direct write on
  the product row is accepted and left alone (04-writes/017-018);
* a combination change does not touch the product's `date_upd`;
* multistore: a product belongs to shops (`_shops`); shop-level fields (price, active…) written
  with `id_shop=N` stay in that shop (`_shop_values`), writes without `id_shop` apply to all shops.
"""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal

from . import images
from .backend import Backend, Ctx, Hooks, WriteOp
from .errors import WebserviceError, php_warning
from .formats import str2url
from .render import Entity
from .resources import REGISTRY
from .storage import Record

PRODUCT_SHOP_FIELDS = frozenset(
    {
        "price",
        "wholesale_price",
        "active",
        "on_sale",
        "online_only",
        "ecotax",
        "minimal_quantity",
        "low_stock_threshold",
        "low_stock_alert",
        "unity",
        "unit_price_ratio",
        "additional_shipping_cost",
        "customizable",
        "text_fields",
        "uploadable_files",
        "redirect_type",
        "id_type_redirected",
        "available_for_order",
        "available_date",
        "show_condition",
        "condition",
        "show_price",
        "indexed",
        "visibility",
        "advanced_stock_management",
        "pack_stock_type",
        "id_category_default",
        "id_tax_rules_group",
    }
)


# -- stock rows -------------------------------------------------------------------------------------
def stock_rows(b: Backend, product_id: object, shop: int | None = None) -> list[Record]:
    rows = b.find("stock_availables", id_product=product_id)
    return [r for r in rows if shop is None or str(r.get("id_shop")) == str(shop)]


def stock_row(b: Backend, product_id: object, attr_id: object, shop: int) -> Record | None:
    for row in stock_rows(b, product_id, shop):
        if str(row.get("id_product_attribute")) == str(attr_id):
            return row
    return None


def ensure_stock_row(b: Backend, product_id: object, attr_id: object, shop: int, ctx: Ctx) -> Record:
    row = stock_row(b, product_id, attr_id, shop)
    if row is not None:
        return row
    return b.insert(
        "stock_availables",
        {
            "id_product": str(product_id),
            "id_product_attribute": str(attr_id),
            "id_shop": str(shop),
            "id_shop_group": "0",
            "quantity": "0",
            "depends_on_stock": "0",
            "out_of_stock": "2",
            "location": "",
        },
        ctx,
    )


def recompute_product_row(b: Backend, product_id: object, shop: int | str) -> None:
    """The product row holds the sum of its combinations' rows (in the same shop)."""
    rows = stock_rows(b, product_id, int(shop))
    combos = [r for r in rows if str(r.get("id_product_attribute")) != "0"]
    product_row = next((r for r in rows if str(r.get("id_product_attribute")) == "0"), None)
    if product_row is None or not combos:
        return
    total = sum(int(r.get("quantity") or 0) for r in combos)
    if str(total) != product_row.get("quantity"):
        b.store.put("stock_availables", int(product_row["id"]), {**product_row, "quantity": str(total)})


def add_stock(b: Backend, product_id: object, attr_id: object, shop: int, delta: int) -> None:
    """Move stock by `delta` on a combination (or simple product) row, then the product row."""
    row = stock_row(b, product_id, attr_id, shop)
    if row is None:
        return
    quantity = int(row.get("quantity") or 0) + delta
    b.store.put("stock_availables", int(row["id"]), {**row, "quantity": str(quantity)})
    if str(attr_id) != "0":
        recompute_product_row(b, product_id, shop)


# -- products ---------------------------------------------------------------------------------------
def _category_members(b: Backend, category_id: str, ctx: Ctx) -> list[str]:
    key = ("category_products", category_id)
    if key not in ctx.cache:
        members = []
        for rid in b.store.ids("products"):
            cats = ((b.store.get("products", rid) or {}).get("associations") or {}).get("categories") or []
            if any(str(c.get("id")) == category_id for c in cats):
                members.append(str(rid))
        ctx.cache[key] = members
    return ctx.cache[key]


def shop_values(record: Record, shop: int) -> dict[str, str]:
    return (record.get("_shop_values") or {}).get(str(shop), {})


class ProductHooks(Hooks):
    def visible(self, b: Backend, record: Record, ctx: Ctx) -> bool:
        return not ctx.explicit_shop or ctx.shop in record.get("_shops", [])

    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        values, record = entity.values, entity.record or {}
        values.update(shop_values(record, ctx.shop))
        pid = values["id"]
        manufacturer = b.get("manufacturers", values.get("id_manufacturer"))
        values["manufacturer_name"] = manufacturer.get("name", "") if manufacturer else ""
        combos = b.find("combinations", id_product=pid)
        default = next((c for c in combos if c.get("default_on") == "1"), None)
        values["id_default_combination"] = default["id"] if default else "0"
        values["cache_default_attribute"] = values["id_default_combination"]
        images = sorted(b.find("images", id_product=pid), key=lambda i: int(i.get("position") or 0))
        cover = next((i for i in images if i.get("cover") == "1"), None)
        values["id_default_image"] = cover["id"] if cover else ""
        rows = stock_rows(b, pid, ctx.shop)
        values["quantity"] = "0"  # the webservice loads products without stock: always 0 (use stock_availables)
        values["type"] = values.get("product_type") if values.get("product_type") in ("pack", "virtual") else "simple"
        values["new"] = None
        default_cat = str(values.get("id_category_default") or "")
        cats = [str(c.get("id")) for c in entity.assocs.get("categories", [])]
        members = _category_members(b, default_cat, ctx) if default_cat in cats else []
        values["position_in_category"] = str(members.index(pid) + 1) if pid in members else ""
        option_values: list[str] = []
        for combo in combos:
            for pov in (combo.get("associations") or {}).get("product_option_values", []):
                if pov.get("id") not in option_values:
                    option_values.append(pov.get("id"))
        rows.sort(key=lambda r: (r.get("id_product_attribute") != "0", int(r["id"])))
        linked = entity.assocs.get("attachments") or []
        entity.assocs["attachments"] = [a for a in linked if b.get("attachments", a.get("id")) is not None]
        entity.assocs.update(
            combinations=[{"id": c["id"]} for c in combos],
            product_option_values=[{"id": v} for v in option_values],
            images=[{"id": i["id"]} for i in images],
            stock_availables=[{"id": r["id"], "id_product_attribute": r["id_product_attribute"]} for r in rows],
        )

    def echo(self, b: Backend, op: WriteOp, entity: Entity) -> None:
        if entity.sent is None:
            return
        if op.method == "PUT" and "unit_price_ratio" not in entity.sent:
            entity.sent["unit_price_ratio"] = "0"  # recomputed while saving (04-writes/028)
        if "link_rewrite" not in entity.sent and "name" in entity.sent:
            entity.sent["link_rewrite"] = {}  # generated from the name while saving

    def on_field(self, b: Backend, op: WriteOp, name: str, value: str) -> None:
        if name == "position_in_category" and value.strip():
            op.warnings.append(
                php_warning("Trying to access array offset on value of type null", "classes/Product.php", 7245)
            )

    def prepare(self, b: Backend, op: WriteOp) -> None:
        if op.method == "POST" and "name" not in op.parsed.i18n:
            warning = "foreach() argument must be of type array|object, string given"
            raise WebserviceError(500, [php_warning(warning, "classes/Product.php", 8072)])
        if "link_rewrite" not in op.parsed.i18n and op.method in ("POST", "PUT"):
            op.new["link_rewrite"] = {lang: str2url(text) for lang, text in (op.new.get("name") or {}).items()}
        if op.method == "POST" and op.new.get("id_category_default") in ("", "0", None):
            op.new["id_category_default"] = str(b.settings.home_category)

    def finalize(self, b: Backend, op: WriteOp) -> None:
        op.new["indexed"] = "1" if op.new.get("active") == "1" else "0"
        _apply_type(b, op)
        _apply_bundle(b, op)
        if "attachments" in op.parsed.associations:  # Product::updateCacheAttachment
            linked = (op.new.get("associations") or {}).get("attachments") or []
            op.new["cache_has_attachments"] = "1" if linked else "0"
        written = PRODUCT_SHOP_FIELDS if op.method != "PATCH" else PRODUCT_SHOP_FIELDS & op.parsed.fields.keys()
        overrides = {k: dict(v) for k, v in (op.new.get("_shop_values") or {}).items()}
        default = b.settings.default_shop
        if not op.ctx.explicit_shop or op.old is None:  # all shops (or a new product): one shared value
            for own in overrides.values():
                for name in written:
                    own.pop(name, None)
        elif op.ctx.shop != default:  # keep the default shop's values, file these under the shop
            own = overrides.setdefault(str(op.ctx.shop), {})
            for name in written:
                own[name] = op.new.get(name)
                op.new[name] = op.old.get(name)
        else:  # the default shop's own values: the other shops keep what they had
            for shop in op.new.get("_shops", []):
                if shop != default:
                    own = overrides.setdefault(str(shop), {})
                    for name in written:
                        own.setdefault(name, op.old.get(name))
        op.new["_shop_values"] = {k: v for k, v in overrides.items() if v}

    def after_save(self, b: Backend, op: WriteOp) -> None:
        if op.method == "INTERNAL":
            return
        pid = op.saved_id
        if "id_default_image" in op.parsed.fields:
            images.set_cover(b, pid, op.parsed.fields["id_default_image"])
        if "categories" in op.parsed.associations:  # Product::updateCategories → applyAllRules
            apply_price_rules(b, pid, op.ctx)
        record = b.store.table("products")[pid]
        shops = list(record.get("_shops", []))
        wanted = op.ctx.shops if (op.method == "POST" or op.ctx.explicit_shop) else []
        added = [s for s in wanted if s not in shops]
        if added:
            b.store.put("products", pid, {**record, "_shops": shops + added})
        for shop in added:
            ensure_stock_row(b, pid, 0, shop, op.ctx)
            for combo in b.find("combinations", id_product=pid):
                ensure_stock_row(b, pid, combo["id"], shop, op.ctx)
            recompute_product_row(b, pid, shop)

    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None:
        pid = record["id"]
        for combo in b.find("combinations", id_product=pid):
            b.store.delete("combinations", int(combo["id"]))
        for row in stock_rows(b, pid):
            b.store.delete("stock_availables", int(row["id"]))
        for image in b.find("images", id_product=pid):
            b.store.delete("images", int(image["id"]))
            b.store.delete_blob(int(image["id"]))
        for sp in b.find("specific_prices", id_product=pid):
            b.store.delete("specific_prices", int(sp["id"]))


def _dynamic_type(b: Backend, record: Record) -> str:
    """Product::getDynamicProductType."""
    if record.get("is_virtual") == "1":
        return "virtual"
    if record.get("cache_is_pack") == "1":
        return "pack"
    if record.get("id") and b.find("combinations", id_product=record["id"]):
        return "combinations"
    return "standard"


def _apply_type(b: Backend, op: WriteOp) -> None:
    """Product::setWsType, when `type` is sent: simple / pack / virtual (anything else is ignored).
    `product_type` comes after `type` in the definition, so a `product_type` sent too wins."""
    kind = op.parsed.fields.get("type")
    if kind not in ("simple", "pack", "virtual"):
        return
    if kind != "pack":
        op.new.setdefault("associations", {})["product_bundle"] = []  # Pack::deleteItems
    op.new["cache_is_pack"] = "1" if kind == "pack" else "0"
    op.new["is_virtual"] = "1" if kind == "virtual" else "0"
    if "product_type" not in op.parsed.fields:
        op.new["product_type"] = _dynamic_type(b, op.new)


def _apply_bundle(b: Backend, op: WriteOp) -> None:
    """Product::setWsProductBundle: replaces the pack's items. 8.1.2 reads each item's combination
    from `product_attribute_id` — not the `id_product_attribute` its schema and GET answers use — and
    Pack::addItem puts the component's default combination where it finds none."""
    items = op.parsed.associations.get("product_bundle")
    if items is None:
        return
    if op.new.get("is_virtual") == "1":
        refused = WebserviceError(500, [(85, "Error occurred while setting the product_bundle value")])
        op.ctx.after_commit.append(refused)
        return
    stored = []
    for item in items:
        component = int(item.get("id") or 0) if (item.get("id") or "").strip().isdigit() else 0
        if component <= 0:
            continue
        attribute = (item.get("product_attribute_id") or "").strip()
        if not attribute.isdigit() or attribute == "0":
            combinations = b.find("combinations", id_product=component)
            default = next((c for c in combinations if c.get("default_on") == "1"), None)
            attribute = default["id"] if default else "0"
        quantity = (item.get("quantity") or "").strip()
        stored.append({"id": str(component), "id_product_attribute": attribute,
                       "quantity": str(int(quantity)) if quantity.lstrip("-").isdigit() else "0"})
    op.new.setdefault("associations", {})["product_bundle"] = stored
    op.new["cache_is_pack"] = "1" if stored else "0"
    if stored:
        op.new["product_type"] = "pack"


def apply_price_rules(b: Backend, product_id: object, ctx: Ctx) -> None:
    """SpecificPriceRule::applyAllRules([product]): each catalog price rule's specific price for this
    product is made again. A rule created over the webservice has no conditions, so it reaches every
    product saved this way (and no other: creating a rule applies it to nothing)."""
    for rule in b.store.table("specific_price_rules").values():
        for sp in b.find("specific_prices", id_specific_price_rule=rule["id"]):
            if str(sp.get("id_product")) == str(product_id):
                b.store.delete("specific_prices", int(sp["id"]))
        percentage = rule.get("reduction_type") == "percentage"
        reduction = Decimal(rule.get("reduction") or 0) / (100 if percentage else 1)
        b.insert("specific_prices", {
            "id_specific_price_rule": rule["id"], "id_product": str(product_id), "id_product_attribute": "0",
            "id_customer": "0", "id_cart": "0", "id_shop_group": "0", "id_shop": rule.get("id_shop", "0"),
            "id_country": rule.get("id_country", "0"), "id_currency": rule.get("id_currency", "0"),
            "id_group": rule.get("id_group", "0"), "from_quantity": rule.get("from_quantity", "1"),
            "price": rule.get("price", "-1.000000"), "reduction": f"{reduction:.6f}",
            "reduction_tax": rule.get("reduction_tax", "1"), "reduction_type": rule.get("reduction_type", "amount"),
            "from": rule.get("from") or "0000-00-00 00:00:00", "to": rule.get("to") or "0000-00-00 00:00:00",
        }, ctx)


class SpecificPriceRuleHooks(Hooks):
    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None:
        """SpecificPriceRule::delete removes the specific prices it made."""
        for sp in b.find("specific_prices", id_specific_price_rule=record["id"]):
            b.store.delete("specific_prices", int(sp["id"]))


def product_shops(b: Backend, product_id: object) -> list[int]:
    product = b.get("products", product_id)
    return list(product.get("_shops", [])) if product else [b.settings.default_shop]


# -- combinations -----------------------------------------------------------------------------------
def _set_default_combination(b: Backend, product_id: object, combo_id: object | None) -> None:
    for combo in b.find("combinations", id_product=product_id):
        wanted = "1" if combo["id"] == str(combo_id) else ""
        if combo.get("default_on") != wanted:
            b.store.put("combinations", int(combo["id"]), {**combo, "default_on": wanted})


class CombinationHooks(Hooks):
    def after_save(self, b: Backend, op: WriteOp) -> None:
        combo, pid = op.new, op.new.get("id_product")
        combos = b.find("combinations", id_product=pid)
        if combo.get("default_on") == "1":
            _set_default_combination(b, pid, combo["id"])
        elif not any(c.get("default_on") == "1" for c in combos):
            _set_default_combination(b, pid, combos[0]["id"])
        if op.method != "POST":
            return
        product = b.get("products", pid)
        if product is not None and product.get("product_type") in ("", "standard", None):
            b.store.put("products", int(product["id"]), {**product, "product_type": "combinations"})
        for shop in product_shops(b, pid):
            ensure_stock_row(b, pid, combo["id"], shop, op.ctx)
            recompute_product_row(b, pid, shop)
        apply_price_rules(b, pid, op.ctx)  # Combination::add → SpecificPriceRule::applyAllRules

    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None:
        pid = record.get("id_product")
        for row in stock_rows(b, pid):
            if row.get("id_product_attribute") == record["id"]:
                b.store.delete("stock_availables", int(row["id"]))
        for shop in product_shops(b, pid):
            recompute_product_row(b, pid, shop)
        others = [c for c in b.find("combinations", id_product=pid) if c["id"] != record["id"]]
        if record.get("default_on") == "1" and others:
            _set_default_combination(b, pid, others[0]["id"])


class StockHooks(Hooks):
    def after_save(self, b: Backend, op: WriteOp) -> None:
        row = op.new
        if str(row.get("id_product_attribute")) != "0":
            recompute_product_row(b, row.get("id_product"), row.get("id_shop") or b.settings.default_shop)


# -- categories ---------------------------------------------------------------------------------------
class CategoryHooks(Hooks):
    def echo(self, b: Backend, op: WriteOp, entity: Entity) -> None:
        if op.method in ("POST", "PUT"):
            entity.values["nb_products_recursive"] = "-1"  # not computed on the object being saved

    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        cid = entity.values["id"]
        children = sorted(
            b.find("categories", id_parent=cid), key=lambda c: (int(c.get("position") or 0), int(c["id"]))
        )
        products = _category_members(b, cid, ctx)
        entity.values["nb_products_recursive"] = str(len(self._subtree_products(b, cid, ctx)))
        entity.assocs.update(
            categories=[{"id": c["id"]} for c in children],
            products=[{"id": p} for p in products],
        )

    def _subtree_products(self, b: Backend, cid: str, ctx: Ctx) -> set[str]:
        found = set(_category_members(b, cid, ctx))
        for child in b.find("categories", id_parent=cid):
            found |= self._subtree_products(b, child["id"], ctx)
        return found

    def prepare(self, b: Backend, op: WriteOp) -> None:
        if "link_rewrite" not in op.parsed.i18n and op.method in ("POST", "PUT"):
            op.new["link_rewrite"] = {lang: str2url(text) for lang, text in (op.new.get("name") or {}).items()}

    def finalize(self, b: Backend, op: WriteOp) -> None:
        parent = b.get("categories", op.new.get("id_parent"))
        op.new["level_depth"] = str(int(parent.get("level_depth") or 0) + 1) if parent else "0"
        if op.old is None:
            op.new["position"] = str(len(b.find("categories", id_parent=op.new.get("id_parent"))))
        elif "position" not in op.parsed.fields:
            op.new["position"] = op.old.get("position", "0")

    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None:
        for child in b.find("categories", id_parent=record["id"]):
            b.delete("categories", int(child["id"]), ctx)
        for rid, product in list(b.store.table("products").items()):
            cats = (product.get("associations") or {}).get("categories") or []
            kept = [c for c in cats if str(c.get("id")) != record["id"]]
            if len(kept) != len(cats):
                b.store.put(
                    "products", rid, {**product, "associations": {**product["associations"], "categories": kept}}
                )


# -- attribute groups and values ------------------------------------------------------------------------
class OptionHooks(Hooks):
    def echo(self, b: Backend, op: WriteOp, entity: Entity) -> None:
        if entity.sent is not None and entity.sent.get("is_color_group") == "0":
            entity.sent["is_color_group"] = ""  # PHP holds `false` there (04-writes/004)

    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        values = b.find("product_option_values", id_attribute_group=entity.values["id"])
        values.sort(key=lambda v: (int(v.get("position") or 0), int(v["id"])))
        entity.assocs["product_option_values"] = [{"id": v["id"]} for v in values]

    def finalize(self, b: Backend, op: WriteOp) -> None:
        if op.old is None and "position" not in op.parsed.fields:
            op.new["position"] = str(len(b.store.ids("product_options")))


class OptionValueHooks(Hooks):
    def finalize(self, b: Backend, op: WriteOp) -> None:
        if op.old is None and "position" not in op.parsed.fields:
            siblings = b.find("product_option_values", id_attribute_group=op.new.get("id_attribute_group"))
            op.new["position"] = str(len(siblings))


# -- customers and carts ---------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """A bcrypt-shaped hash (`$2y$10$` + 53 chars); the sandbox never checks passwords."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return "$2y$10$" + (salt + digest)[:53]


class CustomerHooks(Hooks):
    def prepare(self, b: Backend, op: WriteOp) -> None:
        old = op.old or {}
        password = op.parsed.fields.get("passwd")
        if password is not None and password != old.get("passwd"):
            op.new["passwd"] = hash_password(password)
        for name in ("secure_key", "last_passwd_gen"):
            if name not in op.parsed.fields and old.get(name):
                op.new[name] = old[name]
        if op.old is None:
            op.new["secure_key"] = op.parsed.fields.get("secure_key") or secrets.token_hex(16)
            op.new["last_passwd_gen"] = b.now(minutes=-360)  # PS_PASSWD_TIME_FRONT

    def check(self, b: Backend, op: WriteOp) -> None:
        email = (op.new.get("email") or "").lower()
        if op.old is not None and email == (op.old.get("email") or "").lower():
            return
        for other in b.store.table("customers").values():
            if other.get("is_guest") == "1" or other.get("deleted") == "1":
                continue
            if (other.get("email") or "").lower() == email and op.new.get("is_guest") != "1":
                raise WebserviceError(
                    500,
                    [(140, "The email is already used, please choose another one"), (46, "Unable to save resource")],
                )

    def finalize(self, b: Backend, op: WriteOp) -> None:
        assocs = op.new.setdefault("associations", {})
        if not assocs.get("groups"):
            assocs["groups"] = [{"id": op.new.get("id_default_group") or str(b.settings.customer_group)}]


class CartHooks(Hooks):
    def finalize(self, b: Backend, op: WriteOp) -> None:
        customer = b.get("customers", op.new.get("id_customer"))
        if customer is not None and not op.new.get("secure_key"):
            op.new["secure_key"] = customer.get("secure_key", "")
        rows = (op.new.get("associations") or {}).get("cart_rows") or []
        for row in rows:
            row.setdefault("id_product_attribute", "0")
            row.setdefault("id_address_delivery", op.new.get("id_address_delivery") or "0")
            row.setdefault("id_customization", "0")
            row.setdefault("quantity", "1")


# -- small computed fields ---------------------------------------------------------------------------------
class CurrencyHooks(Hooks):
    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        entity.values["name"] = b.i18n_default(entity.values.get("names"))


class ManufacturerHooks(Hooks):
    def compute(self, b: Backend, entity: Entity, ctx: Ctx) -> None:
        entity.values["link_rewrite"] = str2url(entity.values.get("name") or "")  # Manufacturer::getLink
        addresses = b.find("addresses", id_manufacturer=entity.values["id"])
        entity.assocs["addresses"] = [{"id": a["id"]} for a in addresses]


class LanguageHooks(Hooks):
    def after_save(self, b: Backend, op: WriteOp) -> None:
        """A new language starts with a copy of the default language's texts (00-setup)."""
        if op.method != "POST":
            return
        lang, default = str(op.rid), str(b.settings.default_language)
        for name, res in REGISTRY.items():
            if not res.i18n_fields:
                continue
            for rid, record in list(b.store.table(name).items()):
                changed = {
                    f.name: {**record[f.name], lang: record[f.name].get(default, "")}
                    for f in res.i18n_fields
                    if isinstance(record.get(f.name), dict) and lang not in record[f.name]
                }
                if changed:
                    b.store.put(name, rid, {**record, **changed})


CATALOG_HOOKS: dict[str, Hooks] = {
    "products": ProductHooks(),
    "combinations": CombinationHooks(),
    "stock_availables": StockHooks(),
    "categories": CategoryHooks(),
    "product_options": OptionHooks(),
    "product_option_values": OptionValueHooks(),
    "customers": CustomerHooks(),
    "carts": CartHooks(),
    "currencies": CurrencyHooks(),
    "manufacturers": ManufacturerHooks(),
    "specific_price_rules": SpecificPriceRuleHooks(),
    "languages": LanguageHooks(),
}
