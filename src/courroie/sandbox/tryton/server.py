"""A real ``trytond`` process serving copies of the template over JSON-RPC on a loopback port.

    with TrytonServer.start(data_dir, databases=["demo"]) as erp:
        erp.url, erp.database, erp.user, erp.password, erp.application_key
        db = erp.add_database()          # a fresh copy, served at once

Two trytond 8.2 behaviours shape this class:

- the first request to a database whose pool is not loaded must not be ``common.db.login``
  (``KeyError 'res.user'`` until restart), so every database is *warmed* before use;
- the server caches its list of databases per ``Host`` header for the session timeout, so a file
  copied after start answers 404 for a while. The warm-up request therefore carries a ``Host``
  never used before: trytond lists the databases afresh for it, loads the new pool, and from then
  on the database is served whatever the ``Host`` (a loaded pool skips the list check).
"""

from __future__ import annotations

import ctypes
import itertools
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from . import contract
from .template import TemplateInfo, copy_database, ensure_template

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class TrytonDatabase:
    """How a client reaches one database of a running server."""

    url: str  # server root, e.g. "http://127.0.0.1:38123/"
    name: str
    user: str
    password: str
    application_key: str  # REST: "Authorization: Bearer <key>"
    company_id: int

    @property
    def rpc_url(self) -> str:
        return f"{self.url}{self.name}/rpc/"

    @property
    def rest_url(self) -> str:
        return f"{self.url}{self.name}/rest/"


class TrytonServer:
    """One ``trytond`` process; stop it with :meth:`stop` or a ``with`` block."""

    def __init__(self, process: subprocess.Popen[bytes], data_dir: Path, port: int,
                 template: TemplateInfo) -> None:  # fmt: skip
        self.process = process
        self.data_dir = data_dir
        self.port = port
        self.template = template
        self.url = f"http://127.0.0.1:{port}/"
        self.databases: list[str] = []
        self._warmups = itertools.count()
        self._client = httpx.Client(timeout=60)
        self._application_keys: dict[str, str] = {}

    # -- life cycle ------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        data_dir: Path,
        databases: Sequence[str] = ("courroie",),
        *,
        template: TemplateInfo | None = None,
        n_products: int = contract.DEFAULT_N_PRODUCTS,
        reset: bool = True,
        timeout: float = 60,
    ) -> TrytonServer:
        """Copy the template into ``data_dir`` as each of ``databases`` and serve them.

        ``reset=False`` keeps database files that already exist (a demo that survives restarts).
        """
        data_dir = Path(data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        template = template or ensure_template(n_products)
        for name in databases:
            path = _database_file(data_dir, name)
            if reset or not path.exists():
                copy_database(template.path, path)
        server = cls._serve(data_dir, template, timeout)
        try:
            for name in databases:
                server._warm(name)
        except BaseException:
            server.stop()
            raise
        return server

    @classmethod
    def _serve(cls, data_dir: Path, template: TemplateInfo, timeout: float, attempts: int = 3) -> TrytonServer:
        """Spawn trytond on a free port; retry if another process took the port meanwhile."""
        for attempt in range(attempts):
            port = _free_port()
            server = cls(_spawn(data_dir, port), data_dir, port, template)
            try:
                server._wait_ready(timeout)
                return server
            except RuntimeError:
                server.stop()
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def stop(self, timeout: float = 10) -> None:
        self._client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> TrytonServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- databases -------------------------------------------------------------------------

    def add_database(self, name: str | None = None) -> TrytonDatabase:
        """Copy the template as a new database, load it in the server, return its details."""
        name = name or self._unused_name()
        if name in self.databases:
            raise ValueError(f"database {name!r} already exists")
        copy_database(self.template.path, _database_file(self.data_dir, name))
        self._warm(name)
        return self.connection(name)

    def _unused_name(self) -> str:
        for number in itertools.count(len(self.databases) + 1):
            name = f"db{number}"
            if name not in self.databases and not _database_file(self.data_dir, name).exists():
                return name
        raise AssertionError("unreachable")

    def connection(self, name: str | None = None) -> TrytonDatabase:
        name = name or self.database
        return TrytonDatabase(
            url=self.url,
            name=name,
            user=self.template.login,
            password=self.template.password,
            application_key=self._application_keys[name],
            company_id=self.template.company_id,
        )

    @property
    def database(self) -> str:
        """The first database (the one of ``start(databases=[...])``)."""
        if not self.databases:
            raise LookupError("the server serves no database yet: call add_database()")
        return self.databases[0]

    @property
    def user(self) -> str:
        return self.template.login

    @property
    def password(self) -> str:
        return self.template.password

    @property
    def application_key(self) -> str:
        return self._application_keys[self.database]

    def rss_bytes(self) -> int:
        """Resident memory of the trytond process (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    # -- internals -------------------------------------------------------------------------

    def _post(self, path: str, method: str, params: list[object], host: str | None = None) -> httpx.Response:
        headers = {"Host": host} if host else {}
        body = {"id": 0, "method": method, "params": params}
        return self._client.post(f"{self.url}{path}", json=body, headers=headers)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"trytond exited with {self.process.returncode}: {self._log_tail()}")
            try:
                if self._post("rpc/", "common.server.version", []).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"trytond not ready after {timeout} s: {self._log_tail()}")

    def _warm(self, name: str) -> None:
        """Load the database's pool through a request whose Host has no cached database list."""
        host = f"warmup-{next(self._warmups)}.invalid:{self.port}"
        response = self._client.get(f"{self.url}{name}/r/warmup", headers={"Host": host})
        if response.status_code not in (200, 404):  # 404: the pool is loaded, no such route
            raise RuntimeError(f"cannot load database {name!r}: HTTP {response.status_code}")
        check = self._post(f"{name}/rpc/", "common.db.login",
                           [self.user, {"password": self.password}, "en"])  # fmt: skip
        if check.status_code != 200 or "error" in check.json():
            raise RuntimeError(f"cannot log into {name!r}: {check.status_code} {check.text[:500]}")
        self._application_keys[name] = _application_key(_database_file(self.data_dir, name))
        self.databases.append(name)

    def _log_tail(self) -> str:
        log = self.data_dir / "trytond.log"
        return log.read_text()[-3000:] if log.exists() else ""


def _database_file(data_dir: Path, name: str) -> Path:
    if not _NAME.match(name):
        raise ValueError(f"invalid database name {name!r}")
    return data_dir / f"{name}.sqlite"


def _application_key(path: Path) -> str:
    """The admin's REST key as stored in the database (a kept demo database may predate the
    current template)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = connection.execute(
            "SELECT a.key FROM res_user_application a JOIN res_user u ON u.id = a.user"
            " WHERE u.login = ? AND a.application = 'rest' AND a.state = 'validated'"
            " ORDER BY a.id LIMIT 1",
            (contract.ADMIN_LOGIN,),
        ).fetchone()
    finally:
        connection.close()
    return str(row[0]) if row else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    config = data_dir / "trytond.conf"
    config.write_text(
        "[database]\n"
        "uri = sqlite://\n"
        f"path = {data_dir}\n"
        "language = en\n"
        "[web]\n"
        f"listen = 127.0.0.1:{port}\n"
        "[session]\n"
        # Loopback clients of the tests log in often: keep trytond's brute-force guard out of the way.
        "max_attempt = 1000\n"
        f"{contract.ATTACHMENTS_IN_DATABASE}"
    )
    env = {**os.environ, "TRYTOND_CONFIG": str(config)}
    command = [sys.executable, "-m", "trytond.cli", "-c", str(config)]
    with (data_dir / "trytond.log").open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)  # fmt: skip


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the thread that started us dies (no orphan servers
    after a killed test run). Linux only; elsewhere the server must be stopped explicitly."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass
