"""The databases a benchmark runs on: a fresh SQLite file, and PostgreSQL from an existing
empty database (`--pg-url`) or a throwaway durable cluster from Debian's packages."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pg_cluster import PgCluster, find_pg_bin


def databases(
    backends: str, pg_url: str | None = None, pg_settings: str = ""
) -> Iterator[tuple[str, str]]:
    """(backend, URL of an empty database) for each of the comma-separated `backends`; the
    temporary folder and cluster are removed when the caller's loop ends."""
    work = Path(tempfile.mkdtemp(prefix="pcc-bench-"))
    cluster: PgCluster | None = None
    try:
        for backend in backends.split(","):
            if backend == "sqlite":
                yield backend, f"sqlite:///{work / 'bench.db'}"
            elif pg_url:
                yield backend, pg_url
            else:
                bin_dir = find_pg_bin()
                if bin_dir is None:
                    print("PostgreSQL binaries not found; skipping postgresql", file=sys.stderr)
                    continue
                cluster = PgCluster.start(bin_dir, durable=True, settings=pg_settings)
                yield backend, cluster.create_database("bench")
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
