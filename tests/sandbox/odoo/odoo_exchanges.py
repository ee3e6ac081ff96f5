"""The captured Odoo 16.0 / 18.0 exchanges (``reference/odoo-*/exchanges/*.http``), parsed.

Each file holds one request and the answer the real server gave (see ``reference/README.md``). The
bodies are decoded as the protocol says: XML-RPC with ``xmlrpc.client``, JSON-RPC with ``json``.
Tracebacks inside faults were cut by the capture; everything else is byte-exact.
"""

from __future__ import annotations

import json
import re
import xmlrpc.client
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.reference import REFERENCE

VERSIONS = ("16.0", "18.0")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Exchange:
    version: str
    name: str                 # file stem, e.g. "052-xmlrpc-create-sale.order-with-discount-line"
    elapsed_ms: float | None
    path: str
    request_headers: tuple[tuple[str, str], ...]
    request: bytes
    answer: Answer

    @property
    def protocol(self) -> str:
        return "xmlrpc" if self.path.startswith("/xmlrpc") else "jsonrpc"

    @property
    def number(self) -> int:
        return int(self.name.split("-")[0])

    def call(self) -> tuple[str, list[Any]]:
        """(method, args) of the request: ``execute_kw`` args are (db, uid, pwd, model, method, args, kwargs)."""
        if self.protocol == "xmlrpc":
            params, method = xmlrpc.client.loads(self.request, use_builtin_types=True)
            return str(method), list(params)
        payload = json.loads(self.request)["params"]
        return str(payload["method"]), list(payload["args"])

    @property
    def model_method(self) -> str:
        method, args = self.call()
        return f"{args[3]}.{args[4]}" if method == "execute_kw" else method

    def result(self) -> tuple[str, Any]:
        """("result", value) | ("fault", (code, string)) | ("error", data) | ("none", None)."""
        if self.protocol == "xmlrpc":
            try:
                (value,), _ = xmlrpc.client.loads(self.answer.body, use_builtin_types=True)
            except xmlrpc.client.Fault as fault:
                return "fault", (fault.faultCode, fault.faultString)
            return "result", value
        body = json.loads(self.answer.body)
        if "error" in body:
            return "error", body["error"]
        return ("result", body["result"]) if "result" in body else ("none", None)


def _headers(block: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    first, *rest = block.splitlines()
    return first, tuple((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in rest if ":" in line))


def parse(path: Path, version: str) -> Exchange:
    raw = path.read_bytes()
    head, _, rest = raw.partition(b"### REQUEST\n")
    request, _, response = rest.partition(b"### RESPONSE\n")
    request_head, _, request_body = request.partition(b"\n\n")
    response_head, _, response_body = response.partition(b"\n\n")
    line, request_headers = _headers(request_head.decode())
    status_line, response_headers = _headers(response_head.decode())
    elapsed = re.search(rb"# elapsed: ([\d.]+) ms", head)
    return Exchange(version, path.stem, float(elapsed.group(1)) if elapsed else None, line.split()[1],
                    request_headers, request_body.strip(b"\n"),
                    Answer(int(status_line.split()[1]), response_headers, response_body.strip(b"\n")))


@cache
def exchanges(version: str) -> tuple[Exchange, ...]:
    folder = REFERENCE / f"odoo-{version}" / "exchanges"
    return tuple(parse(path, version) for path in sorted(folder.glob("*.http")))


def exchange(version: str, prefix: str) -> Exchange:
    """The exchange whose name starts with ``prefix`` (its number, e.g. "052")."""
    return next(e for e in exchanges(version) if e.name.startswith(prefix))


def common(version: str) -> dict[str, Any]:
    return json.loads((REFERENCE / f"odoo-{version}" / "common.json").read_text(encoding="utf-8"))


def fields_get(version: str, model: str) -> dict[str, Any]:
    return json.loads((REFERENCE / f"odoo-{version}" / "fields_get" / f"{model}.json").read_text(encoding="utf-8"))
