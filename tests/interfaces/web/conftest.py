"""A console on the example configuration (shops unreachable: pages read the store), with one user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from courroie.config import load_config
from courroie.engine.hub import Hub
from courroie.interfaces.web.app import create_console
from courroie.store import Store
from courroie.store.console import ROLES, Users

EXAMPLE = Path(__file__).parents[3] / "src" / "courroie" / "templates" / "courroie.example.yaml"
ENV = {"TRYTON_PASSWORD": "tryton-secret-pw", "PS_PORTAILS_KEY": "K" * 32, "PS_GARAGES_KEY": "G" * 32}
PASSWORD = "correct horse battery"


@dataclass
class ConsoleEnv:
    hub: Hub
    app: object
    config_path: Path

    def client(self, **options) -> TestClient:
        return TestClient(self.app, follow_redirects=False, **options)

    def signed_in(self, role: str = "admin", **options) -> TestClient:
        """A client signed in as the user of that role (named after it)."""
        client = self.client(**options)
        answer = client.post("/signin", data={"name": role, "password": PASSWORD})
        assert answer.status_code == 303, answer.text
        return client


def csrf_of(client: TestClient, path: str = "/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def example_config(tmp_path: Path) -> Path:
    path = tmp_path / "courroie.yaml"
    path.write_text(EXAMPLE.read_text().replace("sqlite:///var/courroie.db", f"sqlite:///{tmp_path / 'hub.db'}"))
    return path


@pytest.fixture
def console_env(tmp_path) -> Iterator[ConsoleEnv]:
    path = example_config(tmp_path)
    config = load_config(path, ENV)
    store = Store(config.store)
    users = Users(store)
    for role in ROLES:
        users.add(role, PASSWORD, role)
    hub = Hub.open(config, store=store, shared=True)
    yield ConsoleEnv(hub, create_console(hub), path)
    store.dispose()
