"""FHIR import on the patterns real-world bundles hold (issue 15's defects 1-6): entries whose
ids differ from their urn:uuid fullUrls, conditional references to a provider directory in
another file or an earlier run, folders whose file names sort dependents first, files that
are not UTF-8 or nest without end, ndjson with bad lines, optional details that do not
validate, and what the chart and the checklist then show. Services on both databases; the
command line on SQLite."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pcc_tui.core.domain.codes import NO_MEMBER_ID, show_member_id
from pcc_tui.core.domain.lenient import validate_leniently
from pcc_tui.core.domain.models import Patient
from pcc_tui.core.domain.relative_dates import short_day
from pcc_tui.core.interop.fhir_files import dependency_order, read
from pcc_tui.core.interop.fhir_refs import ask
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_import import ORDER, import_unit
from pcc_tui.core.services.fhir_resolve import RunIndex
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.chart import load_chart
from pcc_tui.core.store.tables import (
    AppointmentRow,
    CareTeamMemberRow,
    CoverageRow,
    FhirIdentifierRow,
    PatientRow,
    PractitionerRow,
)
from tests import builders
from tests.core.test_cli import pcc

NPI = "http://hl7.org/fhir/sid/us-npi"
SYNTHEA_ORG = "https://github.com/synthetichealth"


def _bundle(entries: list[tuple[str, dict[str, Any]]], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [{"fullUrl": url, "resource": r} for url, r in entries],
    }


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


def _patient(pid: str = "pat-1", mrn: str = "RW-1") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": mrn}],
        "name": [{"family": "Quinn", "given": ["Rosa"]}],
        "birthDate": "1961-02-03",
    }


def _encounter(
    eid: str, subject: str, start: str, practitioner: str | None = None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": eid,
        "status": "finished",
        "class": {"code": "AMB"},
        "type": [{"text": "General examination"}],
        "subject": {"reference": subject},
        "period": {"start": start, "end": start.replace("T09", "T10")},
        "serviceProvider": {"display": "Riverside Clinic"},
    }
    if practitioner:
        found["participant"] = [{"individual": {"reference": practitioner}}]
    return found


def _directory() -> dict[str, Any]:
    """A Synthea-style provider directory: ids and fullUrls unrelated to the references
    patient bundles make (by NPI and organisation identifier)."""
    return _bundle(
        [
            (
                "urn:uuid:0a0a",
                {
                    "resourceType": "Organization",
                    "id": "org-9",
                    "identifier": [{"system": SYNTHEA_ORG, "value": "ORG-7"}],
                    "name": "Riverside Health Plan",
                },
            ),
            (
                "urn:uuid:0b0b",
                {
                    "resourceType": "Practitioner",
                    "id": "prac-9",
                    "identifier": [{"system": NPI, "value": "9990001"}],
                    "name": [{"family": "Lind", "given": ["Ola"], "prefix": ["Dr."]}],
                },
            ),
            (
                "urn:uuid:0c0c",
                {
                    "resourceType": "PractitionerRole",
                    "id": "role-9",
                    "practitioner": {"reference": f"Practitioner?identifier={NPI}|9990001"},
                    "organization": {"display": "Riverside Clinic"},
                    "specialty": [{"text": "General practice"}],
                },
            ),
        ],
        kind="transaction",
    )


def _count(store: Store, table: Any, *where: Any) -> int:
    with store.reading() as s:
        return len(s.scalars(select(table.id).where(*where)).all())


def test_references_resolve_by_full_url_not_resource_id(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    # US Core style: each entry's fullUrl is a urn:uuid unrelated to the resource's id.
    p, e, c = "urn:uuid:7f1c", "urn:uuid:8e2d", "urn:uuid:9d3e"
    condition = {
        "resourceType": "Condition",
        "id": "cond-1",
        "code": {"text": "Hypertension"},
        "subject": {"reference": p},
        "encounter": {"reference": e},
    }
    bundle = _bundle(
        [(p, _patient()), (e, _encounter("enc-1", p, "2019-05-06T09:00:00Z")), (c, condition)]
    )
    [unit], problems = read(_write(tmp_path / "us-core.json", bundle))
    assert problems == []
    result = import_unit(store, coordinator, "ehr", unit)
    assert result.left_out == [] and result.warnings == []
    assert result.created["Patient"] == 1
    assert result.created["Encounter"] == 1 and result.created["Condition"] == 1
    # The resource id as a urn:uuid is not a fullUrl here: it must not resolve (no guessing).
    assert ask("urn:uuid:pat-1").kind == "url"


def test_conditional_references_resolve_against_the_run_and_the_database(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    [directory], _ = read(_write(tmp_path / "practitionerInformation.json", _directory()))
    run = RunIndex()
    first = import_unit(store, coordinator, "synthea", directory, run)
    assert first.updated["PractitionerRole"] == 1  # its practitioner resolved by NPI
    with store.reading() as s:
        doctor = s.scalar(select(PractitionerRow).where(PractitionerRow.name == "Dr. Ola Lind"))
        assert doctor is not None and doctor.specialty == "General practice"
        doctor_id = doctor.id
        kept = s.scalars(select(FhirIdentifierRow.value)).all()
    assert sorted(kept) == ["9990001", "ORG-7"]

    p = "urn:uuid:aa11"
    enc = _encounter("enc-2", p, "2020-01-07T09:00:00Z", f"Practitioner?identifier={NPI}|9990001")
    unknown = _encounter("enc-3", p, "2020-02-07T09:00:00Z", f"Practitioner?identifier={NPI}|1")
    coverage = {
        "resourceType": "Coverage",
        "id": "cov-2",
        "status": "active",
        "beneficiary": {"reference": p},
        # No display: the payer's name is the Organization's, found by its identifier.
        "payor": [{"reference": f"Organization?identifier={SYNTHEA_ORG}|ORG-7"}],
    }
    patient_bundle = _bundle(
        [(p, _patient()), ("urn:uuid:bb", enc), ("urn:uuid:cc", unknown), ("urn:uuid:dd", coverage)]
    )
    [unit], _ = read(_write(tmp_path / "Quinn.json", patient_bundle))
    # A later run: the directory is only in the database now.
    result = import_unit(store, coordinator, "synthea", unit, RunIndex())
    assert result.left_out == []
    # The NPI no directory holds stays unresolved (NPIs differ between Synthea runs).
    [warning] = result.warnings
    assert warning.resource_type == "Encounter" and "not resolved" in warning.what
    with store.reading() as s:
        seen = s.scalars(
            select(AppointmentRow.practitioner_id).order_by(AppointmentRow.start)
        ).all()
        team = s.scalars(select(CareTeamMemberRow.practitioner_id)).all()
        payer = s.scalar(select(CoverageRow.payer))
        member = s.scalar(select(CoverageRow.member_id))
    assert seen == [doctor_id, None]
    assert team == [doctor_id]  # the care team, from the encounters
    assert payer == "Riverside Health Plan"
    assert member == NO_MEMBER_ID and show_member_id(member) == "no member id"


def test_an_ambiguous_conditional_reference_is_not_resolved(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    two = _bundle(
        [
            (
                f"urn:uuid:{n}",
                {
                    "resourceType": "Practitioner",
                    "id": f"dup-{n}",
                    "identifier": [{"system": NPI, "value": "555"}],
                    "name": [{"family": f"Twin{n}"}],
                },
            )
            for n in (1, 2)
        ]
    )
    [unit], _ = read(_write(tmp_path / "two.json", two))
    import_unit(store, coordinator, "synthea", unit)
    p = "urn:uuid:ee"
    enc = _encounter("enc-4", p, "2021-01-07T09:00:00Z", f"Practitioner?identifier={NPI}|555")
    [unit], _ = read(_write(tmp_path / "p.json", _bundle([(p, _patient()), ("urn:uuid:ff", enc)])))
    result = import_unit(store, coordinator, "synthea", unit)
    assert [w.resource_type for w in result.warnings] == ["Encounter"]
    with store.reading() as s:
        assert s.scalar(select(AppointmentRow.practitioner_id)) is None


def test_a_folder_is_read_in_dependency_order_whatever_the_names(tmp_path: Path) -> None:
    names = {
        "Appointment-1.json": {"resourceType": "Appointment", "id": "a"},
        "CarePlan-1.json": {"resourceType": "CarePlan", "id": "c"},
        "Patient-1.json": _patient(),
        "Task-1.json": {"resourceType": "Task", "id": "t"},
        "zz-directory.json": _directory(),
        "Encounter.ndjson": _encounter("e", "Patient/pat-1", "2019-01-01T09:00:00Z"),
    }
    for name, data in names.items():
        text = json.dumps(data) + ("\n" if name.endswith(".ndjson") else "")
        (tmp_path / name).write_text(text)
    order = [p.name for p in dependency_order(sorted(tmp_path.iterdir()), ORDER)]
    assert order[:2] == ["zz-directory.json", "Patient-1.json"]
    assert order.index("CarePlan-1.json") < order.index("Task-1.json")
    assert set(order) == set(names)


def test_the_cli_imports_a_folder_once_and_says_what_failed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "2", url=url).returncode == 0
    builders.bind_os_user(url, "alex")
    folder = tmp_path / "in"
    folder.mkdir()
    appointment = {
        "resourceType": "Appointment",
        "id": "appt-1",
        "status": "booked",
        "start": "2027-01-12T09:00:00Z",
        "end": "2027-01-12T09:30:00Z",
        "participant": [{"actor": {"reference": "Patient/pat-1"}, "status": "accepted"}],
    }
    _write(folder / "Appointment-appt-1.json", appointment)
    _write(folder / "Patient-pat-1.json", _patient())
    done = pcc("import", "fhir", str(folder), "--user", "alex", url=url)
    assert done.returncode == 0, done.stderr
    assert "created: Appointment 1, Patient 1" in done.stdout

    bad = tmp_path / "bad"
    bad.mkdir()
    latin1 = json.dumps(_patient("p2", "RW-2")).encode().replace(b"Quinn", b"Qu\xe9nn")
    (bad / "latin1.json").write_bytes(latin1)
    deep = {"resourceType": "Patient", "id": "p3", "extension": []}
    inner: dict[str, Any] = {"url": "http://x", "valueString": "x"}
    for _ in range(150):
        inner = {"url": "http://x", "extension": [inner]}
    deep["extension"] = [inner]
    _write(bad / "deep.json", deep)
    lines = [json.dumps(_patient("p4", "RW-4")), "{not json", json.dumps({"no": "type"})]
    (bad / "Patient.ndjson").write_text("\n".join(lines) + "\n")
    _write(bad / "Patient-p5.json", _patient("p5", "RW-5"))
    observation = {"resourceType": "Observation", "id": "o1", "status": "final"}
    _write(bad / "Observation-o1.json", observation)
    done = pcc("import", "fhir", str(bad), "--user", "alex", url=url)
    assert done.returncode == 1
    assert "latin1.json: not UTF-8 text (byte" in done.stderr
    assert "deep.json: entry" not in done.stderr and "nested deeper than 64 levels" in done.stderr
    assert "Patient.ndjson: entry 2: not valid JSON" in done.stderr
    assert "Patient.ndjson: entry 3: not a FHIR resource" in done.stderr
    # Every file was tried: the good ones are in, and the summary counts each failure.
    assert done.stdout.startswith("files 5, failed 3, patients 2,")
    assert "not kept, so not checked (pcc keeps no such records): Observation 1" in done.stdout


def test_left_out_clinical_data_fails_the_run_unless_partial_is_allowed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "2", url=url).returncode == 0
    builders.bind_os_user(url, "alex")
    orphan = {
        "resourceType": "Condition",
        "id": "c9",
        "code": {"text": "Asthma"},
        "subject": {"reference": "Patient/nobody"},
    }
    path = _write(
        tmp_path / "b.json", _bundle([("urn:uuid:1", _patient()), ("urn:uuid:2", orphan)])
    )
    done = pcc("import", "fhir", str(path), "--user", "alex", url=url)
    assert done.returncode == 1
    assert "pcc: left out: b.json: entry 1 (Condition)" in done.stderr
    assert "left out (a reference that does not resolve): Condition 1" in done.stdout
    again = pcc("import", "fhir", str(path), "--user", "alex", "--allow-partial", url=url)
    assert again.returncode == 0


def test_an_optional_detail_never_refuses_a_record() -> None:
    values = {
        "mrn": "RW-9",
        "family_name": "Quinn",
        "given_name": "Rosa",
        "birth_date": date(1961, 2, 3),
        "sex": "female",
        "phone": "call the ward",
        "preferred_language": "x" * 500,
    }
    patient, dropped = validate_leniently(Patient, values)
    assert dropped == ["phone", "preferred_language"]
    assert patient.phone is None and patient.family_name == "Quinn"


def test_history_and_scope_after_an_import(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    p = "urn:uuid:h1"
    visits = [
        ("urn:uuid:h2", _encounter("v-1983", p, "1983-10-13T09:00:00Z")),
        ("urn:uuid:h3", _encounter("v-2019", p, "2019-05-06T09:00:00Z")),
    ]
    [unit], _ = read(_write(tmp_path / "h.json", _bundle([(p, _patient()), *visits])))
    import_unit(store, coordinator, "ehr", unit)
    with store.reading() as s:
        row = s.scalar(select(PatientRow).where(PatientRow.mrn == "RW-1"))
        assert row is not None
        # In the importing coordinator's caseload: they can open what they brought in.
        assert row.coordinator_id == coordinator.coordinator_id
        chart = load_chart(s, row.id, today=store.clock.today(), now=store.clock.now())
    assert [a.appointment.start.year for a in chart.past] == [2019, 1983]  # latest first
    assert chart.past_count == 2
    assert chart.past[0].appointment.visit_class == "AMB"
    assert short_day(date(1983, 10, 13), store.clock.today()) == "13 Oct 1983"


def test_an_mrn_is_unique_per_identifier_system(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    def patient(pid: str, system: str, family: str) -> dict[str, Any]:
        found = _patient(pid)
        found["identifier"] = [
            {"system": system, "type": {"coding": [{"code": "MR"}]}, "value": "12345"}
        ]
        found["name"] = [{"family": family, "given": ["A"]}]
        return found

    two = _bundle(
        [
            ("urn:uuid:s1", patient("a", "urn:oid:1.2.3", "North")),
            ("urn:uuid:s2", patient("b", "urn:oid:9.9.9", "South")),
        ]
    )
    [unit], _ = read(_write(tmp_path / "two.json", two))
    result = import_unit(store, coordinator, "ehr", unit)  # no clash: two systems
    assert result.created["Patient"] == 2
    with store.reading() as s:
        rows = s.execute(
            select(PatientRow.family_name, PatientRow.mrn_system).where(PatientRow.mrn == "12345")
        ).all()
    assert sorted(rows) == [("North", "urn:oid:1.2.3"), ("South", "urn:oid:9.9.9")]


def test_the_sites_mrn_system_makes_an_ehr_mrn_the_sites_own(
    db_url: str, store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    from dataclasses import replace

    site = replace(store.policy, mrn_system="urn:oid:1.2.3")
    local = Store.open(db_url, clock=store.clock, policy=site)
    try:
        entry = _patient("c")
        entry["identifier"] = [
            {"system": "urn:oid:9.9.9", "value": "OTHER-1"},
            {"system": "urn:oid:1.2.3", "value": "SITE-7"},
        ]
        [unit], _ = read(_write(tmp_path / "site.json", _bundle([("urn:uuid:c", entry)])))
        import_unit(local, coordinator, "ehr", unit)
        with local.reading() as s:
            row = s.scalar(select(PatientRow).where(PatientRow.mrn == "SITE-7"))
            assert row is not None and row.mrn_system == ""  # what HL7 feeds will match
    finally:
        local.close()
