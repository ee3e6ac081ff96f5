"""Subprocess entry point that creates or seeds one SQLite database with trytond's Python API.

Run by :mod:`.template` as ``python -m courroie.sandbox.tryton.build``; it lives in its own process
because trytond keeps process-wide state (configuration, pools) that must not leak into the
caller (a test session, the hub). Prints one JSON object on stdout.

    build base    --dir D --name N --today YYYY-MM-DD    # activate modules, seed the company
    build catalog --dir D --name N --today YYYY-MM-DD --products 240 --seed 2026 --company 1
                  [--variant-share 0.3 --max-variants 6]    # a shaped catalog (catalog.Shape)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import contract
from .catalog import Shape


def write_config(data_dir: Path) -> Path:
    """A trytond configuration serving the SQLite files of ``data_dir``."""
    path = data_dir / "trytond.conf"
    path.write_text(
        "[database]\n"
        "uri = sqlite://\n"
        f"path = {data_dir}\n"
        "language = en\n"
        "[web]\n"
        "listen = 127.0.0.1:0\n"
        f"{contract.ATTACHMENTS_IN_DATABASE}"
    )
    return path


def _configure(data_dir: Path) -> None:
    from trytond import config

    os.environ["TRYTOND_CONFIG"] = str(write_config(data_dir))
    config.update_etc(os.environ["TRYTOND_CONFIG"])


def build_base(name: str, today: dt.date) -> dict[str, Any]:
    """Create the database, activate :data:`contract.MODULES` with en+fr, seed the company."""
    from trytond import backend
    from trytond.pool import Pool

    from .seed import run, seed_base

    started = time.monotonic()
    database = backend.Database(name)
    database.connect()
    database.init()
    Pool.start()
    Pool(name).init(update=list(contract.MODULES), lang=list(contract.LANGUAGES), activatedeps=True)
    activated = time.monotonic()
    run(name, _configure_database)
    info = seed_base(name, today)
    return {
        "company_id": info.company_id,
        "application_key": info.application_key,
        "activate_seconds": round(activated - started, 2),
        "seed_seconds": round(time.monotonic() - activated, 2),
    }


def _configure_database() -> None:
    """What trytond-admin does on a new database: languages, series, the admin user."""
    from trytond import __series__
    from trytond.pool import Pool

    pool = Pool()
    Lang = pool.get("ir.lang")
    Lang.write(Lang.search([("code", "in", contract.LANGUAGES)]), {"translatable": True})
    Configuration = pool.get("ir.configuration")
    configuration = Configuration(1)
    configuration.series, configuration.language = __series__, "en"
    configuration.save()
    pool.get("res.user").create([{
        "name": "Administrator", "login": contract.ADMIN_LOGIN, "administrator": True,
        "password": contract.ADMIN_PASSWORD, "email": contract.ADMIN_EMAIL,
    }])  # fmt: skip


def build_catalog(
    name: str, today: dt.date, n_products: int, seed: int, company_id: int, shape: Shape | None = None
) -> dict[str, Any]:
    from trytond.pool import Pool

    from .catalog import build_catalog as make_catalog
    from .seed import seed_catalog

    started = time.monotonic()
    Pool.start()
    Pool(name).init()
    loaded = time.monotonic()
    catalog = make_catalog(n_products, seed, shape=shape)
    seed_catalog(name, company_id, catalog, today)
    return {
        "templates": len(catalog.products),
        "products": sum(len(p.variants) for p in catalog.products),
        "pool_seconds": round(loaded - started, 2),
        "seed_seconds": round(time.monotonic() - loaded, 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="courroie.sandbox.tryton.build")
    parser.add_argument("stage", choices=("base", "catalog"))
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--today", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--products", type=int, default=contract.DEFAULT_N_PRODUCTS)
    parser.add_argument("--seed", type=int, default=contract.RANDOM_SEED)
    parser.add_argument("--company", type=int, default=1)
    parser.add_argument("--variant-share", type=float)
    parser.add_argument("--max-variants", type=int, default=6)
    args = parser.parse_args(argv)
    _configure(args.dir.resolve())
    if args.stage == "base":
        (args.dir / f"{args.name}.sqlite").touch()  # trytond's SQLite backend wants the file
        result = build_base(args.name, args.today)
    else:
        shape = None if args.variant_share is None else Shape(args.variant_share, args.max_variants)
        result = build_catalog(args.name, args.today, args.products, args.seed, args.company, shape)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
