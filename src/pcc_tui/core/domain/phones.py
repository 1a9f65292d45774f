"""Phone numbers: parsed with the `phonenumbers` library (Google's libphonenumber data), kept
as E.164 (`+15551234567`), shown in one format. A number typed without `+country` is read as
the site's region (`[policy] phone_region`). Numbers stored before this rule came in (free
text) are shown as they were typed.

The library loads its metadata on import (~20 ms), so it is imported when a number is first
parsed or shown, not when the cockpit starts.
"""

from __future__ import annotations

from typing import Any

from pcc_tui.core.errors import BadField, DomainError

_REASONS = {  # NumberParseException error types, in words
    "INVALID_COUNTRY_CODE": "no such country code",
    "NOT_A_NUMBER": "not a phone number",
    "TOO_SHORT_NSN": "too short",
    "TOO_SHORT_AFTER_IDD": "too short after the international prefix",
    "TOO_LONG": "too long",
}


class BadPhone(DomainError):
    """A phone number that cannot be a real one; the message says why."""


def phone_field(field: str, text: str | None, region: str) -> str | None:
    """A form's phone field in E.164 (None when left empty), or BadField naming it."""
    if not text or not text.strip():
        return None
    try:
        return parse_phone(text, region)
    except BadPhone as exc:
        raise BadField(field, str(exc)) from None


PHONE_FIELDS = ("phone", "phone_other")


def phone_fields(values: dict[str, Any], region: str) -> dict[str, Any]:
    """`values` with each phone field it has in E.164 (BadField names a bad one)."""
    return values | {f: phone_field(f, values[f], region) for f in PHONE_FIELDS if f in values}


def parse_phone(text: str, region: str) -> str:
    """The number in E.164, or BadPhone with the reason."""
    import phonenumbers
    from phonenumbers import NumberParseException

    typed = text.strip()
    if len(typed) > 40:
        raise BadPhone("too long")
    try:
        number = phonenumbers.parse(typed, region)
    except NumberParseException as exc:
        kind = next((k for k in _REASONS if getattr(exc, k) == exc.error_type), "")
        raise BadPhone(_REASONS.get(kind, "not a phone number")) from None
    if not phonenumbers.is_possible_number(number):
        raise BadPhone("the wrong number of digits for that country")
    if not phonenumbers.is_valid_number(number):
        where = phonenumbers.region_code_for_number(number) or region
        raise BadPhone(f"not a number in use in {where}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def show_phone(stored: str | None, region: str) -> str:
    """National format for the site's own region, international for others; text that is not
    E.164 (typed before numbers were parsed) as it stands."""
    if not stored:
        return ""
    if not stored.startswith("+"):
        return stored
    import phonenumbers

    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    fmt = phonenumbers.PhoneNumberFormat
    own = phonenumbers.region_code_for_number(number) == region
    return str(phonenumbers.format_number(number, fmt.NATIONAL if own else fmt.INTERNATIONAL))


def same_number(a: str | None, b: str | None, region: str) -> bool:
    """Whether two stored numbers are the same line, whatever format each was kept in."""
    if not a or not b:
        return False
    import phonenumbers

    try:
        first, second = phonenumbers.parse(a, region), phonenumbers.parse(b, region)
    except phonenumbers.NumberParseException:
        return False
    match = phonenumbers.MatchType
    return phonenumbers.is_number_match(first, second) in (match.EXACT_MATCH, match.NSN_MATCH)
