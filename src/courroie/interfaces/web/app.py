"""The console's application: served by `courroie run` beside /healthz (it then drives the service's own
scheduler) and by `courroie console` alone. Pages are server-rendered (Jinja2), enhanced with htmx; they
read the same store and call the same operations as the CLI (``interfaces.operations``)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from courroie.engine.hub import Hub
from courroie.engine.scheduler import Scheduler
from courroie.interfaces.web import i18n
from courroie.interfaces.web.auth import (
    COOKIE, SignInLimiter, language_of, safe_next, secure_cookie, session_of,
)
from courroie.store.console import ConfigHistory, Sessions, Users

HERE = Path(__file__).parent
PAGE_SIZE = 50


@dataclass
class Console:
    hub: Hub
    scheduler: Scheduler | None = None        # the service's, under `courroie run`
    templates: Environment = field(init=False)

    def __post_init__(self) -> None:
        settings = self.hub.config.console
        self.users = Users(self.hub.store)
        self.sessions = Sessions(self.hub.store, idle=timedelta(seconds=settings.idle_timeout),
                                 absolute=timedelta(seconds=settings.absolute_timeout))
        self.config_history = ConfigHistory(self.hub.store)
        self.sign_in_limiter = SignInLimiter(settings.sign_in_attempts)
        self.tasks: dict[object, asyncio.Task] = {}     # runs started here (console alone), by what they do
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(),
                                     extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
        self.templates.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
        self.templates.globals.update(moment=i18n.moment, number=i18n.number, money=i18n.money, duration=i18n.duration,
                                      languages=i18n.LANGUAGES)

    async def render(self, request: Request, template: str, context: dict[str, Any] | None = None,
                     status_code: int = 200) -> HTMLResponse:
        session = getattr(request.state, "session", None)
        values = {"request": request, "session": session, "user": session.user if session else None,
                  "csrf": session.csrf if session else "", "language": i18n.current(),
                  "shops": list(self.hub.shops), **(context or {})}
        html = self.templates.get_template(template).render(values)
        return HTMLResponse(html, status_code=status_code)

    async def error(self, request: Request, status: int, message: str) -> HTMLResponse:
        return await self.render(request, "error.html", {"status": status, "message": message}, status)

    def run_flow_now(self, flow: str, shop: str) -> None:
        """Under `courroie run`, the scheduler runs the job at once (in its turn, never twice side by
        side); with the console alone, the flow runs here in the background."""
        from courroie.flows.registry import FLOWS
        job = self.scheduler.find(flow, shop) if self.scheduler else None
        if job is not None:
            self.scheduler.run_now(job)
        else:
            self.start(FLOWS[flow](self.hub, shop, dry_run=False), key=(flow, shop))

    def start(self, coroutine: Any, key: object = None) -> bool:
        """Run in the background, kept alive until it ends (asyncio holds only weak references to tasks).
        With a ``key`` (a flow and a shop): not twice at once; returns False when one is still running."""
        key = key if key is not None else object()
        if key in self.tasks:
            coroutine.close()
            return False
        self.tasks[key] = task = asyncio.create_task(coroutine)
        task.add_done_callback(lambda _: self.tasks.pop(key, None))
        return True


def create_console(hub: Hub, scheduler: Scheduler | None = None) -> Starlette:
    from courroie.interfaces.web.pages import ROUTES

    console = Console(hub, scheduler)
    routes: list[BaseRoute] = [
        Route("/signin", sign_in_form, methods=["GET"]),
        Route("/signin", sign_in, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        *ROUTES,
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)])
    app.state.console = console
    return app


async def sign_in_form(request: Request) -> Response:
    console: Console = request.app.state.console
    i18n.use(language_of(request, None))
    response = await console.render(request, "signin.html", {"next": safe_next(request.query_params.get("next"))})
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie("lang", request.query_params["lang"], max_age=365 * 86400, httponly=True, samesite="lax")
    return response


async def sign_in(request: Request) -> Response:
    """Sign-in has no session yet, hence no CSRF token: SameSite cookies and the rate limit guard it."""
    console: Console = request.app.state.console
    i18n.use(language_of(request, None))
    form = await request.form()
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    address = request.client.host if request.client else "unknown"
    if not console.sign_in_limiter.allow(address, name):
        return await console.render(request, "signin.html", {"next": target, "failed": i18n.gettext(
            "Too many attempts: wait a minute before trying again.")}, status_code=429)
    user = await run_in_threadpool(console.users.authenticate, name, password)
    if user is None:
        return await console.render(request, "signin.html", {"next": target, "name": name, "failed": i18n.gettext(
            "Unknown user name or wrong password.")}, status_code=401)
    token, _ = await run_in_threadpool(console.sessions.open, user)
    console.hub.journal.write(connection="console", flow="console", action="signed_in", record=f"user/{user.name}",
                              message=f"{user.name} signed in from {address}")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=secure_cookie(request, console.hub.config.console.secure_cookies),
                        max_age=int(console.hub.config.console.absolute_timeout))
    return response


async def sign_out(request: Request) -> Response:
    """Closing a session needs its CSRF token too: another site must not sign people out."""
    console: Console = request.app.state.console
    token = request.cookies.get(COOKIE)
    session = await run_in_threadpool(console.sessions.find, token) if token else None
    form = await request.form()
    if session and form.get("csrf_token") == session.csrf:
        await run_in_threadpool(console.sessions.close, token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


class SecurityHeaders:
    """No framing, no sniffing, scripts and styles only from the console itself."""

    HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"),
               (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
                if scope["path"] != "/static" and not scope["path"].startswith("/static/"):
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["Console", "create_console", "session_of", "PAGE_SIZE"]
