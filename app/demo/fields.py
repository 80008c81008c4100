"""Demo configurable fields: an "Opmærksomhedspunkter" (points of attention) section on
contacts, and a section on organisations, with values on the demo records."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Contact, Organisation, Tenant
from app.services.fields import admin
from app.services.fields import values as custom_fields
from app.services.fields.admin import ChoiceInput, FieldInput


def _labels(en: str, da: str, sv: str, pl: str) -> dict[str, str]:
    return {"en": en, "da": da, "sv": sv, "pl": pl}


CONTACT_SECTION = _labels("Points of attention", "Opmærksomhedspunkter", "Att tänka på", "Uwagi")
CONTACT_FIELDS = {
    "attention": FieldInput(
        labels=_labels("Attention", "Opmærksomhed", "Observera", "Uwaga"), field_type="text",
        show_in_list=True, searchable=True,
        help_texts=_labels("Shown to everyone who opens the person",
                      "Vises for alle, der åbner personen",
                      "Visas för alla som öppnar personen",
                      "Widoczne dla każdego, kto otworzy osobę")),
    "customer_since": FieldInput(
        labels=_labels("Customer since", "Kunde siden", "Kund sedan", "Klient od"),
        field_type="date"),
    "satisfaction": FieldInput(
        labels=_labels("Satisfaction", "Tilfredshed", "Nöjdhet", "Zadowolenie"),
        field_type="choice", show_in_list=True, choices=[
            ChoiceInput(_labels("High", "Høj", "Hög", "Wysokie")),
            ChoiceInput(_labels("Medium", "Middel", "Medel", "Średnie")),
            ChoiceInput(_labels("Low", "Lav", "Låg", "Niskie"))]),
    "interests": FieldInput(
        labels=_labels("Interests", "Interesser", "Intressen", "Zainteresowania"),
        field_type="multi_choice", choices=[
            ChoiceInput(_labels("Price", "Pris", "Pris", "Cena")),
            ChoiceInput(_labels("Delivery", "Levering", "Leverans", "Dostawa")),
            ChoiceInput(_labels("Quality", "Kvalitet", "Kvalitet", "Jakość"))]),
    "newsletter": FieldInput(
        labels=_labels("Reads the newsletter", "Læser nyhedsbrevet", "Läser nyhetsbrevet",
                  "Czyta newsletter"), field_type="boolean"),
}
ORGANISATION_SECTION = _labels("Account", "Kundeforhold", "Kundrelation", "Relacja")
ORGANISATION_FIELDS = {
    "employees": FieldInput(
        labels=_labels("Employees", "Ansatte", "Anställda", "Pracownicy"), field_type="integer",
        min_value=Decimal(0), show_in_list=True),
    "yearly_revenue": FieldInput(
        labels=_labels("Yearly revenue", "Årlig omsætning", "Årlig omsättning", "Roczny przychód"),
        field_type="decimal"),
}
ATTENTION_NOTES = {
    "da_DK": ["Foretrækker mails frem for opkald", "Ring aldrig før kl. 10",
              "Har klaget over leveringstid"],
    "pl_PL": ["Woli e-maile niż telefony", "Nie dzwonić przed 10:00",
              "Reklamował czas dostawy"],
    "sv_SE": ["Föredrar mejl framför samtal", "Ring aldrig före kl. 10",
              "Har klagat på leveranstiden"],
}


def _define(entity: str, section_labels: dict, fields: dict[str, FieldInput]) -> None:
    section = admin.create_section(entity, section_labels)
    for data in fields.values():
        admin.create_field(section, data)
        db.session.flush()


def fill_fields(tenant: Tenant, faker_locale: str, contacts: int) -> None:
    rng = random.Random(tenant.id * 7)
    _define("contact", CONTACT_SECTION, CONTACT_FIELDS)
    _define("organisation", ORGANISATION_SECTION, ORGANISATION_FIELDS)
    notes = ATTENTION_NOTES.get(faker_locale, ATTENTION_NOTES["da_DK"])
    for contact in db.session.scalars(select(Contact)):
        if rng.random() < 0.6:
            custom_fields.set_values(contact, {
                "cf_attention": rng.choice(notes) if rng.random() < 0.4 else None,
                "cf_customer_since": date.today() - timedelta(days=rng.randint(30, 3000)),
                "cf_satisfaction": rng.choice(("high", "medium", "low")),
                "cf_interests": rng.sample(["price", "delivery", "quality"], rng.randint(0, 2)),
                "cf_newsletter": rng.random() < 0.5,
            })
    for organisation in db.session.scalars(select(Organisation)):
        if not organisation.is_private_customers:
            custom_fields.set_values(organisation, {
                "cf_employees": rng.randint(2, 800),
                "cf_yearly_revenue": rng.randint(100, 90_000) * 1000,
            })
    db.session.flush()
