"""`pcc import fhir PATH...`: FHIR R4 bundles, resources, Bulk Data ndjson and folders."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def add_commands(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[..., None],
) -> Any:
    """Adds `pcc import fhir`; returns the FORMAT subparsers (HL7 adds its own)."""
    imp = sub.add_parser("import", help="import data from an EHR or a hospital feed")
    imp_sub = imp.add_subparsers(dest="import_command", metavar="FORMAT", required=True)
    fhir = imp_sub.add_parser("fhir", help="FHIR R4 bundles, resources, .ndjson, folders")
    common(fhir)
    fhir.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    fhir.add_argument(
        "--source",
        default="ehr",
        help="where the data comes from; re-imports match on source + FHIR id (default: ehr)",
    )
    return imp_sub


def cmd_import(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.interop.fhir_files import expand, read_all
    from pcc_tui.core.services.fhir_import import WANTED, UnitRefused, import_unit

    started = time.perf_counter()
    created: Counter[str] = Counter()
    updated: Counter[str] = Counter()
    unchanged: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    files = failed = 0
    show_progress = sys.stderr.isatty()
    total = len(expand(args.paths)[0])
    for path, units, problems in read_all(args.paths, WANTED):
        if path is not None:
            files += 1
        file_failed = bool(problems) and not units
        for problem in problems:
            print(f"pcc: {problem.line()}", file=sys.stderr)
        for unit in units:
            try:
                result = import_unit(store, actor, args.source, unit)
            except UnitRefused as exc:
                file_failed = True
                for problem in exc.problems:
                    print(f"pcc: {problem.line()}", file=sys.stderr)
                continue
            created += result.created
            updated += result.updated
            unchanged += result.unchanged
            skipped += result.skipped
            for warning in result.warnings:
                print(f"pcc: warning: {warning.line()}", file=sys.stderr)
        failed += file_failed
        if show_progress:
            done = int(30 * files / max(total, 1))
            bar = "#" * done + "." * (30 - done)
            print(
                f"\r  [{bar}] {files}/{total} files, {failed} failed",
                end="",
                file=sys.stderr,
                flush=True,
            )
    if show_progress:
        print(file=sys.stderr)

    def listed(counts: Counter[str]) -> str:
        return ", ".join(f"{t} {n}" for t, n in sorted(counts.items())) or "none"

    print(
        f"files {files}, failed {failed}, patients {created['Patient'] + updated['Patient']}, "
        f"{time.perf_counter() - started:.1f} s\n"
        f"created: {listed(created)}\nupdated: {listed(updated)}\n"
        f"unchanged: {listed(unchanged)}\nskipped (not mapped): {listed(skipped)}"
    )
    return 1 if failed else 0
