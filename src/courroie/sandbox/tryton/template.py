"""Build once, copy many: cached template databases of the sandbox Tryton.

Two layers, each cached as ``<cache>/<name>-<key>.sqlite`` plus a ``.json`` of metadata:

- ``base``: the modules of :data:`contract.MODULES` activated with en+fr, and the company set up
  (:func:`seed.seed_base`) — the slow part, ~25–40 s;
- ``catalog-<n>``: a copy of ``base`` with the catalog of ``n`` SKUs (:func:`seed.seed_catalog`);
  ``catalog-<n>-<shape slug>`` with a shaped one (the benchmark's, :class:`catalog.Shape`).

The key hashes the installed ``trytond*`` distributions, the module list, :data:`SEED_VERSION`,
the sandbox's own source files, the product count, the shape if any, the random seed and the year
(fiscal years are created around the build year). The cache directory is ``$COURROIE_CACHE/tryton`` or
``~/.cache/courroie/tryton``. Builds take a file lock, so parallel test workers build once.
Databases are copied with SQLite's backup API (they run in WAL mode: never ``cp`` a live one).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import contract
from .catalog import Shape

_SOURCES = ("build.py", "catalog.py", "contract.py", "seed.py")  # what shapes the data


@dataclass(frozen=True)
class TemplateInfo:
    """A cached template database and what a client needs to log into its copies."""

    path: Path
    key: str
    n_products: int  # 0 for the base template
    company_id: int
    application_key: str  # REST key of the admin user (res.user.application)
    build_seconds: float
    built_on: str  # ISO date
    login: str = contract.ADMIN_LOGIN
    password: str = contract.ADMIN_PASSWORD

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "path": str(self.path)}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> TemplateInfo:
        data = json.loads(text)
        return cls(**{**data, "path": Path(data["path"])})


def cache_dir() -> Path:
    root = os.environ.get("COURROIE_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "courroie"
    return base / "tryton"


def trytond_versions() -> dict[str, str]:
    """Installed trytond and trytond-* distributions, name -> version."""
    versions = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name == "trytond" or name.startswith("trytond-"):
            versions[name] = dist.version
    return dict(sorted(versions.items()))


def template_key(n_products: int, seed: int, year: int, shape: Shape | None = None) -> str:
    here = Path(__file__).parent
    sources = hashlib.sha256(b"".join((here / name).read_bytes() for name in _SOURCES))
    material = {
        "trytond": trytond_versions(),
        "modules": contract.MODULES,
        "seed_version": contract.SEED_VERSION,
        "sources": sources.hexdigest(),
        "n_products": n_products,
        "seed": seed,
        "year": year,
    }
    if shape:  # only then: the keys of default templates stay as they were
        material["shape"] = asdict(shape)
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


def copy_database(source: Path, destination: Path) -> Path:
    """Copy a SQLite database with the backup API (consistent even if ``source`` is live)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{destination}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return destination


def _set_rollback_journal(path: Path) -> None:
    """Store templates out of WAL mode, so reading them never leaves -wal/-shm files behind
    (trytond switches each copy back to WAL when it opens it)."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()


def ensure_template(
    n_products: int = contract.DEFAULT_N_PRODUCTS,
    *,
    seed: int = contract.RANDOM_SEED,
    cache: Path | None = None,
    today: dt.date | None = None,
    shape: Shape | None = None,
) -> TemplateInfo:
    """Return the cached template with ``n_products`` SKUs (0: company only) of the catalog shaped by
    ``shape`` (None: the default one), building it if needed."""
    cache = cache or cache_dir()
    today = today or dt.date.today()
    name = f"catalog-{n_products}" if n_products else "base"
    if n_products and shape:
        name += f"-{shape.slug}"  # its own name: pruning old builds never touches the default's
    key = template_key(n_products, seed, today.year, shape if n_products else None)
    meta = cache / f"{name}-{key}.json"
    with _locked(cache / f"{name}-{key}.lock"):
        if meta.exists():
            os.utime(meta)  # "last used", for _prune
            return TemplateInfo.from_json(meta.read_text())
        base = None if not n_products else ensure_template(0, seed=seed, cache=cache, today=today)
        info = _build(cache, name, key, n_products, seed, today, base, shape)
        meta.write_text(info.to_json())
    _prune(cache, name, keep=key)
    return info


def _prune(cache: Path, name: str, keep: str, max_age: float = 86400) -> None:
    """Delete builds of the same template under other keys, once unused for a day (a running
    server may still copy from the one it started with) and if nobody is building them."""
    for meta in cache.glob(f"{name}-*.json"):
        key = meta.stem[len(name) + 1 :]
        if key == keep or time.time() - meta.stat().st_mtime < max_age:
            continue
        lock = cache / f"{name}-{key}.lock"
        with lock.open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            for suffix in (".json", ".log", ".sqlite", ".sqlite-wal", ".sqlite-shm"):
                (cache / f"{name}-{key}{suffix}").unlink(missing_ok=True)
        lock.unlink(missing_ok=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(
    cache: Path,
    name: str,
    key: str,
    n_products: int,
    seed: int,
    today: dt.date,
    base: TemplateInfo | None,
    shape: Shape | None = None,
) -> TemplateInfo:
    """Build in a scratch directory, then publish the database under its final name."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"build-{name}-", dir=cache) as scratch:
        work = Path(scratch)
        args = ["--dir", str(work), "--name", name, "--today", today.isoformat()]
        if base is None:
            result = _run_build("base", args, cache / f"{name}-{key}.log")
        else:
            copy_database(base.path, work / f"{name}.sqlite")
            extra = ["--products", str(n_products), "--seed", str(seed)]
            extra += ["--company", str(base.company_id)]
            if shape:
                extra += ["--variant-share", str(shape.variant_share), "--max-variants", str(shape.max_variants)]
            result = _run_build("catalog", args + extra, cache / f"{name}-{key}.log")
        final = cache / f"{name}-{key}.sqlite"
        tmp_final = work / "final.sqlite"
        copy_database(work / f"{name}.sqlite", tmp_final)  # folds the WAL into one file
        _set_rollback_journal(tmp_final)
        shutil.move(tmp_final, final)
    return TemplateInfo(
        path=final,
        key=key,
        n_products=n_products,
        company_id=int(result.get("company_id", base.company_id if base else 0)),
        application_key=str(result.get("application_key", base.application_key if base else "")),
        build_seconds=round(time.monotonic() - started, 2),
        built_on=today.isoformat(),
    )


def _run_build(stage: str, args: list[str], log: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "courroie.sandbox.tryton.build", stage, *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TRYTOND_CONFIG", None)
    with log.open("w") as stderr:
        completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, env=env, text=True)
    if completed.returncode != 0:
        tail = log.read_text()[-3000:]
        raise RuntimeError(f"Tryton template build ({stage}) failed, see {log}:\n{tail}")
    log.unlink()
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))
