"""Every report on both databases, on a small ward whose answers are known; the CLI contract."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.codes import AppointmentStatus, AuthDecision
from pcc_tui.core.domain.models import Coverage, Referral
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services import appointments, insurance, referrals
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.services.reports import REPORTS, run_report, workload
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow
from tests import builders
from tests.conftest import FIXED_NOW
from tests.core.test_cli import pcc


@pytest.fixture
def ward(store: Store, coordinator: Actor) -> dict[str, int]:
    today = store.clock.today()
    covered = builders.patient(store, coordinator)
    bare = builders.patient(store, coordinator, "MRN200", family_name="Tran", given_name="Minh")
    insurance.add_coverage(
        store, coordinator, Coverage(patient_id=covered, payer="Acme Health", member_id="A1")
    )
    builders.plan(store, coordinator, covered, today)  # one step overdue (alex), one pool step
    tomorrow = builders.appointment(store, coordinator, covered, FIXED_NOW + timedelta(days=1))
    builders.appointment(store, coordinator, bare, FIXED_NOW + timedelta(days=3))  # no coverage
    missed = builders.appointment(store, coordinator, covered, FIXED_NOW - timedelta(days=2))
    appointments.set_appointment_status(
        store, coordinator, missed, 1, AppointmentStatus.NOSHOW, "did not come"
    )
    came = builders.appointment(store, coordinator, covered, FIXED_NOW - timedelta(days=3))
    appointments.set_appointment_status(store, coordinator, came, 1, AppointmentStatus.FULFILLED)
    insurance.request_prior_auth(store, coordinator, covered, "Cardiac MRI")
    approved = insurance.request_prior_auth(store, coordinator, covered, "Physio (8 visits)")
    insurance.decide_prior_auth(
        store,
        coordinator,
        approved,
        1,
        decision=AuthDecision.APPROVED,
        units_approved=8,
        valid_from=today,
        valid_to=today + timedelta(days=5),
    )
    referrals.create_referral(
        store,
        coordinator,
        Referral(
            patient_id=bare,
            to_whom="Dietetics",
            reason="Low sodium",
            sent_on=today - timedelta(days=10),
            reply_due=today - timedelta(days=2),
        ),
    )
    return {"covered": covered, "bare": bare, "tomorrow": tomorrow}


def rows(store: Store, actor: Actor, name: str, **kw: object) -> list[tuple[str, ...]]:
    return run_report(store, actor, name, **kw).rows  # type: ignore[arg-type]


def test_every_report_answers(store: Store, coordinator: Actor, ward: dict[str, int]) -> None:
    today = store.clock.today()
    assert rows(store, coordinator, "overdue-steps") == [
        ("Alex Morgan", "1", (today - timedelta(days=1)).isoformat())
    ]
    [unconfirmed] = rows(store, coordinator, "unconfirmed-tomorrow")
    assert unconfirmed[1:3] == ("MRN100", "Kowalski, A.")
    assert rows(store, coordinator, "no-show-rate") == [("(no location)", "2", "1", "50.0%")]
    auths = {(r[2], r[3], r[5]) for r in rows(store, coordinator, "auths-due")}
    assert auths == {("Cardiac MRI", "decision due", ""), ("Physio (8 visits)", "expires", "8")}
    [late] = rows(store, coordinator, "referrals-overdue")
    assert late[:3] == ("MRN200", "Tran, M.", "Dietetics") and late[-1] == "2"
    [gap] = rows(store, coordinator, "coverage-gaps")
    assert gap[1] == "MRN200"
    assert rows(store, coordinator, "caseload") == [("alex", "Alex Morgan", "2", "2", "1", "2")]


def test_filters_and_audit(store: Store, coordinator: Actor, ward: dict[str, int]) -> None:
    old = rows(store, coordinator, "no-show-rate", since=store.clock.today())
    assert old == []  # both past appointments were before today
    with pytest.raises(DomainError, match="no coordinator called 'nobody'"):
        run_report(store, coordinator, "caseload", coordinator="nobody")
    assert rows(store, coordinator, "caseload", coordinator="alex")[0][0] == "alex"
    view_chart(store, coordinator, ward["bare"])
    access = rows(store, coordinator, "patient-access", patient_mrn="MRN200")
    assert ("alex", "patient.chart.view", "success") in {r[1:] for r in access}
    with pytest.raises(DomainError, match="needs --patient"):
        run_report(store, coordinator, "patient-access")
    with store.reading() as s:
        last = s.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc())).first()
        runs = s.scalars(select(AuditEventRow).where(AuditEventRow.action == "report.run")).all()
    assert last is not None and last.action == "report.run" and last.outcome == "4"
    assert {json.loads(r.detail).get("report") for r in runs} >= {"no-show-rate", "caseload"}


def test_workload_counts_steps_per_day(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    builders.plan(store, coordinator, pid, store.clock.today())
    days = workload(store, coordinator)
    assert len(days) == 14 and days[0] == 1 and sum(days) == 1  # the pool step is not mine


def test_cli_lists_runs_and_writes_csv(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    assert pcc("db", "upgrade", url=url).returncode == 0
    assert pcc("demo", "seed", url=url).returncode == 0
    builders.bind_os_user(url, "alex")
    listed = pcc("report", "--list")
    assert listed.returncode == 0 and [ln.split()[0] for ln in listed.stdout.splitlines()] == list(
        REPORTS
    )
    table = pcc("report", "caseload", "--user", "alex", url=url)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("Caseload per coordinator\nuser")
    csv_out = pcc(
        "report", "overdue-steps", "--csv", "--coordinator", "sam", "--user", "alex", url=url
    )
    lines = csv_out.stdout.splitlines()
    assert lines[0] == "owner,overdue steps,oldest due" and lines[1].startswith("Sam Okafor,")
    bad = pcc("report", "nope", "--user", "alex", url=url)
    assert bad.returncode == 2 and "no report called 'nope'" in bad.stderr
    bad_date = pcc("report", "no-show-rate", "--since", "yesterday", url=url)
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
