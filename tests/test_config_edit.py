"""Editing one shop mapping in the configuration file: the loader's own validation, the rest of the file
byte for byte, ``${VAR}`` references kept, the file untouched when refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from courroie.config import load_config
from courroie.config_edit import ConfigFile, StaleEdit, change_mapping, version_of
from courroie.errors import ConfigError
from courroie.model import SaleState

EXAMPLE = Path(__file__).parents[1] / "src" / "courroie" / "templates" / "courroie.example.yaml"
ENV = {"TRYTON_PASSWORD": "tryton-secret-pw", "PS_PORTAILS_KEY": "K" * 32, "PS_GARAGES_KEY": "G" * 32}


@pytest.fixture
def path(tmp_path) -> Path:
    path = tmp_path / "courroie.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """Lines only in ``before``, lines only in ``after`` (the file is small: a multiset difference)."""
    old, new = before.splitlines(), after.splitlines()
    return [line for line in old if line not in new], [line for line in new if line not in old]


def test_replacing_a_mapping_changes_its_line_only(path):
    before = path.read_text(encoding="utf-8")
    change = change_mapping(path, "portails", "tax_rules_groups", '{"TVA 20 %": 1, "TVA 5,5 %": 3}', environ=ENV)
    after = path.read_text(encoding="utf-8")
    removed, added = changed_lines(before, after)
    assert removed == ['    tax_rules_groups: {"TVA 20 %": 1, "TVA 10 %": 2}   # ERP tax → PrestaShop tax rules group']
    assert len(added) == 1 and added[0].startswith('    tax_rules_groups: {"TVA 20 %": 1, "TVA 5,5 %": 3}')
    assert added[0].endswith("# ERP tax → PrestaShop tax rules group")       # its comment stays
    assert len(after.splitlines()) == len(before.splitlines())
    # comments, odd spacing and ${VAR} references elsewhere: byte for byte
    for kept in ("  orders:  {every: 30s}", "      base: null                     # ERP price list giving",
                 "    key: ${PS_PORTAILS_KEY}", "  password: ${TRYTON_PASSWORD}", "# Who owns each product field"):
        assert kept in after
    assert "K" * 32 not in after and "tryton-secret-pw" not in after
    assert change.before == "TVA 20 %: 1\nTVA 10 %: 2" and change.after == "TVA 20 %: 1\nTVA 5,5 %: 3"
    assert change.config.shop("portails").connector.tax_rules_groups == {"TVA 20 %": 1, "TVA 5,5 %": 3}
    assert load_config(path, ENV).shop("portails").connector.tax_rules_groups == {"TVA 20 %": 1, "TVA 5,5 %": 3}


def test_a_new_mapping_goes_with_the_connector_keys(path):
    before = path.read_text(encoding="utf-8")
    change_mapping(path, "garages", "carriers", "Colissimo: 7\nDHL Express: 12\n", environ=ENV)
    after = path.read_text(encoding="utf-8")
    assert "    key: ${PS_GARAGES_KEY}\n    carriers:\n      Colissimo: 7\n      DHL Express: 12\n    stock:\n" in after
    assert changed_lines(before, after)[0] == []
    assert load_config(path, ENV).shop("garages").connector.carriers == {"Colissimo": 7, "DHL Express": 12}


def test_a_missing_section_is_created(path):
    change_mapping(path, "garages", "orders.payment_journals", "{ps_checkpayment: Chèques}", environ=ENV)
    text = path.read_text(encoding="utf-8")
    assert "    orders:\n      payment_journals: {ps_checkpayment: Chèques}\n" in text
    assert load_config(path, ENV).shop("garages").hub.orders.payment_journals == {"ps_checkpayment": "Chèques"}


def test_an_empty_text_removes_the_mapping_and_defaults_apply(path):
    change_mapping(path, "portails", "order_states", "{shipped: 10}", environ=ENV)
    assert load_config(path, ENV).shop("portails").connector.order_states[SaleState.SHIPPED] == 10
    change = change_mapping(path, "portails", "order_states", "", environ=ENV)
    assert change.before == "shipped: 10" and change.after is None
    assert "order_states" not in path.read_text(encoding="utf-8")
    assert load_config(path, ENV).shop("portails").connector.order_states[SaleState.SHIPPED] == 4
    # a section left empty goes with its last key
    change_mapping(path, "garages", "stock.locations", "", environ=ENV)
    assert "[BDX]" not in path.read_text(encoding="utf-8")
    assert load_config(path, ENV).shop("garages").hub.stock.locations == []


def test_comments_after_the_last_mapping_of_the_file_stay(path):
    """The comments introducing the next top-level section sit after the last shop's last key."""
    text = path.read_text(encoding="utf-8").replace(
        "    flows:                           # this shop's own rhythm for some flows (the others: `flows` below)\n"
        "      orders: {every: 2m}\n",
        "    catalog:\n      category_map:\n        Accessoires: null   # not sold here\n        Moteurs: '12'\n")
    path.write_text(text, encoding="utf-8")
    change_mapping(path, "garages", "catalog.category_map", "Moteurs: '14'\n# kept out\nAccessoires: null",
                   environ=ENV)
    after = path.read_text(encoding="utf-8")
    assert ("    catalog:\n      category_map:\n        Moteurs: '14'\n        # kept out\n        Accessoires: null\n"
            "\n# How often each flow runs under `courroie run`") in after
    assert load_config(path, ENV).shop("garages").hub.catalog.category_map == {"Moteurs": "14", "Accessoires": None}


def test_the_form_shows_the_mapping_as_written(path):
    written = ConfigFile.read(path)
    assert written.written("portails", "tax_rules_groups") == '{"TVA 20 %": 1, "TVA 10 %": 2}'
    assert written.written("portails", "orders.customer_groups") == (
        'Professionnels: {price_list: "Tarif pro", payment_term: "30 jours", customer_category: "Professionnel"}')
    assert written.written("garages", "carriers") == ""
    assert written.node("garages", "stock.locations") == ["BDX"]


@pytest.mark.parametrize(("mapping", "text", "message"), [
    ("carriers", "{Colissimo: abc}", "line 25: shops.0.carriers.Colissimo: Input should be a valid integer"),
    ("order_states", "{sent: 4}", "shops.0.order_states.sent.[key]: Input should be 'accepted'"),
    ("orders.payment_journals", "[ps_checkpayment]", "shops.0.orders.payment_journals: Input should be a valid dict"),
    ("stock.locations", "{TLS: 1}", "shops.0.stock.locations: Input should be a valid list"),
    ("carriers", "{Colissimo: [}", "carriers: not valid YAML"),
])
def test_invalid_values_are_refused_with_the_loaders_message(path, mapping, text, message):
    before = path.read_bytes()
    with pytest.raises(ConfigError) as refused:
        change_mapping(path, "portails", mapping, text, environ=ENV)
    assert message in str(refused.value)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]          # no temporary file left


def test_a_negative_id_is_refused(path):
    with pytest.raises(ConfigError):
        change_mapping(path, "portails", "carriers", "{Colissimo: -3}", environ=ENV)


def test_a_variable_missing_from_the_environment_refuses_the_change(path):
    before = path.read_bytes()
    with pytest.raises(ConfigError, match="environment variable PS_GARAGES_KEY is not set"):
        change_mapping(path, "portails", "carriers", "{Colissimo: 7}",
                       environ={k: v for k, v in ENV.items() if k != "PS_GARAGES_KEY"})
    assert path.read_bytes() == before


def test_a_form_older_than_the_file_is_refused(path):
    version = version_of(ConfigFile.read(path).node("portails", "customer_groups"))
    change_mapping(path, "portails", "customer_groups", '{"Tarif pro": 5}', environ=ENV, version=version)
    with pytest.raises(StaleEdit):
        change_mapping(path, "portails", "customer_groups", '{"Tarif pro": 6}', environ=ENV, version=version)
    assert load_config(path, ENV).shop("portails").connector.customer_groups == {"Tarif pro": 5}


def test_the_same_value_is_no_change(path):
    before = path.read_bytes()
    assert change_mapping(path, "portails", "customer_groups", '"Tarif pro": 4', environ=ENV) is None
    assert change_mapping(path, "garages", "carriers", "", environ=ENV) is None
    assert path.read_bytes() == before


def test_crlf_files_keep_their_line_ends(path):
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    change_mapping(path, "garages", "carriers", "{Colissimo: 7}", environ=ENV)
    data = path.read_bytes()
    assert b"    carriers: {Colissimo: 7}\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


def test_the_file_is_replaced_at_once_and_keeps_its_permissions(path):
    """A new file renamed over the old one (a reader never sees half a file), through a symbolic link."""
    path.chmod(0o640)
    link = path.parent / "link.yaml"
    link.symlink_to(path)
    inode = path.stat().st_ino
    change_mapping(link, "garages", "carriers", "{Colissimo: 7}", environ=ENV)
    assert link.is_symlink() and "carriers: {Colissimo: 7}" in path.read_text(encoding="utf-8")
    assert path.stat().st_ino != inode and path.stat().st_mode & 0o777 == 0o640
