"""Product images and documents (attachments), the way 8.1.2's webservice takes them.

Images: ``POST /api/images/products/{id}``, multipart field ``image``, answered 200 with the image
record. The first image of a product becomes its cover; another is made the cover through the
product's writable virtual field ``id_default_image`` (Product::setCoverWs). PrestaShop creates the
image row *before* it copies the file: a file it cannot decode is refused (400 code 76 "An error
occurred while copying image") yet leaves a row without a file on the product, and cover if it was
the first (captured: 04-writes/044 then product 21 lists images 24 and 25). So files are checked
here first, and after such a refusal the row left behind is found and deleted.

Documents: ``POST /api/attachments/file``, multipart field ``file`` plus a form field ``name``
(WebserviceSpecificManagementAttachments). PrestaShop stores that name in its default language only,
so the record is written again (PUT) with the title in every language — cut to the 32 characters an
attachment name holds, the full title then kept in its description. It is then linked to the
product through the product's ``attachments`` association, which replaces the whole list
(Product::setWsAttachments): the current list is read and the new id added.

Writes to one product's files are serialised (a lock per product): image positions are "highest + 1"
and the attachment list is read-modify-write.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any

from lxml import etree

from courroie.connectors.prestashop import mapping, validation
from courroie.connectors.prestashop.client import NotFound, PrestaShopClient, element_to_record
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.mapping import as_text, mapped, xml_field, xml_languages, xml_record
from courroie.errors import CourroieError, DataError, TransientError
from courroie.model import FileRef

log = logging.getLogger(__name__)

COPY_FAILED = "An error occurred while copying image"
_NAME_REFUSED = re.compile(f"[{re.escape(validation.GENERIC_NAME_REFUSED)}]")


def image_type(content: bytes) -> str | None:
    """The image format PrestaShop accepts (jpg, png, gif, webp) the bytes are, by their signature."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_file_name(filename: str, limit: int = 128) -> str:
    """A file name Attachment's isGenericName takes (no < > = { }), cut to ``limit`` keeping the extension."""
    path = PurePosixPath(_NAME_REFUSED.sub("_", filename.replace("\\", "/")).split("/")[-1] or "file")
    suffix = path.suffix[:16]
    return path.stem[:max(1, limit - len(suffix))] + suffix


def _size(content: bytes, limit: int, what: str, setting: str) -> None:
    if len(content) > limit:
        raise DataError(f"{what} is {len(content):,} bytes; the shop takes at most {limit:,} ({setting})")


class ProductFiles:
    def __init__(self, client: PrestaShopClient, config: PrestaShopConfig) -> None:
        self._client = client
        self._config = config
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # --- images

    async def upload_image(self, product_id: str, image: FileRef, content: bytes, *, cover: bool) -> str:
        kind = image_type(content)
        if kind is None:
            raise DataError(f"{image.filename} is not a JPEG, PNG, GIF or WebP image; PrestaShop would refuse it",
                            details={"declared": image.content_type, "bytes": content[:16].hex()})
        _size(content, self._config.image_max_bytes, image.filename,
              "image_max_bytes: PHP's upload_max_filesize on the shop")
        async with self._locks[product_id]:
            record = await self._post_image(product_id, image.filename, content, kind)
            image_id = as_text(record.get("id"))
            if not image_id:
                raise DataError(f"PrestaShop took image {image.filename} of product {product_id} but answered no id")
            if cover and as_text(record.get("cover")) != "1":
                await self._client.update("products", product_id, mapping.cover_element(product_id, image_id))
        return image_id

    async def _post_image(self, product_id: str, filename: str, content: bytes, kind: str) -> dict[str, Any]:
        try:
            root = await self._client.upload(f"images/products/{product_id}", "image", filename, content, kind)
        except DataError as exc:
            if COPY_FAILED in str(exc):
                await self._remove_fileless_image(product_id)
            raise
        image = root.find("image")
        if image is None:
            raise DataError(f"PrestaShop answered an image upload to product {product_id} without an <image>")
        return element_to_record(image)

    async def _remove_fileless_image(self, product_id: str) -> None:
        """The newest image of the product, if PrestaShop has no file for it: the row a refused upload left."""
        try:
            ids = await self._client.image_ids(product_id)
            newest = max(ids, key=int, default=None)
            if newest is None or await self._has_file(product_id, newest):
                return
            await self._client.delete(f"images/products/{product_id}", newest)
            log.info("product %s: removed image %s that PrestaShop created without a file", product_id, newest)
        except CourroieError as exc:
            log.warning("product %s: could not remove the image row a refused upload left: %s", product_id, exc)

    async def _has_file(self, product_id: str, image_id: str) -> bool:
        try:
            await self._client.get_raw(f"images/products/{product_id}/{image_id}")
        except TransientError:
            return True             # unsure: leave it
        except CourroieError:
            return False            # 500 code 61 "This image does not exist on disk", or gone
        return True

    async def delete_image(self, product_id: str, image_id: str) -> None:
        """PrestaShop makes another image the cover when the cover goes (Image::delete)."""
        async with self._locks[product_id]:
            try:
                await self._client.delete(f"images/products/{product_id}", image_id)
            except NotFound:
                pass

    # --- documents

    async def upload_document(self, product_id: str, document: FileRef, content: bytes) -> str:
        _size(content, self._config.document_max_bytes, document.filename,
              "document_max_bytes: PHP's upload_max_filesize and PS_ATTACHMENT_MAXIMUM_SIZE on the shop")
        titles = mapped(self._titles, document)
        file_name = safe_file_name(document.filename)
        mime = mapped(validation.check, document.content_type or "application/octet-stream",
                      validation.Rule("isCleanHtml", 128), f"content type of {document.filename}")
        fallback = self._short(titles[self._config.languages[self._config.fallback_language]])
        root = await self._client.upload("attachments/file", "file", file_name, content, mime, {"name": fallback})
        record = root.find("attachment")
        attachment_id = as_text(record.findtext("id")) if record is not None else ""
        if record is None or not attachment_id:
            # Without a file PrestaShop answers the attachment list (the GET it emulates has no id).
            raise DataError(f"PrestaShop did not store document {document.filename} for product {product_id}")
        try:
            if len(self._config.languages) > 1 or any(len(t) > len(self._short(t)) for t in titles.values()):
                await self._client.put("attachments", [self._titled(record, titles)], attachment_id)
            await self._link(product_id, attachment_id)
        except CourroieError:
            await self._delete_attachment(attachment_id)    # no orphan file in the shop's download folder
            raise
        return attachment_id

    def _titles(self, document: FileRef) -> dict[int, str]:
        """The document's full title per language (the file name when the ERP gives none). Characters
        isGenericName refuses are the ERP's to fix; the length is PrestaShop's: see ``_short``."""
        if any(document.name.values()):
            return mapping.translated(document.name, self._config, f"title of {document.filename}",
                                      validation.Rule("isGenericName", i18n=True))
        stem = safe_file_name(PurePosixPath(document.filename).stem or document.filename).strip()
        return {language_id: stem for language_id in self._config.languages.values()}

    @staticmethod
    def _short(title: str) -> str:
        """Attachment names hold 32 characters, fewer than document titles usually need ("Notice de pose
        du moteur MOT-BAT-1800"): cut at a word with an ellipsis; the full title goes in the
        description, which has no limit, so nothing is lost."""
        limit = validation.ATTACHMENT_NAME.max_size or 32
        if len(title) <= limit:
            return title
        cut = title[:limit - 1].rsplit(" ", 1)[0] if " " in title[:limit - 1] else title[:limit - 1]
        return cut.rstrip(" ,;:-") + "…"

    def _titled(self, record: etree._Element, titles: dict[int, str]) -> etree._Element:
        """The stored attachment again, with its title in every language (PUT replaces the whole record)."""
        return xml_record("attachment", [
            xml_field("id", record.findtext("id")), xml_field("file", record.findtext("file")),
            xml_field("file_name", record.findtext("file_name")), xml_field("mime", record.findtext("mime")),
            xml_languages("name", {language: self._short(title) for language, title in titles.items()}),
            xml_languages("description", {language: html.escape(title) if len(title) > len(self._short(title))
                                          else "" for language, title in titles.items()})])

    async def _link(self, product_id: str, attachment_id: str) -> None:
        async with self._locks[product_id]:
            product = element_to_record(await self._client.get_xml("products", product_id))
            current = mapping.association(product, "attachments")
            if attachment_id not in current:
                await self._client.update("products", product_id,
                                          mapping.attachments_element(product_id, [*current, attachment_id]))

    async def delete_document(self, document_id: str) -> None:
        """Attachment::delete also unlinks it from every product and removes its file."""
        await self._delete_attachment(document_id)

    async def _delete_attachment(self, attachment_id: str) -> None:
        try:
            await self._client.delete("attachments", attachment_id)
        except NotFound:
            pass
