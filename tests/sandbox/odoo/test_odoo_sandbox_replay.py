"""The sandbox answers the captured Odoo 16.0 / 18.0 exchanges as the real servers did.

Each version's exchanges are replayed in the captured order against one sandbox rebuilt in the
captured state (``capture_world``): the request bytes as sent, the answer compared after decoding —
values equal once datetimes are masked, fault codes and messages equal, a traceback compared on its
last line (the one naming the exception; the capture cut the frames). Exchanges whose answer lists
demo records the world does not rebuild are compared on their shape (keys, types, many2one pairs)
and listed in ``SHAPE_ONLY``; any other difference fails.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.sandbox.odoo import capture_world
from tests.sandbox.odoo.odoo_exchanges import VERSIONS, Exchange, exchanges

pytestmark = pytest.mark.odoo

DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$")
# Answers listing Odoo's demo records (products, quants, orders written by its demo data loading).
SHAPE_ONLY = {
    "16.0": {17: "counts the demo products", 18: "counts the demo products", 97: "demo products written",
             98: "demo products written", 99: "demo products", 100: "demo quants", 101: "demo quants",
             102: "demo orders", 103: "demo products"},
    "18.0": {17: "counts the demo products", 18: "counts the demo products", 98: "demo products written",
             99: "demo products written", 100: "demo products", 101: "demo quants", 102: "demo quants",
             103: "demo orders", 104: "demo products"},
}


def _mask(value: Any) -> Any:
    if isinstance(value, str) and DATETIME.match(value):
        return "<datetime>"
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def _last_line(text: str) -> str:
    return [line for line in text.strip().splitlines() if line.strip()][-1]


def _comparable(kind: str, value: Any) -> Any:
    """What must be equal: values (datetimes masked); for a fault, its code and message or the
    traceback's last line; for a JSON-RPC error, its class, message and arguments."""
    if kind == "fault":
        code, text = value
        return code, _last_line(text) if code == 1 else text
    if kind == "error":
        data = value["data"]
        return value["code"], value["message"], data["name"], data["message"], data["arguments"], \
            _last_line(data["debug"]), data["context"]
    return kind, _mask(value)


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str):
            return "many2one"
        return [_shape(value[0])] if value else []
    return "false-or-any" if value is False else type(value).__name__


def _same_shape(expected: Any, actual: Any) -> bool:
    if expected == "false-or-any" or actual == "false-or-any":
        return True
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(_same_shape(expected[k], actual[k]) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return not expected or not actual or _same_shape(expected[0], actual[0])
    return bool(expected == actual)


def replay(client: TestClient, captured: Exchange) -> Exchange:
    headers = {k: v for k, v in captured.request_headers if k.lower() in ("content-type", "user-agent")}
    response = client.post(captured.path, content=captured.request, headers=headers)
    answer = type(captured.answer)(response.status_code, tuple(response.headers.items()), response.content)
    return Exchange(captured.version, captured.name, None, captured.path, captured.request_headers,
                    captured.request, answer)


def replayed(version: str) -> list[tuple[Exchange, Exchange]]:
    sandbox = capture_world.world(version)
    steps = capture_world.setup_steps(version)
    pairs = []
    with TestClient(sandbox) as client:
        for captured in exchanges(version):
            if captured.number in steps:
                steps[captured.number](sandbox)
            pairs.append((captured, replay(client, captured)))
    return pairs


_CACHE: dict[str, list[tuple[Exchange, Exchange]]] = {}


def pairs(version: str) -> list[tuple[Exchange, Exchange]]:
    if version not in _CACHE:
        _CACHE[version] = replayed(version)
    return _CACHE[version]


@pytest.mark.parametrize("version", VERSIONS)
def test_every_captured_exchange_gets_the_same_answer(version):
    differences = []
    for captured, answer in pairs(version):
        kind, value = captured.result()
        got_kind, got = answer.result()
        if captured.number in SHAPE_ONLY[version]:
            same = kind == got_kind and _same_shape(_shape(value), _shape(got))
        else:
            same = _comparable(kind, value) == _comparable(got_kind, got)
        if not same:
            differences.append(f"{captured.name}:\n  captured {_comparable(kind, value)!r}\n"
                               f"  sandbox  {_comparable(got_kind, got)!r}")
    assert not differences, f"{len(differences)} answers differ:\n" + "\n".join(differences)


@pytest.mark.parametrize("version", VERSIONS)
def test_http_answers_look_like_the_version_s_werkzeug(version):
    for captured, answer in pairs(version):
        assert answer.answer.status == captured.answer.status == 200
        assert answer.answer.header("Content-Type") == captured.answer.header("Content-Type"), captured.name
        assert answer.answer.header("Server") == captured.answer.header("Server"), captured.name


@pytest.mark.parametrize("version", VERSIONS)
def test_shape_only_answers_still_share_the_protocol_shape(version):
    """The exchanges compared on shape are few, and each names why."""
    numbers = {captured.number for captured, _ in pairs(version)}
    assert set(SHAPE_ONLY[version]) <= numbers
    assert len(SHAPE_ONLY[version]) <= 10
