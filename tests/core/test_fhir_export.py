"""FHIR export on both databases: every resource validates (fhir.resources R4B), a patient's
Bundle and the Bulk Data folder import again into an empty database as the same records."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.models import Coordinator
from pcc_tui.core.interop.fhir_files import read, read_all
from pcc_tui.core.services import fhir_export
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_import import import_unit
from pcc_tui.core.services.patients import add_coordinator
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CarePlanRow,
    CareTeamMemberRow,
    CoverageRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    ProblemRow,
)
from pcc_tui.resources import fixtures_dir
from tests.conftest import SYSTEM, fixed_clock, new_database
from tests.pg_cluster import PgCluster

BUNDLES = sorted((fixtures_dir() / "fhir" / "synthea").glob("*.json"))


@pytest.fixture
def other(
    store: Store, pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path
) -> Iterator[tuple[Store, Actor]]:
    """A second, empty database of the same kind, with the same coordinator."""
    url = new_database(store.dialect, pg_cluster, tmp_path, sqlite_template)
    second = Store.open(url, clock=fixed_clock())
    cid = add_coordinator(second, SYSTEM, Coordinator(username="alex", display_name="Alex Morgan"))
    yield second, Actor("alex", cid, "coordinator", "Alex Morgan", None, None)
    second.close()


def supervisor(actor: Actor) -> Actor:
    """Imported patients have no coordinator or ward yet: a supervisor may export them."""
    return dataclasses.replace(actor, role="supervisor")


def _import(store: Store, actor: Actor, paths: list[Path], source: str) -> None:
    for path, units, problems in read_all(paths):
        assert problems == [], (path, problems)
        for unit in units:
            import_unit(store, actor, source, unit)


def _name(doctor: dict[int, str], appt: AppointmentRow) -> str | None:
    return doctor.get(appt.practitioner_id) if appt.practitioner_id else None


def _records(store: Store) -> dict[str, Any]:
    """What a coordinator sees, without database ids."""
    with store.reading() as s:
        mrn = dict(s.execute(select(PatientRow.id, PatientRow.mrn)).all())
        doctor = dict(s.execute(select(PractitionerRow.id, PractitionerRow.name)).all())
        plan = dict(s.execute(select(CarePlanRow.id, CarePlanRow.title)).all())
        return {
            "patients": sorted(
                (p.mrn, p.family_name, p.given_name, p.birth_date, p.sex, p.phone, p.flags)
                for p in s.scalars(select(PatientRow))
            ),
            "problems": sorted(
                (mrn[r.patient_id], r.display, r.code, r.clinical_status, r.onset)
                for r in s.scalars(select(ProblemRow))
            ),
            "visits": sorted(
                (mrn[a.patient_id], a.start, a.end, a.status, a.reason, _name(doctor, a))
                for a in s.scalars(select(AppointmentRow))
            ),
            "plans": sorted(
                (mrn[p.patient_id], p.title, p.status, p.period_start, p.period_end)
                for p in s.scalars(select(CarePlanRow))
            ),
            "steps": sorted(
                (mrn[t.patient_id], plan[t.care_plan_id], t.title, t.status, t.due_by)
                for t in s.scalars(select(PlanStepRow))
            ),
            "team": sorted(
                (mrn[m.patient_id], doctor[m.practitioner_id], m.role)
                for m in s.scalars(select(CareTeamMemberRow))
            ),
            "coverage": sorted(
                (mrn[c.patient_id], c.payer, c.status, c.period_start, c.period_end)
                for c in s.scalars(select(CoverageRow))
            ),
        }


def test_patient_bundles_round_trip(
    store: Store, coordinator: Actor, other: tuple[Store, Actor], tmp_path: Path
) -> None:
    _import(store, coordinator, BUNDLES, "synthea")
    with store.reading() as s:
        mrns = list(s.scalars(select(PatientRow.mrn)))
    exported = []
    for n, mrn in enumerate(mrns):
        data, counts = fhir_export.patient_bundle(store, supervisor(coordinator), mrn)
        assert counts["Patient"] == 1
        path = tmp_path / f"export-{n}.json"
        path.write_bytes(data)
        [unit], problems = read(path)  # the export parses with the R4B models
        assert problems == [] and unit.kind == "collection"
        exported.append(path)
    second, actor = other
    _import(second, actor, exported, "pcc")
    assert _records(second) == _records(store)


def test_bulk_export_round_trips(
    store: Store, coordinator: Actor, other: tuple[Store, Actor], tmp_path: Path
) -> None:
    _import(store, coordinator, BUNDLES, "synthea")
    folder = tmp_path / "bulk"
    folder.mkdir()

    def write(rtype: str, line: str) -> None:
        json.loads(line)  # one resource per line
        with (folder / f"{rtype}.ndjson").open("a") as fh:
            fh.write(line + "\n")

    counts = fhir_export.bulk(store, supervisor(coordinator), write)
    assert {p.stem for p in folder.iterdir()} == set(counts)
    second, actor = other
    _import(second, actor, [folder], "pcc")
    assert _records(second) == _records(store)
