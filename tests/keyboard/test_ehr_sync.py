"""Data from the EHR, used as a coordinator would: the reference server's patients are synced
in (SMART Backend Services + Bulk Data), and in the real `pcc` at 80x24, by keys only, a
synced patient's chart shows their care team and past visits, and the checklist their
coverage - with "no member id" where the EHR gave none."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from pcc_tui.core.config import EhrSettings
from pcc_tui.core.interop.smart_auth import generate_key, jwks, load_key
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_run import Tally
from pcc_tui.core.services.fhir_sync import client_for, sync
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AppointmentRow, CareTeamMemberRow, PatientRow
from tests.fhir_server import Server, fhir_server  # noqa: F401
from tests.keyboard.conftest import Cockpit, quit_cleanly, start
from tests.keyboard.test_duties import within


def test_a_synced_patients_team_visits_and_coverage_by_keys(
    seeded: tuple[str, Store, Actor],
    fhir_server: Server,  # noqa: F811
    tmp_path: Path,
) -> None:
    url, store, actor = seeded
    key = tmp_path / "ehr.pem"
    generate_key(key)
    ehr = EhrSettings(
        base_url=fhir_server.secure_base,
        client_id=fhir_server.register(jwks(load_key(key))),
        key_file=str(key),
        types=["Patient", "Encounter", "Practitioner", "Organization", "ExplanationOfBenefit"],
        poll_cap_seconds=2,
    )
    with httpx.Client(timeout=60) as http:
        client = client_for(http, ehr, now=lambda: datetime.now(UTC))
        result = sync(store, actor, ehr, client, Tally(lambda _l: None), work=tmp_path / "w")
    assert result.advanced and result.tally.created["Patient"] == 100
    with store.reading() as s:  # a synced patient with a team and a few visits
        pid = s.scalar(
            select(AppointmentRow.patient_id)
            .join(CareTeamMemberRow, CareTeamMemberRow.patient_id == AppointmentRow.patient_id)
            .join(PatientRow, PatientRow.id == AppointmentRow.patient_id)
            .where(PatientRow.mrn_system != "")  # one the EHR sent (Synthea's MR system)
            .group_by(AppointmentRow.patient_id)
            .having(func.count(func.distinct(AppointmentRow.id)) >= 2)
            .order_by(func.count(func.distinct(AppointmentRow.id)))  # a short chart
            .limit(1)
        )
        patient = s.get(PatientRow, pid)
        assert patient is not None and patient.coordinator_id == actor.coordinator_id
    c = Cockpit(start(url, actor.username, tmp_path), store, actor)
    try:
        c.key("colon")
        c.type(patient.mrn)
        c.wait(f"{patient.family_name}, {patient.given_name}")
        c.term.press("enter")
        c.wait(f"{patient.family_name.upper()}, {patient.given_name}")
        c.key("2", "plus")  # the chart, zoomed
        screen = c.wait("seen the patient (from encounters)")  # the care team
        for _ in range(4):
            if "Past visits" in screen:
                break
            c.key("pagedown")
            screen = c.screen()
        assert f"{patient.family_name.upper()}, {patient.given_name}" in screen
        assert "Past visits" in screen
        assert any(kind in screen for kind in (" AMB ", " EMER ", " IMP "))
        c.key("escape")  # unzoomed
        c.wait("1 Queue")
        c.key("4", "plus")  # the coverage checklist, zoomed
        shown = c.wait("no member id")  # claims-derived coverage: no id, not "#iven"
        assert "cancelled" in shown or "active" in shown
        within(c, 11)
    finally:
        quit_cleanly(c)
