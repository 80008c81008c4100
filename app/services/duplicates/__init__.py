"""Likely duplicate contacts and organisations (B16): finding them, marking a pair "not a
duplicate", and merging a pair into one record without losing anything linked to it.

- ``finder``: the pairs of the current tenant and the rule each matched;
- ``marks``: "not a duplicate" marks, which hide a pair;
- ``merge``: one record of a pair takes the other's links and chosen values.
"""

from __future__ import annotations

from app.models import Contact, DistinctContacts, DistinctOrganisations, Organisation

CONTACT = "contact"
ORGANISATION = "organisation"
ENTITIES = (CONTACT, ORGANISATION)

MODELS: dict[str, type[Contact] | type[Organisation]] = {
    CONTACT: Contact, ORGANISATION: Organisation}
MARKS: dict[str, type[DistinctContacts] | type[DistinctOrganisations]] = {
    CONTACT: DistinctContacts, ORGANISATION: DistinctOrganisations}


def ordered(first_id: int, second_id: int) -> tuple[int, int]:
    """A pair in its one stored order: the lower id first."""
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)
