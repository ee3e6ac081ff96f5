"""The JSON-RPC client against a double answering as trytond 8.2 does (real captured answers)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
from decimal import Decimal

import httpx
import pytest

from courroie import secrets
from courroie.errors import AuthenticationFailure, ConnectionFailure, DataError, TransientError
from tryton_captures import TOKEN, Call, captured, fault, result

pytestmark = [pytest.mark.tryton, pytest.mark.anyio]


async def test_login_opens_a_session_and_loads_the_users_context(client_for, fake_tryton):
    client = client_for()
    await client.login()

    login, preferences = fake_tryton.calls
    assert (login.method, login.params) == ("common.db.login", ["admin", {"password": "admin"}, "en"])
    assert login.authorization is None
    assert preferences.method == "model.res.user.get_preferences"
    assert preferences.authorization == "Session " + base64.b64encode(f"admin:1:{TOKEN}".encode()).decode()
    assert client.context["company"] == 1
    assert client.context["language"] == "en"          # errors come back in English
    assert "locale" not in client.context


async def test_model_calls_send_the_context_last_and_decode_tryton_types(client_for, fake_tryton):
    fake_tryton.on("model.sale.sale.search_read", captured("search_read_sales"))
    client = client_for()

    rows = await client.search_read("sale.sale", [("id", "=", 3)], ["number", "state"], limit=5,
                                    order=[("id", "ASC")], context={"language": "fr"})

    assert rows[0]["untaxed_amount"] == Decimal("509.70")
    call = fake_tryton.calls[-1]
    domain, offset, limit, order, fields, context = call.params
    assert (domain, offset, limit, order, fields) == ([["id", "=", 3]], 0, 5, [["id", "ASC"]], ["number", "state"])
    assert context["company"] == 1 and context["language"] == "fr"


async def test_decimals_and_dates_travel_as_tryton_classes(client_for, fake_tryton):
    fake_tryton.on("model.sale.sale.write", None)
    client = client_for()
    await client.write("sale.sale", [3], {"price": Decimal("1.50"), "day": dt.date(2026, 11, 22)})
    values = fake_tryton.calls[-1].params[1]
    assert values == {"price": Decimal("1.50"), "day": dt.date(2026, 11, 22)}   # decoded by the double


async def test_an_expired_session_logs_in_again_once(client_for, fake_tryton):
    fake_tryton.on("model.product.product.search_read", [])
    client = client_for()
    await client.login()
    fake_tryton.valid_tokens.clear()                    # the server forgot the session …
    fake_tryton.on("common.db.login", lambda call: _new_token(fake_tryton))

    assert await client.search_read("product.product", [], ["code"]) == []
    assert fake_tryton.logins == 2
    assert fake_tryton.methods()[-4:] == ["model.product.product.search_read", "common.db.login",
                                          "model.res.user.get_preferences", "model.product.product.search_read"]


async def test_concurrent_calls_share_one_new_session(client_for, fake_tryton):
    fake_tryton.on("model.product.product.search_read", [])
    client = client_for()
    await client.login()
    fake_tryton.valid_tokens.clear()
    fake_tryton.on("common.db.login", lambda call: _new_token(fake_tryton))

    await asyncio.gather(*(client.search_read("product.product", [], ["code"]) for _ in range(4)))
    assert fake_tryton.logins == 2


async def test_a_session_refused_right_after_login_is_an_authentication_failure(client_for, fake_tryton):
    fake_tryton.on("model.product.product.search_read", captured("session_expired"))
    client = client_for()
    with pytest.raises(AuthenticationFailure, match="fresh session"):
        await client.search_read("product.product", [], ["code"])


async def test_wrong_password_says_how_to_fix_it(client_for):
    client = client_for(password="wrong")
    with pytest.raises(AuthenticationFailure) as caught:
        await client.login()
    assert "admin" in str(caught.value) and "password" in caught.value.hint


async def test_unknown_database_is_a_connection_failure(client_for):
    with pytest.raises(ConnectionFailure, match="404") as caught:
        await client_for(database="nosuchdb").login()
    assert "database" in caught.value.hint


@pytest.mark.parametrize("answer, family, text", [
    (captured("user_error_missing_record"), DataError, "don't exist"),
    (captured("access_denied"), AuthenticationFailure, "not allowed to access"),
    (captured("server_error_unknown_model"), ConnectionFailure, "product.nonexistent"),
    (captured("server_error_unknown_field"), ConnectionFailure, "nofield"),
    (captured("concurrency"), TransientError, "modified in the meanwhile"),
    (captured("method_not_exposed"), ConnectionFailure, "403"),
    (fault("UserWarning", ["sale_stock_3", "Not enough stock", ""]), DataError, "Not enough stock"),
    (fault("LoginException", ["sms_code", "Enter the code", "char"]), AuthenticationFailure, "sms_code"),
    (fault("division by zero", "Traceback …"), DataError, "division by zero"),
    (httpx.Response(503, text="Service Unavailable"), TransientError, "503"),
    (httpx.Response(504, text="Gateway Timeout"), TransientError, "504"),
    (httpx.Response(200, text="<html>a proxy page</html>"), ConnectionFailure, "not JSON-RPC"),
])
async def test_faults_map_to_the_hubs_error_families(client_for, fake_tryton, answer, family, text):
    fake_tryton.on("model.sale.sale.write", answer)
    with pytest.raises(family, match=text):
        await client_for().write("sale.sale", [999], {"reference": "x"})


async def test_a_user_error_keeps_its_description_for_the_blocked_list(client_for, fake_tryton):
    fake_tryton.on("model.sale.sale.quote", fault("UserError", ["Sale needs a warehouse.", "Set one.", None]))
    with pytest.raises(DataError) as caught:
        await client_for().button("sale.sale", "quote", [3])
    assert caught.value.reason == "Sale needs a warehouse. — Set one."
    assert caught.value.details == {"method": "model.sale.sale.quote", "description": "Set one."}


async def test_rate_limit_passes_retry_after_on(client_for, fake_tryton):
    fake_tryton.on("model.sale.sale.write", httpx.Response(429, headers={"Retry-After": "7"}))
    with pytest.raises(TransientError) as caught:
        await client_for().write("sale.sale", [3], {})
    assert caught.value.retry_after == 7


@pytest.mark.parametrize("exception", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                                       httpx.RemoteProtocolError("reset")])
async def test_transport_failures_are_transient(client_for, exception):
    def fail(request: httpx.Request) -> httpx.Response:
        raise exception

    client = client_for(transport=httpx.MockTransport(fail))
    with pytest.raises(TransientError, match="common.db.login"):
        await client.login()


async def test_a_small_set_is_read_in_one_call(client_for, fake_tryton):
    fake_tryton.on("model.product.category.search_read", [{"id": 1, "name": "Gates"}])
    rows = await client_for().search_read_all("product.category", [], ["name"])
    assert rows == [{"id": 1, "name": "Gates"}]
    assert fake_tryton.methods()[2:] == ["model.product.category.search_read"]


async def test_a_large_set_is_searched_once_then_read_in_slices(client_for, fake_tryton):
    table = {n: {"id": n, "code": f"SKU{n}"} for n in range(1, 26)}

    def search(call: Call):
        domain, offset, limit, order, _context = call.params
        assert (domain, offset, limit, order) == ([["salable", "=", True], ["id", ">", 10]], 0, None, [["id", "ASC"]])
        return [n for n in table if n > 10]

    def read(call: Call):
        domain, _offset, limit, order = call.params[:4]
        assert order == [["id", "ASC"]]
        if domain == [["salable", "=", True]]:                  # the first page
            return list(table.values())[:limit]
        [(_field, _in, ids)] = domain
        return [table[i] for i in ids if i != 17]              # 17 was deleted meanwhile: no error

    fake_tryton.on("model.product.product.search", search)
    fake_tryton.on("model.product.product.search_read", read)
    rows = await client_for(page_size=10).search_read_all("product.product", [("salable", "=", True)], ["code"])
    assert [row["id"] for row in rows] == [n for n in range(1, 26) if n != 17]
    slices = [c.params[0][-1][2] for c in fake_tryton.calls if c.method.endswith("search_read")][1:]
    assert slices == [list(range(11, 21)), list(range(21, 26))]


async def test_in_lists_are_sent_in_slices(client_for, fake_tryton):
    fake_tryton.on("model.product.product.search_read", lambda call: [])
    await client_for(page_size=10).search_read_in("product.product", "code", [f"S{n}" for n in range(23)] * 2,
                                                  ["code"])
    sizes = [len(call.params[0][-1][2]) for call in fake_tryton.calls if call.method.endswith("search_read")]
    assert sizes == [10, 10, 3]


async def test_stats_count_every_call(client_for, fake_tryton):
    fake_tryton.on("model.product.product.search_read", [])
    client = client_for()
    await client.search_read("product.product", [], ["code"])
    assert client.stats.calls == 3 and client.stats.seconds > 0    # login, preferences, the read


async def test_secrets_never_reach_logs_or_reprs(client_for, fake_tryton, caplog):
    fake_tryton.on("model.product.product.search_read", [])
    client = client_for(password="s3cret-passw0rd")
    fake_tryton.on("common.db.login", result([1, TOKEN, None]))
    caplog.set_level(logging.DEBUG)
    await client.search_read("product.product", [], ["code"])
    assert "s3cret-passw0rd" not in repr(client._config) and "s3cret-passw0rd" not in str(client._config)
    assert "s3cret-passw0rd" not in caplog.text and TOKEN not in caplog.text
    assert secrets.redact(f"token {TOKEN}") == f"token {secrets.MASK}"   # masked wherever it would leak


def _new_token(fake_tryton) -> httpx.Response:
    token = "e" * 64
    fake_tryton.valid_tokens.add(token)
    return result([1, token, None])
