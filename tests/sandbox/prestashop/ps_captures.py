"""Reader for the captured PrestaShop exchanges (`reference/prestashop-8.1.2/**/*.http`).

File layout (see reference/README.md): optional `# ...` comment lines, `### REQUEST`, request line,
headers, blank line, body, `### RESPONSE`, status line, headers, blank line, body (exact bytes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tests.reference import PRESTASHOP as REFERENCE


@dataclass
class Message:
    start_line: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Exchange:
    path: Path
    notes: list[str]
    request: Message
    response: Message
    trimmed: bool = field(default=False)

    @property
    def method(self) -> str:
        return self.request.start_line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.request.start_line.split(" ")[1]

    @property
    def status(self) -> int:
        return int(self.response.start_line.split(" ")[1])

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def _split_message(raw: bytes) -> Message:
    cuts = [(raw.find(sep), sep) for sep in (b"\n\n", b"\r\n\r\n") if raw.find(sep) >= 0]
    if cuts:
        at, sep = min(cuts)
        head, body = raw[:at], raw[at + len(sep) :]
    else:
        head, body = raw, b""
    lines = head.decode("utf-8", "replace").splitlines()
    headers = []
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers.append((key, value.strip()))
    return Message(lines[0] if lines else "", headers, body)


def load(path: Path) -> Exchange:
    raw = path.read_bytes()
    pre, _, rest = raw.partition(b"### REQUEST\n")
    request_raw, _, response_raw = rest.partition(b"### RESPONSE\n")
    notes = [
        line[len("# NOTE: ") :] for line in pre.decode("utf-8", "replace").splitlines() if line.startswith("# NOTE: ")
    ]
    # The capture script writes a blank line after each body: the request's Content-Length tells.
    request = _split_message(request_raw)
    length = request.header("Content-Length")
    request.body = request.body[: int(length)] if length is not None else request.body.rstrip(b"\n")
    response = _split_message(response_raw)
    trimmed = b"[... TRIMMED" in response.body
    return Exchange(path, notes, request, response, trimmed)


def load_all(folder: str) -> list[Exchange]:
    return [load(p) for p in sorted((REFERENCE / folder).glob("*.http"))]


def find(name: str) -> Exchange:
    """`name` is `<folder>/<file stem>` or `<folder>/<number>`."""
    folder, _, stem = name.partition("/")
    matches = sorted((REFERENCE / folder).glob(f"{stem}*.http"))
    if not matches:
        raise FileNotFoundError(name)
    return load(matches[0])
