"""`/api/images/...`: image listings (XML only), binary images and the multipart upload.

Captured (02-resource-images, 04-writes/040-044): upload field must be `image` (else 400 code 76),
a non-image is refused (400 code 76), a successful upload answers 200 with the image and its
content in base64; `/api/images/products/{id}` lists declinations, 404 (empty) without images;
its JSON form is broken in 8.1.2 (500). Uploaded bytes are kept as sent (PrestaShop re-encodes).

From the captures and 8.1's WebserviceSpecificManagementImages: the image row is created before the
file is copied, so bytes that declare an image type but are none are refused *after* the row exists
(04-writes/044 left image 25 on product 21, cover if first, with no file: reading it is a 500 code
61). A part whose declared type or extension is not an image is refused before (ImageManager::
validateUpload). A file above PHP's upload_max_filesize (2M by default) never reaches PrestaShop:
the upload is answered as if no `image` were sent.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from .backend import Backend, Ctx
from .errors import EmptyAnswer, RawAnswer, WebserviceError
from .render import cdata, php_json, xml_document

MIMETYPES = "image/gif, image/jpg, image/jpeg, image/pjpeg, image/png, image/webp, image/x-png"
IMAGE_KINDS = ("general", "products", "categories", "manufacturers", "suppliers", "stores", "customizations")
GENERAL = ("header", "mail", "invoice", "store_icon")


UPLOAD_MAX_FILESIZE = 2 * 1024 * 1024  # php.ini default "2M"
IMAGE_EXTENSIONS = (".gif", ".jpg", ".jpeg", ".jpe", ".png", ".webp")
IMAGE_MIMES = ("image/gif", "image/jpg", "image/jpeg", "image/pjpeg", "image/png", "image/webp", "image/x-png")


@dataclass
class Upload:
    field: str
    data: bytes
    filename: str = ""
    content_type: str = ""
    dropped: bool = False  # PHP refused it (upload_max_filesize): $_FILES has no tmp_name


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _perms(get: bool, put: bool) -> str:
    flag = {True: "true", False: "false"}
    return (
        f'get="{flag[get]}" put="{flag[put]}" post="false" patch="false" delete="false" head="true" '
        f'upload_allowed_mimetypes="{MIMETYPES}"'
    )


def listing_root(ctx: Ctx) -> bytes:
    rows = "".join(f'<{kind} xlink:href="{ctx.base}images/{kind}" {_perms(True, False)}/>\n' for kind in IMAGE_KINDS)
    return xml_document(f"<image_types>\n{rows}</image_types>\n")


def listing_general(ctx: Ctx) -> bytes:
    rows = "".join(f'<{kind} xlink:href="{ctx.base}images/general/{kind}" {_perms(True, True)}/>\n' for kind in GENERAL)
    return xml_document(f"<general_image_types>\n{rows}</general_image_types>\n")


def listing_products(b: Backend, ctx: Ctx) -> bytes:
    types = [t for t in b.store.table("image_types").values() if t.get("products") == "1"]
    types.sort(key=lambda t: t.get("name", ""))
    type_rows = "".join(
        f'<image_type id="{t["id"]}" name="{t["name"]}" xlink:href="{ctx.base}image_types/{t["id"]}"/>\n' for t in types
    )
    products = sorted({int(i["id_product"]) for i in b.store.table("images").values()})
    image_rows = "".join(f'<image id="{p}" xlink:href="{ctx.base}images/products/{p}"/>\n' for p in products)
    return xml_document(f"<image_types>\n{type_rows}</image_types>\n<images>\n{image_rows}</images>\n")


def product_images(b: Backend, product_id: int) -> list[dict]:
    images = b.find("images", id_product=product_id)
    return sorted(images, key=lambda i: (int(i.get("position") or 0), int(i["id"])))


def declinations(b: Backend, ctx: Ctx, product_id: int, json: bool) -> bytes:
    images = product_images(b, product_id)
    if not images:
        raise EmptyAnswer(404)
    if json:  # WebserviceOutputJSON cannot render this listing in 8.1.2
        warning = (
            '[PHP Warning #2] Undefined array key "objectsNodeName" '
            "(/var/www/prestashop/classes/webservice/WebserviceOutputJSON.php, line 127)"
        )
        body = php_json(
            {
                "": [{"id": str(product_id)}, *({"id": int(i["id"])} for i in images)],
                "errors": [{"code": 3, "message": warning}] * 3
                + [{"code": 61, "message": "This image does not exist on disk"}],
            }
        )
        raise RawAnswer(500, body, json=True)
    rows = "".join(
        f'<declination id="{i["id"]}" xlink:href="{ctx.base}images/products/{product_id}/{i["id"]}"/>\n' for i in images
    )
    return xml_document(f'<image id="{product_id}">\n{rows}</image>\n')


def binary(b: Backend, product_id: int, image_id: int) -> tuple[str, bytes]:
    image = b.get("images", image_id)
    if image is None or str(image.get("id_product")) != str(product_id):
        raise EmptyAnswer(404)
    blob = b.store.get_blob(image_id)
    if blob is None:
        raise WebserviceError(500, [(61, "This image does not exist on disk")])
    return blob


def upload(b: Backend, ctx: Ctx, product_id: int, files: list[Upload]) -> bytes:
    image_file = next((f for f in files if f.field == "image" and not f.dropped), None)
    if image_file is None or not image_file.data:
        raise WebserviceError(400, [(76, 'Please set an "image" parameter with image data for value')])
    declared = image_file.content_type.split(";")[0].strip().lower()
    if declared not in IMAGE_MIMES or not image_file.filename.lower().endswith(IMAGE_EXTENSIONS):
        formats = ", ".join(IMAGE_EXTENSIONS)
        message = f"Image upload error : Image format not recognized, allowed formats are: {formats}"
        raise WebserviceError(400, [(76, message)])
    if b.get("products", product_id) is None:
        raise WebserviceError(400, [(76, f"Product {product_id} does not exist")])
    existing = product_images(b, product_id)
    position = max((int(i.get("position") or 0) for i in existing), default=0) + 1
    record: dict[str, Any] = {
        "id_product": str(product_id),
        "position": str(position),
        "cover": "" if any(i.get("cover") == "1" for i in existing) else "1",
        "legend": {lang: "" for lang in ctx.languages},
    }
    b.store.insert("images", record)
    mime = sniff(image_file.data)
    if mime is None:  # the row stays, without a file
        ctx.after_commit.append(WebserviceError(400, [(76, "An error occurred while copying image")]))
        return b""
    b.store.put_blob(int(record["id"]), mime, image_file.data)
    legend = "".join(
        f'<language id="{lang}" xlink:href="{ctx.base}languages/{lang}">{cdata("")}</language>'
        for lang in ctx.languages
    )
    cover = "1" if record["cover"] == "1" else ""
    inner = (
        f"<image>\n<id>{cdata(record['id'])}</id>\n<id_product>{cdata(product_id)}</id_product>\n"
        f"<position>{cdata(position)}</position>\n<cover>{cdata(cover)}</cover>\n<legend>{legend}</legend>\n</image>\n"
        f'<content encode="base64">{cdata(base64.b64encode(image_file.data).decode())}</content>\n'
    )
    return xml_document(inner)


def set_cover(b: Backend, product_id: int, image_id: object) -> None:
    """Product::setCoverWs: clears the product's covers, then flags that image (whichever product's)."""
    for image in product_images(b, product_id):
        if image.get("cover") == "1":
            b.store.put("images", int(image["id"]), {**image, "cover": ""})
    image = b.get("images", image_id)
    if image is not None:
        b.store.put("images", int(image["id"]), {**image, "cover": "1"})


def delete(b: Backend, ctx: Ctx, product_id: int, image_id: int) -> None:
    image = b.get("images", image_id)
    if image is None or str(image.get("id_product")) != str(product_id):
        raise WebserviceError(404, [(87, f"Id(s) not exists: {image_id}")])
    b.store.delete("images", image_id)
    b.store.delete_blob(image_id)
    rest = product_images(b, product_id)
    if image.get("cover") == "1" and rest:
        b.store.put("images", int(rest[0]["id"]), {**rest[0], "cover": "1"})
