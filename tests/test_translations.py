"""Every message of the code is translated into da, sv and pl: no missing, empty or
fuzzy entries, and the same placeholders as the English source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\([a-zA-Z0-9_]+\)[sdif]|%[sdif]|\{[a-zA-Z0-9_]*\}")


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "fresh.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "lazy_gettext",
        "-k", "_l", "-k", "pgettext:1c,2", "-k", "lazy_pgettext:1c,2", "-k", "lazy_ngettext:1,2",
        "-o", str(pot),
        str(ROOT / "app"),
    ])
    with pot.open("rb") as handle:
        return read_po(handle)


@pytest.mark.parametrize("locale", ["da", "sv", "pl"])
def test_catalog_has_every_message(fresh_template, locale):
    path = ROOT / "app" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    gaps = []
    for message in fresh_template:
        if not message.id:
            continue
        key = message.id
        translated = catalog.get(key[0] if isinstance(key, tuple) else key,
                                 context=message.context)
        strings = translated.string if translated is not None else None
        forms = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or translated.fuzzy or not all(forms):
            gaps.append(key)
            continue
        source = key[0] if isinstance(key, tuple) else key
        if not isinstance(key, tuple) and sorted(PLACEHOLDER.findall(forms[0])) != sorted(
                PLACEHOLDER.findall(source)):
            gaps.append(f"placeholders: {source}")
    assert gaps == []


COUNT = re.compile(r"%\((count|num)\)")


def test_every_count_goes_through_ngettext(fresh_template):
    """A number of things is said in the plural form its number needs ("1 post", "5
    rekordów"), never in one fixed form ("1 poster har en værdi")."""
    fixed = [message.id for message in fresh_template
             if message.id and not isinstance(message.id, tuple)
             and COUNT.search(message.id)]
    assert fixed == []
