"""Two cockpits on one database, conflicts, idle lock, break the glass, viewers, outage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from textual.widgets import Static, TextArea

from pcc_tui.core.clock import Clock
from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.domain.read_models import QueueKind
from pcc_tui.core.services import accounts, plans
from pcc_tui.core.services.communications import add_note
from pcc_tui.core.services.context import resolve_actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import (
    AuditEventRow,
    CoordinatorRow,
    NoteRow,
    PatientRow,
    PlanStepRow,
)
from pcc_tui.tui.screens.conflict import ConflictScreen
from pcc_tui.tui.screens.form import FormScreen
from pcc_tui.tui.session import SessionRules
from tests.conftest import SYSTEM, _require_postgres, fixed_clock, new_database
from tests.pg_cluster import PgCluster
from tests.tui.conftest import RecordingApp, go_to, screen_text, settle, shown
from tests.tui.test_actions import type_into

PASSWORD = "a long enough secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def team_url(
    request: pytest.FixtureRequest,
    pg_cluster: PgCluster | None,
    tmp_path: Path,
    sqlite_template: Path,
) -> Iterator[str]:
    """A demo ward on either database, with an admin who can sign in."""
    url = new_database(request.param, pg_cluster, tmp_path, sqlite_template)
    store = Store.open(url, clock=fixed_clock())
    seed_demo(store, patients=60, seed=7)
    accounts.add_user(
        store, SYSTEM, username="root", display_name="Root", role="admin", password=PASSWORD
    )
    store.close()
    yield url


def open_store(url: str) -> Store:
    return Store.open(url, clock=fixed_clock())


def app_for(store: Store, username: str, **kw: Any) -> RecordingApp:
    return RecordingApp(store, resolve_actor(store, username), mouse=False, **kw)


async def until(pilot: Any, condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait (without failing on a slow machine) until `condition` holds, then check it."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.1)
    assert condition()


def usernames(store: Store) -> list[str]:
    with store.reading() as s:
        return list(s.scalars(select(CoordinatorRow.username).order_by(CoordinatorRow.id)))


async def test_two_cockpits_see_each_others_work(team_url: str) -> None:
    store_a, store_b = open_store(team_url), open_store(team_url)
    lead, colleague = usernames(store_a)[:2]  # a supervisor and a coordinator
    app_a, app_b = app_for(store_a, lead), app_for(store_b, colleague)
    try:
        async with app_a.run_test(size=(80, 24)) as pa, app_b.run_test(size=(160, 48)) as pb:
            await settle(pa)
            await settle(pb)
            pid = app_b.cockpit.patient_id
            assert pid is not None
            app_a.cockpit.open_patient(pid)
            await settle(pa)
            cursor = app_a.cockpit.queue_panel.current_key()
            # A sees that B has the same patient open.
            await until(pa, lambda: "Also open now: " in screen_text(app_a))
            assert app_b.actor.display_name in screen_text(app_a)
            # B writes a note; A's chart has it within the deadline, cursor where it was.
            await pb.press("n")
            await pb.pause()
            await type_into(pb, "text", "Family meeting moved to Friday")
            await pb.press("f2")
            await settle(pb)

            def seen() -> bool:
                chart = app_a.cockpit.chart
                return chart is not None and any(
                    n.text == "Family meeting moved to Friday" for n in chart.notes
                )

            await until(pa, seen, seconds=5.0)
            assert app_a.cockpit.patient_id == pid  # the refresh did not move A to another patient
            assert app_a.cockpit.queue_panel.current_key() == cursor
            # B leaves the patient (locks the screen): A's "also open" line goes.
            await pb.press("L")
            await until(pa, lambda: "Also open now: " not in screen_text(app_a))
    finally:
        store_a.close()
        store_b.close()


async def _clash(
    pilot: Any, store_b: Store, lead: str, step_id: int, mine: str, theirs: str
) -> None:
    """Open the step's status form, type `mine`; meanwhile B saves `theirs`; then save."""
    app = pilot.app
    item = await go_to(pilot, lambda i: i.kind is QueueKind.STEP and i.entity_id == step_id)
    await pilot.press("s")
    await pilot.pause()
    await type_into(pilot, "business_status", mine)
    plans.set_step_status(
        store_b, resolve_actor(store_b, lead), step_id, item.entity_version, business_status=theirs
    )
    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(app.screen, ConflictScreen)
    text = screen_text(app)
    assert theirs in text and mine in text and "take theirs" in text


def business_status(store: Store, step_id: int) -> str | None:
    with store.reading() as s:
        row = s.get(PlanStepRow, step_id)
        assert row is not None
        return row.business_status


async def test_conflict_resolved_each_way(team_url: str) -> None:
    store_a, store_b = open_store(team_url), open_store(team_url)
    lead = usernames(store_a)[0]
    app = app_for(store_a, lead)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            step_id = (await go_to(pilot, lambda i: i.kind is QueueKind.STEP)).entity_id
            await _clash(
                pilot, store_b, lead, step_id, "mine: left voicemail", "theirs: records in"
            )
            await pilot.press("t")  # take theirs
            await settle(pilot)
            assert not isinstance(app.screen, ConflictScreen | FormScreen)
            assert business_status(store_a, step_id) == "theirs: records in"
            assert "mine: voicemail" not in screen_text(app)
            await _clash(pilot, store_b, lead, step_id, "mine: faxed again", "theirs: on hold")
            await pilot.press("r")  # re-apply mine on top of theirs
            await settle(pilot)
            assert not isinstance(app.screen, ConflictScreen | FormScreen)
            assert business_status(store_a, step_id) == "mine: faxed again"
    finally:
        store_a.close()
        store_b.close()


def audit_outcomes(store: Store, action: str) -> list[str]:
    with store.reading() as s:
        rows = s.scalars(
            select(AuditEventRow.outcome)
            .where(AuditEventRow.action == action)
            .order_by(AuditEventRow.seq)
        )
        return list(rows)


class IdleClock:
    """The session's idle clock, moved on by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


async def test_idle_lock_hides_everything_and_keeps_the_form(team_url: str) -> None:
    store = open_store(team_url)
    lead = usernames(store)[0]
    accounts.reset_secret(store, resolve_actor(store, "root"), lead, password=PASSWORD)
    idle = IdleClock()
    rules = SessionRules(
        method="password", lock_after_s=300, logoff_after_s=1800, clock=idle, check_s=0.05
    )
    app = app_for(store, lead, session=rules)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert app.cockpit.chart is not None
            family = app.cockpit.chart.patient.family_name.upper()
            await pilot.press("n")
            await pilot.pause()
            await type_into(pilot, "text", "half-written note")
            idle.advance(301)  # five minutes without a key, on the session's own clock
            await until(pilot, lambda: app.is_locked)
            locked = screen_text(app)
            assert family not in locked and "half-written" not in locked
            assert "Enter your password" in locked
            await pilot.press(*"wrong password!", "enter")
            await until(pilot, lambda: "Not unlocked" in screen_text(app))
            assert app.is_locked
            # A try within a second of a failure is refused unchecked: the user waits.
            store.clock = Clock.fixed(store.clock.now() + timedelta(seconds=2))
            await pilot.press(*PASSWORD, "enter")
            await until(pilot, lambda: not app.is_locked)
            assert isinstance(app.screen, FormScreen)
            assert app.screen.query_one("#field-text", TextArea).text == "half-written note"
        assert audit_outcomes(store, "session.lock") == ["0"]
        assert audit_outcomes(store, "session.unlock") == ["4", "0"]
    finally:
        store.close()


async def test_long_idle_ends_the_session(team_url: str) -> None:
    store = open_store(team_url)
    idle = IdleClock()
    rules = SessionRules(
        method="os", lock_after_s=300, logoff_after_s=1800, clock=idle, check_s=0.05
    )
    app = app_for(store, usernames(store)[0], session=rules)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            idle.advance(1801)
            await until(pilot, lambda: app.end_reason == "idle logoff")
    finally:
        store.close()


async def test_break_the_glass_opens_with_a_reason_and_a_banner(team_url: str) -> None:
    store = open_store(team_url)
    colleague = resolve_actor(store, usernames(store)[1])
    with store.reading() as s:
        outside = s.scalar(
            select(PatientRow)
            .where(
                PatientRow.ward != colleague.ward,
                PatientRow.coordinator_id != colleague.coordinator_id,
            )
            .order_by(PatientRow.id)
        )
    assert outside is not None
    app = app_for(store, colleague.username)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("colon", *outside.mrn)  # the palette finds them by MRN
            await settle(pilot)
            await pilot.pause(0.5)
            await pilot.press("down", "enter")
            await settle(pilot)
            assert "Press ! to break the glass" in screen_text(app)
            assert outside.family_name.upper() not in screen_text(app)
            await pilot.press("exclamation_mark")
            await pilot.pause()
            await type_into(pilot, "reason", "covering 4 North tonight, family called")
            await pilot.press("f2")
            await settle(pilot)
            banner = app.query_one("#glass-banner", Static)
            assert not banner.has_class("hidden")
            text = screen_text(app)
            assert "BREAK THE GLASS" in text and outside.family_name.upper() in text
        assert audit_outcomes(store, "patient.break-glass") == ["0"]
    finally:
        store.close()


async def test_a_viewer_is_told_not_allowed(team_url: str) -> None:
    store = open_store(team_url)
    accounts.add_user(
        store,
        resolve_actor(store, "root"),
        username="vic",
        display_name="Vic Viewer",
        role="viewer",
        password=PASSWORD,
        ward=resolve_actor(store, usernames(store)[0]).ward,
    )
    app = app_for(store, "vic")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("1", "w")  # the ward's queue
            await settle(pilot)
            await pilot.press("n")
            await pilot.pause()
            assert "Read-only account" in shown(app)
            assert not isinstance(app.screen, FormScreen)
    finally:
        store.close()


async def test_outage_shows_offline_keeps_the_form_and_resumes(
    pg_cluster: PgCluster | None, tmp_path: Path, sqlite_template: Path
) -> None:
    cluster = _require_postgres(pg_cluster)
    url = new_database("postgresql", cluster, tmp_path, sqlite_template)
    store = open_store(url)
    seed_demo(store, patients=30, seed=5)
    # Retries every 0.1-0.4 s instead of 0.5-15 s: the test waits on the server, not a back-off.
    app = app_for(store, usernames(store)[0], session=SessionRules(feed_retry=(0.1, 0.4)))
    banner: Callable[[], Static] = lambda: app.query_one("#offline-banner", Static)  # noqa: E731
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            pid = app.cockpit.patient_id
            await pilot.press("n")
            await pilot.pause()
            await type_into(pilot, "text", "written while the server restarts")
            cluster.pause()
            try:
                await until(pilot, lambda: not banner().has_class("hidden"))
                assert "OFFLINE" in screen_text(app)
                await pilot.press("f2")
                await until(pilot, lambda: "Not saved" in screen_text(app))
                assert isinstance(app.screen, FormScreen)
            finally:
                cluster.resume()
            await until(pilot, lambda: banner().has_class("hidden"), seconds=30)
            await pilot.press("f2")
            await settle(pilot)
            assert not isinstance(app.screen, FormScreen)
        with store.reading() as s:
            saved = s.scalar(
                select(func.count())
                .select_from(NoteRow)
                .where(
                    NoteRow.patient_id == pid, NoteRow.text == "written while the server restarts"
                )
            )
        assert saved == 1
    finally:
        store.close()


async def test_live_updates_never_stop_silently(ward: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pcc_tui.core.store.feed import ChangeFeed

    def broken(self: ChangeFeed, stop: Any) -> None:
        raise RuntimeError("a bug in the feed")

    monkeypatch.setattr(ChangeFeed, "run", broken)
    store, actor = ward
    app = RecordingApp(store, actor, mouse=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: "live updates stopped (RuntimeError)" in shown(app))
        assert "a bug in the feed" not in shown(app)


async def test_live_update_under_an_open_form_keeps_the_form(team_url: str) -> None:
    store_a, store_b = open_store(team_url), open_store(team_url)
    lead = usernames(store_a)[0]
    app = app_for(store_a, lead)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            pid = app.cockpit.patient_id
            assert pid is not None
            await pilot.press("n")
            await pilot.pause()
            await type_into(pilot, "text", "my draft")
            add_note(store_b, resolve_actor(store_b, lead), pid, "colleague's note")

            def refreshed() -> bool:
                chart = app.cockpit.chart
                return chart is not None and any(n.text == "colleague's note" for n in chart.notes)

            await until(pilot, refreshed, seconds=5.0)
            assert isinstance(app.screen, FormScreen)
            assert app.screen.query_one("#field-text", TextArea).text == "my draft"
    finally:
        store_a.close()
        store_b.close()


async def test_late_timers_and_results_after_the_panels_are_gone_do_nothing(
    ward: Any,
) -> None:
    """On the way out the panels go first; a debounce timer or a worker result that fires
    then must not crash the exit (seen once in CI after an unlock reloaded everything)."""
    from pcc_tui.tui.messages import QueueLoaded
    from pcc_tui.tui.panels.queue import QueuePanel

    store, actor = ward
    app = RecordingApp(store, actor, mouse=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.cockpit.queue_panel.queue
        assert queue is not None
        await app.cockpit.query_one(QueuePanel).remove()
        app.cockpit._settled_key = "a row that is gone"
        app.cockpit.follow_cursor()
        app.post_message(QueueLoaded(queue))
        await pilot.pause(0.3)
