"""Which models and fields the sandbox knows, per Odoo version.

The 23 models captured with ``fields_get`` come from :mod:`._fields_data` exactly as 16.0 and 18.0
answered. A few more models are needed by the calls the sandbox serves (countries, companies, users,
languages, wizards, bills of materials…); they were not captured, so they carry only the fields used
here, named as in Odoo's source, and are marked ``captured=False``. Version 19.0 has no capture: it is
18.0's models served over ``/json/2`` (see :mod:`.wire`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._fields_data import FIELDS_16, FIELDS_18_CHANGED, FIELDS_18_REMOVED, SELECTIONS

VERSIONS = ("16.0", "18.0", "19.0")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    string: str
    relation: str | None = None
    required: bool = False
    readonly: bool = False
    selection: tuple[tuple[str, str], ...] | None = None

    @property
    def is_x2many(self) -> bool:
        return self.type in ("one2many", "many2many")

    def description(self, attributes: list[str] | None) -> dict[str, Any]:
        """This field as ``fields_get`` describes it (only the attributes asked, if any)."""
        full: dict[str, Any] = {"readonly": self.readonly, "required": self.required, "string": self.string,
                                "type": self.type}
        if self.relation:
            full["relation"] = self.relation
        if self.selection is not None:
            full["selection"] = [list(option) for option in self.selection]
        wanted = attributes or list(full)
        return {key: full[key] for key in sorted(full) if key in wanted}


@dataclass(frozen=True)
class Model:
    name: str
    description: str          # ``_description``, quoted in validation messages
    fields: Mapping[str, Field]
    captured: bool = True

    def __contains__(self, name: str) -> bool:
        return name in self.fields


# ``_description`` of the models, as Odoo's messages quote them ("Model: Product (product.template)").
DESCRIPTIONS = {
    "account.move": "Journal Entry", "account.move.line": "Journal Item", "account.payment": "Payments",
    "account.tax": "Tax", "choose.delivery.carrier": "Delivery Carrier Selection Wizard",
    "delivery.carrier": "Shipping Methods", "ir.config_parameter": "System Parameter", "ir.model": "Models",
    "mrp.bom": "Bill of Material", "mrp.bom.line": "Bill of Material Line",
    "product.attribute": "Product Attribute", "product.attribute.value": "Attribute Value",
    "product.category": "Product Category", "product.pricelist": "Pricelist",
    "product.pricelist.item": "Pricelist Rule", "product.product": "Product Variant",
    "product.template": "Product", "product.template.attribute.line": "Product Template Attribute Line",
    "product.template.attribute.value": "Product Template Attribute Value", "res.company": "Companies",
    "res.country": "Country", "res.country.group": "Country Group", "res.currency": "Currency",
    "res.lang": "Languages", "res.partner": "Contact", "res.users": "User", "sale.order": "Sales Order",
    "sale.order.line": "Sales Order Line", "stock.location": "Inventory Locations", "stock.move": "Stock Move",
    "stock.move.line": "Product Moves (Stock Move Line)", "stock.picking": "Transfer",
    "stock.picking.type": "Picking Type", "stock.quant": "Quants", "stock.warehouse": "Warehouse",
    "uom.category": "Product UoM Categories", "uom.uom": "Product Unit of Measure",
    "account.journal": "Journal", "account.payment.term": "Payment Terms",
    "account.payment.register": "Pay", "res.partner.category": "Partner Tags",
    "res.country.state": "Country state", "ir.attachment": "Attachment", "sale.order.cancel": "Sales Order Cancel",
    "sale.advance.payment.inv": "Sales Advance Payment Invoice",
    "stock.backorder.confirmation": "Backorder Confirmation",
}

_BASE = {"id": ("integer", "ID"), "display_name": ("char", "Display Name"),
         "create_date": ("datetime", "Created on"), "create_uid": ("many2one", "Created by", "res.users"),
         "write_date": ("datetime", "Last Updated on"), "write_uid": ("many2one", "Last Updated by", "res.users")}

# Models the captures do not describe: (type, string[, relation]) per field, named as in Odoo's source.
_SUPPLEMENT: dict[str, dict[str, tuple[str, ...]]] = {
    "res.country": {"name": ("char", "Country Name"), "code": ("char", "Country Code")},
    "res.country.group": {"name": ("char", "Name"), "country_ids": ("many2many", "Countries", "res.country")},
    "res.company": {"name": ("char", "Company Name"), "currency_id": ("many2one", "Currency", "res.currency"),
                    "partner_id": ("many2one", "Partner", "res.partner")},
    "res.users": {"name": ("char", "Name"), "login": ("char", "Login"),
                  "partner_id": ("many2one", "Related Partner", "res.partner"),
                  "company_id": ("many2one", "Company", "res.company"), "lang": ("char", "Language"),
                  "tz": ("char", "Timezone")},
    "res.lang": {"name": ("char", "Name"), "code": ("char", "Locale Code"), "iso_code": ("char", "ISO code"),
                 "active": ("boolean", "Active")},
    "ir.model": {"model": ("char", "Model"), "name": ("char", "Model Description")},
    "ir.config_parameter": {"key": ("char", "Key"), "value": ("text", "Value")},
    "uom.category": {"name": ("char", "Unit of Measure Category")},
    "stock.picking.type": {"name": ("char", "Operation Type"), "code": ("selection", "Type of Operation"),
                           "warehouse_id": ("many2one", "Warehouse", "stock.warehouse"),
                           "sequence_code": ("char", "Sequence Prefix"),
                           "default_location_src_id": ("many2one", "Default Source Location", "stock.location"),
                           "default_location_dest_id": ("many2one", "Default Destination Location",
                                                        "stock.location")},
    "stock.move.line": {"move_id": ("many2one", "Stock Operation", "stock.move"),
                        "picking_id": ("many2one", "Transfer", "stock.picking"),
                        "product_id": ("many2one", "Product", "product.product"),
                        "location_id": ("many2one", "From", "stock.location"),
                        "location_dest_id": ("many2one", "To", "stock.location"),
                        "quantity": ("float", "Quantity")},
    "choose.delivery.carrier": {"order_id": ("many2one", "Order", "sale.order"),
                                "partner_id": ("many2one", "Customer", "res.partner"),
                                "carrier_id": ("many2one", "Shipping Method", "delivery.carrier"),
                                "delivery_price": ("float", "Cost"), "display_price": ("float", "Price"),
                                "currency_id": ("many2one", "Currency", "res.currency")},
    "account.move.line": {"move_id": ("many2one", "Journal Entry", "account.move"),
                          "product_id": ("many2one", "Product", "product.product"), "name": ("char", "Label"),
                          "quantity": ("float", "Quantity"), "price_unit": ("float", "Unit Price"),
                          "price_subtotal": ("monetary", "Subtotal"), "price_total": ("monetary", "Total"),
                          "discount": ("float", "Discount (%)"), "tax_ids": ("many2many", "Taxes", "account.tax"),
                          "sale_line_ids": ("many2many", "Sales Order Lines", "sale.order.line")},
    "account.journal": {"name": ("char", "Journal Name"), "code": ("char", "Short Code"),
                        "type": ("selection", "Type"), "active": ("boolean", "Active"),
                        "sequence": ("integer", "Sequence"), "company_id": ("many2one", "Company", "res.company"),
                        "currency_id": ("many2one", "Currency", "res.currency")},
    "account.payment.term": {"name": ("char", "Payment Terms"), "active": ("boolean", "Active"),
                             "note": ("html", "Description on the Invoice"), "sequence": ("integer", "Sequence")},
    # The "Register Payment" wizard of invoices (``account/wizard/account_payment_register.py``).
    "account.payment.register": {"payment_date": ("date", "Payment Date"), "amount": ("monetary", "Amount"),
                                 "communication": ("char", "Memo"),
                                 "journal_id": ("many2one", "Journal", "account.journal"),
                                 "currency_id": ("many2one", "Currency", "res.currency"),
                                 "partner_id": ("many2one", "Customer/Vendor", "res.partner"),
                                 "payment_type": ("selection", "Payment Type"),
                                 "partner_type": ("selection", "Partner Type"),
                                 "line_ids": ("many2many", "Journal items", "account.move.line"),
                                 "group_payment": ("boolean", "Group Payments"),
                                 "can_edit_wizard": ("boolean", "Can Edit Wizard")},
    "res.partner.category": {"name": ("char", "Tag Name"), "active": ("boolean", "Active"),
                             "color": ("integer", "Color"),
                             "parent_id": ("many2one", "Parent Category", "res.partner.category")},
    "res.country.state": {"name": ("char", "State Name"), "code": ("char", "State Code"),
                          "country_id": ("many2one", "Country", "res.country")},
    "ir.attachment": {"name": ("char", "Name"), "res_model": ("char", "Resource Model"),
                      "res_id": ("many2one_reference", "Resource ID"), "res_field": ("char", "Resource Field"),
                      "mimetype": ("char", "Mime Type"), "datas": ("binary", "File Content (base64)"),
                      "type": ("selection", "Type"), "file_size": ("integer", "File Size")},
    # The cancellation wizard ``sale.order.action_cancel`` opens for a confirmed order (a mail composer).
    "sale.order.cancel": {"order_id": ("many2one", "Sale Order", "sale.order"), "subject": ("char", "Subject"),
                          "body": ("html", "Contents"), "recipient_ids": ("many2many", "Recipients", "res.partner"),
                          "display_invoice_alert": ("boolean", "Invoice Alert")},
    # "Create Invoice" of sale orders (``sale/wizard/sale_make_invoice_advance.py``).
    "sale.advance.payment.inv": {"advance_payment_method": ("selection", "Create Invoice"),
                                 "sale_order_ids": ("many2many", "Sale Order", "sale.order"),
                                 "count": ("integer", "Order Count"), "amount": ("float", "Down Payment Amount"),
                                 "fixed_amount": ("monetary", "Down Payment Amount (Fixed)"),
                                 "deduct_down_payments": ("boolean", "Deduct down payments")},
    "stock.backorder.confirmation": {"pick_ids": ("many2many", "Pick", "stock.picking")},
    "mrp.bom": {"product_tmpl_id": ("many2one", "Product", "product.template"),
                "product_id": ("many2one", "Product Variant", "product.product"),
                "type": ("selection", "BoM Type"), "product_qty": ("float", "Quantity"),
                "bom_line_ids": ("one2many", "BoM Lines", "mrp.bom.line"), "code": ("char", "Reference"),
                "active": ("boolean", "Active")},
    "mrp.bom.line": {"bom_id": ("many2one", "Parent BoM", "mrp.bom"),
                     "product_id": ("many2one", "Component", "product.product"),
                     "product_qty": ("float", "Quantity")},
}
_SUPPLEMENT_SELECTIONS = {
    ("mrp.bom", "type"): (("normal", "Manufacture this product"), ("phantom", "Kit")),
    ("stock.picking.type", "code"): (("incoming", "Receipt"), ("outgoing", "Delivery"),
                                     ("internal", "Internal Transfer")),
    ("account.journal", "type"): (("sale", "Sales"), ("purchase", "Purchase"), ("cash", "Cash"), ("bank", "Bank"),
                                  ("general", "Miscellaneous")),
    ("account.payment.register", "payment_type"): (("outbound", "Send Money"), ("inbound", "Receive Money")),
    ("account.payment.register", "partner_type"): (("customer", "Customer"), ("supplier", "Vendor")),
    ("ir.attachment", "type"): (("url", "URL"), ("binary", "File")),
    ("sale.advance.payment.inv", "advance_payment_method"): (
        ("delivered", "Regular invoice"), ("percentage", "Down payment (percentage)"),
        ("fixed", "Down payment (fixed amount)")),
}
# Models of the ``mrp`` module: present only when the sandbox runs with it (the captured servers had none).
MRP_MODELS = frozenset({"mrp.bom", "mrp.bom.line"})


def _field(name: str, spec: tuple[Any, ...]) -> Field:
    kind, string, relation, required, readonly, selection = spec
    if isinstance(selection, str):
        selection = SELECTIONS[selection]
    return Field(name, kind, string, relation, required, readonly,
                 tuple((str(k), str(v)) for k, v in selection) if selection is not None else None)


def _captured(version: str) -> dict[str, dict[str, tuple[Any, ...]]]:
    if version == "16.0":
        return FIELDS_16
    models = {model: {name: spec for name, spec in fields.items() if name not in FIELDS_18_REMOVED.get(model, ())}
              for model, fields in FIELDS_16.items()}
    for model, changed in FIELDS_18_CHANGED.items():
        models.setdefault(model, {}).update(changed)
    return models


def _supplement(version: str, model: str, fields: dict[str, tuple[str, ...]]) -> dict[str, Field]:
    specs = dict(_BASE) | fields
    if version == "16.0":
        specs["__last_update"] = ("datetime", "Last Modified on")
    return {name: Field(name, spec[0], spec[1], spec[2] if len(spec) > 2 else None,
                        selection=_SUPPLEMENT_SELECTIONS.get((model, name)))
            for name, spec in specs.items()}


@cache
def registry(version: str) -> dict[str, Model]:
    """Every model the sandbox serves for ``version`` (16.0, 18.0 or 19.0)."""
    base = "16.0" if version == "16.0" else "18.0"
    models = {name: Model(name, DESCRIPTIONS.get(name, name), {f: _field(f, spec) for f, spec in fields.items()})
              for name, fields in _captured(base).items()}
    for name, fields in _SUPPLEMENT.items():
        models[name] = Model(name, DESCRIPTIONS.get(name, name), _supplement(base, name, fields), captured=False)
    return models


def default(field: Field) -> Any:
    """What ``read`` answers for a field holding nothing: Odoo's ``False``, ``0``, ``0.0`` or ``[]``."""
    if field.is_x2many:
        return []
    if field.type == "integer":
        return 0
    if field.type in ("float", "monetary"):
        return 0.0
    return False
