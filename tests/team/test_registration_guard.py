"""Registration on a team's PostgreSQL, as a person's own login: the duplicate check finds a
lookalike on another ward (which row-level security hides from the person otherwise) and
says only what tells them apart; a taken MRN on another ward is refused at the MRN field;
the registered patient is in the person's scope."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from pcc_tui.core.errors import BadField
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.services.registration import likely_duplicates, register_new_patient
from tests.team import test_database_guard as guard
from tests.team.test_database_guard import Team, _refused

team = guard.team  # the same team: root, alex (4 North), blair (5 South), vic, sam

BORN = date(1948, 5, 17)  # tests.builders.patient's birth date


def test_a_lookalike_on_another_ward_is_found(team: Team) -> None:
    alex = team.store("alex")
    with alex.engine.connect() as conn:  # alex cannot see the 5 South patient at all
        assert (
            conn.execute(text(f"SELECT count(*) FROM patient WHERE id = {team.south}")).scalar()
            == 0
        )
    matches = likely_duplicates(alex, team.actor("alex"), "Southgat", "Agnieszka", BORN, None)
    assert [(m.id, m.mrn, m.why) for m in matches] == [
        (team.south, "MRN-S1", "same birth date, similar name")
    ]


def test_a_taken_mrn_on_another_ward_is_refused_at_its_field(team: Team) -> None:
    alex = team.store("alex")
    values = {"family_name": "New", "given_name": "Person", "birth_date": BORN, "mrn": "MRN-S1"}
    with pytest.raises(BadField) as taken:
        register_new_patient(alex, team.actor("alex"), values, intake_due=None)
    assert taken.value.field == "mrn"


def test_a_person_registers_into_their_own_scope(team: Team) -> None:
    alex, me = team.store("alex"), team.actor("alex")
    values = {
        "family_name": "Adeyemi",
        "given_name": "Tunde",
        "birth_date": date(1990, 5, 5),
        "mrn": None,
        "coordinator": "alex",
        "ward": "4 North",
    }
    pid, mrn = register_new_patient(alex, me, values, intake_due=alex.clock.today())
    assert mrn.startswith("PCC") and view_chart(alex, me, pid).patient.mrn == mrn
    # The functions behind the check are the registering roles' only: not a viewer's.
    assert "permission denied" in _refused(
        team.psql("vic"), "SELECT * FROM pcc_duplicate_candidates(ARRAY[]::date[], '{}', NULL)"
    )


def test_the_record_history_shows_everyones_changes_to_whoever_may_open_it(team: Team) -> None:
    from pcc_tui.core.errors import PccError
    from pcc_tui.core.services.patients import update_patient
    from pcc_tui.core.services.record_history import record_history

    root = team.actor("root")
    update_patient(team.owner, root, team.north, 1, {"address": "12 Elm St"})  # not alex's
    entries = record_history(team.store("alex"), team.actor("alex"), team.north)
    changed = next(e for e in entries if e.action == "patient.update")
    assert (changed.who, changed.fields, changed.before) == ("root", ["address"], {"address": None})
    with pytest.raises(PccError):  # 5 South is not alex's to open: nor its history
        record_history(team.store("alex"), team.actor("alex"), team.south)
    with team.psql("alex").connect() as conn:  # and not by going around pcc either
        rows = conn.execute(text(f"SELECT * FROM pcc_record_history({team.south})")).all()
    assert rows == []
