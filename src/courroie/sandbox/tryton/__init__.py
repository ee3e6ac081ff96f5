"""A real Tryton 8.2 ERP for the demo and the tests: cached template databases, a trytond server.

Importing this package does not import trytond (seeding runs in a subprocess, see :mod:`.build`).
The data contract is documented in :mod:`.seed`.
"""

from .contract import ADMIN_LOGIN, ADMIN_PASSWORD, DEFAULT_N_PRODUCTS, MODULES, WAREHOUSES
from .server import TrytonDatabase, TrytonServer
from .template import TemplateInfo, cache_dir, copy_database, ensure_template

__all__ = [
    "ADMIN_LOGIN",
    "ADMIN_PASSWORD",
    "DEFAULT_N_PRODUCTS",
    "MODULES",
    "WAREHOUSES",
    "TemplateInfo",
    "TrytonDatabase",
    "TrytonServer",
    "cache_dir",
    "copy_database",
    "ensure_template",
]
