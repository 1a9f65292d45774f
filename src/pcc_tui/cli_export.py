"""`pcc export ics`: a patient's upcoming appointments as an iCalendar file."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store


def add_commands(sub: argparse._SubParsersAction, common: Callable[..., None]) -> None:  # type: ignore[type-arg]
    export = sub.add_parser("export", help="export patient data (audited)")
    export_sub = export.add_subparsers(dest="export_command", metavar="FORMAT", required=True)
    ics = export_sub.add_parser("ics", help="a patient's upcoming appointments as iCalendar")
    common(ics)
    ics.add_argument("--patient", metavar="MRN", required=True, help="the patient's MRN")
    ics.add_argument("--out", metavar="FILE", help="write here (owner-only) instead of stdout")


def write_private(path: str, data: bytes) -> None:
    """Patient data on disk: readable by its owner only, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(data)


def cmd_export(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services.calendar_export import appointments_ics

    data, count = appointments_ics(store, actor, args.patient)
    if args.out:
        write_private(args.out, data)
        print(f"wrote {count} upcoming appointment(s) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0
