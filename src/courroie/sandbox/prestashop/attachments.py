"""`/api/attachments/file…`: product documents, as WebserviceSpecificManagementAttachments (8.1) has them.

Not captured; read from PrestaShop 8.1's source and reproduced with its quirks:
* `POST /api/attachments/file`, multipart field `file` and form field `name`: a new attachment whose
  `file` is a random sha1, `file_name` and `mime` the uploaded part's name and declared type, and a
  `name` in the shop's default language only. The answer is the new record (the handler emulates a
  GET): 200, not 201.
* No file (or one PHP dropped for exceeding upload_max_filesize): nothing is created and the
  emulated GET, having no id, lists every attachment.
* `PUT /api/attachments/file/{id}` and `DELETE /api/attachments/file/{id}` read the id from the
  wrong URL segment ("file" → 0): the PUT creates a new attachment, the DELETE deletes nothing.
* `GET /api/attachments/file/{id}` downloads the file; `/api/attachments[/{id}]` are plain records.
* Deleting an attachment (`DELETE /api/attachments/{id}`) unlinks it from every product.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from .backend import Backend, Ctx, Hooks
from .errors import WebserviceError
from .images import Upload
from .render import Entity
from .resources import REGISTRY
from .storage import Record

PS_ATTACHMENT_MAXIMUM_SIZE = 8 * 1024 * 1024  # in MB in the configuration, times 1024 * 1024 in the check
BLOB_OFFSET = -1  # attachment blobs live at negative ids (images use theirs)


def blob_id(attachment_id: int) -> int:
    return BLOB_OFFSET * attachment_id


def store_upload(b: Backend, ctx: Ctx, files: list[Upload]) -> int | None:
    """Create an attachment from the uploaded `file`; None when there is none."""
    upload = next((f for f in files if f.field == "file" and f.data), None)
    if upload is None:
        return None
    if len(upload.data) > PS_ATTACHMENT_MAXIMUM_SIZE:
        limit, size = PS_ATTACHMENT_MAXIMUM_SIZE // 1024, f"{len(upload.data) / 1024:.2f}"
        message = f"The file is too large. Maximum size allowed is: {limit} kB. The file you are trying to upload is"
        raise WebserviceError(400, [(0, f"{message} {size} kB.")])
    name = next((f.data.decode("utf-8", "replace") for f in files if f.field == "name"), "")
    default = str(b.settings.default_language)
    record: dict[str, Any] = {
        "file": hashlib.sha1(secrets.token_bytes(16)).hexdigest(),
        "file_name": upload.filename,
        "file_size": str(len(upload.data)),
        "mime": upload.content_type or "application/octet-stream",
        "name": {lang: (name if lang == default else "") for lang in b.language_ids()},
        "description": {lang: "" for lang in b.language_ids()},
    }
    for stamp in ("date_add", "date_upd"):
        if stamp in REGISTRY["attachments"].by_name:
            record[stamp] = ctx.now
    attachment_id = b.store.insert("attachments", record)
    b.store.put_blob(blob_id(attachment_id), record["mime"], upload.data)
    return attachment_id


def download(b: Backend, rid: str) -> tuple[str, str, bytes]:
    record = b.get("attachments", rid) if rid.isdigit() else None
    blob = b.store.get_blob(blob_id(int(rid))) if record is not None else None
    if record is None or blob is None:
        raise WebserviceError(500, [(1, f"Unable to load the attachment file for attachment {rid or 0}")])
    return record.get("mime", ""), record.get("file_name", ""), blob[1]


def blank_entity(b: Backend) -> Entity:
    res = REGISTRY["attachments"]
    values: dict[str, Any] = {f.name: ({} if f.i18n else "") for f in res.fields}
    return Entity(res, values)


class AttachmentHooks(Hooks):
    def finalize(self, b: Backend, op) -> None:  # type: ignore[no-untyped-def]
        blob = b.store.get_blob(blob_id(int(op.old["id"]))) if op.old is not None else None
        if blob is not None:  # Attachment::update recomputes the size from the file on disk
            op.new["file_size"] = str(len(blob[1]))

    def before_delete(self, b: Backend, record: Record, ctx: Ctx) -> None:
        b.store.delete_blob(blob_id(int(record["id"])))
        for rid, product in list(b.store.table("products").items()):
            linked = (product.get("associations") or {}).get("attachments") or []
            kept = [a for a in linked if str(a.get("id")) != record["id"]]
            if len(kept) != len(linked):
                associations = {**product["associations"], "attachments": kept}
                b.store.put("products", rid, {**product, "associations": associations,
                                               "cache_has_attachments": "1" if kept else "0"})


ATTACHMENT_HOOKS: dict[str, Hooks] = {"attachments": AttachmentHooks()}
