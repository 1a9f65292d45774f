"""`pcc export ics`: a patient's upcoming appointments as an iCalendar file."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from pcc_tui.core.errors import PccError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def add_commands(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:  # type: ignore[type-arg]
    export = sub.add_parser("export", help="export patient data (audited)")
    export_sub = export.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    ics = export_sub.add_parser("ics", help="a patient's upcoming appointments as iCalendar")
    common(ics)
    ics.add_argument("--patient", metavar="MRN", required=True, help="the patient's MRN")
    ics.add_argument("--out", metavar="FILE", help="write here (owner-only) instead of stdout")
    fhir = export_sub.add_parser("fhir", help="FHIR R4: a patient's Bundle, or --all as ndjson")
    common(fhir)
    who = fhir.add_mutually_exclusive_group(required=True)
    who.add_argument("--patient", metavar="MRN", help="one patient, as a collection Bundle")
    who.add_argument("--all", action="store_true", help="everyone, one ndjson per type (--out DIR)")
    fhir.add_argument("--out", metavar="PATH", help="file (--patient) or folder (--all)")


def write_private(path: str, data: bytes) -> None:
    """Patient data on disk: readable by its owner only, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def cmd_export(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    if args.export_command == "fhir":
        return _export_fhir(args, store, actor)
    from pcc_tui.core.services.calendar_export import appointments_ics

    data, count = appointments_ics(store, actor, args.patient)
    return _emit(data, args.out, f"{count} upcoming appointment(s)")


def _emit(data: bytes, out: str | None, what: str) -> int:
    """To the file (owner-only), or to stdout for a pipe."""
    if out:
        write_private(out, data)
        print(f"wrote {what} to {out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def _export_fhir(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services import fhir_export

    if args.all:
        if not args.out:
            raise PccError("--all writes one file per resource type: give --out DIR")
        folder = Path(args.out)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        lines: dict[str, list[str]] = {}
        counts = fhir_export.bulk(
            store, actor, lambda t, line: lines.setdefault(t, []).append(line)
        )
        for rtype, rows in lines.items():
            write_private(str(folder / f"{rtype}.ndjson"), ("\n".join(rows) + "\n").encode())
        print(
            f"wrote {sum(counts.values())} resources in {len(counts)} files to {folder}",
            file=sys.stderr,
        )
        return 0
    data, counts = fhir_export.patient_bundle(store, actor, args.patient)
    return _emit(data, args.out, f"{sum(counts.values())} resources")
