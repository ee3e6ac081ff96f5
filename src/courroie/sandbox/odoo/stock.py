"""Warehouses, locations, quants, moves and delivery orders, with Odoo's quantity contexts.

Reproduced from the captures: per-warehouse quantities honour ``{'warehouse': id}`` in 16.0 and
``{'warehouse_id': id}`` in 18.0 (each ignores the other's key and answers every warehouse);
``{'location': id}`` works in both. A confirmed sale reserves stock; a delivery is validated with
``stock.move.quantity_done`` (16.0) or ``quantity`` + ``picked`` (18.0); ``action_apply_inventory``
returns nothing (``None``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from .catalog import is_storable
from .errors import UserError
from .orm import RULES, Env, Row

CUSTOMERS = 5            # Partners/Customers, as in Odoo's demo database
INVENTORY_LOSS = 14      # Virtual Locations/Inventory adjustment
MOVE_OPEN = ("confirmed", "waiting", "partially_available", "assigned")

RULES.inverses |= {("stock.picking", "move_ids"): "picking_id",
                   ("stock.picking", "move_ids_without_package"): "picking_id",
                   ("stock.move", "move_line_ids"): "move_id", ("stock.picking", "move_line_ids"): "picking_id",
                   ("stock.location", "child_ids"): "location_id", ("stock.location", "quant_ids"): "location_id"}
RULES.orders |= {"stock.location": "complete_name, id", "stock.quant": "id", "stock.move": "sequence, id",
                 "stock.picking": "priority desc, scheduled_date, id desc"}
RULES.required |= {"stock.warehouse": ("name", "code"), "stock.location": ("name",)}


# --- locations and warehouses --------------------------------------------------------------------------

@RULES.compute("stock.location", "complete_name")
def _location_path(env: Env, location: int) -> str:
    row = env.table("stock.location")[location]
    parent = row.get("location_id")
    if parent and row.get("usage") != "view":
        return f"{_location_path(env, parent)}/{row.get('name')}"
    return str(row.get("name"))


@RULES.compute("stock.location", "warehouse_id")
def _location_warehouse(env: Env, location: int) -> int | None:
    ancestors = set(env.parents_of("stock.location", location))
    return next((w for w, row in env.table("stock.warehouse").items() if row.get("view_location_id") in ancestors),
                None)


@RULES.on_create("stock.warehouse")
def _warehouse_locations(env: Env, model: str, warehouse: int, values: Row) -> None:
    code = str(values["code"])
    view = env.create("stock.location", {"name": code, "usage": "view", "location_id": 1})
    stock = env.create("stock.location", {"name": "Stock", "usage": "internal", "location_id": view})
    incoming = env.create("stock.picking.type", {"name": "Receipts", "code": "incoming", "warehouse_id": warehouse,
                                                 "sequence_code": "IN", "default_location_dest_id": stock})
    outgoing = env.create("stock.picking.type", {"name": "Delivery Orders", "code": "outgoing",
                                                 "warehouse_id": warehouse, "sequence_code": "OUT",
                                                 "default_location_src_id": stock,
                                                 "default_location_dest_id": CUSTOMERS})
    env.db.update("stock.warehouse", warehouse, {"view_location_id": view, "lot_stock_id": stock,
                                                 "out_type_id": outgoing, "in_type_id": incoming,
                                                 "company_id": env.server.company_id})


RULES.defaults["stock.warehouse"] = lambda env, values: {"active": True, "sequence": 10}
RULES.defaults["stock.location"] = lambda env, values: {"active": True, "usage": "internal"}
RULES.names["stock.picking.type"] = lambda env, t: (
    f"{env.get('stock.warehouse', env.table('stock.picking.type')[t]['warehouse_id'], 'name')}: "
    f"{env.table('stock.picking.type')[t]['name']}")


def internal_locations(env: Env, roots: list[int]) -> set[int]:
    found: set[int] = set()
    for root in roots:
        found |= {loc for loc in env.children_of("stock.location", root)
                  if env.table("stock.location")[loc].get("usage") == "internal"}
    return found


def context_locations(env: Env) -> set[int]:
    """The locations a quantity is computed on, from the call's context, as the version reads it."""
    location = env.context.get("location")
    if location:
        return internal_locations(env, location if isinstance(location, list) else [location])
    key = "warehouse" if env.major < 17 else "warehouse_id"
    warehouses = env.context.get(key)
    if warehouses:
        ids = warehouses if isinstance(warehouses, list) else [warehouses]
    else:
        ids = list(env.table("stock.warehouse"))
    views = [env.table("stock.warehouse")[w]["view_location_id"] for w in ids if w in env.table("stock.warehouse")]
    return internal_locations(env, views)


# --- quantities ----------------------------------------------------------------------------------------------

def _quants(env: Env, product: int, locations: set[int]) -> list[Row]:
    return [q for q in env.table("stock.quant").values()
            if q.get("product_id") == product and q.get("location_id") in locations]


def _moves_qty(env: Env, product: int, locations: set[int], *, incoming: bool) -> float:
    total = 0.0
    for move in env.table("stock.move").values():
        if move.get("product_id") != product or move.get("state") not in MOVE_OPEN:
            continue
        source_in, dest_in = move.get("location_id") in locations, move.get("location_dest_id") in locations
        if (dest_in and not source_in) if incoming else (source_in and not dest_in):
            total += float(move.get("product_uom_qty") or 0.0)
    return total


QUANTITIES = ("qty_available", "free_qty", "incoming_qty", "outgoing_qty", "virtual_available")


def kit_lines(env: Env, product: int) -> list[tuple[int, float]] | None:
    """With ``mrp``: the components of a kit (the oldest phantom BoM of its template), per kit."""
    if "mrp.bom" not in env.server.models:
        return None
    template = env.get("product.product", product, "product_tmpl_id")
    boms = sorted(b for b, row in env.table("mrp.bom").items()
                  if row.get("product_tmpl_id") == template and row.get("type") == "phantom" and row.get("active", True))
    if not boms:
        return None
    per = float(env.table("mrp.bom")[boms[0]].get("product_qty") or 1.0)
    return [(row["product_id"], float(row.get("product_qty") or 0.0) / per)
            for row in env.table("mrp.bom.line").values() if row.get("bom_id") == boms[0] and row.get("product_id")]


def quantities(env: Env, product: int) -> dict[str, float]:
    """On hand, free, incoming, outgoing and forecast in the context's locations. A kit (``mrp``)
    has what its components allow, rounded down (``mrp``'s ``_compute_quantities_dict``)."""
    components = kit_lines(env, product)
    if components:
        per_component = [(quantities(env, item), needed) for item, needed in components if needed > 0]
        return {name: float(min(values[name] / needed for values, needed in per_component) // 1)
                if per_component else 0.0 for name in QUANTITIES}
    if not is_storable(env, product):
        return dict.fromkeys(QUANTITIES, 0.0)
    locations = context_locations(env)
    quants = _quants(env, product, locations)
    on_hand = sum(float(q.get("quantity") or 0.0) for q in quants)
    reserved = sum(float(q.get("reserved_quantity") or 0.0) for q in quants)
    incoming = _moves_qty(env, product, locations, incoming=True)
    outgoing = _moves_qty(env, product, locations, incoming=False)
    return {"qty_available": on_hand, "free_qty": on_hand - reserved, "incoming_qty": incoming,
            "outgoing_qty": outgoing, "virtual_available": on_hand + incoming - outgoing}


def _variant_quantity(name: str, env: Env, product: int) -> float:
    return quantities(env, product)[name]


def _template_quantity(name: str, env: Env, template: int) -> float:
    return sum(quantities(env, p)[name] for p in env.search("product.product", [("product_tmpl_id", "=", template)]))


for _name in QUANTITIES:
    RULES.compute("product.product", _name)(functools.partial(_variant_quantity, _name))
    RULES.compute("product.template", _name)(functools.partial(_template_quantity, _name))


@RULES.compute("stock.quant", "available_quantity")
def _quant_available(env: Env, quant: int) -> float:
    row = env.table("stock.quant")[quant]
    return float(row.get("quantity") or 0.0) - float(row.get("reserved_quantity") or 0.0)


@RULES.compute("stock.quant", "warehouse_id")
def _quant_warehouse(env: Env, quant: int) -> int | None:
    return _location_warehouse(env, env.table("stock.quant")[quant]["location_id"])


RULES.names["stock.quant"] = lambda env, q: env.display_name("product.product",
                                                             env.table("stock.quant")[q]["product_id"])


def quant_at(env: Env, product: int, location: int) -> int:
    for quant_id, row in env.table("stock.quant").items():
        if row.get("product_id") == product and row.get("location_id") == location:
            return quant_id
    return env.db.insert("stock.quant", {"product_id": product, "location_id": location, "quantity": 0.0,
                                         "reserved_quantity": 0.0, "inventory_quantity": 0.0,
                                         "create_date": env.now(), "write_date": env.now()})


def add_quantity(env: Env, product: int, location: int, quantity: float, *, reserved: float = 0.0) -> None:
    quant = quant_at(env, product, location)
    row = env.table("stock.quant")[quant]
    reserved_now = max(0.0, float(row.get("reserved_quantity") or 0.0) + reserved)
    env.touch("stock.quant", quant, {"quantity": float(row.get("quantity") or 0.0) + quantity,
                                     "reserved_quantity": reserved_now})


# --- inventory adjustments --------------------------------------------------------------------------------

def create_quant(env: Env, values: Row) -> int:
    """``stock.quant.create`` in inventory mode: set the counted quantity (on the existing quant if any)."""
    if "inventory_quantity" not in values or not env.context.get("inventory_mode"):
        return env.create("stock.quant", values)
    quant = quant_at(env, int(values["product_id"]), int(values["location_id"]))
    env.touch("stock.quant", quant, {"inventory_quantity": float(values["inventory_quantity"]),
                                     "inventory_quantity_set": True})
    return quant


def apply_inventory(env: Env, model: str, ids: list[int]) -> None:
    """``action_apply_inventory``: returns ``None`` (hence XML-RPC's "cannot marshal None")."""
    for quant in ids:
        row = env.table("stock.quant")[quant]
        difference = float(row.get("inventory_quantity") or 0.0) - float(row.get("quantity") or 0.0)
        source, dest = (INVENTORY_LOSS, row["location_id"]) if difference >= 0 else (row["location_id"], INVENTORY_LOSS)
        env.create("stock.move", {"product_id": row["product_id"], "product_uom_qty": abs(difference),
                                  "location_id": source, "location_dest_id": dest, "state": "done",
                                  "name": "Product Quantity Updated", "is_inventory": True})
        add_quantity(env, row["product_id"], row["location_id"], difference)
        add_quantity(env, row["product_id"], INVENTORY_LOSS, -difference)
        env.touch("stock.quant", quant, {"inventory_quantity": 0.0, "inventory_quantity_set": False})
    return None


# --- moves and deliveries -----------------------------------------------------------------------------------

RULES.defaults["stock.move"] = lambda env, values: {"state": "draft", "sequence": 10, "product_uom": 1,
                                                    "name": "/", "picked": False}


@RULES.compute("stock.move", "reserved_availability")
def _reserved(env: Env, move: int) -> float:
    return float(env.table("stock.move")[move].get("_reserved") or 0.0)


@RULES.compute("stock.move", "product_qty")
def _product_qty(env: Env, move: int) -> float:
    return float(env.table("stock.move")[move].get("product_uom_qty") or 0.0)


@RULES.compute("stock.move", "product_tmpl_id")
def _move_template(env: Env, move: int) -> int | None:
    return env.get("product.product", env.table("stock.move")[move]["product_id"], "product_tmpl_id")


def create_delivery(env: Env, picking_type: int, lines: Sequence[tuple[int, float, int | None]], values: Row) -> int:
    """A delivery order with one move per (product, quantity, sale line), then reserved."""
    kind = env.table("stock.picking.type")[picking_type]
    source, dest = kind["default_location_src_id"], kind.get("default_location_dest_id") or CUSTOMERS
    prefix = f"{env.get('stock.warehouse', kind['warehouse_id'], 'code')}/{kind['sequence_code']}/"
    number = next_number(env, prefix)
    picking = env.create("stock.picking", values | {
        "name": f"{prefix}{number:05d}", "picking_type_id": picking_type, "location_id": source,
        "location_dest_id": dest, "state": "confirmed", "scheduled_date": env.now(), "move_type": "direct"})
    for product, quantity, sale_line in lines:
        env.create("stock.move", {"picking_id": picking, "product_id": product, "product_uom_qty": quantity,
                                  "location_id": source, "location_dest_id": dest, "state": "confirmed",
                                  "sale_line_id": sale_line, "name": env.display_name("product.product", product),
                                  "origin": values.get("origin"), "partner_id": values.get("partner_id"),
                                  "picking_type_id": picking_type, "date": env.now()})
    assign(env, picking)
    return picking


def next_number(env: Env, sequence: str) -> int:
    """The next number of an ``ir.sequence``: like a PostgreSQL sequence, a failed call keeps it used."""
    key = f"ir.sequence:{sequence}"
    number = env.db.next_ids[key]
    env.db.next_ids[key] = number + 1
    return number


def action_assign(env: Env, model: str, ids: list[int]) -> bool:
    for picking in ids:
        assign(env, picking)
    return True


def assign(env: Env, picking: int) -> None:
    """Reserve what the source location can give, move by move (``action_assign``)."""
    for move in env.search("stock.move", [("picking_id", "=", picking)]):
        row = env.table("stock.move")[move]
        if row.get("state") not in ("confirmed", "partially_available"):
            continue
        needed = float(row["product_uom_qty"]) - float(row.get("_reserved") or 0.0)
        locations = internal_locations(env, [row["location_id"]])
        for quant in sorted(_quants(env, row["product_id"], locations), key=lambda q: -float(q.get("quantity") or 0)):
            free = float(quant.get("quantity") or 0.0) - float(quant.get("reserved_quantity") or 0.0)
            take = max(0.0, min(free, needed))
            if take:
                add_quantity(env, row["product_id"], quant["location_id"], 0.0, reserved=take)
                needed -= take
        reserved = float(row["product_uom_qty"]) - needed
        if reserved > float(row.get("_reserved") or 0.0):
            env.create("stock.move.line", {"move_id": move, "picking_id": picking, "product_id": row["product_id"],
                                           "location_id": row["location_id"],
                                           "location_dest_id": row["location_dest_id"], "quantity": reserved})
        state = "assigned" if needed <= 0 else ("partially_available" if reserved else "confirmed")
        env.touch("stock.move", move, {"_reserved": reserved, "state": state,
                                       **({"quantity": reserved} if env.major >= 17 else {})})
    _picking_state(env, picking)


def _picking_state(env: Env, picking: int) -> None:
    states = {env.table("stock.move")[m]["state"] for m in env.search("stock.move", [("picking_id", "=", picking)])}
    if states <= {"done", "cancel"}:
        state = "done" if "done" in states else "cancel"
    elif states <= {"assigned"}:
        state = "assigned"
    else:
        state = "confirmed"
    env.touch("stock.picking", picking, {"state": state})


def done_quantity(env: Env, move: int) -> float:
    row = env.table("stock.move")[move]
    if env.major >= 17:
        return float(row.get("quantity") or 0.0) if row.get("picked") else 0.0
    return float(row.get("quantity_done") or 0.0)


def button_validate(env: Env, model: str, ids: list[int]) -> Any:
    """Validate deliveries. 16.0 wants ``quantity_done`` set (else it offers the immediate-transfer
    wizard); 18.0 picks every reserved quantity when nothing was picked. A short quantity offers the
    backorder wizard, as Odoo does, unless the context says ``skip_backorder``: then what is left goes
    to a backorder (``backorder_id``), or is cancelled for the pickings named in
    ``picking_ids_not_to_backorder`` (what the wizard's two buttons do)."""
    for picking in ids:
        row = env.table("stock.picking")[picking]
        if row.get("state") in ("done", "cancel"):
            raise UserError("Nothing to check the availability for.") if row.get("state") == "cancel" else \
                UserError("You cannot validate a transfer if no quantities are reserved nor done. You can use the "
                          "info button on the top right corner of your screen to know why the transfer isn't "
                          "processed.")
        moves = [m for m in env.search("stock.move", [("picking_id", "=", picking)])
                 if env.table("stock.move")[m].get("state") not in ("done", "cancel")]
        if env.major >= 17 and not any(env.table("stock.move")[m].get("picked") for m in moves):
            for move in moves:
                env.touch("stock.move", move, {"picked": True})
        done = {move: done_quantity(env, move) for move in moves}
        if not any(done.values()):
            return _wizard(picking, "Immediate Transfer?", "stock.immediate.transfer") if env.major < 17 else \
                _no_quantity()
        short = {m: float(env.table("stock.move")[m]["product_uom_qty"]) - done[m] for m in moves
                 if done[m] < float(env.table("stock.move")[m]["product_uom_qty"])}
        if short and not env.context.get("skip_backorder"):
            return _wizard(picking, "Create Backorder?", "stock.backorder.confirmation")
        if short:
            _split_rest(env, picking, short, backorder=picking not in (env.context.get("picking_ids_not_to_backorder")
                                                                      or []))
        for move, quantity in done.items():
            if quantity:
                _move_done(env, move, quantity)
        env.touch("stock.picking", picking, {"state": "done", "date_done": env.now()})
    return True


def _split_rest(env: Env, picking: int, rest: dict[int, float], *, backorder: bool) -> None:
    """What was not shipped: moved to a new picking (``backorder_id`` = this one) and reserved there,
    or cancelled."""
    row = env.table("stock.picking")[picking]
    target = None
    if backorder:
        prefix = str(row["name"]).rstrip("0123456789")
        target = env.create("stock.picking", {
            "name": f"{prefix}{next_number(env, prefix):05d}", "backorder_id": picking,
            **{k: row.get(k) for k in ("picking_type_id", "location_id", "location_dest_id", "origin", "partner_id",
                                       "sale_id", "carrier_id", "company_id", "move_type")},
            "state": "confirmed", "scheduled_date": env.now()})
    for move, quantity in rest.items():
        current = env.table("stock.move")[move]
        if current.get("_reserved"):
            add_quantity(env, current["product_id"], current["location_id"], 0.0, reserved=-float(current["_reserved"]))
        done = float(current["product_uom_qty"]) - quantity
        values = {k: current.get(k) for k in ("product_id", "location_id", "location_dest_id", "sale_line_id", "name",
                                              "origin", "partner_id", "picking_type_id", "product_uom")}
        env.create("stock.move", values | {"picking_id": target or picking, "product_uom_qty": quantity,
                                           "state": "confirmed" if target else "cancel", "date": env.now()})
        env.touch("stock.move", move, {"product_uom_qty": done, "_reserved": 0.0,
                                       **({"quantity": done} if env.major >= 17 else {})})
        if not done:
            env.touch("stock.move", move, {"state": "cancel"})
    if target:
        assign(env, target)


RULES.inverses[("stock.picking", "backorder_ids")] = "backorder_id"


def backorder_process(env: Env, model: str, ids: list[int]) -> Any:
    """``stock.backorder.confirmation.process``: validate, the rest in a backorder."""
    pickings = sorted({p for wizard in ids for p in env.table(model)[wizard].get("pick_ids") or []})
    return button_validate(env.with_context(skip_backorder=True), "stock.picking", pickings)


def backorder_cancel(env: Env, model: str, ids: list[int]) -> Any:
    """``process_cancel_backorder``: validate, the rest cancelled."""
    pickings = sorted({p for wizard in ids for p in env.table(model)[wizard].get("pick_ids") or []})
    return button_validate(env.with_context(skip_backorder=True, picking_ids_not_to_backorder=pickings),
                           "stock.picking", pickings)


def _no_quantity() -> Any:
    raise UserError("You cannot validate a transfer if no quantities are reserved nor done. You can use the info "
                    "button on the top right corner of your screen to know why the transfer isn't processed.")


def _wizard(picking: int, name: str, model: str) -> dict[str, Any]:
    return {"name": name, "type": "ir.actions.act_window", "view_mode": "form", "res_model": model,
            "views": [[False, "form"]], "view_id": False, "target": "new",
            "context": {"button_validate_picking_ids": [picking], "default_pick_ids": [[4, picking]]}}


def _move_done(env: Env, move: int, quantity: float) -> None:
    row = env.table("stock.move")[move]
    reserved = float(row.get("_reserved") or 0.0)
    add_quantity(env, row["product_id"], row["location_id"], -quantity, reserved=-min(reserved, quantity))
    add_quantity(env, row["product_id"], row["location_dest_id"], quantity)
    env.touch("stock.move", move, {"state": "done", "_reserved": 0.0, "date": env.now(),
                                   **({"quantity_done": quantity} if env.major < 17 else {"quantity": quantity})})


@RULES.compute("stock.picking", "picking_type_code")
def _picking_code(env: Env, picking: int) -> str | None:
    kind = env.table("stock.picking")[picking].get("picking_type_id")
    return env.table("stock.picking.type")[kind]["code"] if kind else None


RULES.defaults["stock.picking"] = lambda env, values: {"state": "draft", "priority": "0", "move_type": "direct"}
