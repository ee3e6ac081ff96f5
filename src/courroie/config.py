"""The configuration file: one YAML file drives one ERP and all its shops.

Every key is validated (pydantic); an error names the file, the key, the line and what was expected.
Secrets are written ``${VARIABLE}`` and come from the environment; they are registered for masking
and never printed.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from croniter import croniter
from pydantic import BaseModel, SecretStr, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from courroie import secrets
from courroie.connectors.protocols import PRODUCT_FIELDS
from courroie.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float:
    """``30s``, ``10m``, ``1h``, ``1d`` or a number of seconds → seconds."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"expected a duration such as 30s, 10m, 1h or 1d, got {value!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


Seconds = Annotated[float, BeforeValidator(parse_duration)]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FlowSchedule(Settings):
    """When `courroie run` runs a flow: every N seconds, or at cron times (the machine's local time);
    neither means only by hand (`courroie sync`)."""

    every: Seconds | None = Field(None, gt=0)
    cron: str | None = None
    reconcile: Seconds | None = Field(None, gt=0)     # stock: how often to read back what shops show

    @model_validator(mode="after")
    def _one_rhythm(self) -> FlowSchedule:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either every or cron, not both")
        if self.cron is not None and not croniter.is_valid(self.cron):
            raise ValueError(f"cron is not a cron expression (minute hour day month weekday): {self.cron!r}")
        return self


FLOW_DEFAULTS: dict[str, dict[str, Any]] = {
    "orders": {"every": 30}, "stock": {"every": 10, "reconcile": 3600}, "status": {"every": 60},
    "prices": {"cron": "0 3 * * *"}, "catalog": {"cron": "0 2 * * *"},
}


def _over(base: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """A schedule written in the file keeps what it does not mention of ``base`` (``stock: {every: 5s}``
    keeps its hourly reconciliation), but a new rhythm replaces the old one (``cron`` drops ``every``)."""
    if {"every", "cron"} & set(given):
        base = {k: v for k, v in base.items() if k not in ("every", "cron")}
    return base | given


class FlowsConfig(Settings):
    orders: FlowSchedule = FlowSchedule(**FLOW_DEFAULTS["orders"])
    stock: FlowSchedule = FlowSchedule(**FLOW_DEFAULTS["stock"])
    status: FlowSchedule = FlowSchedule(**FLOW_DEFAULTS["status"])
    prices: FlowSchedule = FlowSchedule(**FLOW_DEFAULTS["prices"])
    catalog: FlowSchedule = FlowSchedule(**FLOW_DEFAULTS["catalog"])

    @model_validator(mode="before")
    @classmethod
    def _keep_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {flow: {} if given is None else _over(FLOW_DEFAULTS.get(flow, {}), given)
                if isinstance(given, dict) else given for flow, given in data.items()}   # null: by hand only


class ShopFlows(Settings):
    """A shop's own rhythm for some flows; the others follow the top-level ``flows``."""

    orders: FlowSchedule | None = None
    stock: FlowSchedule | None = None
    status: FlowSchedule | None = None
    prices: FlowSchedule | None = None
    catalog: FlowSchedule | None = None


class StockSettings(Settings):
    """What a shop may sell: ``max(0, ⌊available over locations − orders not yet in the ERP − safety⌋)``
    (see ``courroie.flows.stock``). Categories are named by ERP key or name and include their
    sub-categories; a SKU's own rule wins over its categories', the largest category buffer wins."""

    locations: list[str] = Field(default_factory=list, description="ERP warehouse codes feeding this shop")
    safety: int = Field(0, ge=0, description="units held back from every article")
    safety_by_sku: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    safety_by_category: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    # Out of stock: allow back-orders (true) or not (false). By SKU first, then what the ERP says of the
    # article, then its categories (refusal wins), then ``backorders``; null leaves the shop's own setting.
    backorders: bool | None = None
    backorders_by_sku: dict[str, bool] = Field(default_factory=dict)
    backorders_by_category: dict[str, bool] = Field(default_factory=dict)
    stores: list[str] = Field(default_factory=list, description="ERP locations of physical stores, for the "
                                                               "store stock lookup (GET /api/v1/stock/SKU?store=CODE)")
    # Read the shop's new orders (and import them) before pushing stock, so that a unit the shop sold
    # since the last orders run is never offered again by a push made before that order was seen.
    orders_first: bool = True


class CustomerGroupTerms(Settings):
    """What a shop customer group (B2B / B2C) decides in the ERP; names as the ERP knows them."""

    price_list: str | None = None
    payment_term: str | None = None
    customer_category: str | None = None


class ApprovalRules(Settings):
    """Orders matching any rule wait (``on_hold``) until ``courroie orders approve`` lets them through."""

    customer_groups: list[str] = Field(default_factory=list)
    amount_above: Decimal | None = Field(None, ge=0, description="total tax included")
    new_customers: bool = False           # the customer is not yet known to the ERP


class OrderSettings(Settings):
    overlap: Seconds = 600                # look-back window of the order cursor
    # Guest checkouts: a customer per e-mail like any other, or all on one generic ERP customer
    # (named by its e-mail in ``generic_customer``).
    guests: Literal["per_email", "generic"] = "per_email"
    generic_customer: str | None = None
    vouchers_as: Literal["lines", "global"] = "lines"     # cart rules: one discount line each, or one
    payment_journals: dict[str, str] = Field(default_factory=dict)    # shop payment method → ERP journal
    # Orders the shop has not been paid for yet (bank transfer, cheque): imported as an unconfirmed
    # quotation, held until the shop marks them paid, or imported like any other.
    unpaid: Literal["quotation", "wait", "import"] = "quotation"
    customer_groups: dict[str, CustomerGroupTerms] = Field(default_factory=dict)   # shop group name → terms
    approval: ApprovalRules = ApprovalRules()
    # Cancellations made in the shop after import: cancel the ERP sale too, or block it for review.
    # Edits and refunds after import are always blocked for review: the ERP sale may be shipped already.
    after_import_cancel: Literal["apply", "review"] = "review"
    tell_shop: bool = True                # a private note on held and blocked orders, and their mapped state

    @model_validator(mode="after")
    def _generic_named(self) -> OrderSettings:
        if self.guests == "generic" and not self.generic_customer:
            raise ValueError("guests: generic needs generic_customer (the e-mail of the ERP customer)")
        return self


Ownership = Literal["always", "on_create", "never"]

# Who owns each product field once the product exists in a shop: the ERP (``always``), the merchant after
# the ERP seeded it (``on_create``: descriptions are enriched in the shop), or the merchant alone (``never``).
DEFAULT_OWNERSHIP: dict[str, Ownership] = {field: "always" for field in PRODUCT_FIELDS} | {
    "description": "on_create", "short_description": "on_create", "images": "always", "documents": "always"}


class AssortmentSettings(Settings):
    """Which ERP products a shop sells. Categories are named by ERP key or name and include their
    sub-categories; every list left empty selects everything."""

    categories: list[str] = Field(default_factory=list)
    exclude_categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    skus: list[str] = Field(default_factory=list)
    exclude_skus: list[str] = Field(default_factory=list)


class CatalogSettings(Settings):
    assortment: AssortmentSettings = AssortmentSettings()
    # ERP category (key or name) → shop category id it is merged into, or null to leave it out of the shop.
    category_map: dict[str, str | None] = Field(default_factory=dict)
    on_leave: Literal["deactivate", "delete"] = "deactivate"   # a product leaving the ERP or the assortment
    # Per-SKU overrides of canonical fields for this shop only, e.g. {"MOT-1": {"name": {"fr": "…"}}}.
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)


class GroupingSettings(Settings):
    """How flat ERP articles become one product with combinations (see ``courroie.sync.grouping``)."""

    pattern: str | None = None            # regular expression on the reference, with a ``parent`` group
    field: str | None = None              # or: the free ERP field holding the parent reference
    attributes: list[str] = Field(default_factory=list)   # with ``field``: fields holding attribute values

    @model_validator(mode="after")
    def _one_rule(self) -> GroupingSettings:
        if bool(self.pattern) == bool(self.field):
            raise ValueError("give either pattern or field")
        if self.pattern:
            try:
                compiled = re.compile(self.pattern)
            except re.error as error:
                raise ValueError(f"pattern is not a regular expression: {error}") from None
            if "parent" not in compiled.groupindex:
                raise ValueError("pattern needs a named group (?P<parent>…)")
        return self


class PriceSettings(Settings):
    base: str | None = None               # ERP price list giving this shop's base price; None = list price
    lists: list[str] = Field(default_factory=list)   # ERP price lists published as customer-group prices
    promotions: bool = True               # publish ERP campaigns and coupons


class ShopSettings(Settings):
    """What the hub decides for a shop; the connector's own keys (url, key…) sit beside these."""

    stock: StockSettings = StockSettings()
    orders: OrderSettings = OrderSettings()
    catalog: CatalogSettings = CatalogSettings()
    prices: PriceSettings = PriceSettings()
    ownership: dict[str, Ownership] = Field(default_factory=dict)
    flows: ShopFlows = ShopFlows()

    @field_validator("ownership")
    @classmethod
    def _known_fields(cls, ownership: dict[str, Ownership]) -> dict[str, Ownership]:
        return _check_fields(ownership)


class ShopEntry(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    name: str
    type: str
    hub: ShopSettings
    connector: Any                        # the connector's validated config model


class ErpEntry(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    type: str
    connector: Any


class ApiSettings(Settings):
    """Keys of the HTTP API served by `courroie run` (the store stock lookup); none: the API is off."""

    keys: list[SecretStr] = Field(default_factory=list)


class ConsoleSettings(Settings):
    """The web console served by `courroie run` and `courroie console`."""

    idle_timeout: Seconds = Field(1800, gt=0)           # signed out after this long without a request
    absolute_timeout: Seconds = Field(12 * 3600, gt=0)  # and after this long in any case
    # Cookies marked Secure: "auto" when the request came over HTTPS (directly or as a reverse proxy's
    # X-Forwarded-Proto says, see --proxy-headers), always, or never (plain HTTP on a trusted network).
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    sign_in_attempts: str = "5/minute"                  # per user name and per address (limits' notation)


class HubConfig(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    path: Path | None = None
    store: str
    erp: ErpEntry
    shops: list[ShopEntry]
    flows: FlowsConfig = FlowsConfig()
    concurrency: int = 4
    ownership: dict[str, Ownership] = Field(default_factory=dict)   # defaults for every shop
    grouping: GroupingSettings | None = None   # for ERPs without variants
    api: ApiSettings = ApiSettings()
    console: ConsoleSettings = ConsoleSettings()

    @field_validator("ownership")
    @classmethod
    def _known_fields(cls, ownership: dict[str, Ownership]) -> dict[str, Ownership]:
        return _check_fields(ownership)

    def ownership_of(self, shop: str) -> dict[str, Ownership]:
        return DEFAULT_OWNERSHIP | self.ownership | self.shop(shop).hub.ownership

    def schedule_of(self, shop: str, flow: str) -> FlowSchedule:
        """The shop's own schedule of a flow (over the defaults), else the top-level one."""
        own = getattr(self.shop(shop).hub.flows, flow)
        if own is None:
            return getattr(self.flows, flow)
        top = getattr(self.flows, flow).model_dump(exclude_none=True)
        return FlowSchedule(**_over(top, own.model_dump(exclude_unset=True)))

    def shop(self, name: str) -> ShopEntry:
        for shop in self.shops:
            if shop.name == name:
                return shop
        raise ConfigError(f"no shop named {name!r} in {self.path}; shops: {', '.join(s.name for s in self.shops)}")

    @field_validator("shops")
    @classmethod
    def _unique_names(cls, shops: list[ShopEntry]) -> list[ShopEntry]:
        names = [s.name for s in shops]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"shop names must be unique: {', '.join(sorted(duplicates))}")
        return shops


def _check_fields(ownership: dict[str, Ownership]) -> dict[str, Ownership]:
    unknown = set(ownership) - PRODUCT_FIELDS
    if unknown:
        raise ValueError(f"unknown product field {sorted(unknown)[0]!r}; fields: {', '.join(sorted(PRODUCT_FIELDS))}")
    return ownership


HUB_SHOP_KEYS = set(ShopSettings.model_fields)
TOP_KEYS = {"store", "erp", "shops", "flows", "concurrency", "ownership", "grouping", "api", "console"}


def load_config(path: Path | str, environ: dict[str, str] | None = None) -> HubConfig:
    path = Path(path)
    environ = dict(os.environ if environ is None else environ)
    try:
        document = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file (write one with `courroie init`)") from None
    except YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, CommentedMap):
        raise ConfigError(f"{path}: expected a mapping at the top (store, erp, shops, flows)")
    return _build(path, document, environ)


def _build(path: Path, document: CommentedMap, environ: dict[str, str]) -> HubConfig:
    from courroie.connectors.registry import ERPS, SHOPS   # connectors know nothing of the config file

    where = _Locator(path, document)
    data = where.substitute(document, environ, ())
    unknown = set(data) - TOP_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise where.error((key,), f"unknown key; expected one of {', '.join(sorted(TOP_KEYS))}")
    erp_data = dict(_required(where, data, ("erp",), dict))
    erp_kind = _kind(where, erp_data, ("erp",), ERPS)
    erp = ErpEntry(type=erp_kind, connector=where.validate(ERPS[erp_kind].config, _without(erp_data, "type"), ("erp",)))
    shops = []
    for index, raw in enumerate(_required(where, data, ("shops",), list)):
        loc = ("shops", index)
        if not isinstance(raw, dict):
            raise where.error(loc, "expected a mapping with name, type, url…")
        kind = _kind(where, raw, loc, SHOPS)
        hub = {k: v for k, v in raw.items() if k in HUB_SHOP_KEYS}
        own = {k: v for k, v in _without(raw, "type").items() if k not in HUB_SHOP_KEYS}
        connector = where.validate(SHOPS[kind].config, own, loc)
        shops.append(ShopEntry(name=connector.name, type=kind, hub=where.validate(ShopSettings, hub, loc),
                               connector=connector))
    top = {k: v for k, v in data.items() if k in TOP_KEYS - {"erp", "shops"}}
    top.setdefault("store", "sqlite:///var/courroie.db")
    return where.validate(HubConfig, {**top, "path": path, "erp": erp, "shops": shops}, ())


def _required(where: _Locator, data: dict, loc: tuple, kind: type) -> Any:
    value = data.get(loc[-1])
    if not isinstance(value, kind):
        raise where.error(loc, f"required: expected a {'list' if kind is list else 'mapping'}")
    return value


def _kind(where: _Locator, data: dict, loc: tuple, registry: dict) -> str:
    kind = data.get("type")
    if kind not in registry:
        raise where.error((*loc, "type"), f"expected one of {', '.join(registry)}, got {kind!r}")
    return kind


def _without(data: dict, key: str) -> dict:
    return {k: v for k, v in data.items() if k != key}


class _Locator:
    """Knows the line of every key of the YAML document, to say where an error is."""

    def __init__(self, path: Path, document: CommentedMap) -> None:
        self.path, self.document = path, document

    def line(self, loc: tuple) -> int | None:
        node, line = self.document, None
        for part in loc:
            try:
                if isinstance(node, CommentedMap) and part in node:
                    line = node.lc.key(part)[0] + 1
                elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                    line = node.lc.item(part)[0] + 1
                else:
                    break
                node = node[part]
            except (KeyError, TypeError, AttributeError):
                break
        return line

    def error(self, loc: tuple, message: str) -> ConfigError:
        key = ".".join(str(p) for p in loc) or "(top)"
        line = self.line(loc)
        at = f", line {line}" if line else ""
        return ConfigError(secrets.redact(f"{self.path}{at}: {key}: {message}"))

    def validate(self, model: type[BaseModel], data: dict, loc: tuple) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            inner = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            raise self.error((*loc, *inner), _expected(first)) from None

    def substitute(self, node: Any, environ: dict[str, str], loc: tuple) -> Any:
        """Plain Python values with ``${VAR}`` replaced; a missing variable is an error at its line."""
        if isinstance(node, dict):
            return {str(k): self.substitute(v, environ, (*loc, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [self.substitute(v, environ, (*loc, i)) for i, v in enumerate(node)]
        if isinstance(node, str):
            return _ENV.sub(lambda m: self._variable(m.group(1), environ, loc), node)
        return node

    def _variable(self, name: str, environ: dict[str, str], loc: tuple) -> str:
        if name not in environ:
            raise self.error(loc, f"environment variable {name} is not set")
        secrets.register(environ[name])
        return environ[name]


def _expected(error: dict) -> str:
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling and indentation)"
    if error["type"] == "missing":
        return "required key is missing"
    value = error.get("input")
    if isinstance(value, str | int | float) and error["type"] not in ("missing",):
        shown = value if not isinstance(value, str) or len(value) < 60 else value[:57] + "…"
        return f"{message} (got {shown!r})"
    return message
