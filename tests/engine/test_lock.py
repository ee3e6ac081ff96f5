"""One `courroie run` per store: a second instance is refused with a message saying why and what to do."""

from __future__ import annotations

import pytest

from courroie.engine.lock import AlreadyRunning, instance_lock
from courroie.store import Store


def test_a_second_instance_on_the_same_store_is_refused_until_the_first_stops(store_url):
    first, second = Store(store_url), Store(store_url)
    try:
        with instance_lock(first):
            with pytest.raises(AlreadyRunning) as refused:
                with instance_lock(second):
                    pytest.fail("two instances hold one store")
            assert "another `courroie run` holds the store" in str(refused.value)
            assert "stop it first" in str(refused.value)
        with instance_lock(second):             # the first one stopped: the store is free
            pass
    finally:
        first.dispose(), second.dispose()


def test_the_sqlite_lock_file_sits_next_to_the_store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    with instance_lock(store), pytest.raises(AlreadyRunning, match=str(tmp_path / "hub.db.lock")):
        with instance_lock(Store(store.url)):
            pass
    store.dispose()


def test_stores_apart_do_not_share_a_lock(tmp_path):
    one, other = Store(f"sqlite:///{tmp_path / 'one.db'}"), Store(f"sqlite:///{tmp_path / 'other.db'}")
    with instance_lock(one), instance_lock(other):
        pass
    one.dispose(), other.dispose()
