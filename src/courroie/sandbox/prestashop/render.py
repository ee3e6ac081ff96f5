"""XML and JSON documents laid out byte for byte like the PrestaShop 8.1.2 webservice writes them.

XML: `<prestashop xmlns:xlink=...>`, one field per line indented by a tab, values in CDATA, ids that
point to another resource carry `xlink:href`, multilingual fields hold one `<language>` per language.
JSON: PHP `json_encode` with unescaped unicode and escaped slashes; ids are numbers, most other
values strings; a single record drops empty values, a list keeps them; an empty list is `[]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .resources import AssocDef, FieldDef, ResourceDef

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
XML_TAIL = "</prestashop>\n"


@dataclass
class Entity:
    """One object ready to be written out: stored values plus computed fields and associations."""

    res: ResourceDef
    values: dict[str, Any]
    assocs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    extra: list[tuple[str, str]] = field(default_factory=list)  # virtual price fields
    sent: dict[str, Any] | None = None  # POST answers echo what the client sent
    record: dict[str, Any] | None = None  # the stored record (private keys included), not rendered
    bare_links: set[str] = field(default_factory=set)  # echoed empty but still with their xlink prefix

    @property
    def id(self) -> int:
        return int(self.values["id"])


@dataclass
class RenderCtx:
    base: str  # "http://host/api/"
    languages: list[str]  # language ids written out, in order
    plain_i18n: bool = False  # JSON: `language=N` (or one language installed) → plain strings
    string_lang_ids: bool = False  # JSON: `language=[1|2]` writes the ids as strings


def xml_document(inner: str) -> bytes:
    return (XML_HEAD + inner + XML_TAIL).encode()


def cdata(value: object) -> str:
    text = "" if value is None else str(value)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def php_json(obj: Any) -> bytes:
    """`json_encode($x, JSON_UNESCAPED_UNICODE)`: compact, slashes escaped."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/").encode()


# -- XML ------------------------------------------------------------------------------------------
def _link_href(ctx: RenderCtx, f: FieldDef, value: object, entity: Entity) -> str | None:
    if not f.link or value in (None, "", "0"):
        return None
    if f.link == "images/products":
        return f"{ctx.base}images/products/{entity.values['id']}/{value}"
    return f"{ctx.base}{f.link}/{value}"


def xml_field(ctx: RenderCtx, entity: Entity, f: FieldDef) -> str:
    if f.i18n:
        return _xml_i18n(ctx, entity, f)
    sent = entity.sent
    value = entity.values.get(f.name)
    if sent is not None:  # a write answer: what the object holds after being built from the document
        value = sent.get(f.name, value if f.name in entity.res.echo_keep else "")
    attrs = ""
    href = _link_href(ctx, f, value, entity)
    if f.name in entity.bare_links:
        href = f"{ctx.base}{f.link}/"  # a sent-then-ignored id still prints its link (orders' current_state)
    if href:
        attrs += f' xlink:href="{attr(href)}"'
    if f.not_filterable:
        attrs += ' notFilterable="true"'
    return f"\t<{f.name}{attrs}>{cdata(value)}</{f.name}>\n"


def _xml_i18n(ctx: RenderCtx, entity: Entity, f: FieldDef) -> str:
    values = entity.values.get(f.name) or {}
    untouched = entity.sent is not None and f.name not in entity.sent  # PHP holds null: no links
    parts = []
    for lang in ctx.languages:
        href = "" if untouched else f' xlink:href="{ctx.base}languages/{lang}"'
        text = "" if untouched else values.get(lang, "")
        parts.append(f'<language id="{lang}"{href}>{cdata(text)}</language>')
    return f"\t<{f.name}>{''.join(parts)}</{f.name}>\n"


def _item_href(ctx: RenderCtx, assoc: AssocDef, item: dict[str, str], entity: Entity) -> str:
    if assoc.api in ("images", "images/products"):
        product = entity.values.get("id_product") or entity.values["id"]
        if entity.res.name == "products":
            product = entity.values["id"]
        return f"{ctx.base}images/products/{product}/{item.get('id', '')}"
    return f"{ctx.base}{assoc.api}/{item.get('id', '')}"


def xml_associations(ctx: RenderCtx, entity: Entity) -> str:
    out = ["<associations>\n"]
    for assoc in entity.res.associations:
        items = entity.assocs.get(assoc.name, [])
        head = f'<{assoc.name} nodeType="{assoc.node}" ' + (
            'virtualEntity="true"' if assoc.virtual else f'api="{assoc.api}"'
        )
        if not items:
            out.append(head + "/>\n")
            continue
        out.append(head + ">\n")
        for item in items:
            href = "" if assoc.virtual else f' xlink:href="{attr(_item_href(ctx, assoc, item, entity))}"'
            out.append(f"\t<{assoc.node}{href}>\n")
            for sub in assoc.fields:
                value = item.get(sub.name, "")
                sub_href = ""
                if sub.link and sub.name != "id":
                    sub_href = f' xlink:href="{ctx.base}{sub.link}/{value}"'
                out.append(f"\t<{sub.name}{sub_href}>{cdata(value)}</{sub.name}>\n")
            out.append(f"\t</{assoc.node}>\n")
        out.append(f"</{assoc.name}>\n")
    out.append("</associations>\n")
    return "".join(out)


def xml_entity(ctx: RenderCtx, entity: Entity, fields: list[str] | None = None) -> str:
    """`<product>…</product>`; `fields` limits the output to `display=[…]` (no associations)."""
    res = entity.res
    out = [f"<{res.node}>\n"]
    chosen = res.fields if fields is None else [f for f in res.fields if f.name in fields]
    out.extend(xml_field(ctx, entity, f) for f in chosen)
    if fields is None:
        out.extend(f"\t<{name}>{cdata(value)}</{name}>\n" for name, value in entity.extra)
        if res.associations:
            out.append(xml_associations(ctx, entity))
    out.append(f"</{res.node}>\n")
    return "".join(out)


def xml_list(ctx: RenderCtx, res: ResourceDef, entities: list[Entity], fields: list[str] | None, full: bool) -> str:
    out = [f"<{res.list_name}>\n"]
    for entity in entities:
        if not full and fields is None:
            out.append(f'<{res.node} id="{entity.id}" xlink:href="{ctx.base}{res.name}/{entity.id}"/>\n')
        else:
            out.append(xml_entity(ctx, entity, fields))
    out.append(f"</{res.list_name}>\n")
    return "".join(out)


def xml_errors(errors: list[tuple[int, str]]) -> bytes:
    inner = ["<errors>\n"]
    for code, message in errors:
        inner.append(f"<error>\n<code>{cdata(code)}</code>\n<message>{cdata(message)}</message>\n</error>\n")
    inner.append("</errors>\n")
    return xml_document("".join(inner))


# -- JSON -----------------------------------------------------------------------------------------
def _json_scalar(f: FieldDef | None, value: object, as_string: bool = False) -> object:
    if value is None:
        return None
    if f is not None and f.json == "null":
        return None
    text = str(value)
    if not as_string and (f is None or f.json == "int"):
        try:
            return int(text)
        except ValueError:
            return text
    return text


def _json_i18n(ctx: RenderCtx, values: dict[str, str]) -> object:
    if ctx.plain_i18n:
        return values.get(ctx.languages[0], "") if ctx.languages else ""
    return [{"id": lang if ctx.string_lang_ids else int(lang), "value": values.get(lang, "")} for lang in ctx.languages]


def json_entity(ctx: RenderCtx, entity: Entity, fields: list[str] | None = None, *, single: bool) -> dict:
    """One object; `single` drops empty values like PHP `empty()` (a record answered on its own)."""
    res, out = entity.res, {}
    chosen = res.fields if fields is None else [f for f in res.fields if f.name in fields]
    sent = entity.sent
    for f in chosen:
        if f.i18n:
            if sent is not None and f.name not in sent:
                continue  # null on the object being saved: left out
            out[f.name] = _json_i18n(ctx, entity.values.get(f.name) or {})
            continue
        value = entity.values.get(f.name)
        if sent is None:
            value = _json_scalar(f, value)
        elif f.name in sent:
            value = _json_scalar(f, sent[f.name], as_string=True)
        elif f.name in res.echo_keep:  # PHP still holds the strings it was given
            value = _json_scalar(f, value, as_string=f.name not in res.echo_numbers)
        else:
            value = ""
        if single and value in (None, "", "0", 0):
            continue
        out[f.name] = value
    if fields is None:
        for name, value in entity.extra:
            out[name] = value
        assocs = {}
        for assoc in res.associations:
            items = entity.assocs.get(assoc.name)
            if items:
                assocs[assoc.name] = [
                    {sub.name: _json_assoc_value(sub.json, item.get(sub.name)) for sub in assoc.fields}
                    for item in items
                ]
        if assocs:
            out["associations"] = assocs
    return out


def _json_assoc_value(kind: str, value: object) -> object:
    if kind == "int":
        try:
            return int(str(value))
        except ValueError:
            return value
    return value


def json_errors(errors: list[tuple[int, str]]) -> bytes:
    return php_json({"errors": [{"code": code, "message": message} for code, message in errors]})


# -- schemas and root listing ------------------------------------------------------------------------
def _capture_host(text: str, ctx: RenderCtx) -> str:
    return text.replace("http://127.0.0.1:8080/api/", ctx.base)


def xml_schema(ctx: RenderCtx, res: ResourceDef, synopsis: bool) -> bytes:
    out = [f"<{res.node}>\n"]
    for f in res.fields:
        if synopsis and f.name == "id":
            continue
        if not synopsis and not f.in_blank:
            continue
        attrs = _capture_host(f.synopsis_attrs, ctx) if synopsis else ""
        if f.i18n:
            lang_attrs = ' xlink:href="{base}languages/{lang}" format="isUnsignedId" ' if synopsis else ""
            langs = "".join(
                f'<language id="{lang}"{lang_attrs.format(base=ctx.base, lang=lang)}><![CDATA[]]></language>'
                for lang in ctx.languages
            )
            out.append(f"\t<{f.name}{attrs}>{langs}</{f.name}>\n")
        else:
            out.append(f"\t<{f.name}{attrs}><![CDATA[]]></{f.name}>\n")
    if res.associations:
        out.append("<associations>\n")
        for assoc in res.associations:
            kind = 'virtualEntity="true"' if assoc.virtual else f'api="{assoc.api}"'
            extra = f' nodeType="{assoc.node}" {kind}' if synopsis else ""
            out.append(f"<{assoc.name}{extra}>\n\t<{assoc.node}>\n")
            for sub in assoc.fields:
                sub_attrs = _capture_host(sub.synopsis_attrs, ctx) if synopsis else ""
                out.append(f"\t<{sub.name}{sub_attrs}><![CDATA[]]></{sub.name}>\n")
            out.append(f"\t</{assoc.node}>\n</{assoc.name}>\n")
        out.append("</associations>\n")
    out.append(f"</{res.node}>\n")
    return xml_document("".join(out))


def json_schema(res: ResourceDef) -> bytes:
    """The JSON blank and synopsis schemas only hold the associations (as captured)."""
    assocs = {a.name: [{sub.name: None for sub in a.fields}] for a in res.associations}
    return php_json({res.node: {"associations": assocs} if assocs else []})


def xml_root_listing(ctx: RenderCtx, shop_name: str, resources: list[tuple[str, str, bool]]) -> bytes:
    perms = 'get="true" put="true" post="true" patch="true" delete="true" head="true"'
    out = [f'<api shopName="{attr(shop_name)}">\n']
    for name, description, has_schema in resources:
        href = f"{ctx.base}{name}"
        out.append(f'<{name} xlink:href="{href}" {perms}>\n')
        out.append(f'<description xlink:href="{href}" {perms}>\n{description}</description>\n')
        if has_schema:
            out.append(f'<schema xlink:href="{href}?schema=blank" type="blank"/>\n')
            out.append(f'<schema xlink:href="{href}?schema=synopsis" type="synopsis"/>\n')
        out.append(f"</{name}>\n")
    out.append("</api>\n")
    return xml_document("".join(out))
