"""Break the glass, your own record, and the reviewers' view of the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pcc_tui.core.errors import (
    AuthFailed,
    BreakGlassRequired,
    DomainError,
    Forbidden,
    OwnRecordRefused,
)
from pcc_tui.core.services import accounts
from pcc_tui.core.services.access import break_glass
from pcc_tui.core.services.context import resolve_actor
from pcc_tui.core.services.reads import view_chart, view_timeline
from pcc_tui.core.services.reports import run_report
from pcc_tui.core.store.audit_verify import verify
from pcc_tui.core.store.database import Store
from tests import builders
from tests.conftest import FIXED_NOW, SYSTEM
from tests.team.test_accounts import PASSWORD, add, audit_rows


def test_outside_the_caseload_needs_a_reason_and_is_reported(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    casey = add(store, admin, "casey", "coordinator")
    robin = accounts.add_user(
        store,
        admin,
        username="robin",
        display_name="Robin",
        role="coordinator",
        password=PASSWORD,
        ward="6 South",
    )
    robin_actor = resolve_actor(store, "robin")
    sam = add(store, admin, "sam", "supervisor")
    pid = builders.patient(store, casey)
    assert robin
    with pytest.raises(BreakGlassRequired):
        view_chart(store, robin_actor, pid)
    with pytest.raises(DomainError, match="say why"):
        break_glass(store, robin_actor, pid, "need")
    until = break_glass(store, robin_actor, pid, "covering the night shift, patient deteriorating")
    assert until == FIXED_NOW + timedelta(minutes=60)
    chart = view_chart(store, robin_actor, pid)
    assert chart.break_glass_until == until
    assert view_chart(store, casey, pid).break_glass_until is None  # casey's own patient
    view_timeline(store, robin_actor, pid)
    glass = audit_rows(store, "patient.break-glass")
    assert [r.outcome for r in glass] == ["4", "0"]  # too short a reason, then granted
    assert '"purpose":"BTG"' in glass[1].detail
    views = [r for r in audit_rows(store, "patient.chart.view") if r.actor == "robin"]
    assert [r.outcome for r in views] == ["4", "0"]  # refused, then allowed under the grant
    report = run_report(store, sam, "break-glass")
    assert [(r[1], r[4]) for r in report.rows] == [
        ("robin", "covering the night shift, patient deteriorating")
    ]
    with pytest.raises(Forbidden):
        run_report(store, casey, "break-glass")


def test_nobody_opens_their_own_record(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    casey = add(store, admin, "casey", "coordinator")
    pid = builders.patient(store, casey, mrn="MRN-SELF")
    accounts.reset_secret(store, admin, "casey", own_mrn="MRN-SELF")
    casey = resolve_actor(store, "casey")
    with pytest.raises(OwnRecordRefused):
        view_chart(store, casey, pid)
    with pytest.raises(OwnRecordRefused):
        break_glass(store, casey, pid, "I just want to look at my results")
    sam = add(store, admin, "sam", "supervisor")
    assert view_chart(store, sam, pid).patient.id == pid


def test_reviewers_see_who_viewed_and_what_a_user_did(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    casey = add(store, admin, "casey", "coordinator")
    sam = add(store, admin, "sam", "supervisor")
    pid = builders.patient(store, casey, mrn="MRN-77")
    view_chart(store, casey, pid)
    view_chart(store, casey, pid)
    view_chart(store, sam, pid)
    with pytest.raises(AuthFailed):
        accounts.sign_in(store, "casey", "not the password")
    viewed = run_report(store, admin, "who-viewed", patient_mrn="MRN-77")
    assert {r[0]: r[1] for r in viewed.rows} == {"casey": "2", "sam": "1"}
    assert all(r[4] for r in viewed.rows)  # the client is recorded
    done = run_report(store, sam, "user-activity", username="casey")
    actions = [r[1] for r in done.rows]
    assert actions[0] == "session.login" and done.rows[0][2] == "refused"
    assert actions.count("patient.chart.view") == 2
    with pytest.raises(Forbidden):
        run_report(store, casey, "user-activity", username="sam")
    assert verify(store.engine).intact
