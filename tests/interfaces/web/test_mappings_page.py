"""The Mappings page: every shop's mappings with their defaults; admins change them in the configuration
file (validated as the file is, history kept, the running hub uses the change at once)."""

from __future__ import annotations

import re

import pytest

from courroie.config import load_config
from courroie.store.journal import JournalFilter
from tests.interfaces.web.conftest import ENV, csrf_of


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """The console validates a change with the process's environment, the one `courroie run` read the
    file with; the console_env hub was read with ENV, so the process gets ENV."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def section(html: str, anchor: str) -> str:
    """The HTML of one mapping's section on the page."""
    start = html.index(f'id="{anchor}"')
    return html[start:html.index("</section>", start)]


def version(html: str, anchor: str) -> str:
    return re.search(r'name="version" value="([0-9a-f]+)"', section(html, anchor)).group(1)


def save(client, shop: str, mapping: str, value: str, **fields):
    page = client.get("/mappings").text
    form = {"csrf_token": csrf_of(client, "/mappings"), "value": value,
            "version": version(page, f"{shop}-{mapping}"), **fields}
    return client.post(f"/mappings/{shop}/{mapping}", data=form)


def test_an_admin_changes_the_carriers_of_a_shop(console_env):
    hub, client = console_env.hub, console_env.signed_in("admin")
    portails, garages = hub.shops["portails"], hub.shops["garages"]
    answer = save(client, "portails", "carriers", "{Colissimo: 7, DHL Express: 12}")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/mappings?saved=portails/carriers")
    text = console_env.config_path.read_text(encoding="utf-8")
    assert "    carriers: {Colissimo: 7, DHL Express: 12}\n" in text and "key: ${PS_PORTAILS_KEY}" in text
    assert load_config(console_env.config_path, ENV).shop("portails").connector.carriers == {"Colissimo": 7,
                                                                                             "DHL Express": 12}
    # the running hub: its configuration, and a new connector for this shop only
    assert hub.config.shop("portails").connector.carriers == {"Colissimo": 7, "DHL Express": 12}
    assert hub.shops["portails"] is not portails and hub.shops["portails"].config.carriers["Colissimo"] == 7
    assert hub.shops["garages"] is garages
    [change] = console_env.app.state.console.config_history.latest()
    assert (change["user"], change["shop"], change["mapping"]) == ("admin", "portails", "carriers")
    assert change["before"] is None and change["after"] == "Colissimo: 7\nDHL Express: 12"
    [entry] = hub.journal.search(JournalFilter(action="mapping_changed"))
    assert (entry["connection"], entry["flow"]) == ("portails", "config") and "admin" in entry["message"]
    page = client.get(answer.headers["location"]).text
    assert "Saved to the configuration" in page
    assert re.search(r'class="diff-plus">\+ Colissimo: 7</div>', page)
    assert "<td>Colissimo</td>" in section(page, "portails-carriers")


def test_a_bad_value_is_refused_with_the_loaders_message(console_env):
    client, before = console_env.signed_in("admin"), console_env.config_path.read_bytes()
    answer = save(client, "portails", "carriers", "{Colissimo: abc}")
    assert answer.status_code == 400
    form = section(answer.text, "portails-carriers")
    assert "line 25: shops.0.carriers.Colissimo: Input should be a valid integer" in form
    assert "<details class=\"edit\" open>" in form and ">{Colissimo: abc}</textarea>" in form   # the text is kept
    assert console_env.config_path.read_bytes() == before
    assert console_env.hub.config.shop("portails").connector.carriers == {}
    assert console_env.app.state.console.config_history.latest() == []


def test_a_form_older_than_the_file_is_refused(console_env):
    client = console_env.signed_in("admin")
    stale = version(client.get("/mappings").text, "garages-stock.locations")
    assert save(client, "garages", "stock.locations", "[BDX, TLS]").status_code == 303
    answer = client.post("/mappings/garages/stock.locations", data={
        "csrf_token": csrf_of(client, "/mappings"), "value": "[TLS]", "version": stale})
    assert answer.status_code == 409 and ">[TLS]</textarea>" in answer.text
    assert console_env.hub.config.shop("garages").hub.stock.locations == ["BDX", "TLS"]


def test_an_operator_sees_the_mappings_but_may_not_change_them(console_env):
    client, before = console_env.signed_in("operator"), console_env.config_path.read_bytes()
    page = client.get("/mappings")
    assert page.status_code == 200 and 'id="portails-carriers"' in page.text
    assert "<textarea" not in page.text and 'action="/mappings/' not in page.text
    answer = client.post("/mappings/portails/carriers", data={"csrf_token": csrf_of(client, "/mappings"),
                                                                "value": "{Colissimo: 7}"})
    assert answer.status_code == 403
    assert console_env.config_path.read_bytes() == before


def test_defaults_are_shown_for_what_the_file_does_not_set(console_env):
    client = console_env.signed_in("viewer")
    states = section(client.get("/mappings").text, "portails-order_states")
    assert re.search(r"<td>shipped</td>\s*<td>4</td>\s*<td><span class=\"status\">default</span>", states)
    assert re.search(r"<td>cancelled</td>\s*<td>6</td>", states)
    taxes = section(client.get("/mappings").text, "portails-tax_rules_groups")
    assert re.search(r"<td>TVA 20 %</td>\s*<td>1</td>\s*<td></td>", taxes)          # set in the file


def test_a_state_set_in_the_file_is_not_a_default(console_env):
    client = console_env.signed_in("admin")
    assert save(client, "portails", "order_states", "{shipped: 10}").status_code == 303
    states = section(client.get("/mappings").text, "portails-order_states")
    assert re.search(r"<td>shipped</td>\s*<td>10</td>\s*<td></td>", states)
    assert re.search(r"<td>delivered</td>\s*<td>5</td>\s*<td><span class=\"status\">default</span>", states)


def test_without_a_file_the_mappings_are_read_only(console_env):
    hub = console_env.hub
    hub.config = hub.config.model_copy(update={"path": None})
    client = console_env.signed_in("admin")
    page = client.get("/mappings").text
    assert "not read from a file" in page and "<textarea" not in page
    answer = client.post("/mappings/portails/carriers", data={"csrf_token": csrf_of(client, "/mappings"),
                                                                "value": "{Colissimo: 7}"})
    assert answer.status_code == 409


def test_an_unknown_mapping_is_not_found(console_env):
    client = console_env.signed_in("admin")
    answer = client.post("/mappings/portails/languages", data={"csrf_token": csrf_of(client, "/mappings"),
                                                                 "value": "{en: 1}"})
    assert answer.status_code == 404


def test_a_file_broken_by_hand_shows_what_is_in_use_without_forms(console_env):
    console_env.config_path.write_text("shops: [unclosed\n", encoding="utf-8")
    page = console_env.signed_in("admin").get("/mappings")
    assert page.status_code == 200 and "cannot be read now" in page.text and "not valid YAML" in page.text
    assert "<textarea" not in page.text and "<td>TVA 20 %</td>" in page.text
