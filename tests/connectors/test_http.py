"""The shared HTTP client factory and the status/exception → error-family table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from courroie.connectors import http
from courroie.errors import AuthenticationFailure, ConnectionFailure, DataError, TransientError

REQUEST = httpx.Request("GET", "https://erp.example/api/things")


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=REQUEST)


@pytest.mark.parametrize("status, family", [
    (200, type(None)), (201, type(None)), (204, type(None)),
    (400, DataError), (404, DataError), (409, DataError), (422, DataError),
    (401, AuthenticationFailure), (403, AuthenticationFailure),
    (408, TransientError), (429, TransientError),
    (500, TransientError), (502, TransientError), (503, TransientError), (504, TransientError),
    (302, ConnectionFailure), (307, ConnectionFailure),
])
def test_status_table(status: int, family: type) -> None:
    assert type(http.error_for_response(answer(status))) is family


def test_message_names_status_method_and_path() -> None:
    assert str(http.error_for_response(answer(404))) == "HTTP 404 Not Found on GET /api/things"


def test_authentication_failures_carry_a_hint() -> None:
    error = http.error_for_response(answer(401))
    assert isinstance(error, AuthenticationFailure) and error.hint


def test_retry_after_in_seconds() -> None:
    error = http.error_for_response(answer(429, **{"Retry-After": "12"}))
    assert isinstance(error, TransientError) and error.retry_after == 12.0


def test_retry_after_as_a_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    error = http.error_for_response(answer(503, **{"Retry-After": later}))
    assert isinstance(error, TransientError) and 80 <= error.retry_after <= 90


@pytest.mark.parametrize("value", ["", "soon", "Thu, 99 Foo 2026"])
def test_unreadable_retry_after_is_ignored(value: str) -> None:
    assert http.retry_after(answer(429, **{"Retry-After": value})) is None


def test_overrides_win_over_the_table() -> None:
    overrides = {500: lambda response, message: DataError(message + " (refused)")}
    error = http.error_for_response(answer(500), "boom", overrides)
    assert isinstance(error, DataError) and str(error) == "boom (refused)"
    assert isinstance(http.error_for_response(answer(502), "boom", overrides), TransientError)


def test_redirect_says_where_to() -> None:
    error = http.error_for_response(answer(302, Location="https://erp.example/login"))
    assert isinstance(error, ConnectionFailure) and "https://erp.example/login" in str(error)


@pytest.mark.parametrize("exception, family", [
    (httpx.ConnectTimeout("t"), TransientError),
    (httpx.ReadTimeout("t"), TransientError),
    (httpx.PoolTimeout("t"), TransientError),
    (httpx.ConnectError("refused"), TransientError),
    (httpx.ReadError("reset by peer"), TransientError),
    (httpx.RemoteProtocolError("server disconnected"), TransientError),
    (httpx.UnsupportedProtocol("ftp"), ConnectionFailure),
])
def test_exception_table(exception: Exception, family: type) -> None:
    error = http.error_for_exception(exception, "GET /x")
    assert type(error) is family and str(error).startswith("GET /x: ")


def test_client_factory_defaults() -> None:
    client = http.create_client("https://erp.example/", timeout=12, max_connections=3)
    assert client.headers["User-Agent"].startswith("courroie/")
    assert client.timeout.read == 12 and client.timeout.connect == 10
    assert client.follow_redirects is False
    transport = client._transport      # the pool limits are only visible there
    assert transport._pool._max_connections == 3 and transport._pool._http2 is False


@pytest.mark.anyio
async def test_client_factory_uses_the_given_transport() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with http.create_client("https://erp.example/base/", transport=httpx.MockTransport(handler)) as client:
        await client.get("things")
    assert str(seen[0].url) == "https://erp.example/base/things"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
