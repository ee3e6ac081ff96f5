"""The one place that names every connector. Adding a system = one folder + one line here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from courroie.connectors.odoo import OdooErp
from courroie.connectors.odoo.config import OdooConfig
from courroie.connectors.prestashop import PrestaShopShop
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.tryton import TrytonErp
from courroie.connectors.tryton.config import TrytonConfig


@dataclass(frozen=True)
class Kind:
    config: type            # pydantic model of the connector's own keys
    connector: Any          # class taking that config


ERPS: dict[str, Kind] = {
    "tryton": Kind(TrytonConfig, TrytonErp),
    "odoo": Kind(OdooConfig, OdooErp),
}

SHOPS: dict[str, Kind] = {
    "prestashop": Kind(PrestaShopConfig, PrestaShopShop),
}
