"""Reading FHIR files for import: real Synthea bundles, single resources, Bulk Data ndjson,
and the broken inputs an EHR export produces (invalid entries, truncated files, bad lines)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pcc_tui.core.interop.fhir_files import expand, read, read_all
from pcc_tui.resources import fixtures_dir

SYNTHEA = fixtures_dir() / "fhir" / "synthea"
NED = SYNTHEA / "Ned_Hintz_e4b9259d-0f54-48d1-a35d-b526729a4dfe.json"


def _of_type(raw: dict[str, Any], rtype: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, e["resource"])
        for i, e in enumerate(raw["entry"])
        if e["resource"]["resourceType"] == rtype
    ]


def _counts_in_file(path: Path) -> Counter[str]:
    """The truth, read straight from the JSON, independent of the parser under test."""
    raw = json.loads(path.read_bytes())
    return Counter(e["resource"]["resourceType"] for e in raw["entry"])


@pytest.mark.parametrize("path", sorted(SYNTHEA.glob("*.json")), ids=lambda p: p.name[:12])
def test_synthea_bundles_parse_whole(path: Path) -> None:
    units, problems = read(path)
    assert problems == []
    [unit] = units
    assert unit.kind in ("transaction", "collection")
    assert Counter(type(r).__name__ for r in unit.resources) == _counts_in_file(path)


def test_a_folder_expands_to_its_files(tmp_path: Path) -> None:
    files, problems = expand([SYNTHEA, tmp_path / "missing.json"])
    assert [f.name for f in files] == sorted(p.name for p in SYNTHEA.glob("*.json"))
    assert [p.line() for p in problems] == [f"{tmp_path / 'missing.json'}: no such file or folder"]


def test_an_invalid_entry_refuses_the_whole_bundle(tmp_path: Path) -> None:
    raw = json.loads(NED.read_bytes())
    index = next(
        i for i, e in enumerate(raw["entry"]) if e["resource"]["resourceType"] == "Condition"
    )
    raw["entry"][index]["resource"]["onsetDateTime"] = "Kowalski-not-a-date"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(raw))
    units, problems = read(broken)
    assert units == []  # nothing of this bundle
    [problem] = problems
    assert (problem.file, problem.entry, problem.resource_type) == (
        "broken.json",
        index,
        "Condition",
    )
    assert problem.line().startswith(f"broken.json: entry {index} (Condition): onsetDateTime")
    assert "Kowalski" not in problem.line()  # the bad value may be patient data


def test_a_truncated_file_is_named(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_bytes(NED.read_bytes()[:5000])
    units, [problem] = read(cut)
    assert units == [] and problem.line().startswith("cut.json: not valid JSON (truncated?)")


def test_ndjson_good_lines_import_and_bad_lines_are_named(tmp_path: Path) -> None:
    raw = json.loads(NED.read_bytes())
    conditions = [
        e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Condition"
    ]
    lines = [json.dumps(c) for c in conditions]
    lines.insert(1, '{"resourceType": "Condition", "subject": ')  # cut short
    lines.append('{"resourceType": "NoSuchThing"}')
    lines.append("")
    lines.append('{"resourceType": "Condition", "recordedDate": 7}')
    bulk = tmp_path / "Condition.ndjson"
    bulk.write_text("\n".join(lines) + "\n")
    [unit], problems = read(bulk)
    assert [type(r).__name__ for r in unit.resources] == ["Condition"] * len(conditions)
    assert [(p.entry, p.resource_type) for p in problems] == [
        (2, None),
        (len(conditions) + 2, "NoSuchThing"),
        (len(conditions) + 4, "Condition"),
    ]
    assert problems[0].what.startswith("not valid JSON")
    assert problems[1].what == "unknown resource type"


def test_single_resources_and_non_fhir_json(tmp_path: Path) -> None:
    raw = json.loads(NED.read_bytes())
    patient = next(
        e["resource"] for e in raw["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    (tmp_path / "patient.json").write_text(json.dumps(patient))
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    results = {p.name: (u, pr) for p, u, pr in read_all([tmp_path]) if p is not None}
    [unit] = results["patient.json"][0]
    assert unit.kind == "resource" and type(unit.resources[0]).__name__ == "Patient"
    assert [p.what for p in results["other.json"][1]] == ["not a FHIR resource (no resourceType)"]
