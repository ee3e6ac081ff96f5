"""OdooClient against the bytes real servers answered (``reference/odoo-*/exchanges``), served by an
``httpx.MockTransport``: requests it builds, answers it reads, every captured fault's error family.
JSON-2 answers are built from Odoo 19's ``Json2Dispatcher`` (no 19.0 capture exists)."""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Callable, Iterator

import httpx
import pytest

from courroie.connectors.odoo.client import OdooClient
from courroie.errors import AuthenticationFailure, ConnectionFailure, CourroieError, DataError, TransientError
from tests.connectors.odoo.odoo_support import make_config
from tests.sandbox.odoo.odoo_exchanges import VERSIONS, Exchange, exchange, exchanges

pytestmark = [pytest.mark.odoo, pytest.mark.anyio]

Reply = Callable[[httpx.Request], httpx.Response]


def captured(ex: Exchange) -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        content_type = ex.answer.header("Content-Type") or "application/json"
        return httpx.Response(ex.answer.status, content=ex.answer.body, headers={"Content-Type": content_type})
    return reply


def json_reply(body: object, status: int = 200, content_type: str = "application/json; charset=utf-8") -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=json.dumps(body).encode(), headers={"Content-Type": content_type})
    return reply


class Scripted:
    """Answers requests in order and keeps them."""

    def __init__(self, *replies: Reply) -> None:
        self.replies: Iterator[Reply] = iter(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return next(self.replies)(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def login(version: str, protocol: str = "jsonrpc") -> tuple[Reply, Reply]:
    """The captured ``version`` and ``authenticate`` answers for ``protocol``."""
    numbers = ("002", "004") if protocol == "jsonrpc" else ("001", "003")
    return captured(exchange(version, numbers[0])), captured(exchange(version, numbers[1]))


async def client_for(script: Scripted, **overrides: object) -> OdooClient:
    return OdooClient(make_config(**({"database": "odoo16"} | overrides)), transport=script.transport())


@pytest.mark.parametrize("version", VERSIONS)
async def test_it_logs_in_once_with_the_version_s_protocol(version):
    script = Scripted(*login(version), captured(exchange(version, "014")), captured(exchange(version, "014")))
    client = await client_for(script)
    for _ in range(2):
        rows = await client.search_read("product.product", [("sale_ok", "=", True)], ["name"], limit=3)
    session = await client.session()
    assert (session.dialect.major, session.wire, session.uid) == (int(version[:2]), "jsonrpc", 2)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert [json.loads(r.content)["params"]["method"] for r in script.requests] == \
        ["version", "authenticate", "execute_kw", "execute_kw"]
    await client.aclose()


@pytest.mark.parametrize("version", VERSIONS)
async def test_jsonrpc_requests_are_shaped_like_the_captured_ones(version):
    sample = exchange(version, "014")
    script = Scripted(*login(version), captured(sample))
    client = await client_for(script, database=f"odoo{version[:2]}")
    method, args = sample.call()
    kwargs = args[6]
    await client.search_read(args[3], args[5][0], kwargs["fields"], limit=kwargs["limit"], order=kwargs["order"])
    sent = json.loads(script.requests[-1].content)
    expected = json.loads(sample.request)
    assert sent.keys() == expected.keys() and sent["method"] == "call"
    assert sent["params"]["args"][:6] == expected["params"]["args"][:6]
    assert sent["params"]["args"][6].items() >= kwargs.items()
    assert sent["params"]["args"][6]["context"] == {"lang": "en_US"}
    await client.aclose()


@pytest.mark.parametrize("version", VERSIONS)
async def test_xmlrpc_requests_and_answers(version):
    sample = exchange(version, "013")
    script = Scripted(*login(version, "xmlrpc"), captured(sample))
    client = await client_for(script, protocol="xmlrpc", database=f"odoo{version[:2]}")
    _, args = sample.call()
    rows = await client.search_read(args[3], args[5][0], args[6]["fields"], limit=3)
    params, method = xmlrpc.client.loads(script.requests[-1].content)
    assert (script.requests[-1].url.path, method) == ("/xmlrpc/2/object", "execute_kw")
    assert list(params[:6]) == args[:6]
    assert rows == sample.result()[1]
    await client.aclose()


@pytest.mark.parametrize(("version", "protocol", "numbers"), [
    (v, p, n) for v in VERSIONS for p, n in (("jsonrpc", ("002", "006")), ("xmlrpc", ("001", "005")))])
async def test_a_wrong_password_is_refused_at_login(version, protocol, numbers):
    script = Scripted(*(captured(exchange(version, n)) for n in numbers))
    client = await client_for(script, protocol=protocol)
    with pytest.raises(AuthenticationFailure, match="refused the login") as caught:
        await client.session()
    assert "api_key" in caught.value.hint
    await client.aclose()


@pytest.mark.parametrize(("version", "number"), [(v, n) for v in VERSIONS for n in ("009", "010")])
async def test_a_wrong_database_is_a_configuration_error(version, number):
    protocol = "xmlrpc" if number == "009" else "jsonrpc"
    script = Scripted(login(version, protocol)[0], captured(exchange(version, number)))
    client = await client_for(script, protocol=protocol)
    with pytest.raises(ConnectionFailure, match="no such database") as caught:
        await client.session()
    assert "`database`" in caught.value.hint
    await client.aclose()


@pytest.mark.parametrize(("version", "number"), [(v, n) for v in VERSIONS for n in ("007", "008")])
async def test_a_password_changed_since_login_fails_authentication(version, number):
    protocol = "xmlrpc" if number == "007" else "jsonrpc"
    script = Scripted(*login(version, protocol), captured(exchange(version, number)))
    client = await client_for(script, protocol=protocol)
    with pytest.raises(AuthenticationFailure, match="credentials"):
        await client.call("res.partner", "search", params={"domain": []})
    await client.aclose()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("protocol", ["xmlrpc", "jsonrpc"])
async def test_methods_returning_none_answer_none_on_both_protocols(version, protocol):
    """XML-RPC's "cannot marshal None" fault and JSON-RPC's missing ``result``: the call was done."""
    name = "action_apply_inventory-cannot-marshal-none" if protocol == "xmlrpc" else "returns-null"
    sample = next(e for e in exchanges(version) if name in e.name)
    script = Scripted(*login(version, protocol), captured(sample))
    client = await client_for(script, protocol=protocol)
    assert await client.button("stock.quant", "action_apply_inventory", [49]) is None
    await client.aclose()


FAMILIES: dict[str, type[CourroieError]] = {
    "bad-uid": AuthenticationFailure, "odoo18-style-fields": ConnectionFailure,
    "odoo16-style-fields": ConnectionFailure, "type-product": ConnectionFailure,
    "set_delivery_line": DataError, "nonexistent-model": ConnectionFailure, "nonexistent-method": ConnectionFailure,
    "access-write": AuthenticationFailure, "access-read": AuthenticationFailure, "missing-required": DataError,
    "missing-partner": DataError, "duplicate-barcode": DataError, "write-missing-record": DataError,
    "domain-unknown-field": ConnectionFailure, "unlink-confirmed-order": DataError, "read_group": DataError,
    "quants-by-warehouse": DataError, "__last_update-field": ConnectionFailure,
}
FAULTS = [e for v in VERSIONS for e in exchanges(v) if e.result()[0] in ("fault", "error")
          and "authenticate" not in e.name and "bad-password" not in e.name and "cannot-marshal" not in e.name
          and "button_confirm" not in e.name]


def family_of(ex: Exchange) -> type[CourroieError]:
    if "private-method" in ex.name:   # 16: AccessError (permissions); 18: AttributeError (no such method)
        return AuthenticationFailure if ex.version == "16.0" else ConnectionFailure
    return next(family for key, family in FAMILIES.items() if key in ex.name)


@pytest.mark.parametrize("sample", FAULTS, ids=lambda e: f"{e.version}-{e.number:03d}-{e.protocol}")
async def test_every_captured_fault_lands_in_its_family(sample):
    script = Scripted(*login(sample.version, sample.protocol), captured(sample))
    client = await client_for(script, protocol=sample.protocol)
    with pytest.raises(CourroieError) as caught:
        await client.call("res.partner", "search", params={"domain": []})
    assert type(caught.value) is family_of(sample), str(caught.value)
    if isinstance(caught.value, DataError):
        kind, value = sample.result()
        message = value[1] if kind == "fault" else value["data"]["message"]
        assert caught.value.reason.splitlines()[0] in message
    await client.aclose()


def test_every_captured_fault_is_classified():
    assert len(FAULTS) >= 40
    assert all(family_of(e) for e in FAULTS)


# --- JSON-2 (19.0): shapes from Odoo 19's addons/rpc/controllers/json2.py and http.Json2Dispatcher ----------

VERSION_19 = {"jsonrpc": "2.0", "id": 1, "result": {"server_version": "19.0", "server_serie": "19.0",
                                                    "server_version_info": [19, 0, 0, "final", 0, ""],
                                                    "protocol_version": 1}}


def odoo_error(name: str, message: str, status: int) -> Reply:
    return json_reply({"name": name, "message": message, "arguments": [message], "context": {},
                       "debug": f"Traceback (most recent call last):\n{name}: {message}\n"}, status)


async def test_json2_sends_named_parameters_ids_context_and_the_bearer_key():
    script = Scripted(json_reply(VERSION_19), json_reply([{"id": 3, "name": "Deco"}]), json_reply(None))
    client = await client_for(script, api_key="k3y-0123456789", password=None)
    rows = await client.search_read("res.partner", [("is_company", "=", True)], ["name"], limit=5)
    assert rows == [{"id": 3, "name": "Deco"}]
    assert await client.button("stock.quant", "action_apply_inventory", [4, 5]) is None
    search, button = script.requests[1:]
    assert (search.url.path, search.headers["Authorization"], search.headers["X-Odoo-Database"]) == \
        ("/json/2/res.partner/search_read", "bearer k3y-0123456789", "odoo16")
    assert json.loads(search.content) == {"domain": [["is_company", "=", True]], "fields": ["name"], "order": "id",
                                          "limit": 5, "context": {"lang": "en_US"}}
    assert json.loads(button.content) == {"ids": [4, 5], "context": {"lang": "en_US"}}
    await client.aclose()


@pytest.mark.parametrize(("reply", "family"), [
    (odoo_error("werkzeug.exceptions.Unauthorized", "Invalid apikey", 401), AuthenticationFailure),
    (odoo_error("odoo.exceptions.AccessError", "You are not allowed to modify 'Sales Order'", 403),
     AuthenticationFailure),
    (odoo_error("werkzeug.exceptions.NotFound", "the model 'mrp.bom' does not exist", 404), ConnectionFailure),
    (odoo_error("odoo.exceptions.MissingError", "Record does not exist or has been deleted.", 404), DataError),
    (odoo_error("odoo.exceptions.ValidationError", "Barcode(s) already assigned", 422), DataError),
    (odoo_error("werkzeug.exceptions.UnprocessableEntity", "cannot call res.partner.search with ids", 422),
     ConnectionFailure),
    (odoo_error("psycopg2.errors.SerializationFailure", "could not serialize access", 500), TransientError),
    (odoo_error("builtins.KeyError", "'x'", 500), TransientError),
    (json_reply("<html>bad gateway</html>", 502, "text/html"), TransientError),
])
async def test_json2_errors_land_in_their_family(reply, family):
    script = Scripted(json_reply(VERSION_19), reply)
    client = await client_for(script, api_key="k3y-0123456789")
    with pytest.raises(CourroieError) as caught:
        await client.call("res.partner", "search", params={"domain": []})
    assert type(caught.value) is family
    await client.aclose()


async def test_19_without_an_api_key_keeps_json_rpc():
    script = Scripted(json_reply(VERSION_19), json_reply({"jsonrpc": "2.0", "id": 2, "result": 2}))
    client = await client_for(script)
    assert (await client.session()).wire == "jsonrpc"
    await client.aclose()


async def test_json2_cannot_be_forced_on_an_older_server():
    script = Scripted(captured(exchange("16.0", "002")))
    client = await client_for(script, api_key="k3y-0123456789", protocol="json2")
    with pytest.raises(ConnectionFailure, match="19.0"):
        await client.session()
    await client.aclose()


async def test_without_the_rpc_endpoints_the_version_comes_from_the_web_client():
    """Odoo 22 removes /jsonrpc: its 404 sends the client to /web/webclient/version_info."""
    script = Scripted(json_reply("<html>404</html>", 404, "text/html"), json_reply(VERSION_19))
    client = await client_for(script, api_key="k3y-0123456789")
    assert (await client.session()).wire == "json2"
    assert [r.url.path for r in script.requests] == ["/jsonrpc", "/web/webclient/version_info"]
    await client.aclose()


# --- transport -------------------------------------------------------------------------------------------

def raising(error: Exception) -> Reply:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error
    return reply


@pytest.mark.parametrize(("reply", "family"), [
    (raising(httpx.ConnectTimeout("slow")), TransientError), (raising(httpx.ConnectError("refused")), TransientError),
    (raising(httpx.ReadTimeout("slow")), TransientError),
    (json_reply("busy", 503, "text/html"), TransientError), (json_reply("", 302, "text/html"), ConnectionFailure),
    (json_reply("<html>not found</html>", 404, "text/html"), ConnectionFailure),
    (json_reply({"not": "rpc"}), ConnectionFailure),
])
async def test_transport_failures_land_in_their_family(reply, family):
    script = Scripted(*login("16.0"), reply)
    client = await client_for(script)
    with pytest.raises(CourroieError) as caught:
        await client.call("res.partner", "search", params={"domain": []})
    assert type(caught.value) is family
    await client.aclose()


async def test_stats_count_calls_per_method():
    script = Scripted(*login("16.0"), captured(exchange("16.0", "014")), captured(exchange("16.0", "018")))
    client = await client_for(script)
    await client.search_read("product.product", [], ["name"])
    await client.call("product.product", "search_count", params={"domain": []})
    assert client.stats.calls == 4
    assert client.stats.methods == {"product.product.search_read": 1, "product.product.search_count": 1}
    await client.aclose()
