"""Ward rounds: the ward bed by bed, a patient's open items, the rounds checklist (saved as a
note in the chart) and quick tasks (steps in the patient's "Ward rounds" plan)."""

from __future__ import annotations

from datetime import date

from pcc_tui.core.domain.models import Note, PlanStep
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.access import open_record
from pcc_tui.core.services.context import Actor, action, values_of
from pcc_tui.core.services.plans import holder_plan, insert_step
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.open_items import open_items
from pcc_tui.core.store.queries.rounds import RoundsBed as RoundsBed  # re-exported
from pcc_tui.core.store.queries.rounds import load_rounds
from pcc_tui.core.store.tables import NoteRow, PatientRow, PlanStepRow

ROUNDS_PLAN = "Ward rounds"
ROUNDS_TEMPLATE = "ward-rounds"


def view_rounds(store: Store, actor: Actor, ward: str) -> list[RoundsBed]:
    start, end = store.clock.day_bounds()
    with action(store, actor, "rounds.view") as tx:
        beds = load_rounds(
            tx.session, ward, today=store.clock.today(), day_start=start, day_end=end
        )
        tx.detail.update(ward=ward, patients=len(beds))
        return beds


def view_open_items(store: Store, actor: Actor, patient_id: int) -> list[str]:
    with action(store, actor, "patient.open_items.view") as tx:
        open_record(tx, patient_id)
        return open_items(tx.session, patient_id, store.clock.today(), store.clock.now())


def save_rounds_checklist(
    store: Store, actor: Actor, patient_id: int, done: list[str], not_done: list[str]
) -> int:
    """Today's rounds checklist for one patient, kept as a note in the chart."""
    if not done and not not_done:
        raise DomainError("the rounds checklist is empty: configure rounds_checklist")
    text = f"Rounds {store.clock.today().isoformat()}: done: {', '.join(done) or 'none'}"
    if not_done:
        text += f"; not yet: {', '.join(not_done)}"
    with action(store, actor, "rounds.checklist") as tx:
        tx.get(PatientRow, patient_id)
        note = Note(patient_id=patient_id, text=text, author=actor.username)
        row = tx.add(NoteRow(**values_of(note)))
        tx.about(row, patient_id, done=len(done), open=len(not_done))
        return row.id


def quick_task(
    store: Store, actor: Actor, patient_id: int, title: str, due_by: date | None = None
) -> int:
    """A task caught on rounds: a step I own in the patient's "Ward rounds" plan."""
    if actor.coordinator_id is None:
        raise DomainError(f"{actor.username} cannot own tasks")
    today = store.clock.today()
    step = PlanStep(
        care_plan_id=0,
        patient_id=patient_id,
        title=title,
        owner_id=actor.coordinator_id,
        due_by=due_by or today,
    )
    with action(store, actor, "rounds.quick_task") as tx:
        tx.get(PatientRow, patient_id)
        plan_id = holder_plan(tx, patient_id, ROUNDS_TEMPLATE, ROUNDS_PLAN)
        step_id = insert_step(tx, step, plan_id)
        tx.about_new(PlanStepRow, step_id, patient_id, plan=plan_id)
        return step_id
