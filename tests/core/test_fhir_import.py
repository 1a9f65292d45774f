"""Importing real Synthea bundles on both databases: exact counts from the files,
idempotent re-import, updates without duplicates, all-or-nothing bundles, the CLI contract."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pcc_tui.core.interop.fhir_files import read
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_import import UnitRefused, import_unit
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AppointmentRow,
    AuditEventRow,
    CarePlanRow,
    CoverageRow,
    PatientRow,
    PractitionerRow,
    ProblemRow,
)
from pcc_tui.resources import fixtures_dir
from tests import builders
from tests.core.test_cli import pcc

SYNTHEA = fixtures_dir() / "fhir" / "synthea"
BUNDLES = sorted(SYNTHEA.glob("*.json"))


def _in_files(rtype: str) -> int:
    return sum(
        1
        for path in BUNDLES
        for e in json.loads(path.read_bytes())["entry"]
        if e["resource"]["resourceType"] == rtype
    )


def _expected_from_files() -> dict[str, int]:
    """What each bundle should create, counted from the raw JSON (not by the code under test)."""
    out: Counter[str] = Counter()
    for path in BUNDLES:
        resources = [e["resource"] for e in json.loads(path.read_bytes())["entry"]]
        kinds = Counter(r["resourceType"] for r in resources)
        for rtype in (
            "Patient",
            "Organization",
            "Practitioner",
            "Condition",
            "Encounter",
            "CarePlan",
        ):
            out[rtype] += kinds[rtype]
        practitioners = {
            f"urn:uuid:{r['id']}" for r in resources if r["resourceType"] == "Practitioner"
        }
        for r in resources:
            if r["resourceType"] == "CarePlan":
                out["CarePlan (step)"] += sum(1 for a in r.get("activity", []) if "detail" in a)
            if r["resourceType"] == "CareTeam":
                out["CareTeam (member)"] += sum(
                    1
                    for p in r.get("participant", [])
                    if p.get("member", {}).get("reference") in practitioners
                )
        if not kinds["CareTeam"]:
            seen = set()
            for r in resources:
                if r["resourceType"] == "Encounter":
                    refs = [
                        p.get("individual", {}).get("reference") for p in r.get("participant", [])
                    ]
                    doctor = next((x for x in refs if x in practitioners), None)
                    if doctor:
                        seen.add(doctor)
            out["CareTeam (from encounters)"] += len(seen)
        payers = {
            r["insurer"]["display"]
            for r in resources
            if r["resourceType"] == "ExplanationOfBenefit"
        }
        out["Coverage (from claims)"] += len(payers)
    return dict(out)


def _rows(store: Store) -> dict[str, int]:
    with store.reading() as s:
        return {
            t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in (PatientRow, PractitionerRow, ProblemRow, AppointmentRow)
        }


def _import_all(store: Store, actor: Actor, paths: list[Path] = BUNDLES) -> Counter[str]:
    created: Counter[str] = Counter()
    for path in paths:
        [unit], problems = read(path)
        assert problems == []
        created += import_unit(store, actor, "synthea", unit).created
    return created


def test_bundles_import_with_exact_counts(store: Store, coordinator: Actor) -> None:
    created = _import_all(store, coordinator)
    expected = _expected_from_files()
    assert dict(created) == expected
    assert _rows(store) == {
        "patient": expected["Patient"],
        "practitioner": expected["Practitioner"] + expected["Organization"],
        "problem": expected["Condition"],
        "appointment": expected["Encounter"],
    }
    with store.reading() as s:
        ned = s.scalars(select(PatientRow).where(PatientRow.family_name == "Hintz")).one()
        visits = s.scalars(select(AppointmentRow).where(AppointmentRow.patient_id == ned.id)).all()
        audits = s.scalars(select(AuditEventRow).where(AuditEventRow.action == "fhir.import")).all()
        plans = s.scalars(select(CarePlanRow).where(CarePlanRow.patient_id == ned.id)).all()
        coverages = s.scalars(select(CoverageRow).where(CoverageRow.patient_id == ned.id)).all()
    assert ned.mrn == "e4b9259d-0f54-48d1-a35d-b526729a4dfe"  # the MR identifier
    assert (ned.given_name, str(ned.birth_date), ned.sex) == ("Ned", "1993-12-08", "male")
    assert visits and all(v.status == "fulfilled" and v.practitioner_id for v in visits)
    assert len(audits) == len(BUNDLES)
    assert plans == []  # Ned's bundle has no CarePlan
    assert sorted(c.status for c in coverages).count("active") == 1  # the latest payer


def test_reimport_changes_nothing(store: Store, coordinator: Actor) -> None:
    _import_all(store, coordinator)
    before = _rows(store)
    again = Counter[str]()
    for path in BUNDLES:
        [unit], _ = read(path)
        result = import_unit(store, coordinator, "synthea", unit)
        assert not result.created and not result.updated
        again += result.unchanged
    assert _rows(store) == before
    assert again["Patient"] == len(BUNDLES)


def test_a_changed_resource_updates_its_record(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    _import_all(store, coordinator)
    raw = json.loads(BUNDLES[-1].read_bytes())
    condition: dict[str, Any] = next(
        e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Condition"
    )
    condition["clinicalStatus"]["coding"][0]["code"] = "resolved"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(raw))
    [unit], _ = read(changed)
    result = import_unit(store, coordinator, "synthea", unit)
    assert dict(result.updated) == {"Condition": 1} and not result.created
    with store.reading() as s:
        statuses = Counter(s.scalars(select(ProblemRow.clinical_status)))
    assert statuses["resolved"] >= 1 and sum(statuses.values()) == _in_files("Condition")


def test_an_unmappable_resource_keeps_the_whole_bundle_out(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    raw = json.loads(BUNDLES[0].read_bytes())
    index = next(
        i for i, e in enumerate(raw["entry"]) if e["resource"]["resourceType"] == "Condition"
    )
    del raw["entry"][index]["resource"]["code"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(raw))
    [unit], problems = read(broken)
    assert problems == []  # valid FHIR, but not something pcc can list as a problem
    with pytest.raises(UnitRefused) as caught:
        import_unit(store, coordinator, "synthea", unit)
    [problem] = caught.value.problems
    assert (problem.entry, problem.resource_type) == (index, "Condition")
    assert _rows(store) == {"patient": 0, "practitioner": 0, "problem": 0, "appointment": 0}


def test_cli_imports_reports_and_exits(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "5", url=url).returncode == 0
    builders.bind_os_user(url, "alex")
    (tmp_path / "in").mkdir()
    for path in BUNDLES[:2]:
        (tmp_path / "in" / path.name).write_bytes(path.read_bytes())
    (tmp_path / "in" / "cut.json").write_bytes(BUNDLES[0].read_bytes()[:4000])
    done = pcc("import", "fhir", str(tmp_path / "in"), "--user", "alex", url=url)
    assert done.returncode == 1  # one file failed; the others were imported
    assert "pcc: cut.json: not valid JSON (truncated?)" in done.stderr
    assert done.stdout.startswith("files 3, failed 1, patients 2,")
    again = pcc("import", "fhir", *(str(p) for p in BUNDLES[:2]), "--user", "alex", url=url)
    assert again.returncode == 0 and "\ncreated: none\n" in again.stdout
