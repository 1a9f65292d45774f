"""The demo is deterministic, relative to today, and has every situation a coordinator meets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    ContactRow,
    CoordinatorRow,
    EligibilityCheckRow,
    PatientRow,
    PlanStepRow,
    PriorAuthorizationRow,
    ReferralRow,
)
from tests.conftest import BACKENDS, FIXED_NOW, fixed_clock, new_database
from tests.pg_cluster import PgCluster


def _count(store: Store, *where: object, table: type = PatientRow) -> int:
    with store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def test_demo_has_the_day_of_a_coordinator(demo: tuple[Store, Actor]) -> None:
    store, actor = demo
    today_start, today_end = store.clock.day_bounds()
    tomorrow_end = today_end + timedelta(days=1)
    assert _count(store) == 60
    assert _count(store, table=CoordinatorRow) == 4  # 3 who carry patients, and an admin
    assert _count(store, CoordinatorRow.role == "admin", table=CoordinatorRow) == 1
    with store.reading() as s:
        assert set(s.scalars(select(PatientRow.ward).distinct())) == {"4 North", "5 South"}
    assert (
        _count(
            store,
            AppointmentRow.start >= today_start,
            AppointmentRow.start < today_end,
            table=AppointmentRow,
        )
        >= 5
    )
    assert (
        _count(
            store,
            AppointmentRow.start >= today_end,
            AppointmentRow.start < tomorrow_end,
            table=AppointmentRow,
        )
        >= 5
    )
    assert (
        _count(
            store,
            PlanStepRow.due_by < store.clock.today(),
            PlanStepRow.status.in_(["requested", "ready", "in-progress"]),
            table=PlanStepRow,
        )
        > 0
    )
    assert (
        _count(
            store,
            EligibilityCheckRow.checked_at < FIXED_NOW - timedelta(days=30),
            table=EligibilityCheckRow,
        )
        > 0
    )
    assert (
        _count(store, PriorAuthorizationRow.decision == "pended", table=PriorAuthorizationRow) > 0
    )
    assert _count(store, ReferralRow.status == "active", table=ReferralRow) > 0
    assert _count(store, ContactRow.consent == "agreed", table=ContactRow) > 0
    assert actor.username == "alex"


@pytest.mark.parametrize("kind", BACKENDS)
def test_same_seed_same_demo(
    kind: str, pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path
) -> None:
    def build(seed: int) -> list[tuple[object, ...]]:
        url = new_database(kind, pg_cluster, tmp_path, sqlite_template)
        store = Store.open(url, clock=fixed_clock())
        try:
            seed_demo(store, patients=30, seed=seed)
            with store.reading() as s:
                rows = s.execute(
                    select(
                        PatientRow.mrn,
                        PatientRow.family_name,
                        PatientRow.birth_date,
                        AppointmentRow.start,
                    )
                    .join(AppointmentRow, AppointmentRow.patient_id == PatientRow.id)
                    .order_by(AppointmentRow.id)
                )
                return [tuple(r) for r in rows]
        finally:
            store.close()

    first, second, other = build(5), build(5), build(6)
    assert first == second
    assert first != other
