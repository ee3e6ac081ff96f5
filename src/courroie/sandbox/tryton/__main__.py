"""Serve the sandbox Tryton by hand: ``python -m courroie.sandbox.tryton [--dir D] [--products N]``.

Prints the connection details, then serves until Ctrl-C. Databases are kept between runs
(``reset=False``) unless ``--reset`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
from pathlib import Path

from .contract import DEFAULT_N_PRODUCTS
from .server import TrytonServer
from .template import ensure_template


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m courroie.sandbox.tryton")
    parser.add_argument("--dir", type=Path, default=Path("var/tryton"), help="data directory")
    parser.add_argument("--database", default="courroie")
    parser.add_argument("--products", type=int, default=DEFAULT_N_PRODUCTS)
    parser.add_argument("--reset", action="store_true", help="start from a fresh copy of the template")
    args = parser.parse_args()
    template = ensure_template(args.products)
    with TrytonServer.start(args.dir, [args.database], template=template, reset=args.reset) as erp:
        db = erp.connection()
        print(f"url={db.url} database={db.name} user={db.user} password={db.password}")
        print(f"rpc={db.rpc_url} rest={db.rest_url} application_key={db.application_key}")
        print(f"company_id={db.company_id} log={erp.data_dir / 'trytond.log'} — Ctrl-C to stop")
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
