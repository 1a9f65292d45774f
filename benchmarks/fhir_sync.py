"""EHR sync benchmark: a full `pcc sync fhir` from the SMART Bulk Data reference server
(../shared/fhir-server, built by its setup.sh) into a fresh SQLite and a fresh PostgreSQL
database, each as its own `pcc` process (wall time, peak resident memory), next to
fhir.resources' parse-only validation of the same ndjson bytes in the same run. Prints a
table; asserts nothing.

    python benchmarks/fhir_sync.py [--backends sqlite,postgresql] [--types Patient,Encounter]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fhir_server import start, unavailable  # noqa: E402

from bench_databases import databases  # noqa: E402
from pcc_tui.core.config import EhrSettings  # noqa: E402
from pcc_tui.core.interop.smart_auth import generate_key, jwks, load_key  # noqa: E402
from pcc_tui.core.services.fhir_sync import client_for  # noqa: E402
from pcc_tui.core.store.engine import make_engine  # noqa: E402
from pcc_tui.core.store.migrate import upgrade  # noqa: E402

MEMORY_TARGET_MB = 500


def fetch(ehr: EhrSettings, folder: Path) -> tuple[list[Path], int]:
    """The same export, downloaded for the parse-only row."""
    with httpx.Client(timeout=120) as http:
        client = client_for(http, ehr, now=lambda: datetime.now(UTC))
        from pcc_tui.core.interop.bulk_export import ExportRequest

        status = client.kick_off(ExportRequest(types=tuple(ehr.types)))
        manifest = client.wait_for(status)
        paths = []
        for n, item in enumerate(manifest.output):
            dest = folder / f"{n:04d}.{item.type}.ndjson"
            client.download(item, dest, manifest.requires_token)
            paths.append(dest)
        client.cancel(status)
    return paths, sum(p.stat().st_size for p in paths)


def parse_only(paths: list[Path]) -> tuple[float, int]:
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class("Patient")
    count = 0
    started = time.perf_counter()
    for path in paths:
        for line in path.read_bytes().splitlines():
            if line.strip():
                get_fhir_model_class(json.loads(line)["resourceType"]).model_validate_json(line)
                count += 1
    return time.perf_counter() - started, count


SYNC = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
import httpx
from pcc_tui.core.config import EhrSettings
from pcc_tui.core.domain.models import Coordinator
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.fhir_run import Tally
from pcc_tui.core.services.fhir_sync import client_for, sync
from pcc_tui.core.services.patients import add_coordinator
from pcc_tui.core.store.database import Store
url, settings, work = sys.argv[1], json.loads(sys.argv[2]), Path(sys.argv[3])
store = Store.open(url)
cid = add_coordinator(store, Actor("system", None, "admin", "System"),
                      Coordinator(username="bench", display_name="Bench"))
actor = Actor("bench", cid, "coordinator", "Bench")
ehr = EhrSettings.model_validate(settings)
tally = Tally(lambda _line: None)
with httpx.Client(timeout=120) as http:
    client = client_for(http, ehr, now=lambda: datetime.now(UTC))
    result = sync(store, actor, ehr, client, tally, full=True, work=work)
print(json.dumps({"seconds": result.seconds, "failed": tally.failed, **result.phases,
                  "left_out": sum(tally.left_out.values()), "resources": tally.resources}))
"""


def sync_process(url: str, ehr: EhrSettings, work: Path) -> tuple[float, float, dict[str, float]]:
    """A full sync in its own process: wall seconds, peak resident memory (MB), its counts."""
    err = work / "sync.err"
    with err.open("w") as fh:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", SYNC, url, ehr.model_dump_json(), str(work / "dl")],
            stdout=subprocess.PIPE,
            stderr=fh,
            text=True,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"the sync failed: {err.read_text()[-1500:]}")
    return seconds, usage.ru_maxrss / 1024, json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--types", default="", help="_type (default: everything)")
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        raise SystemExit(reason)
    server = start()
    work = Path(tempfile.mkdtemp(prefix="pcc-sync-bench-"))
    try:
        key = work / "ehr.pem"
        generate_key(key)
        types = [t for t in args.types.split(",") if t]
        ehr = EhrSettings(
            base_url=server.secure_base,
            client_id=server.register(jwks(load_key(key))),
            key_file=str(key),
            types=types,
            poll_cap_seconds=2,
        )
        paths, size = fetch(ehr, work)
        megabytes = size / 1e6
        seconds, resources = parse_only(paths)
        rows = [("parse only (fhir.resources R4B)", seconds, float("nan"))]
        phases = []
        for backend, url in databases(args.backends):
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            secs, peak, counts = sync_process(url, ehr, work)
            failed = " (FAILED UNITS)" if counts["failed"] else ""
            rows.append((f"full sync into {backend}{failed}", secs, peak))
            rows.append((f"  of which the import into {backend}", counts["import"], peak))
            phases.append((backend, counts))
        print(
            f"\npcc sync fhir benchmark: the reference server's export, {resources:,} resources,"
            f" {megabytes:.1f} MB of ndjson, {len(paths)} files"
        )
        print(f"{'':34}{'seconds':>9}{'resources/s':>13}{'MB/s':>8}{'x parse':>9}{'peak MB':>9}")
        for label, secs, peak in rows:
            print(
                f"{label:34}{secs:>9.2f}{resources / secs:>13.0f}{megabytes / secs:>8.1f}"
                f"{rows[0][1] / secs:>9.2f}{peak:>9.0f}"
            )
        for backend, counts in phases:
            print(
                f"{backend}: server preparing the export {counts['export']:.1f} s, downloads"
                f" {counts['download']:.1f} s, import {counts['import']:.1f} s"
            )
        print(
            "targets: import at least as fast as parse-only (x parse >= 1.0); a full sync in"
            f" one run with peak memory <= {MEMORY_TARGET_MB} MB"
        )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
