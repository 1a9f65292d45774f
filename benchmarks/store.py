"""Store benchmark: build the 100k-patient scale set on SQLite and PostgreSQL, then time the
coordinator's reads. Prints a table; asserts nothing (targets are printed beside the figures).

    python benchmarks/store.py                 # 100,000 patients, both databases
    python benchmarks/store.py --patients 20000 --backends sqlite
    python benchmarks/store.py --patients 10000,100000,1000000 --sqlite-max 100000
    python benchmarks/store.py --pg-url postgresql://user@host/db   # an existing, empty database
    python benchmarks/store.py --patients 10000 --seeded 1000000=postgresql+psycopg://...
        # also measure a database seeded earlier (same seed_demo, same --seed): a million
        # patients take PostgreSQL about 40 minutes to load, so build it once and reuse it

PostgreSQL defaults to a throwaway cluster from Debian's packages, started on 127.0.0.1 with
normal durability (fsync on) and a server-sized buffer cache (shared_buffers 1 GB).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from bench_databases import databases
from pcc_tui.core.demo.seed import seed_demo
from pcc_tui.core.domain.read_models import QueueScope
from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.services.reads import queue_request, view_chart
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.engine import make_engine
from pcc_tui.core.store.migrate import upgrade
from pcc_tui.core.store.queries.chart import load_chart
from pcc_tui.core.store.queries.coverage import load_coverage
from pcc_tui.core.store.queries.queue import load_queue
from pcc_tui.core.store.queries.search import search_patients
from pcc_tui.core.store.queries.timeline import load_timeline
from pcc_tui.core.store.tables import CoordinatorRow, PatientRow

TARGETS_MS = {"queue (mine)": 5.0, "chart": 2.0, "search": 10.0}


def timed(fn: Callable[[], object], samples: int) -> tuple[float, float]:
    # The same samples once untimed first: their rows are in memory, as on a server that has
    # been up a while (at a million patients a first touch is a read from the OS cache).
    for _ in range(samples):
        fn()
    runs = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    runs.sort()
    return statistics.median(runs), runs[int(len(runs) * 0.95) - 1]


def search_terms(store: Store, rng: random.Random, n: int) -> list[str]:
    with store.reading() as s:
        sample = s.execute(
            select(
                PatientRow.family_name, PatientRow.given_name, PatientRow.mrn, PatientRow.birth_date
            ).where(PatientRow.id.in_([rng.randint(1, 1000) for _ in range(n)]))
        ).all()
    terms = []
    for i, (family, given, mrn, born) in enumerate(sample):
        word = family.lower()
        kind = i % 6
        if kind == 0:
            terms.append(word[:3])  # prefix
        elif kind == 1:
            terms.append(f"{family} {given[:2]}")  # name and given prefix
        elif kind == 2:
            terms.append(mrn)
        elif kind == 3:
            terms.append(born.isoformat())
        elif kind == 4 and len(word) > 4:
            terms.append(word[:2] + word[3] + word[2] + word[4:])  # two letters swapped
        else:
            terms.append(word[1:-1] if len(word) > 4 else word)  # substring
    return terms


def measure(store: Store, samples: int, seed: int) -> list[tuple[str, float, float]]:
    rng = random.Random(seed)
    with store.reading() as s:
        n_patients = s.scalar(select(func.count()).select_from(PatientRow)) or 0
        usernames = list(s.scalars(select(CoordinatorRow.username)))
        # Opening any patient's chart needs one in scope: supervisors see every caseload.
        supervisor = s.scalars(
            select(CoordinatorRow.username).where(CoordinatorRow.role == "supervisor")
        ).first()
    actors: list[Actor] = [
        resolve_actor(store, u) for u in rng.sample(usernames, min(50, len(usernames)))
    ]
    patients = [rng.randint(1, n_patients) for _ in range(samples)]
    terms = search_terms(store, rng, samples)
    today, now = store.clock.today(), store.clock.now()
    cycle = iter(range(10**9))

    def pick(items: list) -> object:  # type: ignore[type-arg]
        return items[next(cycle) % len(items)]

    def queue(scope: QueueScope) -> Callable[[], object]:
        # Only those the scope applies to: an admin has no caseload, a supervisor no ward.
        able = [
            a
            for a in actors
            if (scope is not QueueScope.MINE or a.coordinator_id is not None)
            and (scope is not QueueScope.WARD or a.ward)
        ]

        def run() -> object:
            actor = pick(able)
            assert isinstance(actor, Actor)
            with store.reading() as s:
                return load_queue(s, queue_request(store, actor, scope))

        return run

    def next_page() -> Callable[[], object]:
        """The page after the first ("]" on the everyone view)."""
        actor = actors[0]
        with store.reading() as s:
            first = load_queue(s, queue_request(store, actor, QueueScope.ALL))

        def run() -> object:
            req = replace(queue_request(store, actor, QueueScope.ALL), after=first.next_page)
            with store.reading() as s:
                return load_queue(s, req)

        return run

    def per_patient(fn: Callable[..., object], **kw: object) -> Callable[[], object]:
        def run() -> object:
            with store.reading() as s:
                return fn(s, pick(patients), **kw)

        return run

    def search() -> object:
        with store.reading() as s:
            return search_patients(s, str(pick(terms)))

    reviewer = resolve_actor(store, supervisor or usernames[0])

    def audited_chart() -> object:
        return view_chart(store, reviewer, int(pick(patients)))  # type: ignore[call-overload]

    rows = [
        ("queue (mine)", queue(QueueScope.MINE)),
        ("queue (my ward)", queue(QueueScope.WARD)),
        ("queue (everyone)", queue(QueueScope.ALL)),
        ("queue (everyone, next page)", next_page()),
        ("chart", per_patient(load_chart, today=today, now=now)),
        ("timeline", per_patient(load_timeline, today=today)),
        ("coverage", per_patient(load_coverage, today=today, now=now, stale_days=30)),
        ("search", search),
        ("chart + audit row (service)", audited_chart),
    ]
    out = []
    for name, fn in rows:
        n = samples if "everyone" not in name else max(10, samples // 10)
        med, p95 = timed(fn, n)
        out.append((name, med, p95))
    return out


def build(url: str, patients: int, seed: int) -> tuple[Store, float]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    t0 = time.perf_counter()
    seed_demo(store, patients=patients, seed=seed, chunk=5000)
    load = time.perf_counter() - t0
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return store, load


def sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",")]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--patients", type=sizes, default=[100_000], help="one size or several: 10000,100000"
    )
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--sqlite-max", type=int, default=10**9, help="sizes above this run on PostgreSQL only"
    )
    parser.add_argument("--pg-url", help="an existing empty PostgreSQL database to use")
    parser.add_argument(
        "--seeded",
        action="append",
        default=[],
        metavar="SIZE=URL",
        help="a database already seeded with SIZE patients (seed_demo, this --seed)",
    )
    args = parser.parse_args()
    results: dict[str, tuple[float, list[tuple[str, float, float]]]] = {}
    # Sized like a server for a 1 GB database (the 128 MB default buffer cache is for
    # laptops): shared_buffers 1 GB of this machine's 24 GB.
    server = "-c shared_buffers=1GB -c effective_cache_size=8GB"
    for patients in args.patients:
        backends = ",".join(
            b for b in args.backends.split(",") if b != "sqlite" or patients <= args.sqlite_max
        )
        # A fresh database (and cluster) per size: each size is measured on its own.
        for backend, url in databases(backends, args.pg_url, server):
            label = f"{backend} {patients:,}"
            print(f"building {label} patients ...", file=sys.stderr, flush=True)
            store, load = build(url, patients, args.seed)
            results[label] = (load, measure(store, args.samples, args.seed))
            store.close()
    for spec in args.seeded:
        size, url = spec.split("=", 1)
        store = Store.open(url)
        label = f"{store.dialect} {int(size):,}"
        print(f"measuring {label} (seeded before) ...", file=sys.stderr, flush=True)
        results[label] = (float("nan"), measure(store, args.samples, args.seed))
        store.close()
    print_results(results, args.samples)
    return 0


def print_results(
    results: dict[str, tuple[float, list[tuple[str, float, float]]]], samples: int
) -> None:
    print(f"\npcc store benchmark, {samples} samples per query; cells: median / p95 ms")
    print(f"{'':30}" + "".join(f"{label:>22}" for label in results))
    print(f"{'load (seed) seconds':30}" + "".join(f"{r[0]:>22.1f}" for r in results.values()))
    names = [n for n, _m, _p in next(iter(results.values()))[1]] if results else []
    for i, name in enumerate(names):
        cells = "".join(f"{f'{r[1][i][1]:.2f} / {r[1][i][2]:.2f}':>22}" for r in results.values())
        target = TARGETS_MS.get(name)
        print(f"{name:30}{cells}" + (f"   target <= {target:g} ms" if target else ""))
    growth(results, names)


def growth(
    results: dict[str, tuple[float, list[tuple[str, float, float]]]], names: list[str]
) -> None:
    """Median at the largest size over the median at the smallest, per backend."""
    by_backend: dict[str, list[tuple[int, list[tuple[str, float, float]]]]] = {}
    for label, (_load, rows) in results.items():
        backend, size = label.split(" ")
        by_backend.setdefault(backend, []).append((int(size.replace(",", "")), rows))
    for backend, runs in by_backend.items():
        if len(runs) < 2:
            continue
        (small, first), (large, last) = min(runs, key=lambda r: r[0]), max(runs, key=lambda r: r[0])
        print(f"\ngrowth on {backend}, {small:,} -> {large:,} patients (median ratio; target <= 2)")
        for i, name in enumerate(names):
            print(f"  {name:28}{last[i][1] / first[i][1]:>8.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
