"""Who may do what in the console. Every route is made with ``page`` or ``action``: a session is needed
for all of them, a role for some, and a CSRF token for every request that changes anything."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from courroie.interfaces.web import i18n
from courroie.store.console import Session, may

if TYPE_CHECKING:
    from courroie.interfaces.web.app import Console

COOKIE = "courroie_session"
SAFE_METHODS = ("GET", "HEAD")
Endpoint = Callable[[Request], Awaitable[Response]]


def console_of(request: Request) -> Console:
    return request.app.state.console


def session_of(request: Request) -> Session:
    return request.state.session


def page(path: str, endpoint: Endpoint, *, role: str = "viewer", name: str | None = None) -> Route:
    """A page to read (GET)."""
    return Route(path, _guarded(endpoint, role), methods=["GET"], name=name or endpoint.__name__)


def action(path: str, endpoint: Endpoint, *, role: str = "operator", name: str | None = None) -> Route:
    """A change (POST): needs the role and the session's CSRF token (form field or X-CSRF-Token header)."""
    return Route(path, _guarded(endpoint, role), methods=["POST"], name=name or endpoint.__name__)


def _guarded(endpoint: Endpoint, role: str) -> Endpoint:
    async def guarded(request: Request) -> Response:
        console = console_of(request)
        token = request.cookies.get(COOKIE)
        session = await run_in_threadpool(console.sessions.find, token) if token else None
        if session is None:
            return _to_sign_in(request)
        request.state.session = session
        i18n.use(language_of(request, session))
        if not may(session.user.role, role):
            return await console.error(request, 403, i18n.gettext("Your role (%(role)s) may not do this.",
                                                                  role=session.user.role))
        if request.method not in SAFE_METHODS and not await _csrf_ok(request, session):
            return await console.error(request, 403, i18n.gettext(
                "This form has expired or did not come from the console: reload the page and try again."))
        return await endpoint(request)

    guarded.__name__ = endpoint.__name__
    guarded.required_role = role          # read by the security tests' crawl
    return guarded


async def _csrf_ok(request: Request, session: Session) -> bool:
    given = request.headers.get("x-csrf-token")
    if given is None:
        form = await request.form()
        given = str(form.get("csrf_token", ""))
    return hmac.compare_digest(given.encode(), session.csrf.encode())


def _to_sign_in(request: Request) -> Response:
    if request.method not in SAFE_METHODS or request.headers.get("hx-request"):
        return Response("sign in first", status_code=401, headers={"HX-Redirect": "/signin"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)


def language_of(request: Request, session: Session | None) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("lang")
    if chosen in i18n.LANGUAGES:
        return chosen
    if session and session.user.language:
        return session.user.language
    return i18n.negotiate(request.headers.get("accept-language", ""))


def safe_next(target: str | None) -> str:
    """Only a path of this site: never send a person elsewhere after signing in (open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target else "/"


def secure_cookie(request: Request, setting: str) -> bool:
    return setting == "always" or (setting == "auto" and request.url.scheme == "https")


class SignInLimiter:
    """Attempts per user name and per address in a moving window: guessing passwords stays slow."""

    def __init__(self, rate: str) -> None:
        self.rate = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, address: str, name: str) -> bool:
        by_address = self.limiter.hit(self.rate, "address", address)
        by_name = self.limiter.hit(self.rate, "name", name.lower())
        return by_address and by_name
