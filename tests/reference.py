"""Where the real exchanges captured from PrestaShop, Odoo and others live: `../shared/reference/` beside
the repository (`COURROIE_REFERENCE` points elsewhere)."""

from __future__ import annotations

import os
from pathlib import Path

REFERENCE = Path(os.environ.get("COURROIE_REFERENCE", Path(__file__).resolve().parents[2] / "shared" / "reference"))
PRESTASHOP = REFERENCE / "prestashop-8.1.2"
