"""`pcc export ics`: upcoming appointments as iCalendar, parsed back; audited; owner-only file."""

from __future__ import annotations

import json
import stat
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from pcc_tui.core.domain.codes import AppointmentStatus, Channel
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services import appointments
from pcc_tui.core.services.calendar_export import appointments_ics
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow
from tests import builders
from tests.conftest import FIXED_NOW
from tests.core.test_cli import pcc


def test_upcoming_appointments_parse_back(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    prac = builders.practitioner(store, coordinator)
    soon = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=1), prac)
    later = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=8))
    builders.appointment(store, coordinator, pid, FIXED_NOW - timedelta(days=2))  # past
    gone = builders.appointment(store, coordinator, pid, FIXED_NOW + timedelta(days=3))
    appointments.set_appointment_status(
        store, coordinator, gone, 1, AppointmentStatus.CANCELLED, "patient unwell"
    )
    appointments.confirm_appointment(store, coordinator, soon, 1, Channel.PHONE)

    data, count = appointments_ics(store, coordinator, "MRN100")
    assert count == 2
    events = Calendar.from_ical(data).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [
        f"appointment-{soon}@pcc-tui",
        f"appointment-{later}@pcc-tui",
    ]
    first = events[0]
    assert first.decoded("dtstart") == FIXED_NOW + timedelta(days=1)
    assert first.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(first["summary"]).endswith("with Dr Chen")
    assert (str(first["status"]), str(events[1]["status"])) == ("CONFIRMED", "TENTATIVE")
    with store.reading() as s:
        audit = s.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc())).first()
    assert audit is not None and audit.action == "patient.export.ics"
    assert audit.patient_id == pid and json.loads(audit.detail or "{}") == {"appointments": 2}


def test_unknown_mrn_is_refused_without_echo(store: Store, coordinator: Actor) -> None:
    with pytest.raises(DomainError, match="no patient has that MRN") as caught:
        appointments_ics(store, coordinator, "NOPE-4242")
    assert "4242" not in str(caught.value)


def test_cli_writes_an_owner_only_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", "--patients", "20", url=url).returncode == 0
    from pcc_tui.core.store.tables import AppointmentRow, PatientRow

    store = Store.open(url)
    try:
        with store.reading() as s:
            mrn = s.scalars(
                select(PatientRow.mrn)
                .join(AppointmentRow, AppointmentRow.patient_id == PatientRow.id)
                .where(AppointmentRow.start > store.clock.now())
                .order_by(PatientRow.id)
            ).first()
    finally:
        store.close()
    assert mrn is not None
    builders.bind_os_user(url, "alex")
    out = tmp_path / "appts.ics"
    done = pcc("export", "ics", "--patient", mrn, "--out", str(out), "--user", "alex", url=url)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert events and all(e.decoded("dtstart") > FIXED_NOW.replace(tzinfo=UTC) for e in events)
    assert f"wrote {len(events)} upcoming appointment(s)" in done.stderr
    to_stdout = pcc("export", "ics", "--patient", mrn, "--user", "alex", url=url)
    assert to_stdout.stdout.startswith("BEGIN:VCALENDAR")
    missing = pcc("export", "ics", "--patient", "NOPE-1", "--user", "alex", url=url)
    assert missing.returncode == 2 and missing.stderr.strip() == "pcc: no patient has that MRN"
