"""Hashes of Tryton's pictures and attachments, without keeping their bytes.

Tryton keeps no hash of a file: ``product.image.image`` and ``ir.attachment.data`` are Binary fields,
whose read gives either the bytes or — with the context key ``"<model>.<field>": "size"`` — only
their length (``image_id``/``file_id`` are random file-store names, not content digests). So the
hub reads the lengths with the records, then the bytes in batches of about ``batch_bytes``, hashes
them and lets them go: memory stays bounded whatever the catalog. About 30 MB/s over loopback.

A :class:`Memo` keeps the facts of a file under its *stamp* (last write, size): while the connector
lives (a scheduler running the catalog flow every night), a file nobody rewrote is not read again.
Tryton updates ``write_date`` on every write, so a stale entry is never used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Iterator, Mapping, Sequence

from courroie.connectors.tryton.client import TrytonClient
from courroie.connectors.tryton.mapping import FileFacts, file_facts


def size_context(model: str, field: str) -> dict[str, str]:
    """Read a Binary field as its length in bytes."""
    return {f"{model}.{field}": "size"}


def batches(sizes: Mapping[int, int], batch_bytes: int, max_records: int) -> Iterator[list[int]]:
    """Record ids in batches of at most ``batch_bytes`` (a larger file goes alone) and ``max_records``."""
    batch: list[int] = []
    total = 0
    for record, size in sorted(sizes.items()):
        if batch and (total + size > batch_bytes or len(batch) >= max_records):
            yield batch
            batch, total = [], 0
        batch.append(record)
        total += size
    if batch:
        yield batch


Memo = dict[tuple[str, int], tuple[Hashable, FileFacts]]   # (model, id) → (stamp, facts)


async def hash_files(client: TrytonClient, model: str, field: str, sizes: Mapping[int, int],
                     names: Mapping[int, str], *, stamps: Mapping[int, Hashable], memo: Memo,
                     batch_bytes: int, max_records: int) -> dict[int, FileFacts]:
    """Record id → hash and type of the bytes of ``field``, for the records of ``sizes`` (empty
    files left out); only those whose stamp the memo does not know are read."""
    known = {record: memo[(model, record)][1] for record, size in sizes.items()
             if size and (model, record) in memo and memo[(model, record)][0] == stamps.get(record)}

    async def read(ids: Sequence[int]) -> dict[int, FileFacts]:
        rows = await client.search_read(model, [("id", "in", list(ids))], [field])
        return {row["id"]: file_facts(row[field] or b"", names.get(row["id"], "")) for row in rows}

    wanted = {record: size for record, size in sizes.items() if size and record not in known}
    found = await asyncio.gather(*(read(ids) for ids in batches(wanted, batch_bytes, max_records)))
    fresh = {record: facts for part in found for record, facts in part.items()}
    memo.update({(model, record): (stamps.get(record), facts) for record, facts in fresh.items()})
    return known | fresh


def stamp(row: Mapping[str, object], size: int) -> Hashable:
    """What changes when a file is rewritten: Tryton's last write of the record, and the size."""
    return (row.get("write_date") or row.get("create_date"), size)
