"""Validators speak to programmers ("String should have at most 4000 characters"); a
coordinator gets the same fact in plain words."""

from __future__ import annotations

import re
from typing import Any

WORDS = {
    "string_too_long": "too long: at most {max_length} characters",
    "string_too_short": "too short: at least {min_length} characters",
    "too_long": "too many: at most {max_length}",
    "too_short": "too few: at least {min_length}",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "missing": "required",
    "int_parsing": "a whole number, please",
    "int_type": "a whole number, please",
    "date_parsing": "not a date",
    "datetime_parsing": "not a date and time",
    "enum": "not one of the choices",
    "literal_error": "not one of the choices",
}


def plain_error(err: Any) -> str:
    """One pydantic error (a dict from `ValidationError.errors()`) in plain words."""
    kind = str(err.get("type", ""))
    context = err.get("ctx") or {}
    if kind in WORDS:
        try:
            return WORDS[kind].format(**context)
        except (KeyError, IndexError):
            return WORDS[kind].split(":")[0]
    if kind == "value_error":
        return str(err.get("msg", "")).removeprefix("Value error, ")
    return "not accepted here"


# Core errors name records by id (they may reach a log, and an id is no patient data); on the
# screen a coordinator gets "an appointment" ("The referral ..." at the start) instead of
# "appointment 1234".
_RECORD_ID = re.compile(
    r"\b(appointment|referral|prior auth|plan step|step|contact|coverage|patient|handoff|"
    r"care plan|communication|note|problem)s? #?\d+\b",
    re.IGNORECASE,
)


def plain_refusal(text: str) -> str:
    """A refusal's message with record ids turned into words."""

    def words(m: re.Match[str]) -> str:
        noun = m.group(1).lower()
        if m.start() == 0:
            return f"The {noun}"
        return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"

    return _RECORD_ID.sub(words, text)
