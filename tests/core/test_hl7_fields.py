"""Fields are read as python-hl7 reads them: `hl7_message.extract` (the intake's fast path)
returns what `Segment.extract_field` returns, or fails where it fails, for every field,
repetition and component of every sample (ours, the builders' custom encodings, and the
third-party set where present: `.ci/run` requires it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hl7

from pcc_tui.core.interop.hl7_files import read_messages
from pcc_tui.core.interop.hl7_message import extract, normalise
from tests.hl7_builders import FIXTURES, SHARED, adt, sample_files, siu


def texts() -> Iterator[str]:
    for folder in (FIXTURES, SHARED) if SHARED.is_dir() else (FIXTURES,):
        for path in sample_files(folder):
            yield from read_messages(path)
    yield adt("A01", "MRN1", "C1", extra=("NK1|1|Lee^Sam^^^Dr|SPO||(217)555-0101~x&y",))
    yield siu("S12", "MRN1", "C2", appointment="APT-1")
    # Other encoding characters, escapes in values, empty and repeated fields.
    yield "MSH#*~$@#A#B#C#D#20260310##ADT*A01#X1#P#2.5\rPID#1##7*8*9~10@11###SMITH$F$JO"


def outcome(read: Any, *where: Any) -> tuple[str, Any]:
    try:
        return "value", read(*where)
    except (IndexError, KeyError, ValueError, TypeError):
        return "fails", None


def theirs(segment: Any, field: int, rep: int, component: int) -> Any:
    return segment.extract_field(1, field, rep, component, 1)


def test_extract_reads_every_field_as_python_hl7_does() -> None:
    compared = 0
    for text in texts():
        try:
            message = hl7.parse(normalise(text))
        except Exception:
            continue  # refused whole by the intake: nothing is read from it
        for segment in message:
            for field in range(len(segment) + 2):
                for rep in range(1, 4):
                    for component in range(1, 8):
                        where = (segment, field, rep, component)
                        assert outcome(extract, *where) == outcome(theirs, *where), where[1:]
                        compared += 1
    assert compared > 100_000
