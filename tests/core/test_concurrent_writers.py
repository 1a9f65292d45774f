"""Several processes writing one database: no "database is locked", no broken audit chain."""

from __future__ import annotations

import multiprocessing as mp

from sqlalchemy import func, select

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.audit_verify import verify
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import NoteRow
from tests import builders

PROCESSES = 4
NOTES_EACH = 25


def _writer(url: str, actor: Actor, patient_id: int, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from pcc_tui.core.services.communications import add_note

    store = Store.open(url)
    errors = []
    for i in range(NOTES_EACH):
        try:
            add_note(store, actor, patient_id, f"note {i}")
        except Exception as exc:  # reported to the parent, which fails the test
            errors.append(f"{type(exc).__name__}: {exc}")
    store.close()
    queue.put(errors)


def test_four_processes_write_one_database(store: Store, coordinator: Actor, db_url: str) -> None:
    pid = builders.patient(store, coordinator)
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [
        ctx.Process(target=_writer, args=(db_url, coordinator, pid, queue))
        for _ in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    errors = [e for _ in procs for e in queue.get(timeout=120)]
    for p in procs:
        p.join(30)
    assert errors == []
    assert all(p.exitcode == 0 for p in procs)
    with store.reading() as s:
        assert s.scalar(select(func.count()).select_from(NoteRow)) == PROCESSES * NOTES_EACH
    _key, public = builders.sealed(store)
    report = verify(store.engine, public_key=public)
    assert report.intact, report
    assert report.rows_checked >= PROCESSES * NOTES_EACH and report.unsealed == 0
