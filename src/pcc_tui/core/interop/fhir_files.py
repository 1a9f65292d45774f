"""Reading FHIR R4 files for import: Bundles (transaction, batch, collection, searchset),
single-resource JSON, Bulk Data `.ndjson`, and folders of these.

Parsing uses `fhir.resources.R4B`: structurally R4 for every resource type Synthea writes,
while the package's default (R5) models reject R4 data. A Bundle is one unit: if any entry
is invalid, the whole bundle is refused and each problem named (file, entry index, resource
type, what is wrong). Problem text never quotes the offending value: it may be patient data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

SUFFIXES = (".json", ".ndjson")
# Bulk Data writes one file per type (Patient.ndjson, Patient.000.ndjson...), each imported
# on its own: referenced types first, so references resolve against what is already in.
BULK_ORDER = (
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "RelatedPerson",
    "Encounter",
    "CarePlan",
)


def _reading_order(path: Path) -> tuple[int, str]:
    if path.suffix != ".ndjson":
        return (len(BULK_ORDER) + 1, path.name)
    rtype = path.name.split(".", 1)[0]
    rank = BULK_ORDER.index(rtype) if rtype in BULK_ORDER else len(BULK_ORDER)
    return (rank, path.name)


@dataclass(frozen=True)
class Problem:
    file: str
    entry: int | None  # bundle entry index, or ndjson line number
    resource_type: str | None
    what: str

    def line(self) -> str:
        where = self.file
        if self.entry is not None:
            where += f": entry {self.entry}"
        if self.resource_type:
            where += f" ({self.resource_type})"
        return f"{where}: {self.what}"


@dataclass
class Unit:
    """Resources imported together, in one transaction."""

    file: str
    kind: str  # bundle type, "resource" or "ndjson"
    resources: list[Any] = field(default_factory=list)


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read, in a stable order; folders are searched for .json and .ndjson files."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in SUFFIXES]
            files.extend(sorted(found, key=_reading_order))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), None, None, "no such file or folder"))
    return files, problems


def _model(resource_type: str) -> Any:
    """The R4B model class; KeyError for a type FHIR does not have."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except ValueError as exc:
        raise KeyError(resource_type) from exc


def _errors(exc: ValidationError) -> list[tuple[tuple[Any, ...], str]]:
    return [(tuple(e["loc"]), e["msg"]) for e in exc.errors(include_input=False)]


def _where(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "resource"


def read_json(path: Path) -> tuple[list[Unit], list[Problem]]:
    name = path.name
    try:
        raw = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        return [], [
            Problem(
                name,
                None,
                None,
                f"not valid JSON (truncated?): {exc.msg} at line {exc.lineno} column {exc.colno}",
            )
        ]
    except OSError as exc:
        return [], [Problem(name, None, None, f"cannot read: {exc.strerror}")]
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        return [], [Problem(name, None, None, "not a FHIR resource (no resourceType)")]
    if raw["resourceType"] != "Bundle":
        return _single(name, raw)
    return _bundle(name, raw)


def _single(name: str, raw: dict[str, Any]) -> tuple[list[Unit], list[Problem]]:
    rtype = raw["resourceType"]
    try:
        model = _model(rtype)
    except KeyError:
        return [], [Problem(name, None, rtype, "unknown resource type")]
    try:
        return [Unit(name, "resource", [model.model_validate(raw)])], []
    except ValidationError as exc:
        return [], [
            Problem(name, None, rtype, f"{_where(loc)}: {msg}") for loc, msg in _errors(exc)
        ]


def _bundle(name: str, raw: dict[str, Any]) -> tuple[list[Unit], list[Problem]]:
    from fhir.resources.R4B.bundle import Bundle

    entries = raw.get("entry") or []
    try:
        bundle = Bundle.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for loc, msg in _errors(exc):
            if len(loc) >= 2 and loc[0] == "entry" and isinstance(loc[1], int):
                index = loc[1]
                entry = entries[index] if index < len(entries) else {}
                rtype = (entry.get("resource") or {}).get("resourceType")
                problems.append(Problem(name, index, rtype, f"{_where(loc[2:])}: {msg}"))
            else:
                problems.append(Problem(name, None, "Bundle", f"{_where(loc)}: {msg}"))
        return [], problems
    resources = [e.resource for e in bundle.entry or [] if e.resource is not None]
    return [Unit(name, str(bundle.type), resources)], []


def read_ndjson(path: Path) -> tuple[list[Unit], list[Problem]]:
    """Bulk Data: one resource per line. A bad line is reported and skipped; the good lines
    of the file are one unit."""
    name = path.name
    unit = Unit(name, "ndjson")
    problems: list[Problem] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, None, None, f"cannot read: {exc}")]
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, number, None, f"not valid JSON: {exc.msg}"))
            continue
        rtype = raw.get("resourceType") if isinstance(raw, dict) else None
        if not isinstance(rtype, str):
            problems.append(Problem(name, number, None, "not a FHIR resource (no resourceType)"))
            continue
        try:
            unit.resources.append(_model(rtype).model_validate(raw))
        except KeyError:
            problems.append(Problem(name, number, rtype, "unknown resource type"))
        except ValidationError as exc:
            problems.extend(
                Problem(name, number, rtype, f"{_where(loc)}: {msg}") for loc, msg in _errors(exc)
            )
    return ([unit] if unit.resources else []), problems


def read(path: Path) -> tuple[list[Unit], list[Problem]]:
    return read_ndjson(path) if path.suffix == ".ndjson" else read_json(path)


def read_all(paths: Iterable[Path]) -> Iterator[tuple[Path | None, list[Unit], list[Problem]]]:
    """Each file's units and problems, file by file (so a caller can show progress)."""
    files, missing = expand(paths)
    if missing:
        yield None, [], missing
    for path in files:
        units, problems = read(path)
        yield path, units, problems
