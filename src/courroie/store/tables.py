"""Tables of the store (SQLAlchemy Core). Changes here need an Alembic revision in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON, BigInteger, Boolean, Column, DateTime, Index, Integer, MetaData, String, Table, Text, TypeDecorator,
    UniqueConstraint,
)

metadata = MetaData()


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would hand them back naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Which ERP record each shop record stands for, and the fingerprint of what the shop last received.
bindings = Table(
    "bindings", metadata,
    Column("id", Integer, primary_key=True),
    Column("connection", String(100), nullable=False),
    Column("kind", String(40), nullable=False),          # category, product, variant, stock, order, order_status
    Column("erp_key", String(255), nullable=False),
    Column("external_id", String(255), nullable=True),   # NULL while a create is in flight (intent)
    Column("fingerprint", String(64), nullable=True),
    Column("sent", JSON, nullable=True),                 # what was sent last, for `explain`
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("connection", "kind", "erp_key", name="uq_bindings_erp_key"),
    UniqueConstraint("connection", "kind", "external_id", name="uq_bindings_external_id"),
)

# Where each (connection, flow) resumes reading.
cursors = Table(
    "cursors", metadata,
    Column("connection", String(100), primary_key=True),
    Column("flow", String(40), primary_key=True),
    Column("value", String(64), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# Every order seen on a shop, kept raw before anything else happens to it.
inbox = Table(
    "inbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("shop", String(100), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("reference", String(64), nullable=True),
    Column("state", String(20), nullable=False),         # new, imported, on_hold, blocked, cancelled
    Column("raw", Text, nullable=False),
    Column("parsed", JSON, nullable=True),
    Column("erp_key", String(255), nullable=True),
    Column("reason", Text, nullable=True),
    Column("shop_updated_at", UtcDateTime(), nullable=True),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("digest", String(64), nullable=True),          # of what the order says, to see later edits
    Column("approved_by", String(100), nullable=True),    # a person let a held order through
    Column("approved_at", UtcDateTime(), nullable=True),
    Column("customer", String(500), nullable=True),       # e-mail, names, company, casefolded: the console's search
    UniqueConstraint("shop", "external_id", name="uq_inbox_shop_order"),
    Index("ix_inbox_state", "shop", "state"),
    # The console's filters in one narrow index, with the id (SQLite's indexes hold it anyway): rows are
    # wide (raw and parsed order), and a page's ids are found from this index alone (bench/console.py).
    Index("ix_inbox_console", "shop", "state", "received_at", "customer", postgresql_include=["id"]),
    Index("ix_inbox_reference", "reference"),        # a person's search, approve by reference
)

# What happened, record by record: the answer to "why does this shop show this value?".
journal = Table(
    "journal", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("run_id", Integer, nullable=True),
    Column("connection", String(100), nullable=False),
    Column("flow", String(40), nullable=False),
    Column("record", String(255), nullable=True),
    Column("action", String(40), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("details", JSON, nullable=True),
    Index("ix_journal_record", "record", "at"),
    Index("ix_journal_connection", "connection", "flow", "at"),
)

# Records that could not go through, with their payload and reason, until a person retries or skips them.
blocked = Table(
    "blocked", metadata,
    Column("id", Integer, primary_key=True),
    Column("connection", String(100), nullable=False),
    Column("flow", String(40), nullable=False),
    Column("record", String(255), nullable=False),
    Column("reason", Text, nullable=False),
    Column("details", JSON, nullable=True),
    Column("payload", Text, nullable=True),
    Column("state", String(20), nullable=False),         # open, resolved, skipped
    Column("attempts", Integer, nullable=False, default=1),
    Column("comment", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_blocked_open", "state", "connection", "flow", "record"),
)

# One row per flow run and connection.
runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("flow", String(40), nullable=False),
    Column("connection", String(100), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("status", String(20), nullable=False),        # running, ok, partial, failed
    Column("counts", JSON, nullable=True),
    Column("message", Text, nullable=True),
    Column("dry_run", Integer, nullable=False, default=0),
    Index("ix_runs_latest", "connection", "flow", "started_at"),
)

# Health of each connection, so one failing shop is visible and the others go on.
connections = Table(
    "connections", metadata,
    Column("name", String(100), primary_key=True),
    Column("status", String(20), nullable=False),        # ok, failing
    Column("message", Text, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# What `courroie run` last did of each scheduled job, so a restart catches up missed ticks once.
schedules = Table(
    "schedules", metadata,
    Column("job", String(60), primary_key=True),          # a flow, or "stock.reconcile"
    Column("shop", String(100), primary_key=True),
    Column("started_at", UtcDateTime(), nullable=True),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("status", String(20), nullable=True),          # running, ok, crashed, cancelled
)

# The ERP's stock per article and location as the stock flow last read it: what shops are pushed from,
# and what the store stock lookup answers. ``changed_at``: when the hub last saw this figure change.
stock_levels = Table(
    "stock_levels", metadata,
    Column("sku", String(255), primary_key=True),
    Column("location", String(100), primary_key=True),
    Column("quantity", String(40), nullable=False),        # a Decimal, as text
    Column("backorders", Boolean, nullable=True),           # what the ERP says; NULL: no opinion
    Column("categories", Text, nullable=True),              # the article's ERP category keys, one per line
    Column("changed_at", UtcDateTime(), nullable=False),
    Index("ix_stock_levels_changed", "location", "changed_at"),
)

# When each location's stock was last read from the ERP (its changes, or all of it).
stock_reads = Table(
    "stock_reads", metadata,
    Column("location", String(100), primary_key=True),
    Column("read_at", UtcDateTime(), nullable=False),
    Column("full_read_at", UtcDateTime(), nullable=True),
)

# Per shop: where its next stock pass of changes starts, and the digest of the stock settings it was
# pushed with (a change of settings makes the next pass a full one).
stock_shops = Table(
    "stock_shops", metadata,
    Column("shop", String(100), primary_key=True),
    Column("changes_from", UtcDateTime(), nullable=True),
    Column("settings", String(64), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# People who may use the console, and what they may do there (viewer, operator, admin).
users = Table(
    "users", metadata,
    Column("name", String(100), primary_key=True),
    Column("password_hash", String(200), nullable=False),   # argon2id, with its own salt and parameters
    Column("role", String(20), nullable=False),
    Column("language", String(5), nullable=True),           # fr, en; NULL: the browser's
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# Signed-in console sessions. Only a hash of the cookie's token is kept: a copy of the store signs no one in.
console_sessions = Table(
    "console_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user", String(100), nullable=False),
    Column("csrf", String(64), nullable=False),             # the token every state-changing request carries
    Column("created_at", UtcDateTime(), nullable=False),    # absolute timeout
    Column("seen_at", UtcDateTime(), nullable=False),       # idle timeout
)

# Who changed which mapping of the configuration through the console, and from what to what (YAML).
config_changes = Table(
    "config_changes", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("user", String(100), nullable=False),
    Column("shop", String(100), nullable=False),
    Column("mapping", String(60), nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Index("ix_config_changes_at", "at"),
)
