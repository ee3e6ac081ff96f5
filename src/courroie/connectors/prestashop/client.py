"""The PrestaShop webservice over HTTP: requests, documents and errors — no business logic.

Reads ask for ``output_format=JSON`` (compact; its type quirks are absorbed by ``mapping``), writes send
XML (the only input format the webservice parses) and read back the XML answer. The key travels only
in the ``Authorization`` header, as HTTP Basic user with an empty password: never in a URL or a log.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from lxml import etree
from pydantic import SecretStr

from courroie.connectors import http
from courroie.errors import AuthenticationFailure, ConnectionFailure, CourroieError, DataError, TransientError

log = logging.getLogger(__name__)

Record = dict[str, Any]     # one record of an answer, as JSON decodes it

XLINK = "http://www.w3.org/1999/xlink"
IDS_PER_FILTER = 100          # ids in one ``filter[x]=[a|b|…]``: keeps URLs well under server limits
METHODS = ("get", "put", "post", "patch", "delete", "head")

# Fields GET returns but PUT refuses (04-writes/022-025, ``read_only`` in ?schema=synopsis).
READ_ONLY_FIELDS: Mapping[str, frozenset[str]] = {
    "products": frozenset({"manufacturer_name", "quantity", "position_in_category"}),
    "categories": frozenset({"level_depth", "nb_products_recursive"}),
}

# lxml with everything that could reach outside the document switched off (no entities, DTD, network).
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                               dtd_validation=False, huge_tree=False, remove_blank_text=True)


class NotFound(DataError):
    """The record does not exist (PrestaShop: 404, often with an empty body)."""


class MethodNotAllowed(DataError):
    """The webservice refuses this method on this resource (405)."""


class UnreadableAnswer(DataError):
    """A successful answer that is not the document asked for: a PHP notice printed into the JSON, a
    body cut short. ``answer``: the start of what came back."""

    def __init__(self, reason: str, answer: str) -> None:
        super().__init__(reason, details={"answer": answer})
        self.answer = answer


@dataclass(frozen=True)
class ApiError:
    code: int | None
    message: str       # unescaped: validation messages arrive as "Product-&gt;price"

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}" if self.code is not None else self.message


@dataclass(frozen=True)
class RootListing:
    """``GET /api/``: the webservice version and what the key may do on each resource."""

    version: str
    shop_name: str
    permissions: dict[str, frozenset[str]] = field(default_factory=dict)


# --- documents --------------------------------------------------------------------------------


def parse_xml(body: bytes) -> etree._Element:
    """Parse an answer safely; a document type declaration is refused outright."""
    root = etree.fromstring(body, parser=_SAFE_PARSER)
    if root.getroottree().docinfo.doctype:
        raise ValueError("XML answers must not carry a DOCTYPE")
    return root


def xml_document(records: Iterable[etree._Element]) -> bytes:
    """``<prestashop>`` holding one record, or several for a batch write (06-batch-write)."""
    root = etree.Element("prestashop", nsmap={"xlink": XLINK})
    root.extend(records)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return document


def element_to_record(element: etree._Element) -> Record:
    """An XML record as the JSON output would give it: multilingual fields as ``[{id, value}]``,
    associations as lists of dicts. Lets the mapping read XML and JSON answers alike."""
    record: Record = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "associations":
            record["associations"] = {group.tag: [element_to_record(item) for item in group]
                                      for group in child if isinstance(group.tag, str)}
        elif len(child) and all(grand.tag == "language" for grand in child):
            record[child.tag] = [{"id": grand.get("id"), "value": grand.text or ""} for grand in child]
        else:
            record[child.tag] = child.text or ""
    return record


def json_records(payload: object, resource: str) -> list[Record]:
    """Rows of a JSON list answer: ``{"products": [...]}``, or a bare ``[]`` when nothing matches.

    The key is the resource's ``objectsNodeName``, which is not always its name: ``order_slip``
    answers ``{"order_slips": [...]}``; a one-key answer is taken whatever its key."""
    rows = payload.get(resource, []) if isinstance(payload, dict) else payload
    if isinstance(payload, dict) and resource not in payload and len(payload) == 1:
        rows = next(iter(payload.values()))
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def parse_errors(response: httpx.Response) -> list[ApiError]:
    """The ``<errors>`` (XML) or ``{"errors": [...]}`` (JSON) document of an answer, if it is one."""
    body = response.content.strip()
    if not body:
        return []
    if body.startswith(b"{"):
        try:
            items = json.loads(body).get("errors") or []
        except (ValueError, AttributeError):
            return []
        return [ApiError(_as_code(item.get("code")), html.unescape(str(item.get("message", ""))))
                for item in items if isinstance(item, dict)]
    if body.startswith(b"<"):
        try:
            root = parse_xml(body)
        except (etree.XMLSyntaxError, ValueError):
            return []
        return [ApiError(_as_code(error.findtext("code")), html.unescape((error.findtext("message") or "").strip()))
                for error in root.iterfind("errors/error")]
    return []


def _as_code(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def describe(errors: Sequence[ApiError]) -> str:
    """Errors worth reading first; PHP warnings (code 3) are noise that follows the real cause."""
    ordered = sorted(errors, key=lambda error: error.code == 3)
    return "; ".join(str(error) for error in ordered)


def filter_values(values: Iterable[object]) -> str:
    """``[a|b|c]``: PrestaShop's OR filter."""
    return "[" + "|".join(str(value) for value in values) + "]"


# --- the client -------------------------------------------------------------------------------


class PrestaShopClient:
    """Requests to one PrestaShop webservice, bounded to ``concurrency`` in flight."""

    def __init__(self, url: str, key: SecretStr, *, shop_id: int | None = None,
                 shop_group_id: int | None = None, timeout: float = 30.0, concurrency: int = 4,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.shop_id = shop_id
        self._http = http.create_client(
            f"{url}/api/", timeout=timeout, max_connections=concurrency, transport=transport,
            auth=httpx.BasicAuth(key.get_secret_value(), ""),
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._shop_params = {name: str(value) for name, value in
                             (("id_shop", shop_id), ("id_group_shop", shop_group_id)) if value}

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- reads (JSON)

    async def root(self) -> RootListing:
        """The root listing; XML only (its JSON variant is a 500 in 8.1.2, 01-root-listing/002)."""
        response = await self._send("GET", "")
        api = self._xml(response, "GET /api/").find("api")
        if api is None:
            raise DataError("GET /api/ answered without an <api> listing")
        permissions = {child.tag: frozenset(m for m in METHODS if child.get(m) == "true")
                       for child in api if isinstance(child.tag, str)}
        return RootListing(response.headers.get("PSWS-Version", ""), api.get("shopName", ""), permissions)

    async def read(self, resource: str, *, display: str = "full", filters: Mapping[str, str] | None = None,
                   sort: str | None = None, limit: str | None = None, date: bool = False) -> list[Record]:
        params = {"output_format": "JSON", "display": display}
        params |= {f"filter[{name}]": value for name, value in (filters or {}).items()}
        if sort:
            params["sort"] = sort
        if limit:
            params["limit"] = limit
        if date:
            params["date"] = "1"      # without it a date filter is a 500 "filter does not exist"
        response = await self._send("GET", resource, params=params)
        try:
            payload = json.loads(response.content) if response.content.strip() else []
        except ValueError as exc:
            raise UnreadableAnswer(f"GET {resource}: unreadable JSON answer ({exc})",
                                   response.content[:4000].decode("utf-8", "replace")) from exc
        return json_records(payload, resource)

    async def read_pages(self, resource: str, *, display: str = "full", filters: Mapping[str, str] | None = None,
                         date: bool = False, page_size: int = 1000) -> AsyncIterator[list[Record]]:
        """Every matching row, page by page (``limit=offset,count``) to the end.

        Sorted by id rather than by date: ids never move, so a row updated while we page cannot
        shift the rows behind it out of the window (it may be read twice, never skipped)."""
        offset = 0
        while True:
            rows = await self.read(resource, display=display, filters=filters, sort="[id_ASC]",
                                   limit=f"{offset},{page_size}", date=date)
            if rows:
                yield rows
            if len(rows) < page_size:
                return
            offset += page_size

    async def read_by(self, resource: str, field_name: str, values: Iterable[object], *,
                      display: str = "full") -> list[Record]:
        """Rows whose ``field_name`` is one of ``values``: one filtered GET per chunk, chunks in parallel."""
        unique = sorted({str(value) for value in values if str(value) not in ("", "0")})
        chunks = [unique[start:start + IDS_PER_FILTER] for start in range(0, len(unique), IDS_PER_FILTER)]
        results = await asyncio.gather(*(
            self.read(resource, display=display, filters={field_name: filter_values(chunk)}) for chunk in chunks))
        return [row for rows in results for row in rows]

    async def get_xml(self, resource: str, record_id: str) -> etree._Element:
        """One record as an XML element, for a GET-modify-PUT."""
        response = await self._send("GET", f"{resource}/{record_id}")
        records = list(self._xml(response, f"GET {resource}/{record_id}"))
        if not records:
            raise NotFound(f"{resource}/{record_id} not found")
        return records[0]

    # --- writes (XML)

    async def post(self, resource: str, records: Sequence[etree._Element],
                   params: Mapping[str, str] | None = None) -> list[Record]:
        """Create one or several records in one request; the answer lists them in order."""
        return await self._write("POST", resource, records, params)

    async def put(self, resource: str, records: Sequence[etree._Element], record_id: str | None = None) -> list[Record]:
        """Full replace. Without an id, on the collection URL: a batch of complete records."""
        return await self._write("PUT", f"{resource}/{record_id}" if record_id else resource, records)

    async def patch(self, resource: str, record_id: str, record: etree._Element) -> Record:
        """Partial update: only the fields present change (04-writes/030)."""
        return (await self._write("PATCH", f"{resource}/{record_id}", [record]))[0]

    async def update(self, resource: str, record_id: str, record: etree._Element) -> Record:
        """PATCH; where the server refuses PATCH, GET the record, change those fields and PUT it whole."""
        try:
            return await self.patch(resource, record_id, record)
        except MethodNotAllowed:
            log.info("PATCH %s/%s refused; falling back to GET-modify-PUT", resource, record_id)
        current = await self.get_xml(resource, record_id)
        merged = merge_for_put(current, record, READ_ONLY_FIELDS.get(resource, frozenset()))
        return (await self.put(resource, [merged], record_id))[0]

    async def delete(self, resource: str, record_id: str) -> None:
        await self._send("DELETE", f"{resource}/{record_id}")

    async def delete_many(self, resource: str, record_ids: Sequence[str]) -> None:
        """``DELETE /api/resource?id=[1,2,3]``: all or nothing; a missing id is a 404 naming the
        missing ones ("Id(s) not exists: 2, 3") and deletes none (WebserviceRequest::setObjects)."""
        await self._send("DELETE", resource, params={"id": "[" + ",".join(record_ids) + "]"})

    async def upload(self, path: str, field_name: str, filename: str, content: bytes, content_type: str,
                     form: Mapping[str, str] | None = None) -> etree._Element:
        """A multipart POST (images, attachment files); the answer is an XML document."""
        response = await self._send("POST", path, files={field_name: (filename, content, content_type)},
                                    data=dict(form or {}))
        return self._xml(response, f"POST {path}")

    async def image_ids(self, product_id: str) -> list[str]:
        """Ids of a product's images, in position order. XML only (the JSON form is a 500 in 8.1.2,
        02-resource-images/005); a product without images is a 404 with an empty body."""
        try:
            response = await self._send("GET", f"images/products/{product_id}")
        except NotFound:
            return []
        root = self._xml(response, f"GET images/products/{product_id}")
        return [str(d.get("id")) for d in root.iterfind("image/declination") if d.get("id")]

    async def get_raw(self, path: str) -> httpx.Response:
        """A GET whose answer is not a webservice document (an image, a file)."""
        return await self._send("GET", path)

    async def _write(self, method: str, path: str, records: Sequence[etree._Element],
                     params: Mapping[str, str] | None = None) -> list[Record]:
        response = await self._send(method, path, params=params, content=xml_document(records),
                                    headers={"Content-Type": "text/xml; charset=utf-8"})
        if not response.content.strip():
            return []
        return [element_to_record(record) for record in self._xml(response, f"{method} {path}")]

    @staticmethod
    def _xml(response: httpx.Response, what: str) -> etree._Element:
        try:
            return parse_xml(response.content)
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise DataError(f"{what}: unreadable XML answer ({exc})") from exc

    # --- transport and errors

    async def _send(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                    content: bytes | None = None, headers: Mapping[str, str] | None = None,
                    files: Mapping[str, tuple[str, bytes, str]] | None = None,
                    data: Mapping[str, str] | None = None) -> httpx.Response:
        what = f"{method} /api/{path}"
        started = time.perf_counter()
        async with self._slots:
            try:
                response = await self._http.request(method, path, params={**self._shop_params, **(params or {})},
                                                    content=content, headers=headers, files=files, data=data or None)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise http.error_for_exception(exc, what) from exc
        log.debug("%s → %s in %.0f ms", what, response.status_code, (time.perf_counter() - started) * 1000)
        if response.is_success:
            return response
        raise self._error(response, what)

    def _error(self, response: httpx.Response, what: str) -> CourroieError:
        errors = parse_errors(response)
        message = f"PrestaShop {response.status_code} on {what}"
        if errors:
            message += f": {describe(errors)}"
        error = http.error_for_response(response, message, overrides=self._overrides(errors))
        if isinstance(error, DataError):
            error.details.update({"status": response.status_code, "errors": [str(e) for e in errors],
                                  "codes": [e.code for e in errors if e.code is not None]})
        return error or DataError(message)

    def _overrides(self, errors: list[ApiError]) -> dict[int, http.ErrorFactory]:
        """PrestaShop's unusual statuses, read together with the error document."""
        def server_error(response: httpx.Response, message: str) -> CourroieError:
            # A 500 carrying an error document is a refused request (unknown filter, malformed XML…):
            # retrying will not help. A 500 with an empty body is a PHP fatal: maybe temporary.
            if errors:
                return DataError(message)
            empty = not response.content.strip()
            return TransientError(message + (" (empty answer: a PHP fatal error)" if empty else ""))

        def refused(response: httpx.Response, message: str) -> CourroieError:
            return AuthenticationFailure(message, hint=self._auth_hint(errors))

        def redirected(response: httpx.Response, message: str) -> CourroieError:
            return ConnectionFailure(
                f"{message}: redirected to {response.headers.get('Location', '?')}",
                hint=(f"PrestaShop redirects to its front page when id_shop names no shop: check shop_id={self.shop_id}"
                      if self.shop_id else "check the URL: it must be the shop root, with the webservice enabled"))

        return {
            500: server_error, 401: refused, 403: refused,
            404: lambda r, m: NotFound(m if errors else m + " (not found)"),
            405: lambda r, m: MethodNotAllowed(m),
            **{status: redirected for status in (301, 302, 303, 307, 308)},
        }

    def _auth_hint(self, errors: list[ApiError]) -> str:
        codes = {error.code for error in errors}
        if 132 in codes:
            return (f"associate the webservice key with shop {self.shop_id} (Back office > Advanced Parameters > "
                    "Webservice > edit the key > Shop association)")
        if 18 in codes:
            return "the key is malformed: copy the 32-character key from Advanced Parameters > Webservice"
        if codes & {20, 21}:
            return ("the key is unknown, disabled or lacks this permission: check it in Advanced Parameters > "
                    "Webservice (key enabled, permissions ticked), and that the webservice itself is enabled")
        return "send the webservice key; check that the server passes the Authorization header to PHP"


def merge_for_put(current: etree._Element, changes: etree._Element, read_only: frozenset[str]) -> etree._Element:
    """``current`` with the fields of ``changes`` replaced, minus fields the webservice will not take back."""
    merged = etree.fromstring(etree.tostring(current), parser=_SAFE_PARSER)
    for name in read_only:
        for element in merged.findall(name):
            merged.remove(element)
    for change in changes:
        _replace_child(merged, change)
    return merged


def _replace_child(parent: etree._Element, change: etree._Element) -> None:
    """``change`` in place of ``parent``'s child of the same tag; association groups one by one, so
    that the groups we do not send stay as the GET gave them."""
    existing = parent.find(change.tag)
    if change.tag == "associations" and existing is not None:
        for group in change:
            _replace_child(existing, group)
        return
    replacement = etree.fromstring(etree.tostring(change), parser=_SAFE_PARSER)
    if existing is None:
        parent.append(replacement)
    else:
        parent.replace(existing, replacement)
