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
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_databases import databases  # noqa: E402
from pcc_tui.core.domain.models import Coordinator  # noqa: E402
from pcc_tui.core.services.context import Actor  # noqa: E402
from pcc_tui.core.services.fhir_run import Tally, import_files  # noqa: E402
from pcc_tui.core.services.patients import add_coordinator  # noqa: E402
from pcc_tui.core.store.database import Store  # noqa: E402
from pcc_tui.core.store.engine import make_engine  # noqa: E402
from pcc_tui.core.store.migrate import upgrade  # noqa: E402

SYSTEM = Actor("system", None, "admin", "System")


def parse_only(files: list[Path]) -> tuple[float, int, int]:
    """fhir.resources R4B validation of every resource of every file (a bundle whole, an
    ndjson file line by line): seconds, resources, files it refused."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    get_fhir_model_class("Patient")  # import the models once, untimed
    resources = refused = 0
    started = time.perf_counter()
    for path in files:
        try:
            if path.suffix == ".ndjson":
                for line in path.read_bytes().splitlines():
                    if line.strip():
                        rtype = json.loads(line)["resourceType"]
                        get_fhir_model_class(rtype).model_validate_json(line)
                        resources += 1
            else:
                data = path.read_bytes()
                if b'"Bundle"' in data[:200]:
                    resources += len(Bundle.model_validate_json(data).entry or [])
                else:
                    rtype = json.loads(data)["resourceType"]
                    get_fhir_model_class(rtype).model_validate_json(data)
                    resources += 1
        except Exception:  # a file fhir.resources refuses counts; the run goes on
            refused += 1
    return time.perf_counter() - started, resources, refused


def import_all(url: str, files: list[Path]) -> tuple[float, int, int]:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store.open(url)
    try:
        cid = add_coordinator(store, SYSTEM, Coordinator(username="bench", display_name="Bench"))
        actor = Actor("bench", cid, "coordinator", "Bench")
        tally = Tally(lambda _line: None)
        started = time.perf_counter()
        import_files(store, actor, "bench", files, tally)
        seconds = time.perf_counter() - started
        return seconds, tally.resources + sum(tally.not_kept.values()), tally.failed
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--folder", type=Path, default=ROOT / "fixtures" / "fhir" / "synthea")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix in (".json", ".ndjson"))
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    seconds, resources, refused = parse_only(files)
    rows = [("parse only (fhir.resources R4B)", seconds, resources, refused)]
    for backend, url in databases(args.backends):
        rows.append((f"import into {backend}", *import_all(url, files)))
    print(
        f"\npcc FHIR import benchmark: {len(files)} files, {megabytes:.1f} MB ({args.folder.name})"
    )
    print(f"{'':34}{'seconds':>9}{'resources/s':>13}{'MB/s':>8}{'x parse':>9}{'failed':>8}")
    for label, secs, count, failed in rows:
        print(
            f"{label:34}{secs:>9.2f}{count / secs:>13.0f}{megabytes / secs:>8.1f}"
            f"{rows[0][1] / secs:>9.2f}{failed:>8}"
        )
    print("target: import at least as fast as parse-only (x parse >= 1.0) on both databases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
