"""Keyset paging for the console's lists, newest first: a page far down costs what the first one does
(no OFFSET to walk through, no count needed to page)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select


def newest_first(ids: Select, key: ColumnElement, *, before: int | None, after: int | None, size: int) -> Select:
    """``ids`` narrowed to one page and one more (to tell whether more lie beyond): the ones just
    older than ``before``, or just newer than ``after``, else the newest."""
    if after is not None:
        return ids.where(key > after).order_by(key).limit(size + 1)
    if before is not None:
        ids = ids.where(key < before)
    return ids.order_by(key.desc()).limit(size + 1)


@dataclass(frozen=True)
class Pager:
    """Where the "newer" and "older" links of a page lead (ids for ``after`` and ``before``), if anywhere."""

    newer: int | None
    older: int | None

    @classmethod
    def of(cls, ids: list[int], more: bool, *, before: int | None, after: int | None) -> Pager:
        """``ids``: the page's, newest first; ``more``: whether more lie beyond it the way it was paged."""
        if not ids:
            return cls(None, None)
        newer_exist = more if after is not None else before is not None
        older_exist = more if after is None else True
        return cls(ids[0] if newer_exist else None, ids[-1] if older_exist else None)
