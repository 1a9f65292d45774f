"""Reading FHIR R4 files for import: Bundles (transaction, batch, collection, searchset),
single-resource JSON, Bulk Data `.ndjson`, and folders of these.

A run is planned before anything is read in full: each file's resource types are found by a
scan of its bytes, and files are read in dependency order (directories of organisations and
practitioners, then patients, then the rest) whatever their names. Each file is decoded
strictly (UTF-8), with limits on size and nesting; a file that fails is named and the run goes
on with the next.

Parsing uses `fhir.resources.R4B`: structurally R4 for every resource type Synthea writes,
while the package's default (R5) models reject R4 data. A Bundle is one unit: if any entry
we keep is invalid, the whole bundle is refused and each problem named (file, entry index, resource
type, what is wrong). Problem text never quotes the offending value: it may be patient data.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

SUFFIXES = (".json", ".ndjson")
MAX_FILE_BYTES = 1 << 30  # 1 GiB: a Bulk Data file of Observations can be hundreds of MB
MAX_LINE_BYTES = 64 << 20  # one ndjson resource
MAX_DEPTH = 64  # real resources nest about 10 deep; pydantic gives up near 200
# Providers and places are what patients' records point to; they go in first.
DIRECTORY = frozenset({"Organization", "Location", "Practitioner", "PractitionerRole"})
_TYPE = re.compile(rb'"resourceType"\s*:\s*"([A-Za-z]{1,64})"')


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
    urls: dict[int, str] = field(default_factory=dict)  # entry index -> Bundle.entry.fullUrl


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
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), None, None, "no such file or folder"))
    return files, problems


def types_in(path: Path) -> set[str]:
    """The resource types a file holds, from a scan of its bytes (no parse): enough to plan
    the order of a run. Unreadable files scan as empty and fail when read."""
    found: set[str] = set()
    tail = b""
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                block = tail + chunk
                found.update(m.decode() for m in _TYPE.findall(block))
                tail = block[-200:]  # a name cut at the chunk's end is found in the next
    except OSError:
        return set()
    return found


def dependency_order(files: Sequence[Path], order: Sequence[str]) -> list[Path]:
    """Directories first, then files with patients, then the rest; among each, the file
    whose latest type in `order` comes earliest (Practitioner before PractitionerRole,
    CarePlan before Task); then by name, for a stable order."""
    rank = {t: n for n, t in enumerate(order)}

    def key(path: Path) -> tuple[int, int, str]:
        types = types_in(path) - {"Bundle"}
        if "Patient" in types:
            tier = 1
        elif types and types <= DIRECTORY:
            tier = 0
        else:
            tier = 2
        latest = max((rank.get(t, len(order)) for t in types), default=len(order))
        return (tier, latest, str(path))

    return sorted(files, key=key)


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON nests deeper than `limit` (checked before validation, which would
    otherwise exhaust Python's stack on a hostile file)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


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
    if too_deep(raw):
        problems.append(Problem(unit.file, index, rtype, f"nested deeper than {MAX_DEPTH} levels"))
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


def _text(name: str, data: bytes) -> tuple[str | None, Problem | None]:
    """Strict UTF-8 (with or without a byte-order mark), as FHIR's JSON format requires."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, Problem(name, None, None, f"not UTF-8 text (byte {exc.start} cannot be read)")


def read_json(path: Path, wanted: Wanted = EVERYTHING) -> tuple[list[Unit], list[Problem]]:
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [], [Problem(name, None, None, f"larger than {MAX_FILE_BYTES >> 20} MB")]
        text, bad = _text(name, path.read_bytes())
        if text is None:
            return [], [bad] if bad else []
        raw = json.loads(text)
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
        full_url = entry.get("fullUrl") if isinstance(entry, dict) else None
        if isinstance(full_url, str) and full_url:
            unit.urls[index] = full_url
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
        with path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                problem = _ndjson_line(unit, number, line, wanted, problems)
                if problem is not None:
                    problems.append(problem)
    except OSError as exc:
        return [], [Problem(name, None, None, f"cannot read: {exc.strerror}")]
    keep = unit.resources or unit.raw or unit.skipped
    return ([unit] if keep else []), problems


def _ndjson_line(
    unit: Unit, number: int, line: bytes, wanted: Wanted, problems: list[Problem]
) -> Problem | None:
    """One line into the unit; a Problem if the line itself cannot be read."""
    name = unit.file
    if not line.strip():
        return None
    if len(line) > MAX_LINE_BYTES:
        return Problem(name, number, None, f"a line longer than {MAX_LINE_BYTES >> 20} MB")
    try:
        raw = json.loads(line.decode("utf-8-sig" if number == 1 else "utf-8"))
    except UnicodeDecodeError as exc:
        return Problem(name, number, None, f"not UTF-8 text (byte {exc.start} cannot be read)")
    except json.JSONDecodeError as exc:
        return Problem(name, number, None, f"not valid JSON: {exc.msg}")
    except (RecursionError, ValueError):
        return Problem(name, number, None, "not usable JSON (nesting or size)")
    if not isinstance(raw, dict) or not isinstance(raw.get("resourceType"), str):
        return Problem(name, number, None, "not a FHIR resource (no resourceType)")
    _add(unit, number, raw, wanted, problems)
    return None


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
    except MemoryError:
        return [], [Problem(path.name, None, None, "too large to read into memory")]


def read_all(
    paths: Iterable[Path], wanted: Wanted = EVERYTHING, order: Sequence[str] = ()
) -> Iterator[tuple[Path | None, list[Unit], list[Problem]]]:
    """Each file's units and problems, file by file in dependency order (so a caller can
    show progress); nothing a file holds stops the files after it."""
    files, missing = expand(paths)
    if missing:
        yield None, [], missing
    for path in dependency_order(files, order):
        units, problems = read(path, wanted)
        yield path, units, problems
