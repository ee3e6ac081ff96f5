"""Product images: multipart upload, listings, binary answers, the JSON listing bug; output formats."""

from __future__ import annotations

import base64

import httpx
from ps_helpers import Shop, parse

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAYAAACp8Z5+AAAACXBIWXMAAA7EAAAOxAGVKw4bAAAAFUlEQVQI12M8ISf3nwEJMDGgAcICAITGAgtINzqPAAAAAElFTkSuQmCC"
)


def test_upload_list_read_and_delete(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("PICTURED", "10")
    assert ws.get(f"/images/products/{product}").status_code == 404
    uploaded = ws.post(f"/images/products/{product}", files={"image": ("tee.png", PNG, "image/png")})
    assert uploaded.status_code == 200  # not 201, as captured
    image = parse(uploaded)
    image_id = int(image.findtext("image/id"))
    assert image.findtext("image/cover") == "1" and base64.b64decode(image.findtext("content")) == PNG
    second = int(
        parse(ws.post(f"/images/products/{product}", files={"image": ("b.png", PNG, "image/png")})).findtext("image/id")
    )
    listing = parse(ws.get(f"/images/products/{product}"))
    assert [d.get("id") for d in listing.find("image")] == [str(image_id), str(second)]
    binary = ws.get(f"/images/products/{product}/{image_id}")
    assert binary.headers["content-type"] == "image/png" and binary.content == PNG
    assert ws.get(f"/images/products/{product}/{image_id}/small_default").content == PNG
    assert shop.get_json(f"/products/{product}")["product"]["id_default_image"] == image_id
    broken = ws.get(f"/images/products/{product}", params={"output_format": "JSON"})
    assert broken.status_code == 500 and broken.json()["errors"][-1]["code"] == 61
    products_listing = parse(ws.get("/images/products"))
    assert [i.get("id") for i in products_listing.find("images")] == [str(product)]
    assert ws.delete(f"/images/products/{product}/{image_id}").status_code == 200
    assert shop.get_json(f"/products/{product}")["product"]["id_default_image"] == second


def test_upload_refusals(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("REFUSED", "10")
    wrong_field = ws.post(f"/images/products/{product}", files={"file": ("tee.png", PNG, "image/png")})
    assert wrong_field.status_code == 400 and "Please set an" in parse(wrong_field).findtext("errors/error/message")
    not_image = ws.post(
        f"/images/products/{product}", files={"image": ("tee.png", b"this is not an image", "image/png")}
    )
    assert not_image.status_code == 400
    assert parse(not_image).findtext("errors/error/message") == "An error occurred while copying image"


def test_output_format_header_and_io_format(shop: Shop, ws: httpx.Client) -> None:
    product = shop.product("FORMATS", "10")
    by_header = ws.get(f"/products/{product}", headers={"Output-Format": "JSON"})
    by_io = ws.get(f"/products/{product}", params={"io_format": "JSON"})
    assert by_header.headers["content-type"] == by_io.headers["content-type"] == "application/json"
    assert by_header.json() == by_io.json() and by_header.json()["product"]["reference"] == "FORMATS"
    assert ws.get("/", params={"output_format": "JSON"}).status_code == 500  # root listing: 8.1.2 bug
