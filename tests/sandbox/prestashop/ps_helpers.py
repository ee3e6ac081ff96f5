"""Helpers for the PrestaShop sandbox tests: XML bodies, a settable clock, client-side builders."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from lxml import etree

with warnings.catch_warnings():  # starlette's test client imports a deprecated anyio alias
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient  # noqa: F401  (re-exported for the tests)

from ps_replay import KEY  # noqa: F401  (re-exported for the tests)


class Clock:
    """A settable shop clock (aware datetimes, like the sandbox expects)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 18, 0, 0, tzinfo=ZoneInfo("Europe/Paris"))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def xml(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n{body}\n</prestashop>'


def i18n(en: str, fr: str | None = None) -> str:
    return f'<language id="1"><![CDATA[{en}]]></language><language id="2"><![CDATA[{fr or en}]]></language>'


def parse(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


def created_id(response: httpx.Response) -> int:
    assert response.status_code == 201, response.text
    return int(parse(response)[0].findtext("id"))


class Shop:
    """Small builders over the webservice, as a client would call it."""

    def __init__(self, client: httpx.Client) -> None:
        self.ws = client

    def product(
        self, reference: str, price: str = "20", *, name: str = "Tee", tax_group: int = 1, extra: str = ""
    ) -> int:
        body = (
            f"<product><reference>{reference}</reference><price>{price}</price><active>1</active><state>1</state>"
            f"<id_tax_rules_group>{tax_group}</id_tax_rules_group><id_category_default>2</id_category_default>"
            f"<minimal_quantity>1</minimal_quantity><weight>0.5</weight>{extra}"
            f"<name>{i18n(name)}</name><associations><categories><category><id>2</id></category></categories>"
            f"</associations></product>"
        )
        return created_id(self.ws.post("/products", content=xml(body)))

    def option_value(self, name: str) -> int:
        if not hasattr(self, "_group"):
            body = (
                f"<product_option><group_type>select</group_type><name>{i18n('Size')}</name>"
                f"<public_name>{i18n('Size')}</public_name></product_option>"
            )
            self._group = created_id(self.ws.post("/product_options", content=xml(body)))
        body = (
            f"<product_option_value><id_attribute_group>{self._group}</id_attribute_group>"
            f"<name>{i18n(name)}</name></product_option_value>"
        )
        return created_id(self.ws.post("/product_option_values", content=xml(body)))

    def combination(
        self, product: int, reference: str, impact: str = "0", *, value: int | None = None, default: bool = False
    ) -> int:
        value = value or self.option_value(reference)
        body = (
            f"<combination><id_product>{product}</id_product><reference>{reference}</reference>"
            f"<price>{impact}</price><minimal_quantity>1</minimal_quantity>"
            f"<default_on>{'1' if default else ''}</default_on>"
            f"<associations><product_option_values><product_option_value><id>{value}</id></product_option_value>"
            f"</product_option_values></associations></combination>"
        )
        return created_id(self.ws.post("/combinations", content=xml(body)))

    def stock_rows(self, product: int, shop: int | None = None) -> list[dict]:
        params = {"filter[id_product]": f"[{product}]", "display": "full", "output_format": "JSON"}
        if shop is not None:
            params["filter[id_shop]"] = f"[{shop}]"
        data = self.ws.get("/stock_availables", params=params).json()
        return data["stock_availables"] if data else []

    def set_stock(self, row_id: int, quantity: int) -> httpx.Response:
        row = self.ws.get(f"/stock_availables/{row_id}")
        doc = parse(row)
        doc[0].find("quantity").text = str(quantity)
        return self.ws.put(f"/stock_availables/{row_id}", content=etree.tostring(doc))

    def customer(self, email: str = "jane@example.com") -> int:
        body = (
            f"<customer><id_default_group>3</id_default_group><passwd>Secret123!</passwd><lastname>Doe</lastname>"
            f"<firstname>Jane</firstname><email>{email}</email><active>1</active></customer>"
        )
        return created_id(self.ws.post("/customers", content=xml(body)))

    def address(self, customer: int, country: int = 8) -> int:
        body = (
            f"<address><id_customer>{customer}</id_customer><id_country>{country}</id_country><alias>Home</alias>"
            f"<lastname>Doe</lastname><firstname>Jane</firstname><address1>1 rue de la Paix</address1>"
            f"<postcode>75002</postcode><city>Paris</city></address>"
        )
        return created_id(self.ws.post("/addresses", content=xml(body)))

    def cart(self, customer: int, address: int, rows: list[tuple[int, int, int]], carrier: int = 2) -> int:
        lines = "".join(
            f"<cart_row><id_product>{p}</id_product><id_product_attribute>{a}</id_product_attribute>"
            f"<id_address_delivery>{address}</id_address_delivery><quantity>{q}</quantity></cart_row>"
            for p, a, q in rows
        )
        body = (
            f"<cart><id_currency>1</id_currency><id_lang>1</id_lang><id_customer>{customer}</id_customer>"
            f"<id_address_delivery>{address}</id_address_delivery><id_address_invoice>{address}</id_address_invoice>"
            f"<id_carrier>{carrier}</id_carrier><id_shop_group>1</id_shop_group><id_shop>1</id_shop>"
            f'<delivery_option>{{"{address}":"{carrier},"}}</delivery_option>'
            f"<associations><cart_rows>{lines}</cart_rows></associations></cart>"
        )
        return created_id(self.ws.post("/carts", content=xml(body)))

    def order(self, cart: int, customer: int, address: int, total_paid: str) -> httpx.Response:
        body = (
            f"<order><id_address_delivery>{address}</id_address_delivery><id_address_invoice>{address}</id_address_invoice>"
            f"<id_cart>{cart}</id_cart><id_currency>1</id_currency><id_lang>1</id_lang><id_customer>{customer}</id_customer>"
            f"<id_carrier>2</id_carrier><module>ps_checkpayment</module><payment>Payment by check</payment>"
            f"<current_state>1</current_state><valid>0</valid><conversion_rate>1</conversion_rate>"
            f"<total_paid>{total_paid}</total_paid><total_paid_real>{total_paid}</total_paid_real>"
            f"<total_products>{total_paid}</total_products><total_products_wt>{total_paid}</total_products_wt></order>"
        )
        return self.ws.post("/orders", content=xml(body))

    def get_json(self, path: str, **params: str) -> dict:
        response = self.ws.get(path, params={**params, "output_format": "JSON"})
        assert response.status_code == 200, response.text
        return response.json()
