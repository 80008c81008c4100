"""Identifier normalisation: sample numbers are python-stdnum's own docstring examples."""

from __future__ import annotations

import datetime

import pytest

from app.masking import mask_national_id
from app.services.errors import ServiceError
from app.services.identifiers import (
    COUNTRIES,
    NATIONAL_ID_NAMES,
    REGISTRATION_NAMES,
    birth_date_from_national_id,
    format_phone,
    normalise_national_id,
    normalise_phone,
    normalise_registration_number,
    normalise_website,
)


def test_every_country_has_labels():
    for country in COUNTRIES:
        assert str(NATIONAL_ID_NAMES[country])
        assert str(REGISTRATION_NAMES[country])


# --- national IDs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("211062-5629", "DK", "2110625629"),
        (" 2110625629 ", "dk", "2110625629"),
        ("880320-0016", "SE", "880320-0016"),
        ("8803200016", "SE", "880320-0016"),
        ("19880320-0016", "SE", "19880320-0016"),
        ("44051401359", "PL", "44051401359"),
        ("440514 01359", "PL", "44051401359"),
    ],
)
def test_valid_national_ids_are_compacted(value, country, expected):
    assert normalise_national_id(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("511062-5629", "DK"),  # no 51st day
        ("2110525629", "DK"),  # born in 2052
        ("21106256", "DK"),  # too short
        ("880320-0018", "SE"),  # check digit
        ("44051401358", "PL"),  # check digit
        ("02381307589", "PL"),  # month 38 is no month
        ("abc", "PL"),
    ],
)
def test_invalid_national_ids_are_refused(value, country):
    with pytest.raises(ServiceError) as exc:
        normalise_national_id(value, country)
    assert exc.value.field == "national_id"
    assert str(exc.value) == f"This is not a valid {NATIONAL_ID_NAMES[country]}."


def test_invalid_national_id_reports_the_given_field():
    with pytest.raises(ServiceError) as exc:
        normalise_national_id("44051401358", "PL", field="spouse_id")
    assert exc.value.field == "spouse_id"
    assert "PESEL" in str(exc.value)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_national_id_is_none_even_without_country(value):
    assert normalise_national_id(value, None) is None


@pytest.mark.parametrize("country", [None, "", "DE"])
def test_national_id_needs_a_supported_country(country):
    with pytest.raises(ServiceError) as exc:
        normalise_national_id("211062-5629", country)
    assert exc.value.field == "national_id_country"
    assert "country" in str(exc.value)


def test_same_digits_mean_different_things_per_country():
    assert normalise_national_id("2110625629", "DK") == "2110625629"
    with pytest.raises(ServiceError):
        normalise_national_id("2110625629", "PL")


# --- masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2110625629", "21********"),
        ("211062-5629", "21****-****"),
        ("19880320-0016", "19******-****"),
        ("44051401359", "44*********"),
        ("A1", "A1"),
        (None, ""),
        ("", ""),
    ],
)
def test_mask_national_id(value, expected):
    assert mask_national_id(value) == expected


def test_mask_hides_every_identifying_digit():
    masked = mask_national_id("44051401359")
    assert "0514" not in masked and "1359" not in masked


# --- birth dates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("2110620629", "DK", datetime.date(1962, 10, 21)),
        ("2110625629", "DK", datetime.date(1862, 10, 21)),  # serial 5xxx with year >= 58
        ("880320-0016", "SE", datetime.date(1988, 3, 20)),
        ("19880320-0016", "SE", datetime.date(1988, 3, 20)),
        ("44051401359", "PL", datetime.date(1944, 5, 14)),
        ("02211307589", "PL", datetime.date(2002, 1, 13)),
    ],
)
def test_birth_date_from_national_id(value, country, expected):
    assert birth_date_from_national_id(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        (None, "DK"),
        ("", "DK"),
        ("2110625629", None),
        ("2110625629", "DE"),
        ("511062-5629", "DK"),
        ("44051401358", "PL"),
    ],
)
def test_birth_date_is_none_when_not_derivable(value, country):
    assert birth_date_from_national_id(value, country) is None


# --- registration numbers -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("13585628", "DK", "13585628"),
        ("DK 13585628", "DK", "13585628"),
        ("1234567897", "SE", "1234567897"),
        ("123456-7897", "SE", "1234567897"),
        ("8567346215", "PL", "8567346215"),
        ("PL 856-734-62-15", "pl", "8567346215"),
    ],
)
def test_valid_registration_numbers_are_compacted(value, country, expected):
    assert normalise_registration_number(value, country) == expected


@pytest.mark.parametrize(
    ("value", "country"),
    [
        ("13585627", "DK"),
        ("1234567891", "SE"),
        ("8567346216", "PL"),
        ("12", "DK"),
    ],
)
def test_invalid_registration_numbers_are_refused(value, country):
    with pytest.raises(ServiceError) as exc:
        normalise_registration_number(value, country)
    assert exc.value.field == "registration_number"
    assert str(exc.value) == f"This is not a valid {REGISTRATION_NAMES[country]}."


def test_registration_number_needs_a_country():
    with pytest.raises(ServiceError) as exc:
        normalise_registration_number("13585628", None)
    assert exc.value.field == "registration_country"
    assert "registration number" in str(exc.value)


def test_empty_registration_number_is_none():
    assert normalise_registration_number("  ", None) is None


# --- phones -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "country", "expected"),
    [
        ("20 12 34 56", "DK", "+4520123456"),
        ("20123456", None, "+4520123456"),  # Denmark when no country is known
        ("+45 20 12 34 56", "PL", "+4520123456"),
        ("070-123 45 67", "SE", "+46701234567"),
        ("+46 70 123 45 67", "DK", "+46701234567"),
        ("08-123 456 78", "se", "+46812345678"),
        ("+48 601 234 567", "DK", "+48601234567"),
        ("601 234 567", "PL", "+48601234567"),
        ("0048 601 234 567", "DK", "+48601234567"),
    ],
)
def test_valid_phones_become_e164(value, country, expected):
    assert normalise_phone(value, country) == expected


@pytest.mark.parametrize("value", ["123", "abc", "+999 1234", "20 12 34 56 78 90 12"])
def test_invalid_phones_are_refused(value):
    with pytest.raises(ServiceError) as exc:
        normalise_phone(value, "DK")
    assert exc.value.field == "phone"
    assert str(exc.value) == "This is not a valid phone number."


def test_invalid_phone_reports_the_given_field():
    with pytest.raises(ServiceError) as exc:
        normalise_phone("123", "SE", field="mobile")
    assert exc.value.field == "mobile"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_empty_phone_is_none(value):
    assert normalise_phone(value, "DK") is None


@pytest.mark.parametrize(
    ("e164", "locale_country", "expected"),
    [
        ("+4520123456", "DK", "20 12 34 56"),
        ("+4520123456", "dk", "20 12 34 56"),
        ("+4520123456", "SE", "+45 20 12 34 56"),
        ("+4520123456", None, "+45 20 12 34 56"),
        ("+46701234567", "SE", "070-123 45 67"),
        ("+48601234567", "PL", "601 234 567"),
        ("+48601234567", "DK", "+48 601 234 567"),
    ],
)
def test_format_phone(e164, locale_country, expected):
    assert format_phone(e164, locale_country) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(None, ""), ("", ""), ("not a phone", "not a phone")]
)
def test_format_phone_never_raises(value, expected):
    assert format_phone(value, "DK") == expected


def test_phone_round_trip():
    stored = normalise_phone("070-123 45 67", "SE")
    assert format_phone(stored, "SE") == "070-123 45 67"


# --- websites -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com", "https://example.com"),
        ("  www.example.dk/kontakt ", "https://www.example.dk/kontakt"),
        ("http://example.com", "http://example.com"),
        ("HTTPS://Example.COM/Path?q=1", "https://example.com/Path?q=1"),
        ("example.com:8080/x", "https://example.com:8080/x"),
        ("sklep.przykład.pl", "https://sklep.przykład.pl"),
    ],
)
def test_valid_websites(value, expected):
    assert normalise_website(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "localhost",
        "example",
        "ftp://example.com",
        "javascript:alert(1)",
        "mailto:someone@example.com",
        "https://",
        "https://.com",
        "https://example..com",
        "exa mple.com",
        "https://user:secret@example.com",
        "example.com:port",
    ],
)
def test_invalid_websites_are_refused(value):
    with pytest.raises(ServiceError) as exc:
        normalise_website(value)
    assert exc.value.field == "website"
    assert str(exc.value) == "This is not a valid web address."


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_website_is_none(value):
    assert normalise_website(value) is None


@pytest.mark.parametrize("region", ["DK", "SE", "PL", "NO", "DE"])
def test_the_quick_reading_of_national_numbers_agrees_with_phonenumbers(region):
    """Numbers typed as plain digits are read by the region's rules compiled once (one
    pattern per length of number): each number it accepts is the one phonenumbers
    reads; what it leaves (None) phonenumbers' full parse decides."""
    import random

    import phonenumbers

    from app.services.identifiers import _plain_national_number

    chance = random.Random(region)
    tried = accepted = 0
    for _ in range(3000):
        digits = "".join(chance.choice("0123456789") for _ in range(chance.randint(5, 12)))
        quick = _plain_national_number(digits, region)
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            assert quick is None, digits
            continue
        valid = phonenumbers.is_valid_number(number)
        tried += 1
        if quick is not None:
            accepted += 1
            assert valid and quick == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164), digits
    assert accepted, f"no number of {tried} was read in {region}"
