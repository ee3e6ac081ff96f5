"""Contacts (customers and their delivery / invoice addresses), users, companies and reference data."""

from __future__ import annotations

from .errors import ValidationError
from .orm import RULES, Env, Row

RULES.inverses[("res.partner", "child_ids")] = "parent_id"
RULES.orders |= {"res.partner": "name, id", "res.country": "name", "res.currency": "name",
                 "delivery.carrier": "sequence, id", "stock.warehouse": "sequence, id", "res.lang": "name"}
RULES.groups |= {"res.company": "Administration/Access Rights", "ir.config_parameter": "Administration/Settings",
                 "sale.order": "Sales/User: Own Documents Only", "res.partner": "Extra Rights/Contact Creation"}

ADDRESS_TYPES = {"invoice": "Invoice Address", "delivery": "Delivery Address", "other": "Other Address",
                 "private": "Private Address"}


def _partner_defaults(env: Env, values: Row) -> Row:
    defaults: Row = {"active": True, "type": "contact", "is_company": False, "customer_rank": 0,
                     "lang": env.lang}
    parent = values.get("parent_id")
    if parent and env.table("res.partner").get(parent):
        # A child address starts with its parent's language and, when empty, its address (Odoo's onchange).
        defaults["lang"] = env.table("res.partner")[parent].get("lang") or env.lang
    return defaults


RULES.defaults["res.partner"] = _partner_defaults


@RULES.on_create("res.partner")
def _contacts_need_a_name(env: Env, model: str, partner: int, values: Row) -> None:
    row = env.table("res.partner")[partner]
    if not row.get("name") and row.get("type") == "contact":
        raise ValidationError("Contacts require a name")


@RULES.compute("res.partner", "commercial_partner_id")
def _commercial(env: Env, partner: int) -> int:
    row = env.table("res.partner")[partner]
    while row.get("parent_id") and not row.get("is_company"):
        row = env.table("res.partner")[row["parent_id"]]
    return int(row["id"])


@RULES.compute("res.partner", "email_normalized")
def _email_normalized(env: Env, partner: int) -> str | None:
    email = env.table("res.partner")[partner].get("email")
    return email.strip().lower() if email else None


@RULES.compute("res.partner", "country_code")
def _country_code(env: Env, partner: int) -> str | None:
    country = env.table("res.partner")[partner].get("country_id")
    return env.get("res.country", country, "code") if country else None


# Company-dependent properties: what is written is kept (18.0 writes ``specific_property_product_pricelist``).
RULES.writable |= {("res.partner", "property_product_pricelist")}


@RULES.compute("res.partner", "property_product_pricelist")
def _partner_pricelist(env: Env, partner: int) -> int | None:
    """16.0 answers the default price list for a new customer, 18.0 ``False`` (as captured)."""
    row = env.table("res.partner")[partner]
    own = row.get("property_product_pricelist") or row.get("specific_property_product_pricelist")
    if own or env.major >= 18:
        return own
    lists = env.search("product.pricelist", [])
    return lists[0] if lists else None


def partner_name(env: Env, partner: int) -> str:
    row = env.table("res.partner")[partner]
    name = row.get("name") or ""
    parent = row.get("parent_id")
    if parent and not row.get("is_company"):
        label = name or ADDRESS_TYPES.get(str(row.get("type")), "")
        return f"{partner_name(env, parent)}, {label}"
    return str(name)


RULES.names["res.partner"] = partner_name
RULES.names["res.currency"] = lambda env, c: str(env.table("res.currency")[c].get("name"))
RULES.names["stock.location"] = lambda env, loc: str(env.get("stock.location", loc, "complete_name"))
