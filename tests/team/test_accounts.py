"""Accounts and roles: argon2 sign-in, lockout, PIN bound to the OS user, role denials."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pcc_tui.core.errors import AuthFailed, DomainError, Forbidden
from pcc_tui.core.services import accounts
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.services.plans import reassign_step
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, CoordinatorRow
from tests import builders
from tests.conftest import FIXED_NOW, SYSTEM

PASSWORD = "correct horse battery"


def add(store: Store, by: Actor, name: str, role: str, **kw: object) -> Actor:
    accounts.add_user(
        store,
        by,
        username=name,
        display_name=name.title(),
        role=role,
        password=kw.pop("password", PASSWORD),  # type: ignore[arg-type]
        ward="4 North",
        **kw,  # type: ignore[arg-type]
    )
    return resolve_actor(store, name)


def audit_rows(store: Store, action: str) -> list[AuditEventRow]:
    with store.reading() as session:
        return list(session.scalars(select(AuditEventRow).where(AuditEventRow.action == action)))


def test_first_admin_bootstraps_then_only_admins_manage_accounts(store: Store) -> None:
    with pytest.raises(DomainError, match="first account"):
        accounts.add_user(
            store, SYSTEM, username="c", display_name="C", role="coordinator", password=PASSWORD
        )
    admin = add(store, SYSTEM, "root", "admin")
    coord = add(store, admin, "casey", "coordinator")
    with pytest.raises(Forbidden, match="coordinator may not manage accounts"):
        add(store, coord, "eve", "admin")
    with pytest.raises(Forbidden):
        accounts.list_users(store, coord)
    assert [a.username for a in accounts.list_users(store, admin)] == ["casey", "root"]
    denied = [r for r in audit_rows(store, "user.add") if r.outcome != "0"]
    assert denied and denied[-1].actor == "casey"
    with store.reading() as session:
        stored = session.scalar(
            select(CoordinatorRow.password_hash).where(CoordinatorRow.username == "casey")
        )
    assert stored is not None and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_sign_in_audits_failures_and_locks_after_the_limit(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    add(store, admin, "casey", "coordinator")
    assert accounts.sign_in(store, "casey", PASSWORD).username == "casey"
    for _ in range(3):
        with pytest.raises(AuthFailed):
            accounts.sign_in(store, "casey", "wrong password!", max_failed=3)
    with pytest.raises(AuthFailed):  # locked now: the right password is refused too
        accounts.sign_in(store, "casey", PASSWORD, max_failed=3)
    with pytest.raises(AuthFailed):
        accounts.sign_in(store, "nobody", PASSWORD)
    logins = audit_rows(store, "session.login")
    assert [r.outcome == "0" for r in logins] == [True, False, False, False, False, False]
    assert "account locked" in logins[3].detail and logins[5].actor == "nobody"
    assert all(r.client for r in logins)
    accounts.reset_secret(store, admin, "casey", password="another long one")
    assert accounts.sign_in(store, "casey", "another long one").role == "coordinator"


def test_pin_sign_in_is_bound_to_the_os_user(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    accounts.add_user(
        store,
        admin,
        username="casey",
        display_name="Casey",
        role="coordinator",
        pin="482913",
        os_user="cjones",
    )
    assert accounts.sign_in(store, "cjones", "482913", method="pin").username == "casey"
    with pytest.raises(AuthFailed):
        accounts.sign_in(store, "cjones", "000000", method="pin")
    with pytest.raises(AuthFailed):  # a PIN is not a password
        accounts.sign_in(store, "casey", "482913", method="password")
    with pytest.raises(DomainError, match="digits"):
        accounts.reset_secret(store, admin, "casey", pin="12ab")


def test_disabled_accounts_cannot_sign_in(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    add(store, admin, "casey", "coordinator")
    accounts.disable_user(store, admin, "casey")
    with pytest.raises(AuthFailed):
        accounts.sign_in(store, "casey", PASSWORD)


def test_a_viewer_reads_but_changes_nothing(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    coord = add(store, admin, "casey", "coordinator")
    viewer = add(store, admin, "vic", "viewer")
    pid = builders.patient(store, coord)
    assert view_chart(store, viewer, pid).patient.id == pid
    with pytest.raises(Forbidden, match="viewer changes nothing"):
        add_note(store, viewer, pid, "should not land")
    assert all(n.text != "should not land" for n in view_chart(store, coord, pid).notes)
    assert audit_rows(store, "note.add")[-1].outcome != "0"


def test_only_supervisors_reassign_another_coordinators_work(store: Store) -> None:
    admin = add(store, SYSTEM, "root", "admin")
    casey = add(store, admin, "casey", "coordinator")
    robin = add(store, admin, "robin", "coordinator")
    sam = add(store, admin, "sam", "supervisor")
    pid = builders.patient(store, casey)
    _plan, steps = builders.plan(store, casey, pid, (FIXED_NOW + timedelta(days=1)).date())
    with pytest.raises(Forbidden, match="another coordinator's caseload"):
        reassign_step(
            store,
            robin,
            steps[0],
            1,
            owner_id=robin.coordinator_id,
            owner_pool=None,
            reason="mine now",
        )
    version = reassign_step(
        store,
        sam,
        steps[0],
        1,
        owner_id=robin.coordinator_id,
        owner_pool=None,
        reason="leave cover",
    )
    assert version == 2
