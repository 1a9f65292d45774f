"""`pcc import fhir PATH...`: FHIR R4 bundles, resources, Bulk Data ndjson and folders."""

from __future__ import annotations

import argparse
import sys
import time
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
    from pcc_tui.core.services.fhir_run import Tally, import_files

    started = time.perf_counter()
    show_progress = sys.stderr.isatty()

    def progress(tally: Tally) -> None:
        if show_progress:
            print(f"\r  {tally.files} files, {tally.failed} failed", end="", file=sys.stderr)

    tally = Tally(lambda line: print(line, file=sys.stderr))
    assign = _assign(store, actor, args)
    import_files(store, actor, args.source, args.paths, tally, assign, progress)
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
