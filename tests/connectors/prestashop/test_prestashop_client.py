"""The webservice client against real PrestaShop 8.1.2 answers: errors, odd statuses, JSON quirks."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest
from prestashop_captures import Router, body_records, load, record_fields, response
from prestashop_samples import KEY, URL
from pydantic import SecretStr

from courroie.connectors.prestashop.client import (
    MethodNotAllowed,
    NotFound,
    PrestaShopClient,
    element_to_record,
    merge_for_put,
    parse_xml,
    xml_document,
)
from courroie.connectors.prestashop.mapping import StockRow
from courroie.errors import AuthenticationFailure, ConnectionFailure, DataError, TransientError

pytestmark = [pytest.mark.prestashop, pytest.mark.anyio]


def client_for(router: Router, **options: object) -> PrestaShopClient:
    return PrestaShopClient(URL, SecretStr(KEY), transport=router.transport(), **options)


async def fails_with(answer: str, method: str = "GET", path: str = "/api/products", **options: object) -> Exception:
    """The exception the client raises when the server answers with the captured ``answer``."""
    router = Router().add(method, path, response(answer))
    client = client_for(router, **options)
    with pytest.raises(Exception) as caught:
        if method == "GET":
            await client.read("products")
        else:
            await client.post("products", [StockRow("1", "1", "0", "1", "0", 0).element(1)])
    await client.aclose()
    return caught.value


# --- errors -----------------------------------------------------------------------------------


async def test_no_credentials_is_an_authentication_failure() -> None:
    error = await fails_with("01-root-listing/005-root-no-auth-401")
    assert isinstance(error, AuthenticationFailure)
    assert "401" in str(error) and "Authorization header" in error.hint


async def test_wrong_key_names_both_codes_and_how_to_fix() -> None:
    error = await fails_with("01-root-listing/007-products-wrong-key-401")
    assert isinstance(error, AuthenticationFailure)
    assert "[20] Authentification key is not active" in str(error)
    assert "[21] No permission for this authentication key" in str(error)
    assert "Advanced Parameters > Webservice" in error.hint


async def test_malformed_key() -> None:
    error = await fails_with("01-root-listing/008-products-badly-formed-key-401")
    assert isinstance(error, AuthenticationFailure) and "32-character" in error.hint


async def test_key_not_associated_with_the_shop_code_132() -> None:
    error = await fails_with("07-multistore/013-products-id_shop-2", shop_id=2)
    assert isinstance(error, AuthenticationFailure)
    assert "[132] No permission for this key on this shop" in str(error)
    assert "associate the webservice key with shop 2" in error.hint


async def test_unknown_shop_redirects_to_the_front_page() -> None:
    error = await fails_with("03-query-features/034-id-shop-99", shop_id=99)
    assert isinstance(error, ConnectionFailure) and not isinstance(error, AuthenticationFailure)
    assert "shop_id=99" in error.hint


async def test_missing_record_is_a_404_with_an_empty_body() -> None:
    error = await fails_with("04c-errors/008-get-missing-product-404-json")
    assert isinstance(error, NotFound) and isinstance(error, DataError)
    assert error.details["status"] == 404


async def test_put_on_a_missing_id_carries_the_error_document() -> None:
    error = await fails_with("04c-errors/025-put-missing-product", method="POST")
    assert isinstance(error, NotFound) and "[92] Invalid ID" in str(error)


async def test_method_not_allowed() -> None:
    error = await fails_with("04c-errors/005-post-stock-availables-405", method="POST")
    assert isinstance(error, MethodNotAllowed)
    assert "[101] Method POST is not allowed for the resource stock_availables" in str(error)


@pytest.mark.parametrize("answer, code", [
    ("03-query-features/036-unknown-filter-field", 32),          # XML error document
    ("03-query-features/037-unknown-filter-field-json", 32),     # JSON error document
    ("03-query-features/015-sort-bad-field", 38),
    ("03-query-features/023-date-filter-without-date1", 32),
])
async def test_500_with_an_error_document_is_a_data_error_not_a_retry(answer: str, code: int) -> None:
    error = await fails_with(answer)
    assert isinstance(error, DataError) and not isinstance(error, TransientError)
    assert str(error).startswith(f"PrestaShop 500 on GET /api/products: [{code}]")   # real cause before PHP warnings
    assert error.details["errors"][0].startswith(f"[{code}]")


async def test_malformed_xml_reports_the_parser_verdict_first() -> None:
    error = await fails_with("04c-errors/011-post-malformed-xml", method="POST")
    assert isinstance(error, DataError)
    assert "[127] XML error : String could not be parsed as XML" in str(error).split(";")[0]


async def test_500_with_an_empty_body_is_transient() -> None:
    error = await fails_with("04-writes/060-post-order-history-bad-state", method="POST")
    assert isinstance(error, TransientError)


async def test_unable_to_save_is_a_data_error() -> None:
    error = await fails_with("04-writes/059-post-order-history-state3-sendemail", method="POST")
    assert isinstance(error, DataError) and "[46] Unable to save resource" in str(error)


@pytest.mark.parametrize("answer, text", [
    ("04-writes/019-put-stock-available-minimal-body", '[41] parameter "id_product" required'),
    ("04c-errors/017-post-product-invalid-price", 'Property Product->price is not valid'),
    ("04-writes/022-put-product-attempt-1", '[93] parameter "manufacturer_name" not writable'),
    ("01-root-listing/009-unknown-resource", '[27] Resource of type "foobars" does not exists'),
])
async def test_400s_are_data_errors_with_their_message(answer: str, text: str) -> None:
    error = await fails_with(answer, method="POST")
    assert isinstance(error, DataError) and text in str(error)


@pytest.mark.parametrize("exception", [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"),
                                       httpx.ConnectError("refused"), httpx.RemoteProtocolError("reset")])
async def test_transport_failures_are_transient(exception: Exception) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exception

    client = PrestaShopClient(URL, SecretStr(KEY), transport=httpx.MockTransport(handler))
    with pytest.raises(TransientError, match="GET /api/products"):
        await client.read("products")
    await client.aclose()


# --- reading ----------------------------------------------------------------------------------


async def test_empty_json_list_is_a_bare_array() -> None:
    router = Router().add("GET", "/api/products", response("03-query-features/012-filter-no-match-json"))
    client = client_for(router)
    assert await client.read("products", filters={"reference": "[nomatch-xyz]"}) == []
    await client.aclose()


async def test_reads_ask_for_json_and_send_filters_like_the_captures() -> None:
    answer = response("04-writes/011-get-stock-availables-of-product-json")
    router = Router().add("GET", "/api/stock_availables", answer)
    client = client_for(router, shop_id=1)
    rows = await client.read_by("stock_availables", "id_product", [21])
    await client.aclose()
    assert [row["id"] for row in rows] == [60, 61, 62]
    captured = load("04-writes/011-get-stock-availables-of-product-json").request.query
    assert dict(router.requests[0].url.params) == captured | {"id_shop": "1"}


async def test_read_by_splits_long_id_lists() -> None:
    router = Router().add("GET", "/api/customers", response("03-query-features/012-filter-no-match-json"))
    client = client_for(router)
    await client.read_by("customers", "id", range(1, 251))
    await client.aclose()
    filters = sorted(request.url.params["filter[id]"].count("|") + 1 for request in router.requests)
    assert filters == [50, 100, 100]


async def test_pages_run_to_the_end_with_offset_and_count() -> None:
    router = (Router()
              .add("GET", "/api/orders", response("02-resource-orders/004-list-display-full-limit-0-2-json"),
                   when=lambda r: r.url.params["limit"] == "0,2")
              .add("GET", "/api/orders", response("03-query-features/012-filter-no-match-json"),
                   when=lambda r: r.url.params["limit"] == "2,2"))
    client = client_for(router)
    pages = [page async for page in client.read_pages("orders", page_size=2)]
    await client.aclose()
    assert [[row["id"] for row in page] for page in pages] == [[1, 2]]
    assert [request.url.params["sort"] for request in router.requests] == ["[id_ASC]", "[id_ASC]"]


async def test_root_listing_gives_version_and_permissions() -> None:
    router = Router().add("GET", "/api/", response("01-root-listing/001-root-xml"))
    client = client_for(router)
    root = await client.root()
    await client.aclose()
    assert root.version == "8.1.2" and root.shop_name == "TestShop"
    assert root.permissions["stock_availables"] == {"get", "put", "post", "patch", "delete", "head"}
    assert "output_format" not in router.requests[0].url.params       # the JSON root listing is a 500


def test_multilingual_xml_reads_like_json() -> None:
    record = element_to_record(parse_xml(load("04-writes/001-post-category-xml").response.body)[0])
    assert record["name"] == [{"id": "1", "value": "Sync Test Category"}, {"id": "2", "value": "Catégorie test sync"}]
    assert record["id"] == "10" and record["associations"] == {"categories": [], "products": []}


def test_xml_answers_are_parsed_without_entities_or_dtd() -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e SYSTEM "file:///etc/passwd">]><prestashop>&e;</prestashop>'
    with pytest.raises(ValueError):
        parse_xml(hostile)


# --- the key ----------------------------------------------------------------------------------


async def test_key_only_in_the_authorization_header_never_in_urls_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    router = (Router()
              .add("GET", "/api/", response("01-root-listing/001-root-xml"))
              .add("GET", "/api/products", response("03-query-features/012-filter-no-match-json"))
              .add("PUT", "/api/stock_availables", response("06-batch-write/002-put-collection-url-two-children")))
    client = client_for(router)
    with caplog.at_level(logging.DEBUG):
        await client.root()
        await client.read("products")
        await client.put("stock_availables", [StockRow("61", "21", "40", "1", "0", 0).element(71)])
    await client.aclose()
    expected = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    for request in router.requests:
        assert KEY not in str(request.url) and "ws_key" not in str(request.url)
        assert request.headers["Authorization"] == expected
        assert request.headers["User-Agent"].startswith("courroie/")
    assert KEY not in caplog.text


# --- GET-modify-PUT ---------------------------------------------------------------------------


def test_merge_for_put_drops_what_put_refuses() -> None:
    """04-writes/022-025: a GET body goes back only without manufacturer_name, quantity and
    position_in_category; with them gone, it is the body PrestaShop accepted."""
    current = parse_xml(load("04-writes/021-get-product-for-put").response.body)[0]
    change = parse_xml(xml_document([parse_xml(b"<product><price>22.500000</price></product>")]))[0]
    merged = merge_for_put(current, change, frozenset({"manufacturer_name", "quantity", "position_in_category"}))
    accepted = body_records(load("04-writes/025-put-product-attempt-4").request.body)[0]
    assert record_fields(merged) == accepted
