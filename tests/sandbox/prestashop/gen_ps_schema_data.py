"""Regenerate `courroie/sandbox/prestashop/_schema_data.py` from the captured exchanges.

Run: .venv/bin/python tests/sandbox/prestashop/gen_ps_schema_data.py

The sandbox never reads the captures at run time: this script distils them once into plain data
(field lists with their synopsis attributes, xlink targets, JSON and storage types) that the
sandbox's resource definitions are built from. Nothing here comes from PrestaShop's source code.
"""

from __future__ import annotations

import json
import pprint
import re
import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).parent))
import ps_captures

XLINK = "{http://www.w3.org/1999/xlink}href"
OUT = Path(__file__).parents[3] / "src/courroie/sandbox/prestashop/_schema_data.py"
TAG_RE = re.compile(rb"^\t?<([a-z_0-9]+)((?: [^>]*?)?)(/?)>", re.M)


def xml_root(body: bytes):
    try:
        return etree.fromstring(body)
    except etree.XMLSyntaxError:
        return None


def parse_synopsis(body: bytes) -> dict:
    """Fields (with their raw attribute text, to reproduce the synopsis byte for byte) and associations."""
    text = body.decode()
    lines = text.splitlines()
    node = lines[2][1:-1]
    fields, associations = [], []
    in_assoc, current = False, None
    for line in lines[3:]:
        if line == "<associations>":
            in_assoc = True
            continue
        if line in ("</associations>", f"</{node}>", "</prestashop>"):
            continue
        if not in_assoc:
            m = re.match(r"^\t<([a-z_0-9]+)((?: [^>]*)?)>(.*)$", line)
            name, attrs, rest = m.group(1), m.group(2), m.group(3)
            fields.append({"name": name, "attrs": attrs, "i18n": rest.startswith("<language")})
            continue
        m = re.match(r'^<([a-z_0-9]+) nodeType="([a-z_0-9]+)" (api="([^"]*)"|virtualEntity="true")>$', line)
        if m:
            current = {
                "name": m.group(1),
                "node": m.group(2),
                "api": m.group(4),
                "virtual": m.group(4) is None,
                "fields": [],
            }
            associations.append(current)
            continue
        m = re.match(r"^\t<([a-z_0-9]+)((?: [^>]*)?)><!\[CDATA\[\]\]>", line)
        if m and current is not None:
            current["fields"].append({"name": m.group(1), "attrs": m.group(2)})
    return {"node": node, "fields": fields, "associations": associations}


def parse_blank(body: bytes) -> list[str]:
    lines = body.decode().splitlines()
    names = []
    for line in lines[3:]:
        if line == "<associations>":
            break
        m = re.match(r"^\t<([a-z_0-9]+)>", line)
        if m:
            names.append(m.group(1))
    return names


def root_listing() -> list[list]:
    body = ps_captures.find("01-root-listing/001").response.body
    root = etree.fromstring(body)
    out = []
    for el in root.find("api"):
        desc = el.find("description")
        has_schema = el.find("schema") is not None
        out.append([el.tag, (desc.text or "").strip("\n"), has_schema])
    return out


def classify(value: str) -> str | None:
    if value == "":
        return None
    if re.fullmatch(r"-?\d+\.\d+", value):
        return f"dec{len(value.split('.')[1])}"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", value):
        return "datetime"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return "date"
    if re.fullmatch(r"-?\d+", value):
        return "int"
    return "str"


def main() -> None:
    root_list = root_listing()
    resources: dict[str, dict] = {}
    node_to_res: dict[str, str] = {}
    for folder in sorted(ps_captures.REFERENCE.glob("02-resource-*")):
        name = folder.name.removeprefix("02-resource-")
        files = sorted(folder.glob("*.http"))
        syn = [f for f in files if "schema-synopsis" in f.name and "json" not in f.name]
        blank = [f for f in files if "schema-blank" in f.name and "json" not in f.name]
        if not syn or name == "images":
            continue
        spec = parse_synopsis(ps_captures.load(syn[0]).response.body)
        spec["blank"] = parse_blank(ps_captures.load(blank[0]).response.body)
        resources[name] = spec
        node_to_res[spec["node"]] = name

    links: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    values: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    order: dict[str, list[str]] = {}
    assoc_links: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    json_types: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    assoc_json: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))

    def visit_record(res: str, el, stored: bool) -> None:
        names = []
        for child in el:
            if child.tag == "associations":
                for assoc in child:
                    for item in assoc:
                        for sub in item:
                            href = sub.get(XLINK)
                            if href:
                                target = re.sub(r"/[^/]*$", "", href.split("/api/", 1)[1])
                                assoc_links[res][f"{assoc.tag}.{sub.tag}"].add(target)
                continue
            names.append(child.tag)
            href = child.get(XLINK)
            if href and "/api/" in href:
                links[res][child.tag].add(re.sub(r"/[^/]*$", "", href.split("/api/", 1)[1]))
            if len(child) == 0 and stored:
                values[res][child.tag].add(classify(child.text or ""))
        if stored and "id" in names and len(names) > len(order.get(res, [])):
            order[res] = names

    def visit_json(res: str, record: dict) -> None:
        for key, value in record.items():
            if key == "associations":
                for assoc, items in value.items():
                    for item in items:
                        for sub, v in item.items():
                            assoc_json[res][f"{assoc}.{sub}"].add(type(v).__name__)
                continue
            if isinstance(value, list):
                continue
            json_types[res][key].add(type(value).__name__)

    for path in sorted(ps_captures.REFERENCE.glob("*/*.http")):
        ex = ps_captures.load(path)
        if ex.trimmed or "schema=" in ex.target:
            continue
        body = ex.response.body
        stored = ex.method == "GET"  # write answers echo the input: links only, not values
        if body.startswith(b"<?xml"):
            root = xml_root(body)
            if root is None or len(root) == 0:
                continue
            top = root[0]
            for rec in [top] if top.tag in node_to_res else list(top) if top.tag in resources else []:
                if rec.tag in node_to_res and len(rec):
                    visit_record(node_to_res[rec.tag], rec, stored)
        elif body.startswith(b"{") and stored:
            try:
                doc = json.loads(body)
            except ValueError:
                continue
            for key, value in doc.items():
                if key in resources and isinstance(value, list):
                    for rec in value:
                        visit_json(key, rec)
                elif key in node_to_res and isinstance(value, dict):
                    visit_json(node_to_res[key], value)

    out: dict[str, dict] = {}
    for name, spec in resources.items():
        fields = []
        for field in spec["fields"]:
            fname = field["name"]
            types = {t for t in values[name].get(fname, set()) if t}
            jtypes = json_types[name].get(fname, set())
            fields.append(
                {
                    "name": fname,
                    "attrs": field["attrs"],
                    "i18n": field["i18n"],
                    "link": sorted(links[name].get(fname, set())),
                    "seen": sorted(types),
                    "json": sorted(jtypes),
                }
            )
        assocs = []
        for assoc in spec["associations"]:
            sub = []
            for f in assoc["fields"]:
                key = f"{assoc['name']}.{f['name']}"
                sub.append(
                    {
                        "name": f["name"],
                        "attrs": f["attrs"],
                        "link": sorted(assoc_links[name].get(key, set())),
                        "json": sorted(assoc_json[name].get(key, set())),
                    }
                )
            assocs.append({**{k: assoc[k] for k in ("name", "node", "api", "virtual")}, "fields": sub})
        out[name] = {
            "node": spec["node"],
            "blank": spec["blank"],
            "output_order": order.get(name, []),
            "fields": fields,
            "associations": assocs,
        }

    header = (
        '"""Resource data distilled from the captured PrestaShop 8.1.2 exchanges.\n\n'
        "GENERATED by tests/sandbox/prestashop/gen_ps_schema_data.py — do not edit by hand.\n"
        '"""\n\n'
        "# fmt: off\n"
        "from typing import Any\n\n"
    )
    for spec in out.values():  # the virtual price fields of one capture are not fields
        spec["output_order"] = [n for n in spec["output_order"] if n not in ("base_ht", "final_ttc", "grp3")]
    text = header + "ROOT_RESOURCES: list[list[Any]] = " + pprint.pformat(root_list, width=110, sort_dicts=False)
    text += "\n\nRESOURCES: dict[str, dict[str, Any]] = " + pprint.pformat(out, width=110, sort_dicts=False) + "\n"
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(out)} resources)")
    for name, spec in out.items():
        syn = [f["name"] for f in spec["fields"]]
        if spec["output_order"] and spec["output_order"][1:] != syn[: len(spec["output_order"]) - 1]:
            print("ORDER DIFF", name, spec["output_order"], syn)


if __name__ == "__main__":
    main()
