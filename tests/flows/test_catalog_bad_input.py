"""Bad catalog data in the ERP: each bad record is blocked with a reason that names the field and the
value, keeps its payload, and the run publishes the others; fixed in the ERP, the record goes through
on the next run and its blocked entry is closed.

The bad records are written into the real Tryton where Tryton stores them (names, a negative price, a
missing translation, a picture too large for the shop). Tryton refuses the others itself, so they are
put at the boundary by ``ErpWithFaults``, which answers the real Tryton's records with one record
changed as an ERP without that check would give it:
- an EAN-13 with a wrong checksum (product.identifier: "The International Article Number … is not valid");
- two articles with the same reference ("Code of active product must be unique");
- a category cycle ("Recursion error: Record … was configured as ancestor of itself");
- a picture that is not an image (product_image opens and converts every picture to JPEG with PIL:
  "Can not open or identify the image set for the product").

The tests share one ERP database and one shop, and run top to bottom.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from courroie.connectors.tryton.mapping import file_facts
from courroie.interfaces.operations import run_flow
from courroie.model import Category, Product
from courroie.sandbox.config import SandboxShop, add_customer_group, write_sandbox_config
from courroie.sandbox.prestashop import run_in_thread
from courroie.sandbox.tryton import TrytonDatabase
from tests.fixtures.hub import KEYS, Env

pytestmark = [pytest.mark.slow, pytest.mark.tryton, pytest.mark.prestashop]

SHOP = "shop-a"
IMAGE_LIMIT = 1_000_000        # this shop's php.ini: upload_max_filesize = 1M (the connector's image_max_bytes)
NOT_AN_IMAGE = b"%PDF-1.4\n% a manual uploaded as the product picture\n"


@dataclass
class Faults:
    """What ``ErpWithFaults`` changes in the real ERP's answers."""

    ean13: dict[str, str] = field(default_factory=dict)             # SKU → EAN-13 given instead
    reference: dict[str, str] = field(default_factory=dict)         # SKU → the other article's SKU it is given
    parent: dict[str, str] = field(default_factory=dict)            # category key → parent key given instead
    picture: dict[str, bytes] = field(default_factory=dict)         # SKU → bytes of its first picture

    def clear(self) -> None:
        for faults in (self.ean13, self.reference, self.parent, self.picture):
            faults.clear()


class ErpWithFaults:
    """The real Tryton connector, with the records Tryton refuses to store changed in its answers."""

    def __init__(self, erp, faults: Faults) -> None:
        self._erp, self._faults = erp, faults
        self._files: dict[str, bytes] = {}

    def __getattr__(self, name: str):
        return getattr(self._erp, name)

    async def read_categories(self) -> list[Category]:
        return [c.model_copy(update={"parent_key": self._faults.parent[c.key]}) if c.key in self._faults.parent else c
                for c in await self._erp.read_categories()]

    async def read_products(self) -> list[Product]:
        return [self._changed(p) for p in await self._erp.read_products()]

    def _changed(self, product: Product) -> Product:
        faults = self._faults
        variants = tuple(v.model_copy(update={"ean13": faults.ean13[v.sku]}) if v.sku in faults.ean13 else v
                         for v in product.variants)
        update: dict = {"variants": variants}
        if product.sku in faults.ean13 and product.ean13:
            update["ean13"] = faults.ean13[product.sku]
        if product.sku in faults.reference:
            other = faults.reference[product.sku]
            update["sku"] = other
            update["variants"] = tuple(v.model_copy(update={"sku": other}) if v.sku == product.sku else v
                                       for v in variants)
        if product.sku in faults.picture:
            content = faults.picture[product.sku]
            facts = file_facts(content)
            first, *others = product.images
            self._files[first.key] = content
            update["images"] = (first.model_copy(update={"content_hash": facts.sha256,
                                                         "content_type": facts.content_type}), *others)
        return product.model_copy(update=update)

    async def read_file(self, key: str) -> bytes:
        if key in self._files:
            return self._files[key]
        return await self._erp.read_file(key)


@dataclass
class Bad:
    env: Env
    faults: Faults

    def run(self, flow: str) -> dict[str, dict]:
        hub = self.env.hub()
        hub.erp = ErpWithFaults(hub.erp, self.faults)
        return {run["connection"]: run for run in asyncio.run(run_flow(hub, flow))}

    def entries(self, state: str | None = "open") -> dict[str, dict]:
        """Blocked entries of the catalog flow in the shop, by record."""
        rows = self.env.hub().blocked.list(state=state, connection=SHOP, flow="catalog")
        return {row["record"]: row for row in rows}

    def shop_products(self) -> dict[str, dict]:
        with self.env.ws(SHOP) as ws:
            rows = ws.get("/products", params={"display": "[id,reference,active,price,ean13,name]"}).json()
        return {row["reference"]: row for row in (rows or {}).get("products", [])}

    def specific_prices(self, product_id: object) -> list[dict]:
        with self.env.ws(SHOP) as ws:
            rows = ws.get("/specific_prices",
                          params={"filter[id_product]": f"[{product_id}]", "display": "full"}).json()
        return (rows or {}).get("specific_prices", [])

    def shop_categories(self) -> set[str]:
        with self.env.ws(SHOP) as ws:
            rows = ws.get("/categories", params={"display": "[id,name]", "language": "1"}).json()
        return {row["name"] for row in (rows or {}).get("categories", [])}


@pytest.fixture(scope="module")
def bad(tryton_db: TrytonDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bad]:
    root = tmp_path_factory.mktemp("bad-input")
    with run_in_thread(root / SHOP, KEYS[SHOP], latency=0) as url:
        config = write_sandbox_config(
            root / "courroie.yaml", store=root / "hub.db", erp_url=tryton_db.url, database=tryton_db.name,
            shop_timeout=5, shops={SHOP: SandboxShop(url, "KEY_SHOP_A", ("TLS", "BDX"),
                                                     add_customer_group(url, KEYS[SHOP]))})
        with config.open("a", encoding="utf-8") as text:     # the shop is the last entry: its own setting
            text.write(f"    image_max_bytes: {IMAGE_LIMIT}   # upload_max_filesize = 1M\n")
        environ = {"TRYTON_PASSWORD": tryton_db.password, "KEY_SHOP_A": KEYS[SHOP]}
        yield Bad(Env(config, environ, {SHOP: url}, tryton_db), Faults())


@dataclass(frozen=True)
class Cases:
    ean13: str
    long_name: str
    refused_characters: str
    negative_price: str
    same_reference: tuple[str, str]      # (the article given the other's reference, the other)
    missing_translation: str
    not_an_image: str
    image_too_large: str
    cycle: tuple[str, str]               # category keys: a parent and its child


@pytest.fixture(scope="module")
def cases(bad: Bad, tryton_catalog) -> Cases:
    """Articles without variants, not in a kit, with a picture and an EAN-13, outside the categories of
    the cycle; the cycle between "Safety" and its child "Safety edges"."""
    components = {code for p in tryton_catalog.products for code, _ in p.components}
    picked = [p.code for p in tryton_catalog.products
              if p.type == "goods" and not p.attribute_set and p.code not in components and p.pictures
              and p.variants[0].ean and not any(k.startswith("securite") for k in p.categories)]
    assert len(picked) >= 9
    categories = {c.name["en"]: c.key for c in asyncio.run(_categories(bad))}
    return Cases(ean13=picked[0], long_name=picked[1], refused_characters=picked[2], negative_price=picked[3],
                 same_reference=(picked[4], picked[5]), missing_translation=picked[6], not_an_image=picked[7],
                 image_too_large=picked[8], cycle=(categories["Safety"], categories["Safety edges"]))


async def _categories(bad: Bad) -> list[Category]:
    async with bad.env.hub() as hub:
        return await hub.erp.read_categories()


# --- the ERP side ---------------------------------------------------------------------------------------

def _bytes(content: bytes) -> dict:
    return {"__class__": "bytes", "base64": base64.b64encode(content).decode()}


def noise_jpeg(side: int) -> bytes:
    """A picture that compresses badly: Tryton (2048 px at most, JPEG) keeps it near 1.7 MB."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def small_jpeg() -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 90, 160)).save(buffer, "JPEG")
    return buffer.getvalue()


class Erp:
    """Writes in the real Tryton, as a person at the ERP would."""

    def __init__(self, env: Env) -> None:
        self.rpc = env.tryton()

    def template(self, sku: str) -> int:
        [row] = self.rpc.search_read("product.template", [("code", "=", sku)], ["id"])
        return row["id"]

    def write_template(self, sku: str, values: dict, language: str = "en") -> None:
        self.rpc.model("product.template", "write", [self.template(sku)], values, context={"language": language})

    def variant_description(self, sku: str, text: str, language: str) -> None:
        [row] = self.rpc.search_read("product.product", [("code", "=", sku)], ["id"])
        self.rpc.model("product.product", "write", [row["id"]], {"description": text}, context={"language": language})

    def set_picture(self, sku: str, content: bytes) -> None:
        [picture] = self.rpc.search_read("product.image", [("template", "=", self.template(sku))], ["id"])[:1]
        self.rpc.model("product.image", "write", [picture["id"]], {"image": _bytes(content)})

    def picture_size(self, sku: str) -> int:
        [picture] = self.rpc.search_read("product.image", [("template", "=", self.template(sku))], ["image"],
                                         **{"product.image.image": "size"})[:1]
        return picture["image"]


LONG_NAME = ("Sudmatic Mistral 110 high-gain outdoor antenna with 5 m low-loss coaxial cable, wall bracket, "
             "weatherproof connector and mounting kit")          # PrestaShop takes 128 characters
REFUSED_NAME = "Keypad <Pro> #2 {wireless}"


def test_each_bad_record_is_blocked_and_the_others_are_published(bad, cases, tryton_catalog):
    erp = Erp(bad.env)
    assert len(LONG_NAME) > 128
    erp.write_template(cases.long_name, {"name": LONG_NAME})
    erp.write_template(cases.refused_characters, {"name": REFUSED_NAME})
    erp.write_template(cases.negative_price, {"list_price": Decimal("-5.00")})
    erp.variant_description(cases.missing_translation, "", "en")
    erp.variant_description(cases.missing_translation, "<p>Antenne extérieure, notice en français seulement.</p>",
                            "fr")
    erp.set_picture(cases.image_too_large, noise_jpeg(2048))
    assert erp.picture_size(cases.image_too_large) > IMAGE_LIMIT        # Tryton keeps it at 2048 px, as JPEG
    good_ean = tryton_catalog.variant(cases.ean13).ean
    bad_ean = good_ean[:-1] + str((int(good_ean[-1]) + 1) % 10)
    bad.faults.ean13[cases.ean13] = bad_ean
    bad.faults.reference[cases.same_reference[0]] = cases.same_reference[1]
    safety, edges = cases.cycle
    bad.faults.parent[safety] = edges
    bad.faults.picture[cases.not_an_image] = NOT_AN_IMAGE

    runs = bad.run("catalog")
    assert runs["tryton"]["status"] == "ok"
    assert runs[SHOP]["status"] == "partial", runs[SHOP]["message"]
    entries = bad.entries()

    def entry(record: str, *words: str) -> dict:
        assert record in entries, (record, sorted(entries))
        found = entries[record]
        for word in words:
            assert word in found["reason"], (record, word, found["reason"])
        assert found["payload"], f"{record}: its payload is kept"
        return found

    assert bad_ean in entry(cases.ean13, "EAN13", repr(bad_ean))["payload"]
    entry(cases.long_name, "name (en)", f"{len(LONG_NAME)} characters", "at most 128", LONG_NAME[:40])
    entry(cases.refused_characters, "name (en)", "'<'", REFUSED_NAME)
    assert '"-5.00"' in entry(cases.negative_price, "negative price", "-5.00")["payload"]
    duplicate = entry(cases.same_reference[1], "reference", cases.same_reference[1])
    assert cases.same_reference[0] not in entries and len(json.loads(duplicate["payload"])) == 2
    entry(cases.missing_translation, "description", "no en text")
    not_image = next(record for record in entries if record.startswith(f"{cases.not_an_image} image "))
    filename = not_image.split(" image ")[1]
    assert json.loads(entry(not_image, filename, "is not a JPEG, PNG, GIF or WebP image")["payload"])["key"]
    too_large = next(record for record in entries if record.startswith(f"{cases.image_too_large} image "))
    entry(too_large, too_large.split(" image ")[1], f"at most {IMAGE_LIMIT:,}", "image_max_bytes")
    assert json.loads(entry(f"category:{safety}", "'Safety'", "'Safety edges'", "cycle")["payload"])["key"] == safety
    entry(f"category:{edges}", "'Safety edges'", "'Safety'", "cycle")

    published = bad.shop_products()
    withheld = {cases.ean13, cases.long_name, cases.refused_characters, cases.negative_price,
                *cases.same_reference, cases.missing_translation}
    erp_skus = {p.code for p in tryton_catalog.products}
    assert set(published) == erp_skus - withheld           # the others, the two with bad pictures included
    assert {cases.not_an_image, cases.image_too_large} <= set(published)
    assert runs[SHOP]["counts"]["blocked"] == len(entries) == 10, (runs[SHOP]["counts"], sorted(entries))
    assert not {"Safety", "Safety edges"} & bad.shop_categories()   # nor the categories under them
    assert "Accessories" in bad.shop_categories()

    prices = bad.run("prices")              # the negative price does not stop the prices of the others
    assert prices["tryton"]["status"] == "ok", prices["tryton"]["message"]
    assert prices[SHOP]["status"] in ("ok", "partial"), prices[SHOP]["message"]


def test_fixed_in_the_erp_each_record_is_published_and_its_entry_closed(bad, cases, tryton_catalog):
    erp = Erp(bad.env)
    seed = {p.code: p for p in tryton_catalog.products}
    erp.write_template(cases.long_name, {"name": seed[cases.long_name].name_en})
    erp.write_template(cases.refused_characters, {"name": seed[cases.refused_characters].name_en})
    erp.write_template(cases.negative_price, {"list_price": seed[cases.negative_price].list_price})
    erp.variant_description(cases.missing_translation, seed[cases.missing_translation].variants[0].description_en,
                            "en")
    erp.set_picture(cases.image_too_large, small_jpeg())
    bad.faults.clear()                      # the EAN, the reference, the category, the picture fixed

    runs = bad.run("catalog")
    assert runs[SHOP]["status"] == "ok", {r: e["reason"] for r, e in bad.entries().items()}
    assert bad.entries() == {}
    resolved = bad.entries(state="resolved")
    assert len(resolved) == 10
    published = bad.shop_products()
    assert set(published) == {p.code for p in tryton_catalog.products}
    assert published[cases.ean13]["ean13"] == tryton_catalog.variant(cases.ean13).ean
    assert Decimal(published[cases.negative_price]["price"]) == seed[cases.negative_price].list_price
    assert {"Safety", "Safety edges"} <= bad.shop_categories()
    for sku in (cases.not_an_image, cases.image_too_large):
        with bad.env.ws(SHOP) as ws:
            images = ws.get(f"/images/products/{published[sku]['id']}", params={"output_format": None})
        assert images.status_code == 200 and images.text.count("<declination") == 1, (sku, images.text)


def test_a_published_record_gone_bad_keeps_its_shop_values_until_the_erp_is_fixed(bad, cases, tryton_catalog):
    """A record the shop already holds, then broken in the ERP: blocked, the shop keeps what it had;
    put back as it was, nothing needs writing and the entry is closed all the same."""
    erp = Erp(bad.env)
    sku, other = cases.refused_characters, cases.ean13
    assert bad.run("prices")[SHOP]["status"] == "ok"
    before = bad.shop_products()
    rules_before = bad.specific_prices(before[cases.negative_price]["id"])
    assert rules_before, "the B2B price list prices it"
    erp.write_template(sku, {"name": REFUSED_NAME})
    erp.write_template(cases.negative_price, {"list_price": Decimal("-5.00")})
    good_ean = tryton_catalog.variant(other).ean
    bad.faults.ean13[other] = good_ean[:-1] + str((int(good_ean[-1]) + 1) % 10)
    runs = bad.run("catalog")
    assert runs[SHOP]["status"] == "partial"
    assert set(bad.entries()) == {sku, other, cases.negative_price}
    prices = bad.run("prices")
    assert prices["tryton"]["status"] == "ok", prices["tryton"]["message"]
    assert prices[SHOP]["status"] == "partial", prices[SHOP]["message"]
    [price_entry] = bad.env.hub().blocked.list(connection=SHOP, flow="prices")
    assert price_entry["record"] == cases.negative_price and "-5.00" in price_entry["reason"]
    assert bad.shop_products() == before            # the shop keeps the last good values
    assert bad.specific_prices(before[cases.negative_price]["id"]) == rules_before    # its B2B prices too

    seed = {p.code: p for p in tryton_catalog.products}
    erp.write_template(sku, {"name": seed[sku].name_en})
    erp.write_template(cases.negative_price, {"list_price": seed[cases.negative_price].list_price})
    bad.faults.clear()
    bad.env.shops[SHOP].control.reset_stats()
    runs = bad.run("catalog")
    prices = bad.run("prices")
    assert runs[SHOP]["status"] == prices[SHOP]["status"] == "ok"
    assert runs[SHOP]["counts"].get("updated", 0) == 0      # the shop already holds these values
    assert bad.entries() == {} and bad.env.hub().blocked.count_open() == 0
