"""Replay captured PrestaShop exchanges against the sandbox and compare the answers.

A request is sent as captured (same method, raw target, headers, body; the redacted key replaced
by the sandbox's key) with `http.client`, like the capture script did. The answer is compared on:
status, header casing/values that clients see (`Content-type`, `PSWS-Version`, `X-Powered-By`,
`WWW-Authenticate`, `Location`, `Content-Sha1` presence), and the document: XML element names,
order, attributes (hosts normalised) and values; JSON keys, value types and values. Values that
depend on time or randomness (dates, keys, hashes, order references) are masked.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

import ps_captures

KEY = "SANDBOXKEY0123456789ABCDEFGHIJKL"  # 32 characters, like a real webservice key
CAPTURE_HOST = "http://127.0.0.1:8080"
VOLATILE = {
    "date_add",
    "date_upd",
    "secure_key",
    "passwd",
    "last_passwd_gen",
    "invoice_date",
    "delivery_date",
    "reference_order",
    "content",
    "delivery_deadline",
}
ORDER_REFERENCES = re.compile(r"\b[A-Z]{9}\b")
CHECKED_HEADERS = ("PSWS-Version", "X-Powered-By", "WWW-Authenticate", "Location")


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def _auth(value: str) -> str:
    m = re.fullmatch(r"Basic base64\((.*)\)", value)
    if not m:
        return value
    user = m.group(1).replace("<WS_KEY>", KEY)
    return "Basic " + base64.b64encode(user.encode()).decode()


def send(base: str, ex: ps_captures.Exchange, rewrite=None) -> Answer:
    """Send the captured request to the sandbox at `base` (http://host:port)."""
    target = ex.target.replace("<WS_KEY>", KEY)
    body = ex.request.body
    if rewrite is not None:
        target, body = (
            rewrite(target),
            rewrite(body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape"),
        )
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(ex.method, target, skip_host=False, skip_accept_encoding=True)
        for name, value in ex.request.headers:
            if name.lower() in ("host", "content-length"):
                continue
            conn.putheader(name, _auth(value) if name.lower() == "authorization" else value)
        if body or ex.method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body or None)
        response = conn.getresponse()
        data = response.read()
        return Answer(response.status, list(response.getheaders()), data)
    finally:
        conn.close()


# -- comparison -----------------------------------------------------------------------------------
def _host(text: str, base: str) -> str:
    return text.replace(base, "HOST").replace(CAPTURE_HOST, "HOST")


def _mask(tag: str, text: str) -> str:
    if tag in VOLATILE:
        return "<masked>"
    if tag in ("reference", "order_reference") and ORDER_REFERENCES.fullmatch(text or ""):
        return "<order-ref>"
    return text


def _xml_tree(body: bytes, base: str):
    root = etree.fromstring(body)

    def walk(el, parent_tag: str):
        attrs = {k.split("}")[-1]: _host(v, base) for k, v in el.attrib.items()}
        children = [walk(child, el.tag) for child in el if isinstance(child.tag, str)]
        if parent_tag == "associations":  # PrestaShop lists associated ids in no particular order
            children.sort(key=repr)
        text = None if len(el) else _mask(el.tag if el.tag != "language" else parent_tag, el.text or "")
        return (el.tag, attrs, text, children)

    return walk(root, "")


def _diff_xml(ours, theirs, path: str, out: list[str]) -> None:
    tag_o, attrs_o, text_o, kids_o = ours
    tag_t, attrs_t, text_t, kids_t = theirs
    here = f"{path}/{tag_t}"
    if tag_o != tag_t:
        out.append(f"{here}: element <{tag_o}> where the capture has <{tag_t}>")
        return
    if attrs_o != attrs_t:
        out.append(f"{here}: attributes {attrs_o} != captured {attrs_t}")
    if text_o != text_t:
        out.append(f"{here}: value {text_o!r} != captured {text_t!r}")
    if [k[0] for k in kids_o] != [k[0] for k in kids_t]:
        out.append(f"{here}: children {[k[0] for k in kids_o]} != captured {[k[0] for k in kids_t]}")
        return
    for mine, theirs_child in zip(kids_o, kids_t, strict=True):
        _diff_xml(mine, theirs_child, here, out)


def _json_norm(value, key: str = "", parent: str = ""):
    if isinstance(value, dict):
        return {k: _json_norm(v, k, key) for k, v in value.items()}
    if isinstance(value, list) and parent == "associations":
        return sorted((_json_norm(v, key) for v in value), key=repr)
    if isinstance(value, list):
        return [_json_norm(v, key) for v in value]
    if isinstance(value, str):
        return _mask(key, value)
    return value


def _diff_json(ours, theirs, path: str, out: list[str]) -> None:
    if type(ours) is not type(theirs):
        out.append(f"{path}: {ours!r} ({type(ours).__name__}) != captured {theirs!r} ({type(theirs).__name__})")
    elif isinstance(theirs, dict):
        if list(ours) != list(theirs):
            out.append(f"{path}: keys {list(ours)} != captured {list(theirs)}")
        for key in theirs:
            if key in ours:
                _diff_json(ours[key], theirs[key], f"{path}.{key}", out)
    elif isinstance(theirs, list):
        if len(ours) != len(theirs):
            out.append(f"{path}: {len(ours)} items != captured {len(theirs)}")
        for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
            _diff_json(a, b, f"{path}[{i}]", out)
    elif ours != theirs:
        out.append(f"{path}: {ours!r} != captured {theirs!r}")


def _errors_of(body: bytes, json_doc: bool) -> list[tuple[int, str]] | None:
    try:
        if json_doc:
            doc = json.loads(body)
            return [(e["code"], e["message"]) for e in doc.get("errors", [])] if "errors" in doc else None
        root = etree.fromstring(body)
        if root.find("errors") is None:
            return None
        return [(int(e.findtext("code")), e.findtext("message")) for e in root.find("errors")]
    except (ValueError, etree.XMLSyntaxError, AttributeError, TypeError):
        return None


def _diff_errors(ours, theirs, out: list[str]) -> None:
    """Error documents: same codes and messages; PHP warnings (code 3) only need to be there."""
    plain_o = [(c, m) for c, m in ours if c != 3]
    plain_t = [(c, m) for c, m in theirs if c != 3]
    if [c for c, _ in plain_o] != [c for c, _ in plain_t]:
        out.append(f"error codes {[c for c, _ in ours]} != captured {[c for c, _ in theirs]}")
    for (code, mine), (_, captured) in zip(plain_o, plain_t, strict=False):
        if code not in (127,) and mine != captured:
            out.append(f"error {code}: {mine!r} != captured {captured!r}")
    if any(c == 3 for c, _ in ours) != any(c == 3 for c, _ in theirs):
        out.append(f"PHP warnings: ours {[c for c, _ in ours]} vs captured {[c for c, _ in theirs]}")


def _shape_xml(tree):
    """Tags and attribute names (hrefs with ids blanked); repeated siblings collapse to the first."""
    tag, attrs, _, children = tree
    shaped, last = [], None
    for child in children:
        if child[0] != last:
            shaped.append(_shape_xml(child))
        last = child[0]
    attrs = {k: v for k, v in attrs.items() if k != "href"}  # links exist only for non-zero ids
    return (tag, attrs, None, shaped)


def _shape_json(value):
    """Keys and value types; lists reduced to their first item."""
    if isinstance(value, dict):
        return {k: _shape_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape_json(value[0])] if value else []
    return type(value).__name__


def compare_shapes(mine: bytes, captured: bytes, base: str) -> list[str]:
    out: list[str] = []
    if captured.startswith(b"<?xml"):
        _diff_xml(_shape_xml(_xml_tree(mine, base)), _shape_xml(_xml_tree(captured, base)), "", out)
    else:
        _diff_json(_shape_json(json.loads(mine)), _shape_json(json.loads(captured)), "$", out)
    return out


def compare(ex: ps_captures.Exchange, ours: Answer, base: str, *, body: bool = True, shape: bool = False) -> list[str]:
    out: list[str] = []
    theirs = ex.response
    if ours.status != ex.status:
        out.append(f"status {ours.status} != captured {ex.status}")
    mine = [(k, v) for k, v in ours.headers if k.lower() == "content-type"]
    captured = [(k, v) for k, v in theirs.headers if k.lower() == "content-type"]
    if mine != captured:  # the header name's casing counts too (`Content-type` for XML)
        out.append(f"content type header {mine} != captured {captured}")
    for name in CHECKED_HEADERS:
        mine_value, captured_value = ours.header(name), theirs.header(name)
        if (mine_value is None) != (captured_value is None) or (
            mine_value is not None and _host(mine_value, base) != _host(captured_value, base)
        ):
            out.append(f"header {name}: {mine_value!r} != captured {captured_value!r}")
    sha, captured_sha = ours.header("Content-Sha1"), theirs.header("Content-Sha1")
    empty_sha = hashlib.sha1(b"").hexdigest()  # some captured errors carry the sha1 of nothing
    if (sha is None) != (captured_sha is None) and captured_sha != empty_sha:
        out.append(f"Content-Sha1 presence differs (ours {sha!r})")
    if sha is not None and ex.method != "HEAD" and sha != hashlib.sha1(ours.body).hexdigest():
        out.append("Content-Sha1 is not the sha1 of the body")
    if body and not ex.trimmed:
        if shape and theirs.body.strip() and ours.body.strip():
            out.extend(compare_shapes(ours.body, theirs.body, base))
        else:
            json_doc = theirs.header("Content-Type") == "application/json"
            out.extend(compare_bodies(ours.body, theirs.body, base, json_doc))
    return out


def compare_bodies(mine: bytes, captured: bytes, base: str, json_doc: bool) -> list[str]:
    out: list[str] = []
    errors_t = _errors_of(captured, json_doc)
    if errors_t is not None:
        errors_o = _errors_of(mine, json_doc)
        if errors_o is None:
            return [f"expected an error document, got {mine[:200]!r}"]
        _diff_errors(errors_o, errors_t, out)
        return out
    if not captured.strip():
        if mine.strip():
            out.append(f"body should be empty, got {mine[:120]!r}")
        return out
    if captured.startswith(b"<?xml"):
        try:
            _diff_xml(_xml_tree(mine, base), _xml_tree(captured, base), "", out)
        except etree.XMLSyntaxError as error:
            out.append(f"our body is not XML ({error}): {mine[:200]!r}")
    elif captured[:1] in (b"{", b"["):
        try:
            _diff_json(_json_norm(json.loads(mine)), _json_norm(json.loads(captured)), "$", out)
        except ValueError as error:
            out.append(f"our body is not JSON ({error}): {mine[:200]!r}")
    elif mine != captured:
        out.append(f"body {mine[:120]!r} != captured {captured[:120]!r}")
    return out
