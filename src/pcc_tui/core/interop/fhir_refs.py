"""FHIR references as an importer meets them: by a Bundle entry's `fullUrl` (urn:uuid or an
absolute URL), relative (`Patient/123`, with or without `_history`), conditional
(`Practitioner?identifier=system|value`), or to a contained resource (`#x`). Resolving is the
importer's; this only says what a reference asks for, and never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_RELATIVE = re.compile(r"([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?")
_ABSOLUTE_TAIL = re.compile(
    r"^[a-z][a-z0-9+.-]*://.+?/([A-Z][A-Za-z]{1,63})/([A-Za-z0-9\-.]{1,64})$"
)


@dataclass(frozen=True)
class Ask:
    """What one reference asks for. kind: "url" (match a fullUrl in the run), "relative"
    (Type/id: the run, then what was imported before from the same source), "conditional"
    (an identifier search), "contained" or "unusable"."""

    kind: str
    text: str
    rtype: str | None = None
    fhir_id: str | None = None
    system: str | None = None  # conditional: None = any system, "" = no system
    value: str | None = None


def ask(ref: str) -> Ask:
    ref = ref.strip()
    if ref.startswith("#"):
        return Ask("contained", ref)
    if ref.startswith(("urn:uuid:", "urn:oid:")):
        return Ask("url", ref)
    if "?" in ref:
        return _conditional(ref)
    if "://" in ref:
        tail = _ABSOLUTE_TAIL.match(ref.split("/_history/", 1)[0])
        if tail is None:
            return Ask("url", ref)
        return Ask("url", ref, tail.group(1), tail.group(2))
    found = _RELATIVE.fullmatch(ref)
    if found is None:
        return Ask("unusable", ref)
    return Ask("relative", f"{found.group(1)}/{found.group(2)}", found.group(1), found.group(2))


def _conditional(ref: str) -> Ask:
    """Only `Type?identifier=[system|]value` is followed: any other search could match
    records the sender did not mean, and a match must never be a guess."""
    rtype, _, query = ref.partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    if not re.fullmatch(r"[A-Z][A-Za-z]{1,63}", rtype) or len(params) != 1:
        return Ask("unusable", ref, rtype or None)
    name, token = params[0]
    if name != "identifier" or not token:
        return Ask("unusable", ref, rtype)
    if "|" in token:
        system, _, value = token.partition("|")
        return Ask("conditional", ref, rtype, system=system, value=value or None)
    return Ask("conditional", ref, rtype, system=None, value=token)


def identifiers(resource: Any) -> list[tuple[str, str]]:
    """(system, value) of each identifier with a value ("" for no system)."""
    out = []
    for ident in getattr(resource, "identifier", None) or []:
        if ident.value:
            out.append((str(ident.system or ""), str(ident.value)))
    return out
