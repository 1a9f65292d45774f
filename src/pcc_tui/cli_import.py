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
    fhir.add_argument(
        "--allow-partial",
        action="store_true",
        help="exit 0 even when resources were left out (references that do not resolve)",
    )
    fhir.add_argument(
        "--coordinator",
        metavar="USERNAME",
        help="new patients join this coordinator's caseload (default: yours)",
    )
    fhir.add_argument("--ward", help="new patients are on this ward (a ward's team sees them)")
    return imp_sub


def cmd_import(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.interop.fhir_files import read_all
    from pcc_tui.core.services.fhir_import import ORDER, WANTED, import_unit
    from pcc_tui.core.services.fhir_resolve import RunIndex

    started = time.perf_counter()
    tally = Tally()
    assign = _assign(store, actor, args)
    run = RunIndex()
    show_progress = sys.stderr.isatty()
    files = read_all(args.paths, WANTED, ORDER)
    for path, units, problems in files:
        tally.files += path is not None
        failed = bool(problems)  # a file, an entry or an ndjson line that could not be read
        for problem in problems:
            print(f"pcc: {problem.line()}", file=sys.stderr)
        for unit in units:
            failed |= not tally.add(import_unit, store, actor, args.source, unit, run, assign)
        tally.failed += failed
        if show_progress and path is not None:
            print(f"\r  {tally.files} files, {tally.failed} failed", end="", file=sys.stderr)
    if show_progress:
        print(file=sys.stderr)
    print(tally.summary(time.perf_counter() - started))
    if tally.failed:
        return 1
    return 1 if tally.left_out and not args.allow_partial else 0


def _assign(store: Store, actor: Actor, args: argparse.Namespace) -> Any:
    from pcc_tui.core.errors import PccError
    from pcc_tui.core.services.accounts import coordinator_id_of
    from pcc_tui.core.services.fhir_import import Assign

    coordinator = actor.coordinator_id
    if args.coordinator:
        coordinator = coordinator_id_of(store, args.coordinator)
        if coordinator is None:
            raise PccError(f"no coordinator {args.coordinator!r}: see `pcc user list`")
    return Assign(coordinator_id=coordinator, ward=args.ward)


class Tally:
    """What a run did, for the summary and the exit status."""

    def __init__(self) -> None:
        self.files = self.failed = 0
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()
        self.not_kept: Counter[str] = Counter()
        self.left_out: Counter[str] = Counter()

    def add(self, importer: Callable[..., Any], *args: Any) -> bool:
        """Import one unit; False (each problem printed) if it was refused."""
        from pcc_tui.core.services.fhir_import import UnitRefused

        try:
            result = importer(*args)
        except UnitRefused as exc:
            for problem in exc.problems:
                print(f"pcc: {problem.line()}", file=sys.stderr)
            return False
        self.created += result.created
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.not_kept += result.skipped
        for problem in result.left_out:
            print(f"pcc: left out: {problem.line()}", file=sys.stderr)
            self.left_out[problem.resource_type or "resource"] += 1
        for warning in result.warnings:
            print(f"pcc: warning: {warning.line()}", file=sys.stderr)
        return True

    def summary(self, seconds: float) -> str:
        def listed(counts: Counter[str]) -> str:
            return ", ".join(f"{t} {n}" for t, n in sorted(counts.items())) or "none"

        patients = self.created["Patient"] + self.updated["Patient"] + self.unchanged["Patient"]
        lines = [
            f"files {self.files}, failed {self.failed}, patients {patients}, {seconds:.1f} s",
            f"created: {listed(self.created)}",
            f"updated: {listed(self.updated)}",
            f"unchanged: {listed(self.unchanged)}",
            f"left out (a reference that does not resolve): {listed(self.left_out)}",
            f"not kept, so not checked (pcc keeps no such records): {listed(self.not_kept)}",
        ]
        return "\n".join(lines)
