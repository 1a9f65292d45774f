"""Registering a patient (both databases): the duplicate check, MRNs from the site's
numbering, taken MRNs, phone numbers parsed into one format, and the intake step."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.phones import BadPhone, parse_phone, same_number, show_phone
from pcc_tui.core.errors import BadField
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.registration import likely_duplicates, register_new_patient
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, PatientRow, PlanStepRow

BORN = date(1948, 3, 2)


def _register(store: Store, actor: Actor, **kw: object) -> tuple[int, str]:
    intake = kw.pop("intake", None)
    values: dict[str, object] = {
        "family_name": "Okafor",
        "given_name": "Grace",
        "birth_date": BORN,
        "sex": "female",
        "mrn": None,
        "phone": "(202) 555-0147",
        "coordinator": actor.username,
    }
    return register_new_patient(store, actor, values | kw, intake_due=intake)  # type: ignore[arg-type]


def test_an_empty_mrn_gets_the_sites_next_and_a_taken_one_is_refused(
    store: Store, coordinator: Actor
) -> None:
    first = _register(store, coordinator)
    second = _register(store, coordinator, family_name="Mensah", birth_date=date(1960, 1, 1))
    assert (first[1], second[1]) == ("PCC000001", "PCC000002")
    with pytest.raises(BadField) as taken:
        _register(store, coordinator, mrn="PCC000001", family_name="Other")
    assert taken.value.field == "mrn" and "already registered" in str(taken.value)
    with store.reading() as s:
        row = s.get(PatientRow, first[0])
        assert row is not None and row.phone == "+12025550147"
        assert row.coordinator_id == coordinator.coordinator_id


def test_a_phone_that_cannot_exist_is_refused_at_its_field(
    store: Store, coordinator: Actor
) -> None:
    with pytest.raises(BadField) as bad:
        _register(store, coordinator, phone="12")
    assert bad.value.field == "phone" and "digits" in str(bad.value)
    with store.reading() as s:
        assert s.scalar(select(PatientRow.id)) is None  # nothing half-saved


def test_likely_duplicates_by_name_typo_swapped_date_and_phone(
    store: Store, coordinator: Actor
) -> None:
    _pid, mrn = _register(store, coordinator)
    _register(store, coordinator, family_name="Smith", given_name="Ann", birth_date=BORN,
              phone=None)  # fmt: skip

    def found(family: str, given: str, born: date, phone: str | None = None) -> list[str]:
        matches = likely_duplicates(store, coordinator, family, given, born, phone)
        return [f"{m.mrn}: {m.why}" for m in matches]

    assert found("Okafr", "Grace", BORN) == [f"{mrn}: same birth date, similar name"]
    assert found("Okafor", "Grace", date(1948, 2, 3)) == [
        f"{mrn}: birth day and month swapped, similar name"
    ]
    assert found("Adeyemi", "Tunde", date(1990, 5, 5), "+1 202 555 0147") == [f"{mrn}: same phone"]
    assert found("Okafor", "Grace", date(1950, 3, 2)) == []  # another birth date: another person
    assert found("Brown", "Grace", BORN) == []  # born the same day, a different name
    with store.reading() as s:
        checks = s.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "patient.duplicate-check")
        ).all()
    assert len(checks) == 5 and all("Okafor" not in (c.detail or "") for c in checks)


def test_the_intake_step_is_owed_by_the_coordinator(store: Store, coordinator: Actor) -> None:
    today = store.clock.today()
    pid, _mrn = _register(store, coordinator, intake=today)
    with store.reading() as s:
        step = s.scalar(select(PlanStepRow).where(PlanStepRow.patient_id == pid))
    assert step is not None and (step.owner_id, step.due_by) == (coordinator.coordinator_id, today)
    assert step.status == "requested" and step.title.startswith("Intake call")


def test_phone_numbers_parse_into_one_format() -> None:
    assert parse_phone("(202) 555-0147", "US") == "+12025550147"
    assert parse_phone("020 7946 0018", "GB") == "+442079460018"
    assert show_phone("+12025550147", "US") == "(202) 555-0147"
    assert show_phone("+442079460018", "US") == "+44 20 7946 0018"
    assert show_phone("555-0123", "US") == "555-0123"  # typed before parsing: as it was
    assert same_number("+12025550147", "(202) 555-0147", "US")
    for bad in ("12", "not a phone", "+999 123 4567", "1" * 41, "(202) 555-01477777"):
        with pytest.raises(BadPhone):
            parse_phone(bad, "US")


def test_a_second_phone_is_parsed_matched_and_exported(store: Store, coordinator: Actor) -> None:
    from pcc_tui.core.interop.fhir_export import resources

    pid, mrn = _register(store, coordinator, phone_other="+44 20 7946 0018")
    matches = likely_duplicates(store, coordinator, "Lee", "Ann", date(1990, 1, 1), "+442079460018")
    assert [(m.mrn, m.why) for m in matches] == [(mrn, "same phone")]
    with pytest.raises(BadField) as bad:
        _register(store, coordinator, family_name="X", phone_other="12")
    assert bad.value.field == "phone_other"
    with store.reading() as s:
        patient = next(r for r in resources(s, [pid]) if r["resourceType"] == "Patient")
    assert [t["value"] for t in patient["telecom"]] == ["+12025550147", "+442079460018"]
