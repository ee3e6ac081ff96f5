"""Editing the configuration file (the console's Mappings page): one shop mapping at a time, validated by
the loader itself, written back atomically with the rest of the file as it was.

The rest of the file stays byte-identical: ruamel renders the whole edited document, but only the lines
of the edited key are taken from that rendering and spliced into the original text (ruamel's round trip
alone would still realign ``orders:  {every: 30s}`` or turn ``base: null`` into ``base:``). The splice is
checked: if it does not read back as the document ruamel rendered, ruamel's rendering is written instead.
``${VAR}`` references are text of the document and are never resolved here: the environment only serves
the validation, so no secret is ever written to the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import zip_longest
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarbool import ScalarBoolean

from courroie import secrets
from courroie.config import HUB_SHOP_KEYS, HubConfig, ShopEntry, _build
from courroie.errors import ConfigError

# The shop mappings the console edits: the connector's own keys (a shop type has those its config model
# declares), then the hub's, as ``section.key`` under the shop entry.
CONNECTOR_MAPPINGS = ("order_states", "carriers", "tax_rules_groups", "customer_groups")
HUB_MAPPINGS = ("orders.payment_journals", "orders.customer_groups", "stock.locations", "catalog.category_map")
# Layouts tried when rendering (mapping indent, sequence indent, dash offset): the one that reproduces the
# file best is used, so that the edited lines look like their neighbours.
LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0))

# One change at a time: read, validate, write and apply (``then``) are one step for concurrent saves.
_saving = threading.Lock()


class StaleEdit(ConfigError):
    """The mapping changed in the file since the form showing it was read."""


def mappings_of(entry: ShopEntry) -> list[str]:
    from courroie.connectors.registry import SHOPS

    fields = SHOPS[entry.type].config.model_fields
    return [key for key in CONNECTOR_MAPPINGS if key in fields] + list(HUB_MAPPINGS)


def effective(entry: ShopEntry, mapping: str) -> Any:
    """The mapping as the hub uses it, defaults included."""
    if "." in mapping:
        section, key = mapping.split(".")
        return getattr(getattr(entry.hub, section), key)
    return getattr(entry.connector, mapping)


@dataclass(frozen=True)
class MappingChange:
    shop: str
    mapping: str
    before: str | None          # block-style YAML of the value as written in the file; None: not written
    after: str | None
    config: HubConfig           # the whole new configuration, validated


@dataclass
class ConfigFile:
    """The configuration file as written: its text and its round-trip document."""

    path: Path
    text: str
    document: CommentedMap

    @classmethod
    def read(cls, path: Path) -> ConfigFile:
        with open(path, encoding="utf-8", newline="") as source:      # keeps \r\n line ends
            text = source.read()
        return cls(path, text, _document(path, text))

    def node(self, shop: str, mapping: str) -> Any:
        """The mapping as written (comments, quotes, flow style), None when the file does not set it."""
        node = self.document["shops"][self._index(shop)]
        for part in mapping.split("."):
            if not isinstance(node, CommentedMap) or part not in node:
                return None
            node = node[part]
        return node

    def written(self, shop: str, mapping: str) -> str:
        """The mapping's YAML as the file has it, for a person to edit: a block value with its lines and
        comments, an inline one rendered alone (the key line's comment stays in the file)."""
        node = self.node(shop, mapping)
        if node is None:
            return ""
        parts = ("shops", self._index(shop), *mapping.split("."))
        parent = _get(self.document, parts[:-1])
        if isinstance(node, CommentedMap | CommentedSeq) and node.lc.line > parent.lc.key(parts[-1])[0]:
            lines = self.text.splitlines()
            start, end = node.lc.line, _span(self.document, lines, parts)[1]
            column = node.lc.col
            return "\n".join(line[column:] if line[:column].isspace() else line.lstrip() for line in lines[start:end])
        return _render(_bare(node), self.layout).rstrip("\n")

    def with_value(self, shop: str, mapping: str, value: Any) -> str:
        """The whole file's text with the mapping set to ``value`` (None: removed, defaults apply)."""
        edited, index = _document(self.path, self.text), self._index(shop)
        unit, how = _put(edited["shops"][index], mapping.split("."), value)
        rendered = _render(edited, self.layout)
        spliced = _splice(self.text, self.document, rendered, ("shops", index, *unit), how)
        text = spliced if spliced is not None and _plain(_load(spliced)) == _plain(_load(rendered)) else rendered
        return text.replace("\r\n", "\n").replace("\n", "\r\n") if "\r\n" in self.text else text

    @property
    def shops(self) -> list[str]:
        entries = self.document.get("shops")
        return [entry.get("name") for entry in entries if isinstance(entry, CommentedMap)] \
            if isinstance(entries, list) else []

    @cached_property
    def layout(self) -> tuple[int, int, int]:
        return _layout(self.text)

    def _index(self, shop: str) -> int:
        if shop not in self.shops:
            raise ConfigError(f"{self.path}: no shop named {shop!r}")
        return next(index for index, entry in enumerate(self.document["shops"])
                    if isinstance(entry, CommentedMap) and entry.get("name") == shop)


def change_mapping(path: Path, shop: str, mapping: str, text: str, *, version: str | None = None,
                   environ: Mapping[str, str] | None = None,
                   then: Callable[[MappingChange], None] | None = None) -> MappingChange | None:
    """Set one shop mapping to ``text`` (YAML; empty: remove it) in the file, if the whole file then reads
    as a valid configuration (``environ`` resolves its ``${VAR}``s: the process's environment by default,
    the one the running hub was read with). ``version`` (of ``version_of``) refuses a form read before
    someone else's change. ``then`` runs after the write, before another change may start. None: unchanged.
    Raises ``ConfigError`` with the loader's message; the file is then untouched."""
    if mapping not in CONNECTOR_MAPPINGS + HUB_MAPPINGS:
        raise ConfigError(f"{mapping}: not a mapping the console edits")
    with _saving:
        current = ConfigFile.read(path)
        old = current.node(shop, mapping)
        if version is not None and version != version_of(old):
            raise StaleEdit(f"{mapping} of {shop} changed in the configuration since this page was read")
        new = _value(mapping, text)
        if _plain(new) == _plain(old):
            return None
        after = current.with_value(shop, mapping, new)
        config = _build(path, _document(path, after), dict(os.environ if environ is None else environ))
        _write_atomically(path, after)
        change = MappingChange(shop, mapping, history_text(old), history_text(new), config)
        if then is not None:
            then(change)
        return change


def version_of(node: Any) -> str:
    """A short fingerprint of a mapping's value as written (formatting aside)."""
    plain = json.dumps(_plain(node), sort_keys=True, default=str)
    return hashlib.sha256(plain.encode()).hexdigest()[:16]


def history_text(node: Any) -> str | None:
    """One entry a line (block style), so that the history's before → after diff shows entries."""
    if node is None:
        return None
    yaml = _yaml((2, 2, 0))
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(_plain(node), out)
    return out.getvalue().rstrip("\n")


# --- reading and rendering ----------------------------------------------------------------------------

def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096                 # never fold a long line the file has on one line
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")      # ruamel writes nothing


def _load(text: str) -> Any:
    return _yaml(LAYOUTS[0]).load(text)


def _document(path: Path, text: str) -> CommentedMap:
    try:
        document = _load(text)
    except YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(document, CommentedMap):
        raise ConfigError(f"{path}: expected a mapping at the top (store, erp, shops, flows)")
    return document


def _value(mapping: str, text: str) -> Any:
    """The person's YAML for a mapping; empty text: None (the key leaves the file)."""
    if not text.strip():
        return None
    try:
        return _load(text)
    except YAMLError as error:
        raise ConfigError(secrets.redact(f"{mapping}: not valid YAML: {error}")) from None


def _render(node: Any, layout: tuple[int, int, int]) -> str:
    out = io.StringIO()
    _yaml(layout).dump(node, out)
    return out.getvalue()


def _layout(text: str) -> tuple[int, int, int]:
    """The indentation that reproduces the file best."""
    document, lines = _load(text), text.splitlines()
    return min(LAYOUTS, key=lambda layout: sum(
        a != b for a, b in zip_longest(lines, _render(document, layout).splitlines())))


def _plain(node: Any) -> Any:
    """Plain Python values: the file's quoting and number notation are not part of a value."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(value) for value in node]
    for kind in (ScalarBoolean, bool, int, float, str):
        if isinstance(node, kind):
            return (bool if kind is ScalarBoolean else kind)(node)
    return node


def _bare(node: Any) -> Any:
    """A copy without comments (they belong to the file around the value), keeping quotes and flow style."""
    if isinstance(node, CommentedMap):
        copy: Any = CommentedMap((key, _bare(value)) for key, value in node.items())
    elif isinstance(node, CommentedSeq):
        copy = CommentedSeq(_bare(value) for value in node)
    else:
        return node
    if node.fa.flow_style():
        copy.fa.set_flow_style()
    return copy


def _get(document: Any, parts: tuple) -> Any:
    for part in parts:
        document = document[part]
    return document


# --- changing the document and splicing the text ---------------------------------------------------------

def _put(entry: CommentedMap, parts: list[str], value: Any) -> tuple[tuple[str, ...], str]:
    """Set (or with None remove) ``entry[parts…]``. Returns the key whose lines change in the text and
    how (replace, insert, delete): the key itself, a section created or emptied with it, or the section
    written inline (flow style) around it, whose whole line changes."""
    *sections, key = parts
    parent, path = entry, ()
    for section in sections:
        if section not in parent:
            nested: Any = value
            for name in reversed([*sections[len(path) + 1:], key]):
                nested = CommentedMap([(name, nested)])
            _insert(parent, section, nested, in_entry=parent is entry)
            return (*path, section), "insert"
        parent, path = parent[section], (*path, section)
        if not isinstance(parent, CommentedMap):
            raise ConfigError(f"{'.'.join(path)}: expected a mapping")
    inline = next((path[:depth] for depth in range(1, len(path) + 1) if _get(entry, path[:depth]).fa.flow_style()),
                  None)
    if value is None:
        del parent[key]
        if sections and not parent:                # an emptied section goes too
            del _get(entry, path[:-1])[path[-1]]
            return (inline, "replace") if inline and inline != path else (path, "delete")
        return (inline, "replace") if inline else ((*path, key), "delete")
    if key in parent:
        parent[key] = value
        return inline or (*path, key), "replace"
    _insert(parent, key, value, in_entry=parent is entry)
    return (inline, "replace") if inline else ((*path, key), "insert")


def _insert(parent: CommentedMap, key: str, value: Any, *, in_entry: bool) -> None:
    """New keys of a shop entry go after its connector keys (before the hub's sections); others last."""
    keys = list(parent)
    if in_entry:
        position = 1 + max((index for index, name in enumerate(keys) if name not in HUB_SHOP_KEYS), default=-1)
    else:
        position = len(keys)
    parent.insert(position, key, value)


def _splice(original: str, document: CommentedMap, rendered: str, unit: tuple, how: str) -> str | None:
    """``original`` with the lines of ``unit`` taken from ``rendered``; None when no place is found."""
    old_lines, new_lines = original.splitlines(keepends=True), rendered.splitlines(keepends=True)
    edited = _load(rendered)
    if how == "insert":
        siblings = list(_get(edited, unit[:-1]))
        position = siblings.index(unit[-1])
        if position == 0:
            return None
        start = end = _span(document, old_lines, (*unit[:-1], siblings[position - 1]))[1]
    else:
        start, end = _span(document, old_lines, unit)
    fresh = [] if how == "delete" else _indent_comments(new_lines[slice(*_span(edited, new_lines, unit))])
    return "".join(old_lines[:start] + fresh + old_lines[end:])


def _indent_comments(lines: list[str]) -> list[str]:
    """Comment lines a person wrote in a value, indented like the entry they introduce (ruamel leaves them
    where they were in the form: at the start of the line)."""
    indented, indent = [], ""
    for line in reversed(lines):
        text = line.lstrip(" ")
        if text.startswith("#"):
            line = indent + text
        elif text.strip():
            indent = line[:len(line) - len(text)]
        indented.append(line)
    return indented[::-1]


def _span(document: CommentedMap, lines: list[str], parts: tuple) -> tuple[int, int]:
    """Lines of a key and its value: from the key's line to its value's last line, leaving out the
    comments and blank lines after it (they introduce what follows)."""
    line, column = _get(document, parts[:-1]).lc.key(parts[-1])
    end = line + 1
    for index in range(line + 1, len(lines)):
        text = lines[index].strip()
        if not text or text.startswith("#"):
            continue
        indent = len(lines[index]) - len(lines[index].lstrip(" "))
        # a block sequence may sit at its key's own column: ``locations:`` then ``- TLS``
        if indent < column or (indent == column and not (text == "-" or text.startswith("- "))):
            break
        end = index + 1
    return line, end


def _write_atomically(path: Path, text: str) -> None:
    """A reader sees the old file or the new one, never half of it; the file keeps its permissions."""
    target = Path(os.path.realpath(path))          # a symbolic link stays one
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
