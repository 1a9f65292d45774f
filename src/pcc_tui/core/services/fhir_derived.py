"""Records derived where the EHR states none: a care team from who saw the patient at their
encounters, coverage from the payers of their claims (Synthea states coverage only there).

An incremental sync brings only the encounters and claims that changed, so what is derived
from them is merged with what earlier runs derived (the first visit stays the first, a
payer's billed period only widens), never narrowed to this run's share.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import select

from pcc_tui.core.domain.codes import NO_MEMBER_ID
from pcc_tui.core.domain.models import CareTeamMember, Coverage
from pcc_tui.core.services.context import values_of
from pcc_tui.core.services.fhir_resolve import widen
from pcc_tui.core.store.tables import CareTeamMemberRow, CoverageRow, FhirLinkRow

TEAM = "CareTeam (from encounters)"
CLAIMS = "Coverage (from claims)"


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()


def _earliest(*days: date | None) -> date | None:
    return min((d for d in days if d is not None), default=None)


def _latest(*days: date | None) -> date | None:
    return max((d for d in days if d is not None), default=None)


def derived_care_team(imp: Any) -> None:
    """No CareTeam for a patient: the practitioners of their encounters are the team, from
    the first visit to the last."""
    from pcc_tui.core.services.fhir_import import _hash

    for (pid, prac), (first, last) in sorted(imp.seen_by.items()):
        if pid in imp.given_team:
            continue
        fhir_id = f"encounters/{_key(pid, prac)}"
        before = imp.stored("CareTeam", fhir_id, CareTeamMemberRow)
        start, end = first.date(), last.date()
        if before is not None:
            start, end = _earliest(start, before.start), _latest(end, before.end)
        member = CareTeamMember.model_validate(
            {
                "patient_id": pid,
                "practitioner_id": prac,
                "role": "seen the patient (from encounters)",
                "start": start,
                "end": end,
            }
        )
        values = values_of(member)
        imp.keep("CareTeam", fhir_id, CareTeamMemberRow, values, _hash(values), TEAM, now=False)


def derived_coverage(imp: Any) -> None:
    """One coverage per payer over its billed periods, merged with what earlier runs stored
    (the first bill stays the first, the last the last); the payer billed last, over all
    claims seen in any run, is the active one."""
    claims = {k: list(v) for k, v in imp.refs.run.payers.items() if k[0] in _patients(imp)}
    for billed, (start, end) in imp.payers.items():
        widen(claims.setdefault(billed, [start, end]), start, end)
    for pid in _patients(imp):
        for row in _stored_claims(imp, pid):
            last = row.last_billed or row.period_end
            widen(
                claims.setdefault((pid, row.payer), [row.period_start, last]),
                row.period_start,
                last,
            )
    latest: dict[int, tuple[date | None, str]] = {}
    for (pid, payer), (_start, end) in sorted(claims.items(), key=lambda kv: str(kv[0])):
        if pid not in latest or (end and (latest[pid][0] is None or end > latest[pid][0])):
            latest[pid] = (end, payer)
    for (pid, payer), (start, end) in sorted(claims.items(), key=lambda kv: str(kv[0])):
        _keep_coverage(imp, pid, payer, start, end, active=latest[pid][1] == payer)


def _patients(imp: Any) -> set[int]:
    return {pid for pid, _payer in imp.payers}


def _stored_claims(imp: Any, pid: int) -> list[CoverageRow]:
    rows = imp.tx.session.scalars(
        select(CoverageRow)
        .join(FhirLinkRow, FhirLinkRow.entity_id == CoverageRow.id)
        .where(
            CoverageRow.patient_id == pid,
            FhirLinkRow.source == imp.source,
            FhirLinkRow.resource_type == "Coverage",
            FhirLinkRow.entity_type == "coverage",
            FhirLinkRow.fhir_id.startswith("claims/"),
        )
    )
    return list(rows)


def _keep_coverage(
    imp: Any, pid: int, payer: str, start: date | None, end: date | None, *, active: bool
) -> None:
    from pcc_tui.core.services.fhir_import import _hash

    coverage = Coverage.model_validate(
        {
            "patient_id": pid,
            "payer": payer[:200],
            "member_id": NO_MEMBER_ID,
            "period_start": start,
            "period_end": None if active else end,
            "status": "active" if active else "cancelled",
            "last_billed": end,
        }
    )
    values = values_of(coverage)
    fhir_id = f"claims/{_key(pid, payer)}"
    imp.keep("Coverage", fhir_id, CoverageRow, values, _hash(values), CLAIMS, now=False)
