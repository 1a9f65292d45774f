"""Small builders for test data that goes through the real services."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pcc_tui.core.domain.models import (
    Appointment,
    CarePlan,
    Patient,
    PlanStep,
    Practitioner,
)
from pcc_tui.core.services.appointments import book_appointment
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.patients import add_practitioner, register_patient
from pcc_tui.core.services.plans import start_care_plan
from pcc_tui.core.store.database import Store


def patient(store: Store, actor: Actor, mrn: str = "MRN100", **kw: object) -> int:
    values: dict[str, object] = {
        "mrn": mrn,
        "family_name": "Kowalski",
        "given_name": "Agnieszka",
        "birth_date": date(1948, 5, 17),
        "sex": "female",
        "ward": "4 North",
        "bed": "07",
        "coordinator_id": actor.coordinator_id,
    }
    values.update(kw)
    return register_patient(store, actor, Patient.model_validate(values))


def coordinator(
    store: Store, username: str = "alex", role: str = "coordinator", ward: str = "4 North"
) -> Actor:
    """A coordinator account on the ward the other builders use, as an acting user."""
    from pcc_tui.core.domain.models import Coordinator
    from pcc_tui.core.services.context import resolve_actor
    from pcc_tui.core.services.patients import add_coordinator

    system = Actor("system", None, "admin", "System")
    display = username.title() + " Example"
    new = Coordinator(username=username, display_name=display, ward=ward, role=role)
    add_coordinator(store, system, new)
    return resolve_actor(store, username)


def practitioner(store: Store, actor: Actor, name: str = "Dr Chen") -> int:
    return add_practitioner(store, actor, Practitioner(name=name, specialty="Cardiology"))


def appointment(
    store: Store, actor: Actor, patient_id: int, start: datetime, prac: int | None = None
) -> int:
    return book_appointment(
        store,
        actor,
        Appointment(
            patient_id=patient_id,
            practitioner_id=prac,
            start=start,
            end=start + timedelta(minutes=30),
            reason="Follow-up visit",
        ),
    )


def plan(store: Store, actor: Actor, patient_id: int, today: date) -> tuple[int, list[int]]:
    """A three-step plan: step 2 depends on step 1. Returns (plan id, step ids)."""
    steps = [
        PlanStep(
            care_plan_id=0,
            patient_id=patient_id,
            title="Medication reconciliation",
            owner_id=actor.coordinator_id,
            due_by=today - timedelta(days=1),
            priority="urgent",
        ),
        PlanStep(
            care_plan_id=0,
            patient_id=patient_id,
            title="Follow-up call",
            owner_id=actor.coordinator_id,
            due_by=today,
            depends_on=[0],
        ),
        PlanStep(
            care_plan_id=0,
            patient_id=patient_id,
            title="Cardiology visit",
            owner_pool="intake",
            due_by=today + timedelta(days=7),
            needs=["appointment"],
        ),
    ]
    plan_id = start_care_plan(
        store,
        actor,
        CarePlan(patient_id=patient_id, title="Heart failure 30 days", period_start=today),
        steps,
    )
    from sqlalchemy import select

    from pcc_tui.core.store.tables import PlanStepRow

    with store.reading() as s:
        ids = list(
            s.scalars(
                select(PlanStepRow.id)
                .where(PlanStepRow.care_plan_id == plan_id)
                .order_by(PlanStepRow.id)
            )
        )
    return plan_id, ids


def version_of(store: Store, table: type, entity_id: int) -> int:
    with store.reading() as s:
        row = s.get(table, entity_id)
        assert row is not None
        return int(row.version)


def sealed(store: Store) -> tuple[object, str]:
    """Seal the whole audit trail with a fresh test key; returns (key, its public text)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pcc_tui.core.store.audit_seal import public_text, seal

    key = Ed25519PrivateKey.generate()
    seal(store.engine, key)
    return key, public_text(key.public_key())


def bind_os_user(url: str, username: str) -> None:
    """Bind `username` to the OS login running the tests, as `pcc user add --os-user` does:
    on SQLite that account is then the one the OS login signs in as, with no secret."""
    from sqlalchemy import create_engine, text

    from pcc_tui.core.config import os_user

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE coordinator SET os_user = NULL WHERE os_user = :me"), {"me": os_user()}
        )
        conn.execute(
            text("UPDATE coordinator SET os_user = :me WHERE username = :u"),
            {"me": os_user(), "u": username},
        )
    engine.dispose()
