"""Resolving FHIR references during an import, never by guessing: a Bundle entry's fullUrl,
`Type/id` (this run, then what this source imported before), and a conditional reference by
identifier against this run and, for providers and organisations, what was imported before.
A conditional reference resolves only when exactly one record matches.

What a unit made joins the run's index only once the unit committed, so a refused bundle
leaves nothing for later files to point at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from pcc_tui.core.interop.fhir_refs import Ask, ask
from pcc_tui.core.services.context import Tx
from pcc_tui.core.store.tables import FhirIdentifierRow, FhirLinkRow

# Types whose identifiers are kept in the database for later runs (no patient data).
KEPT_IDENTIFIERS = frozenset({"Organization", "Practitioner", "Location"})


@dataclass
class RunIndex:
    """What committed units of this run became."""

    urls: dict[tuple[str, str], int] = field(default_factory=dict)  # (type, url or Type/id)
    # (type, value) -> {(system, record id)}: a search without a system matches any system.
    identifiers: dict[tuple[str, str], set[tuple[str, int]]] = field(default_factory=dict)
    # (patient id, payer) -> [first, last] billed day: claims seen so far in this run, so
    # the payer billed last is decided over all of them, not one file's share.
    payers: dict[tuple[int, str], list[Any]] = field(default_factory=dict)

    def merge(self, other: RunIndex) -> None:
        self.urls.update(other.urls)
        for key, found in other.identifiers.items():
            self.identifiers.setdefault(key, set()).update(found)
        for billed, (start, end) in other.payers.items():
            widen(self.payers.setdefault(billed, [start, end]), start, end)

    def matches(self, rtype: str, system: str | None, value: str) -> set[int]:
        found = self.identifiers.get((rtype, value), set())
        return {rid for sys, rid in found if system is None or sys == system}


def widen(span: list[Any], start: Any, end: Any) -> None:
    """A [first, last] span grown to take in start and end (either may be None)."""
    if start is not None and (span[0] is None or start < span[0]):
        span[0] = start
    if end is not None and (span[1] is None or end > span[1]):
        span[1] = end


class Resolver:
    def __init__(self, tx: Tx, source: str, run: RunIndex | None) -> None:
        self.tx, self.source = tx, source
        self.run = run if run is not None else RunIndex()
        self.unit = RunIndex()  # this unit's, merged into the run after it commits
        self._to_keep: set[tuple[str, str, str, int]] = set()

    def remember(
        self,
        rtype: str,
        fhir_id: str,
        full_url: str | None,
        identifiers: Iterable[tuple[str, str]],
        entity_id: int,
    ) -> None:
        self.unit.urls[(rtype, f"{rtype}/{fhir_id}")] = entity_id
        if full_url:
            self.unit.urls[(rtype, full_url)] = entity_id
            tail = ask(full_url)
            if tail.rtype == rtype and tail.fhir_id:  # an absolute fullUrl: Type/id too
                self.unit.urls[(rtype, f"{rtype}/{tail.fhir_id}")] = entity_id
        for system, value in identifiers:
            if len(system) > 255 or len(value) > 255:
                continue  # no real identifier is this long; not one to search by
            self.unit.identifiers.setdefault((rtype, value), set()).add((system, entity_id))
            if rtype in KEPT_IDENTIFIERS:
                self._to_keep.add((rtype, system, value, entity_id))

    def resolve(self, ref: str | None, rtype: str) -> int | None:
        """The record a reference points to, if it is of `rtype` (a urn:uuid names no type,
        so the index is keyed by type too: a CareTeam lists the patient beside doctors)."""
        if not ref:
            return None
        a = ask(ref)
        if a.kind in ("url", "relative"):
            key = (rtype, a.text)
            found = self.unit.urls.get(key) or self.run.urls.get(key)
            if found is None and a.kind == "relative" and a.rtype == rtype and a.fhir_id:
                link = self.tx.session.get(FhirLinkRow, (self.source, rtype, a.fhir_id))
                found = link.entity_id if link is not None else None
            return found
        if a.kind == "conditional" and a.rtype == rtype and a.value:
            return self._by_identifier(a)
        return None  # contained, unusable, or of another type

    def _by_identifier(self, a: Ask) -> int | None:
        assert a.rtype is not None and a.value is not None
        found = self.unit.matches(a.rtype, a.system, a.value) | self.run.matches(
            a.rtype, a.system, a.value
        )
        if a.rtype in KEPT_IDENTIFIERS:
            query = select(FhirIdentifierRow.entity_id).where(
                FhirIdentifierRow.source == self.source,
                FhirIdentifierRow.resource_type == a.rtype,
                FhirIdentifierRow.value == a.value,
            )
            if a.system is not None:
                query = query.where(FhirIdentifierRow.system == a.system)
            found |= set(self.tx.session.scalars(query))
        return next(iter(found)) if len(found) == 1 else None

    def keep_identifiers(self) -> None:
        """Write this unit's provider identifiers not yet kept: one look and one insert."""
        if not self._to_keep:
            return
        ids = sorted({k[3] for k in self._to_keep})
        have: set[tuple[str, str, str, int]] = set()
        for start in range(0, len(ids), 500):
            rows = self.tx.session.execute(
                select(
                    FhirIdentifierRow.resource_type,
                    FhirIdentifierRow.system,
                    FhirIdentifierRow.value,
                    FhirIdentifierRow.entity_id,
                ).where(
                    FhirIdentifierRow.source == self.source,
                    FhirIdentifierRow.entity_id.in_(ids[start : start + 500]),
                )
            )
            have.update((str(r[0]), str(r[1]), str(r[2]), int(r[3])) for r in rows)
        self.tx.session.add_all(
            FhirIdentifierRow(source=self.source, resource_type=t, system=s, value=v, entity_id=e)
            for t, s, v, e in sorted(self._to_keep - have)
        )
        self._to_keep.clear()
