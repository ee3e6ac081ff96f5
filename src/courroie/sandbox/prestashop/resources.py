"""Resource definitions: fields, associations and per-resource behaviour of the webservice.

The field lists come from the captured `?schema=synopsis` documents (see `_schema_data.py`); this
module turns them into typed definitions and adds what the captures show about each resource:
PHP class name (used in validation messages), allowed methods, creation defaults, which fields a
POST answer echoes although the client did not send them, and which fields are computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from ._schema_data import RESOURCES as CAPTURED
from ._schema_data import ROOT_RESOURCES

FLOAT_FORMATS = {"isPrice", "isNegativePrice", "isFloat", "isUnsignedFloat", "isOptFloat"}
INT_FORMATS = {"isUnsignedId", "isUnsignedInt", "isInt", "isNullUnsignedId", "isNullOrUnsignedId", "isBool"}
ALL_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class FieldDef:
    name: str
    i18n: bool = False
    synopsis_attrs: str = ""
    fmt: str | None = None
    max_size: int | None = None
    required: bool = False
    read_only: bool = False  # `read_only="true"`: writing it is error 93
    not_filterable: bool = False  # printed as `notFilterable="true"` in every answer
    link: str | None = None  # collection an xlink:href points to (`categories`)
    storage: str = "str"  # int | decN | date | datetime | str
    json: str = "str"  # int | str | null: how JSON answers type the value
    in_blank: bool = True


@dataclass(frozen=True)
class AssocFieldDef:
    name: str
    synopsis_attrs: str = ""
    link: str | None = None
    json: str = "int"


@dataclass(frozen=True)
class AssocDef:
    name: str
    node: str
    api: str | None  # None for virtual entities (cart_rows, order_rows)
    fields: tuple[AssocFieldDef, ...]

    @property
    def virtual(self) -> bool:
        return self.api is None


@dataclass
class ResourceDef:
    name: str
    node: str
    class_name: str
    description: str
    fields: tuple[FieldDef, ...]
    associations: tuple[AssocDef, ...] = ()
    methods: frozenset[str] = ALL_METHODS
    defaults: dict[str, str | None] = field(default_factory=dict)
    echo_keep: frozenset[str] = frozenset()
    computed: frozenset[str] = frozenset()
    echo_numbers: frozenset[str] = frozenset()  # JSON POST answers keep these as numbers
    list_node: str = ""  # lists' element / JSON key (`objectsNodeName`); the resource name when empty

    @property
    def list_name(self) -> str:
        return self.list_node or self.name

    @cached_property
    def by_name(self) -> dict[str, FieldDef]:
        return {f.name: f for f in self.fields}

    @cached_property
    def assoc_by_name(self) -> dict[str, AssocDef]:
        return {a.name: a for a in self.associations}

    @cached_property
    def i18n_fields(self) -> tuple[FieldDef, ...]:
        return tuple(f for f in self.fields if f.i18n)

    def zero_values(self) -> dict[str, str | None]:
        """A new object's stored values for fields the client did not send."""
        from .formats import zero

        values: dict[str, str | None] = {}
        for f in self.fields:
            if f.name == "id" or f.i18n or f.name in self.computed:
                continue
            values[f.name] = self.defaults[f.name] if f.name in self.defaults else zero(f.storage)
        return values


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', attrs)
    return m.group(1) if m else None


def _storage(fmt: str | None, seen: list[str]) -> str:
    decimals = [int(t[3:]) for t in seen if t.startswith("dec")]
    if decimals:
        return f"dec{max(decimals)}"
    if fmt in FLOAT_FORMATS:
        return "dec6"
    if "datetime" in seen or fmt in ("isDate", "isDateOrNull"):
        return "datetime"
    if "date" in seen or fmt in ("isDateFormat", "isBirthDate"):
        return "date"
    if fmt in INT_FORMATS:
        return "int"
    if fmt is None and seen == ["int"]:
        return "int"
    return "str"


def _json_type(seen: list[str], storage: str, fmt: str | None) -> str:
    if "int" in seen:
        return "int"
    if seen == ["NoneType"]:
        return "null"
    if seen:
        return "str"
    return "int" if storage == "int" and fmt != "isBool" else "str"


def _link(links: list[str]) -> str | None:
    if links:
        return "images/products" if links[0].startswith("images/products") else links[0]
    return None


def _captured_fields(spec: dict) -> tuple[FieldDef, ...]:
    blank = set(spec["blank"])
    fields = [FieldDef("id", storage="int", json="int")]
    for raw in spec["fields"]:
        attrs = raw["attrs"]
        fmt = _attr(attrs, "format")
        storage = "str" if raw["i18n"] else _storage(fmt, raw["seen"])
        max_size = _attr(attrs, "maxSize")
        fields.append(
            FieldDef(
                name=raw["name"],
                i18n=raw["i18n"],
                synopsis_attrs=attrs,
                fmt=fmt,
                max_size=int(max_size) if max_size else None,
                required=_attr(attrs, "required") == "true",
                read_only=_attr(attrs, "read_only") == "true",
                not_filterable=_attr(attrs, "notFilterable") == "true",
                link=_link(raw["link"]),
                storage=storage,
                json=_json_type(raw["json"], storage, fmt),
                in_blank=raw["name"] in blank,
            )
        )
    return tuple(fields)


def _captured_associations(spec: dict) -> tuple[AssocDef, ...]:
    out = []
    for raw in spec["associations"]:
        subs = []
        for f in raw["fields"]:
            href = _attr(f["attrs"], "xlink:href")
            link = href.split("/api/", 1)[1].rstrip("/") if href else (f["link"][0] if f["link"] else None)
            json = "str" if f["json"] == ["str"] else "int"
            subs.append(AssocFieldDef(f["name"], f["attrs"], link, json))
        out.append(AssocDef(raw["name"], raw["node"], raw["api"], tuple(subs)))
    return tuple(out)


# Resources the captures show in use but without a synopsis capture: defined by hand from their
# `display=full` answers (07-multistore) and PrestaShop's documented definitions.
def _hand_fields(*specs: tuple[str, str, str]) -> tuple[FieldDef, ...]:
    fields = [FieldDef("id", storage="int", json="int")]
    for name, attrs, storage in specs:
        fmt, max_size = _attr(attrs, "format"), _attr(attrs, "maxSize")
        fields.append(
            FieldDef(
                name=name,
                i18n=storage == "i18n",
                synopsis_attrs=attrs,
                fmt=fmt,
                max_size=int(max_size) if max_size else None,
                required=_attr(attrs, "required") == "true",
                storage={"i18n": "str", "bool": "int"}.get(storage, storage),
                json="int" if storage == "int" else "str",  # TYPE_BOOL columns come out as strings
            )
        )
    return tuple(fields)


HAND_FIELDS: dict[str, tuple[str, tuple[FieldDef, ...]]] = {
    "configurations": (
        "configuration",
        _hand_fields(
            ("value", "", "str"),
            ("name", ' required="true" maxSize="254" format="isConfigName"', "str"),
            ("id_shop_group", ' format="isUnsignedId"', "int"),
            ("id_shop", ' format="isUnsignedId"', "int"),
            ("date_add", ' format="isDate"', "datetime"),
            ("date_upd", ' format="isDate"', "datetime"),
        ),
    ),
    "shop_urls": (
        "shop_url",
        _hand_fields(
            ("id_shop", ' required="true" format="isInt"', "int"),
            ("active", ' format="isBool"', "int"),
            ("main", ' format="isBool"', "int"),
            ("domain", ' required="true" maxSize="255" format="isCleanHtml"', "str"),
            ("domain_ssl", ' maxSize="255" format="isCleanHtml"', "str"),
            ("physical_uri", ' maxSize="64"', "str"),
            ("virtual_uri", ' maxSize="64"', "str"),
        ),
    ),
    "zones": (
        "zone",
        _hand_fields(
            ("name", ' required="true" maxSize="64" format="isGenericName"', "str"),
            ("active", ' format="isBool"', "int"),
        ),
    ),
    "image_types": (
        "image_type",
        _hand_fields(
            ("name", ' required="true" maxSize="64" format="isImageTypeName"', "str"),
            ("width", ' required="true" format="isImageSize"', "int"),
            ("height", ' required="true" format="isImageSize"', "int"),
            ("categories", ' format="isBool"', "int"),
            ("products", ' format="isBool"', "int"),
            ("manufacturers", ' format="isBool"', "int"),
            ("suppliers", ' format="isBool"', "int"),
            ("stores", ' format="isBool"', "int"),
        ),
    ),
}

# Not captured (no schema link in the root listing for attachments; specific_price_rules never
# written in the captures): fields from the 8.1 ObjectModel definitions of Attachment and
# SpecificPriceRule, whose webservice parameters add no association.
HAND_FIELDS["attachments"] = (
    "attachment",
    _hand_fields(
        ("file", ' required="true" maxSize="40" format="isGenericName"', "str"),
        ("file_name", ' maxSize="128" format="isGenericName"', "str"),
        ("file_size", ' format="isUnsignedId"', "int"),
        ("mime", ' required="true" maxSize="128" format="isCleanHtml"', "str"),
        ("name", ' required="true" maxSize="32" format="isGenericName"', "i18n"),
        ("description", ' format="isCleanHtml"', "i18n"),
    ),
)
HAND_FIELDS["specific_price_rules"] = (
    "specific_price_rule",
    _hand_fields(
        ("name", ' required="true" maxSize="255" format="isGenericName"', "str"),
        ("id_shop", ' required="true" format="isUnsignedId"', "int"),
        ("id_country", ' required="true" format="isUnsignedId"', "int"),
        ("id_currency", ' required="true" format="isUnsignedId"', "int"),
        ("id_group", ' required="true" format="isUnsignedId"', "int"),
        ("from_quantity", ' required="true" format="isUnsignedInt"', "int"),
        ("price", ' required="true" format="isNegativePrice"', "dec6"),
        ("reduction", ' required="true" format="isPrice"', "dec6"),
        ("reduction_tax", ' required="true" format="isBool"', "int"),
        ("reduction_type", ' required="true" format="isReductionType"', "str"),
        ("from", ' format="isDateFormat"', "datetime"),
        ("to", ' format="isDateFormat"', "datetime"),
    ),
)

# Order follow-up resources the connector reads and writes (customer service threads and their
# messages, credit slips, regions) have no capture: fields, formats, sizes and links from the 8.1
# ObjectModel definitions of CustomerThread, CustomerMessage, OrderSlip and State, in their order.
HAND_FIELDS["customer_threads"] = (
    "customer_thread",
    _hand_fields(
        ("id_lang", ' required="true" format="isUnsignedId"', "int"),
        ("id_contact", ' required="true" format="isUnsignedId"', "int"),
        ("id_shop", ' format="isUnsignedId"', "int"),
        ("id_customer", ' format="isUnsignedId"', "int"),
        ("id_order", ' format="isUnsignedId"', "int"),
        ("id_product", ' format="isUnsignedId"', "int"),
        ("email", ' maxSize="255" format="isEmail"', "str"),
        ("token", ' required="true" format="isGenericName"', "str"),
        ("status", "", "str"),
        ("date_add", ' format="isDate"', "datetime"),
        ("date_upd", ' format="isDate"', "datetime"),
    ),
)
HAND_FIELDS["customer_messages"] = (
    "customer_message",
    _hand_fields(
        ("id_employee", ' format="isUnsignedId"', "int"),
        ("id_customer_thread", "", "int"),
        ("ip_address", ' maxSize="15" format="isIp2Long"', "str"),
        ("message", ' required="true" maxSize="16777216" format="isCleanHtml"', "str"),
        ("file_name", "", "str"),
        ("user_agent", "", "str"),
        ("private", "", "int"),
        ("date_add", ' format="isDate"', "datetime"),
        ("date_upd", ' format="isDate"', "datetime"),
        ("read", ' format="isBool"', "bool"),
    ),
)
HAND_FIELDS["order_slip"] = (
    "order_slip",
    _hand_fields(
        ("id_customer", ' required="true" format="isUnsignedId"', "int"),
        ("id_order", ' required="true" format="isUnsignedId"', "int"),
        ("conversion_rate", ' required="true" format="isFloat"', "dec6"),
        ("total_products_tax_excl", ' required="true" format="isFloat"', "dec6"),
        ("total_products_tax_incl", ' required="true" format="isFloat"', "dec6"),
        ("total_shipping_tax_excl", ' required="true" format="isFloat"', "dec6"),
        ("total_shipping_tax_incl", ' required="true" format="isFloat"', "dec6"),
        ("amount", ' format="isFloat"', "dec6"),
        ("shipping_cost", "", "int"),
        ("shipping_cost_amount", ' format="isFloat"', "dec6"),
        ("partial", "", "int"),
        ("date_add", ' format="isDate"', "datetime"),
        ("date_upd", ' format="isDate"', "datetime"),
        ("order_slip_type", ' format="isUnsignedInt"', "int"),
    ),
)
HAND_FIELDS["states"] = (
    "state",
    _hand_fields(
        ("id_zone", ' required="true" format="isUnsignedId"', "int"),
        ("id_country", ' required="true" format="isUnsignedId"', "int"),
        ("iso_code", ' required="true" maxSize="7" format="isStateIsoCode"', "str"),
        ("name", ' required="true" maxSize="80" format="isGenericName"', "str"),
        ("active", ' format="isBool"', "bool"),
    ),
)

# Their webservice associations (`$webserviceParameters['associations']`).
HAND_ASSOCIATIONS: dict[str, tuple[AssocDef, ...]] = {
    "customer_threads": (
        AssocDef("customer_messages", "customer_message", "customer_messages", (AssocFieldDef("id"),)),
    ),
    "order_slip": (
        AssocDef(
            "order_slip_details",
            "order_slip_detail",
            None,
            (
                AssocFieldDef("id"),
                AssocFieldDef("id_order_detail", ' required="true"'),
                AssocFieldDef("product_quantity", ' required="true"'),
                AssocFieldDef("amount_tax_excl", ' required="true"', json="str"),
                AssocFieldDef("amount_tax_incl", ' required="true"', json="str"),
            ),
        ),
    ),
}

# `objectsNodeName` where it is not the resource name: OrderSlip declares `order_slips`, so its
# lists (XML root element, JSON key) are `order_slips` while the URL says `order_slip`.
LIST_NODES = {"order_slip": "order_slips"}

HAND_LINKS = {
    ("customer_threads", "id_lang"): "languages",
    ("customer_threads", "id_shop"): "shops",
    ("customer_threads", "id_customer"): "customers",
    ("customer_threads", "id_order"): "orders",
    ("customer_threads", "id_product"): "products",
    ("customer_messages", "id_employee"): "employees",
    ("customer_messages", "id_customer_thread"): "customer_threads",
    ("order_slip", "id_customer"): "customers",
    ("order_slip", "id_order"): "orders",
    ("states", "id_zone"): "zones",
    ("states", "id_country"): "countries",
    ("shop_urls", "id_shop"): "shops",
    ("specific_price_rules", "id_shop"): "shops",
    ("specific_price_rules", "id_country"): "countries",
    ("specific_price_rules", "id_currency"): "currencies",
    ("specific_price_rules", "id_group"): "groups",
}

STAMPS = frozenset({"id", "date_add", "date_upd"})

# Per-resource behaviour observed in the captures (04-writes, 04c-errors, 07-multistore).
BEHAVIOUR: dict[str, dict] = {
    "addresses": {"class_name": "Address"},
    "attachments": {"class_name": "Attachment"},
    "carriers": {"class_name": "Carrier"},
    "cart_rules": {"class_name": "CartRule"},
    "carts": {"class_name": "Cart"},
    "categories": {
        "class_name": "Category",
        "defaults": {"id_shop_default": "1"},
        "echo_keep": {"level_depth", "nb_products_recursive", "id_shop_default"},
        "computed": {"nb_products_recursive"},
        "echo_numbers": {"level_depth", "nb_products_recursive"},
    },
    "combinations": {
        "class_name": "Combination",
        "defaults": {"default_on": "", "low_stock_threshold": None},
        "echo_keep": frozenset(),
    },
    "configurations": {"class_name": "Configuration"},
    "countries": {"class_name": "Country"},
    "currencies": {"class_name": "Currency", "computed": {"name"}},
    "customer_messages": {"class_name": "CustomerMessage"},
    "customer_threads": {"class_name": "CustomerThread"},
    "customers": {
        "class_name": "Customer",
        "defaults": {"id_shop": "1", "id_shop_group": "1", "id_default_group": "3", "id_lang": "1"},
        "echo_keep": {"last_passwd_gen", "secure_key", "passwd", "id_shop", "id_shop_group"},
    },
    "groups": {"class_name": "Group"},
    "image_types": {"class_name": "ImageType", "methods": frozenset({"GET", "HEAD"})},
    "languages": {"class_name": "Language"},
    "manufacturers": {"class_name": "Manufacturer"},
    "order_carriers": {"class_name": "OrderCarrier"},
    "order_cart_rules": {"class_name": "OrderCartRule"},
    "order_details": {"class_name": "OrderDetail"},
    "order_histories": {"class_name": "OrderHistory", "defaults": {"id_employee": "0"}},
    "order_invoices": {"class_name": "OrderInvoice"},
    "order_payments": {"class_name": "OrderPayment", "defaults": {"id_employee": ""}},
    "order_slip": {"class_name": "OrderSlip"},
    "order_states": {"class_name": "OrderState"},
    "orders": {"class_name": "Order", "computed": {"shipping_number"}, "echo_stamps": False},
    "product_feature_values": {"class_name": "FeatureValue"},
    "product_features": {"class_name": "Feature"},
    "product_option_values": {"class_name": "ProductAttribute", "echo_keep": {"position"}},
    "product_options": {"class_name": "AttributeGroup", "echo_keep": {"position"}},
    "products": {
        "class_name": "Product",
        "defaults": {
            "condition": "new",
            "visibility": "both",
            "id_shop_default": "1",
            "low_stock_threshold": None,
            "new": None,
        },
        "echo_keep": {
            "id_default_combination",
            "position_in_category",
            "type",
            "id_shop_default",
            "condition",
            "visibility",
        },
        "computed": {
            "manufacturer_name",
            "quantity",
            "type",
            "id_default_image",
            "id_default_combination",
            "position_in_category",
            "cache_default_attribute",
            "new",
        },
    },
    "shop_groups": {"class_name": "ShopGroup"},
    "shop_urls": {"class_name": "ShopUrl"},
    "shops": {"class_name": "Shop"},
    "specific_prices": {"class_name": "SpecificPrice"},
    "specific_price_rules": {"class_name": "SpecificPriceRule"},
    "states": {"class_name": "State"},
    "stock_availables": {
        "class_name": "StockAvailable",
        "methods": frozenset({"GET", "HEAD", "PUT", "PATCH"}),
    },
    "tax_rule_groups": {"class_name": "TaxRulesGroup"},
    "tax_rules": {"class_name": "TaxRule"},
    "taxes": {"class_name": "Tax"},
    "zones": {"class_name": "Zone"},
}

DESCRIPTIONS: dict[str, str] = {str(name): str(desc) for name, desc, _ in ROOT_RESOURCES}
HAS_SCHEMA: dict[str, bool] = {str(name): bool(has) for name, _, has in ROOT_RESOURCES}


def _build(name: str) -> ResourceDef:
    behaviour = BEHAVIOUR[name]
    node: str
    if name in CAPTURED:
        spec = CAPTURED[name]
        node, fields, assocs = str(spec["node"]), _captured_fields(spec), _captured_associations(spec)
    else:
        node, fields = HAND_FIELDS[name]
        fields = tuple(FieldDef(**{**f.__dict__, "link": HAND_LINKS.get((name, f.name))}) for f in fields)
        assocs = HAND_ASSOCIATIONS.get(name, ())
    return ResourceDef(
        name=name,
        node=node,
        class_name=behaviour["class_name"],
        description=DESCRIPTIONS.get(name, ""),
        fields=fields,
        associations=assocs,
        methods=behaviour.get("methods", ALL_METHODS),
        defaults=dict(behaviour.get("defaults", {})),
        echo_keep=(STAMPS if behaviour.get("echo_stamps", True) else frozenset({"id"}))
        | frozenset(behaviour.get("echo_keep", ())),
        computed=frozenset(behaviour.get("computed", ())),
        echo_numbers=frozenset(behaviour.get("echo_numbers", ())),
        list_node=LIST_NODES.get(name, ""),
    )


REGISTRY: dict[str, ResourceDef] = {name: _build(name) for name in BEHAVIOUR}
ALL_RESOURCE_NAMES: list[str] = [str(name) for name, _, _ in ROOT_RESOURCES]
