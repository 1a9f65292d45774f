"""The HL7 intake under the database's guard (PostgreSQL, each person's own login): the
feed's stays and transitions follow the patient's scope; the intake log is for supervisors
and admins, without the messages; the intake itself refuses a person's login."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from pcc_tui.cli_hl7 import intake_actor
from pcc_tui.core.errors import Forbidden, PccError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.hl7_intake import Intake, Received, event_rules_and_pathways
from pcc_tui.core.services.intake_log import read_log
from tests.hl7_builders import adt
from tests.team import test_database_guard as guard
from tests.team.test_database_guard import Team, _refused

team = guard.team


def _feed(team: Team) -> None:
    intake = Intake(team.owner, intake_actor(team.owner), *event_rules_and_pathways())
    at = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    results = intake.apply(
        [
            Received(adt("A01", "MRN-S1", "F1", ward="5 South"), at),
            Received(adt("A03", "MRN-S1", "F2", ward="5 South", discharged="20260309100000"), at),
        ]
    )
    assert [r.code for r in results] == ["AA", "AA"]


def test_stays_and_transitions_follow_the_patients_scope(team: Team) -> None:
    _feed(team)
    with team.psql("alex").connect() as conn:  # 4 North: the 5 South patient is not theirs
        assert conn.execute(text("SELECT count(*) FROM stay")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM transition")).scalar_one() == 0
    with team.psql("blair").connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stay")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM transition")).scalar_one() == 1
    assert "row-level security" in _refused(
        team.psql("alex"),
        "INSERT INTO stay (patient_id, patient_class, status, version, created_at, created_by,"
        f" updated_at, updated_by) VALUES ({team.south}, 'I', 'in-progress', 1, now(), 'alex',"
        " now(), 'alex')",
    )


def test_the_intake_log_is_for_reviewers_without_the_messages(team: Team) -> None:
    _feed(team)
    assert "permission denied" in _refused(team.psql("alex"), "SELECT id FROM hl7_message")
    with pytest.raises(Forbidden):
        read_log(team.store("alex"), team.actor("alex"))
    entries = read_log(team.store("sam"), team.actor("sam"))
    assert [e.control_id for e in entries] == ["F2", "F1"]
    assert "permission denied" in _refused(team.psql("sam"), "SELECT raw FROM hl7_message")


def test_the_intake_refuses_a_persons_login(team: Team) -> None:
    with pytest.raises(PccError, match="schema owner"):
        intake_actor(team.store("sam"))
    assert isinstance(intake_actor(team.owner), Actor)
