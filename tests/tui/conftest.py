"""Cockpit test support: a seeded demo ward on a real SQLite file, a fixed clock, and helpers
to drive the app by keyboard and wait for its workers."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerState

from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.services.context import Actor, first_coordinator
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow
from pcc_tui.tui.app import PccApp
from pcc_tui.tui.panels.queue import item_key
from tests.conftest import fixed_clock

SIZES = [(80, 24), (160, 48)]
LONG_LIVED = {"feed"}  # runs for the whole session: never "done"


@pytest.fixture
def ward(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[Store, Actor]]:
    path = tmp_path / "ward.db"
    shutil.copy(sqlite_template, path)
    store = Store.open(f"sqlite:///{path}", clock=fixed_clock())
    seed_demo(store, patients=60, seed=7)
    actor = first_coordinator(store)
    assert actor is not None
    yield store, actor
    store.close()


class RecordingApp(PccApp):
    """The real app, also keeping every notification it shows (toasts draw on their own
    layer, so tests read them here)."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.notices: list[str] = []

    def notify(self, message: str, *args: Any, **kw: Any) -> None:  # type: ignore[override]
        self.notices.append(str(message))
        super().notify(message, *args, **kw)


def make_app(ward: tuple[Store, Actor], **kw: Any) -> RecordingApp:
    store, actor = ward
    return RecordingApp(store, actor, mouse=False, **kw)


def shown(app: RecordingApp) -> str:
    """Screen text plus the notifications shown so far."""
    return screen_text(app) + "\n" + "\n".join(app.notices)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let debounce timers fire and thread workers finish (and what they trigger), until the
    app is quiet or 10 s have passed (a loaded CI machine is slow, never wrong)."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause(0.2)
        await _workers_done(app)
    for _ in range(50):
        busy = getattr(app.cockpit, "_debounce", None) is not None or any(
            w.is_running for w in app.workers if w.group not in LONG_LIVED
        )
        if not busy:
            break
        await pilot.pause(0.2)
        await _workers_done(app)
    await pilot.pause()


async def _workers_done(app: Any) -> None:
    """Wait for the running workers; one superseded by a newer exclusive worker (the cursor
    moved on) is cancelled, which is the app working as meant, not a failure."""
    for worker in list(app.workers):
        if worker.group in LONG_LIVED:
            continue
        if worker.state is WorkerState.PENDING:
            continue  # not started yet: the caller's loop comes back for it
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


async def go_to(pilot: Pilot[Any], predicate: Any) -> Any:
    """Press j until the queue cursor is on the first item matching `predicate`."""
    app: PccApp = pilot.app  # type: ignore[assignment]
    panel = app.cockpit.queue_panel
    assert panel.queue is not None
    visible = [i for i in panel.queue.items if item_key(i) in panel.items]
    target = next(i for i in visible if predicate(i))
    table = panel.focus_target()
    await pilot.press("1", "g")  # keys only: the queue, its first row
    index = table.get_row_index(item_key(target))
    for _ in range(index):
        await pilot.press("j")
    await settle(pilot)
    assert panel.current_item() == target
    return target


def screen_text(app: PccApp) -> str:
    """What the terminal shows, as plain text (no file is written)."""
    from rich.console import Console

    console = Console(width=app.size.width, record=True, file=io.StringIO())
    console.print(app.screen._compositor.render_update(full=True))  # type: ignore[union-attr]
    return console.export_text()


def audit_actions(store: Store) -> list[str]:
    with store.reading() as s:
        return list(s.scalars(select(AuditEventRow.action).order_by(AuditEventRow.seq)))
