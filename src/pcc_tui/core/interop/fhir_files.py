"""Reading FHIR R4 files for import: Bundles (transaction, batch, collection, searchset),
single-resource JSON, Bulk Data `.ndjson`, and folders of these.

Parsing uses `fhir.resources.R4B`: structurally R4 for every resource type Synthea writes,
while the package's default (R5) models reject R4 data. A Bundle is one unit: if any entry
we keep is invalid, the whole bundle is refused and each problem named (file, entry index, resource
type, what is wrong). Problem text never quotes the offending value: it may be patient data.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
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
    resources: list[Any] = field(default_factory=list)  # validated models, with entry index
    positions: list[int] = field(default_factory=list)
    raw: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # read, not validated
    skipped: Counter[str] = field(default_factory=Counter)  # types nobody asked for


@dataclass(frozen=True)
class Wanted:
    """Which types to validate into models (None: all), and which to pass on as plain JSON
    (a few fields of them are enough). Everything else is only counted: parsing what is not
    kept would cost more than importing what is."""

    models: frozenset[str] | None = None
    raw: frozenset[str] = frozenset()

    def sort(self, rtype: str) -> str:
        if rtype in self.raw:
            return "raw"
        return "model" if self.models is None or rtype in self.models else "skip"


EVERYTHING = Wanted()
BUNDLE_TYPES = {
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
}


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


def _add(
    unit: Unit, index: int, raw: dict[str, Any], wanted: Wanted, problems: list[Problem]
) -> None:
    """Sort one resource into the unit: validated, passed on raw, or counted."""
    rtype = raw["resourceType"]
    kind = wanted.sort(rtype)
    if kind == "skip":
        unit.skipped[rtype] += 1
        return
    if kind == "raw":
        unit.raw.append((index, raw))
        return
    try:
        model = _model(rtype)
    except KeyError:
        problems.append(Problem(unit.file, index, rtype, "unknown resource type"))
        return
    try:
        unit.resources.append(model.model_validate(raw))
        unit.positions.append(index)
    except ValidationError as exc:
        problems.extend(
            Problem(unit.file, index, rtype, f"{_where(loc)}: {msg}") for loc, msg in _errors(exc)
        )


def read_json(path: Path, wanted: Wanted = EVERYTHING) -> tuple[list[Unit], list[Problem]]:
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
        return _single(name, raw, wanted)
    return _bundle(name, raw, wanted)


def _single(name: str, raw: dict[str, Any], wanted: Wanted) -> tuple[list[Unit], list[Problem]]:
    unit = Unit(name, "resource")
    problems: list[Problem] = []
    _add(unit, 0, raw, wanted, problems)
    problems = [replace(p, entry=None) for p in problems]  # a lone resource has no entries
    return ([] if problems else [unit]), problems


def _bundle(name: str, raw: dict[str, Any], wanted: Wanted) -> tuple[list[Unit], list[Problem]]:
    """All or nothing: any problem in an entry we keep refuses the whole bundle."""
    kind = raw.get("type")
    entries = raw.get("entry") or []
    if kind not in BUNDLE_TYPES:
        return [], [Problem(name, None, "Bundle", "type: not a Bundle.type code")]
    if not isinstance(entries, list):
        return [], [Problem(name, None, "Bundle", "entry: not a list")]
    unit = Unit(name, str(kind))
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            if not (isinstance(entry, dict) and "request" in entry and resource is None):
                problems.append(Problem(name, index, None, "resource: missing or no resourceType"))
            continue
        _add(unit, index, resource, wanted, problems)
    return ([] if problems else [unit]), problems


def read_ndjson(path: Path, wanted: Wanted = EVERYTHING) -> tuple[list[Unit], list[Problem]]:
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
        except (RecursionError, ValueError):
            problems.append(Problem(name, number, None, "not usable JSON (nesting or size)"))
            continue
        if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
            problems.append(Problem(name, number, None, "not a FHIR resource (no resourceType)"))
            continue
        _add(unit, number, raw, wanted, problems)
    keep = unit.resources or unit.raw or unit.skipped
    return ([unit] if keep else []), problems


def read(path: Path, wanted: Wanted = EVERYTHING) -> tuple[list[Unit], list[Problem]]:
    """One file's units and problems; no content makes this raise (the file is refused)."""
    try:
        if path.suffix == ".ndjson":
            return read_ndjson(path, wanted)
        return read_json(path, wanted)
    except RecursionError:
        return [], [Problem(path.name, None, None, "nested too deeply to be a FHIR resource")]
    except ValueError as exc:  # e.g. a number of thousands of digits
        return [], [Problem(path.name, None, None, f"not usable JSON: {str(exc)[:80]}")]


def read_all(
    paths: Iterable[Path], wanted: Wanted = EVERYTHING
) -> Iterator[tuple[Path | None, list[Unit], list[Problem]]]:
    """Each file's units and problems, file by file (so a caller can show progress)."""
    files, missing = expand(paths)
    if missing:
        yield None, [], missing
    for path in files:
        units, problems = read(path, wanted)
        yield path, units, problems
