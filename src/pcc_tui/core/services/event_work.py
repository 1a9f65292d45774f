"""Hospital events into work, by the site's event rules: a transitional-care episode (its
pathway, its clocks), or one task in the patient's "from hospital events" plan. What a rule
made is returned so the event that caused it can void exactly that when it is cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from pcc_tui.core.domain.codes import EpisodeStatus, RequestPriority
from pcc_tui.core.domain.event_rules import CONTACT_STEP, MEDREC_STEP, VISIT_STEP, EventRule
from pcc_tui.core.domain.models import PlanStep
from pcc_tui.core.domain.pathways import PathwayTemplate
from pcc_tui.core.services import hl7_batch
from pcc_tui.core.services.context import Tx
from pcc_tui.core.services.pathways import plan_from_template
from pcc_tui.core.services.plans import holder_plan, insert_plan, insert_step, new_holder_plan
from pcc_tui.core.store.tables import PatientRow, PlanStepRow, StayEventRow, StayRow, TransitionRow

EVENTS_PLAN = "hospital-events"  # the holder plan of tasks made from events


@dataclass(frozen=True)
class EventFacts:
    event: str  # "ADT^A03"
    patient: PatientRow
    stay: StayRow | None
    on: date  # the event's local day: the discharge, the visit, the missed appointment
    patient_class: str | None = None
    patient_type: str | None = None
    disposition: str | None = None
    service: str | None = None


def make_work(
    tx: Tx, rules: dict[str, EventRule], pathways: dict[str, PathwayTemplate], facts: EventFacts
) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    matching = [
        rule
        for rule in sorted(rules.values(), key=lambda r: r.id)
        if rule.matches(
            facts.event,
            facts.patient_class,
            facts.patient_type,
            facts.disposition,
            facts.patient.coordinator_id is not None,
        )
    ]
    done = _rules_already_applied(tx, facts.stay) if matching else set()  # most events: none
    for rule in matching:
        if rule.id in done:
            continue
        if rule.then == "transition":
            made += _transition(tx, rule, pathways, facts)
        else:
            made.append(_task(tx, rule, facts))
    return made


_MADE = select(StayEventRow.made).where(  # built once: the intake asks per event
    StayEventRow.stay_id == bindparam("stay"), StayEventRow.status == "active"
)


_IN_EPISODE = (
    update(PlanStepRow)
    .where(PlanStepRow.care_plan_id == bindparam("plan"))
    .values(transition_id=bindparam("episode"))
)


def _rules_already_applied(tx: Tx, stay: StayRow | None) -> set[str]:
    """A rule acts once per stay: an A04 and then an A03 of one ED visit make one call."""
    if stay is None or stay.id is None:
        return set()
    made = tx.session.scalars(_MADE, {"stay": stay.id})
    return {entry["rule"] for entries in made for entry in entries or [] if "rule" in entry}


def _transition(
    tx: Tx, rule: EventRule, pathways: dict[str, PathwayTemplate], facts: EventFacts
) -> list[dict[str, Any]]:
    high = bool(facts.service and facts.service in rule.high_services)
    name = rule.pathway_high if high and rule.pathway_high else rule.pathway
    template = pathways[name or ""]
    patient = facts.patient
    plan, steps = plan_from_template(
        template,
        patient.id,
        facts.on,
        patient.coordinator_id,
        tx.store.policy.calendar,
        fallback_pool=rule.pool,
    )
    plan_id, step_ids = insert_plan(tx, plan, steps)
    by_key = {t.key: (s, i) for t, s, i in zip(template.steps, steps, step_ids, strict=True)}
    transition_id = tx.insert(
        TransitionRow,
        patient_id=patient.id,
        stay_id=facts.stay.id if facts.stay is not None else None,
        care_plan_id=plan_id,
        discharged_on=facts.on,
        complexity="high" if high or rule.complexity == "high" else "moderate",
        contact_due=by_key[CONTACT_STEP][0].due_by,
        visit_due=by_key[VISIT_STEP][0].due_by,
        contact_step_id=by_key[CONTACT_STEP][1],
        visit_step_id=by_key[VISIT_STEP][1],
        medrec_step_id=by_key[MEDREC_STEP][1] if MEDREC_STEP in by_key else None,
        status=EpisodeStatus.ACTIVE,
    )
    # The steps were written a moment ago in this transaction: no one has seen their version.
    tx.session.execute(_IN_EPISODE, {"episode": transition_id, "plan": plan_id})
    return [
        {"rule": rule.id, "table": "transition", "id": transition_id},
        {"rule": rule.id, "table": "care_plan", "id": plan_id},
        *({"rule": rule.id, "table": "plan_step", "id": i} for i in step_ids),
    ]


def _task(tx: Tx, rule: EventRule, facts: EventFacts) -> dict[str, Any]:
    patient = facts.patient
    days, business = rule.due_days
    calendar = tx.store.policy.calendar
    if business:
        due = calendar.add_business_days(facts.on, days)
        if days == 0 and not calendar.is_business_day(due):
            due = calendar.add_business_days(due, 1)
    else:
        due = facts.on + timedelta(days=days)
    title = (rule.task or rule.title).format_map(_Blank(_placeholders(facts)))
    plan_id = _events_plan(tx, patient.id)
    step_id = insert_step(
        tx,
        PlanStep(
            care_plan_id=plan_id,
            patient_id=patient.id,
            title=" ".join(title.split())[:200],
            priority=RequestPriority(rule.priority),
            owner_id=patient.coordinator_id,
            owner_pool=None if patient.coordinator_id else rule.pool,
            due_by=due,
        ),
        plan_id,
    )
    return {"rule": rule.id, "table": "plan_step", "id": step_id}


def _events_plan(tx: Tx, patient_id: int) -> int:
    """The patient's plan of tasks made from events (the intake's batch may know it)."""
    knows, plan_id = hl7_batch.holder(tx.session, patient_id)
    if plan_id is not None:
        return plan_id
    title = "From hospital events"
    if knows:  # the patient has none
        plan_id = new_holder_plan(tx, patient_id, EVENTS_PLAN, title)
    else:
        plan_id = holder_plan(tx, patient_id, EVENTS_PLAN, title)
    hl7_batch.holder_made(tx.session, patient_id, plan_id)
    return plan_id


def _placeholders(facts: EventFacts) -> dict[str, str]:
    stay = facts.stay
    return {
        "ward": (stay.ward if stay else None) or facts.patient.ward or "",
        "bed": (stay.bed or stay.room if stay else None) or facts.patient.bed or "",
        "room": (stay.room if stay else None) or "",
        "class": facts.patient_class or "",
        "event": facts.event,
        "service": facts.service or "",
    }


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
