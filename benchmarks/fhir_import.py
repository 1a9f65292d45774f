"""FHIR import benchmark: every bundle of a folder into a fresh SQLite and a fresh PostgreSQL
database, next to fhir.resources' parse-only throughput on the same files. Prints a table;
asserts nothing.

    python benchmarks/fhir_import.py                                  # fixtures/fhir/synthea
    python benchmarks/fhir_import.py --folder ../shared/fhir/synthea  # the 36 shared bundles

Parse-only is `Bundle.model_validate_json` (fhir.resources R4B) of each whole file. The
import parses only what it keeps, writes in one transaction per bundle, and is audited.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_databases import databases  # noqa: E402
from pcc_tui.core.domain.models import Coordinator  # noqa: E402
from pcc_tui.core.interop.fhir_files import read_all  # noqa: E402
from pcc_tui.core.services.context import Actor  # noqa: E402
from pcc_tui.core.services.fhir_import import WANTED, import_unit  # noqa: E402
from pcc_tui.core.services.patients import add_coordinator  # noqa: E402
from pcc_tui.core.store.database import Store  # noqa: E402
from pcc_tui.core.store.engine import make_engine  # noqa: E402
from pcc_tui.core.store.migrate import upgrade  # noqa: E402

SYSTEM = Actor("system", None, "admin", "System")


def parse_only(files: list[Path]) -> float:
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate_json(files[0].read_bytes())  # import the models once, untimed
    started = time.perf_counter()
    for path in files:
        Bundle.model_validate_json(path.read_bytes())
    return time.perf_counter() - started


def import_all(url: str, files: list[Path]) -> tuple[float, int]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    try:
        cid = add_coordinator(store, SYSTEM, Coordinator(username="bench", display_name="Bench"))
        actor = Actor("bench", cid, "coordinator", "Bench")
        failed = 0
        started = time.perf_counter()
        for _path, units, problems in read_all(files, WANTED):
            failed += bool(problems) and not units
            for unit in units:
                import_unit(store, actor, "bench", unit)
        return time.perf_counter() - started, failed
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", type=Path, default=ROOT / "fixtures" / "fhir" / "synthea")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*.json"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    rows: list[tuple[str, float, int]] = [("parse only (fhir.resources R4B)", parse_only(files), 0)]
    for backend, url in databases(args.backends):
        seconds, failed = import_all(url, files)
        rows.append((f"import into {backend}", seconds, failed))
    print(
        f"\npcc FHIR import benchmark: {len(files)} files, {megabytes:.1f} MB ({args.folder.name})"
    )
    print(f"{'':34}{'seconds':>9}{'bundles/s':>11}{'MB/s':>8}{'failed':>8}")
    for label, seconds, failed in rows:
        print(
            f"{label:34}{seconds:>9.2f}{len(files) / seconds:>11.1f}"
            f"{megabytes / seconds:>8.1f}{failed:>8}"
        )
    print("target: import at least as fast as parse-only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
