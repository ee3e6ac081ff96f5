"""Captured exchanges with a real PrestaShop 8.1.2, replayed to the connector through ``httpx.MockTransport``.

The ``.http`` files are read from ``../shared/reference/prestashop-8.1.2`` (format in its README): request line, headers, body; status line, headers, the response body byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
from lxml import etree

from tests.reference import PRESTASHOP as CAPTURES
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True)
class CapturedRequest:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


@dataclass(frozen=True)
class CapturedResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def to_httpx(self, request: httpx.Request | None = None) -> httpx.Response:
        headers = [(name, value) for name, value in self.headers
                   if name.lower() not in ("content-length", "connection", "transfer-encoding")]
        return httpx.Response(self.status, headers=headers, content=self.body, request=request)

    def json(self) -> object:
        return json.loads(self.body)


@dataclass(frozen=True)
class Exchange:
    name: str
    request: CapturedRequest
    response: CapturedResponse


def _headers(lines: list[bytes]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


@cache
def load(name: str) -> Exchange:
    """``load("04-writes/058-post-order-history-state2")``"""
    data = (CAPTURES / f"{name}.http").read_bytes()
    request_part, response_part = data.split(b"\n### RESPONSE\n", 1)
    request_part = request_part.split(b"### REQUEST\n", 1)[1]
    request_head, _, request_body = request_part.partition(b"\n\n")
    request_lines = request_head.split(b"\n")
    method, target, _ = request_lines[0].decode().split(" ", 2)
    request_headers = _headers(request_lines[1:])
    length = next((int(value) for key, value in request_headers if key.lower() == "content-length"), None)
    request_body = request_body[:length] if length is not None else request_body.rstrip(b"\n")

    response_head, _, response_body = response_part.partition(b"\n\n")
    response_lines = response_head.split(b"\n")
    status = int(response_lines[0].split(b" ")[1])
    return Exchange(name, CapturedRequest(method, target, request_headers, request_body),
                    CapturedResponse(status, _headers(response_lines[1:]), response_body))


def response(name: str) -> CapturedResponse:
    return load(name).response


def json_body(name: str) -> object:
    return load(name).response.json()


def as_list(resource: str, *names: str) -> CapturedResponse:
    """A list answer made of captured single-record answers (``{"order": {...}}`` → ``{"orders": [...]}``).

    Single records drop their 0/empty fields: feeding them as list rows holds the connector to the
    loosest shape the webservice produces."""
    rows = []
    for name in names:
        payload = json_body(name)
        assert isinstance(payload, dict)
        for value in payload.values():
            rows.extend(value if isinstance(value, list) else [value])
    return CapturedResponse(200, (("Content-Type", "application/json"),), json.dumps({resource: rows}).encode())


def batch_xml(*names: str) -> CapturedResponse:
    """The XML answer of a batch write: the records of single captured answers side by side, as
    PrestaShop answers a multi-record POST/PUT (06-batch-write/006)."""
    root = etree.Element("prestashop", nsmap={"xlink": "http://www.w3.org/1999/xlink"})
    for name in names:
        root.extend(etree.fromstring(load(name).response.body))
    return CapturedResponse(200, (("Content-type", "text/xml;charset=utf-8"),),
                            etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- comparing XML bodies ---------------------------------------------------------------------


def _value(text: str | None) -> object:
    text = (text or "").strip()
    try:
        return Decimal(text) if re.fullmatch(r"-?\d+(\.\d+)?", text) else text
    except InvalidOperation:
        return text


def record_fields(element: etree._Element) -> dict[str, object]:
    """A written record as comparable values: numbers as numbers, languages as {id: text},
    associations as {group: sorted ids}. Whitespace, CDATA and xlink attributes do not count."""
    fields: dict[str, object] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "associations":
            fields["associations"] = {group.tag: sorted(_value(item.findtext("id")) for item in group)
                                      for group in child}
        elif len(child) and all(grand.tag == "language" for grand in child):
            fields[child.tag] = {grand.get("id"): (grand.text or "").strip() for grand in child}
        else:
            fields[child.tag] = _value(child.text)
    return fields


def body_records(body: bytes) -> list[dict[str, object]]:
    """The records of a ``<prestashop>`` write body, each as :func:`record_fields`."""
    return [record_fields(record) for record in etree.fromstring(body)]


def tag_order(body: bytes) -> list[list[str]]:
    return [[child.tag for child in record] for record in etree.fromstring(body)]


# --- serving captures -------------------------------------------------------------------------

Answer = CapturedResponse | httpx.Response | Callable[[httpx.Request], "CapturedResponse | httpx.Response"]


@dataclass
class Route:
    method: str
    path: str
    answer: Answer
    when: Callable[[httpx.Request], bool] = lambda request: True
    times: int | None = None          # None: any number of times
    calls: int = 0


@dataclass
class Router:
    """A ``MockTransport`` handler: the first route matching method, path and predicate answers.

    Every request is recorded; an unexpected one fails the test with its description."""

    routes: list[Route] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)

    def add(self, method: str, path: str, answer: Answer, *, when: Callable[[httpx.Request], bool] | None = None,
            times: int | None = None) -> Router:
        self.routes.append(Route(method, path, answer, when or (lambda request: True), times))
        return self

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for route in self.routes:
            if (route.method == request.method and route.path == request.url.path and route.when(request)
                    and (route.times is None or route.calls < route.times)):
                route.calls += 1
                answer = route.answer(request) if callable(route.answer) else route.answer
                return answer.to_httpx(request) if isinstance(answer, CapturedResponse) else answer
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [request for request in self.requests if request.method == method and request.url.path == path]


def has_params(**expected: str) -> Callable[[httpx.Request], bool]:
    """Predicate: the request's query holds these parameters (``filter_id`` means ``filter[id]``)."""
    wanted = {re.sub(r"^filter_(.+)$", r"filter[\1]", name): value for name, value in expected.items()}
    return lambda request: all(request.url.params.get(name) == value for name, value in wanted.items())


def body_contains(*fragments: str) -> Callable[[httpx.Request], bool]:
    return lambda request: all(fragment.encode() in request.content for fragment in fragments)
