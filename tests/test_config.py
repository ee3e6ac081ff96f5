"""The configuration file: validated, every error names file, key and line; secrets from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from courroie import secrets
from courroie.config import load_config, parse_duration
from courroie.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "src" / "courroie" / "templates" / "courroie.example.yaml"
ENV = {"TRYTON_PASSWORD": "tryton-secret-pw", "PS_PORTAILS_KEY": "K" * 32, "PS_GARAGES_KEY": "G" * 32}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "courroie.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_configuration_is_valid():
    config = load_config(EXAMPLE, ENV)
    assert [s.name for s in config.shops] == ["portails", "garages"]
    assert config.shop("portails").hub.stock.locations == ["TLS", "BDX"]
    assert config.flows.orders.every == 30 and config.flows.stock.reconcile == 3600
    assert config.shop("portails").connector.key.get_secret_value() == "K" * 32


def test_secrets_are_not_printed():
    config = load_config(EXAMPLE, ENV)
    shown = repr(config) + str(config.model_dump())
    assert "K" * 32 not in shown and "tryton-secret-pw" not in shown
    assert secrets.redact("key=" + "G" * 32) == "key=" + secrets.MASK


def test_short_values_are_not_masked_in_free_text():
    """An environment variable such as DB_USER=shop would otherwise garble every message with "shop"."""
    secrets.register("wrong")
    secrets.register("Abcdefgh")
    assert secrets.redact("wrong totals, key Abcdefgh") == f"wrong totals, key {secrets.MASK}"


def test_missing_environment_variable_names_the_line(tmp_path):
    text = EXAMPLE.read_text()
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text), {k: v for k, v in ENV.items() if k != "PS_GARAGES_KEY"})
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "PS_GARAGES_KEY" in t)
    assert f"line {line}" in str(error.value) and "PS_GARAGES_KEY" in str(error.value)
    assert "shops.1.key" in str(error.value)


@pytest.mark.parametrize("old, new, expected", [
    ("safety: 0", "safety: -3", "shops.0.stock.safety"),
    ("safety: 0", "safty: 0", "unknown key"),
    ("orders:  {every: 30s}", "orders:  {every: soon}", "expected a duration"),
    ("type: prestashop\n    url: http://127.0.0.1:8082", "type: magento\n    url: http://127.0.0.1:8082", "shops.1.type"),
    ("concurrency: 4", "concurency: 4", "unknown key"),
])
def test_errors_name_key_line_and_expectation(tmp_path, old, new, expected):
    text = EXAMPLE.read_text()
    assert old in text
    changed = text.replace(old, new, 1)
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, changed), ENV)
    message = str(error.value)
    assert expected in message and "courroie.yaml, line " in message
    line = int(message.split("line ")[1].split(":")[0])
    assert new.split(":")[0].split("\n")[0].strip() in changed.splitlines()[line - 1] or expected == "shops.1.type"


def test_broken_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "shops: [\n"), ENV)
    with pytest.raises(ConfigError, match="courroie init"):
        load_config(tmp_path / "nothing.yaml", ENV)


def test_durations():
    assert [parse_duration(v) for v in ("30s", "10m", "1h", "1d", 5, "250ms")] == [30, 600, 3600, 86400, 5, 0.25]
    with pytest.raises(ValueError):
        parse_duration("every now and then")
