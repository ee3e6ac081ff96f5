"""Record what a real trytond 8.2 answers over JSON-RPC, for the double in ``tryton_captures.py``.

Not a test. Run it against a throwaway trytond whose database holds a sale 3 and a party 3 (a
sandbox copy will do), e.g. ``python record_captures.py http://127.0.0.1:8765 explore admin PASSWORD``.
It writes ``captures/trytond-8.2-jsonrpc.json`` with the session token blanked; it also creates a
user ``clerk`` without groups, to capture an access error.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import httpx

OUT = Path(__file__).parent / "captures" / "trytond-8.2-jsonrpc.json"
CLERK_PASSWORD = "clerk-password-2026"


def main(url: str, database: str, login: str, password: str) -> None:
    http = httpx.Client(base_url=url.rstrip("/"))
    captures: dict[str, dict] = {}

    def post(name: str | None, path: str, method: str, params: list, auth: str | None = None) -> httpx.Response:
        headers = {"Authorization": auth} if auth else {}
        response = http.post(path, json={"id": 1, "method": method, "params": params}, headers=headers)
        if name:
            captures[name] = {"request": {"path": path, "method": method}, "status": response.status_code,
                              "content_type": response.headers.get("content-type"), "body": response.text}
        return response

    def session(user: str, secret: str, name: str | None = None) -> tuple[str, str]:
        answer = post(name, f"/{database}/rpc/", "common.db.login", [user, {"password": secret}, "en"])
        user_id, token, _ = answer.json()["result"]
        return token, "Session " + base64.b64encode(f"{user}:{user_id}:{token}".encode()).decode()

    rpc = f"/{database}/rpc/"
    post("server_version", "/rpc/", "common.server.version", [])
    token, admin = session(login, password, "login")
    post("login_wrong_password", rpc, "common.db.login", [login, {"password": "not-the-password"}, "en"])
    post("login_unknown_database", "/nosuchdb/rpc/", "common.db.login", [login, {"password": password}, "en"])
    bogus = "Session " + base64.b64encode(f"{login}:1:0000".encode()).decode()
    post("session_expired", rpc, "model.sale.sale.search_read", [[], 0, 1, None, ["number"], {}], bogus)
    context = post("preferences", rpc, "model.res.user.get_preferences", [True, {}], admin).json()["result"]
    context["language"] = "en"
    post("search_read_sales", rpc, "model.sale.sale.search_read",
         [[["id", "=", 3]], 0, None, [["id", "ASC"]], ["number", "state", "untaxed_amount", "total_amount"], context],
         admin)
    post("user_error_missing_record", rpc, "model.sale.sale.write", [[999], {"reference": "x"}, context], admin)
    post("server_error_unknown_model", rpc, "model.product.nonexistent.search_read",
         [[], 0, None, None, ["name"], context], admin)
    post("server_error_unknown_field", rpc, "model.product.product.search_read",
         [[], 0, 1, None, ["nofield"], context], admin)
    post("method_not_exposed", rpc, "model.sale.sale._process_invoice", [[3], context], admin)
    post("concurrency", rpc, "model.party.party.write",
         [[3], {"name": "x"}, {**context, "_timestamp": {"party.party,3": "1"}}], admin)
    post("on_change_sale_line", rpc, "model.sale.line.on_change",
         [{"type": "line", "product": 1, "quantity": 1.0, "unit": None, "taxes": [], "unit_price": None, "sale": -1,
           "_parent_sale.party": 3, "_parent_sale.invoice_party": None, "_parent_sale.currency": 1,
           "_parent_sale.company": 1, "_parent_sale.sale_date": None}, ["product"], context], admin)

    clerks = post(None, rpc, "model.res.user.search", [[["login", "=", "clerk"]], 0, None, None, context], admin)
    if not clerks.json()["result"]:
        post(None, rpc, "model.res.user.create", [[{"login": "clerk", "name": "Clerk", "password": CLERK_PASSWORD,
                                                     "companies": [["add", [1]]], "company": 1}], context], admin)
    _, clerk = session("clerk", CLERK_PASSWORD)
    post("access_denied", rpc, "model.sale.sale.create", [[{"party": 3}], {"company": 1, "language": "en"}], clerk)
    post("get_access_clerk", rpc, "model.ir.model.access.get_access",
         [["sale.sale", "product.product"], {"company": 1, "language": "en"}], clerk)

    about = ("Answers of a real trytond 8.2.1 (SQLite, modules of courroie[tryton]) to JSON-RPC calls, "
             "recorded with tests/connectors/tryton/record_captures.py; the session token is replaced by f…f.")
    text = json.dumps({"_about": about, **captures}, indent=1, ensure_ascii=False).replace(token, "f" * 64)
    OUT.write_text(text)


if __name__ == "__main__":
    main(*sys.argv[1:5])
