"""Hospital benchmark: N coordinators, each a process on its own PostgreSQL login, browse
charts (each view an audited read) and add notes at a set rate, while a sealer links the
trail into signed blocks. PostgreSQL runs durable (fsync on). Prints tables; asserts nothing
(the targets are printed beside the figures).

    python benchmarks/hospital.py                          # N = 1, 8, 32, 128; 100k for RLS
    python benchmarks/hospital.py --coordinators 1,4 --seconds 3 --rls-patients 2000   # CI

For each N the same workload runs twice: with the audit trail, and with the services' audit
rows switched off in the workers (the server's change triggers still write theirs: a person
cannot switch them off). Lost updates: notes a worker saw committed that are not in the
database afterwards. Sealing lag: the oldest unsealed row's age, sampled every 0.25 s.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench_databases import databases
from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.services import accounts
from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.store.audit_seal import seal
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.migrate import upgrade
from pcc_tui.core.store.tables import AuditEventRow, NoteRow, PatientRow

PASSWORD = "benchmark password"


def build(url: str, patients: int, people: int) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    owner = Store.open(url)
    try:
        seed_demo(owner, patients=patients, seed=11)
        with owner.reading() as s:  # the demo's own wards (about 30 beds each)
            wards = list(s.scalars(select(PatientRow.ward).distinct().order_by(PatientRow.ward)))
        boot = Actor("bench", None, "coordinator", "bench")
        accounts.add_user(
            owner, boot, username="root", display_name="Root", role="admin", password=PASSWORD
        )
        root = resolve_actor(owner, "root")
        names = []
        for n in range(people):
            name = f"coord{n}"
            accounts.add_user(
                owner,
                root,
                username=name,
                display_name=f"Coordinator {n}",
                role="coordinator",
                ward=wards[n % len(wards)],
                password=PASSWORD,
            )
            names.append(name)
        return names
    finally:
        owner.close()


def person_url(url: str, name: str) -> str:
    return make_url(url).set(username=name, password=PASSWORD).render_as_string(False)


def worker(
    url: str,
    name: str,
    seconds: float,
    edit_every: int,
    audited: bool,
    go: Any,
    ready: Any,
    out: Any,
) -> None:
    from pcc_tui.core.services.communications import add_note
    from pcc_tui.core.services.reads import view_chart, view_queue
    from pcc_tui.core.store import audit

    if not audited:  # the audit-off baseline: the services' own rows are not written
        audit.append = lambda *a, **k: 0  # type: ignore[assignment]
    store = Store.open(person_url(url, name))
    actor = resolve_actor(store, name)
    patients = sorted({i.patient.id for i in view_queue(store, actor, QueueScope.WARD).items})
    if not patients:
        with store.reading() as s:
            patients = list(s.scalars(select(PatientRow.id).limit(50)))
    rng = random.Random(name)
    views: list[float] = []
    notes = 0
    ready.put(name)
    while go.value == 0.0:  # every process imported and connected before the clock starts
        time.sleep(0.01)
    while time.time() < go.value:
        time.sleep(0.001)
    end = go.value + seconds
    n = 0
    while time.time() < end:
        pid = rng.choice(patients)
        t0 = time.perf_counter()
        view_chart(store, actor, pid)
        views.append(time.perf_counter() - t0)
        n += 1
        if edit_every and n % edit_every == 0:
            add_note(store, actor, pid, f"benchmark note {n} by {name}")
            notes += 1
    store.close()
    out.put((name, views, notes))


def sealer(url: str, stop: threading.Event, lags: list[float], waits: list[int]) -> None:
    key = Ed25519PrivateKey.generate()
    store = Store.open(url)
    try:
        seal(store.engine, key)  # what came before this run (seeding, the last run)
        while not stop.is_set():
            stop.wait(0.25)
            with store.reading() as s:  # the tail's age just before this round seals it
                oldest = s.scalar(
                    select(func.min(AuditEventRow.recorded_at)).where(AuditEventRow.block.is_(None))
                )
                # Sessions waiting on a lock right now: none means no lock serialises them.
                waits.append(
                    s.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
                        )
                    ).scalar_one()
                )
            if oldest is not None:
                lags.append((datetime.now(UTC) - oldest).total_seconds())
            seal(store.engine, key)
        seal(store.engine, key)
    finally:
        store.close()


def run(url: str, names: list[str], n: int, seconds: float, edit_every: int, audited: bool):  # type: ignore[no-untyped-def]
    ctx = mp.get_context("spawn")
    out: Any = ctx.Queue()
    with Store.open(url).engine.connect() as conn:
        notes_before = conn.execute(select(func.count()).select_from(NoteRow)).scalar_one()
    go, ready = ctx.Value("d", 0.0), ctx.Queue()
    procs = [
        ctx.Process(
            target=worker, args=(url, names[i], seconds, edit_every, audited, go, ready, out)
        )
        for i in range(n)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=600)
    go.value = time.time() + 0.5
    stop, lags, waits = threading.Event(), [], []
    seal_thread = threading.Thread(target=sealer, args=(url, stop, lags, waits), daemon=True)
    seal_thread.start()
    busy = _cpu_busy()
    results = [out.get(timeout=seconds + 300) for _ in procs]
    cpu = _cpu_busy(busy)
    for p in procs:
        p.join(60)
    stop.set()
    seal_thread.join(60)
    views = [v for _, vs, _ in results for v in vs]
    notes = sum(k for _, _, k in results)
    with Store.open(url).engine.connect() as conn:
        notes_after = conn.execute(select(func.count()).select_from(NoteRow)).scalar_one()
    lost = notes - (notes_after - notes_before)
    p95 = statistics.quantiles(views, n=20)[18] * 1000 if len(views) >= 20 else float("nan")
    return {
        "views_s": len(views) / seconds,
        "edits_s": notes / seconds,
        "p95_ms": p95,
        "lag_s": max(lags) if lags else 0.0,
        "lost": lost,
        "lock_waits": max(waits) if waits else 0,
        "cpu": cpu,
    }


def _cpu_busy(since: tuple[int, int] | None = None) -> Any:
    """The machine's CPU ticks (busy, total); given a start, the busy share since then."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    now = (sum(fields) - fields[3] - fields[4], sum(fields))
    if since is None:
        return now
    total = now[1] - since[1]
    return (now[0] - since[0]) / total if total else 0.0


def rls_queue(url: str, names: list[str], repeats: int, scope: QueueScope) -> tuple[float, float]:
    """Median ms of one coordinator's queue: as their own login (RLS on), and the same
    query as the schema owner (RLS does not apply to the table owner)."""
    from pcc_tui.core.services.reads import queue_request
    from pcc_tui.core.store.queries.queue import load_queue

    owner = Store.open(url)
    person = Store.open(person_url(url, names[0]))
    actor = resolve_actor(owner, names[0])
    req = queue_request(owner, actor, scope)
    timings: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(repeats):
        for label, store in (("on", person), ("off", owner)):
            with store.reading() as s:
                t0 = time.perf_counter()
                load_queue(s, req)
                timings[label].append(time.perf_counter() - t0)
    owner.close()
    person.close()
    return statistics.median(timings["on"]) * 1000, statistics.median(timings["off"]) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--coordinators", default="1,8,32,128", help="N values, comma-separated")
    ap.add_argument("--seconds", type=float, default=10.0, help="each run's length")
    ap.add_argument("--edit-every", type=int, default=10, help="one note per this many views")
    ap.add_argument("--patients", type=int, default=2000, help="patients for the workload")
    ap.add_argument("--rls-patients", type=int, default=100_000, help="patients for RLS cost")
    ap.add_argument("--pg-url", help="an existing empty database (else a throwaway cluster)")
    args = ap.parse_args()
    counts = [int(c) for c in args.coordinators.split(",")]
    settings = f"-c max_connections={max(counts) * 2 + 40}"
    print(f"PostgreSQL, fsync on; {args.patients:,} patients; {args.seconds:.0f} s per run;")
    print(f"one note per {args.edit_every} chart views; each coordinator its own login\n")
    for _backend, url in databases("postgresql", args.pg_url, settings):
        names = build(url, args.patients, max(counts))
        rows = []
        for n in counts:
            on = run(url, names, n, args.seconds, args.edit_every, True)
            off = run(url, names, n, args.seconds, args.edit_every, False)
            rows.append((n, on, off))
        base = rows[0][1]["views_s"] or 1.0
        head = f"{'N':>4} {'views/s':>9} {'edits/s':>8} {'chart p95 ms':>13} {'seal lag s':>11}"
        head += f" {'lost':>5} {'x N=1':>6} {'unaudited views/s':>18} {'audited/unaud.':>15}"
        print(head + f" {'lock waits':>11} {'CPU busy':>9}")
        for n, on, off in rows:
            ratio = on["views_s"] / off["views_s"] if off["views_s"] else float("nan")
            print(
                f"{n:>4} {on['views_s']:>9.0f} {on['edits_s']:>8.1f} {on['p95_ms']:>13.1f}"
                f" {on['lag_s']:>11.2f} {on['lost']:>5} {on['views_s'] / base:>6.2f}"
                f" {off['views_s']:>18.0f} {ratio:>15.2f} {on['lock_waits']:>11}"
                f" {on['cpu']:>8.0%}"
            )
        print(f"(this machine: {os.cpu_count()} CPUs, shared by the N clients and the server)")
        print("targets: x N=1 >= 4 at N=32; audited/unaudited >= 0.80; lost = 0\n")
    for _backend, url in databases("postgresql", args.pg_url, settings):
        names = build(url, args.rls_patients, 1)
        print(f"queue at {args.rls_patients:,} patients, median of 30 (target: on/off >= 0.80)")
        for scope in (QueueScope.WARD, QueueScope.MINE):
            on_ms, off_ms = rls_queue(url, names, 30, scope)
            print(
                f"  {scope.value:5} RLS on (own login) {on_ms:7.1f} ms   RLS off (owner)"
                f" {off_ms:7.1f} ms   speed on/off {off_ms / on_ms:.2f}"
            )


if __name__ == "__main__":
    main()
