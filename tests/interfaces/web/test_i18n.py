"""The console is in French and English: every message of its pages and code has a French translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from courroie.interfaces.web import i18n

ROOT = Path(__file__).parents[3]
WEB = ROOT / "src" / "courroie" / "interfaces" / "web"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}}


def extracted() -> set[str]:
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(WEB, METHODS, OPTIONS, KEYWORDS):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_message_has_a_french_translation():
    with (WEB / "locale" / "fr" / "LC_MESSAGES" / "courroie.po").open("rb") as po:
        catalog = read_po(po, locale="fr")
    missing = sorted(m for m in extracted() if not (catalog.get(m) and catalog.get(m).string))
    assert len(extracted()) > 50
    assert missing == [], f"{len(missing)} messages without French (run `make messages`, then translate): {missing[:10]}"


def test_placeholders_survive_translation():
    """A French text that loses a %(name)s would raise or hide the value at run time."""
    i18n.use("fr")
    try:
        assert "operator" in i18n.gettext("Your role (%(role)s) may not do this.", role="operator")
        assert "12" in i18n.gettext("A password needs at least %(n)d characters.", n=12)
    finally:
        i18n.use("en")
