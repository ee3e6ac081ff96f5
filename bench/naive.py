"""A naive exporter, doing what OCA connector-prestashop does for each product and each shop, one after
the other: search the product by reference, GET it whole, change it, PUT it whole back (PUT replaces
everything, so the whole document goes back, minus the fields the webservice refuses to take back:
04-writes/022-025 of the reference). No fingerprint, no batch, no concurrency: every pass writes everything.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx
from lxml import etree

NOT_WRITABLE = ("manufacturer_name", "quantity", "position_in_category")   # what 8.1.2 refuses on PUT


def export_product(client: httpx.Client, sku: str, price: str) -> bool:
    """One product: search + GET + PUT. Returns False when the shop does not have it."""
    found = client.get("/api/products", params={"filter[reference]": f"[{sku}]", "display": "[id]"})
    ids = etree.fromstring(found.content).findall(".//product/id")
    if not ids:
        return False
    product_id = ids[0].text
    document = etree.fromstring(client.get(f"/api/products/{product_id}").content)
    product = document.find("product")
    for name in NOT_WRITABLE:
        for element in product.findall(name):
            product.remove(element)
    product.find("price").text = price
    client.put(f"/api/products/{product_id}", content=etree.tostring(document),
               headers={"Content-Type": "text/xml"}).raise_for_status()
    return True


def naive_pass(shops: Sequence[tuple[str, str]], products: Sequence[tuple[str, str]]) -> dict:
    """Every (SKU, price) to every (url, key) shop, sequentially. Returns counts and wall time."""
    started = time.perf_counter()
    written = requests = 0
    for url, key in shops:
        with httpx.Client(base_url=url, auth=(key, ""), timeout=60) as client:
            for sku, price in products:
                requests += 3
                written += export_product(client, sku, price)
    return {"products": len(products), "shops": len(shops), "written": written, "requests": requests,
            "wall s": time.perf_counter() - started}
