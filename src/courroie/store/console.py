"""What the console keeps: its users (argon2id password hashes), their sessions, and the history of
mappings changed through it."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update

from courroie.store.db import Store, utcnow
from courroie.store.tables import config_changes, console_sessions, users

ROLES = ("viewer", "operator", "admin")       # each one may do what the ones before it may
_hasher = PasswordHasher()
# Verifying against this when the name is unknown costs as much as a real check: timing tells nothing.
_DUMMY_HASH = _hasher.hash("no such user")


def may(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    language: str | None
    active: bool


class Users:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, password: str, role: str, language: str | None = None) -> User:
        _check_role(role)
        with self.store.engine.begin() as db:
            db.execute(users.insert().values(name=name, password_hash=_hasher.hash(password), role=role,
                                             language=language, active=True, created_at=utcnow()))
        return User(name, role, language, True)

    def authenticate(self, name: str, password: str) -> User | None:
        with self.store.engine.connect() as db:
            row = db.execute(select(users).where(users.c.name == name)).first()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):     # parameters raised since it was set
            self.set_password(name, password)
        return _user(row)

    def get(self, name: str) -> User | None:
        with self.store.engine.connect() as db:
            row = db.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def all(self) -> list[User]:
        with self.store.engine.connect() as db:
            return [_user(row) for row in db.execute(select(users).order_by(users.c.name))]

    def count(self) -> int:
        with self.store.engine.connect() as db:
            return db.execute(select(func.count()).select_from(users)).scalar_one()

    def set_password(self, name: str, password: str) -> bool:
        return self._update(name, password_hash=_hasher.hash(password))

    def set_role(self, name: str, role: str) -> bool:
        _check_role(role)
        return self._update(name, role=role)

    def set_active(self, name: str, active: bool) -> bool:
        return self._update(name, active=active)

    def set_language(self, name: str, language: str | None) -> bool:
        return self._update(name, language=language)

    def _update(self, name: str, **values: Any) -> bool:
        with self.store.engine.begin() as db:
            return db.execute(update(users).where(users.c.name == name).values(**values)).rowcount > 0


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")


def _user(row: Any) -> User:
    return User(row.name, row.role, row.language, row.active)


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    created_at: datetime


class Sessions:
    """Server-side sessions: signing out or disabling a user ends them at once, and the timeouts hold
    whatever the browser keeps."""

    def __init__(self, store: Store, *, idle: timedelta, absolute: timedelta) -> None:
        self.store, self.idle, self.absolute = store, idle, absolute

    def open(self, user: User) -> tuple[str, Session]:
        """A new session; returns the token for the cookie (only its hash is stored)."""
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), utcnow()
        with self.store.engine.begin() as db:
            db.execute(console_sessions.insert().values(token_hash=_digest(token), user=user.name, csrf=csrf,
                                                        created_at=now, seen_at=now))
        return token, Session(user, csrf, now)

    def find(self, token: str) -> Session | None:
        """The session of this token if it is still alive; touching it restarts the idle timeout."""
        now = utcnow()
        with self.store.engine.begin() as db:
            row = db.execute(select(console_sessions, users).join(users, users.c.name == console_sessions.c.user)
                             .where(console_sessions.c.token_hash == _digest(token))).first()
            if row is None:
                return None
            if not row.active or now - row.seen_at > self.idle or now - row.created_at > self.absolute:
                db.execute(delete(console_sessions).where(console_sessions.c.token_hash == row.token_hash))
                return None
            if now - row.seen_at > timedelta(seconds=30):      # one write a minute at most per session
                db.execute(update(console_sessions).where(console_sessions.c.token_hash == row.token_hash)
                           .values(seen_at=now))
        return Session(User(row.name, row.role, row.language, row.active), row.csrf, row.created_at)

    def close(self, token: str) -> None:
        with self.store.engine.begin() as db:
            db.execute(delete(console_sessions).where(console_sessions.c.token_hash == _digest(token)))

    def close_all(self, user: str) -> None:
        with self.store.engine.begin() as db:
            db.execute(delete(console_sessions).where(console_sessions.c.user == user))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ConfigHistory:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, *, user: str, shop: str, mapping: str, before: str | None, after: str | None) -> None:
        with self.store.engine.begin() as db:
            db.execute(config_changes.insert().values(at=utcnow(), user=user, shop=shop, mapping=mapping,
                                                      before=before, after=after))

    def latest(self, limit: int = 50, *, shop: str | None = None) -> list[dict[str, Any]]:
        query = select(config_changes).order_by(config_changes.c.id.desc()).limit(limit)
        if shop:
            query = query.where(config_changes.c.shop == shop)
        with self.store.engine.connect() as db:
            return [dict(row._mapping) for row in db.execute(query)]
