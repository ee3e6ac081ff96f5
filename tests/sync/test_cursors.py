from datetime import UTC, datetime, timedelta

from courroie.sync.cursors import Cursors
from courroie.sync.fingerprints import fingerprint

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def test_cursor_reads_back_with_overlap(sqlite_store):
    cursors = Cursors(sqlite_store)
    assert cursors.read_from("shop", "orders") is None
    cursors.advance("shop", "orders", T0, run_started=T0 + timedelta(hours=1))
    assert cursors.read_from("shop", "orders", overlap=timedelta(minutes=10)) == T0 - timedelta(minutes=10)


def test_cursor_never_passes_run_start_nor_moves_back(sqlite_store):
    cursors = Cursors(sqlite_store)
    cursors.advance("shop", "orders", T0 + timedelta(hours=5), run_started=T0)    # shop clock ahead
    assert cursors.get("shop", "orders") == T0
    cursors.advance("shop", "orders", T0 - timedelta(days=1), run_started=T0 + timedelta(hours=1))
    assert cursors.get("shop", "orders") == T0
    cursors.advance("shop", "orders", None, run_started=T0 + timedelta(hours=2))  # nothing seen: stays
    assert cursors.get("shop", "orders") == T0


def test_fingerprint_is_stable_and_sensitive():
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
