"""`pcc export ics|fhir`: a patient's appointments as iCalendar, records as FHIR R4.

Files are owner-only and whole: written beside the target and renamed into place inside the
audited action, so a failed write is audited as a failed export and leaves no partial file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from pcc_tui.core.errors import ExportFailed, PccError
from pcc_tui.core.services.context import Actor
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.files import private_folder


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


class PrivateFile:
    """An owner-only file written whole or not at all: a temporary file beside it, renamed
    into place on `commit`; any OS error is ExportFailed (audited as a failed export), and
    the temporary file goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise ExportFailed(f"cannot write {path}: it is a folder")
        if not path.parent.is_dir():
            raise ExportFailed(f"cannot write {path}: the folder {path.parent} does not exist")
        self.part = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            self.fd = os.open(self.part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.fchmod(self.fd, 0o600)
        except OSError as exc:
            raise ExportFailed(f"cannot write {path}: {exc.strerror}") from None

    def write(self, data: bytes) -> None:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError as exc:
            self.abandon()
            raise ExportFailed(f"cannot write {self.path}: {exc.strerror}") from None

    def commit(self) -> None:
        try:
            os.fsync(self.fd)
            os.close(self.fd)
            os.replace(self.part, self.path)
        except OSError as exc:
            self.abandon()
            raise ExportFailed(f"cannot write {self.path}: {exc.strerror}") from None

    def abandon(self) -> None:
        with suppress(OSError):
            os.close(self.fd)
        with suppress(OSError):
            self.part.unlink()


def cmd_export(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    if args.export_command == "fhir":
        return _export_fhir(args, store, actor)
    from pcc_tui.core.services.calendar_export import appointments_ics

    if not args.out:
        data, count = appointments_ics(store, actor, args.patient)
        return _to_stdout(data)
    out = PrivateFile(Path(args.out))
    try:
        _data, count = appointments_ics(store, actor, args.patient, sink=_whole(out))
    except BaseException:
        out.abandon()
        raise
    print(f"wrote {count} upcoming appointment(s) to {args.out}", file=sys.stderr)
    return 0


def _whole(out: PrivateFile) -> Callable[[bytes], None]:
    def sink(data: bytes) -> None:
        out.write(data)
        out.commit()

    return sink


def _to_stdout(data: bytes) -> int:
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0


def _export_fhir(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services import fhir_export

    if args.all:
        return _export_all(args, store, actor)
    if not args.out:
        data, counts = fhir_export.patient_bundle(store, actor, args.patient)
        return _to_stdout(data)
    out = PrivateFile(Path(args.out))
    try:
        _data, counts = fhir_export.patient_bundle(store, actor, args.patient, sink=_whole(out))
    except BaseException:
        out.abandon()
        raise
    print(f"wrote {sum(counts.values())} resources to {args.out}", file=sys.stderr)
    return 0


def _export_all(args: argparse.Namespace, store: Store, actor: Actor) -> int:
    from pcc_tui.core.services import fhir_export

    if not args.out:
        raise PccError("--all writes one file per resource type: give --out DIR")
    folder = Path(args.out)
    try:
        private_folder(folder)
    except OSError as exc:
        raise ExportFailed(f"cannot make the folder {folder}: {exc.strerror}") from None
    files: dict[str, PrivateFile] = {}

    def write(rtype: str, line: str) -> None:
        if rtype not in files:
            files[rtype] = PrivateFile(folder / f"{rtype}.ndjson")
        files[rtype].write(line.encode() + b"\n")

    try:
        counts = fhir_export.bulk(store, actor, write)
        for file in files.values():
            file.commit()
    except BaseException:
        for file in files.values():
            file.abandon()
        raise
    print(
        f"wrote {sum(counts.values())} resources in {len(counts)} files to {folder}",
        file=sys.stderr,
    )
    return 0
