"""Sign-in, sessions, roles and CSRF: every route but sign-in and static files needs a session, every
change needs the session's CSRF token, and roles limit who changes what."""

from __future__ import annotations

from datetime import timedelta

from starlette.routing import Mount, Route

from courroie.store.console import Sessions, Users
from tests.interfaces.web.conftest import PASSWORD, csrf_of

PUBLIC = {"/signin", "/signout"}


def console_routes(app) -> list[Route]:
    return [route for route in app.routes if isinstance(route, Route)]


def concrete(path: str) -> str:
    return path.replace("{name}", "someone").replace("{id:int}", "1").replace("{id}", "1") \
        .replace("{sku:path}", "MOT-1").replace("{shop}", "portails").replace("{reference}", "R1") \
        .replace("{flow}", "orders").replace("{mapping}", "carriers")


def test_no_route_is_open_without_a_session(console_env):
    """A crawl of every route and method: only sign-in (and sign-out, which needs a session to act) answer."""
    client = console_env.client()
    routes = console_routes(console_env.app)
    assert len(routes) > 5
    for route in routes:
        if route.path in PUBLIC:
            continue
        for method in route.methods - {"HEAD"}:
            answer = client.request(method, concrete(route.path))
            assert answer.status_code in (303, 401), (method, route.path, answer.status_code)
            if method == "GET":
                assert answer.headers["location"].startswith("/signin?next=")
    assert all(isinstance(r, (Route, Mount)) for r in console_env.app.routes)


def test_sign_in_then_out(console_env):
    client = console_env.signed_in("viewer")
    cookie = client.cookies.get("courroie_session")
    assert cookie and client.get("/").status_code == 200
    set_cookie = console_env.client().post("/signin", data={"name": "viewer", "password": PASSWORD}).headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=lax" in set_cookie and "Secure" not in set_cookie
    client.post("/signout", data={"csrf_token": csrf_of(client)})
    assert console_env.client(cookies={"courroie_session": cookie}).get("/").status_code == 303


def test_cookies_are_secure_over_https(console_env):
    client = console_env.client(base_url="https://console.example")
    answer = client.post("/signin", data={"name": "viewer", "password": PASSWORD})
    assert "Secure" in answer.headers["set-cookie"]


def test_wrong_password_and_unknown_user_say_the_same(console_env):
    client = console_env.client()
    wrong = client.post("/signin", data={"name": "admin", "password": "not it at all"})
    unknown = client.post("/signin", data={"name": "nobody", "password": "not it at all"})
    assert wrong.status_code == unknown.status_code == 401
    assert "Unknown user name or wrong password." in wrong.text and "Unknown user name or wrong password." in unknown.text
    assert "courroie_session" not in client.cookies


def test_sign_in_is_rate_limited(console_env):
    client = console_env.client()
    answers = [client.post("/signin", data={"name": "admin", "password": f"guess {n}"}).status_code for n in range(7)]
    assert answers[:5] == [401] * 5 and answers[5:] == [429, 429]
    # even the right password waits: the limit is on attempts, not on failures
    assert client.post("/signin", data={"name": "admin", "password": PASSWORD}).status_code == 429


def test_a_change_without_the_csrf_token_is_refused(console_env):
    client = console_env.signed_in("operator")
    refused = client.post("/sync", data={"shop": "portails", "flow": "prices"})
    assert refused.status_code == 403 and "reload the page" in refused.text
    forged = client.post("/sync", data={"shop": "portails", "flow": "prices", "csrf_token": "forged"})
    assert forged.status_code == 403
    assert console_env.hub.journal.history(record="portails/prices") == []


def test_a_viewer_cannot_run_a_flow_nor_manage_users(console_env):
    client = console_env.signed_in("viewer")
    token = csrf_of(client)
    assert client.post("/sync", data={"shop": "portails", "flow": "prices", "csrf_token": token}).status_code == 403
    assert client.get("/users").status_code == 403
    assert "Sync now" not in client.get("/").text


def test_an_operator_asks_for_a_run(console_env):
    client = console_env.signed_in("operator")
    answer = client.post("/sync", data={"shop": "portails", "flow": "prices", "csrf_token": csrf_of(client)})
    assert answer.status_code == 303
    [entry] = console_env.hub.journal.history(record="portails/prices")
    assert entry["action"] == "sync_now" and "operator" in entry["message"]


def test_sessions_end_after_the_idle_and_the_absolute_timeout(console_env):
    hub = console_env.hub
    user = Users(hub.store).get("viewer")
    idle = Sessions(hub.store, idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    token, _ = idle.open(user)
    assert idle.find(token) is not None
    assert Sessions(hub.store, idle=timedelta(0), absolute=timedelta(hours=12)).find(token) is None
    token, _ = idle.open(user)
    assert Sessions(hub.store, idle=timedelta(hours=1), absolute=timedelta(0)).find(token) is None


def test_disabling_a_user_ends_their_sessions(console_env):
    viewer = console_env.signed_in("viewer")
    admin = console_env.signed_in("admin")
    token = csrf_of(admin, "/users")
    assert admin.post("/users/viewer", data={"active": "0", "role": "viewer", "csrf_token": token}).status_code == 303
    assert viewer.get("/").status_code == 303
    assert console_env.client().post("/signin", data={"name": "viewer", "password": PASSWORD}).status_code == 401


def test_after_sign_in_only_this_site(console_env):
    client = console_env.client()
    answer = client.post("/signin", data={"name": "viewer", "password": PASSWORD, "next": "https://evil.example/"})
    assert answer.headers["location"] == "/"
    answer = console_env.client().post("/signin", data={"name": "viewer", "password": PASSWORD, "next": "//evil.example"})
    assert answer.headers["location"] == "/"


def test_pages_forbid_framing_and_foreign_scripts(console_env):
    answer = console_env.client().get("/signin")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


def test_the_console_speaks_french(console_env):
    client = console_env.signed_in("admin")
    assert "Vue d’ensemble" in client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    assert "Overview" in client.get("/", headers={"Accept-Language": "en-GB"}).text
    assert "Se connecter" in console_env.client().get("/signin?lang=fr").text
