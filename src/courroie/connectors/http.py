"""One HTTP client factory and one status/exception → error-family table, shared by every connector.

Connectors call :func:`create_client` for their ``httpx.AsyncClient`` and turn failures into the hub's
error families with :func:`error_for_response` and :func:`error_for_exception`. A connector whose
server uses status codes oddly passes ``overrides`` (status → factory) instead of writing if-chains.
"""

from __future__ import annotations

from typing import Annotated

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version

import httpx
from pydantic import AfterValidator

from courroie.errors import AuthenticationFailure, ConnectionFailure, CourroieError, DataError, TransientError


def _version() -> str:
    try:
        return version("courroie")
    except PackageNotFoundError:
        return "dev"


USER_AGENT = f"courroie/{_version()}"
AUTH_HINT = "check the key/credentials and their permissions in the remote system's settings"

ErrorFactory = Callable[[httpx.Response, str], CourroieError]


def create_client(
    base_url: str,
    *,
    timeout: float = 30.0,
    max_connections: int = 4,
    auth: httpx.Auth | None = None,
    headers: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An HTTP/1.1 client with keep-alive sized to the connector's concurrency and bounded timeouts.

    Redirects are not followed: a redirect from an API almost always means a wrong URL or setting.
    """
    return httpx.AsyncClient(
        base_url=base_url,
        auth=auth,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                            keepalive_expiry=30.0),
        http1=True,
        http2=False,
        follow_redirects=False,
        transport=transport,
    )


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), if any."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def transient(response: httpx.Response, message: str) -> CourroieError:
    return TransientError(message, retry_after=retry_after(response))


def authentication(response: httpx.Response, message: str) -> CourroieError:
    return AuthenticationFailure(message, hint=AUTH_HINT)


def data(response: httpx.Response, message: str) -> CourroieError:
    return DataError(message, details={"status": response.status_code})


def misdirected(response: httpx.Response, message: str) -> CourroieError:
    location = response.headers.get("Location", "")
    return ConnectionFailure(f"{message} (redirected to {location or 'nowhere'})",
                             hint="check the configured URL: an API should not redirect")


# Status → family. Anything not named here falls back by class: 3xx connection, 4xx data, 5xx transient.
STATUS_TABLE: Mapping[int, ErrorFactory] = {
    401: authentication,
    403: authentication,
    408: transient,
    425: transient,
    429: transient,
}


def _by_class(status: int) -> ErrorFactory:
    if status >= 500:
        return transient
    if status >= 400:
        return data
    return misdirected


def error_for_response(
    response: httpx.Response,
    message: str | None = None,
    overrides: Mapping[int, ErrorFactory] | None = None,
) -> CourroieError | None:
    """The error this response stands for, or ``None`` when it is a success (2xx)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    request = response.request
    message = message or f"HTTP {status} {response.reason_phrase} on {request.method} {request.url.path}"
    factory = (overrides or {}).get(status) or STATUS_TABLE.get(status) or _by_class(status)
    return factory(response, message)


# Transport failures, most specific first: all are worth retrying except a malformed URL.
EXCEPTION_TABLE: tuple[tuple[type[Exception], Callable[[str], CourroieError]], ...] = (
    (httpx.UnsupportedProtocol, lambda m: ConnectionFailure(m, hint="the URL must start with http:// or https://")),
    (httpx.InvalidURL, lambda m: ConnectionFailure(m, hint="check the configured URL")),
    (httpx.TimeoutException, lambda m: TransientError(m)),
    (httpx.TransportError, lambda m: TransientError(m)),   # connect/read/write errors, resets, protocol errors
)


def error_for_exception(exc: Exception, what: str = "") -> CourroieError:
    """The error family of a transport exception raised by httpx."""
    message = f"{what}: {type(exc).__name__}: {exc}" if what else f"{type(exc).__name__}: {exc}"
    for kind, factory in EXCEPTION_TABLE:
        if isinstance(exc, kind):
            return factory(message)
    return TransientError(message)


def server_root(url: str) -> str:
    """A server's root URL as configured: trimmed, without a trailing slash, http or https only."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://")
    return url


ServerUrl = Annotated[str, AfterValidator(server_root)]
