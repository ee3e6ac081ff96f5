"""Odoo search domains: prefix-notation ``&``/``|``/``!`` over ``(path, operator, value)`` leaves.

Only evaluation lives here; reading a field of a record is the caller's ``get(model, id, path)``, so
stored, related and computed fields are searched alike (Odoo can search most computed fields the
sandbox computes: quantities, display names…).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .errors import value_error

OPERATORS = frozenset({"=", "!=", "<>", "<", ">", "<=", ">=", "in", "not in", "like", "ilike", "not like",
                       "not ilike", "=like", "=ilike", "child_of", "parent_of"})

# get(model, record id, field) → raw value: int|None for many2one, list[int] for x2many, else the value.
Getter = Callable[[str, int, str], Any]
# relation(model, field) → the related model name, or None when the field is not relational.
Relation = Callable[[str, str], "str | None"]
# field_type(model, field) → Odoo type, or None for an unknown field.
FieldType = Callable[[str, str], "str | None"]


def normalize(domain: Sequence[Any]) -> list[Any]:
    """Add the implicit ``&`` between leaves, as ``odoo.osv.expression.normalize_domain`` does."""
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result[0:0] = ["&"]
            expected = 1
        if isinstance(token, list | tuple) and not isinstance(token, str):
            expected -= 1
            token = tuple(token)
        elif token in ("&", "|"):
            expected += 1
        elif token != "!":
            raise value_error(f"Invalid domain term {token!r}")
        result.append(token)
    return result


class Evaluator:
    def __init__(self, get: Getter, relation: Relation, field_type: FieldType,
                 children: Callable[[str, int], list[int]], parents: Callable[[str, int], list[int]]) -> None:
        self._get, self._relation, self._type = get, relation, field_type
        self._children, self._parents = children, parents

    def check(self, model: str, domain: Sequence[Any]) -> list[Any]:
        """The normalized domain, after checking every leaf names a field (Odoo's ``ValueError``)."""
        terms = normalize(domain)
        for term in terms:
            if isinstance(term, tuple):
                self._check_leaf(model, term)
        return terms

    def _check_leaf(self, model: str, leaf: tuple) -> None:
        if len(leaf) != 3 or leaf[1] not in OPERATORS:
            raise value_error(f"Invalid leaf {leaf!r}")
        current = model
        for part in str(leaf[0]).split("."):
            if self._type(current, part) is None:
                raise value_error(f"Invalid field {model}.{leaf[0]} in leaf {leaf!r}")
            current = self._relation(current, part) or current

    def matches(self, model: str, record: int, terms: list[Any]) -> bool:
        value, rest = self._eval(model, record, terms, 0)
        return value

    def _eval(self, model: str, record: int, terms: list[Any], at: int) -> tuple[bool, int]:
        token = terms[at]
        if token == "!":
            value, at = self._eval(model, record, terms, at + 1)
            return not value, at
        if token in ("&", "|"):
            left, after = self._eval(model, record, terms, at + 1)
            right, end = self._eval(model, record, terms, after)
            return (left and right) if token == "&" else (left or right), end
        return self._leaf(model, record, token), at + 1

    def _leaf(self, model: str, record: int, leaf: tuple) -> bool:
        path, operator, value = leaf
        if operator in ("child_of", "parent_of"):
            return self._hierarchy(model, record, path, operator, value)
        head, _, tail = str(path).partition(".")
        kind = self._type(model, head)
        raw = self._get(model, record, head)
        if tail:
            target = self._relation(model, head)
            ids = raw if isinstance(raw, list) else ([raw] if raw else [])
            # Odoo searches ``a.b`` as ``a IN (SELECT id … WHERE b …)``: an empty ``a`` never matches.
            return any(self._leaf(target, i, (tail, operator, value)) for i in ids)  # type: ignore[arg-type]
        if kind in ("one2many", "many2many"):
            return _x2many(raw, operator, value)
        return compare(_plain(raw), operator, value, kind or "char")

    def _hierarchy(self, model: str, record: int, path: str, operator: str, value: Any) -> bool:
        target = self._relation(model, path) or model
        roots = value if isinstance(value, list) else [value]
        related = set()
        for root in roots:
            related |= set((self._children if operator == "child_of" else self._parents)(target, int(root)))
        raw = self._get(model, record, path) if path != "id" else record
        ids = raw if isinstance(raw, list) else ([raw] if raw else [])
        return any(i in related for i in ids)


def _plain(raw: Any) -> Any:
    return raw if raw is not None else False


def _x2many(ids: list[int], operator: str, value: Any) -> bool:
    values = value if isinstance(value, list | tuple) else [value]
    if operator in ("=", "in"):
        return (not ids) if value is False else any(v in ids for v in values)
    if operator in ("!=", "<>", "not in"):
        return bool(ids) if value is False else not any(v in ids for v in values)
    raise value_error(f"Invalid operator {operator!r} on a relational field")


def _datetime(value: Any) -> datetime | Any:
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        text = value.replace("T", " ")
        for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    return value


def like(pattern: str, text: str, *, insensitive: bool, anchored: bool) -> bool:
    """SQL ``LIKE``: ``%`` and ``_`` are wildcards, ``\\`` escapes them (PostgreSQL's default)."""
    regex, escaped = [], False
    for char in pattern:
        if escaped:
            regex.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            regex.append(".*")
        elif char == "_":
            regex.append(".")
        else:
            regex.append(re.escape(char))
    body = "".join(regex)
    flags = re.IGNORECASE | re.DOTALL if insensitive else re.DOTALL
    return re.fullmatch(body, text, flags) is not None if anchored else re.search(body, text, flags) is not None


def compare(raw: Any, operator: str, value: Any, kind: str) -> bool:
    """One leaf on a plain value, with Odoo's meaning of ``False`` (NULL)."""
    if operator in ("in", "not in"):
        values = list(value) if isinstance(value, list | tuple) else [value]
        found = raw in values or (raw is False and False in values)
        return found if operator == "in" else not found
    if operator in ("=", "!=", "<>"):
        equal = (raw is False and value is False) or (raw is not False and _equal(raw, value, kind))
        return equal if operator == "=" else not equal
    if operator.endswith("like"):
        if value is False or raw is False:
            return operator.startswith("not")
        text = str(raw)
        if operator in ("=like", "=ilike"):
            return like(str(value), text, insensitive=operator == "=ilike", anchored=True)
        found = like(str(value), text, insensitive="ilike" in operator, anchored=False)
        return not found if operator.startswith("not") else found
    if raw is False or value is False:
        return False
    left, right = (_datetime(raw), _datetime(value)) if kind in ("date", "datetime") else (raw, value)
    try:
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[operator]
    except TypeError:
        return False


def _equal(raw: Any, value: Any, kind: str) -> bool:
    if kind in ("date", "datetime"):
        return _datetime(raw) == _datetime(value)
    if kind in ("float", "monetary", "integer") and isinstance(value, int | float) and not isinstance(value, bool):
        return float(raw) == float(value)
    return bool(raw == value)
