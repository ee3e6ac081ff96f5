"""Users (admin): who may use the console and with which role; and each person's own account
(password, language)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from courroie.interfaces.web import i18n
from courroie.interfaces.web.auth import action, console_of, page, session_of
from courroie.store.console import ROLES

MIN_PASSWORD = 12


async def users_page(request: Request, problem: str | None = None, status_code: int = 200) -> Response:
    console = console_of(request)
    people = await run_in_threadpool(console.users.all)
    return await console.render(request, "users.html", {"people": people, "roles": ROLES, "problem": problem},
                                status_code)


async def add_user(request: Request) -> Response:
    console, form = console_of(request), await request.form()
    name, password, role = str(form.get("name", "")).strip(), str(form.get("password", "")), str(form.get("role"))
    problem = password_problem(password) or _name_problem(name) or (None if role in ROLES else "role")
    if problem is None and await run_in_threadpool(console.users.get, name):
        problem = i18n.gettext("A user named %(name)s exists already.", name=name)
    if problem:
        return await users_page(request, problem, 400)
    await run_in_threadpool(console.users.add, name, password, role)
    _journal(request, f"user/{name}", f"added {name} as {role}")
    return RedirectResponse("/users", status_code=303)


async def change_user(request: Request) -> Response:
    """Role, active or not, or a new password for someone else; a change ends their sessions."""
    console, form = console_of(request), await request.form()
    name = request.path_params["name"]
    if await run_in_threadpool(console.users.get, name) is None:
        return await console.error(request, 404, i18n.gettext("No such user."))
    if name == session_of(request).user.name and (form.get("role", "admin") != "admin" or form.get("active") == "0"):
        return await users_page(request, i18n.gettext("You cannot take your own admin role away."), 400)
    if role := form.get("role"):
        if role not in ROLES:
            return await users_page(request, "role", 400)
        await run_in_threadpool(console.users.set_role, name, str(role))
    if (active := form.get("active")) in ("0", "1"):
        await run_in_threadpool(console.users.set_active, name, active == "1")
    if password := str(form.get("password", "")):
        if problem := password_problem(password):
            return await users_page(request, problem, 400)
        await run_in_threadpool(console.users.set_password, name, password)
    await run_in_threadpool(console.sessions.close_all, name)
    _journal(request, f"user/{name}", f"changed {name}: " + ", ".join(k for k in ("role", "active", "password")
                                                                      if form.get(k)))
    return RedirectResponse("/users", status_code=303)


async def account(request: Request, problem: str | None = None, done: str | None = None,
                  status_code: int = 200) -> Response:
    return await console_of(request).render(request, "account.html", {"problem": problem, "done": done}, status_code)


async def change_account(request: Request) -> Response:
    console, form, me = console_of(request), await request.form(), session_of(request).user
    if (language := str(form.get("language", ""))) in (*i18n.LANGUAGES, "auto"):
        await run_in_threadpool(console.users.set_language, me.name, None if language == "auto" else language)
    if new := str(form.get("new_password", "")):
        if not await run_in_threadpool(console.users.authenticate, me.name, str(form.get("password", ""))):
            return await account(request, i18n.gettext("Your current password is not that one."), status_code=400)
        if problem := password_problem(new):
            return await account(request, problem, status_code=400)
        await run_in_threadpool(console.users.set_password, me.name, new)
        _journal(request, f"user/{me.name}", f"{me.name} changed their password")
    response = RedirectResponse("/account?saved=1", status_code=303)
    response.delete_cookie("lang")             # the account's language now decides
    return response


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return i18n.gettext("A password needs at least %(n)d characters.", n=MIN_PASSWORD)
    return None


def _name_problem(name: str) -> str | None:
    if not name or len(name) > 100 or not name.replace(".", "").replace("-", "").replace("_", "").replace("@", "").isalnum():
        return i18n.gettext("A user name is letters, digits and . - _ @ (100 at most).")
    return None


def _journal(request: Request, record: str, message: str) -> None:
    by = session_of(request).user.name
    console_of(request).hub.journal.write(connection="console", flow="console", action="user", record=record,
                                          message=f"{message} (by {by})")


routes = [
    page("/users", users_page, role="admin"),
    action("/users", add_user, role="admin", name="add_user"),
    action("/users/{name}", change_user, role="admin"),
    page("/account", account),
    action("/account", change_account, role="viewer", name="change_account"),
]
