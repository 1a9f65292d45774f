"""Registering a patient from the cockpit: who might already be registered (asked before
saving), an MRN from the site's numbering when none is given, the phone in one format, and
an intake step so the new patient is owed something in their coordinator's queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import RequestPriority
from pcc_tui.core.domain.models import Patient, PlanStep
from pcc_tui.core.domain.phones import BadPhone, parse_phone, phone_fields, same_number
from pcc_tui.core.errors import BadField
from pcc_tui.core.services.context import Actor, action, values_of
from pcc_tui.core.services.plans import holder_plan, insert_step
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries import duplicates
from pcc_tui.core.store.queries.names import index_patient_names, normalise
from pcc_tui.core.store.tables import CoordinatorRow, PatientRow

NAME_SIMILAR = 80  # rapidfuzz token-sort ratio (0-100) for "a likely same name"
INTAKE_TITLE = "Intake call: welcome, consent and contacts, coverage, care plan"


@dataclass(frozen=True)
class LikelyMatch:
    """A patient who may be the one being registered, with what matched."""

    id: int
    mrn: str
    family_name: str
    given_name: str
    birth_date: date
    why: str


def likely_duplicates(
    store: Store, actor: Actor, family: str, given: str, born: date, phone: str | None
) -> list[LikelyMatch]:
    """Patients who look like this one: same (or day/month-swapped) birth date and a
    similar name, or the same phone line (as typed; one that cannot be parsed matches no
    phone, and is refused later at its field). Audited as a search (how many, never who)."""
    region = store.policy.phone_region
    try:
        phone = parse_phone(phone, region) if phone else None
    except BadPhone:
        phone = None
    from rapidfuzz import fuzz  # loaded by the first check, not at start

    with action(store, actor, "patient.duplicate-check") as tx:
        typed = normalise(f"{given} {family}")
        out: list[LikelyMatch] = []
        for c in duplicates.candidates(tx.session, family, given, born, phone):
            reasons = []
            if c.birth_date in duplicates.birth_dates(born):
                score = fuzz.token_sort_ratio(typed, normalise(f"{c.given_name} {c.family_name}"))
                if score >= NAME_SIMILAR:
                    same = c.birth_date == born
                    born_how = "same birth date" if same else "birth day and month swapped"
                    reasons.append(f"{born_how}, similar name")
            if phone and any(same_number(phone, p, region) for p in (c.phone, c.phone_other)):
                reasons.append("same phone")
            if reasons:
                out.append(
                    LikelyMatch(
                        c.id, c.mrn, c.family_name, c.given_name, c.birth_date, "; ".join(reasons)
                    )
                )
        tx.detail["matches"] = len(out)
        return out


def register_new_patient(
    store: Store, actor: Actor, values: dict[str, Any], *, intake_due: date | None
) -> tuple[int, str]:
    """Validate and save a new patient; returns (id, MRN). An empty MRN gets the site's next;
    a taken one is refused at its field. `coordinator` is a user name. With `intake_due`,
    the coordinator (or, with none, the registering person) owes an intake call by then."""
    values = phone_fields(dict(values), store.policy.phone_region)
    coordinator = values.pop("coordinator", None)
    with action(store, actor, "patient.register") as tx:
        if coordinator:
            values["coordinator_id"] = tx.session.scalar(
                select(CoordinatorRow.id).where(
                    CoordinatorRow.username == coordinator, CoordinatorRow.active.is_(True)
                )
            )
            if values["coordinator_id"] is None:
                raise BadField("coordinator", f"no active coordinator called {coordinator!r}")
        given_mrn = values.get("mrn")
        if given_mrn and duplicates.mrn_taken(tx.session, given_mrn):
            raise BadField("mrn", f"MRN {given_mrn} is already registered")
        if not given_mrn:
            values["mrn"] = _next_mrn(tx.session, store.policy.mrn_prefix)
        new = Patient(**values)
        row = tx.add(PatientRow(**values_of(new)))
        index_patient_names(tx.session, row.id, row.family_name, row.given_name)
        tx.about(row, row.id, assigned_mrn=not given_mrn)
        if intake_due is not None:
            plan_id = holder_plan(tx, row.id, "intake", "Intake")
            owner = row.coordinator_id or actor.coordinator_id
            step = PlanStep(
                care_plan_id=plan_id,
                patient_id=row.id,
                title=INTAKE_TITLE,
                priority=RequestPriority.ROUTINE,
                owner_id=owner,
                owner_pool=None if owner else actor.pool,
                due_by=intake_due,
            )
            insert_step(tx, step, plan_id)
            tx.detail["intake_due"] = intake_due.isoformat()
        try:
            tx.session.flush()
        except IntegrityError:  # registered by someone else a moment ago
            raise BadField("mrn", f"MRN {values['mrn']} is already registered") from None
        return int(row.id), str(row.mrn)


def _next_mrn(session: Session, prefix: str) -> str:
    """The site's next MRN: prefix and six digits. PostgreSQL numbers from a sequence (two
    sessions never get the same; RLS would hide others' from a max()); SQLite has one
    writer, so the highest so far plus one."""
    for _ in range(1000):
        if session.get_bind().dialect.name == "postgresql":
            number = int(session.scalar(text("SELECT nextval('pcc_mrn_seq')")) or 1)
        else:
            pattern = prefix + "[0-9]" * 6  # GLOB: case-sensitive, digits only
            last = session.scalar(
                select(func.max(PatientRow.mrn)).where(
                    PatientRow.mrn.op("GLOB")(pattern), PatientRow.mrn_system == ""
                )
            )
            number = int(last[len(prefix) :]) + 1 if last else 1
        mrn = f"{prefix}{number:06d}"
        if not duplicates.mrn_taken(session, mrn):
            return mrn
    raise BadField("mrn", "no free MRN in the site's numbering: type one")
