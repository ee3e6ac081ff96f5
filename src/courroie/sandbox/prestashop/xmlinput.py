"""Reading request documents: the webservice accepts XML only (a JSON body is a parse error).

`<prestashop>` may hold several objects: every child is one object to write (batch writes).
A document that does not parse gives PHP's SimpleXML warnings (code 3, three lines per libxml
error: message, source line, caret) followed by code 127, as captured in 04c-errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from .errors import WS_SOURCE, WebserviceError
from .resources import ResourceDef

WARNING = "[PHP Warning #2] SimpleXMLElement::__construct(): {} (" + WS_SOURCE + ", line 1544)"


@dataclass
class ParsedEntity:
    """One object of a request document: the fields it carries, as raw strings."""

    fields: dict[str, str] = field(default_factory=dict)
    i18n: dict[str, dict[str, str]] = field(default_factory=dict)
    associations: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def id(self) -> str | None:
        return self.fields.get("id")

    def sent(self) -> dict[str, object]:
        """What the client sent, as echoed back by a POST answer."""
        return {**self.fields, **self.i18n}


def _parse_error(body: bytes, parser: etree.XMLParser) -> WebserviceError:
    text = body.decode("utf-8", "replace")
    lines = text.splitlines() or [""]
    entries = [(e.line, e.column, e.message) for e in parser.error_log]
    if entries and entries[-1][2].startswith("Opening and ending tag mismatch"):
        # PHP's libxml goes on to the end of the document and reports it too (04c-errors/011)
        outer = re.search(r"<([A-Za-z_][\w.-]*)[^>?]*>", text.split("?>", 1)[-1])
        if outer:
            entries.append((entries[-1][0], entries[-1][1], f"Premature end of data in tag {outer.group(1)} line 1"))
    errors: list[tuple[int, str]] = []
    for line_no, column, message in entries:
        line = lines[min(max(line_no, 1), len(lines)) - 1]
        column = max(column, 1)
        start = max(0, column - 80)
        errors.append((3, WARNING.format(f"Entity: line {line_no}: parser error : {message}")))
        errors.append((3, WARNING.format(line[start : start + 80])))
        errors.append((3, WARNING.format(" " * (column - 1 - start) + "^")))
    detail = f"XML error : String could not be parsed as XML\nXML length : {len(body)}\nOriginal XML : {text}"
    errors.append((127, detail))
    return WebserviceError(500, errors)


def parse_document(body: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    if not body.strip():
        raise _parse_error(body, parser)
    try:
        return etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        raise _parse_error(body, parser) from None


def _text(element: etree._Element) -> str:
    return element.text or ""


def parse_entities(body: bytes, res: ResourceDef) -> list[ParsedEntity]:
    root = parse_document(body)
    return [_entity(child, res) for child in root if isinstance(child.tag, str)]


def _entity(element: etree._Element, res: ResourceDef) -> ParsedEntity:
    parsed = ParsedEntity()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = child.tag
        if name == "associations":
            parsed.associations = _associations(child)
            continue
        definition = res.by_name.get(name)
        if definition is not None and definition.i18n:
            parsed.i18n[name] = {
                lang.get("id", ""): _text(lang) for lang in child if lang.tag == "language" and lang.get("id")
            }
        else:
            parsed.fields[name] = _text(child)
    return parsed


def _associations(element: etree._Element) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for assoc in element:
        if not isinstance(assoc.tag, str):
            continue
        out[assoc.tag] = [
            {sub.tag: _text(sub) for sub in item if isinstance(sub.tag, str)}
            for item in assoc
            if isinstance(item.tag, str)
        ]
    return out
