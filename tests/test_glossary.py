"""The words of docs/translations.md's glossary, as the demo customers' own manuals use
them (issue 16): one term per thing in each language, checked in the catalogs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGS = Path(__file__).resolve().parent.parent / "app" / "translations"


def catalog(language: str):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def texts(language: str) -> list[tuple[str, str]]:
    """(English, translation) of every message and every plural form."""
    found = []
    for message in catalog(language):
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[-1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(english, text) for text in strings]
    return found


# (English, context) → the glossary's word, per language
TERMS = {
    "da": {("Note", None): "Notat", ("Notes", None): "Notater",
           ("Case notes", None): "Sagsnotater", ("Planned", None): "Planlagt",
           ("Due", None): "Frist", ("Give access", None): "Giv adgang"},
    "sv": {("Give access", None): "Ge tillgång", ("Planned", None): "Planerat",
           ("Due", None): "Klart senast", ("Note", None): "Anteckning"},
    "pl": {("Title", "heading of a case, task or sales record"): "Tytuł",
           ("Title", "position a person holds at an organisation"): "Stanowisko",
           ("Opened", "date a case was opened"): "Data otwarcia",
           ("Closed", "date a case was closed"): "Data zamknięcia",
           ("Open", "status of a case"): "Otwarta",
           ("Closed", "status of a case"): "Zamknięta",
           ("Note", None): "Notatka"},
}
# Words that name the wrong thing: a note is "notat" in Danish (the seeds' sagsnotater),
# the tenant (the company using the CRM) is never a renter or a client.
WRONG = {
    "da": re.compile(r"\b(note|noter|noten|noterne|lejer\w*)\b", re.I),
    "sv": re.compile(r"\bklient\w*\b", re.I),
    "pl": re.compile(r"\bnajemc\w*\b", re.I),
}


@pytest.mark.parametrize("language", TERMS)
def test_the_glossarys_words_are_used(language):
    messages = catalog(language)
    for (english, context), word in TERMS[language].items():
        assert messages.get(english, context=context).string == word, english


@pytest.mark.parametrize("language", WRONG)
def test_no_message_uses_a_word_the_glossary_rules_out(language):
    wrong = [(english, text) for english, text in texts(language)
             if WRONG[language].search(text)]
    assert wrong == []
