"""The `courroie` command as a person uses it, on a real Tryton and two PrestaShop sandboxes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.fixtures.hub import KEYS, Env, writes

pytestmark = [pytest.mark.slow, pytest.mark.tryton]


def test_init_writes_a_commented_example_and_keeps_an_existing_file(tmp_path):
    target = tmp_path / "courroie.yaml"
    first = subprocess.run([sys.executable, "-m", "courroie", "init", str(target)], capture_output=True, text=True)
    assert first.returncode == 0 and "# " in target.read_text() and "${PS_PORTAILS_KEY}" in target.read_text()
    again = subprocess.run([sys.executable, "-m", "courroie", "init", str(target)], capture_output=True, text=True)
    assert again.returncode == 1 and "--force" in again.stdout


def test_check_passes_then_names_a_wrong_key_without_printing_it(env: Env):
    ok = env.cli("check")
    assert ok.returncode == 0, ok.stdout
    assert "FAILED" not in ok.stdout and "shop-a" in ok.stdout and "tryton" in ok.stdout
    wrong = "W" * 32
    broken = env.cli("check", environ={"KEY_SHOP_B": wrong})
    assert broken.returncode == 1
    assert "FAILED" in broken.stdout and "shop-b" in broken.stdout
    assert wrong not in broken.stdout + broken.stderr and KEYS["shop-b"] not in broken.stdout


def test_a_bad_configuration_names_file_key_and_line(env: Env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(env.config.read_text().replace("timeout: 5", "timeout: soon", 1))
    result = env.cli("status", config=bad)
    assert result.returncode == 2
    assert "bad.yaml, line" in result.stdout and "shops.0.timeout" in result.stdout


def test_dry_run_writes_nothing_then_sync_publishes(env: Env):
    for url in env.shops.values():
        url.control.reset_stats()
    plan = env.cli("sync", "catalog", "--dry-run")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "dry run" in plan.stdout and "created" in plan.stdout
    assert all(writes(url) == 0 for url in env.shops.values())
    for flow in ("catalog", "stock"):
        done = env.cli("sync", flow)
        assert done.returncode == 0, done.stdout + done.stderr
    assert all(writes(url) > 0 for url in env.shops.values())


def test_plan_lists_field_changes_and_explain_tells_where_values_come_from(env: Env, tryton_catalog):
    erp = env.tryton()
    product = next(p for p in tryton_catalog.products if p.type == "goods" and not p.attribute_set)
    [template] = erp.search_read("product.template", [("code", "=", product.code)], ["id", "name"])
    erp.model("product.template", "write", [template["id"]], {"name": "Renamed for the plan"})
    for url in env.shops.values():
        url.control.reset_stats()
    planned = env.cli("plan", "catalog", "--shop", "shop-a")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert product.code in planned.stdout and "Renamed for the plan" in planned.stdout and "name" in planned.stdout
    assert all(writes(url) == 0 for url in env.shops.values())
    explained = env.cli("explain", product.code, "--shop", "shop-a")
    assert explained.returncode == 0, explained.stdout + explained.stderr
    assert "ERP name" in explained.stdout and "on_create" in explained.stdout and "history" in explained.stdout
    assert "holds it" in explained.stdout and "changed in the shop" not in explained.stdout

    # A merchant edits the weight in the back office: explain reads the shop and says so.
    product_id = env.hub().bindings("shop-a", "product").get(product.code).external_id
    with env.ws("shop-a") as ws:
        patched = ws.patch(f"/products/{product_id}", content=(
            f'<prestashop><product><id>{product_id}</id><weight>99.5</weight></product></prestashop>'))
    assert patched.status_code == 200, patched.text
    explained = env.cli("explain", product.code, "--shop", "shop-a")
    assert "changed in the shop" in explained.stdout and "99.5" in explained.stdout


def test_status_and_journal_tell_what_happened_to_a_record(env: Env, tryton_catalog):
    status = env.cli("status")
    assert status.returncode == 0 and "catalog" in status.stdout and "stock" in status.stdout
    sku = next(p.code for p in tryton_catalog.products if p.type == "goods")
    journal = env.cli("journal", "--record", sku)
    assert journal.returncode == 0 and "created" in journal.stdout and "shop-a" in journal.stdout


def test_a_blocked_order_is_shown_retried_after_the_fix_and_imported(env: Env, tryton_catalog):
    from tests.fixtures.hub import shop_only_product, stock_row
    with env.ws("shop-a") as ws:
        product_id = ws.post("/products", content=shop_only_product("ADDED-LATER"),
                             headers={"Content-Type": "text/xml"}).json()["product"]["id"]
        row = ws.get("/stock_availables", params={"filter[id_product]": product_id, "display": "full"}).json()
        stock_id = row["stock_availables"][0]["id"]
        ws.put(f"/stock_availables/{stock_id}", content=stock_row(stock_id, product_id, 5),
               headers={"Content-Type": "text/xml"}).raise_for_status()
    order = env.place_order("shop-a", [("ADDED-LATER", 1)], email="later@example.com")
    assert env.cli("sync", "orders").returncode == 0
    listed = env.cli("blocked", "list")
    assert "unknown SKU ADDED-LATER" in listed.stdout
    entry = next(b for b in env.hub().blocked.list() if order["reference"] in b["record"])
    shown = env.cli("blocked", "show", str(entry["id"]))
    assert shown.returncode == 0 and order["reference"] in shown.stdout and "payload" in shown.stdout

    still = env.cli("blocked", "retry", str(entry["id"]))
    assert still.returncode == 1 and "still blocked" in still.stdout

    erp = env.tryton()                # a first fix: the article is created in the ERP, but without its taxes
    source = next(p.code for p in tryton_catalog.products if p.type == "goods" and not p.attribute_set)
    [template] = erp.search_read("product.template", [("code", "=", source)], ["id", "account_category"])
    [copy] = erp.model("product.template", "copy", [template["id"]], {"code": "ADDED-LATER", "account_category": None})
    mismatch = env.cli("blocked", "retry", str(entry["id"]))
    assert mismatch.returncode == 1 and "totals differ" in mismatch.stdout
    assert erp.sales(f"shop-a/{order['reference']}") == []          # the mismatching quotation was removed

    erp.model("product.template", "write", [copy], {"account_category": template["account_category"]})
    retried = env.cli("blocked", "retry", str(entry["id"]))
    assert retried.returncode == 0 and "went through" in retried.stdout, retried.stdout + retried.stderr
    assert len(erp.sales(f"shop-a/{order['reference']}")) == 1
    assert env.hub().blocked.get(entry["id"])["state"] == "resolved"


def test_skip_closes_a_blocked_record_with_a_comment(env: Env):
    hub = env.hub()
    entry_id = hub.blocked.add(connection="shop-a", flow="catalog", record="SKU-X", reason="invalid EAN13")
    skipped = env.cli("blocked", "skip", str(entry_id), "-m", "discontinued")
    assert skipped.returncode == 0
    row = env.hub().blocked.get(entry_id)
    assert (row["state"], row["comment"]) == ("skipped", "discontinued")
    assert env.cli("blocked", "skip", str(entry_id)).returncode == 1
