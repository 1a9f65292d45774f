"""PostgreSQL is the guard: each person connects as their own login, and what they may see
and change is decided by the database (roles, row-level security, server-written audit),
even when they go around pcc with psql. Each attack of issue 12, repeated as written."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.errors import Forbidden, PccError
from pcc_tui.core.services import accounts
from pcc_tui.core.services.access import break_glass
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.services.reads import search, view_chart, view_queue
from pcc_tui.core.store.audit_verify import verify
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from tests import builders
from tests.conftest import SYSTEM, _require_postgres, fixed_clock, new_database
from tests.pg_cluster import PgCluster

PASSWORD = "correct horse battery"


@dataclass
class Team:
    owner: Store
    url: str
    north: int  # a 4 North patient (alex's ward)
    south: int  # a 5 South patient (blair's ward)
    stores: dict[str, Store]

    def store(self, name: str) -> Store:
        """`name`'s own session: their login, not the owner's."""
        if name not in self.stores:
            url = make_url(self.url).set(username=name, password=PASSWORD)
            url = url.render_as_string(hide_password=False)
            self.stores[name] = Store.open(url, clock=fixed_clock())
        return self.stores[name]

    def psql(self, name: str) -> Engine:
        return self.store(name).engine

    def actor(self, name: str) -> Actor:
        return resolve_actor(self.store(name), name)


def _refused(engine: Engine, sql: str) -> str:
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.execute(text(sql))
    return str(caught.value.orig)


@pytest.fixture
def team(pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path) -> Iterator[Team]:
    cluster = _require_postgres(pg_cluster)
    url = new_database("postgresql", cluster, tmp_path, sqlite_template)
    owner = Store.open(url, clock=fixed_clock())
    boot = Actor("it", None, "coordinator", "IT")
    accounts.add_user(
        owner, boot, username="root", display_name="Root", role="admin", password=PASSWORD
    )
    root = resolve_actor(owner, "root")
    for name, role, ward in (
        ("alex", "coordinator", "4 North"),
        ("blair", "coordinator", "5 South"),
        ("vic", "viewer", "4 North"),
        ("sam", "supervisor", None),
    ):
        accounts.add_user(
            owner,
            root,
            username=name,
            display_name=name.title(),
            role=role,
            ward=ward,
            password=PASSWORD,
        )
    alex, blair = resolve_actor(owner, "alex"), resolve_actor(owner, "blair")
    north = builders.patient(owner, alex, "MRN-N1")
    south = builders.patient(owner, blair, "MRN-S1", ward="5 South", family_name="Southgate")
    made = Team(owner, url, north, south, {})
    yield made
    for s in made.stores.values():
        s.close()
    owner.close()


def test_people_connect_as_themselves_in_one_group_role(team: Team) -> None:
    with team.owner.engine.connect() as conn:
        groups = dict(
            conn.execute(
                text(
                    "SELECT u.rolname, g.rolname FROM pg_auth_members m"
                    " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
                    " WHERE u.rolname IN ('alex', 'vic', 'sam', 'root') AND u.rolcanlogin"
                )
            ).all()
        )
        app_roles = conn.execute(text("SELECT count(*) FROM pg_roles WHERE rolname = 'pcc_app'"))
        assert app_roles.scalar_one() == 0
    assert groups == {
        "alex": "pcc_coordinator",
        "vic": "pcc_viewer",
        "sam": "pcc_supervisor",
        "root": "pcc_admin",
    }
    assert team.store("alex").person and not team.owner.person


def test_nobody_makes_themselves_admin(team: Team) -> None:
    assert "permission denied" in _refused(
        team.psql("alex"), "UPDATE coordinator SET role = 'admin' WHERE username = 'alex'"
    )
    assert "own account" in _refused(
        team.psql("root"), "UPDATE coordinator SET role = 'supervisor' WHERE username = 'root'"
    )
    assert "admin option" in _refused(team.psql("alex"), "GRANT pcc_admin TO alex")
    assert "permission denied" in _refused(
        team.psql("alex"), "SELECT password_hash FROM coordinator"
    )


def test_out_of_scope_rows_are_invisible_and_unchangeable(team: Team) -> None:
    alex = team.psql("alex")
    with alex.begin() as conn:
        seen = conn.execute(text("SELECT mrn FROM patient ORDER BY mrn")).scalars().all()
        changed = conn.execute(
            text(f"UPDATE patient SET family_name = 'X' WHERE id = {team.south}")
        ).rowcount
    assert seen == ["MRN-N1"] and changed == 0
    assert "row-level security" in _refused(
        alex,
        "INSERT INTO note (patient_id, text, status, version, created_at, created_by,"
        f" updated_at, updated_by) VALUES ({team.south}, 'sneaky', 'current', 1, now(),"
        " 'alex', now(), 'alex')",
    )


def test_queue_search_and_writes_go_through_the_database(team: Team) -> None:
    store, alex = team.store("alex"), team.actor("alex")
    everyone = view_queue(store, alex, QueueScope.ALL)
    assert team.south not in {item.patient_id for item in everyone.items}
    other_ward = view_queue(store, alex, QueueScope.WARD, ward="5 South")
    assert not other_ward.items
    assert not [h for h in search(store, alex, "southgate")]
    with pytest.raises(PccError):
        add_note(store, alex, team.south, "a note on a 5 South patient")
    add_note(store, alex, team.north, "my own ward")
    # A supervisor sees both wards.
    sam = team.actor("sam")
    assert {h.patient.id for h in search(team.store("sam"), sam, "southgate")} == {team.south}


def test_viewers_change_nothing_and_cannot_break_the_glass(team: Team) -> None:
    store, vic = team.store("vic"), team.actor("vic")
    assert view_chart(store, vic, team.north).patient.mrn == "MRN-N1"
    assert "permission denied" in _refused(
        team.psql("vic"), f"UPDATE patient SET bed = '99' WHERE id = {team.north}"
    )
    with pytest.raises(Forbidden):
        break_glass(store, vic, team.south, "I would like to read this chart")
    assert "permission denied" in _refused(
        team.psql("vic"),
        "INSERT INTO access_grant (username, patient_id, reason, granted_at, expires_at)"
        f" VALUES ('vic', {team.south}, 'because', now(), now() + interval '1 hour')",
    )


def test_break_the_glass_opens_the_record_in_the_database_too(team: Team) -> None:
    store, alex = team.store("alex"), team.actor("alex")
    break_glass(store, alex, team.south, "covering 5 South tonight, family called")
    with team.psql("alex").connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM patient WHERE id = {team.south}")).scalar()
    # A grant cannot be forged for someone else, or for a week.
    assert "row-level security" in _refused(
        team.psql("alex"),
        "INSERT INTO access_grant (username, patient_id, reason, granted_at, expires_at)"
        f" VALUES ('blair', {team.north}, 'forged', now(), now() + interval '1 hour')",
    )
    with team.psql("alex").begin() as conn:
        conn.execute(
            text(
                "INSERT INTO access_grant (username, patient_id, reason, granted_at, expires_at)"
                f" VALUES ('alex', {team.south}, 'a week, backdated', '2020-01-01',"
                " '2020-01-08')"
            )
        )
    with team.owner.engine.connect() as conn:
        longest = conn.execute(
            text("SELECT max(expires_at - granted_at), min(granted_at) FROM access_grant")
        ).one()
    assert longest[0] <= timedelta(hours=24) and longest[1].year > 2020


def test_audit_rows_cannot_be_forged_changed_or_removed(team: Team) -> None:
    alex = team.psql("alex")
    for sql in (
        "INSERT INTO audit_event (recorded_at, actor, action, outcome, detail)"
        " VALUES ('2026-01-01', 'sam', 'patient.chart.view', '0', '{}')",
        "UPDATE audit_event SET actor = 'someone else'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "UPDATE audit_block SET hash = 'x'",
        "DELETE FROM change_log",
    ):
        assert "permission denied" in _refused(alex, sql)
    # The one way in names the caller and the server's time, whatever is claimed.
    with alex.begin() as conn:
        seq = conn.execute(
            text(
                "SELECT pcc_audit_append('sam', '2020-01-01', 'patient.chart.view', '0',"
                f" {team.south}, 'patient', {team.south}, '{{}}', 'forged')"
            )
        ).scalar_one()
    with team.owner.engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT actor, db_user, recorded_at FROM audit_event WHERE seq = {seq}")
        ).one()
    assert (row.actor, row.db_user) == ("alex", "alex")
    assert row.recorded_at.date() > date(2020, 1, 1) + timedelta(days=365)
    assert "server" in _refused(
        alex, "SELECT pcc_audit_append('x', now(), 'db.update', '0', 1, 'patient', 1, '{}', 'x')"
    )
    assert "JSON object" in _refused(
        alex, "SELECT pcc_audit_append('x', now(), 'a.b', '0', 1, 'patient', 1, '[1]', 'x')"
    )


def test_a_direct_update_leaves_a_server_written_audit_row(team: Team) -> None:
    with team.psql("alex").begin() as conn:
        conn.execute(text(f"UPDATE patient SET bed = '12' WHERE id = {team.north}"))
    with team.owner.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT actor, action, patient_id, entity_type FROM audit_event"
                " WHERE action LIKE 'db.%' ORDER BY seq DESC LIMIT 1"
            )
        ).one()
    assert tuple(row) == ("alex", "db.update", team.north, "patient")


def test_the_chain_verifies_after_people_worked(team: Team) -> None:
    store, alex = team.store("alex"), team.actor("alex")
    add_note(store, alex, team.north, "a note")
    view_chart(store, alex, team.north)
    key, public = builders.sealed(team.owner)
    report = verify(team.owner.engine, public_key=public)
    assert report.intact and report.unsealed == 0 and report.rows_checked > 10
    del key


def test_a_person_signs_in_with_their_pin_only_on_their_own_account(team: Team) -> None:
    root = resolve_actor(team.owner, "root")
    accounts.reset_secret(team.owner, root, "alex", pin="482913")
    store = team.store("alex")
    assert accounts.sign_in(store, "alex", "482913", method="pin").username == "alex"
    with pytest.raises(PccError):
        accounts.sign_in(store, "blair", "482913", method="pin")


def test_the_owner_can_still_seed_and_import(team: Team) -> None:
    engine = make_engine(team.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patient")).scalar_one() == 2
    engine.dispose()
    assert SYSTEM.role == "admin"


def test_a_person_can_neither_seed_nor_change_the_schema(team: Team) -> None:
    from pcc_tui.core.demo.seed import seed_demo
    from pcc_tui.core.errors import DomainError

    with pytest.raises(DomainError, match="schema owner"):
        seed_demo(team.store("alex"), patients=5)
    assert "permission denied" in _refused(team.psql("alex"), "CREATE TABLE sneaky (id int)")
    assert "must be owner" in _refused(
        team.psql("root"), "ALTER TABLE patient DISABLE ROW LEVEL SECURITY"
    )
    assert "must be owner" in _refused(
        team.psql("root"), "ALTER TABLE patient DISABLE TRIGGER pcc_audit_update"
    )
