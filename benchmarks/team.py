"""Team benchmark: N coordinators (separate processes) each make M edits to a small set of
shared plan steps, as fast as they can, through the real services. Prints a table; asserts
nothing (the targets are printed beside the figures).

Each edit is a read-modify-write of a counter kept in the step's business status, saved with
the version it read. A refused save (someone saved first) is a conflict surfaced to the
"user"; the simulated user re-applies on top of theirs, as the conflict view offers. At the
end the counters must add up to N x M: any shortfall is a lost update. A change feed in this
process times each commit's notice (commit time in the change log -> callback).

    python benchmarks/team.py                        # 8 x 200 on PostgreSQL and SQLite
    python benchmarks/team.py --coordinators 16 --edits 300 --steps 5 --backends postgresql
    python benchmarks/team.py --pg-url postgresql://user@host/db   # an existing empty db
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench_databases import databases
from pcc_tui.core.domain.models import CarePlan, Coordinator, Patient, PlanStep
from pcc_tui.core.errors import ConflictError
from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.services.patients import add_coordinator, register_patient
from pcc_tui.core.services.plans import set_step_status, start_care_plan
from pcc_tui.core.store.changes import Change
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.feed import ChangeFeed
from pcc_tui.core.store.migrate import upgrade
from pcc_tui.core.store.tables import PlanStepRow

SYSTEM = Actor("system", None, "admin", "System")


def build(url: str, coordinators: int, steps: int) -> list[int]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    try:
        for n in range(coordinators):
            add_coordinator(
                store,
                SYSTEM,
                Coordinator(username=f"c{n}", display_name=f"Coordinator {n}", ward="4 North"),
            )
        lead = resolve_actor(store, "c0")
        pid = register_patient(
            store,
            lead,
            Patient.model_validate(
                {
                    "mrn": "BENCH-1",
                    "family_name": "Bench",
                    "given_name": "Mark",
                    "birth_date": date(1950, 1, 1),
                    "sex": "male",
                    "ward": "4 North",
                    "coordinator_id": lead.coordinator_id,
                }
            ),
        )
        plan_steps = [
            PlanStep(
                care_plan_id=0,
                patient_id=pid,
                title=f"Shared step {i}",
                due_by=date(2030, 1, 1),
                owner_id=lead.coordinator_id,
                business_status="count=0",
            )
            for i in range(steps)
        ]
        start_care_plan(
            store,
            lead,
            CarePlan(patient_id=pid, title="Shared", period_start=date(2026, 1, 1)),
            plan_steps,
        )
        with store.reading() as session:
            return list(session.scalars(select(PlanStepRow.id).order_by(PlanStepRow.id)))
    finally:
        store.close()


def coordinator(
    url: str, name: str, edits: int, step_ids: list[int], start: object, out: object
) -> None:
    store = Store.open(url)
    actor = resolve_actor(store, name)
    rng = random.Random(name)
    conflicts = 0
    start.wait()  # type: ignore[attr-defined]
    began = time.perf_counter()
    for _ in range(edits):
        step_id = rng.choice(step_ids)
        while True:
            with store.reading() as session:
                version, status = session.execute(
                    select(PlanStepRow.version, PlanStepRow.business_status).where(
                        PlanStepRow.id == step_id
                    )
                ).one()
            count = int((status or "count=0").removeprefix("count="))
            try:
                set_step_status(
                    store, actor, step_id, version, business_status=f"count={count + 1}"
                )
                break
            except ConflictError:
                conflicts += 1  # surfaced; the user re-applies on top of theirs
    out.put((name, edits, conflicts, time.perf_counter() - began))  # type: ignore[attr-defined]
    store.close()


def run(url: str, n: int, m: int, steps: int) -> dict[str, float]:
    step_ids = build(url, n, steps)
    listener = Store.open(url)
    latencies: list[float] = []

    def heard(found: list[Change]) -> None:
        now = datetime.now(UTC)
        latencies.extend((now - c.at).total_seconds() * 1000 for c in found)

    stop = threading.Event()
    feed = ChangeFeed(listener, heard)
    watcher = threading.Thread(target=feed.run, args=(stop,), daemon=True)
    watcher.start()
    time.sleep(1.0)  # subscribed
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=coordinator, args=(url, f"c{i}", m, step_ids, start, out))
        for i in range(n)
    ]
    for p in procs:
        p.start()
    time.sleep(2.0)  # every process imported and connected
    began = time.perf_counter()
    start.set()
    results = [out.get(timeout=900) for _ in procs]
    wall = time.perf_counter() - began
    for p in procs:
        p.join()
    deadline = time.monotonic() + 5
    while len(latencies) < n * m and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    watcher.join(timeout=5)
    with listener.reading() as session:
        counts = session.scalars(
            select(PlanStepRow.business_status).where(PlanStepRow.id.in_(step_ids))
        ).all()
    listener.close()
    total = sum(int((c or "count=0").removeprefix("count=")) for c in counts)
    done = sum(r[1] for r in results)
    ordered = sorted(latencies) or [float("nan")]
    return {
        "edits": done,
        "edits/s": done / wall,
        "lost": done - total,
        "conflicts": sum(r[2] for r in results),
        "notices": len(latencies),
        "median": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "wall": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--coordinators", type=int, default=8)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10, help="shared steps (fewer: more clashes)")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--pg-url", help="an existing empty PostgreSQL database to use")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for backend, url in databases(args.backends, args.pg_url):
        print(f"running on {backend} ...", file=sys.stderr, flush=True)
        results[backend] = run(url, args.coordinators, args.edits, args.steps)

    print(
        f"\npcc team benchmark: {args.coordinators} coordinators (processes) x {args.edits} edits"
        f" on {args.steps} shared steps"
    )
    print(f"{'':34}" + "".join(f"{b:>14}" for b in results))
    rows = [
        ("edits committed", "edits", "{:.0f}", ""),
        ("edits per second", "edits/s", "{:.0f}", ""),
        ("lost updates", "lost", "{:.0f}", "must be 0"),
        ("conflicts surfaced (re-applied)", "conflicts", "{:.0f}", ""),
        ("change notices received", "notices", "{:.0f}", ""),
        ("change-to-notice median (ms)", "median", "{:.1f}", ""),
        ("change-to-notice p95 (ms)", "p95", "{:.1f}", "<= 1000 PostgreSQL, 2000 SQLite"),
    ]
    for label, key, fmt, target in rows:
        cells = "".join(f"{fmt.format(r[key]):>14}" for r in results.values())
        print(f"{label:34}{cells}" + (f"   {target}" if target else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
